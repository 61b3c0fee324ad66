//! The instance: v1 and v2 descriptions, nodeinfo, custom emojis, preferences and markers.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::{run_with, Backend, TestServer};

crate::on_both_backends!(
    instance_v1_describes_the_server,
    instance_v2_describes_the_server,
    instance_counts_users_and_statuses,
    nodeinfo_is_discoverable,
    custom_emojis_and_preferences,
    markers_are_saved_and_versioned,
);

/// Top-level keys of Mastodon's instance entities (fixtures/mastodon-api/instance_v1.json and
/// instance_v2.json); v2's `wrapstodon` came after the 4.3 Hallway reports itself as.
const MASTODON_V1_KEYS: &[&str] = &[
    "uri", "title", "short_description", "description", "email", "version", "urls", "stats", "thumbnail", "languages",
    "registrations", "approval_required", "invites_enabled", "configuration", "contact_account", "rules",
];
const MASTODON_V2_KEYS: &[&str] = &[
    "domain", "title", "version", "source_url", "description", "usage", "thumbnail", "icon", "languages",
    "configuration", "registrations", "api_versions", "contact", "rules",
];

/// fixtures/mastodon-api/preferences.json without `posting:default:quote_policy` (Mastodon 4.5).
const MASTODON_PREFERENCE_KEYS: &[&str] = &[
    "posting:default:visibility", "posting:default:sensitive", "posting:default:language", "reading:expand:media",
    "reading:expand:spoilers", "reading:autoplay:gifs",
];

/// fixtures/mastodon-api/marker.json
const MASTODON_MARKER_KEYS: &[&str] = &["last_read_id", "version", "updated_at"];

fn key_set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|k| k.to_string()).collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

/// Clients read `version` as Mastodon's: three numeric parts first, then anything.
fn assert_mastodon_version(version: &str) {
    let numbers = version.split_whitespace().next().unwrap();
    let parts: Vec<&str> = numbers.split('.').collect();
    assert_eq!(parts.len(), 3, "{version}");
    assert!(parts.iter().all(|p| !p.is_empty() && p.parse::<u32>().is_ok()), "{version}");
    assert!(parts[0].parse::<u32>().unwrap() >= 4, "{version}");
    assert!(version.contains("(compatible; Hallway"), "{version}");
}

async fn instance_v1_describes_the_server(server: TestServer) {
    let anonymous = server.anonymous();
    for path in ["/api/v1/instance", "/api/v1/instance/"] {
        let instance = anonymous.get(path).await;
        assert_eq!(instance.status, 200, "{path}: {}", instance.text);
        assert!(instance.header("content-type").unwrap().starts_with("application/json"));
        assert_mastodon_version(&instance.str("version"));
        assert_eq!(instance.str("uri"), server.settings.domain);
        assert_eq!(instance.body["configuration"]["statuses"]["max_characters"], 500);
        assert_eq!(instance.body["urls"]["streaming_api"], format!("ws://{}", server.settings.domain));
        let missing: Vec<String> = key_set(MASTODON_V1_KEYS).difference(&keys(&instance.body)).cloned().collect();
        assert!(missing.is_empty(), "instance v1 lacks {missing:?}");
    }
}

