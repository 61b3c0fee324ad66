//! Notifications: what causes them (mention, follow, favourite, reblog, update), their shape,
//! filters, one by id, dismiss and clear, and what undoes or never makes them.

use serde_json::{json, Value};

use crate::statuses::follow;
use crate::support::{Api, Resp, TestServer};

crate::on_both_backends!(
    each_action_notifies_with_its_shape,
    edit_notifies_those_who_reblogged,
    types_and_exclude_types_filter,
    show_dismiss_and_clear,
    unfavourite_removes_the_notification,
    nothing_for_acting_on_your_own_status,
    grouped_notifications_fold_favourites_boosts_and_follows,
    the_policy_sets_strangers_aside_as_requests,
    requests_are_accepted_or_dismissed,
);

async fn notifications(api: &Api, query: &str) -> Resp {
    let list = api.get(&format!("/api/v1/notifications{query}")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list
}

fn types(list: &Resp) -> Vec<&str> {
    list.array().iter().map(|n| n["type"].as_str().unwrap()).collect()
}

fn find<'a>(list: &'a Resp, kind: &str) -> &'a Value {
    list.array().iter().find(|n| n["type"] == kind).unwrap_or_else(|| panic!("no {kind} in {}", list.body))
}

async fn post_action(api: &Api, id: &str, action: &str) {
    let answer = api.post(&format!("/api/v1/statuses/{id}/{action}")).await;
    assert_eq!(answer.status, 200, "{action}: {}", answer.body);
}

