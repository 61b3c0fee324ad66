//! The directory, trends and follow suggestions.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(people_and_topics_can_be_found, links_shared_by_most_people_trend);

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

async fn links_shared_by_most_people_trend(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    ann.toot("New expense policy: https://wiki.corp.example/expenses", json!({})).await;
    bob.toot("Read this https://wiki.corp.example/expenses before Friday", json!({})).await;
    bob.toot("and https://wiki.corp.example/expenses again, plus https://status.corp.example", json!({})).await;
    cat.toot("private https://secret.corp.example", json!({"visibility": "private"})).await;
    cat.toot("@ann see #expenses", json!({})).await;

    let trends = server.anonymous().get("/api/v1/trends/links").await;
    assert_eq!(trends.status, 200, "{}", trends.body);
    let urls: Vec<&str> = trends.array().iter().map(|l| l["url"].as_str().unwrap()).collect();
    assert_eq!(urls, ["https://wiki.corp.example/expenses", "https://status.corp.example"], "private posts, mentions and hashtags are no links");
    let top = &trends.array()[0];
    assert_eq!(top["type"], "link");
    assert_eq!(top["provider_name"], "wiki.corp.example");
    let today = &top["history"][0];
    assert_eq!((today["uses"].clone(), today["accounts"].clone()), (json!("3"), json!("2")));
    assert_eq!(top["history"].as_array().unwrap().len(), 7);
    assert_eq!(server.anonymous().get("/api/v1/trends/links?limit=1&offset=1").await.array().len(), 1);

    // The link's timeline: the public statuses that share it, newest first.
    let shared = server.anonymous().get("/api/v1/timelines/link?url=https%3A%2F%2Fwiki.corp.example%2Fexpenses").await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    assert_eq!(shared.array().len(), 3);
    assert!(shared.array().iter().all(|s| s["content"].as_str().unwrap().contains("wiki.corp.example/expenses")));
    let unknown = server.anonymous().get("/api/v1/timelines/link?url=https%3A%2F%2Fnowhere.corp.example%2F").await;
    assert_eq!(unknown.status, 404, "a link nobody shared, as Mastodon answers for a link it has no card of");
    assert_eq!(server.anonymous().get("/api/v1/timelines/link").await.status, 422);
}
