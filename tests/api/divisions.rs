//! One company, many divisions (issue 14): division-only posts, peers joined in one step, and (with several
//! instances) what crosses between divisions and what does not.

use serde_json::json;

use hallway::apub::resolve;

use crate::support::{eventually, TestServer};

crate::on_both_backends!(
    division_only_posts_never_leave,
    posting_defaults_for_division_only_posts,
    peers_join_in_one_step,
    the_directory_finds_people_in_every_division,
    a_group_spans_divisions,
    groups_are_run_by_their_admins_and_moderators,
    a_private_group_keeps_its_posts_to_its_members,
);
crate::on_both_backends!(configure = super::patient_search; search_finds_statuses_in_every_division);

/// A search budget that a loaded test machine keeps (debug builds, several instances); a peer that never
/// answers must still cost no more than it.
fn patient_search(settings: &mut hallway::config::Settings) {
    settings.company_search_budget = std::time::Duration::from_secs(3);
}

/// Two instances that allow each other: `server` (sales) and a new one (eng) on the same backend.
async fn a_second_division(server: &TestServer) -> TestServer {
    let eng = TestServer::start(server.backend(), |_| {}).await.expect("eng instance");
    server.allow_peer(&eng).await;
    eng.allow_peer(server).await;
    eng
}

async fn division_only_posts_never_leave(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let carl = eng.login("carl").await;
    let bob_there = ann.get(&format!("/api/v1/accounts/lookup?acct=bob@{}", eng.settings.domain)).await.id();
    ann.post(&format!("/api/v1/accounts/{bob_there}/follow")).await;
    eventually("ann follows bob", async || ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_there}")).await.body[0]["following"] == true).await;

    let inside = bob.toot("The eng offsite is in Lyon", json!({"local_only": true})).await;
    assert_eq!(inside.status, 200, "{}", inside.text);
    assert_eq!(inside.body["local_only"], true);
    let reply = carl.toot("Count me in", json!({"in_reply_to_id": inside.id()})).await;
    assert_eq!(reply.body["local_only"], true, "a reply to a division-only post is one too");
    let boost = carl.post(&format!("/api/v1/statuses/{}/reblog", inside.id())).await;
    assert_eq!(boost.status, 200, "{}", boost.text);
    assert_eq!(carl.get(&format!("/api/v1/statuses/{}", inside.id())).await.body["local_only"], true);
    let outside = bob.toot("Our API docs moved", json!({"local_only": false})).await;
    assert_eq!(outside.body["local_only"], false);

    let outside_uri = outside.str("uri");
    eventually("the open post reaches ann", async || ann.get("/api/v1/timelines/home").await.array().iter().any(|s| s["uri"] == outside_uri.as_str())).await;
    // Once eng has sent all it queued and sales has applied all it received, nothing of the inside reached sales.
    let eng_db = eng.db.clone();
    eventually("eng sent what it queued", async || {
        let db = eng_db.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(hallway::db::queries::deliveries::queued_by_peer)).await.unwrap().unwrap().is_empty()
    })
    .await;
    sales.inbox_settled().await;
    let home = ann.get("/api/v1/timelines/home").await;
    assert!(!home.text.contains("Lyon") && !home.text.contains("Count me in"), "{}", home.text);
    for uri in [inside.str("uri"), reply.str("uri")] {
        let fetched = resolve::status(&sales.state(), &url::Url::parse(&uri).unwrap()).await;
        assert!(fetched.is_err(), "a peer's fetch of {uri} must fail: {fetched:?}");
        let searched = ann.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&uri))).await;
        assert_eq!(searched.body["statuses"], json!([]), "{}", searched.text);
    }

    // A division-only post does not quote a peer's post (asking its author would tell the peer of it).
    let ann_post = ann.toot("Sales numbers are in", json!({})).await;
    let ann_uri = ann_post.str("uri");
    eventually("ann's post reaches eng", async || {
        bob.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&ann_uri))).await.body["statuses"].as_array().is_some_and(|found| found.len() == 1)
    })
    .await;
    let ann_there = bob.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&ann_uri))).await.body["statuses"][0]["id"].as_str().unwrap().to_owned();
    let quoting = bob.post_json("/api/v1/statuses", &json!({"status": "Interesting", "quoted_status_id": ann_there, "local_only": true})).await;
    assert_eq!(quoting.status, 422, "{}", quoting.text);
}