async fn each_action_notifies_with_its_shape(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let ann_id = ann.me().await.id();
    let mention = ann.toot("hello @bob", json!({})).await.id();
    follow(&ann, &bob).await;
    let bobs = bob.toot("my own post", json!({})).await.id();
    post_action(&ann, &bobs, "favourite").await;
    post_action(&ann, &bobs, "reblog").await;

    let list = notifications(&bob, "").await;
    assert_eq!(types(&list), vec!["reblog", "favourite", "follow", "mention"], "newest first");
    for notification in list.array() {
        assert!(notification["id"].is_string(), "{notification}");
        assert!(notification["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{notification}");
        assert_eq!(notification["account"]["id"], ann_id.as_str());
        assert_eq!(notification["account"]["username"], "ann");
        assert!(notification["group_key"].is_string());
    }
    let mentioned = find(&list, "mention");
    assert_eq!(mentioned["status"]["id"], mention.as_str());
    assert_eq!(mentioned["status"]["mentions"][0]["username"], "bob");
    assert!(find(&list, "follow").get("status").is_none(), "a follow has no status key");
    assert_eq!(find(&list, "favourite")["status"]["id"], bobs.as_str());
    assert_eq!(find(&list, "favourite")["status"]["favourites_count"], 1);
    let reblogged = find(&list, "reblog");
    assert_eq!(reblogged["status"]["id"], bobs.as_str(), "a reblog notification carries the original");
    assert!(reblogged["status"]["reblog"].is_null());
    assert_eq!(notifications(&ann, "").await.array().len(), 0, "the actor is not notified");
    assert_eq!(server.anonymous().get("/api/v1/notifications").await.status, 401);
}

async fn edit_notifies_those_who_reblogged(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let id = ann.toot("version one", json!({})).await.id();
    post_action(&bob, &id, "reblog").await;
    post_action(&carol, &id, "favourite").await;
    let edited = ann.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "version two"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    let bobs = notifications(&bob, "").await;
    assert_eq!(types(&bobs), vec!["update"]);
    let update = &bobs.array()[0];
    assert_eq!(update["account"]["username"], "ann");
    assert_eq!(update["status"]["id"], id.as_str());
    assert_eq!(update["status"]["content"], "<p>version two</p>");
    assert!(update["status"]["edited_at"].is_string());
    assert_eq!(types(&notifications(&carol, "").await), Vec::<&str>::new(), "favouriting does not subscribe to edits");
    assert_eq!(types(&notifications(&ann, "").await), vec!["favourite", "reblog"]);
}

async fn types_and_exclude_types_filter(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let mention = ann.toot("hi @bob", json!({})).await.id();
    follow(&ann, &bob).await;
    let bobs = bob.toot("fav this", json!({})).await.id();
    post_action(&ann, &bobs, "favourite").await;
    assert_eq!(types(&notifications(&bob, "").await), vec!["favourite", "follow", "mention"]);

    let only_mentions = notifications(&bob, "?types[]=mention").await;
    assert_eq!(types(&only_mentions), vec!["mention"]);
    assert_eq!(only_mentions.array()[0]["status"]["id"], mention.as_str());
    let encoded = notifications(&bob, "?types%5B%5D=mention&types%5B%5D=follow").await;
    assert_eq!(types(&encoded), vec!["follow", "mention"]);
    let without_follows = notifications(&bob, "?exclude_types[]=follow").await;
    assert_eq!(types(&without_follows), vec!["favourite", "mention"]);
    let without_two = notifications(&bob, "?exclude_types[]=follow&exclude_types[]=mention").await;
    assert_eq!(types(&without_two), vec!["favourite"]);
    let both = notifications(&bob, "?types[]=mention&types[]=follow&exclude_types[]=follow").await;
    assert_eq!(types(&both), vec!["mention"]);
}

async fn show_dismiss_and_clear(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let carol = server.login("carol").await;
    ann.toot("hi @bob", json!({})).await;
    follow(&ann, &bob).await;
    follow(&carol, &bob).await;
    let list = notifications(&bob, "").await;
    assert_eq!(list.array().len(), 3);
    let first = list.array()[2].clone();
    let id = first["id"].as_str().unwrap().to_owned();

    let shown = bob.get(&format!("/api/v1/notifications/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body, first);
    assert_eq!(shown.str("type"), "mention");
    assert_eq!(ann.get(&format!("/api/v1/notifications/{id}")).await.status, 404, "only the owner sees it");
    assert_eq!(ann.post(&format!("/api/v1/notifications/{id}/dismiss")).await.status, 404);

    let dismissed = bob.post(&format!("/api/v1/notifications/{id}/dismiss")).await;
    assert_eq!(dismissed.status, 200, "{}", dismissed.body);
    assert_eq!(bob.get(&format!("/api/v1/notifications/{id}")).await.status, 404);
    assert_eq!(types(&notifications(&bob, "").await), vec!["follow", "follow"]);

    let cleared = bob.post("/api/v1/notifications/clear").await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
    let after = ann.toot("again @bob", json!({})).await.id();
    let fresh = notifications(&bob, "").await;
    assert_eq!(types(&fresh), vec!["mention"]);
    assert_eq!(fresh.array()[0]["status"]["id"], after.as_str());
}

async fn unfavourite_removes_the_notification(server: TestServer) {
    let bob = server.login("bob").await;
    let ann = server.login("ann").await;
    let id = bob.toot("fleeting", json!({})).await.id();
    post_action(&ann, &id, "favourite").await;
    assert_eq!(types(&notifications(&bob, "").await), vec!["favourite"]);
    post_action(&ann, &id, "unfavourite").await;
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
    post_action(&ann, &id, "reblog").await;
    post_action(&ann, &id, "unreblog").await;
    assert_eq!(notifications(&bob, "").await.array().len(), 0, "unreblog removes the reblog notification");
}

async fn nothing_for_acting_on_your_own_status(server: TestServer) {
    let bob = server.login("bob").await;
    let id = bob.toot("talking to myself @bob", json!({})).await.id();
    post_action(&bob, &id, "favourite").await;
    post_action(&bob, &id, "reblog").await;
    post_action(&bob, &id, "bookmark").await;
    let reply = bob.toot("@bob replying to myself", json!({"in_reply_to_id": id})).await;
    assert_eq!(reply.body["mentions"][0]["username"], "bob");
    let edited = bob.put_json(&format!("/api/v1/statuses/{id}"), &json!({"status": "edited @bob"})).await;
    assert_eq!(edited.status, 200);
    assert_eq!(notifications(&bob, "").await.array().len(), 0);
}

async fn grouped_notifications_fold_favourites_boosts_and_follows(server: TestServer) {
    let ann = server.login("ann").await;
    let (bob, cat, dan) = (server.login("bob").await, server.login("cat").await, server.login("dan").await);
    let liked = ann.toot("Who's in town next week?", json!({})).await.id();
    let other = ann.toot("Slides from the all-hands", json!({})).await.id();
    for fan in [&bob, &cat, &dan] {
        assert_eq!(fan.post(&format!("/api/v1/statuses/{liked}/favourite")).await.status, 200);
    }
    bob.post(&format!("/api/v1/statuses/{liked}/reblog")).await;
    cat.post(&format!("/api/v1/statuses/{other}/favourite")).await;
    follow(&bob, &ann).await;
    follow(&cat, &ann).await;
    dan.toot("@ann I'll be in town on Tuesday", json!({})).await;

    let grouped = ann.get("/api/v2/notifications").await;
    assert_eq!(grouped.status, 200, "{}", grouped.body);
    let mut keys: Vec<&str> = grouped.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["accounts", "notification_groups", "statuses"]);
    let groups = grouped.body["notification_groups"].as_array().unwrap();
    let summary: Vec<(String, u64)> =
        groups.iter().map(|g| (g["type"].as_str().unwrap().to_owned(), g["notifications_count"].as_u64().unwrap())).collect();
    let expected = [("mention", 1), ("follow", 2), ("favourite", 1), ("reblog", 1), ("favourite", 3)];
    assert_eq!(summary, expected.map(|(k, n)| (k.to_owned(), n)));
    let favourites = &groups[4];
    assert_eq!(favourites["status_id"], json!(liked));
    let ids = |apis: &[&str]| apis.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (bob_id, cat_id, dan_id) = (bob.me().await.id(), cat.me().await.id(), dan.me().await.id());
    assert_eq!(favourites["sample_account_ids"], json!(ids(&[&dan_id, &cat_id, &bob_id])), "newest first");
    assert!(favourites["group_key"].as_str().unwrap().starts_with(&format!("favourite-{liked}-")));
    assert!(groups[0]["group_key"].as_str().unwrap().starts_with("ungrouped-"));
    assert!(groups[1].get("status_id").is_none(), "follows have no status");
    for key in ["most_recent_notification_id", "page_min_id", "page_max_id", "latest_page_notification_at"] {
        assert!(favourites[key].is_string(), "{key}: {favourites}");
    }
    assert_eq!(grouped.body["accounts"].as_array().unwrap().len(), 3, "each account once");
    let mut statuses: Vec<&str> = grouped.body["statuses"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses.len(), 3, "liked, other and the mention, each once: {statuses:?}");

    // v1 names the same groups.
    let v1 = notifications(&ann, "?types[]=favourite").await;
    assert_eq!(v1.array()[1]["group_key"], favourites["group_key"]);

    // Pages of two groups, following Link, see every group exactly once.
    let mut seen = Vec::new();
    let mut url = "/api/v2/notifications?limit=2".to_owned();
    loop {
        let page = ann.get(&url).await;
        let groups = page.body["notification_groups"].as_array().unwrap();
        if groups.is_empty() {
            break;
        }
        seen.extend(groups.iter().map(|g| g["group_key"].as_str().unwrap().to_owned()));
        let link = page.header("link").expect("a Link header");
        let next = link.split(", ").next().unwrap();
        assert!(next.ends_with("rel=\"next\""), "{link}");
        url = next.trim_start_matches('<').split('>').next().unwrap().replace(&server.base, "");
    }
    let all: Vec<String> = groups.iter().map(|g| g["group_key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(seen, all);

    // Only the kinds asked for are grouped.
    let only_favourites = ann.get("/api/v2/notifications?grouped_types[]=favourite&types[]=follow").await;
    let follows = only_favourites.body["notification_groups"].as_array().unwrap();
    assert_eq!(follows.len(), 2);
    assert!(follows.iter().all(|g| g["notifications_count"] == 1 && g["group_key"].as_str().unwrap().starts_with("ungrouped-")));

    let partial = ann.get("/api/v2/notifications?expand_accounts=partial_avatars&types[]=favourite").await;
    assert_eq!(partial.body["partial_accounts"].as_array().unwrap().len(), 1, "{}", partial.body);
    let partial_keys: Vec<&String> = partial.body["partial_accounts"][0].as_object().unwrap().keys().collect();
    assert_eq!(partial_keys.len(), 7);

    let key = favourites["group_key"].as_str().unwrap();
    let one = ann.get(&format!("/api/v2/notifications/{key}")).await;
    assert_eq!(one.body["notification_groups"][0]["notifications_count"], 3);
    let accounts = ann.get(&format!("/api/v2/notifications/{key}/accounts")).await;
    assert_eq!(accounts.ids(), ids(&[&dan_id, &cat_id, &bob_id]));
    assert_eq!(ann.get("/api/v2/notifications/unread_count").await.body, json!({"count": 5}));
    assert_eq!(bob.post(&format!("/api/v2/notifications/{key}/dismiss")).await.status, 404, "only the owner's");
    assert_eq!(ann.post(&format!("/api/v2/notifications/{key}/dismiss")).await.status, 200);
    assert_eq!(ann.get(&format!("/api/v2/notifications/{key}")).await.status, 404);
    assert_eq!(ann.get("/api/v2/notifications/unread_count").await.body, json!({"count": 4}));
    assert_eq!(ann.get("/api/v2/notifications/ungrouped-nonsense").await.status, 404);

    let instance = server.anonymous().get("/api/v2/instance").await;
    assert_eq!(instance.body["api_versions"]["mastodon"], 7, "Phanpy uses grouped notifications from 2 on, quotes from 7");
}

async fn policy(api: &Api) -> Value {
    let policy = api.get("/api/v2/notifications/policy").await;
    assert_eq!(policy.status, 200, "{}", policy.text);
    policy.body
}

async fn the_policy_sets_strangers_aside_as_requests(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (ann_id, bob_id) = (ann.me().await.id(), bob.me().await.id());
    assert_eq!(
        policy(&ann).await,
        json!({
            "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
            "for_private_mentions": "filter", "for_limited_accounts": "filter",
            "summary": { "pending_requests_count": 0, "pending_notifications_count": 0 }
        }),
        "Mastodon's defaults"
    );
    let v1 = ann.get("/api/v1/notifications/policy").await;
    assert_eq!((v1.body["filter_private_mentions"].clone(), v1.body["filter_not_following"].clone()), (json!(true), json!(false)));

    // A stranger's private mention is set aside; a public one is not.
    let private = bob.toot("@ann a quiet word", json!({"visibility": "direct"})).await.id();
    bob.toot("@ann in the open", json!({})).await;
    let listed = ann.get("/api/v1/notifications").await;
    assert_eq!(listed.array().len(), 1, "{}", listed.body);
    assert_eq!(listed.body[0]["status"]["content"].as_str().unwrap().contains("in the open"), true);
    assert_eq!(ann.get("/api/v1/notifications/unread_count").await.body["count"], 1);
    assert_eq!(ann.get("/api/v2/notifications").await.body["notification_groups"].as_array().unwrap().len(), 1);
    assert_eq!(policy(&ann).await["summary"], json!({ "pending_requests_count": 1, "pending_notifications_count": 1 }));
    assert_eq!(ann.get("/api/v1/notifications?include_filtered=true").await.array().len(), 2);
    assert_eq!(ann.get(&format!("/api/v1/notifications?account_id={bob_id}")).await.array().len(), 2, "a sender's own list has all");

    let requests = ann.get("/api/v1/notifications/requests").await;
    assert_eq!(requests.status, 200, "{}", requests.text);
    assert_eq!(requests.array().len(), 1);
    let request = &requests.body[0];
    assert_eq!((request["account"]["id"].as_str(), request["notifications_count"].as_str()), (Some(bob_id.as_str()), Some("1")));
    assert_eq!(request["last_status"]["id"], private.as_str());
    for key in ["id", "created_at", "updated_at"] {
        assert!(request[key].is_string(), "{key}: {request}");
    }
    let request_id = request["id"].as_str().unwrap();
    assert_eq!(ann.get(&format!("/api/v1/notifications/requests/{request_id}")).await.body["id"], request_id);
    assert_eq!(bob.get(&format!("/api/v1/notifications/requests/{request_id}")).await.status, 404, "requests are their owner's");

    // Answering one's own status is not unsolicited; following the sender lets everything through.
    let question = ann.toot("Who has the key?", json!({})).await.id();
    bob.toot("@ann I do", json!({"visibility": "direct", "in_reply_to_id": question})).await;
    assert_eq!(ann.get("/api/v1/notifications?types[]=mention").await.array().len(), 2);
    let cy = server.login("cy").await;
    ann.post(&format!("/api/v1/accounts/{}/follow", cy.me().await.id())).await;
    cy.toot("@ann between us", json!({"visibility": "direct"})).await;
    assert_eq!(ann.get("/api/v1/notifications?types[]=mention").await.array().len(), 3);

    // Stricter settings: strangers filtered, new accounts dropped.
    let changed = ann.send(ann.client.patch(format!("{}/api/v2/notifications/policy", ann.base)).bearer_auth(ann.token.as_deref().unwrap()).json(&json!({"for_not_following": "filter"}))).await;
    assert_eq!((changed.status, changed.body["for_not_following"].clone()), (200, json!("filter")), "{}", changed.text);
    assert_eq!(changed.body["for_private_mentions"], "filter", "the rest stays");
    let dan = server.login("dan").await;
    dan.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    assert!(ann.get("/api/v1/notifications?types[]=follow").await.body.as_array().unwrap().is_empty(), "a stranger's follow is set aside");
    let dropping = ann.patch_form("/api/v1/notifications/policy", &[("filter_new_accounts", "true")]).await;
    assert_eq!(dropping.body["filter_new_accounts"], true);
    assert_eq!(policy(&ann).await["for_new_accounts"], "filter");
    let bad = ann.send(ann.client.patch(format!("{}/api/v2/notifications/policy", ann.base)).bearer_auth(ann.token.as_deref().unwrap()).json(&json!({"for_new_accounts": "ignore"}))).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let dropped = ann.send(ann.client.patch(format!("{}/api/v2/notifications/policy", ann.base)).bearer_auth(ann.token.as_deref().unwrap()).json(&json!({"for_new_accounts": "drop"}))).await;
    assert_eq!(dropped.body["for_new_accounts"], "drop");
    let before = policy(&ann).await["summary"].clone();
    let eve = server.login("eve").await;
    eve.toot("@ann hello from a new account", json!({})).await;
    assert_eq!(policy(&ann).await["summary"], before, "dropped: neither listed nor set aside");
    assert!(ann.get("/api/v1/notifications?include_filtered=true").await.array().iter().all(|n| n["account"]["username"] != "eve"));
}

async fn requests_are_accepted_or_dismissed(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cy = server.login("cy").await;
    bob.toot("@ann one", json!({"visibility": "direct"})).await;
    bob.toot("@ann two", json!({"visibility": "direct"})).await;
    cy.toot("@ann three", json!({"visibility": "direct"})).await;
    let requests = ann.get("/api/v1/notifications/requests").await;
    assert_eq!(requests.array().len(), 2);
    let of = |name: &str| requests.array().iter().find(|r| r["account"]["username"] == name).unwrap()["id"].as_str().unwrap().to_owned();
    let (from_bob, from_cy) = (of("bob"), of("cy"));
    assert_eq!(requests.array().iter().find(|r| r["account"]["username"] == "bob").unwrap()["notifications_count"], "2");

    assert_eq!(ann.post(&format!("/api/v1/notifications/requests/{from_bob}/accept")).await.body, json!({}));
    assert_eq!(ann.get("/api/v1/notifications").await.array().len(), 2, "bob's notifications joined the list");
    bob.toot("@ann three", json!({"visibility": "direct"})).await;
    assert_eq!(ann.get("/api/v1/notifications").await.array().len(), 3, "an accepted sender is not filtered again");

    assert_eq!(ann.post(&format!("/api/v1/notifications/requests/{from_cy}/dismiss")).await.status, 200);
    assert_eq!(ann.get("/api/v1/notifications?include_filtered=true").await.array().len(), 3, "cy's filtered notification is gone");
    assert_eq!(ann.get("/api/v1/notifications/requests").await.body, json!([]));
    cy.toot("@ann again", json!({"visibility": "direct"})).await;
    let again = ann.get("/api/v1/notifications/requests").await;
    assert_eq!(again.array().len(), 1, "a dismissed sender is filtered again");
    let id = again.body[0]["id"].as_str().unwrap().to_owned();
    let bulk = ann.post_form("/api/v1/notifications/requests/dismiss", &[("id[]", &id), ("id[]", "12345")]).await;
    assert_eq!((bulk.status, bulk.body.clone()), (200, json!({})), "unknown ids are passed over");
    assert_eq!(ann.get("/api/v1/notifications/requests").await.body, json!([]));
    assert_eq!(ann.post_form("/api/v1/notifications/requests/accept", &[("id[]", "12345")]).await.status, 200);
    assert_eq!(ann.post("/api/v1/notifications/requests/12345/accept").await.status, 404);
    assert_eq!(ann.get("/api/v1/notifications/requests/merged").await.body, json!({"merged": true}));
}
