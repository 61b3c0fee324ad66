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
    activity_and_peers_are_counted,
);

const ABOUT: &str = r#"
[about]
extended_description = """
Engineering's hallway.

Questions go to #help, see https://wiki.corp.example/hallway"""
privacy_policy = "What you post stays inside the company."
terms_of_service = "Be excellent to each other."
terms_of_service_effective = "2026-11-01"
updated = "2026-11-20"
languages = ["en", "de"]

[[about.rules]]
text = "No customer data"
hint = "Tickets are in the tracker, not here."

[[about.rules]]
text = "Be kind"
"#;

fn about_settings(settings: &mut hallway::config::Settings) {
    settings.about = hallway::config::Settings::from_parts(ABOUT, &|_| None).unwrap().about;
}

#[tokio::test]
async fn the_instance_tells_about_itself() {
    run_with(Backend::Sqlite, about_settings, |server: TestServer| async move {
        let anonymous = server.anonymous();
        let expected_rules = json!([
            { "id": "1", "text": "No customer data", "hint": "Tickets are in the tracker, not here.", "translations": {} },
            { "id": "2", "text": "Be kind", "hint": "", "translations": {} }
        ]);
        assert_eq!(anonymous.get("/api/v1/instance/rules").await.body, expected_rules);
        assert_eq!(anonymous.get("/api/v1/instance").await.body["rules"], expected_rules);
        let v2 = anonymous.get("/api/v2/instance").await.body;
        assert_eq!(v2["rules"], expected_rules);
        assert_eq!(v2["languages"], json!(["en", "de"]));
        let base = server.settings.base_url();
        assert_eq!(v2["configuration"]["urls"]["terms_of_service"], format!("{base}/terms-of-service"));
        assert_eq!(v2["configuration"]["urls"]["privacy_policy"], format!("{base}/privacy-policy"));

        let extended = anonymous.get("/api/v1/instance/extended_description").await;
        assert_eq!(extended.status, 200, "{}", extended.text);
        assert_eq!(extended.body["updated_at"], "2026-11-20T00:00:00.000Z");
        let content = extended.str("content");
        assert!(content.starts_with("<p>Engineering&#39;s hallway.</p><p>Questions go to #help"), "{content}");
        assert!(content.contains("<a href=\"https://wiki.corp.example/hallway\""), "{content}");

        let privacy = anonymous.get("/api/v1/instance/privacy_policy").await;
        assert_eq!(privacy.body["content"], "<p>What you post stays inside the company.</p>");
        let terms = anonymous.get("/api/v1/instance/terms_of_service").await;
        assert_eq!(
            terms.body,
            json!({ "effective_date": "2026-11-01", "effective": true, "content": "<p>Be excellent to each other.</p>", "succeeded_by": null })
        );
        assert_eq!(anonymous.get("/api/v1/instance/terms_of_service/2026-11-01").await.body, terms.body);
        for other in ["2025-01-01", "yesterday"] {
            let missing = anonymous.get(&format!("/api/v1/instance/terms_of_service/{other}")).await;
            assert_eq!((missing.status, missing.error()), (404, "Not Found".to_owned()), "{other}");
        }

        let languages = anonymous.get("/api/v1/instance/languages").await;
        assert!(languages.array().len() > 150, "every ISO 639-1 language: {}", languages.array().len());
        assert!(languages.array().contains(&json!({ "code": "de", "name": "German" })));
        assert_eq!(anonymous.get("/api/v1/instance/translation_languages").await.body, json!({}));

        for (path, words) in [("/about", "No customer data"), ("/privacy-policy", "stays inside"), ("/terms-of-service", "excellent")] {
            let page = anonymous.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            assert!(page.text.contains(words), "{path}: {}", page.text);
        }
    })
    .await;
}

#[tokio::test]
async fn an_instance_without_texts_says_so() {
    run_with(Backend::Sqlite, |s| s.description = "The hallway of Sales.".into(), |server: TestServer| async move {
        let anonymous = server.anonymous();
        assert_eq!(anonymous.get("/api/v1/instance/rules").await.body, json!([]));
        let extended = anonymous.get("/api/v1/instance/extended_description").await;
        assert_eq!(extended.body["content"], "<p>The hallway of Sales.</p>");
        let privacy = anonymous.get("/api/v1/instance/privacy_policy").await;
        assert!(privacy.str("content").contains("have not published a privacy policy"), "{}", privacy.text);
        let terms = anonymous.get("/api/v1/instance/terms_of_service").await;
        assert_eq!((terms.status, terms.error()), (404, "Not Found".to_owned()));
        assert_eq!(anonymous.get("/terms-of-service").await.status, 404);
        assert_eq!(anonymous.get("/api/v2/instance").await.body["configuration"]["urls"]["terms_of_service"], Value::Null);
    })
    .await;
}