async fn posting_defaults_for_division_only_posts(server: TestServer) {
    let ann = server.login("ann").await;
    assert_eq!(ann.get("/api/v1/preferences").await.body["posting:default:local_only"], false);
    let changed = ann.patch_form("/api/v1/accounts/update_credentials", &[("source[local_only]", "true")]).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["source"]["local_only"], true);
    assert_eq!(ann.get("/api/v1/preferences").await.body["posting:default:local_only"], true);
    assert_eq!(ann.toot("Inside by default", json!({})).await.body["local_only"], true);
    assert_eq!(ann.toot("Out, as asked", json!({"local_only": false})).await.body["local_only"], false);
    let scheduled = ann.toot("Later, inside", json!({"local_only": true, "scheduled_at": "2099-01-01T00:00:00Z"})).await;
    assert_eq!(scheduled.body["params"]["local_only"], true, "{}", scheduled.text);

    let mut inside = TestServer::start(server.backend(), |s| s.local_only_default = true).await.unwrap();
    let bob = inside.login("bob").await;
    assert_eq!(bob.get("/api/v1/preferences").await.body["posting:default:local_only"], true);
    assert_eq!(bob.toot("Inside, as the instance says", json!({})).await.body["local_only"], true);
    bob.patch_form("/api/v1/accounts/update_credentials", &[("source[local_only]", "false")]).await;
    assert_eq!(bob.toot("Out, as bob says", json!({})).await.body["local_only"], false);
    inside.restart_with(|s| s.local_only_default = false).await;
    assert_eq!(bob.get("/api/v1/preferences").await.body["posting:default:local_only"], false);
}

/// `peers invite` on one side, `peers join` on the other: both allow each other at once, the token works once,
/// and a changed instance key is refused until an admin accepts it.
async fn peers_join_in_one_step(sales: TestServer) {
    let mut eng = TestServer::start(sales.backend(), |_| {}).await.unwrap();
    sales.create_user("ann").await;
    eng.create_user("bob").await;
    let (sales_domain, eng_domain) = (sales.settings.domain.clone(), eng.settings.domain.clone());
    assert!(resolve::by_acct(&eng.state(), "ann", &sales_domain).await.is_err(), "not peers yet");

    let token = sales.cli(&["peers", "invite"], &[]).trim().to_owned();
    assert!(token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    let refused = eng.cli_output(&["peers", "join", &sales.base, "not-the-token"], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown, used or expired"), "{}", String::from_utf8_lossy(&refused.stderr));
    let joined = eng.cli(&["peers", "join", &sales.base, &token], &[]);
    assert!(joined.contains(&format!("joined {sales_domain}")), "{joined}");
    assert_eq!(resolve::by_acct(&eng.state(), "ann", &sales_domain).await.expect("eng reaches sales").username, "ann");
    assert_eq!(resolve::by_acct(&sales.state(), "bob", &eng_domain).await.expect("sales reaches eng").username, "bob");
    assert!(sales.cli(&["peers", "list"], &[]).lines().any(|l| l.starts_with(&eng_domain) && l.contains("allowed") && l.contains("pinned")));
    assert!(eng.cli(&["peers", "list"], &[]).lines().any(|l| l.starts_with(&sales_domain) && l.contains("pinned")));
    let third = TestServer::start(sales.backend(), |_| {}).await.unwrap();
    let again = third.cli_output(&["peers", "join", &sales.base, &token], &[]);
    assert!(!again.status.success(), "a token works once");

    // A token does not let anyone speak for an account (ours or a peer's), nor for a host that joined already.
    let second = sales.cli(&["peers", "invite"], &[]).trim().to_owned();
    let pair = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
    for actor in [format!("{}/users/ann", sales.base), format!("{}/actor", sales.base), format!("{}/users/bob", eng.base), format!("{}/actor", eng.base)] {
        let answer = join_as(&sales, &actor, &pair, &second).await;
        assert!([401, 409, 422].contains(&answer), "{actor}: {answer}");
    }
    let joined_third = third.cli(&["peers", "join", &sales.base, &second], &[]);
    assert!(joined_third.contains("joined"), "the refused attempts left the token unused: {joined_third}");
    let audit = sales.cli(&["audit"], &[]);
    assert!(audit.contains("create_peer_invite") && audit.contains(&format!("invitation used by {eng_domain}")), "{audit}");

    // eng's instance key changes (a reinstall, or someone else): sales refuses it until an admin accepts it.
    eng.db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            diesel::delete(hallway::db::schema::instance_keys::table).execute(&mut **conn)?;
            Ok(())
        })
        .unwrap();
    eng.restart_with(|_| {}).await;
    let ann_uri = url::Url::parse(&format!("{}/users/ann", sales.base)).unwrap();
    let changed = resolve::actor_now(&eng.state(), &ann_uri).await;
    assert!(changed.is_err(), "{changed:?}");
    assert!(sales.cli(&["peers", "list"], &[]).lines().any(|l| l.starts_with(&eng_domain) && l.contains("changed")));
    sales.cli(&["peers", "accept-key", &eng_domain], &[]);
    assert_eq!(resolve::actor_now(&eng.state(), &ann_uri).await.expect("the new key is accepted").username, "ann");
    assert!(sales.cli(&["audit"], &[]).contains("accept_peer_key"));
}

