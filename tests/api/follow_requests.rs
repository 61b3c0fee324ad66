//! Locked accounts, follow requests, `status` notifications and the unread count.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(locked_accounts_decide_who_follows, subscribers_are_told_of_posts_and_unread_is_counted);

async fn locked_accounts_decide_who_follows(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    assert_eq!(ann.patch_form("/api/v1/accounts/update_credentials", &[("locked", "true")]).await.body["locked"], true);
    let ann_id = ann.me().await.id();
    let asked = bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert_eq!((asked.body["following"].clone(), asked.body["requested"].clone()), (json!(false), json!(true)));
    cat.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;

    let note = ann.get("/api/v1/notifications?types[]=follow_request").await;
    assert_eq!(note.array().len(), 2);
    assert_eq!(ann.me().await.body["source"]["follow_requests_count"], 2);
    let requests = ann.get("/api/v1/follow_requests").await;
    let mut names: Vec<&str> = requests.array().iter().map(|a| a["username"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["bob", "cat"]);
    let (bob_id, cat_id) = (bob.me().await.id(), cat.me().await.id());
    assert_eq!(ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_id}")).await.body[0]["requested_by"], true);

    let private = ann.toot("for followers", json!({"visibility": "private"})).await.id();
    assert_eq!(bob.get(&format!("/api/v1/statuses/{private}")).await.status, 404, "a pending request sees nothing");
    let authorized = ann.post(&format!("/api/v1/follow_requests/{bob_id}/authorize")).await;
    assert_eq!(authorized.body["followed_by"], true, "{}", authorized.body);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{private}")).await.status, 200);
    assert_eq!(bob.get(&format!("/api/v1/accounts/relationships?id[]={ann_id}")).await.body[0]["following"], true);
    let rejected = ann.post(&format!("/api/v1/follow_requests/{cat_id}/reject")).await;
    assert_eq!(rejected.body["followed_by"], false);
    assert_eq!(cat.get(&format!("/api/v1/accounts/relationships?id[]={ann_id}")).await.body[0]["requested"], false);
    assert_eq!(ann.get("/api/v1/follow_requests").await.body, json!([]));
    let left = ann.get("/api/v1/notifications?types[]=follow_request").await;
    assert_eq!(left.body, json!([]), "answered requests are no longer news");
    assert_eq!(ann.get("/api/v2/notifications?types[]=follow_request").await.body["notification_groups"], json!([]));
    assert_eq!(ann.post(&format!("/api/v1/follow_requests/{cat_id}/authorize")).await.status, 404);
    let dan = server.login("dan").await;
    dan.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert_eq!(ann.get("/api/v1/notifications?types[]=follow_request").await.array().len(), 1);
    dan.post(&format!("/api/v1/accounts/{ann_id}/unfollow")).await;
    assert_eq!(ann.get("/api/v1/notifications?types[]=follow_request").await.body, json!([]), "a withdrawn request goes too");
    assert_eq!(ann.me().await.body["followers_count"], 1);
}

async fn subscribers_are_told_of_posts_and_unread_is_counted(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    assert_eq!(bob.post_json(&format!("/api/v1/accounts/{ann_id}/follow"), &json!({"notify": true})).await.body["notifying"], true);
    let posted = ann.toot("news for subscribers", json!({})).await.id();
    ann.toot("a direct note for nobody", json!({"visibility": "direct"})).await;
    let told = bob.get("/api/v1/notifications?types[]=status").await;
    assert_eq!(told.array().len(), 1);
    assert_eq!(told.body[0]["status"]["id"], posted.as_str());

    assert_eq!(bob.get("/api/v1/notifications/unread_count").await.body, json!({"count": 1}));
    let newest = told.body[0]["id"].as_str().unwrap().to_owned();
    bob.post_json("/api/v1/markers", &json!({"notifications": {"last_read_id": newest}})).await;
    assert_eq!(bob.get("/api/v1/notifications/unread_count").await.body, json!({"count": 0}));
    ann.post(&format!("/api/v1/statuses/{posted}/pin")).await;
    ann.toot(&format!("@bob hello"), json!({})).await;
    assert_eq!(bob.get("/api/v1/notifications/unread_count").await.body, json!({"count": 1}), "a mention is one notification, not also a status one");
}
