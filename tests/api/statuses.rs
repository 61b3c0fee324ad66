//! Statuses: posting (JSON and form), rendering, the entity's shape, editing, deleting, validation,
//! threads, favourites, reblogs, bookmarks, pins, and who may see what.

use serde_json::json;

use crate::support::{Api, Resp, TestServer};

crate::on_both_backends!(
    create_with_json_or_form,
    content_is_rendered_like_mastodon,
    entity_has_the_fields_of_mastodon,
    get_then_delete_with_source_for_redraft,
    only_the_author_deletes_or_edits,
    edit_keeps_history_and_source,
    idempotency_key_gives_the_same_status,
    text_is_validated,
    visibility_must_be_known,
    reply_counts_and_context_in_thread_order,
    favourite_and_unfavourite,
    reblog_answers_a_wrapper_once,
    private_status_cannot_be_reblogged_by_others,
    bookmark_and_unbookmark,
    pin_own_statuses_up_to_five,
    private_status_reaches_followers_only,
    direct_status_reaches_the_mentioned_only,
    unlisted_status_stays_off_the_public_timeline,
    muted_conversations_notify_no_more,
    delete_media_removes_the_attachments,
    a_poll_may_have_media,
    edit_history_shows_media_and_poll_as_they_were,
    private_self_boosts_are_not_listed,
    direct_statuses_can_be_left_out_of_a_profile,
);

/// The top-level keys of Mastodon's status entity (fixtures/mastodon-api/status.json, a status
/// posted with Mastodon.py against Mastodon 4.x), plus `pinned`, which Mastodon adds for the
/// author's own pinnable statuses (fixtures/mastodon-api/status_with_tag.json).
const MASTODON_STATUS_KEYS: &[&str] = &[
    "id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive", "spoiler_text", "visibility",
    "language", "uri", "url", "replies_count", "reblogs_count", "favourites_count", "quotes_count", "edited_at",
    "favourited", "reblogged", "muted", "bookmarked", "pinned", "content", "filtered", "reblog", "application",
    "account", "media_attachments", "mentions", "tags", "emojis", "tagged_collections", "quote", "card", "poll",
    "quote_approval",
];

/// Keys of features newer than the Mastodon 4.3 Hallway reports itself as (quote posts, collections).
const NEWER_THAN_CLAIMED: &[&str] = &["quote", "quote_approval", "tagged_collections"];

