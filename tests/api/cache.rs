//! The read caches: a warm server (whose caches hold what it answered before) must answer exactly what a
//! server that never cached anything answers from the same database, after every kind of write, whether the
//! write went through the warm server or through another process on the same database.

use serde_json::{json, Value};

use crate::support::{eventually, hallway_on, Api, TestServer};

crate::on_both_backends!(
    cached_answers_equal_fresh_ones_after_each_kind_of_write,
    first_home_pages_from_the_kept_head_equal_the_database_pages,
    another_process_writing_reaches_the_caches,
    a_token_revoked_by_the_cli_stops_working,
);

/// The same requests as `api`'s user, answered by `other` (another server on the same database).
fn as_on(api: &Api, other: &TestServer) -> Api {
    Api { client: api.client.clone(), base: other.base.clone(), token: api.token.clone() }
}

/// Everything a reader looks at, as the JSON of each answer.
async fn reads(api: &Api, status_ids: &[String]) -> Vec<(String, Value)> {
    let mut paths: Vec<String> = vec![
        "/api/v1/instance".into(),
        "/api/v1/accounts/verify_credentials".into(),
        "/api/v1/timelines/home".into(),
        "/api/v1/timelines/home?limit=40".into(),
        "/api/v1/timelines/public?local=true".into(),
        "/api/v1/timelines/public".into(),
        "/api/v1/timelines/public?local=true&limit=40".into(),
    ];
    paths.extend(status_ids.iter().map(|id| format!("/api/v1/statuses/{id}")));
    let mut answers = Vec::new();
    for path in paths {
        let answer = api.get(&path).await;
        answers.push((path, json!({"status": answer.status, "body": answer.body})));
    }
    answers
}

/// Reads through the warm server and through a cold one, and wants them equal.
async fn assert_same(step: &str, warm: &Api, server: &TestServer, status_ids: &[String]) {
    let cold = server.start_sharing().await;
    let cached = reads(warm, status_ids).await;
    let fresh = reads(&as_on(warm, &cold), status_ids).await;
    for ((path, cached), (_, fresh)) in cached.iter().zip(&fresh) {
        assert_eq!(cached, fresh, "after {step}: {path} answered from the caches differs from a fresh read");
    }
}