/// Full-text search asks every allowed peer within its budget; their public statuses come back as copies one
/// can answer, favourite and boost, ranked with the local ones. A peer that never answers costs the budget only.
async fn search_finds_statuses_in_every_division(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let ops = a_second_division(&sales).await;
    let (silent_host, _connections) = silent_listener();
    sales.allow_host(&silent_host).await;
    let bob = eng.login("bob").await;
    let dan = ops.login("dan").await;
    let ann = sales.login("ann").await;
    let bobs = bob.toot("How do we rotate the Kubernetes certificates?", json!({})).await;
    bob.toot("Kubernetes certificates: the inside story", json!({"local_only": true})).await;
    bob.toot("Kubernetes certificates for my followers", json!({"visibility": "private"})).await;
    bob.toot("Kubernetes certificates, quietly", json!({"visibility": "unlisted"})).await;
    let dans = dan.toot("Kubernetes certificates rotate weekly; the Kubernetes runbook says how", json!({})).await;
    let anns = ann.toot("Do we use Kubernetes certificates in sales?", json!({})).await;

    let started = std::time::Instant::now();
    let found = ann.get("/api/v2/search?q=kubernetes%20certificates&type=statuses").await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "a silent peer held the search for {:?}", started.elapsed());
    let uris: Vec<&str> = found.body["statuses"].as_array().unwrap().iter().map(|s| s["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, vec![dans.str("uri").as_str(), anns.str("uri").as_str(), bobs.str("uri").as_str()], "{}", found.text);
    let bob_here = &found.body["statuses"][2];
    assert_eq!(bob_here["account"]["acct"], format!("bob@{}", eng.settings.domain));
    let dan_here = found.body["statuses"][0]["id"].as_str().unwrap().to_owned();
    let bob_here = bob_here["id"].as_str().unwrap().to_owned();

    let reply = ann.toot(&format!("@bob@{} with the cert-manager", eng.settings.domain), json!({"in_reply_to_id": bob_here})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(ann.post(&format!("/api/v1/statuses/{dan_here}/favourite")).await.status, 200);
    assert_eq!(ann.post(&format!("/api/v1/statuses/{bob_here}/reblog")).await.status, 200);
    let (bob_id, dan_id) = (bobs.id(), dans.id());
    eventually("bob hears of the answer and the boost", async || {
        let there = bob.get(&format!("/api/v1/statuses/{bob_id}")).await;
        there.body["replies_count"] == 1 && there.body["reblogs_count"] == 1
    })
    .await;
    eventually("dan hears of the favourite", async || dan.get(&format!("/api/v1/statuses/{dan_id}")).await.body["favourites_count"] == 1).await;

    let again = ann.get("/api/v2/search?q=kubernetes%20certificates&type=statuses").await;
    assert_eq!(again.body["statuses"].as_array().unwrap().len(), 3, "asking again keeps one copy each: {}", again.text);
    let anonymous = sales.anonymous().get("/api/v2/search?q=kubernetes&type=statuses").await;
    assert_eq!(anonymous.body["statuses"], json!([]), "full text is for signed-in people");
}

/// Each instance's directory lists the discoverable people of every allowed peer, refreshed from the peers;
/// account search finds them by bio, profile fields and featured hashtags.
async fn the_directory_finds_people_in_every_division(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let bob = eng.login("bob").await;
    let carl = eng.login("carl").await;
    let changed = bob
        .patch_form(
            "/api/v1/accounts/update_credentials",
            &[("note", "I run our Kubernetes clusters"), ("fields_attributes[0][name]", "Team"), ("fields_attributes[0][value]", "Platform")],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(bob.post_form("/api/v1/featured_tags", &[("name", "sre")]).await.status, 200);
    bob.toot("Back from the offsite", json!({})).await;
    carl.patch_form("/api/v1/accounts/update_credentials", &[("discoverable", "false"), ("note", "Kubernetes too, but quietly")]).await;
    carl.toot("Lunch?", json!({})).await;
    let ann = sales.login("ann").await;
    let bob_acct = format!("bob@{}", eng.settings.domain);

    let refreshed = sales.cli(&["peers", "refresh-directory"], &[]);
    assert!(refreshed.contains("1 account(s) listed"), "{refreshed}");
    let listed = ann.get("/api/v1/directory?local=false").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let accts: Vec<&str> = listed.array().iter().map(|a| a["acct"].as_str().unwrap()).collect();
    assert!(accts.contains(&bob_acct.as_str()), "{accts:?}");
    assert!(!accts.iter().any(|a| a.starts_with("carl")), "{accts:?}");
    assert!(!ann.get("/api/v1/directory?local=true").await.array().iter().any(|a| a["acct"] == bob_acct.as_str()));
    for (query, what) in [("kubernetes", "bio"), ("platform", "profile field"), ("sre", "featured hashtag")] {
        let found = ann.get(&format!("/api/v1/accounts/search?q={query}")).await;
        let accts: Vec<&str> = found.array().iter().map(|a| a["acct"].as_str().unwrap()).collect();
        assert_eq!(accts, vec![bob_acct.as_str()], "by {what}: {}", found.text);
    }
    let v2 = ann.get("/api/v2/search?q=kubernetes&type=accounts").await;
    assert_eq!(v2.body["accounts"][0]["acct"], bob_acct.as_str(), "{}", v2.text);

    bob.patch_form("/api/v1/accounts/update_credentials", &[("discoverable", "false")]).await;
    hallway::apub::company::refresh_directory(&sales.state()).await;
    assert!(!ann.get("/api/v1/directory?local=false").await.text.contains(&bob_acct));
    assert_eq!(ann.get("/api/v1/accounts/search?q=kubernetes").await.body, json!([]), "nobody who opted out is found by their bio");
    carl.patch_form("/api/v1/accounts/update_credentials", &[("discoverable", "true")]).await;
    hallway::apub::company::refresh_directory(&sales.state()).await;
    assert!(ann.get("/api/v1/directory?local=false").await.text.contains("carl"), "carl opted in");
    eng.cli(&["user", "suspend", "carl"], &[]);
    hallway::apub::company::refresh_directory(&sales.state()).await;
    assert!(!ann.get("/api/v1/directory?local=false").await.text.contains("carl"), "a suspended account is never listed");
    assert_eq!(ann.get("/api/v1/accounts/search?q=quietly").await.body, json!([]));
}

/// Follows `name@domain` from `api` and waits until the follow holds.
async fn join(api: &crate::support::Api, name: &str, domain: &str) -> String {
    let there = api.get(&format!("/api/v1/accounts/lookup?acct={name}@{domain}")).await;
    assert_eq!(there.status, 200, "{}", there.text);
    let id = there.id();
    api.post(&format!("/api/v1/accounts/{id}/follow")).await;
    eventually("the follow holds", async || api.get(&format!("/api/v1/accounts/relationships?id[]={id}")).await.body[0]["following"] == true).await;
    id
}

/// Whether `api`'s home shows `uri`, boosted by the group.
async fn home_shows_from_group(api: &crate::support::Api, uri: &str) -> bool {
    api.get("/api/v1/timelines/home").await.array().iter().any(|s| s["reblog"]["uri"] == uri && s["account"]["username"] == "lrnchat")
}

/// A group on sales; members on sales, eng and ops. A member's post that mentions the group reaches every
/// member's home through the group's boost, so does an answer in its thread, and a non-member's post does not.
async fn a_group_spans_divisions(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let ops = a_second_division(&sales).await;
    eng.allow_peer(&ops).await;
    ops.allow_peer(&eng).await;
    let ann = sales.login("ann").await;
    let made = ann.post_json("/api/v1/groups", &json!({"username": "lrnchat", "display_name": "#lrnchat", "note": "What are you learning?"})).await;
    assert_eq!(made.status, 200, "{}", made.text);
    assert_eq!((made.body["group"].clone(), made.body["followers_count"].clone()), (json!(true), json!(1)), "{}", made.text);
    let sales_domain = sales.settings.domain.clone();
    let (bob, dan, eve) = (eng.login("bob").await, ops.login("dan").await, eng.login("eve").await);
    let group_on_eng = join(&bob, "lrnchat", &sales_domain).await;
    assert_eq!(bob.get(&format!("/api/v1/accounts/{group_on_eng}")).await.body["group"], true, "clients see a group");
    join(&dan, "lrnchat", &sales_domain).await;

    let asked = bob.toot(&format!("@lrnchat@{sales_domain} What are you learning this week?"), json!({})).await;
    let asked_uri = asked.str("uri");
    eventually("the question reaches dan through the group", async || home_shows_from_group(&dan, &asked_uri).await).await;
    eventually("and ann, on the group's own instance", async || home_shows_from_group(&ann, &asked_uri).await).await;
    let stranger = eve.toot(&format!("@lrnchat@{sales_domain} buy my course"), json!({})).await.str("uri");

    // dan answers the boost as Mastodon clients do (mentioning its author only): the group hears it and boosts it.
    let there = dan.get("/api/v1/timelines/home").await.array().iter().find(|s| s["reblog"]["uri"] == asked_uri.as_str()).unwrap()["reblog"]["id"].as_str().unwrap().to_owned();
    let answer = dan.toot(&format!("@bob@{} Rust, again", eng.settings.domain), json!({"in_reply_to_id": there})).await.str("uri");
    eventually("dan's answer reaches ann through the group", async || home_shows_from_group(&ann, &answer).await).await;
    eventually("and bob", async || home_shows_from_group(&bob, &answer).await).await;
    let aside = dan.toot(&format!("@bob@{} (just between us: I failed the exam)", eng.settings.domain), json!({"in_reply_to_id": there, "visibility": "direct"})).await.str("uri");
    sales.inbox_settled().await;
    assert!(!home_shows_from_group(&ann, &stranger).await, "a non-member's post is not boosted");
    assert!(!home_shows_from_group(&ann, &aside).await, "a private answer is not the group's to spread");
    let eves = ann.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&stranger))).await.body["statuses"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(ann.post(&format!("/api/v1/groups/{}/statuses/{eves}/remove", made.id())).await.status, 404, "only what the group boosted");

    // The group's admin takes the question out of the group: its boost is undone everywhere.
    let group_id = made.id();
    let on_sales = ann.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&asked_uri))).await.body["statuses"][0]["id"].as_str().unwrap().to_owned();
    let removed = ann.post(&format!("/api/v1/groups/{group_id}/statuses/{on_sales}/remove")).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    eventually("the boost is gone from dan's home", async || !home_shows_from_group(&dan, &asked_uri).await).await;
    assert!(!home_shows_from_group(&ann, &asked_uri).await);

    // bob deletes a post the group boosted: dan's instance, which follows the group and not bob, lets it go too.
    let second = bob.toot(&format!("@lrnchat@{sales_domain} Second question: books?"), json!({})).await;
    let second_uri = second.str("uri");
    eventually("the second question reaches dan", async || home_shows_from_group(&dan, &second_uri).await).await;
    let on_ops = dan.get("/api/v1/timelines/home").await.array().iter().find(|s| s["reblog"]["uri"] == second_uri.as_str()).unwrap()["reblog"]["id"].as_str().unwrap().to_owned();
    assert_eq!(bob.delete(&format!("/api/v1/statuses/{}", second.id())).await.status, 200);
    eventually("dan's copy goes", async || dan.get(&format!("/api/v1/statuses/{on_ops}")).await.status == 404).await;
}

