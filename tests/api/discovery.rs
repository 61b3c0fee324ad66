//! The directory, trends and follow suggestions.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(people_and_topics_can_be_found);

async fn people_and_topics_can_be_found(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let bob_id = bob.me().await.id();
    cat.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let popular = bob.toot("The #offsite agenda is out", json!({})).await.id();
    cat.toot("See you at the #offsite", json!({})).await;
    ann.toot("#lunch anyone?", json!({})).await;
    cat.post(&format!("/api/v1/statuses/{popular}/favourite")).await;

    let directory = ann.get("/api/v1/directory?order=active&local=true").await;
    let names: Vec<&str> = directory.array().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let newest = ann.get("/api/v1/directory?order=new&limit=1").await;
    assert_eq!(newest.array()[0]["username"], "cat");

    let tags = ann.get("/api/v1/trends/tags").await;
    assert_eq!(tags.array()[0]["name"], "offsite", "{}", tags.body);
    assert_eq!(tags.array()[0]["history"][0]["uses"], "2");
    let statuses = ann.get("/api/v1/trends/statuses").await;
    assert_eq!(statuses.ids(), vec![popular], "only posts people interacted with trend");

    let suggested = ann.get("/api/v2/suggestions").await;
    assert_eq!(suggested.array()[0]["account"]["username"], "bob", "the most followed comes first: {}", suggested.body);
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let after = ann.get("/api/v2/suggestions").await;
    assert!(after.array().iter().all(|s| s["account"]["username"] != "bob" && s["account"]["username"] != "ann"));
}
