//! Accounts: credentials and profile updates, lookup, relationships, follows and their lists,
//! an account's statuses, suspension and account search.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::{Api, Resp, TestServer};

crate::on_both_backends!(
    profile_updates_keep_what_others_write_meanwhile,
    verify_credentials_has_source_and_role,
    account_entities_have_mastodons_keys,
    update_credentials_with_a_form,
    update_credentials_with_json,
    update_credentials_with_multipart,
    profile_limits_are_enforced,
    accounts_are_shown_and_looked_up,
    relationships_report_both_directions,
    follow_and_unfollow_count_and_answer_relationships,
    followers_and_following_lists_page,
    account_statuses_filter,
    suspended_users_are_locked_out_and_hidden,
    search_finds_accounts,
    several_accounts_and_familiar_followers,
    private_notes_show_in_relationships,
    removing_a_follower,
    endorse_is_another_name_for_pin,
    the_profile_as_its_owner_edits_it,
    hidden_collections_are_shown_to_nobody_else,
    unfollowing_takes_the_account_out_of_lists,
);

/// The keys of Mastodon's account entity (fixtures/mastodon-api/account_public.json, Mastodon 4.x).
const MASTODON_ACCOUNT_KEYS: &[&str] = &[
    "id", "username", "acct", "display_name", "locked", "bot", "discoverable", "indexable", "group", "created_at",
    "note", "url", "uri", "avatar", "avatar_static", "avatar_description", "header", "header_static",
    "header_description", "followers_count", "following_count", "statuses_count", "last_status_at",
    "hide_collections", "show_media", "show_media_replies", "show_featured", "noindex", "feature_approval", "emojis",
    "roles", "fields",
];

/// The keys of `source` and `role` in Mastodon's credential account (fixtures/mastodon-api/account.json).
const MASTODON_SOURCE_KEYS: &[&str] = &[
    "privacy", "sensitive", "language", "note", "fields", "follow_requests_count", "hide_collections", "discoverable",
    "indexable", "attribution_domains", "quote_policy",
];
const MASTODON_ROLE_KEYS: &[&str] = &["id", "name", "permissions", "color", "highlighted", "collection_limit"];

/// fixtures/mastodon-api/relationship.json
const MASTODON_RELATIONSHIP_KEYS: &[&str] = &[
    "id", "following", "showing_reblogs", "notifying", "languages", "followed_by", "blocking", "blocked_by", "muting",
    "muting_notifications", "muting_expires_at", "requested", "requested_by", "domain_blocking", "endorsed", "note",
];

/// Keys of features newer than the Mastodon 4.3 Hallway reports itself as (alt text on profile
/// pictures, profile tabs, featured collections, attribution domains, quote policies).
const NEWER_THAN_CLAIMED: &[&str] = &[
    "avatar_description", "header_description", "show_media", "show_media_replies", "show_featured",
    "feature_approval", "attribution_domains", "collection_limit",
];

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

/// Fails on any of Mastodon's keys the entity lacks, except newer ones, which it reports.
fn assert_has_keys(what: &str, entity: &Value, mastodon: &[&str]) {
    let present = keys(entity);
    let missing: Vec<&str> = mastodon.iter().copied().filter(|k| !present.contains(*k)).collect();
    let required: Vec<&str> = missing.iter().copied().filter(|k| !NEWER_THAN_CLAIMED.contains(k)).collect();
    assert!(required.is_empty(), "{what} lacks Mastodon's {required:?}: {entity}");
    if !missing.is_empty() {
        eprintln!("note: {what} lacks keys of Mastodon versions after 4.3: {missing:?}");
    }
}

async fn patch_json(api: &Api, path: &str, body: &Value) -> Resp {
    let request = api.client.patch(format!("{}{path}", api.base)).bearer_auth(api.token.as_deref().unwrap()).json(body);
    api.send(request).await
}

