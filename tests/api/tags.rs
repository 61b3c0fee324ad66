//! Hashtags: their page with a week of history, following them, and followed tags feeding home.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(followed_tags_bring_posts_home, tag_history_counts_only_what_anyone_may_read, tags_are_featured_and_unknown_ones_made);

/// A tag's public history counts public and unlisted statuses; private and direct ones never show in it.
async fn tag_history_counts_only_what_anyone_may_read(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    ann.toot("planning the #reorg quietly", json!({"visibility": "private"})).await;
    ann.toot("@bob about the #reorg", json!({"visibility": "direct"})).await;
    let anonymous = server.anonymous();
    let hidden = anonymous.get("/api/v1/tags/reorg").await;
    assert_eq!(hidden.status, 200, "{}", hidden.body);
    assert_eq!(hidden.body["history"][0]["uses"], "0", "{}", hidden.body);
    assert_eq!(hidden.body["history"][0]["accounts"], "0", "{}", hidden.body);
    bob.toot("the #reorg is announced", json!({})).await;
    bob.toot("more on the #reorg", json!({"visibility": "unlisted"})).await;
    let counted = anonymous.get("/api/v1/tags/reorg").await;
    assert_eq!(counted.body["history"][0]["uses"], "2", "{}", counted.body);
    assert_eq!(counted.body["history"][0]["accounts"], "1", "{}", counted.body);
    let week: i64 = counted.body["history"].as_array().unwrap().iter().map(|day| day["uses"].as_str().unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(week, 2);
}

async fn followed_tags_bring_posts_home(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    bob.toot("first #LrnChat of the week", json!({})).await;
    cat.toot("joining #lrnchat", json!({})).await;

    let tag = ann.get("/api/v1/tags/lrnchat").await;
    assert_eq!(tag.status, 200, "{}", tag.body);
    assert_eq!(tag.str("name"), "lrnchat");
    assert_eq!(tag.body["following"], false);
    assert_eq!(tag.body["history"].as_array().unwrap().len(), 7);
    assert_eq!(tag.body["history"][0]["uses"], "2");
    assert_eq!(tag.body["history"][0]["accounts"], "2");
    assert_eq!(ann.get("/api/v1/tags/nosuchtag").await.status, 404);

    let followed = ann.post("/api/v1/tags/LrnChat/follow").await;
    assert_eq!(followed.body["following"], true);
    assert_eq!(ann.get("/api/v1/followed_tags").await.array()[0]["name"], "lrnchat");
    let later = bob.toot("question two of #lrnchat", json!({})).await.id();
    let quiet = bob.toot("followers-only #lrnchat", json!({"visibility": "private"})).await.id();
    let home = ann.get("/api/v1/timelines/home").await.ids();
    assert!(home.contains(&later), "a public post with a followed tag comes home: {home:?}");
    assert!(!home.contains(&quiet), "a followers-only post does not");

    assert_eq!(ann.post("/api/v1/tags/lrnchat/unfollow").await.body["following"], false);
    assert_eq!(ann.get("/api/v1/followed_tags").await.body, json!([]));
    let after = bob.toot("question three of #lrnchat", json!({})).await.id();
    assert!(!ann.get("/api/v1/timelines/home").await.ids().contains(&after));
}

/// Following, unfollowing and featuring a tag nobody used yet makes it, as Mastodon does.
async fn tags_are_featured_and_unknown_ones_made(server: TestServer) {
    let ann = server.login("ann").await;
    let unfollowed = ann.post("/api/v1/tags/neverseen/unfollow").await;
    assert_eq!((unfollowed.status, unfollowed.body["following"].clone()), (200, json!(false)), "{}", unfollowed.text);
    let featured = ann.post("/api/v1/tags/Kubernetes/feature").await;
    assert_eq!(featured.status, 200, "{}", featured.text);
    assert_eq!((featured.body["name"].clone(), featured.body["featuring"].clone()), (json!("kubernetes"), json!(true)));
    let mine = ann.get("/api/v1/featured_tags").await;
    assert_eq!(mine.body[0]["name"], "Kubernetes");
    assert_eq!(ann.get("/api/v1/tags/kubernetes").await.body["featuring"], true);
    let unfeatured = ann.post("/api/v1/tags/kubernetes/unfeature").await;
    assert_eq!(unfeatured.body["featuring"], false);
    assert_eq!(ann.get("/api/v1/featured_tags").await.body, json!([]));
    assert_eq!(ann.post("/api/v1/tags/not%20a%20tag/feature").await.status, 404);
    assert!(server.anonymous().get("/api/v1/tags/kubernetes").await.body.get("featuring").is_none());
}
