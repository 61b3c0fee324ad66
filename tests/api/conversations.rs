//! Direct-message conversations, and their live stream.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(direct_messages_form_conversations);

async fn direct_messages_form_conversations(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let mut direct_stream = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/direct", server.base))
        .bearer_auth(bob.token.clone().unwrap())
        .send()
        .await
        .unwrap();
    let first = ann.toot("@bob a private word", json!({"visibility": "direct"})).await.id();

    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    while !received.contains("event: conversation") {
        let chunk = tokio::time::timeout_at(deadline, direct_stream.chunk()).await.expect("a conversation event").unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
    }

    let bobs = bob.get("/api/v1/conversations").await;
    assert_eq!(bobs.array().len(), 1, "{}", bobs.body);
    let conversation = &bobs.array()[0];
    assert_eq!(conversation["unread"], true);
    assert_eq!(conversation["accounts"][0]["username"], "ann");
    assert_eq!(conversation["last_status"]["id"], first.as_str());
    let anns = ann.get("/api/v1/conversations").await;
    assert_eq!(anns.array()[0]["unread"], false, "the author has read it");
    assert_eq!(cat.get("/api/v1/conversations").await.body, json!([]));

    let reply = bob.toot("@ann noted", json!({"visibility": "direct", "in_reply_to_id": first})).await.id();
    let anns = ann.get("/api/v1/conversations").await;
    assert_eq!(anns.array().len(), 1, "the reply joins the same conversation");
    assert_eq!((anns.array()[0]["last_status"]["id"].clone(), anns.array()[0]["unread"].clone()), (json!(reply), json!(true)));

    let id = anns.array()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(ann.post(&format!("/api/v1/conversations/{id}/read")).await.body["unread"], false);
    assert_eq!(ann.delete(&format!("/api/v1/conversations/{id}")).await.status, 200);
    assert_eq!(ann.get("/api/v1/conversations").await.body, json!([]));
    assert_eq!(bob.get("/api/v1/conversations").await.array().len(), 1, "deleting is for oneself");

    ann.toot("@bob @cat a group note", json!({"visibility": "direct"})).await;
    assert_eq!(bob.get("/api/v1/conversations").await.array().len(), 2, "another set of participants is another conversation");
}