/// Admins name moderators; moderators remove and ban members; a banned member cannot join again; private groups
/// let their staff decide who joins; `hallway group create` makes one for a user.
async fn groups_are_run_by_their_admins_and_moderators(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let ann = sales.login("ann").await;
    let cy = sales.login("cy").await;
    let created = sales.cli(&["group", "create", "platform", "--admin", "ann", "--private", "--display-name", "Platform"], &[]);
    assert!(created.contains("group platform@"), "{created}");
    let mine = ann.get("/api/v1/groups").await;
    assert_eq!(mine.body[0]["role"], "admin", "{}", mine.text);
    assert_eq!(mine.body[0]["group"]["locked"], true);
    let group_id = mine.body[0]["group"]["id"].as_str().unwrap().to_owned();
    let cy_id = cy.me().await.id();
    let bob = eng.login("bob").await;

    // A private group: joining waits for its staff.
    let cy_follows = cy.post(&format!("/api/v1/accounts/{group_id}/follow")).await;
    assert_eq!(cy_follows.body["requested"], true, "{}", cy_follows.text);
    assert_eq!(cy.get("/api/v1/groups").await.body, json!([]));
    assert_eq!(cy.get(&format!("/api/v1/groups/{group_id}/join_requests")).await.status, 403, "only staff see who asks");
    let asking = ann.get(&format!("/api/v1/groups/{group_id}/join_requests")).await;
    assert_eq!(asking.ids(), vec![cy_id.clone()], "{}", asking.text);
    assert_eq!(ann.post(&format!("/api/v1/groups/{group_id}/join_requests/{cy_id}/authorize")).await.body["followed_by"], true);

    // ann names cy a moderator; cy bans bob, who had joined from eng.
    let sales_domain = sales.settings.domain.clone();
    let group_on_eng = bob.get(&format!("/api/v1/accounts/lookup?acct=platform@{sales_domain}")).await.id();
    bob.post(&format!("/api/v1/accounts/{group_on_eng}/follow")).await;
    let bob_on_sales = eventually_requested(&ann, &group_id).await;
    ann.post(&format!("/api/v1/groups/{group_id}/join_requests/{bob_on_sales}/authorize")).await;
    eventually("bob is a member", async || bob.get(&format!("/api/v1/accounts/relationships?id[]={group_on_eng}")).await.body[0]["following"] == true).await;
    let named = ann.put_json(&format!("/api/v1/groups/{group_id}/members/{cy_id}/role"), &json!({"role": "moderator"})).await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(cy.put_json(&format!("/api/v1/groups/{group_id}/members/{cy_id}/role"), &json!({"role": "admin"})).await.status, 403);
    let ann_id = ann.me().await.id();
    assert_eq!(cy.post(&format!("/api/v1/groups/{group_id}/members/{ann_id}/remove")).await.status, 403, "a moderator does not remove an admin");
    assert_eq!(ann.put_json(&format!("/api/v1/groups/{group_id}/members/{ann_id}/role"), &json!({"role": "member"})).await.status, 422, "the last admin stays");
    let banned = cy.post(&format!("/api/v1/groups/{group_id}/members/{bob_on_sales}/ban")).await;
    assert_eq!(banned.status, 200, "{}", banned.text);
    eventually("eng hears bob is out", async || bob.get(&format!("/api/v1/accounts/relationships?id[]={group_on_eng}")).await.body[0]["following"] == false).await;
    bob.post(&format!("/api/v1/accounts/{group_on_eng}/follow")).await;
    sales.inbox_settled().await;
    assert!(ann.get(&format!("/api/v1/groups/{group_id}/join_requests")).await.array().is_empty(), "a banned member cannot ask again");
    assert_eq!(sales.anonymous().post(&format!("/api/v1/groups/{group_id}/members/{cy_id}/remove")).await.status, 401);
    let taken = ann.post_json("/api/v1/groups", &json!({"username": "platform"})).await;
    assert_eq!(taken.status, 422, "{}", taken.text);
}

