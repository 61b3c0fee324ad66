//! Announcements: admins write them (API and command line), every user reads, dismisses and reacts to them,
//! and the streams carry each change.

use serde_json::{json, Value};

use crate::streaming::{connect, next_event, token};
use crate::support::{hallway_on, TestServer};

crate::on_both_backends!(admins_announce_and_users_read_dismiss_and_react, announcements_reach_every_user_stream);

const ADMIN_SCOPES: &str = "read write admin:read admin:write";

fn texts(found: &Value) -> Vec<String> {
    found.as_array().unwrap().iter().map(|a| a["content"].as_str().unwrap().to_owned()).collect()
}

async fn admins_announce_and_users_read_dismiss_and_react(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let ann_account = server.create_user("ann").await;
    let ann = server.token_for("ann", "read write").await;
    let bob = server.login("bob").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/assets/missing.png");
    hallway_on(&server.settings.database_url, &["emoji", "add", "shipit", image]);

    let none = ann.get("/api/v1/announcements").await;
    assert_eq!((none.status, none.body.clone()), (200, json!([])), "Phanpy asks on every start");

    let text = "I'll be in Lyon next week, ping @ann :shipit: #lyon";
    let trip = json!({"text": text, "starts_at": "2030-05-04", "ends_at": "2030-05-08", "all_day": true});
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    assert_eq!(moderator.post_json("/api/v1/admin/announcements", &trip).await.status, 403, "announcements are for admins");
    assert_eq!(ann.post_json("/api/v1/admin/announcements", &trip).await.status, 403);
    let created = root.post_json("/api/v1/admin/announcements", &trip).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let announcement = &created.body;
    assert_eq!((announcement["published"].clone(), announcement["all_day"].clone()), (json!(true), json!(true)));
    assert_eq!(announcement["starts_at"], "2030-05-04T00:00:00.000Z");
    assert!(announcement["content"].as_str().unwrap().contains(&format!("href=\"{}/@ann\"", server.settings.base_url())), "{announcement}");
    assert_eq!((announcement["mentions"][0]["acct"].as_str(), announcement["mentions"][0]["id"].as_str()), (Some("ann"), Some(ann_account.id.0.to_string().as_str())));
    assert_eq!(announcement["tags"][0]["name"], "lyon");
    assert_eq!(announcement["emojis"][0]["shortcode"], "shipit");
    for field in ["id", "content", "starts_at", "ends_at", "all_day", "published_at", "updated_at", "read", "mentions", "statuses", "tags", "emojis", "reactions"] {
        assert!(announcement.get(field).is_some(), "Announcement has {field}");
    }
    let id = created.id();

    let draft = root.post_json("/api/v1/admin/announcements", &json!({"text": "New expense procedure", "published": false})).await;
    assert_eq!(draft.body["published"], false);
    let ended = root.post_json("/api/v1/admin/announcements", &json!({"text": "Old news", "starts_at": "2020-01-01T09:00:00Z", "ends_at": "2020-01-01T10:00:00Z"})).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(texts(&ann.get("/api/v1/announcements").await.body).len(), 1, "neither drafts nor ended announcements are shown");
    assert_eq!(root.get("/api/v1/admin/announcements").await.array().len(), 3, "admins list them all");
    let published = root.put_json(&format!("/api/v1/admin/announcements/{}", draft.id()), &json!({"published": true})).await;
    assert_eq!(published.body["published"], true);
    assert_eq!(texts(&ann.get("/api/v1/announcements").await.body).len(), 2);

    for (who, name) in [(&ann, "👍"), (&bob, "👍"), (&bob, "shipit")] {
        let reacted = who.send(who.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/{name}"))).await;
        assert_eq!(reacted.status, 200, "{name}: {}", reacted.body);
    }
    for name in ["hello", "©1"] {
        let not_emoji = ann.send(ann.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/{name}"))).await;
        assert_eq!(not_emoji.status, 422, "{name}");
    }
    let seen = ann.get("/api/v1/announcements").await;
    let reactions = &seen.array().iter().find(|a| a["id"] == id).unwrap()["reactions"];
    assert_eq!((reactions[0]["name"].as_str(), reactions[0]["count"].as_i64(), reactions[0]["me"].as_bool()), (Some("👍"), Some(2), Some(true)));
    assert_eq!((reactions[1]["name"].as_str(), reactions[1]["me"].as_bool()), (Some("shipit"), Some(false)));
    assert!(reactions[1]["url"].as_str().unwrap().contains("/system/custom_emojis/"), "a custom emoji's reaction has its image: {reactions}");
    for name in ["🎉", "🚀", "☕", "🙏", "👀", "🔥"] {
        assert_eq!(ann.send(ann.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/{name}"))).await.status, 200, "{name}");
    }
    let ninth = ann.send(ann.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/🌍"))).await;
    assert_eq!(ninth.status, 422, "at most 8 different reactions: {}", ninth.body);
    assert_eq!(bob.delete(&format!("/api/v1/announcements/{id}/reactions/👍")).await.status, 200);
    assert_eq!(ann.get("/api/v1/announcements").await.array().iter().find(|a| a["id"] == id).unwrap()["reactions"][0]["count"], 1);

    assert_eq!(ann.post(&format!("/api/v1/announcements/{id}/dismiss")).await.status, 200);
    assert_eq!(ann.get("/api/v1/announcements").await.array().len(), 1, "a dismissed announcement is left out");
    let with_dismissed = ann.get("/api/v1/announcements?with_dismissed=true").await;
    assert_eq!(with_dismissed.array().iter().find(|a| a["id"] == id).unwrap()["read"], true);
    assert_eq!(bob.get("/api/v1/announcements").await.array().len(), 2, "dismissals are each user's own");

    let path = format!("/api/v1/admin/announcements/{id}");
    let edited = root.put_json(&path, &json!({"text": "I'll be in Lyon the week after"})).await;
    assert!(edited.body["content"].as_str().unwrap().contains("week after"), "{}", edited.body);
    assert_eq!(edited.body["starts_at"], "2030-05-04T00:00:00.000Z", "what is not given is kept");
    assert_eq!(root.put_json(&path, &json!({"ends_at": "2030-05-01"})).await.status, 422, "it cannot end before it starts");
    assert_eq!(root.put_json(&path, &json!({"text": ""})).await.status, 422);
    assert_eq!(root.delete(&path).await.status, 200);
    assert_eq!(root.delete(&path).await.status, 404);
    assert_eq!(ann.post(&format!("/api/v1/announcements/{id}/dismiss")).await.status, 404);

    let out = hallway_on(&server.settings.database_url, &["announce", "create", "Fire drill at 3pm", "--starts-at", "2030-01-10T15:00:00Z", "--ends-at", "2030-01-10T16:00:00Z"]);
    assert!(out.contains("published"), "{out}");
    assert!(texts(&bob.get("/api/v1/announcements").await.body).iter().any(|t| t.contains("Fire drill")));
    let listed = hallway_on(&server.settings.database_url, &["announce", "list"]);
    assert!(listed.contains("Fire drill at 3pm") && !listed.contains("draft") && listed.contains("2030-01-10 15:00"), "{listed}");

    let log = root.get("/api/v1/admin/audit_log?target_type=Announcement").await;
    let actions: Vec<&str> = log.array().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create_announcement", "destroy_announcement", "update_announcement", "update_announcement", "create_announcement", "create_announcement", "create_announcement"]);
    assert!(log.array()[0]["actor"].as_str().unwrap().starts_with("command line"));
}

async fn announcements_reach_every_user_stream(server: TestServer) {
    server.create_admin("root").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let ann = server.login("ann").await;
    let mut stream = connect(&server, &format!("stream=user&access_token={}", token(&ann)), None).await;
    let mut public = connect(&server, &format!("stream=public&access_token={}", token(&ann)), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let created = root.post_json("/api/v1/admin/announcements", &json!({"text": "Canteen closed on Friday"})).await;
    let id = created.id();
    let published = next_event(&mut stream, "announcement").await;
    let payload: Value = serde_json::from_str(published["payload"].as_str().unwrap()).unwrap();
    assert_eq!((payload["id"].as_str(), payload["content"].as_str().map(|c| c.contains("Canteen"))), (Some(id.as_str()), Some(true)));

    assert_eq!(ann.send(ann.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/🍕"))).await.status, 200);
    let reaction = next_event(&mut stream, "announcement.reaction").await;
    let payload: Value = serde_json::from_str(reaction["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload, json!({"name": "🍕", "count": 1, "announcement_id": id}));

    assert_eq!(root.delete(&format!("/api/v1/admin/announcements/{id}")).await.status, 200);
    let deleted = next_event(&mut stream, "announcement.delete").await;
    assert_eq!(deleted["payload"], id);
    let on_public = tokio::time::timeout(std::time::Duration::from_millis(300), next_event(&mut public, "announcement")).await;
    assert!(on_public.is_err(), "announcements go to the user stream only");
}