#[test]
fn about_settings_are_checked() {
    let error = |toml: &str| hallway::config::Settings::from_parts(toml, &|_| None).unwrap_err().0;
    assert!(error("[about]\nlanguages = [\"english\"]").contains("about.languages: 'english'"));
    assert!(error("[about]\nupdated = \"last week\"").contains("about.updated: 'last week'"));
    assert!(error("[[about.rules]]\ntext = \" \"").contains("about.rules: a rule has no text"));
}

/// Clients read the server's clock from the root's `Date` (Ivory, Phanpy); some ask with HEAD.
#[tokio::test]
async fn the_root_answers_get_and_head() {
    run_with(Backend::Sqlite, |_| {}, |server: TestServer| async move {
        let anonymous = server.anonymous();
        let page = anonymous.get("/").await;
        assert_eq!(page.status, 200);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        assert!(page.text.contains(&server.settings.domain));
        let head = anonymous.send(anonymous.request(reqwest::Method::HEAD, "/")).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.text, "");
        let date = head.header("date").expect("a Date header");
        httpdate::parse_http_date(&date).expect("an HTTP date");
    })
    .await;
}

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

/// fixtures/mastodon-api/preferences.json
const MASTODON_PREFERENCE_KEYS: &[&str] = &[
    "posting:default:visibility", "posting:default:sensitive", "posting:default:language", "posting:default:quote_policy", "reading:expand:media",
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
    let links = index.body["links"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    for (link, version) in links.iter().zip(["2.0", "2.1"]) {
        assert_eq!(link["rel"], format!("http://nodeinfo.diaspora.software/ns/schema/{version}"));
        let href = link["href"].as_str().unwrap();
        let path = href.strip_prefix(&server.settings.base_url()).expect("nodeinfo on this server");
        let nodeinfo = anonymous.get(path).await;
        assert_eq!(nodeinfo.status, 200, "{}", nodeinfo.text);
        assert!(nodeinfo.header("content-type").unwrap().starts_with("application/json"));
        assert_eq!(nodeinfo.body["version"], version);
        assert_eq!(nodeinfo.body["software"]["name"], "hallway", "the software's own name");
        // megalodon's detector() takes a server whose NodeInfo names Mastodon as its upstream for Mastodon.
        assert_eq!(nodeinfo.body["metadata"]["upstream"]["name"], "mastodon");
        assert_eq!(nodeinfo.body["protocols"], json!(["activitypub"]));
        assert_eq!(nodeinfo.body["usage"]["users"]["total"], 1);
        assert_eq!(nodeinfo.body["usage"]["localPosts"], 1);
        assert_eq!(nodeinfo.body["openRegistrations"], false);
    }
    assert_eq!(anonymous.get("/nodeinfo/1.0").await.status, 404);
}

async fn activity_and_peers_are_counted(server: TestServer) {
    let ann = server.login("ann").await;
    server.create_user("bob").await;
    for text in ["one", "two", "three"] {
        ann.toot(text, json!({})).await;
    }
    server.allow_host("sales.corp.example").await;
    server.allow_host("eng.corp.example").await;
    assert_eq!(ann.get("/api/v1/instance/peers").await.body, json!(["eng.corp.example", "sales.corp.example"]));
    let activity = ann.get("/api/v1/instance/activity").await;
    assert_eq!(activity.status, 200, "{}", activity.text);
    let weeks = activity.array();
    assert_eq!(weeks.len(), 12);
    let this_week = &weeks[0];
    assert_eq!((this_week["statuses"].as_str(), this_week["logins"].as_str(), this_week["registrations"].as_str()), (Some("3"), Some("1"), Some("2")));
    let week_start: i64 = this_week["week"].as_str().unwrap().parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(week_start <= now && now - week_start < 7 * 86_400, "{week_start}");
    let previous: i64 = weeks[1]["week"].as_str().unwrap().parse().unwrap();
    assert_eq!(week_start - previous, 7 * 86_400);
    assert_eq!(weeks[11]["statuses"], "0");
}

async fn custom_emojis_and_preferences(server: TestServer) {
    let emojis = server.anonymous().get("/api/v1/custom_emojis").await;
    assert_eq!(emojis.status, 200);
    assert_eq!(emojis.body, json!([]));

    let ann = server.login("ann").await;
    let preferences = ann.get("/api/v1/preferences").await;
    assert_eq!(preferences.status, 200, "{}", preferences.body);
    let mut expected = key_set(MASTODON_PREFERENCE_KEYS);
    expected.insert("posting:default:local_only".to_owned());
    assert_eq!(keys(&preferences.body), expected, "Mastodon's keys, and Hallway's own division-only default");
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
