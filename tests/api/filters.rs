//! Filters v2: managed like Mastodon's, applied in timelines, notifications, threads and streams.

use serde_json::{json, Value};

use crate::streaming::{connect, next_event, token};
use crate::support::TestServer;

crate::on_both_backends!(filters_are_managed_like_mastodon, filters_warn_and_hide_everywhere);

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn filters_are_managed_like_mastodon(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;

    // Mastodon.py and toot send forms with Rails' array-of-hashes keys.
    let created = ann
        .post_form(
            "/api/v2/filters",
            &[
                ("title", "Spoilers"),
                ("context[]", "home"),
                ("context[]", "public"),
                ("filter_action", "warn"),
                ("keywords_attributes[][keyword]", "spoiler"),
                ("keywords_attributes[][whole_word]", "false"),
                ("keywords_attributes[][keyword]", "finale"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    // The shape of fixtures/mastodon-api/filter_v2.json.
    assert_eq!(keys(&created.body), ["context", "expires_at", "filter_action", "id", "keywords", "statuses", "title"]);
    assert_eq!(created.body["context"], json!(["home", "public"]));
    assert_eq!(created.body["expires_at"], Value::Null);
    let words: Vec<(Value, Value)> =
        created.body["keywords"].as_array().unwrap().iter().map(|k| (k["keyword"].clone(), k["whole_word"].clone())).collect();
    assert_eq!(words, [(json!("spoiler"), json!(false)), (json!("finale"), json!(true))]);
    let filter = created.id();
    let finale_id = created.body["keywords"][1]["id"].as_str().unwrap().to_owned();

    // JSON, as masto.js sends it: rename, expire, edit one keyword and destroy the other.
    let spoiler_id = created.body["keywords"][0]["id"].as_str().unwrap().to_owned();
    let updated = ann
        .put_json(
            &format!("/api/v2/filters/{filter}"),
            &json!({"title": "TV", "expires_in": 3600, "filter_action": "hide",
                    "keywords_attributes": [{"id": spoiler_id, "whole_word": true}, {"id": finale_id, "_destroy": true}]}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!((updated.str("title"), updated.str("filter_action")), ("TV".to_owned(), "hide".to_owned()));
    assert!(updated.body["expires_at"].is_string());
    assert_eq!(updated.body["keywords"], json!([{"id": spoiler_id, "keyword": "spoiler", "whole_word": true}]));

    let added = ann.post_form(&format!("/api/v2/filters/{filter}/keywords"), &[("keyword", "season 3"), ("whole_word", "true")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(ann.get(&format!("/api/v2/filters/{filter}/keywords")).await.array().len(), 2);
    let changed = ann.put_json(&format!("/api/v2/filters/keywords/{}", added.id()), &json!({"keyword": "season 4"})).await;
    assert_eq!(changed.str("keyword"), "season 4");
    assert_eq!(ann.delete(&format!("/api/v2/filters/keywords/{}", added.id())).await.status, 200);
    assert_eq!(ann.get(&format!("/api/v2/filters/keywords/{}", added.id())).await.status, 404);

    let bobs = bob.toot("a status to filter", json!({})).await.id();
    let filtered = ann.post_form(&format!("/api/v2/filters/{filter}/statuses"), &[("status_id", &bobs)]).await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    assert_eq!(filtered.body["status_id"], json!(bobs));
    assert_eq!(ann.post_form(&format!("/api/v2/filters/{filter}/statuses"), &[("status_id", &bobs)]).await.status, 422);
    assert_eq!(ann.get(&format!("/api/v2/filters/{filter}/statuses")).await.ids(), vec![filtered.id()]);
    assert_eq!(ann.get(&format!("/api/v2/filters/statuses/{}", filtered.id())).await.status, 200);

    // v1's view: one entry per keyword.
    let v1 = ann.get("/api/v1/filters").await;
    assert_eq!(v1.body, json!([{"id": spoiler_id, "phrase": "spoiler", "context": ["home", "public"], "whole_word": true,
                                "expires_at": updated.body["expires_at"], "irreversible": true}]));

    for (body, why) in [
        (json!({"title": "x", "context": ["home"], "filter_action": "shout"}), "unknown action"),
        (json!({"title": "x", "context": ["timeline"]}), "unknown context"),
        (json!({"title": "x"}), "no context"),
        (json!({"context": ["home"]}), "no title"),
        (json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}), "blank keyword"),
        (json!({"title": "x", "context": ["home"], "expires_in": -5}), "negative expiry"),
    ] {
        let refused = ann.post_json("/api/v2/filters", &body).await;
        assert_eq!(refused.status, 422, "{why}: {}", refused.body);
        assert!(refused.body["error"].is_string());
    }
    assert_eq!(ann.get("/api/v2/filters").await.array().len(), 1, "refused filters leave nothing behind");

    assert_eq!(bob.get(&format!("/api/v2/filters/{filter}")).await.status, 404, "filters are private");
    assert_eq!(bob.delete(&format!("/api/v2/filters/statuses/{}", filtered.id())).await.status, 404);
    assert_eq!(ann.delete(&format!("/api/v2/filters/{filter}")).await.status, 200);
    assert_eq!(ann.get("/api/v2/filters").await.body, json!([]));
}

async fn filters_warn_and_hide_everywhere(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let mut stream = connect(&server, &format!("stream=user&access_token={}", token(&ann)), None).await;

    let warn = ann
        .post_json("/api/v2/filters", &json!({"title": "Spoilers", "context": ["home", "notifications", "thread"],
                                                "keywords_attributes": [{"keyword": "spoiler", "whole_word": true}]}))
        .await;
    assert_eq!(warn.status, 200, "{}", warn.body);
    let changed = next_event(&mut stream, "filters_changed").await;
    assert!(changed.get("payload").is_none(), "filters_changed carries no payload: {changed}");
    let hide = ann
        .post_json("/api/v2/filters", &json!({"title": "Lunch", "context": ["home", "public"], "filter_action": "hide",
                                                "keywords_attributes": [{"keyword": "lunch"}]}))
        .await;
    next_event(&mut stream, "filters_changed").await;

    let spoiler = bob.toot("Big <b>Spoiler</b>: it was the butler", json!({})).await.id();
    let update = next_event(&mut stream, "update").await;
    let streamed: Value = serde_json::from_str(update["payload"].as_str().unwrap()).unwrap();
    assert_eq!(streamed["id"], json!(spoiler));
    assert_eq!(streamed["filtered"][0]["filter"]["title"], "Spoilers");
    assert_eq!(streamed["filtered"][0]["keyword_matches"], json!(["spoiler"]));
    let lunch = bob.toot("LUNCH is at noon", json!({})).await.id();
    let plain = bob.toot("nothing to see", json!({})).await.id();
    let next = next_event(&mut stream, "update").await;
    let next: Value = serde_json::from_str(next["payload"].as_str().unwrap()).unwrap();
    assert_eq!(next["id"], json!(plain), "the hidden status never reached the stream");
    assert!(next.get("filtered").is_none() || next["filtered"] == json!([]));

    let home = ann.get("/api/v1/timelines/home").await;
    assert_eq!(home.ids(), vec![plain.clone(), spoiler.clone()], "hidden in home");
    let shown = &home.array()[1];
    assert_eq!(shown["filtered"], json!([{"filter": {"id": warn.id(), "title": "Spoilers", "context": ["home", "notifications", "thread"],
        "expires_at": null, "filter_action": "warn"}, "keyword_matches": ["spoiler"], "status_matches": null}]));
    assert_eq!(home.array()[0]["filtered"], json!([]));
    assert!(!ann.get("/api/v1/timelines/public").await.ids().contains(&lunch), "hidden in public for ann");
    assert!(bob.get("/api/v1/timelines/public").await.ids().contains(&lunch), "not for others");
    assert!(server.anonymous().get("/api/v1/timelines/public").await.ids().contains(&lunch));
    assert_eq!(bob.get(&format!("/api/v1/statuses/{spoiler}")).await.body["filtered"], json!([]), "nor for the author");
    // The account context has no filter: all shown, none marked.
    let profile = ann.get(&format!("/api/v1/accounts/{bob_id}/statuses")).await;
    assert_eq!(profile.ids().len(), 3);
    assert!(profile.array().iter().all(|s| s["filtered"] == json!([])));

    // Threads and a single status: marked, not hidden.
    let one = ann.get(&format!("/api/v1/statuses/{spoiler}")).await;
    assert_eq!(one.body["filtered"][0]["filter"]["id"], json!(warn.id()));
    let reply = bob.toot("more spoiler talk", json!({"in_reply_to_id": plain})).await.id();
    let thread = ann.get(&format!("/api/v1/statuses/{plain}/context")).await;
    assert_eq!(thread.body["descendants"][0]["id"], json!(reply));
    assert_eq!(thread.body["descendants"][0]["filtered"][0]["keyword_matches"], json!(["spoiler"]));

    // Notifications: the mention is kept and marked.
    let ann_name = "@ann";
    bob.toot(&format!("{ann_name} no spoiler for you"), json!({})).await;
    let notifications = ann.get("/api/v1/notifications?types[]=mention").await;
    assert_eq!(notifications.array()[0]["status"]["filtered"][0]["filter"]["title"], "Spoilers");

    // A status filter matches that status only, and says so.
    let added = ann.post_json(&format!("/api/v2/filters/{}/statuses", hide.id()), &json!({"status_id": plain})).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let home = ann.get("/api/v1/timelines/home").await;
    assert!(!home.ids().contains(&plain), "hidden by its status filter");
    ann.put_json(&format!("/api/v2/filters/{}", hide.id()), &json!({"context": ["home", "public", "thread"]})).await;
    let marked = ann.get(&format!("/api/v1/statuses/{plain}")).await;
    assert_eq!(marked.status, 200, "asked for by id, a status is marked, not hidden");
    assert_eq!(marked.body["filtered"][0]["filter"]["filter_action"], "hide");
    assert_eq!(marked.body["filtered"][0]["status_matches"], json!([plain]));

    // Expired filters stop applying.
    let expiring = ann.put_json(&format!("/api/v2/filters/{}", hide.id()), &json!({"expires_in": 1})).await;
    assert_eq!(expiring.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(ann.get("/api/v1/timelines/home").await.ids().contains(&lunch));
}