/// Makes `follower` follow `target`; answers the target's account id.
pub async fn follow(follower: &Api, target: &Api) -> String {
    let target_id = target.me().await.id();
    let followed = follower.post(&format!("/api/v1/accounts/{target_id}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.body["following"], true, "{}", followed.body);
    target_id
}

fn status_path(id: &str) -> String {
    format!("/api/v1/statuses/{id}")
}

async fn act(api: &Api, id: &str, action: &str) -> Resp {
    let answer = api.post(&format!("/api/v1/statuses/{id}/{action}")).await;
    assert_eq!(answer.status, 200, "{action}: {}", answer.body);
    answer
}

async fn post_with_key(api: &Api, key: &str, text: &str) -> Resp {
    let request = api
        .client
        .post(format!("{}/api/v1/statuses", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Idempotency-Key", key)
        .json(&json!({ "status": text }));
    api.send(request).await
}

fn contains_id(list: &Resp, id: &str) -> bool {
    list.ids().iter().any(|listed| listed == id)
}

async fn create_with_json_or_form(server: TestServer) {
    let ann = server.login("ann").await;
    let from_json = ann
        .post_json("/api/v1/statuses", &json!({"status": "hello json", "sensitive": true, "spoiler_text": "cw", "visibility": "unlisted", "language": "en"}))
        .await;
    assert_eq!(from_json.status, 200, "{}", from_json.body);
    assert_eq!(from_json.str("content"), "<p>hello json</p>");
    assert_eq!(from_json.body["sensitive"], true);
    assert_eq!(from_json.str("spoiler_text"), "cw");
    assert_eq!(from_json.str("visibility"), "unlisted");
    assert_eq!(from_json.str("language"), "en");
    assert_eq!(from_json.body["account"]["username"], "ann");
    assert_eq!(from_json.body["application"]["name"], "test");

    let sensitive_form = ann.post_form("/api/v1/statuses", &[("status", "hello form"), ("sensitive", "1"), ("visibility", "private")]).await;
    assert_eq!(sensitive_form.status, 200, "{}", sensitive_form.body);
    assert_eq!(sensitive_form.str("content"), "<p>hello form</p>");
    assert_eq!(sensitive_form.body["sensitive"], true);
    assert_eq!(sensitive_form.str("visibility"), "private");
    let plain_form = ann.post_form("/api/v1/statuses", &[("status", "plain form"), ("sensitive", "0"), ("spoiler_text", "")]).await;
    assert_eq!(plain_form.status, 200, "{}", plain_form.body);
    assert_eq!(plain_form.body["sensitive"], false);
    assert_eq!(plain_form.str("visibility"), "public", "the default visibility is public");
    assert!(plain_form.body["in_reply_to_id"].is_null());

    let me = ann.me().await;
    assert_eq!(me.body["statuses_count"], 3);
    assert!(me.body["last_status_at"].is_string());
}

async fn content_is_rendered_like_mastodon(server: TestServer) {
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    let ann = server.login("ann").await;
    let post = ann
        .toot("a < b & c\n\nhi @bob and @nobody, see https://example.com/some/page #rustlang", json!({}))
        .await;
    let base = &server.base;
    let content = post.str("content");
    assert!(content.starts_with("<p>a &lt; b &amp; c</p><p>hi "), "{content}");
    assert!(content.ends_with("</p>") && content.matches("<p>").count() == 2, "{content}");
    let h_card = format!("<span class=\"h-card\" translate=\"no\"><a href=\"{base}/@bob\" class=\"u-url mention\">@<span>bob</span></a></span>");
    assert!(content.contains(&h_card), "{content}");
    assert!(content.contains(" and @nobody, see "), "an unknown account stays text: {content}");
    assert!(content.contains("<a href=\"https://example.com/some/page\""), "{content}");
    assert!(content.contains("<span class=\"invisible\">https://</span><span class=\"\">example.com/some/page</span>"), "{content}");
    let hashtag = format!("<a href=\"{base}/tags/rustlang\" class=\"mention hashtag\" rel=\"tag\">#<span>rustlang</span></a>");
    assert!(content.contains(&hashtag), "{content}");
    assert_eq!(post.body["mentions"], json!([{"id": bob_id, "username": "bob", "url": format!("{base}/@bob"), "acct": "bob"}]));
    assert_eq!(post.body["tags"], json!([{"name": "rustlang", "url": format!("{base}/tags/rustlang")}]));

    let tagged = server.anonymous().get("/api/v1/timelines/tag/rustlang").await;
    assert_eq!(tagged.ids(), vec![post.id()]);
}

async fn entity_has_the_fields_of_mastodon(server: TestServer) {
    let ann = server.login("ann").await;
    let posted = ann.toot("shape", json!({})).await;
    let shown = ann.get(&status_path(&posted.id())).await;
    let home = ann.get("/api/v1/timelines/home").await;
    for (source, status) in [("create", &posted.body), ("show", &shown.body), ("home", &home.array()[0])] {
        let keys = status.as_object().unwrap_or_else(|| panic!("{source}: {status}"));
        let missing: Vec<&str> = MASTODON_STATUS_KEYS
            .iter()
            .copied()
            .filter(|key| !keys.contains_key(*key) && !NEWER_THAN_CLAIMED.contains(key))
            .collect();
        assert!(missing.is_empty(), "{source} lacks {missing:?}: {status}");
        assert!(!keys.contains_key("scheduled_at"), "{source}: a status is not a scheduled status (toot crashes on it)");
        assert!(!keys.contains_key("text"), "{source}: the source text is only for delete");
        assert_eq!(status["id"], posted.body["id"]);
        assert!(status["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(status["favourited"], false);
        assert_eq!(status["pinned"], false);
        assert_eq!(status["filtered"], json!([]));
        assert!(status["account"]["id"].is_string() && status["reblog"].is_null() && status["edited_at"].is_null());
    }
    let anonymous = server.anonymous().get(&status_path(&posted.id())).await;
    assert_eq!(anonymous.status, 200);
    for viewer_key in ["favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"] {
        assert!(anonymous.body.get(viewer_key).is_none(), "{viewer_key} is for signed-in viewers: {}", anonymous.body);
    }
}

async fn get_then_delete_with_source_for_redraft(server: TestServer) {
    let ann = server.login("ann").await;
    let post = ann.toot("to be <deleted>", json!({"spoiler_text": "bye"})).await;
    let id = post.id();
    let shown = ann.get(&status_path(&id)).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["content"], post.body["content"]);
    assert_eq!(server.anonymous().get(&status_path(&id)).await.status, 200);

    let deleted = ann.delete(&status_path(&id)).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.id(), id);
    assert_eq!(deleted.str("text"), "to be <deleted>");
    assert_eq!(deleted.str("spoiler_text"), "bye");
    assert_eq!(deleted.str("content"), "<p>to be &lt;deleted&gt;</p>");

    let gone = ann.get(&status_path(&id)).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.error(), "Not Found");
    assert_eq!(server.anonymous().get(&status_path(&id)).await.status, 404);
    assert_eq!(ann.delete(&status_path(&id)).await.status, 404);
    assert_eq!(ann.me().await.body["statuses_count"], 0);
    assert_eq!(ann.get(&status_path("not-a-number")).await.status, 404);
}

async fn only_the_author_deletes_or_edits(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let post = ann.toot("mine", json!({})).await;
    let path = status_path(&post.id());
    // Mastodon finds the status among the caller's own (`Status.where(account: current_account)`): 404.
    assert_eq!(bob.delete(&path).await.status, 404);
    assert_eq!(bob.put_json(&path, &json!({"status": "hijacked"})).await.status, 404);
    let unchanged = ann.get(&path).await;
    assert_eq!(unchanged.str("content"), "<p>mine</p>");
    assert!(unchanged.body["edited_at"].is_null());

    // The source, though, is for anyone who may read the status (Mastodon's Statuses::BaseController).
    let source = bob.get(&format!("{path}/source")).await;
    assert_eq!(source.status, 200, "{}", source.body);
    assert_eq!(source.str("text"), "mine");
    let private = ann.toot("not for bob", json!({"visibility": "private"})).await.id();
    assert_eq!(bob.get(&format!("/api/v1/statuses/{private}/source")).await.status, 404);
}

async fn edit_keeps_history_and_source(server: TestServer) {
    let ann = server.login("ann").await;
    let post = ann.toot("first version", json!({})).await;
    let id = post.id();
    let unedited = ann.get(&format!("/api/v1/statuses/{id}/history")).await;
    assert_eq!(unedited.status, 200);
    assert_eq!(unedited.array().len(), 1, "a status never edited has one version");

    let edited = ann.put_json(&status_path(&id), &json!({"status": "second version", "spoiler_text": "cw"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.id(), id);
    assert_eq!(edited.str("content"), "<p>second version</p>");
    assert_eq!(edited.str("spoiler_text"), "cw");
    assert!(edited.body["edited_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", edited.body);
    assert_eq!(edited.body["created_at"], post.body["created_at"]);
    assert_eq!(ann.get(&status_path(&id)).await.str("content"), "<p>second version</p>");

    let history = ann.get(&format!("/api/v1/statuses/{id}/history")).await;
    assert_eq!(history.status, 200);
    let versions = history.array();
    assert_eq!(versions.len(), 2, "{}", history.body);
    assert_eq!(versions[0]["content"], "<p>first version</p>");
    assert_eq!(versions[1]["content"], "<p>second version</p>");
    assert_eq!(versions[1]["spoiler_text"], "cw");
    for version in versions {
        for key in ["content", "spoiler_text", "sensitive", "created_at", "account", "media_attachments", "emojis"] {
            assert!(version.get(key).is_some(), "an edit lacks {key}: {version}");
        }
        assert_eq!(version["account"]["username"], "ann");
    }

    let source = ann.get(&format!("/api/v1/statuses/{id}/source")).await;
    assert_eq!(source.status, 200, "{}", source.body);
    assert_eq!(source.body, json!({"id": id, "text": "second version", "spoiler_text": "cw"}));
}

async fn idempotency_key_gives_the_same_status(server: TestServer) {
    let ann = server.login("ann").await;
    let first = post_with_key(&ann, "key-1", "only once").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = post_with_key(&ann, "key-1", "only once").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.id(), first.id());
    let other_key = post_with_key(&ann, "key-2", "only once").await;
    assert_ne!(other_key.id(), first.id());
    let bob = server.login("bob").await;
    let bobs = post_with_key(&bob, "key-1", "only once").await;
    assert_ne!(bobs.id(), first.id(), "keys belong to one account");
    assert_eq!(ann.me().await.body["statuses_count"], 2);
}

async fn text_is_validated(server: TestServer) {
    let ann = server.login("ann").await;
    for blank in [json!({"status": ""}), json!({"status": "   "}), json!({})] {
        let refused = ann.post_json("/api/v1/statuses", &blank).await;
        assert_eq!(refused.status, 422, "{blank}: {}", refused.body);
        assert_eq!(refused.error(), "Validation failed: Text can't be blank");
    }
    let too_long = ann.post_json("/api/v1/statuses", &json!({"status": "x".repeat(501)})).await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.error().contains("character limit"), "{}", too_long.body);
    let at_limit = ann.post_json("/api/v1/statuses", &json!({"status": "x".repeat(500)})).await;
    assert_eq!(at_limit.status, 200, "{}", at_limit.body);

    let url = format!("https://example.com/{}", "long-path/".repeat(10));
    assert!(url.chars().count() > 100);
    let counted_490 = format!("{} {url}", "y".repeat(466));
    assert!(counted_490.chars().count() > 500);
    let with_url = ann.post_json("/api/v1/statuses", &json!({"status": counted_490})).await;
    assert_eq!(with_url.status, 200, "a URL counts as 23 characters: {}", with_url.body);
    let counted_501 = format!("{} {url}", "y".repeat(477));
    let over = ann.post_json("/api/v1/statuses", &json!({"status": counted_501})).await;
    assert_eq!(over.status, 422, "{}", over.body);

    let post = ann.toot("short", json!({})).await;
    let blank_edit = ann.put_json(&status_path(&post.id()), &json!({"status": ""})).await;
    assert_eq!(blank_edit.status, 422);
    assert_eq!(blank_edit.error(), "Validation failed: Text can't be blank");
}

async fn visibility_must_be_known(server: TestServer) {
    let ann = server.login("ann").await;
    let refused = ann.post_json("/api/v1/statuses", &json!({"status": "hi", "visibility": "friends"})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body["error"].is_string());
    let form = ann.post_form("/api/v1/statuses", &[("status", "hi"), ("visibility", "everyone")]).await;
    assert_eq!(form.status, 422, "{}", form.body);
    assert_eq!(ann.me().await.body["statuses_count"], 0);
}

async fn reply_counts_and_context_in_thread_order(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    let root = ann.toot("root", json!({})).await.id();
    let reply = bob.toot("@ann reply", json!({"in_reply_to_id": root})).await;
    assert_eq!(reply.str("in_reply_to_id"), root);
    assert_eq!(reply.str("in_reply_to_account_id"), ann_id);
    let child = reply.id();
    let grandchild = ann.toot("@bob deeper", json!({"in_reply_to_id": child})).await.id();
    let branch = ann.post_form("/api/v1/statuses", &[("status", "branch"), ("in_reply_to_id", &root)]).await;
    assert_eq!(branch.status, 200, "form replies too: {}", branch.body);
    let branch = branch.id();

    let parent = bob.get(&status_path(&root)).await;
    assert_eq!(parent.body["replies_count"], 2);
    assert_eq!(bob.get(&status_path(&child)).await.body["replies_count"], 1);

    let of_root = server.anonymous().get(&format!("/api/v1/statuses/{root}/context")).await;
    assert_eq!(of_root.status, 200);
    assert_eq!(of_root.body["ancestors"], json!([]));
    let descendants: Vec<&str> = of_root.body["descendants"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(descendants, vec![child.as_str(), grandchild.as_str(), branch.as_str()], "depth first");

    let of_grandchild = ann.get(&format!("/api/v1/statuses/{grandchild}/context")).await;
    let ancestors: Vec<&str> = of_grandchild.body["ancestors"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ancestors, vec![root.as_str(), child.as_str()], "oldest first");
    assert_eq!(of_grandchild.body["descendants"], json!([]));

    let of_child = ann.get(&format!("/api/v1/statuses/{child}/context")).await;
    assert_eq!(of_child.body["ancestors"][0]["id"], root.as_str());
    assert_eq!(of_child.body["descendants"].as_array().unwrap().len(), 1);
    assert_eq!(of_child.body["descendants"][0]["id"], grandchild.as_str());

    assert_eq!(ann.delete(&status_path(&branch)).await.status, 200);
    assert_eq!(ann.get(&status_path(&root)).await.body["replies_count"], 1);
    let missing_parent = ann.post_json("/api/v1/statuses", &json!({"status": "orphan", "in_reply_to_id": branch})).await;
    assert_eq!(missing_parent.status, 404, "{}", missing_parent.body);
}

async fn favourite_and_unfavourite(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let id = ann.toot("like me", json!({})).await.id();
    let liked = act(&bob, &id, "favourite").await;
    assert_eq!(liked.id(), id);
    assert_eq!(liked.body["favourited"], true);
    assert_eq!(liked.body["favourites_count"], 1);
    let twice = act(&bob, &id, "favourite").await;
    assert_eq!(twice.body["favourites_count"], 1, "favouriting twice counts once");
    act(&carol, &id, "favourite").await;
    let seen_by_ann = ann.get(&status_path(&id)).await;
    assert_eq!(seen_by_ann.body["favourites_count"], 2);
    assert_eq!(seen_by_ann.body["favourited"], false);

    let by = server.anonymous().get(&format!("/api/v1/statuses/{id}/favourited_by")).await;
    assert_eq!(by.status, 200);
    let names: Vec<&str> = by.array().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["carol", "bob"], "newest first");
    let favourites = bob.get("/api/v1/favourites").await;
    assert_eq!(favourites.ids(), vec![id.clone()]);

    let unliked = act(&bob, &id, "unfavourite").await;
    assert_eq!(unliked.body["favourited"], false);
    assert_eq!(unliked.body["favourites_count"], 1);
    assert_eq!(bob.get("/api/v1/favourites").await.array().len(), 0);
    let by = ann.get(&format!("/api/v1/statuses/{id}/favourited_by")).await;
    assert_eq!(by.array().len(), 1);
    assert_eq!(by.array()[0]["username"], "carol");
    assert_eq!(bob.post("/api/v1/statuses/12345/favourite").await.status, 404);
}

async fn reblog_answers_a_wrapper_once(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let id = ann.toot("boost me", json!({})).await.id();
    let wrapper = act(&bob, &id, "reblog").await;
    assert_ne!(wrapper.id(), id);
    assert_eq!(wrapper.body["reblog"]["id"], id.as_str());
    assert_eq!(wrapper.body["account"]["username"], "bob");
    assert_eq!(wrapper.body["reblogged"], true, "{}", wrapper.body);
    assert_eq!(wrapper.body["reblog"]["reblogged"], true);
    assert_eq!(wrapper.body["reblog"]["reblogs_count"], 1);
    assert_eq!(wrapper.str("content"), "");
    assert!(wrapper.body.get("scheduled_at").is_none());

    let again = act(&bob, &id, "reblog").await;
    assert_eq!(again.id(), wrapper.id(), "reblogging twice answers the same reblog");
    assert_eq!(again.body["reblog"]["reblogs_count"], 1);
    let shown = bob.get(&status_path(&wrapper.id())).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["reblog"]["id"], id.as_str());

    let by = ann.get(&format!("/api/v1/statuses/{id}/reblogged_by")).await;
    assert_eq!(by.status, 200);
    assert_eq!(by.array().len(), 1);
    assert_eq!(by.array()[0]["username"], "bob");
    assert_eq!(ann.get(&status_path(&id)).await.body["reblogs_count"], 1);

    let undone = act(&bob, &id, "unreblog").await;
    assert_eq!(undone.id(), id, "unreblog answers the original");
    assert_eq!(undone.body["reblogged"], false);
    assert_eq!(undone.body["reblogs_count"], 0);
    assert!(undone.body["reblog"].is_null());
    assert_eq!(bob.get(&status_path(&wrapper.id())).await.status, 404);
    assert_eq!(ann.get(&format!("/api/v1/statuses/{id}/reblogged_by")).await.array().len(), 0);
}

async fn private_status_cannot_be_reblogged_by_others(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    follow(&bob, &ann).await;
    let id = ann.toot("followers only", json!({"visibility": "private"})).await.id();
    let refused = bob.post(&format!("/api/v1/statuses/{id}/reblog")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.error(), "This action is not allowed");
    let own = act(&ann, &id, "reblog").await;
    assert_eq!(own.str("visibility"), "private", "the author may boost to the same followers");
    assert_eq!(own.body["reblog"]["id"], id.as_str());
    let direct = ann.toot("@bob psst", json!({"visibility": "direct"})).await.id();
    assert_eq!(bob.post(&format!("/api/v1/statuses/{direct}/reblog")).await.status, 403);
}

async fn bookmark_and_unbookmark(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let id = ann.toot("save me", json!({})).await.id();
    let saved = act(&bob, &id, "bookmark").await;
    assert_eq!(saved.body["bookmarked"], true);
    assert_eq!(bob.get(&status_path(&id)).await.body["bookmarked"], true);
    assert_eq!(ann.get(&status_path(&id)).await.body["bookmarked"], false, "a bookmark is private to its owner");
    assert_eq!(bob.get("/api/v1/bookmarks").await.ids(), vec![id.clone()]);
    let unsaved = act(&bob, &id, "unbookmark").await;
    assert_eq!(unsaved.body["bookmarked"], false);
    assert_eq!(bob.get("/api/v1/bookmarks").await.array().len(), 0);
}

async fn pin_own_statuses_up_to_five(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(ann.toot(&format!("post {n}"), json!({})).await.id());
    }
    let pinned = act(&ann, &ids[0], "pin").await;
    assert_eq!(pinned.body["pinned"], true);
    assert_eq!(ann.get(&status_path(&ids[0])).await.body["pinned"], true);

    let by_other = bob.post(&format!("/api/v1/statuses/{}/pin", ids[1])).await;
    assert!(by_other.status == 403 || by_other.status == 404, "{}: {}", by_other.status, by_other.body);
    assert_eq!(ann.get(&status_path(&ids[1])).await.body["pinned"], false);

    for id in &ids[1..5] {
        act(&ann, id, "pin").await;
    }
    let sixth = ann.post(&format!("/api/v1/statuses/{}/pin", ids[5])).await;
    assert_eq!(sixth.status, 422, "{}", sixth.body);
    let listed = server.anonymous().get(&format!("/api/v1/accounts/{ann_id}/statuses?pinned=true")).await;
    assert_eq!(listed.array().len(), 5);
    assert!(!contains_id(&listed, &ids[5]));

    let unpinned = act(&ann, &ids[0], "unpin").await;
    assert_eq!(unpinned.body["pinned"], false);
    act(&ann, &ids[5], "pin").await;
    let listed = ann.get(&format!("/api/v1/accounts/{ann_id}/statuses?pinned=true")).await;
    assert!(contains_id(&listed, &ids[5]) && !contains_id(&listed, &ids[0]));
}

async fn private_status_reaches_followers_only(server: TestServer) {
    let ann = server.login("ann").await;
    let follower = server.login("fred").await;
    let stranger = server.login("sam").await;
    let ann_id = follow(&follower, &ann).await;
    let id = ann.toot("for my followers", json!({"visibility": "private"})).await.id();
    let path = status_path(&id);

    assert_eq!(stranger.get(&path).await.status, 404);
    assert_eq!(server.anonymous().get(&path).await.status, 404);
    assert_eq!(stranger.get(&format!("{path}/context")).await.status, 404);
    assert_eq!(stranger.post(&format!("{path}/favourite")).await.status, 404);
    let seen = follower.get(&path).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.str("visibility"), "private");

    assert!(contains_id(&follower.get("/api/v1/timelines/home").await, &id));
    assert!(!contains_id(&stranger.get("/api/v1/timelines/home").await, &id));
    assert!(!contains_id(&server.anonymous().get("/api/v1/timelines/public").await, &id));
    assert!(!contains_id(&follower.get("/api/v1/timelines/public").await, &id));

    let profile = format!("/api/v1/accounts/{ann_id}/statuses");
    assert!(!contains_id(&stranger.get(&profile).await, &id));
    assert!(!contains_id(&server.anonymous().get(&profile).await, &id));
    assert!(contains_id(&follower.get(&profile).await, &id));
    assert!(contains_id(&ann.get(&profile).await, &id));
}

async fn direct_status_reaches_the_mentioned_only(server: TestServer) {
    let ann = server.login("ann").await;
    let dora = server.login("dora").await;
    let gil = server.login("gil").await;
    let follower = server.login("fred").await;
    let ann_id = follow(&follower, &ann).await;
    follow(&gil, &ann).await;
    let posted = ann.toot("@dora @gil just us", json!({"visibility": "direct"})).await;
    let id = posted.id();
    assert_eq!(posted.str("visibility"), "direct");
    assert!(posted.body.get("pinned").is_none(), "a direct status cannot be pinned, so Mastodon leaves the key out");
    assert_eq!(posted.body["mentions"].as_array().unwrap().len(), 2);
    let path = status_path(&id);

    for reader in [&ann, &dora, &gil] {
        assert_eq!(reader.get(&path).await.status, 200);
    }
    assert_eq!(follower.get(&path).await.status, 404, "following is not enough for a direct post");
    assert_eq!(server.anonymous().get(&path).await.status, 404);
    assert_eq!(follower.get(&format!("{path}/context")).await.status, 404);
    // Home timelines show followed accounts: a mentioned follower gets it there, a mentioned stranger
    // only in notifications (Mastodon's FanOutOnWriteService#deliver_to_mentioned_followers!).
    assert!(contains_id(&ann.get("/api/v1/timelines/home").await, &id));
    assert!(contains_id(&gil.get("/api/v1/timelines/home").await, &id));
    assert!(!contains_id(&dora.get("/api/v1/timelines/home").await, &id));
    assert!(!contains_id(&follower.get("/api/v1/timelines/home").await, &id));
    assert!(!contains_id(&server.anonymous().get("/api/v1/timelines/public").await, &id));
    assert!(!contains_id(&ann.get("/api/v1/timelines/public").await, &id));
    assert!(!contains_id(&follower.get(&format!("/api/v1/accounts/{ann_id}/statuses")).await, &id));
    assert!(contains_id(&dora.get(&format!("/api/v1/accounts/{ann_id}/statuses")).await, &id));
}

async fn unlisted_status_stays_off_the_public_timeline(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let public = ann.toot("everyone #quiet", json!({})).await.id();
    let unlisted = ann.toot("quietly #quiet", json!({"visibility": "unlisted"})).await.id();
    let timeline = server.anonymous().get("/api/v1/timelines/public").await;
    assert!(contains_id(&timeline, &public));
    assert!(!contains_id(&timeline, &unlisted));
    assert!(!contains_id(&bob.get("/api/v1/timelines/public?local=true").await, &unlisted));
    assert_eq!(server.anonymous().get("/api/v1/timelines/tag/quiet").await.ids(), vec![public.clone()]);
    let by_id = server.anonymous().get(&status_path(&unlisted)).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.str("visibility"), "unlisted");
    assert_eq!(bob.get(&status_path(&unlisted)).await.status, 200);
    let ann_id = ann.me().await.id();
    assert!(contains_id(&server.anonymous().get(&format!("/api/v1/accounts/{ann_id}/statuses")).await, &unlisted));
}