/// A profile update once wrote back the whole account row that its request had read before the transaction,
/// so follows counted meanwhile were lost (and a suspension could be undone). Now it writes only its own
/// columns, read inside its transaction: twenty followers arriving during twenty profile edits all count.
async fn profile_updates_keep_what_others_write_meanwhile(server: TestServer) {
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    let mut followers = Vec::new();
    for i in 0..20 {
        followers.push(server.login(&format!("fan{i}")).await);
    }
    let mut running = tokio::task::JoinSet::new();
    for (i, fan) in followers.into_iter().enumerate() {
        let path = format!("/api/v1/accounts/{bob_id}/follow");
        running.spawn(async move { fan.post(&path).await.status });
        let bob = bob.clone();
        running.spawn(async move { bob.patch_form("/api/v1/accounts/update_credentials", &[("note", &format!("edit {i}"))]).await.status });
    }
    while let Some(status) = running.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let me = bob.me().await;
    assert_eq!(me.body["followers_count"], 20, "{}", me.body);
    assert!(me.body["note"].as_str().unwrap().contains("edit"), "{}", me.body);
    let shown = server.anonymous().get(&format!("/api/v1/accounts/{bob_id}")).await;
    assert!(!shown.text.contains("PRIVATE KEY"), "no private key travels in an account");
}

async fn verify_credentials_has_source_and_role(server: TestServer) {
    let ann = server.login("ann").await;
    let me = ann.me().await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.str("username"), "ann");
    assert_eq!(me.str("acct"), "ann");
    let source = &me.body["source"];
    assert_eq!(source["privacy"], "public");
    assert_eq!(source["sensitive"], false);
    assert_eq!(source["language"], Value::Null);
    assert_eq!(source["note"], "");
    assert_eq!(source["fields"], json!([]));
    assert_eq!(source["follow_requests_count"], 0);
    assert_has_keys("source", source, MASTODON_SOURCE_KEYS);
    assert_eq!(me.body["role"]["permissions"], "65536");
    assert_has_keys("role", &me.body["role"], MASTODON_ROLE_KEYS);
    let unauthorized = server.anonymous().me().await;
    assert_eq!(unauthorized.status, 401);
}

async fn account_entities_have_mastodons_keys(server: TestServer) {
    let ann = server.login("ann").await;
    let ann_id = ann.me().await.id();
    let public = server.anonymous().get(&format!("/api/v1/accounts/{ann_id}")).await;
    assert_eq!(public.status, 200, "{}", public.body);
    assert_has_keys("account", &public.body, MASTODON_ACCOUNT_KEYS);
    assert!(public.body.get("source").is_none(), "source is only for the owner");
    assert_has_keys("credential account", &ann.me().await.body, MASTODON_ACCOUNT_KEYS);

    let bob = server.login("bob").await;
    let relationship = bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    let expected: BTreeSet<String> = MASTODON_RELATIONSHIP_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(keys(&relationship.body), expected);
}

async fn update_credentials_with_a_form(server: TestServer) {
    let ann = server.login("ann").await;
    let updated = ann
        .patch_form(
            "/api/v1/accounts/update_credentials",
            &[
                ("display_name", "Ann of Sales"),
                ("note", "I sell <things> & #stuff"),
                ("fields_attributes[0][name]", "Desk"),
                ("fields_attributes[0][value]", "3rd floor"),
                ("fields_attributes[1][name]", "Pronouns"),
                ("fields_attributes[1][value]", "she/her"),
                ("source[privacy]", "private"),
            ],
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.str("display_name"), "Ann of Sales");
    let note = updated.str("note");
    assert!(note.starts_with("<p>") && note.contains("&lt;things&gt; &amp;"), "note is not rendered HTML: {note}");
    assert!(!note.contains("<things>"), "{note}");
    assert_eq!(updated.body["source"]["note"], "I sell <things> & #stuff");
    assert_eq!(updated.body["source"]["privacy"], "private");
    assert_eq!(updated.body["fields"][0]["name"], "Desk");
    assert_eq!(updated.body["fields"][0]["value"], "3rd floor");
    assert_eq!(updated.body["fields"][1]["name"], "Pronouns");
    assert_eq!(updated.body["source"]["fields"][1]["value"], "she/her");

    let me = ann.me().await;
    assert_eq!(me.str("display_name"), "Ann of Sales");
    assert_eq!(me.body["source"]["privacy"], "private");
    let preferences = ann.get("/api/v1/preferences").await;
    assert_eq!(preferences.body["posting:default:visibility"], "private");
    let posted = ann.toot("who sees this?", json!({})).await;
    assert_eq!(posted.str("visibility"), "private");
    let explicit = ann.toot("everyone sees this", json!({"visibility": "public"})).await;
    assert_eq!(explicit.str("visibility"), "public");
    let public = server.anonymous().get(&format!("/api/v1/accounts/{}", me.id())).await;
    assert_eq!(public.str("note"), note);
}

