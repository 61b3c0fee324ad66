//! Lists: CRUD, members (followed accounts only), list timelines with replies policies, exclusive lists.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(lists_are_managed_like_mastodon, list_timelines_follow_members_and_policies);

async fn lists_are_managed_like_mastodon(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let bob_id = bob.me().await.id();
    let cat_id = cat.me().await.id();

    let created = ann.post_json("/api/v1/lists", &json!({"title": "Engineering", "replies_policy": "followed"})).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body, json!({"id": created.id(), "title": "Engineering", "replies_policy": "followed", "exclusive": false}));
    let list = created.id();
    assert_eq!(ann.post_json("/api/v1/lists", &json!({"title": " "})).await.status, 422);
    assert_eq!(ann.post_json("/api/v1/lists", &json!({"title": "x", "replies_policy": "all"})).await.status, 422);
    let renamed = ann.put_json(&format!("/api/v1/lists/{list}"), &json!({"title": "Eng", "exclusive": true})).await;
    assert_eq!((renamed.str("title"), renamed.body["exclusive"].clone()), ("Eng".to_owned(), json!(true)));
    assert_eq!(ann.get("/api/v1/lists").await.ids(), vec![list.clone()]);
    assert_eq!(bob.get(&format!("/api/v1/lists/{list}")).await.status, 404, "lists are private to their owner");

    let stranger = ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id)]).await;
    assert_eq!(stranger.status, 422, "only followed accounts can be added");
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    ann.post(&format!("/api/v1/accounts/{cat_id}/follow")).await;
    let added = ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id), ("account_ids[]", &cat_id)]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let mut members = ann.get(&format!("/api/v1/lists/{list}/accounts")).await.ids();
    members.sort();
    let mut expected = vec![bob_id.clone(), cat_id.clone()];
    expected.sort();
    assert_eq!(members, expected);
    assert_eq!(ann.get(&format!("/api/v1/accounts/{bob_id}/lists")).await.ids(), vec![list.clone()]);
    let removed = ann.send(ann.client.delete(format!("{}/api/v1/lists/{list}/accounts", ann.base)).bearer_auth(ann.token.as_ref().unwrap()).json(&json!({"account_ids": [cat_id]}))).await;
    assert_eq!(removed.status, 200);
    assert_eq!(ann.get(&format!("/api/v1/lists/{list}/accounts")).await.ids(), vec![bob_id]);

    assert_eq!(ann.delete(&format!("/api/v1/lists/{list}")).await.status, 200);
    assert_eq!(ann.get(&format!("/api/v1/lists/{list}")).await.status, 404);
}

async fn list_timelines_follow_members_and_policies(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let (bob_id, cat_id) = (bob.me().await.id(), cat.me().await.id());
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    ann.post(&format!("/api/v1/accounts/{cat_id}/follow")).await;
    let list = ann.post_json("/api/v1/lists", &json!({"title": "Bob only", "replies_policy": "none", "exclusive": true})).await.id();
    ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id)]).await;

    let from_bob = bob.toot("bob's news", json!({})).await.id();
    let from_cat = cat.toot("cat's news", json!({})).await.id();
    let bob_reply = bob.toot("@cat replying", json!({"in_reply_to_id": from_cat})).await.id();
    let timeline = ann.get(&format!("/api/v1/timelines/list/{list}")).await;
    assert_eq!(timeline.ids(), vec![from_bob.clone()], "members only, and no replies with policy none");
    let home = ann.get("/api/v1/timelines/home").await.ids();
    assert!(home.contains(&from_cat) && !home.contains(&from_bob), "an exclusive list's members leave the home timeline: {home:?}");

    ann.put_json(&format!("/api/v1/lists/{list}"), &json!({"replies_policy": "followed", "exclusive": false})).await;
    let timeline = ann.get(&format!("/api/v1/timelines/list/{list}")).await.ids();
    assert_eq!(timeline, vec![bob_reply, from_bob.clone()], "a reply to someone ann follows shows with policy followed");
    assert!(ann.get("/api/v1/timelines/home").await.ids().contains(&from_bob));
}
