//! Quote posts (Mastodon 4.5): quoting with a policy, the `quote` and `quote_approval` fields, the quotes of a
//! status, revoking, changing the policy, and the notifications of quotes and of quoted edits.

use serde_json::{json, Value};

use crate::support::{Api, TestServer};

crate::on_both_backends!(
    a_public_status_is_quoted_and_its_author_told,
    policies_decide_who_may_quote,
    private_and_direct_statuses_and_quotes,
    the_quoted_author_revokes_and_changes_the_policy,
    quoted_edits_and_deletions_reach_the_quotes,
);

async fn quote(api: &Api, text: &str, quoted: &str, extra: Value) -> crate::support::Resp {
    let mut body = json!({"status": text, "quoted_status_id": quoted});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    api.post_json("/api/v1/statuses", &body).await
}

async fn a_public_status_is_quoted_and_its_author_told(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let original = ann.toot("Ship it on Friday?", json!({})).await;
    let id = original.id();
    assert_eq!(original.body["quote"], Value::Null);
    assert_eq!(original.body["quote_approval"], json!({"automatic": ["public"], "manual": [], "current_user": "automatic"}));
    assert_eq!(bob.get(&format!("/api/v1/statuses/{id}")).await.body["quote_approval"]["current_user"], "automatic");
    assert_eq!(server.anonymous().get(&format!("/api/v1/statuses/{id}")).await.body["quote_approval"]["current_user"], "denied");

    let quoting = quote(&bob, "Please not on a Friday", &id, json!({})).await;
    assert_eq!(quoting.status, 200, "{}", quoting.text);
    assert_eq!(quoting.body["quote"]["state"], "accepted", "{}", quoting.body);
    assert_eq!(quoting.body["quote"]["quoted_status"]["id"], id.as_str());
    let content = quoting.str("content");
    assert!(content.starts_with("<p class=\"quote-inline\">RE: <a href="), "{content}");
    assert!(content.ends_with("<p>Please not on a Friday</p>"), "{content}");

    let told = ann.get("/api/v1/notifications?types[]=quote").await;
    assert_eq!(told.array().len(), 1, "{}", told.body);
    assert_eq!((told.body[0]["account"]["username"].as_str(), told.body[0]["status"]["id"].as_str()), (Some("bob"), Some(quoting.id().as_str())));
    assert_eq!(ann.get(&format!("/api/v1/statuses/{id}")).await.body["quotes_count"], 1);
    let quotes = ann.get(&format!("/api/v1/statuses/{id}/quotes")).await;
    assert_eq!(quotes.status, 200, "{}", quotes.text);
    assert_eq!(quotes.ids(), vec![quoting.id()]);
    assert_eq!(server.anonymous().get(&format!("/api/v1/statuses/{id}/quotes")).await.status, 401);
    assert!(bob.get("/api/v1/timelines/home").await.array().iter().any(|s| s["quote"]["quoted_status"]["id"] == id.as_str()));

    // A quote of a quote shows the inner one by id only, and a quote may say nothing more.
    let cy = server.login("cy").await;
    let nested = quote(&cy, "", &quoting.id(), json!({})).await;
    assert_eq!(nested.status, 200, "{}", nested.text);
    let inner = &nested.body["quote"]["quoted_status"]["quote"];
    assert_eq!(*inner, json!({"state": "accepted", "quoted_status_id": id}), "{}", nested.body);
    assert_eq!(quote(&bob, "nothing there", "424242", json!({})).await.status, 404);
    assert_eq!(quote(&bob, "x", &id, json!({"quote_approval_policy": "friends"})).await.status, 422);
}

async fn policies_decide_who_may_quote(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    let nobody = ann.toot("Mine alone", json!({"quote_approval_policy": "nobody"})).await;
    assert_eq!(nobody.body["quote_approval"], json!({"automatic": [], "manual": [], "current_user": "automatic"}));
    assert_eq!(bob.get(&format!("/api/v1/statuses/{}", nobody.id())).await.body["quote_approval"]["current_user"], "denied");
    assert_eq!(quote(&bob, "quoting anyway", &nobody.id(), json!({})).await.status, 404);
    assert_eq!(quote(&ann, "my own words again", &nobody.id(), json!({})).await.status, 200, "its author always may");

    let followers = ann.toot("For my followers to quote", json!({"quote_approval_policy": "followers"})).await.id();
    assert_eq!(quote(&bob, "not yet", &followers, json!({})).await.status, 404);
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert_eq!(bob.get(&format!("/api/v1/statuses/{followers}")).await.body["quote_approval"]["current_user"], "automatic");
    assert_eq!(quote(&bob, "now I may", &followers, json!({})).await.status, 200);
}