/// A private group on sales, members on sales, eng and ops. A member's private mention of the group is a
/// members-only post: every member reads it, through the group's boost, and nobody else (not their followers,
/// not the group's own instance's other people, not a peer without members), until a moderator removes it.
async fn a_private_group_keeps_its_posts_to_its_members(sales: TestServer) {
    let eng = a_second_division(&sales).await;
    let ops = a_second_division(&sales).await;
    let hr = a_second_division(&sales).await;
    for (one, other) in [(&eng, &ops), (&eng, &hr)] {
        one.allow_peer(other).await;
        other.allow_peer(one).await;
    }
    let sales_domain = sales.settings.domain.clone();
    let ann = sales.login("ann").await;
    let made = ann.post_json("/api/v1/groups", &json!({"username": "platform", "private": true})).await;
    assert_eq!((made.status, made.body["locked"].clone()), (200, json!(true)), "{}", made.text);
    let group_id = made.id();
    let (bob, frank, eve) = (eng.login("bob").await, eng.login("frank").await, eng.login("eve").await);
    let dan = ops.login("dan").await;
    let (zed, hank) = (sales.login("zed").await, hr.login("hank").await);
    for member in [&bob, &frank, &dan] {
        let there = member.get(&format!("/api/v1/accounts/lookup?acct=platform@{sales_domain}")).await.id();
        assert_eq!(member.post(&format!("/api/v1/accounts/{there}/follow")).await.body["requested"], true);
    }
    let path = format!("/api/v1/groups/{group_id}/join_requests");
    eventually("three ask to join", async || ann.get(&path).await.array().len() == 3).await;
    for asking in ann.get(&path).await.ids() {
        assert_eq!(ann.post(&format!("{path}/{asking}/authorize")).await.status, 200);
    }
    join(&hank, "bob", &eng.settings.domain).await;
    join(&eve, "bob", &eng.settings.domain).await;
    for member in [&bob, &frank, &dan] {
        let there = member.get(&format!("/api/v1/accounts/lookup?acct=platform@{sales_domain}")).await.id();
        eventually("a member", async || member.get(&format!("/api/v1/accounts/relationships?id[]={there}")).await.body[0]["following"] == true).await;
    }

    let plan = bob.toot(&format!("@platform@{sales_domain} The Q3 migration plan is ready"), json!({"visibility": "direct"})).await;
    let plan_uri = plan.str("uri");
    eventually("dan reads it through the group", async || home_shows_from_group_named(&dan, &plan_uri, "platform").await).await;
    eventually("and ann", async || home_shows_from_group_named(&ann, &plan_uri, "platform").await).await;
    eventually("and frank, beside bob", async || home_shows_from_group_named(&frank, &plan_uri, "platform").await).await;
    let on_sales = ann.get("/api/v1/timelines/home").await.array().iter().find(|s| s["reblog"]["uri"] == plan_uri.as_str()).unwrap()["reblog"]["id"].as_str().unwrap().to_owned();
    let on_ops = dan.get("/api/v1/timelines/home").await.array().iter().find(|s| s["reblog"]["uri"] == plan_uri.as_str()).unwrap()["reblog"]["id"].as_str().unwrap().to_owned();
    assert_eq!(dan.get(&format!("/api/v1/statuses/{on_ops}")).await.status, 200);
    let relayed = delivered_bodies(&sales, &ops.settings.domain);
    let announce = relayed.iter().find(|body| body.contains("\"Announce\"") && body.contains(&plan_uri)).expect("the group's boost to ops");
    let announce: serde_json::Value = serde_json::from_str(announce).unwrap();
    assert_eq!(announce["object"]["id"], plan_uri.as_str(), "the boost carries the post");
    assert_eq!(announce["object"]["proof"]["cryptosuite"], hallway::apub::proofs::CRYPTOSUITE, "with its author's proof: {announce}");

    // The group's instance cannot put words in bob's mouth: a changed post fails its proof on ops.
    let mut forged = announce.clone();
    forged["id"] = json!(format!("{}/users/platform/statuses/1/activity", sales.base));
    forged["object"]["id"] = json!(format!("{}/users/bob/statuses/1", eng.base));
    forged["object"]["content"] = json!("<p>Bob says: ship it without tests</p>");
    let group_key = crate::federation::signing_key_of(&sales, "platform").await;
    assert_eq!(crate::federation::post_signed(&format!("{}/inbox", ops.base), &forged, &group_key).await, 202);
    ops.inbox_settled().await;
    assert!(!dan.get("/api/v1/timelines/home").await.text.contains("without tests"), "a post whose proof fails is not kept");
    // Nor can another group relay it, proof and all, to its own members (hank, on hr, where it is unknown).
    ann.post_json("/api/v1/groups", &json!({"username": "gossip"})).await;
    join(&hank, "gossip", &sales_domain).await;
    let mut relayed_elsewhere = announce.clone();
    relayed_elsewhere["id"] = json!(format!("{}/users/gossip/statuses/2/activity", sales.base));
    relayed_elsewhere["actor"] = json!(format!("{}/users/gossip", sales.base));
    let gossip_key = crate::federation::signing_key_of(&sales, "gossip").await;
    assert_eq!(crate::federation::post_signed(&format!("{}/inbox", hr.base), &relayed_elsewhere, &gossip_key).await, 202);
    hr.inbox_settled().await;
    assert!(!hank.get("/api/v1/timelines/home").await.text.contains("migration plan"), "a post addressed to another group is not kept");

    // Nobody else: not a non-member of the group's instance, not bob's followers here or on hr.
    for settled in [&sales, &eng, &ops, &hr] {
        settled.inbox_settled().await;
    }
    assert_eq!(zed.get(&format!("/api/v1/statuses/{on_sales}")).await.status, 404);
    assert_eq!(eve.get(&format!("/api/v1/statuses/{}", plan.id())).await.status, 404);
    for outsider in [&zed, &eve, &hank] {
        assert!(!outsider.get("/api/v1/timelines/home").await.text.contains("migration plan"));
    }
    let fetched = resolve::status(&hr.state(), &url::Url::parse(&plan_uri).unwrap()).await;
    assert!(fetched.is_err(), "a peer without members cannot fetch it: {fetched:?}");
    assert_eq!(sales.anonymous().get(&format!("/api/v1/accounts/{group_id}/statuses")).await.body, json!([]), "the group's boosts are for members");

    // A group that did not boost it cannot have it dropped on ops by taking back a boost it never made.
    let undo = json!({"id": format!("{}/users/gossip#undo/1", sales.base), "type": "Undo", "actor": format!("{}/users/gossip", sales.base),
        "object": {"id": format!("{}/users/gossip/statuses/3/activity", sales.base), "type": "Announce", "actor": format!("{}/users/gossip", sales.base), "object": plan_uri}});
    assert_eq!(crate::federation::post_signed(&format!("{}/inbox", ops.base), &undo, &gossip_key).await, 202);
    ops.inbox_settled().await;
    assert_eq!(dan.get(&format!("/api/v1/statuses/{on_ops}")).await.status, 200, "still there");

    // A moderator takes it out: members' copies are read by nobody else but its author any more.
    assert_eq!(ann.post(&format!("/api/v1/groups/{group_id}/statuses/{on_sales}/remove")).await.status, 200);
    eventually("dan no longer reads it", async || dan.get(&format!("/api/v1/statuses/{on_ops}")).await.status == 404).await;
    assert_eq!(ann.get(&format!("/api/v1/statuses/{on_sales}")).await.status, 404);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{}", plan.id())).await.status, 200, "its author keeps it");
}

