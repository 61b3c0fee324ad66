//! Notifications: what causes them (mention, follow, favourite, reblog, update), their shape,
//! filters, one by id, dismiss and clear, and what undoes or never makes them.

use serde_json::{json, Value};

use crate::statuses::follow;
use crate::support::{Api, Resp, TestServer};

crate::on_both_backends!(
    each_action_notifies_with_its_shape,
    edit_notifies_those_who_reblogged,
    types_and_exclude_types_filter,
    show_dismiss_and_clear,
    unfavourite_removes_the_notification,
    nothing_for_acting_on_your_own_status,
);

async fn notifications(api: &Api, query: &str) -> Resp {
    let list = api.get(&format!("/api/v1/notifications{query}")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list
}

fn types(list: &Resp) -> Vec<&str> {
    list.array().iter().map(|n| n["type"].as_str().unwrap()).collect()
}

fn find<'a>(list: &'a Resp, kind: &str) -> &'a Value {
    list.array().iter().find(|n| n["type"] == kind).unwrap_or_else(|| panic!("no {kind} in {}", list.body))
}

async fn post_action(api: &Api, id: &str, action: &str) {
    let answer = api.post(&format!("/api/v1/statuses/{id}/{action}")).await;
    assert_eq!(answer.status, 200, "{action}: {}", answer.body);
}

async fn each_action_notifies_with_its_shape(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let ann_id = ann.me().await.id();
    let mention = ann.toot("hello @bob", json!({})).await.id();
    follow(&ann, &bob).await;
    let bobs = bob.toot("my own post", json!({})).await.id();
    post_action(&ann, &bobs, "favourite").await;
    post_action(&ann, &bobs, "reblog").await;

    let list = notifications(&bob, "").await;
    assert_eq!(types(&list), vec!["reblog", "favourite", "follow", "mention"], "newest first");
    for notification in list.array() {
        assert!(notification["id"].is_string(), "{notification}");
        assert!(notification["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{notification}");
        assert_eq!(notification["account"]["id"], ann_id.as_str());
        assert_eq!(notification["account"]["username"], "ann");
        assert!(notification["group_key"].is_string());
    }
    let mentioned = find(&list, "mention");
    assert_eq!(mentioned["status"]["id"], mention.as_str());
    assert_eq!(mentioned["status"]["mentions"][0]["username"], "bob");
    assert!(find(&list, "follow").get("status").is_none(), "a follow has no status key");
    assert_eq!(find(&list, "favourite")["status"]["id"], bobs.as_str());
    assert_eq!(find(&list, "favourite")["status"]["favourites_count"], 1);
    let reblogged = find(&list, "reblog");
    assert_eq!(reblogged["status"]["id"], bobs.as_str(), "a reblog notification carries the original");
    assert!(reblogged["status"]["reblog"].is_null());
    assert_eq!(notifications(&ann, "").await.array().len(), 0, "the actor is not notified");
    assert_eq!(server.anonymous().get("/api/v1/notifications").await.status, 401);
}

async fn edit_notifies_those_who_reblogged(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let id = ann.toot("version one", json!({})).await.id();
    post_action(&bob, &id, "reblog").await;
    post_action(&carol, &id, "favourite").await;
    let edited = ann.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "version two"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    let bobs = notifications(&bob, "").await;
    assert_eq!(types(&bobs), vec!["update"]);
    let update = &bobs.array()[0];
    assert_eq!(update["account"]["username"], "ann");
    assert_eq!(update["status"]["id"], id.as_str());
    assert_eq!(update["status"]["content"], "<p>version two</p>");
    assert!(update["status"]["edited_at"].is_string());
    assert_eq!(types(&notifications(&carol, "").await), Vec::<&str>::new(), "favouriting does not subscribe to edits");
    assert_eq!(types(&notifications(&ann, "").await), vec!["favourite", "reblog"]);
}

async fn types_and_exclude_types_filter(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let mention = ann.toot("hi @bob", json!({})).await.id();
    follow(&ann, &bob).await;
    let bobs = bob.toot("fav this", json!({})).await.id();
    post_action(&ann, &bobs, "favourite").await;
    assert_eq!(types(&notifications(&bob, "").await), vec!["favourite", "follow", "mention"]);

    let only_mentions = notifications(&bob, "?types[]=mention").await;
    assert_eq!(types(&only_mentions), vec!["mention"]);
    assert_eq!(only_mentions.array()[0]["status"]["id"], mention.as_str());
    let encoded = notifications(&bob, "?types%5B%5D=mention&types%5B%5D=follow").await;
    assert_eq!(types(&encoded), vec!["follow", "mention"]);
    let without_follows = notifications(&bob, "?exclude_types[]=follow").await;
    assert_eq!(types(&without_follows), vec!["favourite", "mention"]);
    let without_two = notifications(&bob, "?exclude_types[]=follow&exclude_types[]=mention").await;
    assert_eq!(types(&without_two), vec!["favourite"]);
    let both = notifications(&bob, "?types[]=mention&types[]=follow&exclude_types[]=follow").await;
    assert_eq!(types(&both), vec!["mention"]);
}

async fn show_dismiss_and_clear(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let carol = server.login("carol").await;
    ann.toot("hi @bob", json!({})).await;
    follow(&ann, &bob).await;
    follow(&carol, &bob).await;
    let list = notifications(&bob, "").await;
    assert_eq!(list.array().len(), 3);
    let first = list.array()[2].clone();
    let id = first["id"].as_str().unwrap().to_owned();

    let shown = bob.get(&format!("/api/v1/notifications/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body, first);
    assert_eq!(shown.str("type"), "mention");
    assert_eq!(ann.get(&format!("/api/v1/notifications/{id}")).await.status, 404, "only the owner sees it");
    assert_eq!(ann.post(&format!("/api/v1/notifications/{id}/dismiss")).await.status, 404);

    let dismissed = bob.post(&format!("/api/v1/notifications/{id}/dismiss")).await;
    assert_eq!(dismissed.status, 200, "{}", dismissed.body);
    assert_eq!(bob.get(&format!("/api/v1/notifications/{id}")).await.status, 404);
    assert_eq!(types(&notifications(&bob, "").await), vec!["follow", "follow"]);

    let cleared = bob.post("/api/v1/notifications/clear").await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
    let after = ann.toot("again @bob", json!({})).await.id();
    let fresh = notifications(&bob, "").await;
    assert_eq!(types(&fresh), vec!["mention"]);
    assert_eq!(fresh.array()[0]["status"]["id"], after.as_str());
}

async fn unfavourite_removes_the_notification(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let id = bob.toot("fleeting", json!({})).await.id();
    post_action(&ann, &id, "favourite").await;
    assert_eq!(types(&notifications(&bob, "").await), vec!["favourite"]);
    post_action(&ann, &id, "unfavourite").await;
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
    post_action(&ann, &id, "reblog").await;
    post_action(&ann, &id, "unreblog").await;
    assert_eq!(notifications(&bob, "").await.array().len(), 0, "unreblog removes the reblog notification");
}

async fn nothing_for_acting_on_your_own_status(server: TestServer) {
    let bob = server.login("bob").await;
    let id = bob.toot("talking to myself @bob", json!({})).await.id();
    post_action(&bob, &id, "favourite").await;
    post_action(&bob, &id, "reblog").await;
    post_action(&bob, &id, "bookmark").await;
    let reply = bob.toot("@bob replying to myself", json!({"in_reply_to_id": id})).await;
    assert_eq!(reply.body["mentions"][0]["username"], "bob");
    let edited = bob.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "edited @bob"})).await;
    assert_eq!(edited.status, 200);
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
}