/// Tusky sends profile edits as multipart/form-data; text parts are read, a file that is no image refused clearly.
async fn update_credentials_with_multipart(server: TestServer) {
    let ann = server.login("ann").await;
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Ann (multipart)")
        .text("fields_attributes[0][name]", "Team")
        .text("fields_attributes[0][value]", "Sales");
    let request = ann.client.patch(format!("{}/api/v1/accounts/update_credentials", ann.base)).bearer_auth(ann.token.as_ref().unwrap());
    let updated = ann.send(request.multipart(form)).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.str("display_name"), "Ann (multipart)");
    assert_eq!(updated.body["fields"][0]["value"], "Sales");

    let avatar = reqwest::multipart::Part::bytes(vec![0x89, b'P', b'N', b'G']).file_name("me.png").mime_str("image/png").unwrap();
    let with_file = reqwest::multipart::Form::new().text("display_name", "Not saved").part("avatar", avatar);
    let request = ann.client.patch(format!("{}/api/v1/accounts/update_credentials", ann.base)).bearer_auth(ann.token.as_ref().unwrap());
    let refused = ann.send(request.multipart(with_file)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.error(), "Validation failed: Avatar content type is invalid");
    assert_eq!(ann.me().await.str("display_name"), "Ann (multipart)", "nothing of a refused request is saved");
}

async fn update_credentials_with_json(server: TestServer) {
    let ann = server.login("ann").await;
    let body = json!({
        "display_name": "Ann J",
        "note": "line one\nline two",
        "locked": true,
        "fields_attributes": [{"name": "Team", "value": "Platform"}],
        "source": {"privacy": "unlisted", "sensitive": true, "language": "de"}
    });
    let updated = patch_json(&ann, "/api/v1/accounts/update_credentials", &body).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.str("display_name"), "Ann J");
    assert_eq!(updated.body["locked"], true);
    assert_eq!(updated.str("note"), "<p>line one<br />line two</p>");
    assert_eq!(updated.body["fields"], json!([{"name": "Team", "value": "Platform", "verified_at": null}]));
    assert_eq!(updated.body["source"]["privacy"], "unlisted");
    assert_eq!(updated.body["source"]["sensitive"], true);
    assert_eq!(updated.body["source"]["language"], "de");
    let posted = ann.toot("defaults apply", json!({})).await;
    assert_eq!(posted.str("visibility"), "unlisted");
    assert_eq!(posted.body["sensitive"], true);
    assert_eq!(posted.str("language"), "de");

    let partial = patch_json(&ann, "/api/v1/accounts/update_credentials", &json!({"display_name": "Ann"})).await;
    assert_eq!(partial.status, 200, "{}", partial.body);
    assert_eq!(partial.str("display_name"), "Ann");
    assert_eq!(partial.body["source"]["privacy"], "unlisted", "a partial update keeps the rest");
    assert_eq!(partial.body["fields"][0]["name"], "Team");
}