async fn upload_png(api: &Api, description: &str) -> String {
    let form = crate::media::file_form(crate::media::png(8, 8), "pic.png").text("description", description.to_owned());
    let uploaded = crate::media::upload(api, form).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    uploaded.id()
}

async fn muted_conversations_notify_no_more(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let root = ann.toot("Lunch on Friday?", json!({})).await.id();
    let reply = bob.toot("@ann yes", json!({"in_reply_to_id": root})).await.id();
    assert_eq!(ann.get("/api/v1/notifications?types[]=mention").await.array().len(), 1);
    let muted = ann.post(&format!("/api/v1/statuses/{reply}/mute")).await;
    assert_eq!((muted.status, muted.body["muted"].clone()), (200, json!(true)), "{}", muted.text);
    assert_eq!(ann.get(&status_path(&root)).await.body["muted"], true, "the whole conversation");
    assert_eq!(bob.get(&status_path(&root)).await.body["muted"], false, "for ann only");
    bob.toot("@ann and Saturday?", json!({"in_reply_to_id": reply})).await;
    bob.post(&format!("/api/v1/statuses/{root}/favourite")).await;
    assert_eq!(ann.get("/api/v1/notifications").await.array().len(), 1, "nothing new from a muted conversation");
    bob.toot("@ann another topic", json!({})).await;
    assert_eq!(ann.get("/api/v1/notifications").await.array().len(), 2, "other conversations still notify");
    let unmuted = ann.post(&format!("/api/v1/statuses/{root}/unmute")).await;
    assert_eq!(unmuted.body["muted"], false);
    bob.toot("@ann Saturday then", json!({"in_reply_to_id": reply})).await;
    assert_eq!(ann.get("/api/v1/notifications").await.array().len(), 3);
    assert_eq!(ann.post("/api/v1/statuses/424242/mute").await.status, 404);
}

