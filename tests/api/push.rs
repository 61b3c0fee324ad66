//! Web Push subscriptions: stored per token and returned with the instance's VAPID key.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(push_subscriptions_are_kept_per_token);

async fn push_subscriptions_are_kept_per_token(server: TestServer) {
    let phone = server.login("ann").await;
    let laptop = server.token_for("ann", "read write follow push").await;
    assert_eq!(phone.get("/api/v1/push/subscription").await.status, 404);

    let created = phone
        .post_json(
            "/api/v1/push/subscription",
            &json!({
                "subscription": {"endpoint": "https://push.example/send/abc", "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}},
                "data": {"alerts": {"mention": true, "favourite": "1"}, "policy": "followed"}
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["alerts"]["mention"], true);
    assert_eq!(created.body["alerts"]["favourite"], true);
    assert_eq!(created.body["alerts"]["follow"], false);
    assert_eq!(created.body["policy"], "followed");
    let server_key = created.str("server_key");
    assert_eq!(server_key.len(), 87, "an uncompressed P-256 point in base64url: {server_key}");
    let instance = server.anonymous().get("/api/v2/instance").await;
    assert_eq!(instance.body["configuration"]["vapid"]["public_key"], server_key.as_str());

    assert_eq!(laptop.get("/api/v1/push/subscription").await.status, 404, "subscriptions belong to one token");
    let updated = phone.put_json("/api/v1/push/subscription", &json!({"data": {"alerts": {"follow": true}}})).await;
    assert_eq!((updated.body["alerts"]["follow"].clone(), updated.body["alerts"]["mention"].clone()), (json!(true), json!(true)));
    let bad = phone.post_json("/api/v1/push/subscription", &json!({"subscription": {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}}})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(phone.delete("/api/v1/push/subscription").await.status, 200);
    assert_eq!(phone.get("/api/v1/push/subscription").await.status, 404);
    let reader = server.token_for("ann", "read").await;
    assert_eq!(reader.get("/api/v1/push/subscription").await.status, 403, "the push scope is needed");
}