async fn private_and_direct_statuses_and_quotes(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    let private = ann.toot("Followers only", json!({"visibility": "private", "quote_approval_policy": "public"})).await;
    assert_eq!(private.body["quote_approval"]["automatic"], json!([]), "a private status is quoted by nobody else");
    assert_eq!(quote(&bob, "leak", &private.id(), json!({})).await.status, 404);
    let own = quote(&ann, "Still followers only", &private.id(), json!({"visibility": "public"})).await;
    assert_eq!((own.status, own.str("visibility")), (200, "private".to_owned()), "quoting a private status keeps the quote private");
    assert_eq!(bob.get(&format!("/api/v1/statuses/{}", own.id())).await.body["quote"]["quoted_status"]["id"], private.id().as_str());

    let direct = ann.toot("@bob between us", json!({"visibility": "direct"})).await.id();
    assert_eq!(quote(&bob, "and everyone", &direct, json!({})).await.status, 404, "direct statuses are never quoted");
    let public = ann.toot("Open to all", json!({})).await.id();
    let cy = server.login("cy").await;
    let unmentioned = quote(&cy, "@bob look", &public, json!({"visibility": "direct"})).await;
    assert_eq!(unmentioned.status, 422, "{}", unmentioned.text);
    assert!(unmentioned.error().contains("Cannot quote a non-mentioned user"), "{}", unmentioned.text);
    assert_eq!(quote(&cy, "@ann about this", &public, json!({"visibility": "direct"})).await.status, 200);
}

async fn the_quoted_author_revokes_and_changes_the_policy(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let id = ann.toot("Quotable, for now", json!({})).await.id();
    let quoting = quote(&bob, "Quoting it", &id, json!({})).await.id();
    let refused = bob.post(&format!("/api/v1/statuses/{id}/quotes/{quoting}/revoke")).await;
    assert_eq!(refused.status, 403, "only the quoted author revokes");
    let revoked = ann.post(&format!("/api/v1/statuses/{id}/quotes/{quoting}/revoke")).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!((revoked.id(), revoked.body["quote"].clone()), (quoting.clone(), json!({"state": "revoked", "quoted_status": null})));
    assert_eq!(bob.get(&format!("/api/v1/statuses/{quoting}")).await.body["quote"]["state"], "revoked");
    assert_eq!(ann.get(&format!("/api/v1/statuses/{id}/quotes")).await.body, json!([]));
    assert_eq!(ann.get(&format!("/api/v1/statuses/{id}")).await.body["quotes_count"], 0);

    let path = format!("/api/v1/statuses/{id}/interaction_policy");
    let changed = ann.send(ann.request(reqwest::Method::PUT, &path).json(&json!({"quote_approval_policy": "nobody"}))).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["quote_approval"]["automatic"], json!([]));
    assert_eq!(quote(&bob, "again", &id, json!({})).await.status, 404);
    assert_eq!(bob.send(bob.request(reqwest::Method::PUT, &path).json(&json!({"quote_approval_policy": "public"}))).await.status, 403);
    assert_eq!(ann.send(ann.request(reqwest::Method::PUT, &path).json(&json!({"quote_approval_policy": "all"}))).await.status, 422);
}

async fn quoted_edits_and_deletions_reach_the_quotes(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let id = ann.toot("The plan: Tuesday", json!({})).await.id();
    let quoting = quote(&bob, "Agreed", &id, json!({})).await.id();
    ann.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "The plan: Wednesday"})).await;
    let told = bob.get("/api/v1/notifications?types[]=quoted_update").await;
    assert_eq!(told.array().len(), 1, "{}", told.body);
    assert_eq!((told.body[0]["account"]["username"].as_str(), told.body[0]["status"]["id"].as_str()), (Some("ann"), Some(quoting.as_str())));
    assert!(bob.get(&format!("/api/v1/statuses/{quoting}")).await.body["quote"]["quoted_status"]["content"].as_str().unwrap().contains("Wednesday"));
    ann.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "The plan: Thursday"})).await;
    assert_eq!(bob.get("/api/v1/notifications?types[]=quoted_update").await.array().len(), 1, "one notification per quote");

    assert_eq!(ann.delete(&format!("/api/v1/statuses/{id}")).await.status, 200);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{quoting}")).await.body["quote"], json!({"state": "deleted", "quoted_status": null}));
}