/// What an instance sent (or is sending) to a peer, as delivered.
fn delivered_bodies(from: &TestServer, to_host: &str) -> Vec<String> {
    let host = to_host.to_owned();
    from.db
        .read_blocking(move |conn| {
            use diesel::prelude::*;
            use hallway::db::schema::deliveries;
            Ok(deliveries::table.filter(deliveries::peer_host.eq(host)).select(deliveries::body).load(conn)?)
        })
        .unwrap()
}

async fn home_shows_from_group_named(api: &crate::support::Api, uri: &str, group: &str) -> bool {
    api.get("/api/v1/timelines/home").await.array().iter().any(|s| s["reblog"]["uri"] == uri && s["account"]["username"] == group)
}

async fn eventually_requested(staff: &crate::support::Api, group_id: &str) -> String {
    let path = format!("/api/v1/groups/{group_id}/join_requests");
    eventually("a join request arrives", async || !staff.get(&path).await.array().is_empty()).await;
    staff.get(&path).await.ids()[0].clone()
}

/// A peer that accepts connections and never answers.
fn silent_listener() -> (String, std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let holding = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            holding.lock().unwrap().push(stream);
        }
    });
    (host, held)
}

/// A join request made by hand for `actor`, signed with `pair` (which `actor`'s host does not serve).
async fn join_as(server: &TestServer, actor: &str, pair: &activitypub_federation::http_signatures::Keypair, token: &str) -> u16 {
    let body = json!({"token": token, "actor": actor, "public_key_pem": pair.public_key});
    let key = hallway::service::keys::SigningKey { key_id: format!("{actor}#main-key"), private_key_pem: pair.private_key.clone() };
    let url = url::Url::parse(&format!("{}/hallway/peers/join", server.base)).unwrap();
    let bytes = serde_json::to_vec(&body).unwrap();
    let private_key = hallway::apub::signatures::private_key_from_pem(&key.private_key_pem).unwrap();
    let headers = hallway::apub::signatures::sign("POST", &url, &key.key_id, &private_key, &bytes, std::time::SystemTime::now()).unwrap();
    let mut request = reqwest::Client::new().post(url).header("content-type", "application/json").body(bytes);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
