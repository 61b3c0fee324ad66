//! Polls: created with a status (JSON or Rails forms), voted on, counted, hidden totals, ended and announced.

use serde_json::{json, Value};

use crate::support::{Api, TestServer};

crate::on_both_backends!(polls_are_created_voted_and_counted, ended_polls_refuse_votes_and_notify, votes_cast_at_once_are_all_counted);

async fn poll_status(api: &Api, body: Value) -> Value {
    let posted = api.post_json("/api/v1/statuses", &body).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    posted.body
}

fn counts(poll: &Value) -> Vec<Value> {
    poll["options"].as_array().unwrap().iter().map(|o| o["votes_count"].clone()).collect()
}

async fn polls_are_created_voted_and_counted(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let status = poll_status(&ann, json!({"status": "Offsite location?", "poll": {"options": ["Lisbon", "Oslo", "Remote"], "expires_in": 86400}})).await;
    let poll = &status["poll"];
    // The shape of fixtures/mastodon-api/poll.json.
    let mut keys: Vec<&str> = poll.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["emojis", "expired", "expires_at", "id", "multiple", "options", "own_votes", "voted", "voters_count", "votes_count"]);
    assert_eq!((poll["voted"].clone(), poll["own_votes"].clone()), (json!(true), json!([])), "the author counts as having voted");
    let poll_id = poll["id"].as_str().unwrap().to_owned();

    let voted = bob.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": ["1"]})).await;
    assert_eq!(voted.status, 200, "{}", voted.body);
    assert_eq!((voted.body["voted"].clone(), voted.body["own_votes"].clone()), (json!(true), json!([1])));
    assert_eq!(counts(&voted.body), [json!(0), json!(1), json!(0)]);
    assert_eq!(bob.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": [0]})).await.status, 422, "once");
    assert_eq!(cat.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": [0, 1]})).await.status, 422, "one choice only");
    assert_eq!(cat.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": [7]})).await.status, 422);
    assert_eq!(cat.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": []})).await.status, 422);
    // Mastodon.py and toot send forms.
    let by_form = cat.post_form(&format!("/api/v1/polls/{poll_id}/votes"), &[("choices[]", "1")]).await;
    assert_eq!(by_form.status, 200, "{}", by_form.body);
    let seen = server.anonymous().get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!((seen.body["votes_count"].clone(), seen.body["voters_count"].clone()), (json!(2), json!(2)));
    assert!(seen.body.get("voted").is_none(), "no viewer, no `voted`");
    let in_status = ann.get(&format!("/api/v1/statuses/{}", status["id"].as_str().unwrap())).await;
    assert_eq!(counts(&in_status.body["poll"]), [json!(0), json!(2), json!(0)]);

    let form = ann
        .post_form(
            "/api/v1/statuses",
            &[("status", "Lunch options (pick any)"), ("poll[options][]", "Tacos"), ("poll[options][]", "Ramen"),
              ("poll[expires_in]", "3600"), ("poll[multiple]", "true"), ("poll[hide_totals]", "true")],
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    let multiple = form.body["poll"]["id"].as_str().unwrap().to_owned();
    let both = bob.post_json(&format!("/api/v1/polls/{multiple}/votes"), &json!({"choices": [0, 1]})).await;
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(counts(&both.body), [Value::Null, Value::Null], "totals hidden until the end");
    assert_eq!((both.body["votes_count"].clone(), both.body["voters_count"].clone()), (json!(2), json!(1)));
    assert_eq!(counts(&ann.get(&format!("/api/v1/polls/{multiple}")).await.body), [json!(1), json!(1)], "the author sees them");

    for (poll, why) in [
        (json!({"options": ["only one"], "expires_in": 3600}), "one option"),
        (json!({"options": ["a", "b", "c", "d", "e"], "expires_in": 3600}), "five options"),
        (json!({"options": ["a", "a"], "expires_in": 3600}), "the same option twice"),
        (json!({"options": ["a", "b"], "expires_in": 10}), "too short"),
        (json!({"options": ["a", "b"]}), "no expiry"),
        (json!({"options": ["x".repeat(51), "b"], "expires_in": 3600}), "a long option"),
    ] {
        let refused = ann.post_json("/api/v1/statuses", &json!({"status": "bad poll", "poll": poll})).await;
        assert_eq!(refused.status, 422, "{why}: {}", refused.body);
    }
    let private = poll_status(&ann, json!({"status": "followers only", "visibility": "private", "poll": {"options": ["a", "b"], "expires_in": 3600}})).await;
    let hidden = private["poll"]["id"].as_str().unwrap();
    assert_eq!(cat.get(&format!("/api/v1/polls/{hidden}")).await.status, 404);
    assert_eq!(cat.post_json(&format!("/api/v1/polls/{hidden}/votes"), &json!({"choices": [0]})).await.status, 404);
}

async fn ended_polls_refuse_votes_and_notify(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let status = poll_status(&ann, json!({"status": "Quick one", "poll": {"options": ["yes", "no"], "expires_in": 300}})).await;
    let poll_id: i64 = status["poll"]["id"].as_str().unwrap().parse().unwrap();
    bob.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": [0]})).await;

    // Five minutes are too long to wait: the poll is made to have ended a moment ago.
    server
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use hallway::db::schema::polls;
            let ended = hallway::ids::now() - chrono::Duration::seconds(1);
            diesel::update(polls::table.find(poll_id)).set(polls::expires_at.eq(ended)).execute(&mut **conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let late = cat.post_json(&format!("/api/v1/polls/{poll_id}/votes"), &json!({"choices": [1]})).await;
    assert_eq!(late.status, 422);
    assert_eq!(late.error(), "Validation failed: The poll has already ended");
    let ended = server.anonymous().get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(ended.body["expired"], true);

    // The scheduler announces it to the voter and the author, once.
    for (who, api) in [("bob", &bob), ("ann", &ann)] {
        let mut found = Vec::new();
        for _ in 0..100 {
            found = api.get("/api/v1/notifications?types[]=poll").await.array().clone();
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(found.len(), 1, "{who}: {found:?}");
        assert_eq!(found[0]["status"]["poll"]["expired"], true);
    }
    assert!(cat.get("/api/v1/notifications?types[]=poll").await.array().is_empty(), "cat did not vote");
}

/// Votes that arrive together are each counted (PostgreSQL runs them concurrently; each recount waits for
/// the one before), and a voter who sends the same vote twice at once is counted once.
async fn votes_cast_at_once_are_all_counted(server: TestServer) {
    let ann = server.login("ann").await;
    let status = poll_status(&ann, json!({"status": "Which day for the offsite?", "poll": {"options": ["Thursday", "Friday"], "expires_in": 86400}})).await;
    let poll_id = status["poll"]["id"].as_str().unwrap().to_owned();
    let mut voters = Vec::new();
    for n in 0..12 {
        voters.push(server.login(&format!("voter{n}")).await);
    }
    let votes = voters.iter().enumerate().flat_map(|(n, voter)| {
        let path = format!("/api/v1/polls/{poll_id}/votes");
        let choice = json!({"choices": [n % 2]});
        // The first voter sends the same vote twice at once.
        let times = if n == 0 { 2 } else { 1 };
        (0..times).map(move |_| (voter.clone(), path.clone(), choice.clone()))
    });
    let answers = futures_util::future::join_all(votes.map(|(voter, path, choice)| async move { voter.post_json(&path, &choice).await.status })).await;
    assert_eq!(answers.iter().filter(|status| **status == 200).count(), 12, "{answers:?}");
    assert!(answers.iter().all(|status| *status == 200 || *status == 422), "{answers:?}");
    let poll = ann.get(&format!("/api/v1/polls/{poll_id}")).await.body;
    assert_eq!((poll["votes_count"].clone(), poll["voters_count"].clone()), (json!(12), json!(12)), "{poll}");
    assert_eq!(counts(&poll), [json!(6), json!(6)]);
}
