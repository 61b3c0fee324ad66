//! Timelines: home (fan-out, follow merge, reply filtering), public, hashtag, favourites and
//! bookmarks, and Mastodon's paging (`limit`, `max_id`, `since_id`, `min_id`, the `Link` header).

use serde_json::json;

use crate::support::{Api, TestServer};

crate::on_both_backends!(
    home_has_own_and_followed_posts,
    following_merges_and_unfollowing_removes,
    replies_to_strangers_stay_out_of_home,
    merge_keeps_replies_the_follower_would_have_seen,
    public_timeline_is_public_posts_only,
    tag_timeline_ignores_case,
    favourites_and_bookmarks_list_marked_posts,
    limits_and_bounds_page_like_mastodon,
    link_header_points_past_the_page,
    walking_next_links_visits_each_post_once,
    favourites_page_by_favourite_id,
);

/// Posts `count` public statuses; returns their ids, oldest first.
async fn post_many(api: &Api, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(api.toot(&format!("post number {n}"), json!({})).await.id());
    }
    ids
}

async fn account_id(api: &Api) -> String {
    api.me().await.id()
}

async fn follow(api: &Api, account_id: &str) {
    let followed = api.post(&format!("/api/v1/accounts/{account_id}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.body["following"], true);
}

async fn home_ids(api: &Api) -> Vec<String> {
    let home = api.get("/api/v1/timelines/home?limit=40").await;
    assert_eq!(home.status, 200, "{}", home.body);
    home.ids()
}

/// The newest-first order of ids given oldest first.
fn newest_first(ids: &[String]) -> Vec<String> {
    ids.iter().rev().cloned().collect()
}

async fn home_has_own_and_followed_posts(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carl = server.login("carl").await;
    follow(&bob, &account_id(&ann).await).await;
    let from_ann = ann.toot("hello from ann", json!({})).await.id();
    let from_bob = bob.toot("hello from bob", json!({})).await.id();
    let from_carl = carl.toot("hello from carl", json!({})).await.id();
    let private_ann = ann.toot("followers only", json!({"visibility": "private"})).await.id();

    assert_eq!(home_ids(&bob).await, vec![private_ann.clone(), from_bob.clone(), from_ann.clone()]);
    assert_eq!(home_ids(&ann).await, vec![private_ann, from_ann]);
    assert_eq!(home_ids(&carl).await, vec![from_carl]);
    let home = bob.get("/api/v1/timelines/home").await;
    assert_eq!(home.array()[1]["account"]["username"], "bob");
    assert_eq!(home.array()[1]["content"], "<p>hello from bob</p>");
}

async fn following_merges_and_unfollowing_removes(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let old_public = ann.toot("before the follow", json!({})).await.id();
    let old_private = ann.toot("before the follow, privately", json!({"visibility": "private"})).await.id();
    let by_carl = server.login("carl").await.toot("carl's post", json!({})).await.id();
    let old_boost = ann.post(&format!("/api/v1/statuses/{by_carl}/reblog")).await.id();
    let own = bob.toot("bob's own", json!({})).await.id();
    assert_eq!(home_ids(&bob).await, vec![own.clone()]);

    let ann_id = account_id(&ann).await;
    follow(&bob, &ann_id).await;
    assert_eq!(home_ids(&bob).await, vec![own.clone(), old_boost.clone(), old_private.clone(), old_public.clone()]);
    let merged = bob.get("/api/v1/timelines/home").await;
    assert_eq!(merged.array()[1]["reblog"]["id"], by_carl);
    let after = ann.toot("after the follow", json!({})).await.id();
    assert_eq!(home_ids(&bob).await, vec![after, own.clone(), old_boost, old_private, old_public]);

    let unfollowed = bob.post(&format!("/api/v1/accounts/{ann_id}/unfollow")).await;
    assert_eq!(unfollowed.status, 200, "{}", unfollowed.body);
    assert_eq!(unfollowed.body["following"], false);
    assert_eq!(home_ids(&bob).await, vec![own]);
}

async fn replies_to_strangers_stay_out_of_home(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carl = server.login("carl").await;
    follow(&bob, &account_id(&ann).await).await;
    let by_carl = carl.toot("carl says something", json!({})).await.id();
    let by_ann = ann.toot("ann starts a thread", json!({})).await.id();
    let bob_post = bob.toot("bob says something", json!({})).await.id();

    let to_stranger = ann.toot("@carl I disagree", json!({"in_reply_to_id": by_carl})).await.id();
    let to_herself = ann.toot("and more", json!({"in_reply_to_id": by_ann})).await.id();
    let to_bob = ann.toot("@bob right", json!({"in_reply_to_id": bob_post})).await.id();
    let home = home_ids(&bob).await;
    assert!(!home.contains(&to_stranger), "a reply to someone bob does not follow reached his home");
    assert!(home.contains(&to_herself) && home.contains(&to_bob), "{home:?}");

    follow(&bob, &account_id(&carl).await).await;
    let to_followed = ann.toot("@carl now bob follows you", json!({"in_reply_to_id": by_carl})).await.id();
    assert!(home_ids(&bob).await.contains(&to_followed));
}

/// Following brings in the replies the follower would have received had they followed all along.
async fn merge_keeps_replies_the_follower_would_have_seen(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let carl = server.login("carl").await;
    let by_bob = bob.toot("bob asks", json!({})).await.id();
    let by_carl = carl.toot("carl asks", json!({})).await.id();
    let by_ann = ann.toot("ann starts a thread", json!({})).await.id();
    let to_bob = ann.toot("answered bob", json!({"in_reply_to_id": by_bob})).await.id();
    let to_carl = ann.toot("answered carl", json!({"in_reply_to_id": by_carl})).await.id();
    let to_herself = ann.toot("continued", json!({"in_reply_to_id": by_ann})).await.id();
    let boost = ann.post(&format!("/api/v1/statuses/{by_carl}/reblog")).await.id();

    assert_eq!(home_ids(&bob).await, vec![by_bob], "nothing of ann's before the follow");
    let ann_id = account_id(&ann).await;
    let followed = bob.post_json(&format!("/api/v1/accounts/{ann_id}/follow"), &json!({"reblogs": false})).await;
    assert_eq!(followed.body["showing_reblogs"], false, "{}", followed.body);
    let home = home_ids(&bob).await;
    assert!(!home.contains(&boost), "a boost was merged though bob hides ann's boosts");
    assert!(home.contains(&by_ann) && home.contains(&to_herself), "{home:?}");
    assert!(home.contains(&to_bob), "a reply to bob himself was not merged into his home");
    assert!(!home.contains(&to_carl), "a reply to someone bob does not follow was merged");
}

async fn public_timeline_is_public_posts_only(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let first = ann.toot("for everyone", json!({})).await.id();
    ann.toot("quietly", json!({"visibility": "unlisted"})).await;
    ann.toot("followers only", json!({"visibility": "private"})).await;
    ann.toot("@ann direct", json!({"visibility": "direct"})).await;
    let boosted = bob.post(&format!("/api/v1/statuses/{first}/reblog")).await;
    assert_eq!(boosted.status, 200, "{}", boosted.body);
    bob.toot("@ann a reply to someone else", json!({"in_reply_to_id": first})).await;
    let self_reply = ann.toot("a thread of my own", json!({"in_reply_to_id": first})).await.id();
    let public = vec![self_reply, first];

    let anonymous = server.anonymous();
    for path in ["/api/v1/timelines/public", "/api/v1/timelines/public?local=true", "/api/v1/timelines/public?local=1"] {
        let listed = anonymous.get(path).await;
        assert_eq!(listed.status, 200, "{path}: {}", listed.body);
        assert_eq!(listed.ids(), public, "{path}: not reblogs, not replies to others");
    }
    assert_eq!(ann.get("/api/v1/timelines/public").await.ids(), public);
    let remote = anonymous.get("/api/v1/timelines/public?remote=true").await;
    assert_eq!(remote.status, 200);
    assert!(remote.array().is_empty(), "{}", remote.body);
    let local = anonymous.get("/api/v1/timelines/public?local=true&limit=5").await;
    let link = local.header("link").expect("a Link header");
    assert!(link.contains("local=true") && link.contains("limit=5"), "{link}");
}

async fn tag_timeline_ignores_case(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let first = ann.toot("Learning #Rust today", json!({})).await.id();
    let second = bob.toot("a reply about #rust", json!({"in_reply_to_id": first})).await.id();
    let third = ann.toot("#RUST forever", json!({})).await.id();
    ann.toot("followers only #rust", json!({"visibility": "private"})).await;
    ann.toot("something about #python", json!({})).await;

    for name in ["rust", "Rust", "RUST"] {
        let listed = server.anonymous().get(&format!("/api/v1/timelines/tag/{name}")).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert_eq!(listed.ids(), vec![third.clone(), second.clone(), first.clone()], "tag {name}");
    }
    let tags = &server.anonymous().get(&format!("/api/v1/statuses/{first}")).await.body["tags"];
    assert_eq!(tags[0]["name"].as_str().map(str::to_lowercase), Some("rust".to_owned()));
    let unknown = server.anonymous().get("/api/v1/timelines/tag/nothing_here").await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.array().is_empty());
    let limited = bob.get("/api/v1/timelines/tag/rust?limit=2").await;
    assert_eq!(limited.ids(), vec![third, second]);
}

async fn favourites_and_bookmarks_list_marked_posts(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let liked = ann.toot("worth a star", json!({})).await.id();
    let kept = ann.toot("worth keeping", json!({})).await.id();
    ann.toot("neither", json!({})).await;
    assert_eq!(bob.post(&format!("/api/v1/statuses/{liked}/favourite")).await.status, 200);
    assert_eq!(bob.post(&format!("/api/v1/statuses/{kept}/bookmark")).await.status, 200);

    let favourites = bob.get("/api/v1/favourites").await;
    assert_eq!(favourites.status, 200, "{}", favourites.body);
    assert_eq!(favourites.ids(), vec![liked.clone()]);
    assert_eq!(favourites.array()[0]["favourited"], true);
    let bookmarks = bob.get("/api/v1/bookmarks").await;
    assert_eq!(bookmarks.ids(), vec![kept.clone()]);
    assert_eq!(bookmarks.array()[0]["bookmarked"], true);
    assert!(ann.get("/api/v1/favourites").await.array().is_empty());
    assert!(ann.get("/api/v1/bookmarks").await.array().is_empty());

    assert_eq!(bob.post(&format!("/api/v1/statuses/{liked}/unfavourite")).await.status, 200);
    assert_eq!(bob.post(&format!("/api/v1/statuses/{kept}/unbookmark")).await.status, 200);
    assert!(bob.get("/api/v1/favourites").await.array().is_empty());
    assert!(bob.get("/api/v1/bookmarks").await.array().is_empty());
    assert_eq!(server.anonymous().get("/api/v1/favourites").await.status, 401);
}

async fn limits_and_bounds_page_like_mastodon(server: TestServer) {
    let ann = server.login("ann").await;
    let ids = post_many(&ann, 45).await;
    let newest = newest_first(&ids);
    let page = |query: &str| {
        let ann = ann.clone();
        let path = format!("/api/v1/timelines/home{query}");
        async move {
            let listed = ann.get(&path).await;
            assert_eq!(listed.status, 200, "{path}: {}", listed.body);
            listed
        }
    };

    assert_eq!(page("").await.ids(), newest[..20].to_vec(), "default limit is 20");
    assert_eq!(page("?limit=100").await.ids(), newest[..40].to_vec(), "limit is at most 40");
    assert_eq!(page("?limit=3").await.ids(), newest[..3].to_vec());
    let max = page(&format!("?max_id={}&limit=5", ids[30])).await;
    assert_eq!(max.ids(), newest_first(&ids[25..30]), "max_id: older than");
    let since = page(&format!("?since_id={}&limit=5", ids[30])).await;
    assert_eq!(since.ids(), newest_first(&ids[40..45]), "since_id: the newest ones after it");
    let min = page(&format!("?min_id={}&limit=5", ids[30])).await;
    assert_eq!(min.ids(), newest_first(&ids[31..36]), "min_id: immediately newer, newest first");
    let between = page(&format!("?max_id={}&since_id={}", ids[10], ids[5])).await;
    assert_eq!(between.ids(), newest_first(&ids[6..10]));
    let min_and_max = page(&format!("?max_id={}&min_id={}&limit=2", ids[10], ids[5])).await;
    assert_eq!(min_and_max.ids(), newest_first(&ids[6..8]));
    assert_eq!(page(&format!("?since_id={}", ids[44])).await.ids(), Vec::<String>::new());
    assert_eq!(page(&format!("?min_id={}&limit=50", ids[0])).await.ids(), newest_first(&ids[1..41]));
}

async fn link_header_points_past_the_page(server: TestServer) {
    let ann = server.login("ann").await;
    let ids = post_many(&ann, 12).await;
    let base = server.settings.base_url();

    let first = ann.get("/api/v1/timelines/home").await;
    assert_eq!(
        first.header("link").as_deref(),
        Some(format!("<{base}/api/v1/timelines/home?max_id={}>; rel=\"next\", <{base}/api/v1/timelines/home?min_id={}>; rel=\"prev\"", ids[0], ids[11]).as_str())
    );
    let limited = ann.get(&format!("/api/v1/timelines/home?limit=5&max_id={}", ids[9])).await;
    assert_eq!(limited.ids(), newest_first(&ids[4..9]));
    assert_eq!(
        limited.header("link").as_deref(),
        Some(format!("<{base}/api/v1/timelines/home?limit=5&max_id={}>; rel=\"next\", <{base}/api/v1/timelines/home?limit=5&min_id={}>; rel=\"prev\"", ids[4], ids[8]).as_str())
    );
    let with_token = Api { token: None, ..ann.clone() }
        .get(&format!("/api/v1/timelines/home?limit=2&access_token={}", ann.token.clone().unwrap()))
        .await;
    assert_eq!(with_token.status, 200, "{}", with_token.body);
    let link = with_token.header("link").unwrap();
    assert!(!link.contains("access_token"), "the token leaked into the Link header: {link}");

    let empty = ann.get(&format!("/api/v1/timelines/home?max_id={}", ids[0])).await;
    assert_eq!(empty.status, 200);
    assert!(empty.array().is_empty());
    assert_eq!(empty.header("link"), None, "an empty page has no Link header");
    let empty_public = server.anonymous().get(&format!("/api/v1/timelines/public?min_id={}", ids[11])).await;
    assert!(empty_public.array().is_empty());
    assert_eq!(empty_public.header("link"), None);
}

/// Splits a Link header into (rel, path-and-query relative to the server).
fn links(resp: &crate::support::Resp, base: &str) -> Vec<(String, String)> {
    let Some(header) = resp.header("link") else { return Vec::new() };
    header
        .split(", ")
        .map(|part| {
            let (url, rel) = part.split_once(">; rel=\"").expect("link format");
            let url = url.trim_start_matches('<');
            (rel.trim_end_matches('"').to_owned(), url.strip_prefix(base).expect("link on this server").to_owned())
        })
        .collect()
}

fn link(resp: &crate::support::Resp, base: &str, rel: &str) -> Option<String> {
    links(resp, base).into_iter().find(|(r, _)| r == rel).map(|(_, url)| url)
}

async fn walking_next_links_visits_each_post_once(server: TestServer) {
    let ann = server.login("ann").await;
    let ids = post_many(&ann, 45).await;
    let base = server.settings.base_url();
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = Some("/api/v1/timelines/home".to_owned());
    while let Some(path) = next {
        let page = ann.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        pages += 1;
        assert!(pages <= 4, "too many pages");
        seen.extend(page.ids());
        next = link(&page, &base, "next");
    }
    assert_eq!(seen, newest_first(&ids), "each post exactly once, newest first");
    assert_eq!(pages, 4, "20 + 20 + 5, then an empty page without links");

    let mut seen_backwards = Vec::new();
    let oldest_page = ann.get(&format!("/api/v1/timelines/home?min_id={}&limit=10", ids[0])).await;
    let mut page = oldest_page;
    seen_backwards.push(ids[0].clone());
    loop {
        let mut batch = page.ids();
        if batch.is_empty() {
            break;
        }
        batch.reverse();
        seen_backwards.extend(batch);
        page = ann.get(&link(&page, &base, "prev").expect("prev link")).await;
    }
    assert_eq!(seen_backwards, ids, "walking prev links goes forward through every post");
}

async fn favourites_page_by_favourite_id(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ids = post_many(&ann, 3).await;
    for index in [2, 0, 1] {
        let favourited = bob.post(&format!("/api/v1/statuses/{}/favourite", ids[index])).await;
        assert_eq!(favourited.status, 200, "{}", favourited.body);
    }
    let base = server.settings.base_url();
    let all = bob.get("/api/v1/favourites").await;
    assert_eq!(all.ids(), vec![ids[1].clone(), ids[0].clone(), ids[2].clone()], "most recently favourited first");

    let mut seen = Vec::new();
    let mut next = Some("/api/v1/favourites?limit=1".to_owned());
    while let Some(path) = next {
        let page = bob.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(seen.len() <= 3, "paging does not end");
        if let Some(url) = link(&page, &base, "next") {
            let max_id = url.rsplit_once("max_id=").unwrap().1.to_owned();
            assert!(!ids.contains(&max_id), "favourites page by status id: {url}");
            assert!(url.contains("limit=1"), "{url}");
        }
        seen.extend(page.ids());
        next = link(&page, &base, "next");
    }
    assert_eq!(seen, all.ids());

    let bookmarked_later = ann.toot("bookmark me first", json!({})).await.id();
    for id in [&bookmarked_later, &ids[0]] {
        assert_eq!(bob.post(&format!("/api/v1/statuses/{id}/bookmark")).await.status, 200);
    }
    let first = bob.get("/api/v1/bookmarks?limit=1").await;
    assert_eq!(first.ids(), vec![ids[0].clone()], "most recently bookmarked first");
    let second = bob.get(&link(&first, &base, "next").expect("next link")).await;
    assert_eq!(second.ids(), vec![bookmarked_later]);
}