async fn cached_answers_equal_fresh_ones_after_each_kind_of_write(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    let ann_id = ann.me().await.id();
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await.status, 200);
    let first = bob.toot("first post #lrnchat", json!({})).await.id();
    let poll = bob.toot("lunch?", json!({"poll": {"options": ["yes", "no"], "expires_in": 3600}})).await.id();
    let mut ids = vec![first.clone(), poll.clone()];
    assert_same("posting", &ann, &server, &ids).await;

    let writes: Vec<(&str, reqwest::Method, String, Value)> = vec![
        ("a favourite", reqwest::Method::POST, format!("/api/v1/statuses/{first}/favourite"), json!({})),
        ("a bookmark", reqwest::Method::POST, format!("/api/v1/statuses/{first}/bookmark"), json!({})),
        ("a reblog", reqwest::Method::POST, format!("/api/v1/statuses/{first}/reblog"), json!({})),
        ("a vote", reqwest::Method::POST, format!("/api/v1/polls/{}/votes", poll_id(&ann, &poll).await), json!({"choices": ["0"]})),
        ("a filter", reqwest::Method::POST, "/api/v2/filters".into(), json!({"title": "lunch", "context": ["home", "public", "thread"], "keywords_attributes": [{"keyword": "lunch"}]})),
        ("a profile change", reqwest::Method::PATCH, "/api/v1/accounts/update_credentials".into(), json!({"display_name": "Ann A."})),
        ("an unfavourite", reqwest::Method::POST, format!("/api/v1/statuses/{first}/unfavourite"), json!({})),
        ("an unreblog", reqwest::Method::POST, format!("/api/v1/statuses/{first}/unreblog"), json!({})),
    ];
    for (step, method, path, body) in writes {
        let done = ann.send(ann.request(method, &path).json(&body)).await;
        assert!(done.status == 200, "{step}: {} {}", done.status, done.body);
        assert_same(step, &ann, &server, &ids).await;
    }

    let reply = bob.toot("a reply", json!({"in_reply_to_id": first})).await.id();
    ids.push(reply.clone());
    assert_same("a reply", &ann, &server, &ids).await;
    let edited = bob.put_json(&format!("/api/v1/statuses/{first}"), &json!({"status": "first post, edited"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_same("an edit (by the author)", &ann, &server, &ids).await;
    assert_eq!(bob.patch_form("/api/v1/accounts/update_credentials", &[("display_name", "Bob B.")]).await.status, 200);
    assert_same("the author's profile change", &ann, &server, &ids).await;
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/mute")).await.status, 200);
    assert_same("a mute", &ann, &server, &ids).await;
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/unmute")).await.status, 200);
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/block")).await.status, 200);
    assert_same("a block by the author", &ann, &server, &ids).await;
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/unblock")).await.status, 200);
    assert_eq!(bob.delete(&format!("/api/v1/statuses/{reply}")).await.status, 200);
    assert_same("a deletion", &ann, &server, &ids).await;
}

/// The newest 40 entries of a home (and of the public timelines) are kept; first pages come from them unless
/// deletions or hidden authors leave them short.
async fn first_home_pages_from_the_kept_head_equal_the_database_pages(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let (bob_id, cat_id) = (bob.me().await.id(), cat.me().await.id());
    for id in [&bob_id, &cat_id] {
        assert_eq!(ann.post(&format!("/api/v1/accounts/{id}/follow")).await.status, 200);
    }
    let mut bobs = Vec::new();
    for n in 0..30 {
        bobs.push(bob.toot(&format!("bob {n}"), json!({})).await.id());
        cat.toot(&format!("cat {n}"), json!({})).await;
    }
    assert_same("60 posts", &ann, &server, &[]).await;
    assert_eq!(bob.delete(&format!("/api/v1/statuses/{}", bobs[29])).await.status, 200);
    assert_same("the newest deleted", &ann, &server, &[]).await;
    assert_eq!(ann.post(&format!("/api/v1/accounts/{cat_id}/mute")).await.status, 200);
    assert_same("half the authors muted", &ann, &server, &[]).await;
    let home = ann.get("/api/v1/timelines/home?limit=40").await;
    assert_eq!(home.array().len(), 29, "bob's 29 left, past the kept head");
}

async fn poll_id(api: &Api, status_id: &str) -> String {
    api.get(&format!("/api/v1/statuses/{status_id}")).await.body["poll"]["id"].as_str().expect("a poll").to_owned()
}

async fn another_process_writing_reaches_the_caches(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let post = bob.toot("counted", json!({})).await.id();
    let before = ann.get(&format!("/api/v1/statuses/{post}")).await;
    assert_eq!(before.body["favourites_count"], 0);
    assert_eq!(ann.get("/api/v1/instance").await.body["stats"]["status_count"], 1);

    let other = server.start_sharing().await;
    assert_eq!(as_on(&bob, &other).post(&format!("/api/v1/statuses/{post}/favourite")).await.status, 200);
    as_on(&bob, &other).toot("another", json!({})).await;
    eventually("the favourite made on the other server", async || {
        ann.get(&format!("/api/v1/statuses/{post}")).await.body["favourites_count"] == 1
    })
    .await;
    eventually("the status posted on the other server", async || ann.get("/api/v1/instance").await.body["stats"]["status_count"] == 2).await;
}

async fn a_token_revoked_by_the_cli_stops_working(server: TestServer) {
    let ann = server.login("ann").await;
    assert_eq!(ann.me().await.status, 200);
    // A suspension from the command line (another process) revokes her tokens.
    let said = hallway_on(&server.settings.database_url, &["user", "suspend", "ann"]);
    assert!(said.contains("suspended"), "{said}");
    eventually("the revoked token refused", async || ann.me().await.status == 401).await;
}
