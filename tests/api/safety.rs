//! Mutes, blocks and domain blocks, locally and across instances.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(mutes_hide_without_telling, blocks_cut_both_ways);

async fn mutes_hide_without_telling(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let before = bob.toot("before the mute", json!({})).await.id();

    let muted = ann.post_json(&format!("/api/v1/accounts/{bob_id}/mute"), &json!({"notifications": true, "duration": 3600})).await;
    assert_eq!((muted.body["muting"].clone(), muted.body["muting_notifications"].clone()), (json!(true), json!(true)));
    assert!(muted.body["muting_expires_at"].is_string());
    assert_eq!(ann.get("/api/v1/mutes").await.ids(), vec![bob_id.clone()]);
    let during = bob.toot("@ann during the mute #news", json!({})).await.id();
    let home = ann.get("/api/v1/timelines/home").await.ids();
    assert!(!home.contains(&before) && !home.contains(&during), "{home:?}");
    assert!(!ann.get("/api/v1/timelines/public").await.ids().contains(&during));
    assert!(!ann.get("/api/v1/timelines/tag/news").await.ids().contains(&during));
    assert_eq!(ann.get("/api/v1/notifications").await.body, json!([]), "no notifications from a muted account");
    assert_eq!(ann.get(&format!("/api/v1/statuses/{during}")).await.status, 200, "a muted account's post can still be opened");
    assert_eq!(bob.get(&format!("/api/v1/accounts/relationships?id[]={}", ann.me().await.id())).await.body[0]["followed_by"], true, "the muted one notices nothing");

    ann.post(&format!("/api/v1/accounts/{bob_id}/unmute")).await;
    assert!(ann.get("/api/v1/timelines/home").await.ids().contains(&during));
    assert_eq!(ann.get("/api/v1/mutes").await.body, json!([]));
}

async fn blocks_cut_both_ways(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (ann_id, bob_id) = (ann.me().await.id(), bob.me().await.id());
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    let anns = ann.toot("ann's post", json!({})).await.id();

    let blocked = ann.post(&format!("/api/v1/accounts/{bob_id}/block")).await;
    assert_eq!(blocked.body["blocking"], true);
    assert_eq!((blocked.body["following"].clone(), blocked.body["followed_by"].clone()), (json!(false), json!(false)), "follows end both ways");
    assert_eq!(ann.get("/api/v1/blocks").await.ids(), vec![bob_id.clone()]);
    assert_eq!(bob.get(&format!("/api/v1/accounts/relationships?id[]={ann_id}")).await.body[0]["blocked_by"], true);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{anns}")).await.status, 404, "the blocked cannot open the blocker's posts");
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 403);
    bob.toot("@ann hello?", json!({})).await;
    assert_eq!(ann.get("/api/v1/notifications").await.array().iter().filter(|n| n["type"] == "mention").count(), 0);

    ann.post(&format!("/api/v1/accounts/{bob_id}/unblock")).await;
    assert_eq!(bob.get(&format!("/api/v1/statuses/{anns}")).await.status, 200);
    assert_eq!(ann.get("/api/v1/blocks").await.body, json!([]));

    assert_eq!(ann.post_form("/api/v1/domain_blocks", &[("domain", "spam.example")]).await.status, 200);
    assert_eq!(ann.get("/api/v1/domain_blocks").await.body, json!(["spam.example"]));
    assert_eq!(ann.send(ann.client.delete(format!("{}/api/v1/domain_blocks?domain=spam.example", ann.base)).bearer_auth(ann.token.as_ref().unwrap())).await.status, 200);
    assert_eq!(ann.get("/api/v1/domain_blocks").await.body, json!([]));
}