async fn instance_v2_describes_the_server(server: TestServer) {
    let anonymous = server.anonymous();
    for path in ["/api/v2/instance", "/api/v2/instance/"] {
        let instance = anonymous.get(path).await;
        assert_eq!(instance.status, 200, "{path}: {}", instance.text);
        assert_mastodon_version(&instance.str("version"));
        assert_eq!(instance.str("domain"), server.settings.domain);
        let configuration = &instance.body["configuration"];
        assert_eq!(configuration["urls"]["streaming"], format!("ws://{}", server.settings.domain));
        assert_eq!(configuration["statuses"]["max_characters"], 500);
        assert_eq!(configuration["accounts"]["max_display_name_length"], 30);
        assert!(instance.body["api_versions"]["mastodon"].as_u64().is_some_and(|v| v >= 1), "{}", instance.body["api_versions"]);
        let missing: Vec<String> = key_set(MASTODON_V2_KEYS).difference(&keys(&instance.body)).cloned().collect();
        assert!(missing.is_empty(), "instance v2 lacks {missing:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_characters_follows_the_setting() {
    run_with(Backend::Sqlite, |s| s.max_characters = 100, |server: TestServer| async move {
        let anonymous = server.anonymous();
        let v1 = anonymous.get("/api/v1/instance").await;
        assert_eq!(v1.body["configuration"]["statuses"]["max_characters"], 100);
        let v2 = anonymous.get("/api/v2/instance").await;
        assert_eq!(v2.body["configuration"]["statuses"]["max_characters"], 100);

        let ann = server.login("ann").await;
        let fits = ann.post_json("/api/v1/statuses", &json!({"status": "x".repeat(100)})).await;
        assert_eq!(fits.status, 200, "{}", fits.body);
        let too_long = ann.post_json("/api/v1/statuses", &json!({"status": "x".repeat(101)})).await;
        assert_eq!(too_long.status, 422, "{}", too_long.body);
        assert!(too_long.error().contains("100"), "{}", too_long.body);
        let with_warning = ann.post_json("/api/v1/statuses", &json!({"status": "x".repeat(90), "spoiler_text": "y".repeat(11)})).await;
        assert_eq!(with_warning.status, 422, "the content warning counts: {}", with_warning.body);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_url_follows_the_scheme() {
    run_with(Backend::Sqlite, |s| s.scheme = "https".into(), |server: TestServer| async move {
        let v1 = server.anonymous().get("/api/v1/instance").await;
        assert_eq!(v1.body["urls"]["streaming_api"], format!("wss://{}", server.settings.domain));
        let v2 = server.anonymous().get("/api/v2/instance").await;
        assert_eq!(v2.body["configuration"]["urls"]["streaming"], format!("wss://{}", server.settings.domain));
    })
    .await
}

async fn instance_counts_users_and_statuses(server: TestServer) {
    let empty = server.anonymous().get("/api/v1/instance").await;
    assert_eq!(empty.body["stats"]["user_count"], 0);
    assert_eq!(empty.body["stats"]["status_count"], 0);
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    ann.toot("one", json!({})).await;
    ann.toot("two", json!({"visibility": "private"})).await;
    bob.toot("three", json!({})).await;
    let v1 = server.anonymous().get("/api/v1/instance").await;
    assert_eq!(v1.body["stats"]["user_count"], 2);
    assert_eq!(v1.body["stats"]["status_count"], 3);
    assert_eq!(v1.body["stats"]["domain_count"], 0);
    let v2 = server.anonymous().get("/api/v2/instance").await;
    assert_eq!(v2.body["usage"]["users"]["active_month"], 2);
}

async fn nodeinfo_is_discoverable(server: TestServer) {
    let ann = server.login("ann").await;
    ann.toot("counted", json!({})).await;
    let anonymous = server.anonymous();
    let index = anonymous.get("/.well-known/nodeinfo").await;
    assert_eq!(index.status, 200, "{}", index.text);
    let link = &index.body["links"][0];
    assert_eq!(link["rel"], "http://nodeinfo.diaspora.software/ns/schema/2.0");
    let href = link["href"].as_str().unwrap();
    let path = href.strip_prefix(&server.settings.base_url()).expect("nodeinfo on this server");
    let nodeinfo = anonymous.get(path).await;
    assert_eq!(nodeinfo.status, 200, "{}", nodeinfo.text);
    assert!(nodeinfo.header("content-type").unwrap().starts_with("application/json"));
    assert_eq!(nodeinfo.body["version"], "2.0");
    assert_eq!(nodeinfo.body["software"]["name"], "hallway");
    assert_eq!(nodeinfo.body["protocols"], json!(["activitypub"]));
    assert_eq!(nodeinfo.body["usage"]["users"]["total"], 1);
    assert_eq!(nodeinfo.body["usage"]["localPosts"], 1);
    assert_eq!(nodeinfo.body["openRegistrations"], false);
}

async fn custom_emojis_and_preferences(server: TestServer) {
    let emojis = server.anonymous().get("/api/v1/custom_emojis").await;
    assert_eq!(emojis.status, 200);
    assert_eq!(emojis.body, json!([]));

    let ann = server.login("ann").await;
    let preferences = ann.get("/api/v1/preferences").await;
    assert_eq!(preferences.status, 200, "{}", preferences.body);
    assert_eq!(keys(&preferences.body), key_set(MASTODON_PREFERENCE_KEYS));
    assert_eq!(preferences.body["posting:default:visibility"], "public");
    assert_eq!(preferences.body["posting:default:sensitive"], false);
    assert_eq!(preferences.body["posting:default:language"], Value::Null);
    assert_eq!(preferences.body["reading:expand:media"], "default");
    assert_eq!(preferences.body["reading:expand:spoilers"], false);
    assert_eq!(server.anonymous().get("/api/v1/preferences").await.status, 401);
}

async fn markers_are_saved_and_versioned(server: TestServer) {
    let ann = server.login("ann").await;
    let both = "/api/v1/markers?timeline[]=home&timeline[]=notifications";
    let empty = ann.get(both).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body, json!({}));

    let home = ann.post_form("/api/v1/markers", &[("home[last_read_id]", "103194548672408537")]).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(home.body["home"]["last_read_id"], "103194548672408537");
    assert_eq!(home.body["home"]["version"], 1);
    assert!(home.body["home"]["updated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(keys(&home.body["home"]), key_set(MASTODON_MARKER_KEYS));

    let notifications = ann.post_json("/api/v1/markers", &json!({"notifications": {"last_read_id": "42"}})).await;
    assert_eq!(notifications.status, 200, "{}", notifications.body);
    assert_eq!(notifications.body["notifications"]["last_read_id"], "42");
    assert_eq!(notifications.body["notifications"]["version"], 1);

    let moved = ann.post_json("/api/v1/markers", &json!({"home": {"last_read_id": "103194548672408600"}})).await;
    assert_eq!(moved.body["home"]["version"], 2);
    let read = ann.get(both).await;
    assert_eq!(read.body["home"]["last_read_id"], "103194548672408600");
    assert_eq!(read.body["home"]["version"], 2);
    assert_eq!(read.body["notifications"]["last_read_id"], "42");
    assert_eq!(read.body["notifications"]["version"], 1);
    let only_home = ann.get("/api/v1/markers?timeline[]=home").await;
    assert_eq!(keys(&only_home.body), BTreeSet::from(["home".to_owned()]));

    let bob = server.login("bob").await;
    assert_eq!(bob.get(both).await.body, json!({}), "markers are per user");
    assert_eq!(server.anonymous().get(both).await.status, 401);
}
