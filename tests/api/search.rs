//! Full-text search of statuses: words anywhere in the text, content warnings, media descriptions and
//! poll options; only statuses the searcher may see; paging, account_id, and the index kept in step.

use serde_json::json;

use crate::statuses::follow;
use crate::support::{Api, TestServer};

crate::on_both_backends!(full_text_finds_what_the_searcher_may_see, accounts_and_hashtags_search_options);

async fn statuses_found(api: &Api, query: &str) -> Vec<String> {
    let found = api.get(&format!("/api/v2/search?type=statuses&{query}")).await;
    assert_eq!(found.status, 200, "{}", found.body);
    found.body["statuses"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

async fn full_text_finds_what_the_searcher_may_see(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let question = bob.toot("Does anyone know how the VPN certificates are renewed?", json!({})).await.id();
    let answer = cat.toot("@bob VPN certificates renew themselves on the 1st; see the wiki", json!({"in_reply_to_id": question})).await.id();
    let warned = bob.toot("details inside", json!({"spoiler_text": "Quarterly numbers"})).await.id();
    let private = bob.toot("private note about the VPN rollout", json!({"visibility": "private"})).await.id();
    let direct = bob.toot("@cat VPN password is in the vault", json!({"visibility": "direct"})).await.id();
    let polled = cat.toot("Offsite poll", json!({"poll": {"options": ["Lisbon", "Oslo"], "expires_in": 3600}})).await.id();
    let image = cat.toot("", json!({"media_ids": [crate::media::upload(&cat, crate::media::file_form(crate::media::png(8, 8), "a.png").text("description", "Whiteboard diagram of the network")).await.id()]})).await.id();

    assert_eq!(statuses_found(&ann, "q=vpn%20certificates").await, vec![answer.clone(), question.clone()], "every word, any case, newest first");
    assert_eq!(statuses_found(&ann, "q=VPN").await, vec![answer.clone(), question.clone()], "ann sees neither the private nor the direct one");
    follow(&ann, &bob).await;
    assert_eq!(statuses_found(&ann, "q=VPN").await, vec![private.clone(), answer.clone(), question.clone()], "a follower sees the private one");
    assert_eq!(statuses_found(&cat, "q=VPN").await, vec![direct.clone(), answer.clone(), question.clone()], "the mentioned see the direct one");
    assert_eq!(statuses_found(&bob, "q=vpn").await.len(), 4, "authors see all of theirs");
    assert_eq!(statuses_found(&ann, "q=quarterly").await, vec![warned]);
    assert_eq!(statuses_found(&ann, "q=oslo").await, vec![polled]);
    assert_eq!(statuses_found(&ann, "q=whiteboard%20network").await, vec![image]);
    assert!(statuses_found(&ann, "q=%22OR%20NEAR(").await.is_empty(), "operators are words, not syntax");
    assert!(statuses_found(&server.anonymous(), "q=vpn").await.is_empty(), "full text needs a signed-in user");

    let cat_id = cat.me().await.id();
    assert_eq!(statuses_found(&ann, &format!("q=vpn&account_id={cat_id}")).await, vec![answer.clone()]);
    assert_eq!(statuses_found(&ann, "q=vpn&limit=1").await, vec![private.clone()]);
    assert_eq!(statuses_found(&ann, "q=vpn&limit=1&offset=1").await, vec![answer.clone()]);
    assert_eq!(statuses_found(&ann, &format!("q=vpn&max_id={answer}")).await, vec![question.clone()]);

    // Edits and deletions reach the index.
    cat.put_json(&format!("/api/v1/statuses/{answer}"), &json!({"status": "@bob they renew on the 1st (edited)"})).await;
    assert_eq!(statuses_found(&ann, "q=certificates").await, vec![question.clone()]);
    assert_eq!(statuses_found(&ann, "q=edited").await, vec![answer]);
    assert_eq!(bob.delete(&format!("/api/v1/statuses/{question}")).await.status, 200);
    assert!(statuses_found(&ann, "q=certificates").await.is_empty());
}

async fn accounts_and_hashtags_search_options(server: TestServer) {
    let ann = server.login("ann").await;
    let marge = server.login("marge").await;
    server.login("margot").await;
    follow(&ann, &marge).await;
    let everyone = ann.get("/api/v2/search?type=accounts&q=marg").await;
    assert_eq!(everyone.body["accounts"].as_array().unwrap().len(), 2);
    let followed = ann.get("/api/v2/search?type=accounts&q=marg&following=true").await;
    let names: Vec<&str> = followed.body["accounts"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["marge"]);

    marge.toot("Tonight's #LrnChat topic: feedback", json!({})).await;
    ann.post("/api/v1/tags/lrnchat/follow").await;
    let tags = ann.get("/api/v2/search?type=hashtags&q=%23lrn").await;
    let tag = &tags.body["hashtags"][0];
    assert_eq!(tag["name"], "lrnchat");
    assert_eq!(tag["following"], true);
    assert_eq!(tag["history"].as_array().unwrap().len(), 7, "{tag}");
}