async fn delete_media_removes_the_attachments(server: TestServer) {
    let ann = server.login("ann").await;
    let (kept, gone) = (upload_png(&ann, "kept").await, upload_png(&ann, "gone").await);
    let first = ann.toot("with a picture", json!({"media_ids": [kept]})).await.id();
    let second = ann.toot("with another", json!({"media_ids": [gone]})).await.id();
    let url = ann.get(&status_path(&second)).await.body["media_attachments"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(ann.delete(&status_path(&first)).await.status, 200);
    assert_eq!(ann.get(&format!("/api/v1/media/{kept}")).await.status, 200, "kept for a redraft");
    let deleted = ann.delete(&format!("{}?delete_media=true", status_path(&second))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(ann.get(&format!("/api/v1/media/{gone}")).await.status, 404);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404, "its file is gone");
}

async fn a_poll_may_have_media(server: TestServer) {
    let ann = server.login("ann").await;
    let picture = upload_png(&ann, "the two logos").await;
    let posted = ann.toot("Which logo?", json!({"media_ids": [picture], "poll": {"options": ["left", "right"], "expires_in": 3600}})).await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(posted.body["media_attachments"].as_array().unwrap().len(), 1);
    assert_eq!(posted.body["poll"]["options"].as_array().unwrap().len(), 2);
}

async fn edit_history_shows_media_and_poll_as_they_were(server: TestServer) {
    let ann = server.login("ann").await;
    let (before, after) = (upload_png(&ann, "before").await, upload_png(&ann, "after").await);
    let id = ann.toot("the plan", json!({"media_ids": [before]})).await.id();
    let edited = ann.put_json(&status_path(&id), &json!({"status": "the new plan", "media_ids": [after]})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let history = ann.get(&format!("/api/v1/statuses/{id}/history")).await;
    let versions = history.array();
    assert_eq!(versions.len(), 2);
    let shown = |version: &serde_json::Value| -> Vec<(String, String)> {
        version["media_attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["id"].as_str().unwrap().to_owned(), m["description"].as_str().unwrap().to_owned()))
            .collect()
    };
    assert_eq!(shown(&versions[0]), vec![(before.clone(), "before".to_owned())], "{}", versions[0]);
    assert_eq!(shown(&versions[1]), vec![(after.clone(), "after".to_owned())]);
    assert!(versions[0]["media_attachments"][0]["url"].as_str().unwrap().contains("/system/"));

    let poll = ann.toot("Pick one", json!({"poll": {"options": ["tea", "coffee"], "expires_in": 3600}})).await.id();
    ann.put_json(&status_path(&poll), &json!({"status": "Pick one, quickly"})).await;
    let versions = ann.get(&format!("/api/v1/statuses/{poll}/history")).await.body;
    assert_eq!(versions[0]["poll"], json!({"options": [{"title": "tea"}, {"title": "coffee"}]}));
    assert_eq!(versions[1]["poll"], versions[0]["poll"]);
    assert_eq!(ann.get(&format!("/api/v1/statuses/{id}/history")).await.body[0]["poll"], serde_json::Value::Null);
}

async fn private_self_boosts_are_not_listed(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    let private = ann.toot("for followers", json!({"visibility": "private"})).await.id();
    assert_eq!(ann.post(&format!("/api/v1/statuses/{private}/reblog")).await.status, 200);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{private}/reblogged_by")).await.body, json!([]));
    let public = ann.toot("for all", json!({})).await.id();
    bob.post(&format!("/api/v1/statuses/{public}/reblog")).await;
    assert_eq!(ann.get(&format!("/api/v1/statuses/{public}/reblogged_by")).await.array().len(), 1);
}

async fn direct_statuses_can_be_left_out_of_a_profile(server: TestServer) {
    let ann = server.login("ann").await;
    server.login("bob").await;
    ann.toot("@bob just us", json!({"visibility": "direct"})).await;
    let open = ann.toot("for all", json!({})).await.id();
    let ann_id = ann.me().await.id();
    assert_eq!(ann.get(&format!("/api/v1/accounts/{ann_id}/statuses")).await.array().len(), 2);
    assert_eq!(ann.get(&format!("/api/v1/accounts/{ann_id}/statuses?exclude_direct=true")).await.ids(), vec![open]);
}