async fn profile_limits_are_enforced(server: TestServer) {
    let ann = server.login("ann").await;
    let thirty = "a".repeat(30);
    let ok = ann.patch_form("/api/v1/accounts/update_credentials", &[("display_name", &thirty)]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let too_long = ann.patch_form("/api/v1/accounts/update_credentials", &[("display_name", &"é".repeat(31))]).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert!(too_long.error().contains("Display name"), "{}", too_long.body);
    assert_eq!(ann.me().await.str("display_name"), thirty, "a refused update changes nothing");
    let bad_privacy = ann.patch_form("/api/v1/accounts/update_credentials", &[("source[privacy]", "secret")]).await;
    assert_eq!(bad_privacy.status, 422, "{}", bad_privacy.body);
    let five_fields: Vec<(String, String)> = (0..5)
        .flat_map(|i| [(format!("fields_attributes[{i}][name]"), format!("n{i}")), (format!("fields_attributes[{i}][value]"), "v".into())])
        .collect();
    let pairs: Vec<(&str, &str)> = five_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(ann.patch_form("/api/v1/accounts/update_credentials", &pairs).await.status, 422);
    let read_only = server.login_with_scopes("bob", "read").await;
    let refused = read_only.patch_form("/api/v1/accounts/update_credentials", &[("display_name", "Bob")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

async fn accounts_are_shown_and_looked_up(server: TestServer) {
    let ann = server.login("ann").await;
    let ann_id = ann.me().await.id();
    let anonymous = server.anonymous();
    let shown = anonymous.get(&format!("/api/v1/accounts/{ann_id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.str("username"), "ann");
    assert_eq!(shown.str("url"), format!("{}/@ann", server.settings.base_url()));
    assert!(shown.str("avatar").starts_with("http"));

    for path in ["/api/v1/accounts/123456789", "/api/v1/accounts/not-a-number", "/api/v1/accounts/99999999999999999999999"] {
        let missing = anonymous.get(path).await;
        assert_eq!(missing.status, 404, "{path}: {}", missing.body);
        assert_eq!(missing.error(), "Not Found");
    }
    let domain = &server.settings.domain;
    for acct in ["ann".to_owned(), "ANN".to_owned(), "@ann".to_owned(), format!("ann@{domain}"), format!("@ann@{domain}")] {
        let found = anonymous.get(&format!("/api/v1/accounts/lookup?acct={}", urlencode(&acct))).await;
        assert_eq!(found.status, 200, "lookup {acct}: {}", found.body);
        assert_eq!(found.id(), ann_id, "lookup {acct}");
    }
    for acct in ["nobody", "ann@elsewhere.example", ""] {
        let missing = anonymous.get(&format!("/api/v1/accounts/lookup?acct={}", urlencode(acct))).await;
        assert_eq!(missing.status, 404, "lookup {acct}: {}", missing.body);
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn relationships_report_both_directions(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carl = server.login("carl").await;
    let (ann_id, bob_id, carl_id) = (ann.me().await.id(), bob.me().await.id(), carl.me().await.id());
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 200);

    let seen_by_ann = ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_id}&id[]={carl_id}")).await;
    assert_eq!(seen_by_ann.status, 200, "{}", seen_by_ann.body);
    assert_eq!(seen_by_ann.ids(), vec![bob_id.clone(), carl_id.clone()], "in the order asked");
    assert_eq!(seen_by_ann.array()[0]["following"], false);
    assert_eq!(seen_by_ann.array()[0]["followed_by"], true);
    assert_eq!(seen_by_ann.array()[1]["following"], false);
    assert_eq!(seen_by_ann.array()[1]["followed_by"], false);

    let seen_by_bob = bob.get(&format!("/api/v1/accounts/relationships?id={ann_id}")).await;
    assert_eq!(seen_by_bob.ids(), vec![ann_id.clone()]);
    assert_eq!(seen_by_bob.array()[0]["following"], true);
    assert_eq!(seen_by_bob.array()[0]["showing_reblogs"], true);
    assert_eq!(seen_by_bob.array()[0]["followed_by"], false);

    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await.status, 200);
    let mutual = ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
    assert_eq!(mutual.array()[0]["following"], true);
    assert_eq!(mutual.array()[0]["followed_by"], true);
    assert_eq!(server.anonymous().get(&format!("/api/v1/accounts/relationships?id[]={bob_id}")).await.status, 401);
}

async fn counts(api: &Api, id: &str) -> (i64, i64) {
    let account = api.get(&format!("/api/v1/accounts/{id}")).await;
    (account.body["followers_count"].as_i64().unwrap(), account.body["following_count"].as_i64().unwrap())
}

async fn follow_and_unfollow_count_and_answer_relationships(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (ann_id, bob_id) = (ann.me().await.id(), bob.me().await.id());

    let followed = bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.id(), ann_id);
    assert_eq!(followed.body["following"], true);
    assert_eq!(followed.body["requested"], false);
    assert_eq!(counts(&bob, &ann_id).await, (1, 0));
    assert_eq!(counts(&bob, &bob_id).await, (0, 1));
    assert_eq!(bob.me().await.body["following_count"], 1);

    let again = bob.post_json(&format!("/api/v1/accounts/{ann_id}/follow"), &json!({"reblogs": false, "notify": true})).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["showing_reblogs"], false);
    assert_eq!(again.body["notifying"], true);
    assert_eq!(counts(&bob, &ann_id).await, (1, 0), "following twice counts once");

    let unfollowed = bob.post(&format!("/api/v1/accounts/{ann_id}/unfollow")).await;
    assert_eq!(unfollowed.status, 200, "{}", unfollowed.body);
    assert_eq!(unfollowed.id(), ann_id);
    assert_eq!(unfollowed.body["following"], false);
    assert_eq!(counts(&bob, &ann_id).await, (0, 0));
    assert_eq!(counts(&bob, &bob_id).await, (0, 0));
    let twice = bob.post(&format!("/api/v1/accounts/{ann_id}/unfollow")).await;
    assert_eq!(twice.status, 200);
    assert_eq!(counts(&bob, &ann_id).await, (0, 0), "unfollowing twice counts once");

    assert_eq!(bob.post(&format!("/api/v1/accounts/{bob_id}/follow")).await.status, 403);
    assert_eq!(bob.post("/api/v1/accounts/123456789/follow").await.status, 404);
    assert_eq!(bob.post("/api/v1/accounts/123456789/unfollow").await.status, 404);
    assert_eq!(server.anonymous().post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 401);
}

async fn followers_and_following_lists_page(server: TestServer) {
    let ann = server.login("ann").await;
    let ann_id = ann.me().await.id();
    let mut follower_ids = Vec::new();
    for name in ["bob", "carl", "dora"] {
        let follower = server.login(name).await;
        assert_eq!(follower.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 200);
        follower_ids.push(follower.me().await.id());
    }
    let anonymous = server.anonymous();
    let all = anonymous.get(&format!("/api/v1/accounts/{ann_id}/followers")).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let newest_first: Vec<String> = follower_ids.iter().rev().cloned().collect();
    assert_eq!(all.ids(), newest_first, "most recent follower first");

    let first = anonymous.get(&format!("/api/v1/accounts/{ann_id}/followers?limit=2")).await;
    assert_eq!(first.ids(), newest_first[..2].to_vec());
    let header = first.header("link").expect("a Link header");
    assert!(header.contains("rel=\"next\"") && header.contains("rel=\"prev\""), "{header}");
    let base = server.settings.base_url();
    let next = header
        .split(", ")
        .find(|part| part.ends_with("rel=\"next\""))
        .and_then(|part| part.trim_start_matches('<').split('>').next())
        .and_then(|url| url.strip_prefix(&base))
        .expect("a next link on this server")
        .to_owned();
    assert!(next.starts_with(&format!("/api/v1/accounts/{ann_id}/followers?")) && next.contains("limit=2"), "{next}");
    let second = anonymous.get(&next).await;
    assert_eq!(second.ids(), newest_first[2..].to_vec());
    let last = second.header("link").expect("a Link header");
    assert!(!last.contains("rel=\"next\"") && last.contains("rel=\"prev\""), "a short page is the last, as in Mastodon: {last}");

    let following = anonymous.get(&format!("/api/v1/accounts/{}/following", follower_ids[0])).await;
    assert_eq!(following.status, 200, "{}", following.body);
    assert_eq!(following.ids(), vec![ann_id.clone()]);
    assert!(following.header("link").unwrap().contains("/following?min_id="));
    let nobody = anonymous.get(&format!("/api/v1/accounts/{ann_id}/following")).await;
    assert!(nobody.array().is_empty());
    assert_eq!(nobody.header("link"), None);
    assert_eq!(anonymous.get("/api/v1/accounts/123456789/followers").await.status, 404);
}

async fn account_statuses_filter(server: TestServer) {
    let ann = server.login("ann").await;
    let carl = server.login("carl").await;
    let ann_id = ann.me().await.id();
    let by_carl = carl.toot("carl's post", json!({})).await.id();
    let tagged = ann.toot("about #Hallway", json!({})).await.id();
    let reply_to_carl = ann.toot("@carl indeed", json!({"in_reply_to_id": by_carl})).await.id();
    let self_reply = ann.toot("and also", json!({"in_reply_to_id": tagged})).await.id();
    let boost = ann.post(&format!("/api/v1/statuses/{by_carl}/reblog")).await;
    assert_eq!(boost.status, 200, "{}", boost.body);
    let boost = boost.id();
    let private = ann.toot("only followers", json!({"visibility": "private"})).await.id();
    let pinned = ann.post(&format!("/api/v1/statuses/{tagged}/pin")).await;
    assert_eq!(pinned.status, 200, "{}", pinned.body);

    let anonymous = server.anonymous();
    let statuses = |query: &str| {
        let path = format!("/api/v1/accounts/{ann_id}/statuses{query}");
        let anonymous = anonymous.clone();
        async move {
            let listed = anonymous.get(&path).await;
            assert_eq!(listed.status, 200, "{path}: {}", listed.body);
            listed.ids()
        }
    };
    assert_eq!(statuses("").await, vec![boost.clone(), self_reply.clone(), reply_to_carl.clone(), tagged.clone()]);
    assert_eq!(statuses("?pinned=true").await, vec![tagged.clone()]);
    assert_eq!(statuses("?exclude_replies=true").await, vec![boost.clone(), self_reply.clone(), tagged.clone()]);
    assert_eq!(statuses("?exclude_reblogs=true").await, vec![self_reply.clone(), reply_to_carl.clone(), tagged.clone()]);
    assert_eq!(statuses("?tagged=hallway").await, vec![tagged.clone()]);
    assert_eq!(statuses("?tagged=HALLWAY").await, vec![tagged.clone()]);
    assert_eq!(statuses("?tagged=unknown").await, Vec::<String>::new());
    assert_eq!(statuses("?exclude_replies=1&exclude_reblogs=1&limit=1").await, vec![self_reply.clone()]);
    let own = ann.get(&format!("/api/v1/accounts/{ann_id}/statuses")).await;
    assert_eq!(own.ids()[0], private, "the author sees their private post");
    let listed_boost = &own.array()[1];
    assert_eq!(listed_boost["reblog"]["id"], by_carl);
    assert_eq!(anonymous.get("/api/v1/accounts/123456789/statuses").await.status, 404);
}

async fn suspend(server: &TestServer, name: &str) {
    let (db, name) = (server.db.clone(), name.to_owned());
    tokio::task::spawn_blocking(move || db.write_blocking(|conn| hallway::service::accounts::set_suspended(conn, &crate::support::setup_actor(), &name, true)))
        .await
        .unwrap()
        .expect("suspend");
}

async fn suspended_users_are_locked_out_and_hidden(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 200);
    let news = ann.toot("before the suspension #news", json!({})).await.id();
    let bobs = bob.toot("a post ann likes", json!({})).await.id();
    assert_eq!(ann.post(&format!("/api/v1/statuses/{bobs}/favourite")).await.status, 200);
    assert_eq!(bob.get("/api/v1/notifications").await.array().len(), 1);
    suspend(&server, "ann").await;
    assert_eq!(bob.get("/api/v1/notifications").await.body, json!([]), "notifications from a suspended account are hidden");

    let locked_out = ann.me().await;
    assert!(
        locked_out.status == 401 || (locked_out.status == 403 && locked_out.error() == "Your login is currently disabled"),
        "{} {}",
        locked_out.status,
        locked_out.body
    );
    let post = ann.post_json("/api/v1/statuses", &json!({"status": "still here?"})).await;
    assert!(post.status == 401 || post.status == 403, "{} {}", post.status, post.body);
    for path in [
        format!("/api/v1/accounts/{ann_id}"),
        format!("/api/v1/accounts/{ann_id}/statuses"),
        "/api/v1/accounts/lookup?acct=ann".to_owned(),
    ] {
        let hidden = bob.get(&path).await;
        assert_eq!(hidden.status, 404, "{path}: {}", hidden.body);
    }
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 404);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{news}")).await.status, 404, "a suspended account's post is still shown");
    for timeline in ["/api/v1/timelines/public", "/api/v1/timelines/tag/news", "/api/v1/timelines/home"] {
        let listed = bob.get(timeline).await;
        assert!(!listed.ids().contains(&news), "{timeline} still shows a suspended account's post");
    }
    let search = bob.get("/api/v2/search?q=ann&type=accounts").await;
    assert_eq!(search.body["accounts"], json!([]), "{}", search.body);
}

async fn search_finds_accounts(server: TestServer) {
    let bob = server.login("bob").await;
    let margaret = server.login("margaret").await.me().await.id();
    let marge = server.login("marge").await.me().await.id();
    server.login("amar").await;
    let domain = &server.settings.domain;

    let prefix = bob.get("/api/v2/search?q=marg&type=accounts").await;
    assert_eq!(prefix.status, 200, "{}", prefix.body);
    let found: BTreeSet<String> = prefix.body["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(found, BTreeSet::from([margaret.clone(), marge.clone()]));
    assert_eq!(prefix.body["statuses"], json!([]));
    assert_eq!(prefix.body["hashtags"], json!([]));

    for q in [format!("@margaret@{domain}"), format!("margaret@{domain}"), "@MARGARET".to_owned()] {
        let exact = bob.get(&format!("/api/v2/search?type=accounts&q={}", urlencode(&q))).await;
        assert_eq!(exact.status, 200, "{q}: {}", exact.body);
        let ids: Vec<&str> = exact.body["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![margaret.as_str()], "{q}");
    }
    let none = bob.get(&format!("/api/v2/search?type=accounts&q={}", urlencode(&format!("@nobody@{domain}")))).await;
    assert_eq!(none.body["accounts"], json!([]));
    let all_kinds = bob.get("/api/v2/search?q=marge").await;
    assert_eq!(all_kinds.body["accounts"][0]["id"], marge);
    let v1 = bob.get("/api/v1/accounts/search?q=marg").await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(v1.array().len(), 2);
}

async fn several_accounts_and_familiar_followers(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cy = server.login("cy").await;
    let (ann_id, bob_id, cy_id) = (ann.me().await.id(), bob.me().await.id(), cy.me().await.id());
    let both = ann.get(&format!("/api/v1/accounts?id[]={cy_id}&id[]=999999&id[]={bob_id}")).await;
    assert_eq!(both.status, 200, "{}", both.text);
    assert_eq!(both.ids(), vec![cy_id.clone(), bob_id.clone()], "in the order asked, unknown ones left out");
    let too_many: String = (0..41).map(|n| format!("id[]={n}&")).collect();
    assert_eq!(ann.get(&format!("/api/v1/accounts?{too_many}")).await.status, 422);

    // Ann follows bob; bob follows cy: bob is a familiar follower of cy for ann.
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    bob.post(&format!("/api/v1/accounts/{cy_id}/follow")).await;
    let familiar = ann.get(&format!("/api/v1/accounts/familiar_followers?id[]={cy_id}&id[]={bob_id}")).await;
    assert_eq!(familiar.status, 200, "{}", familiar.text);
    assert_eq!(familiar.array().len(), 2);
    assert_eq!(familiar.body[0]["id"], cy_id.as_str());
    let known: Vec<&str> = familiar.body[0]["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(known, vec![bob_id.as_str()]);
    assert_eq!(familiar.body[1], json!({ "id": bob_id, "accounts": [] }));
    let alone = ann.get(&format!("/api/v1/accounts/familiar_followers?id={ann_id}")).await;
    assert_eq!(alone.body, json!([{ "id": ann_id, "accounts": [] }]));
}

async fn private_notes_show_in_relationships(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    let noted = ann.post_form(&format!("/api/v1/accounts/{bob_id}/note"), &[("comment", "Runs the build farm")]).await;
    assert_eq!(noted.status, 200, "{}", noted.text);
    assert_eq!(noted.body["note"], "Runs the build farm");
    let seen = ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
    assert_eq!(seen.body[0]["note"], "Runs the build farm");
    let ann_id = ann.me().await.id();
    assert_eq!(bob.get(&format!("/api/v1/accounts/relationships?id[]={ann_id}")).await.body[0]["note"], "", "notes are private");
    let too_long = "x".repeat(2001);
    assert_eq!(ann.post_json(&format!("/api/v1/accounts/{bob_id}/note"), &json!({ "comment": too_long })).await.status, 422);
    let cleared = ann.post_json(&format!("/api/v1/accounts/{bob_id}/note"), &json!({ "comment": "" })).await;
    assert_eq!(cleared.body["note"], "");
    assert_eq!(ann.post_form("/api/v1/accounts/424242/note", &[("comment", "x")]).await.status, 404);
}

async fn removing_a_follower(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (ann_id, bob_id) = (ann.me().await.id(), bob.me().await.id());
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert_eq!(counts(&ann, &ann_id).await, (1, 0));
    let removed = ann.post(&format!("/api/v1/accounts/{bob_id}/remove_from_followers")).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["followed_by"], false);
    assert_eq!(counts(&ann, &ann_id).await, (0, 0));
    assert_eq!(bob.get(&format!("/api/v1/accounts/relationships?id[]={ann_id}")).await.body[0]["following"], false);
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/remove_from_followers")).await.status, 200, "not a follower: nothing to do");
}

async fn endorse_is_another_name_for_pin(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let endorsed = ann.post(&format!("/api/v1/accounts/{bob_id}/endorse")).await;
    assert_eq!((endorsed.status, &endorsed.body["endorsed"]), (200, &json!(true)), "{}", endorsed.text);
    assert_eq!(ann.get("/api/v1/endorsements").await.ids(), vec![bob_id.clone()]);
    let unendorsed = ann.post(&format!("/api/v1/accounts/{bob_id}/unendorse")).await;
    assert_eq!(unendorsed.body["endorsed"], false);
}

async fn the_profile_as_its_owner_edits_it(server: TestServer) {
    let ann = server.login("ann").await;
    let updated = ann.patch_form("/api/v1/accounts/update_credentials", &[("note", "Builds #rust things"), ("fields_attributes[0][name]", "Team"), ("fields_attributes[0][value]", "Platform")]).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let profile = ann.get("/api/v1/profile").await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    assert_eq!(profile.body["note"], "Builds #rust things", "the source, not HTML");
    assert_eq!(profile.body["fields"], json!([{ "name": "Team", "value": "Platform" }]));
    assert_eq!((profile.body["avatar"].clone(), profile.body["hide_collections"].clone()), (Value::Null, json!(false)), "no avatar yet");
    for key in ["avatar_description", "header_description", "show_media", "show_featured", "attribution_domains", "indexable"] {
        assert!(profile.body.get(key).is_some(), "{key}: {}", profile.body);
    }

    let form = reqwest::multipart::Form::new()
        .part("avatar", reqwest::multipart::Part::bytes(crate::media::png(64, 64)).file_name("me.png").mime_str("image/png").unwrap())
        .text("avatar_description", "Ann at the summit")
        .text("hide_collections", "true");
    let patched = ann.multipart(reqwest::Method::PATCH, "/api/v1/profile", form).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["avatar_description"], "Ann at the summit");
    assert_eq!(patched.body["hide_collections"], true);
    assert!(patched.body["avatar"].as_str().unwrap().contains("/system/"), "{}", patched.body);
    let me = ann.me().await;
    assert_eq!((me.body["avatar_description"].clone(), me.body["hide_collections"].clone()), (json!("Ann at the summit"), json!(true)));

    let long = "d".repeat(1501);
    let refused = patch_json(&ann, "/api/v1/profile", &json!({ "header_description": long })).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(server.anonymous().get("/api/v1/profile").await.status, 401);
}

async fn hidden_collections_are_shown_to_nobody_else(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (ann_id, bob_id) = (ann.me().await.id(), bob.me().await.id());
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    patch_json(&ann, "/api/v1/accounts/update_credentials", &json!({ "hide_collections": true })).await;
    for list in ["followers", "following"] {
        let path = format!("/api/v1/accounts/{ann_id}/{list}");
        assert_eq!(bob.get(&path).await.body, json!([]), "{list} to others");
        assert_eq!(ann.get(&path).await.ids(), vec![bob_id.clone()], "{list} to herself");
    }
    assert_eq!(bob.get(&format!("/api/v1/accounts/{ann_id}")).await.body["followers_count"], 1, "the counts stay");
}

async fn unfollowing_takes_the_account_out_of_lists(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    let list = ann.post_json("/api/v1/lists", &json!({ "title": "Team" })).await.id();
    ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id)]).await;
    assert_eq!(ann.get(&format!("/api/v1/lists/{list}/accounts")).await.ids(), vec![bob_id.clone()]);
    ann.post(&format!("/api/v1/accounts/{bob_id}/unfollow")).await;
    assert_eq!(ann.get(&format!("/api/v1/lists/{list}/accounts")).await.body, json!([]));
    assert_eq!(ann.get(&format!("/api/v1/accounts/{bob_id}/lists")).await.body, json!([]));
}
