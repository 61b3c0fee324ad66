//! Federation endpoints of one instance, and (with several instances) the company conversation.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hallway::apub::client::FederationError;
use hallway::apub::resolve;

use crate::support::{run, Api, Backend, TestServer};

crate::on_both_backends!(webfinger_finds_local_accounts, actors_are_served_only_to_signed_allowed_peers);

async fn webfinger_finds_local_accounts(server: TestServer) {
    server.create_user("ann").await;
    let api = server.anonymous();
    let domain = &server.settings.domain;
    let found = api.get(&format!("/.well-known/webfinger?resource=acct:ann@{domain}")).await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert!(found.header("content-type").unwrap().starts_with("application/jrd+json"));
    assert_eq!(found.str("subject"), format!("acct:ann@{domain}"));
    let links = found.body["links"].as_array().unwrap();
    let own = links.iter().find(|l| l["rel"] == "self").unwrap();
    assert_eq!(own["type"], "application/activity+json");
    assert_eq!(own["href"], format!("{}/users/ann", server.base));

    for missing in [format!("acct:nobody@{domain}"), "acct:ann@other.example".to_owned(), "garbage".to_owned()] {
        assert_eq!(api.get(&format!("/.well-known/webfinger?resource={missing}")).await.status, 404, "{missing}");
    }
    let instance = api.get(&format!("/.well-known/webfinger?resource=acct:{domain}@{domain}")).await;
    assert_eq!(instance.body["links"][0]["href"], format!("{}/actor", server.base));
    let host_meta = api.get("/.well-known/host-meta").await;
    assert!(host_meta.text.contains("/.well-known/webfinger?resource={uri}"));
}

async fn actors_are_served_only_to_signed_allowed_peers(server: TestServer) {
    server.create_user("ann").await;
    let unsigned = server.anonymous().get("/users/ann").await;
    assert_eq!(unsigned.status, 401, "{}", unsigned.text);
    let instance_actor = server.anonymous().get("/actor").await;
    assert_eq!(instance_actor.status, 200, "the instance actor's key is public");
    assert_eq!(instance_actor.str("type"), "Application");
    assert!(instance_actor.body["publicKey"]["publicKeyPem"].as_str().unwrap().contains("BEGIN PUBLIC KEY"));

    let stranger = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    stranger.allow_peer(&server).await;
    let refused = resolve::by_acct(&stranger.state(), "ann", &server.settings.domain).await;
    assert!(matches!(refused, Err(FederationError::Status(403))), "{refused:?}");

    server.allow_peer(&stranger).await;
    let found = resolve::by_acct(&stranger.state(), "ann", &server.settings.domain).await.expect("resolve ann");
    assert_eq!(found.username, "ann");
    assert_eq!(found.domain.as_deref(), Some(server.settings.domain.as_str()));
    assert!(found.public_key_pem.contains("BEGIN PUBLIC KEY"));
}

/// Two instances find each other's users from a Mastodon client; an unlisted host gets no request at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_find_remote_accounts_only_on_allowed_peers() {
    run(Backend::Sqlite, |sales: TestServer| async move {
        let eng = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
        sales.allow_peer(&eng).await;
        eng.allow_peer(&sales).await;
        eng.create_user("bob").await;
        let ann = sales.login("ann").await;

        let eng_domain = eng.settings.domain.clone();
        let found = ann.get(&format!("/api/v2/search?q=@bob@{eng_domain}&resolve=true&type=accounts")).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["accounts"][0]["acct"], format!("bob@{eng_domain}"), "{}", found.body);
        let looked_up = ann.get(&format!("/api/v1/accounts/lookup?acct=bob@{eng_domain}")).await;
        assert_eq!(looked_up.str("acct"), format!("bob@{eng_domain}"));
        assert_eq!(looked_up.str("url"), format!("{}/@bob", eng.base));

        let (unlisted_host, connections) = counting_listener();
        let nothing = ann.get(&format!("/api/v2/search?q=@x@{unlisted_host}&resolve=true")).await;
        assert_eq!(nothing.body["accounts"], serde_json::json!([]));
        assert_eq!(ann.get(&format!("/api/v1/accounts/lookup?acct=x@{unlisted_host}")).await.status, 404);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(connections.load(Ordering::SeqCst), 0, "a host that is not allowed must get no request");
    })
    .await
}

/// A host that only counts the connections made to it.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for _ in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (host, connections)
}

/// Polls `check` until it holds (deliveries are asynchronous), for at most ten seconds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Two instances that allow each other (sales, eng).
pub(crate) async fn two_instances(backend: Backend) -> (TestServer, TestServer) {
    let sales = TestServer::start(backend, |_| {}).await.expect("sales instance");
    let eng = TestServer::start(backend, |_| {}).await.expect("eng instance");
    sales.allow_peer(&eng).await;
    eng.allow_peer(&sales).await;
    (sales, eng)
}

/// Follow, Accept, post, favourite, reply with a mention, boost, delete and unfollow across two instances.
async fn a_conversation_across_two_instances(backend: Backend) {
    let (sales, eng) = two_instances(backend).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let eng_domain = eng.settings.domain.clone();
    let sales_domain = sales.settings.domain.clone();

    let bob_there = ann.get(&format!("/api/v1/accounts/lookup?acct=bob@{eng_domain}")).await.id();
    let followed = ann.post(&format!("/api/v1/accounts/{bob_there}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.body["requested"], true, "a remote follow waits for its Accept: {}", followed.body);
    eventually("the follow is accepted", || async {
        ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_there}")).await.body[0]["following"] == true
    })
    .await;
    let bob_here = bob.me().await;
    assert_eq!(bob_here.body["followers_count"], 1);
    let follow_notes = bob.get("/api/v1/notifications?types[]=follow").await;
    assert_eq!(follow_notes.body[0]["account"]["acct"], format!("ann@{sales_domain}"));

    let post = bob.toot("Who knows the #onboarding checklist?", serde_json::json!({})).await;
    let post_uri = post.str("uri");
    eventually("bob's post reaches ann's home", || async {
        ann.get("/api/v1/timelines/home").await.array().iter().any(|s| s["uri"] == post_uri.as_str())
    })
    .await;
    let home = ann.get("/api/v1/timelines/home").await;
    let there = home.array().iter().find(|s| s["uri"] == post_uri.as_str()).unwrap().clone();
    assert_eq!(there["account"]["acct"], format!("bob@{eng_domain}"));
    assert!(there["content"].as_str().unwrap().contains("onboarding"));
    let there_id = there["id"].as_str().unwrap().to_owned();

    assert_eq!(ann.post(&format!("/api/v1/statuses/{there_id}/favourite")).await.status, 200);
    let bob_post_id = post.id();
    eventually("the favourite reaches bob", || async {
        bob.get(&format!("/api/v1/statuses/{bob_post_id}")).await.body["favourites_count"] == 1
    })
    .await;
    let notes = bob.get("/api/v1/notifications?types[]=favourite").await;
    assert_eq!(notes.body[0]["account"]["acct"], format!("ann@{sales_domain}"));

    let reply = ann
        .toot(&format!("@bob@{eng_domain} it is on the wiki"), serde_json::json!({"in_reply_to_id": there_id}))
        .await;
    assert_eq!(reply.body["mentions"][0]["acct"], format!("bob@{eng_domain}"));
    eventually("the reply reaches bob as a mention", || async {
        bob.get("/api/v1/notifications?types[]=mention").await.array().len() == 1
    })
    .await;
    let context = bob.get(&format!("/api/v1/statuses/{bob_post_id}/context")).await;
    assert_eq!(context.body["descendants"][0]["account"]["acct"], format!("ann@{sales_domain}"), "{}", context.body);
    assert_eq!(bob.get(&format!("/api/v1/statuses/{bob_post_id}")).await.body["replies_count"], 1);

    let reply_there = bob.get("/api/v1/notifications?types[]=mention").await.body[0]["status"]["id"].as_str().unwrap().to_owned();
    assert_eq!(bob.post(&format!("/api/v1/statuses/{reply_there}/reblog")).await.status, 200);
    let reply_id = reply.id();
    eventually("bob's boost reaches ann", || async {
        ann.get(&format!("/api/v1/statuses/{reply_id}")).await.body["reblogs_count"] == 1
    })
    .await;
    assert_eq!(ann.get("/api/v1/notifications?types[]=reblog").await.array().len(), 1);

    assert_eq!(bob.delete(&format!("/api/v1/statuses/{bob_post_id}")).await.status, 200);
    eventually("the deletion reaches ann", || async {
        ann.get(&format!("/api/v1/statuses/{there_id}")).await.status == 404
    })
    .await;

    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_there}/unfollow")).await.status, 200);
    eventually("the unfollow reaches bob", || async { bob.me().await.body["followers_count"] == 0 }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_across_two_instances_on_sqlite() {
    a_conversation_across_two_instances(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_across_two_instances_on_postgres() {
    if crate::support::postgres_admin_url().is_none() {
        return;
    }
    a_conversation_across_two_instances(Backend::Postgres).await
}

/// Looks up `name@domain` from `api`, follows it and waits until the follow is accepted; answers its local id.
pub(crate) async fn follow_remote(api: &crate::support::Api, name: &str, domain: &str) -> String {
    let id = api.get(&format!("/api/v1/accounts/lookup?acct={name}@{domain}")).await.id();
    assert_eq!(api.post(&format!("/api/v1/accounts/{id}/follow")).await.status, 200);
    eventually("a follow is accepted", || async {
        api.get(&format!("/api/v1/accounts/relationships?id[]={id}")).await.body[0]["following"] == true
    })
    .await;
    id
}

/// The status with this URI in a home timeline, if there.
async fn in_home(api: &crate::support::Api, uri: &str) -> Option<serde_json::Value> {
    api.get("/api/v1/timelines/home?limit=40").await.array().iter().find(|s| s["uri"] == uri).cloned()
}

/// Three divisions: visibility holds across instances, edits and profile changes travel, a suspension
/// removes the account elsewhere, and a fourth instance that sales did not allow gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_keep_visibility_edits_and_suspensions() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let hr = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    for (a, b) in [(&sales, &hr), (&hr, &sales), (&eng, &hr), (&hr, &eng)] {
        a.allow_peer(b).await;
    }
    let stranger = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    stranger.allow_peer(&sales).await;

    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let dave = eng.login("dave").await;
    let cat = hr.login("cat").await;
    let sales_domain = sales.settings.domain.clone();
    let eng_domain = eng.settings.domain.clone();
    follow_remote(&bob, "ann", &sales_domain).await;
    follow_remote(&cat, "ann", &sales_domain).await;
    assert_eq!(ann.me().await.body["followers_count"], 2);

    let private = ann.toot("followers only: the Q3 numbers", serde_json::json!({"visibility": "private"})).await.str("uri");
    let direct = ann.toot(&format!("@bob@{eng_domain} just between us"), serde_json::json!({"visibility": "direct"})).await.str("uri");
    let public = ann.toot("I'll be in town on Friday", serde_json::json!({})).await;
    let public_uri = public.str("uri");
    eventually("posts reach eng and hr", || async { in_home(&bob, &public_uri).await.is_some() && in_home(&cat, &public_uri).await.is_some() }).await;

    let on_eng = in_home(&bob, &private).await.expect("a follower on eng sees the followers-only post");
    assert_eq!(on_eng["visibility"], "private");
    let private_there = on_eng["id"].as_str().unwrap().to_owned();
    assert_eq!(dave.get(&format!("/api/v1/statuses/{private_there}")).await.status, 404, "a non-follower on the same instance must not see it");
    assert!(in_home(&cat, &private).await.is_some());
    eventually("the direct message reaches bob", || async {
        bob.get("/api/v1/notifications?types[]=mention").await.array().iter().any(|n| n["status"]["uri"] == direct.as_str())
    })
    .await;
    assert!(in_home(&cat, &direct).await.is_none(), "a direct message goes only to those it mentions");
    assert!(cat.get("/api/v1/notifications").await.array().iter().all(|n| n["status"]["uri"] != direct.as_str()));

    let edited = ann.put_json(&format!("/api/v1/statuses/{}", public.id()), &serde_json::json!({"status": "I'll be in town on Saturday"})).await;
    assert_eq!(edited.status, 200);
    eventually("the edit reaches hr", || async {
        in_home(&cat, &public_uri).await.is_some_and(|s| s["content"].as_str().unwrap_or_default().contains("Saturday") && !s["edited_at"].is_null())
    })
    .await;
    let profile = ann.patch_form("/api/v1/accounts/update_credentials", &[("display_name", "Ann from Sales")]).await;
    assert_eq!(profile.status, 200);
    eventually("the profile change reaches eng", || async {
        bob.get(&format!("/api/v1/accounts/lookup?acct=ann@{sales_domain}")).await.body["display_name"] == "Ann from Sales"
    })
    .await;

    let refused = stranger.login("eve").await.get(&format!("/api/v1/accounts/lookup?acct=ann@{sales_domain}")).await;
    assert_eq!(refused.status, 404, "sales serves nothing to an instance it did not allow");

    let (db, name) = (sales.db.clone(), "ann".to_owned());
    tokio::task::spawn_blocking(move || db.write_blocking(|conn| hallway::service::accounts::set_suspended(conn, &crate::support::setup_actor(), &name, true)))
        .await
        .unwrap()
        .unwrap();
    sales.state().deliveries.wake();
    eventually("the suspension reaches hr", || async {
        cat.get(&format!("/api/v1/accounts/lookup?acct=ann@{sales_domain}")).await.status == 404
    })
    .await;
    assert!(in_home(&cat, &public_uri).await.is_none(), "a removed account's posts leave timelines");

    let (db, name) = (sales.db.clone(), "ann".to_owned());
    tokio::task::spawn_blocking(move || db.write_blocking(|conn| hallway::service::accounts::set_suspended(conn, &crate::support::setup_actor(), &name, false)))
        .await
        .unwrap()
        .unwrap();
    sales.state().deliveries.wake();
    eventually("lifting the suspension reaches hr", || async {
        cat.get(&format!("/api/v1/accounts/lookup?acct=ann@{sales_domain}")).await.status == 200
    })
    .await;
}

/// A status URL pasted into search is fetched from its instance (when allowed) and shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_resolves_a_remote_status_url() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let post = bob.toot("The #handbook moved to the wiki", serde_json::json!({})).await;
    for url in [post.str("uri"), post.str("url")] {
        let found = ann.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&url))).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["statuses"][0]["uri"], post.str("uri"), "{url}: {}", found.body);
        assert_eq!(found.body["statuses"][0]["account"]["acct"], format!("bob@{}", eng.settings.domain));
    }
    let private = bob.toot("followers only", serde_json::json!({"visibility": "private"})).await;
    let hidden = ann.get(&format!("/api/v2/search?q={}&resolve=true&type=statuses", urlencode(&private.str("uri")))).await;
    assert_eq!(hidden.body["statuses"], serde_json::json!([]), "a followers-only post is not served to non-followers");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// POSTs `activity` to `inbox`, signed with `key` as an instance would.
pub(crate) async fn post_signed(inbox: &str, activity: &serde_json::Value, key: &hallway::service::keys::SigningKey) -> u16 {
    let url = url::Url::parse(inbox).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let private_key = hallway::apub::signatures::private_key_from_pem(&key.private_key_pem).unwrap();
    let headers = hallway::apub::signatures::sign("POST", &url, &key.key_id, &private_key, &body, std::time::SystemTime::now()).unwrap();
    let mut request = reqwest::Client::new().post(url).header("content-type", "application/activity+json").body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

pub(crate) async fn signing_key_of(server: &TestServer, name: &str) -> hallway::service::keys::SigningKey {
    let (db, name) = (server.db.clone(), name.to_owned());
    tokio::task::spawn_blocking(move || {
        db.write_blocking(|conn| {
            let account = hallway::service::accounts::local_by_username(conn, &name)?;
            hallway::service::keys::account_signing_key(conn, account.id)
        })
    })
    .await
    .unwrap()
    .unwrap()
}

/// The inbox refuses an unlisted host before fetching anything, checks signatures, and applies a
/// redelivered activity once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_is_strict_and_idempotent() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let post = ann.toot("Please review the new travel policy", serde_json::json!({})).await;
    let inbox = format!("{}/inbox", sales.base);
    let bob_key = signing_key_of(&eng, "bob").await;
    let bob_uri = format!("{}/users/bob", eng.base);
    let like = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob_uri}/likes/1"), "type": "Like", "actor": bob_uri, "object": post.str("uri")
    });

    let (unlisted_host, connections) = counting_listener();
    let stranger_key = hallway::service::keys::SigningKey {
        key_id: format!("http://{unlisted_host}/users/mallory#main-key"),
        private_key_pem: bob_key.private_key_pem.clone(),
    };
    let mallory = format!("http://{unlisted_host}/users/mallory");
    let forged = serde_json::json!({"id": format!("{mallory}/likes/1"), "type": "Like", "actor": mallory, "object": post.str("uri")});
    assert_eq!(post_signed(&inbox, &forged, &stranger_key).await, 403);
    assert_eq!(connections.load(Ordering::SeqCst), 0, "no key fetch for a host that is not allowed");

    let wrong_key = hallway::service::keys::SigningKey { key_id: bob_key.key_id.clone(), private_key_pem: signing_key_of(&sales, "ann").await.private_key_pem };
    assert_eq!(post_signed(&inbox, &like, &wrong_key).await, 401, "a signature by another key is refused");
    let unsigned = reqwest::Client::new().post(&inbox).json(&like).send().await.unwrap().status().as_u16();
    assert_eq!(unsigned, 401);

    assert_eq!(post_signed(&inbox, &like, &bob_key).await, 202);
    assert_eq!(post_signed(&inbox, &like, &bob_key).await, 202, "a redelivery is accepted");
    sales.inbox_settled().await;
    let counted = ann.get(&format!("/api/v1/statuses/{}", post.id())).await;
    assert_eq!(counted.body["favourites_count"], 1, "and changes nothing: {}", counted.body);
    assert_eq!(ann.get("/api/v1/notifications?types[]=favourite").await.array().len(), 1);

    let squatting = format!("{}/users/ann/statuses/1", sales.base);
    let create = serde_json::json!({
        "id": format!("{bob_uri}/statuses/7/activity"), "type": "Create", "actor": bob_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": squatting, "type": "Note", "attributedTo": bob_uri, "content": "<p>not mine to name</p>",
                   "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    });
    assert_eq!(post_signed(&inbox, &create, &bob_key).await, 202);
    sales.inbox_settled().await;
    let search = ann.get(&format!("/api/v2/search?q={}&type=statuses", urlencode(&squatting))).await;
    assert_eq!(search.body["statuses"], serde_json::json!([]), "a note whose id lies on another instance is not stored");

    let on_behalf = serde_json::json!({"id": format!("{}/users/ann/likes/9", sales.base), "type": "Like", "actor": format!("{}/users/ann", sales.base), "object": post.str("uri")});
    assert_eq!(post_signed(&inbox, &on_behalf, &bob_key).await, 401, "an actor cannot speak for another");
}

/// Hashtags from peers follow Mastodon's grammar like local ones: a tag named with markup is dropped from
/// the status and never stored, so it shows up nowhere (tags, tag URLs, trends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashtags_from_peers_follow_the_grammar() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let bob_key = signing_key_of(&eng, "bob").await;
    let bob_uri = format!("{}/users/bob", eng.base);
    let note_uri = format!("{bob_uri}/statuses/42");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let create = serde_json::json!({
        "id": format!("{note_uri}/activity"), "type": "Create", "actor": bob_uri, "to": [public],
        "object": {"id": note_uri, "type": "Note", "attributedTo": bob_uri, "to": [public],
                   "content": "<p>Join the #lrnchat</p>",
                   "tag": [
                       {"type": "Hashtag", "name": "#lrnchat", "href": format!("{}/tags/lrnchat", eng.base)},
                       {"type": "Hashtag", "name": "#<a href=\"javascript:alert(1)\">j</a>", "href": format!("{}/tags/x", eng.base)},
                       {"type": "Hashtag", "name": "#", "href": format!("{}/tags/y", eng.base)},
                       {"type": "Hashtag", "name": "#2026", "href": format!("{}/tags/2026", eng.base)}
                   ]}
    });
    assert_eq!(post_signed(&format!("{}/inbox", sales.base), &create, &bob_key).await, 202);
    let found = || async { ann.get(&format!("/api/v2/search?q={}&type=statuses", urlencode(&note_uri))).await.body["statuses"][0].clone() };
    eventually("the note is stored", || async { found().await.is_object() }).await;
    let status = found().await;
    let names: Vec<&str> = status["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lrnchat"], "{status}");
    let trends = ann.get("/api/v1/trends/tags").await;
    assert!(!trends.text.contains("javascript"), "{}", trends.text);
    let injected = ann.get(&format!("/api/v1/tags/{}", urlencode("<a href=\"javascript:alert(1)\">j</a>"))).await;
    assert_eq!(injected.status, 404, "{}", injected.text);
}

/// A reply to a post this instance never saw arrives with its thread: the parent is fetched from its
/// own instance, so the conversation reads whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_bring_their_thread_along() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let hr = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    for (a, b) in [(&sales, &hr), (&hr, &sales), (&eng, &hr), (&hr, &eng)] {
        a.allow_peer(b).await;
    }
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let cat = hr.login("cat").await;
    follow_remote(&bob, "ann", &sales.settings.domain).await;
    follow_remote(&cat, "bob", &eng.settings.domain).await;

    let question = ann.toot("Does anyone know who runs the #lrnchat?", serde_json::json!({})).await;
    let question_uri = question.str("uri");
    eventually("the question reaches bob", || async { in_home(&bob, &question_uri).await.is_some() }).await;
    let on_eng = in_home(&bob, &question_uri).await.unwrap()["id"].as_str().unwrap().to_owned();
    let answer = bob
        .toot(&format!("@ann@{} Dana from L&D does", sales.settings.domain), serde_json::json!({"in_reply_to_id": on_eng}))
        .await;
    let answer_uri = answer.str("uri");
    let found = |uri: String| {
        let cat = cat.clone();
        async move {
            let q: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
            cat.get(&format!("/api/v2/search?q={q}&type=statuses")).await.body["statuses"][0].clone()
        }
    };
    eventually("the answer reaches hr", || async { found(answer_uri.clone()).await.is_object() }).await;
    let answer_on_hr = found(answer_uri.clone()).await;
    assert!(!answer_on_hr["in_reply_to_id"].is_null(), "the parent was fetched: {answer_on_hr}");
    let context = cat.get(&format!("/api/v1/statuses/{}/context", answer_on_hr["id"].as_str().unwrap())).await;
    assert_eq!(context.body["ancestors"][0]["uri"], question_uri.as_str(), "{}", context.body);
    assert!(in_home(&cat, &answer_uri).await.is_none(), "a reply to someone cat does not follow stays out of cat's home");
}

/// Collections are counted for allowed peers, and paged with what the signer may see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_page_what_the_peer_may_see() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    follow_remote(&bob, "ann", &sales.settings.domain).await;
    let public = ann.toot("public news", serde_json::json!({})).await.str("uri");
    let private = ann.toot("followers news", serde_json::json!({"visibility": "private"})).await.str("uri");

    let fetch = |path: String| {
        let state = eng.state();
        let base = sales.base.clone();
        async move { state.federation.fetch(&url::Url::parse(&format!("{base}{path}")).unwrap()).await.unwrap() }
    };
    let followers = fetch("/users/ann/followers".into()).await;
    assert_eq!(followers["totalItems"], 1);
    let page = fetch("/users/ann/followers?page=true".into()).await;
    assert_eq!(page["orderedItems"], serde_json::json!([format!("{}/users/bob", eng.base)]));
    let outbox = fetch("/users/ann/outbox?page=true".into()).await;
    let objects: Vec<&str> = outbox["orderedItems"].as_array().unwrap().iter().map(|a| a["object"]["id"].as_str().unwrap()).collect();
    assert_eq!(objects, vec![public.as_str()], "the instance actor does not follow ann, so it sees no followers-only post (not {private})");

    // The pinned statuses, where Mastodon and GoToSocial look for them (the actor's `featured`).
    for uri in [&public, &private] {
        let id = ann.get("/api/v1/accounts/verify_credentials").await.id();
        let listed = ann.get(&format!("/api/v1/accounts/{id}/statuses?limit=40")).await;
        let status = listed.array().iter().find(|s| s["uri"] == uri.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(ann.post(&format!("/api/v1/statuses/{status}/pin")).await.status, 200);
    }
    let actor = fetch("/users/ann".into()).await;
    assert_eq!(actor["featured"], format!("{}/users/ann/collections/featured", sales.base));
    let featured = fetch("/users/ann/collections/featured".into()).await;
    assert_eq!((featured["type"].as_str(), featured["totalItems"].as_i64()), (Some("OrderedCollection"), Some(1)), "{featured}");
    assert_eq!(featured["orderedItems"][0]["id"], public.as_str(), "pinned and visible to the signer only");
    assert_eq!(featured["orderedItems"][0]["type"], "Note");
    assert_eq!(sales.anonymous().get("/users/ann/collections/featured").await.status, 401, "signed fetches only");

    // Hidden collections keep their count and show no one.
    ann.patch_form("/api/v1/accounts/update_credentials", &[("hide_collections", "true")]).await;
    let hidden = fetch("/users/ann/followers?page=true".into()).await;
    assert_eq!((hidden["totalItems"].as_i64(), hidden.get("orderedItems")), (Some(1), None), "{hidden}");
}

/// One peer cannot swamp an inbox: past its allowance per minute it is answered 429. The allowance is
/// counted in the database, so a process started meanwhile (another one, or this one restarted) does not
/// grant it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_peer_is_rate_limited() {
    let mut sales = TestServer::start(Backend::Sqlite, |s| s.federation_inbox_per_minute = 2).await.unwrap();
    let eng = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    sales.allow_peer(&eng).await;
    eng.allow_peer(&sales).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let post = ann.toot("rate limited", serde_json::json!({})).await.str("uri");
    let key = signing_key_of(&eng, "bob").await;
    let actor = format!("{}/users/bob", eng.base);
    let mut answers = Vec::new();
    let minute = || chrono::Utc::now().timestamp() / 60;
    let started_in = minute();
    for n in 0..3 {
        let like = serde_json::json!({"id": format!("{actor}/likes/{n}"), "type": "Like", "actor": actor, "object": post});
        answers.push(post_signed(&format!("{}/inbox", sales.base), &like, &key).await);
    }
    assert_eq!(answers, vec![202, 202, 429]);
    sales.restart_with(|_| {}).await;
    let like = serde_json::json!({"id": format!("{actor}/likes/3"), "type": "Like", "actor": actor, "object": post});
    let sent_in = minute();
    let after_restart = post_signed(&format!("{}/inbox", sales.base), &like, &key).await;
    // The minute may turn while the request is under way: only a request wholly inside one minute is judged.
    match (sent_in == started_in, minute() == started_in) {
        (true, true) => assert_eq!(after_restart, 429, "the restarted process counts on from the same allowance"),
        (false, false) => assert_eq!(after_restart, 202, "a new minute, a new allowance"),
        _ => assert!([202, 429].contains(&after_restart), "{after_restart}"),
    }
}

/// A post from another instance reaches a local user's open stream, as a local one does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_posts_reach_local_streams() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    follow_remote(&ann, "bob", &eng.settings.domain).await;
    let mut stream = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/user", sales.base))
        .bearer_auth(ann.token.clone().unwrap())
        .send()
        .await
        .unwrap();
    let posted = bob.toot("streamed across instances", serde_json::json!({})).await;
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !received.contains(&posted.str("uri")) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await.expect("the remote post on the stream").unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: update"));
}

/// A locked account on another instance decides: the remote follow waits, then Accept (or Reject) travels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_accounts_approve_remote_followers() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let dan = sales.login("dan").await;
    let bob = eng.login("bob").await;
    bob.patch_form("/api/v1/accounts/update_credentials", &[("locked", "true")]).await;
    let eng_domain = eng.settings.domain.clone();
    let bob_there = ann.get(&format!("/api/v1/accounts/lookup?acct=bob@{eng_domain}")).await.id();
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_there}/follow")).await.body["requested"], true);
    assert_eq!(dan.post(&format!("/api/v1/accounts/{bob_there}/follow")).await.body["requested"], true);
    eventually("the requests reach bob", || async { bob.get("/api/v1/follow_requests").await.array().len() == 2 }).await;
    let requests = bob.get("/api/v1/follow_requests").await;
    let id_of = |name: &str| {
        requests.array().iter().find(|a| a["username"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    };
    assert_eq!(bob.post(&format!("/api/v1/follow_requests/{}/authorize", id_of("ann"))).await.status, 200);
    assert_eq!(bob.post(&format!("/api/v1/follow_requests/{}/reject", id_of("dan"))).await.status, 200);
    eventually("ann follows bob", || async {
        ann.get(&format!("/api/v1/accounts/relationships?id[]={bob_there}")).await.body[0]["following"] == true
    })
    .await;
    eventually("dan's request is turned down", || async {
        let relationship = dan.get(&format!("/api/v1/accounts/relationships?id[]={bob_there}")).await;
        relationship.body[0]["requested"] == false && relationship.body[0]["following"] == false
    })
    .await;
    assert_eq!(bob.me().await.body["followers_count"], 1);
}

/// A report about an account of another instance reaches that instance's moderators when forwarded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_forwarded_to_the_reported_accounts_instance() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let bob_on_eng = hallway::ids::AccountId(bob.me().await.id().parse().unwrap());
    follow_remote(&ann, "bob", &eng.settings.domain).await;
    let post = bob.toot("something to report", serde_json::json!({})).await.str("uri");
    eventually("bob's post reaches ann", || async { in_home(&ann, &post).await.is_some() }).await;
    let there = in_home(&ann, &post).await.unwrap();
    let bob_there = there["account"]["id"].as_str().unwrap().to_owned();

    assert_eq!(ann.post_form("/api/v1/reports", &[("account_id", &bob_there), ("category", "boredom")]).await.status, 422);
    let filed = ann
        .post_json(
            "/api/v1/reports",
            &serde_json::json!({"account_id": bob_there, "status_ids": [there["id"]], "comment": "please look", "forward": true, "category": "spam"}),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert_eq!((filed.body["forwarded"].clone(), filed.body["category"].clone()), (serde_json::json!(true), serde_json::json!("spam")));
    assert_eq!(filed.body["target_account"]["username"], "bob");

    let db = eng.db.clone();
    eventually("the report reaches eng", || {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || db.read_blocking(|conn| hallway::service::reports::about(conn, bob_on_eng)))
                .await
                .unwrap()
                .unwrap()
                .iter()
                .any(|r| r.comment == "please look" && !r.status_ids.is_empty())
        }
    })
    .await;
}

/// A photo posted on one instance arrives on the other as a Document: referenced at its home URL,
/// with its description, BlurHash, focus and size; an edit that drops it drops it there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_travels_as_documents() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    follow_remote(&ann, "bob", &eng.settings.domain).await;
    let form = crate::media::file_form(crate::media::png(300, 200), "whiteboard.png")
        .text("description", "The whiteboard after the planning session")
        .text("focus", "0.25,-0.5");
    let media = crate::media::upload(&bob, form).await;
    assert_eq!(media.status, 200, "{}", media.body);
    let posted = bob.toot("Planning notes", serde_json::json!({"media_ids": [media.id()]})).await;
    let uri = posted.str("uri");
    eventually("the post with its photo arrives", || async { in_home(&ann, &uri).await.is_some() }).await;
    let arrived = in_home(&ann, &uri).await.unwrap();
    let remote = &arrived["media_attachments"][0];
    assert_eq!(remote["type"], "image");
    assert_eq!(remote["url"], media.body["url"], "referenced at its home URL");
    assert_eq!(remote["remote_url"], media.body["url"]);
    assert_eq!(remote["description"], "The whiteboard after the planning session");
    assert_eq!(remote["blurhash"], media.body["blurhash"]);
    assert_eq!(remote["meta"]["focus"], serde_json::json!({"x": 0.25, "y": -0.5}));
    assert_eq!(remote["meta"]["original"]["width"], 300);
    let ann_id = ann.get(&format!("/api/v1/accounts/lookup?acct=bob@{}", eng.settings.domain)).await.id();
    assert_eq!(ann.get(&format!("/api/v1/accounts/{ann_id}/statuses?only_media=1")).await.array().len(), 1);

    let edited = bob.put_json(&format!("/api/v1/statuses/{}", posted.id()), &serde_json::json!({"status": "Planning notes (photo removed)", "media_ids": []})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    eventually("the edit removes the photo", || async {
        in_home(&ann, &uri).await.is_some_and(|s| s["media_attachments"] == serde_json::json!([]))
    })
    .await;
}

/// A poll on one instance is a Question on the other; a vote cast there is counted on the poll's home
/// instance, and the new counts come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_polls_are_voted_on_and_counted_at_home() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let cat = eng.login("cat").await;
    follow_remote(&ann, "bob", &eng.settings.domain).await;
    let posted = bob
        .toot("Which day for the demo?", serde_json::json!({"poll": {"options": ["Tuesday", "Thursday"], "expires_in": 86400}}))
        .await;
    let home_poll = posted.body["poll"]["id"].as_str().unwrap().to_owned();
    let uri = posted.str("uri");
    eventually("the poll arrives", || async { in_home(&ann, &uri).await.is_some() }).await;
    let remote = in_home(&ann, &uri).await.unwrap();
    let remote_poll = &remote["poll"];
    let titles: Vec<&str> = remote_poll["options"].as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Tuesday", "Thursday"]);
    assert_eq!(remote_poll["multiple"], false);
    assert_eq!(remote_poll["expires_at"], posted.body["poll"]["expires_at"]);

    let voted = ann.post_json(&format!("/api/v1/polls/{}/votes", remote_poll["id"].as_str().unwrap()), &serde_json::json!({"choices": [1]})).await;
    assert_eq!(voted.status, 200, "{}", voted.body);
    assert_eq!(voted.body["own_votes"], serde_json::json!([1]));
    eventually("the vote is counted on the poll's instance", || async {
        let at_home = bob.get(&format!("/api/v1/polls/{home_poll}")).await;
        at_home.body["options"][1]["votes_count"] == 1 && at_home.body["voters_count"] == 1
    })
    .await;

    // A local vote there changes the counts, which travel back to sales.
    cat.post_json(&format!("/api/v1/polls/{home_poll}/votes"), &serde_json::json!({"choices": [0]})).await;
    eventually("the new counts reach the other instance", || async {
        let copy = in_home(&ann, &uri).await.unwrap();
        copy["poll"]["votes_count"] == 2 && copy["poll"]["options"][0]["votes_count"] == 1
    })
    .await;
    let copy = in_home(&ann, &uri).await.unwrap();
    assert_eq!(copy["edited_at"], serde_json::Value::Null, "new counts are not an edit");
    assert_eq!(copy["poll"]["own_votes"], serde_json::json!([1]));
}

/// A custom emoji of one instance travels with the statuses that use it, as an `Emoji` tag, and shows
/// on the other instance with its home URL (without joining that instance's own emoji list).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_emojis_travel_with_statuses() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let added = crate::emojis::add_emoji(&sales, "deal", &crate::media::png(16, 16));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    follow_remote(&bob, "ann", &sales.settings.domain).await;
    let posted = ann.toot("Closed the Q4 deal :deal:", serde_json::json!({})).await;
    let uri = posted.str("uri");
    eventually("the post arrives", || async { in_home(&bob, &uri).await.is_some() }).await;
    let arrived = in_home(&bob, &uri).await.unwrap();
    assert_eq!(arrived["emojis"][0]["shortcode"], "deal");
    assert_eq!(arrived["emojis"][0]["url"], posted.body["emojis"][0]["url"]);
    assert_eq!(eng.anonymous().get("/api/v1/custom_emojis").await.body, serde_json::json!([]));
}

/// A note whose address is longer than any real server makes is ignored, not an error (on PostgreSQL it
/// would not fit the index of status URIs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn very_long_addresses_are_ignored() {
    if crate::support::postgres_admin_url().is_none() {
        return;
    }
    let (sales, eng) = two_instances(Backend::Postgres).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let bob_key = signing_key_of(&eng, "bob").await;
    let bob_uri = format!("{}/users/bob", eng.base);
    let long_id = format!("{bob_uri}/statuses/{}", "9".repeat(5_000));
    let create = serde_json::json!({
        "id": format!("{bob_uri}/statuses/8/activity"), "type": "Create", "actor": bob_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": long_id, "type": "Note", "attributedTo": bob_uri, "content": "<p>far too long</p>",
                   "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    });
    assert_eq!(post_signed(&format!("{}/inbox", sales.base), &create, &bob_key).await, 202);
    sales.inbox_settled().await;
    assert!(ann.get("/api/v1/timelines/public").await.array().is_empty());
    let long_activity = serde_json::json!({
        "id": format!("{bob_uri}/likes/{}", "9".repeat(5_000)), "type": "Like", "actor": bob_uri, "object": long_id
    });
    assert_eq!(post_signed(&format!("{}/inbox", sales.base), &long_activity, &bob_key).await, 422);
}

/// Remote content takes the same paths as local content: a remote reply reaches the author's user stream
/// (as an update and a mention), and a remote account on a list fills that list's timeline and stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_replies_and_list_members_reach_local_streams() {
    use crate::streaming::{connect, next_event, token};
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let bob_here = follow_remote(&ann, "bob", &eng.settings.domain).await;
    follow_remote(&bob, "ann", &sales.settings.domain).await;
    let list = ann.post_json("/api/v1/lists", &serde_json::json!({"title": "Engineering"})).await.id();
    let added = ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_here)]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let mut user_stream = connect(&sales, &format!("stream=user&access_token={}", token(&ann)), None).await;
    let mut list_stream = connect(&sales, &format!("stream=list&list={list}&access_token={}", token(&ann)), None).await;

    let question = ann.toot("Who owns the build farm?", serde_json::json!({})).await;
    let question_uri = question.str("uri");
    let mut bob_copy = None;
    for _ in 0..100 {
        bob_copy = in_home(&bob, &question_uri).await;
        if bob_copy.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let bob_copy = bob_copy.expect("ann's question reaches eng");
    let reply = bob
        .toot(&format!("@ann@{} my team does", sales.settings.domain), serde_json::json!({"in_reply_to_id": bob_copy["id"]}))
        .await;
    let reply_uri = reply.str("uri");
    let (mut threaded, mut mentioned) = (false, false);
    while !(threaded && mentioned) {
        let frame = next_event(&mut user_stream, "").await;
        let Some(payload) = frame["payload"].as_str() else { continue };
        let payload: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
        match frame["event"].as_str() {
            Some("update") if payload["uri"] == reply_uri => {
                assert_eq!(payload["in_reply_to_id"], question.body["id"], "the reply is threaded under ann's question");
                threaded = true;
            }
            Some("notification") if payload["type"] == "mention" => {
                assert_eq!(payload["status"]["uri"], reply_uri);
                mentioned = true;
            }
            _ => {}
        }
    }

    let news = bob.toot("Build farm maintenance on Friday", serde_json::json!({})).await;
    let listed = next_event(&mut list_stream, "update").await;
    let listed = loop_until_uri(listed, &mut list_stream, &news.str("uri")).await;
    assert_eq!(listed["account"]["acct"], format!("bob@{}", eng.settings.domain));
    let timeline = ann.get(&format!("/api/v1/timelines/list/{list}")).await;
    assert!(timeline.array().iter().any(|s| s["uri"] == news.str("uri")), "{}", timeline.body);
}

/// The status of an `update` frame, reading further frames until the one with this URI.
async fn loop_until_uri(mut frame: serde_json::Value, socket: &mut crate::streaming::Socket, uri: &str) -> serde_json::Value {
    loop {
        let status: serde_json::Value = serde_json::from_str(frame["payload"].as_str().unwrap()).unwrap();
        if status["uri"] == uri {
            return status;
        }
        frame = crate::streaming::next_event(socket, "update").await;
    }
}

/// A host that accepts connections and never answers, holding them open: a peer gone slow.
fn silent_listener() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in listener.incoming() {
            held.push(connection);
        }
    });
    host
}

/// A signed Create(Note) by `author` of `author_server`, public, with `extra` fields on the note.
fn create_note(author_server: &TestServer, author: &str, number: u32, content: &str, extra: serde_json::Value) -> serde_json::Value {
    let actor = format!("{}/users/{author}", author_server.base);
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let mut note = serde_json::json!({
        "id": format!("{actor}/statuses/{number}"), "type": "Note", "attributedTo": actor, "to": [public], "content": content
    });
    note.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::json!({"id": format!("{actor}/statuses/{number}/activity"), "type": "Create", "actor": actor, "to": [public], "object": note})
}

/// The inbox answers once the activity is stored, not once it is applied: a peer whose activities need
/// fetches from a host that never answers gets its 202 at once, its activities wait in the queue behind
/// each other, and another peer's activity and local posts go through meanwhile.
async fn a_stalled_peer_waits_behind_itself(backend: Backend) {
    let (sales, eng) = two_instances(backend).await;
    let hr = TestServer::start(backend, |_| {}).await.expect("hr instance");
    for (a, b) in [(&sales, &hr), (&hr, &sales)] {
        a.allow_peer(b).await;
    }
    let silent = silent_listener();
    sales.allow_host(&silent).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    hr.create_user("cat").await;
    let (bob_key, cat_key) = (signing_key_of(&eng, "bob").await, signing_key_of(&hr, "cat").await);
    let inbox = format!("{}/inbox", sales.base);

    let waiting_on_silence = serde_json::json!({"cc": [format!("http://{silent}/users/nobody")]});
    for number in 1..=3 {
        let create = create_note(&eng, "bob", number, "<p>cc'd to a host that never answers</p>", waiting_on_silence.clone());
        let answered = tokio::time::timeout(std::time::Duration::from_secs(5), post_signed(&inbox, &create, &bob_key)).await;
        assert_eq!(answered, Ok(202), "the peer does not wait for what applying its activity fetches");
    }

    let from_hr = create_note(&hr, "cat", 1, "<p>Who has the keys to room 4?</p>", serde_json::json!({}));
    assert_eq!(post_signed(&inbox, &from_hr, &cat_key).await, 202);
    let found = |uri: String| {
        let ann = ann.clone();
        async move { ann.get(&format!("/api/v2/search?q={}&type=statuses", urlencode(&uri))).await.body["statuses"][0].is_object() }
    };
    let cat_note = format!("{}/users/cat/statuses/1", hr.base);
    eventually("hr's note is applied", || found(cat_note.clone())).await;
    let local = tokio::time::timeout(std::time::Duration::from_secs(5), ann.toot("Keys are at the front desk", serde_json::json!({}))).await;
    assert_eq!(local.expect("a local post is not held up").status, 200);

    let queued = sales.db.read(|conn| hallway::db::queries::inbox_queue::list(conn, 10)).await.unwrap();
    let waiting: Vec<&str> = queued.iter().map(|activity| activity.activity_uri.as_str()).collect();
    let bob_activity = |n: u32| format!("{}/users/bob/statuses/{n}/activity", eng.base);
    assert_eq!(waiting, [bob_activity(1), bob_activity(2), bob_activity(3)], "eng's activities wait in order, stored");
    assert!(!found(format!("{}/users/bob/statuses/3", eng.base)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_peer_waits_behind_itself_on_sqlite() {
    a_stalled_peer_waits_behind_itself(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_peer_waits_behind_itself_on_postgres() {
    if crate::support::postgres_admin_url().is_some() {
        a_stalled_peer_waits_behind_itself(Backend::Postgres).await;
    }
}

/// Markup nested deeper than any editor makes, or larger than any post, is kept as its plain text, and
/// reading it takes no longer than reading its length.
async fn deep_markup_from_peers_becomes_plain_text(backend: Backend) {
    let (sales, eng) = two_instances(backend).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let bob_key = signing_key_of(&eng, "bob").await;
    let nested = format!("{}Ship it", "<div>".repeat(50_000));
    let create = create_note(&eng, "bob", 1, &nested, serde_json::json!({}));
    assert_eq!(post_signed(&format!("{}/inbox", sales.base), &create, &bob_key).await, 202);
    let uri = format!("{}/users/bob/statuses/1", eng.base);
    let search = format!("/api/v2/search?q={}&type=statuses", urlencode(&uri));
    eventually("the note is stored", || async { ann.get(&search).await.body["statuses"][0].is_object() }).await;
    let status = ann.get(&search).await.body["statuses"][0].clone();
    assert_eq!(status["content"], "<p>Ship it</p>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_markup_from_peers_becomes_plain_text_on_sqlite() {
    deep_markup_from_peers_becomes_plain_text(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_markup_from_peers_becomes_plain_text_on_postgres() {
    if crate::support::postgres_admin_url().is_some() {
        deep_markup_from_peers_becomes_plain_text(Backend::Postgres).await;
    }
}

/// A peer that answers its first request late, with a final refusal (403), and every later one at once,
/// with a 202; answers the number of requests it got.
fn slow_first_then_accepting_peer(late_by: std::time::Duration) -> (String, Arc<AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|read| read > 0) && line != "\r\n" {
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let answer = if first {
                    std::thread::sleep(late_by);
                    "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                };
                let _ = reader.get_mut().write_all(answer.as_bytes());
            });
        }
    });
    (host, requests)
}

/// A delivery's outcome counts only while its claim holds: a worker whose send outlasts its lease finds
/// the row claimed again and delivered by another process, and its late refusal changes nothing (the row
/// stays delivered, with the delivering attempt's count and no error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_outcome_does_not_undo_a_delivery() {
    let sales = TestServer::start(Backend::Sqlite, |settings| settings.federation_lease = std::time::Duration::from_secs(1))
        .await
        .expect("sales instance");
    let _other_process = sales.start_sharing().await;
    let (peer, requests) = slow_first_then_accepting_peer(std::time::Duration::from_secs(4));
    sales.allow_host(&peer).await;
    let ann = sales.login("ann").await;
    let settings = sales.settings.clone();
    let peer_host = peer.clone();
    sales
        .db
        .write(move |tx| {
            let base = format!("http://{peer_host}/users/zed");
            let zed = hallway::db::models::Account {
                domain: Some(peer_host.clone()),
                uri: base.clone(),
                url: base.clone(),
                inbox_url: format!("{base}/inbox"),
                shared_inbox_url: None,
                followers_url: format!("{base}/followers"),
                ..hallway::service::accounts::new_local_account(&settings, "zed")
            };
            let zed = hallway::service::remote::upsert_account(tx, zed)?;
            let ann = hallway::service::accounts::local_by_username(tx, "ann")?;
            hallway::service::follows::establish(tx, &zed, &ann, true, false, Some(format!("{base}/follows/1")))?;
            Ok(())
        })
        .await
        .unwrap();

    let posted = ann.toot("Fire drill at 3pm", serde_json::json!({})).await;
    assert_eq!(posted.status, 200);
    let delivery = || async {
        let host = peer.clone();
        sales
            .db
            .read(move |conn| {
                use diesel::prelude::*;
                use hallway::db::schema::deliveries::dsl;
                let rows = dsl::deliveries.filter(dsl::peer_host.eq(host)).select(hallway::db::models::Delivery::as_select()).load(conn)?;
                Ok(rows)
            })
            .await
            .unwrap()
    };
    eventually("another process delivers what the slow send still holds", || async {
        delivery().await.iter().any(|row| row.state == hallway::db::kinds::DeliveryState::Delivered)
    })
    .await;
    // The first send's late 403 comes back four seconds after it began; give it time to be (not) recorded.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let rows = delivery().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!((row.state, row.attempts, row.last_error.as_deref()), (hallway::db::kinds::DeliveryState::Delivered, 1, None), "{row:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "the peer got the activity from each claim");
}

/// Two divisions on https with certificates from the company's own CA (`tls.ca_file`): a follow, a post and a
/// reply travel. Then one instance restarts without the CA: its next delivery fails, and the certificate
/// error is what `hallway peers list` shows.
async fn https_peers_federate_with_the_company_ca(backend: Backend) {
    use crate::company_ca::{https_trusting_the_company_ca, https_without_the_company_ca};
    let mut sales = TestServer::start(backend, https_trusting_the_company_ca).await.expect("sales instance");
    let eng = TestServer::start(backend, https_trusting_the_company_ca).await.expect("eng instance");
    assert!(sales.base.starts_with("https://") && eng.base.starts_with("https://"));
    sales.allow_peer(&eng).await;
    eng.allow_peer(&sales).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let bob_there = follow_remote(&ann, "bob", &eng.settings.domain).await;

    let post = bob.toot("Town hall at 3, in the big room", serde_json::json!({})).await;
    let post_uri = post.str("uri");
    eventually("bob's post reaches ann over https", || async { in_home(&ann, &post_uri).await.is_some() }).await;
    let there = in_home(&ann, &post_uri).await.unwrap();
    let reply = ann
        .toot(&format!("@bob@{} I will be there", eng.settings.domain), serde_json::json!({"in_reply_to_id": there["id"]}))
        .await;
    assert_eq!(reply.status, 200);
    eventually("ann's reply reaches bob", || async {
        bob.get("/api/v1/notifications?types[]=mention").await.array().len() == 1
    })
    .await;

    sales.restart_with(https_without_the_company_ca).await;
    let ann = Api { base: sales.base.clone(), ..ann };
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_there}/unfollow")).await.status, 200);
    let db = sales.db.clone();
    let eng_host = eng.settings.domain.clone();
    let mut shown = String::new();
    for _ in 0..100 {
        let listed = db.read(hallway::service::peers::list).await.unwrap();
        shown = listed.iter().find(|h| h.peer.host == eng_host).and_then(|h| h.peer.last_error.clone()).unwrap_or_default();
        if !shown.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains("UnknownIssuer") || shown.contains("invalid peer certificate"), "the cause, not only 'error sending request': {shown}");
    assert_eq!(bob.me().await.body["followers_count"], 1, "the Undo did not arrive");

    let listed = crate::support::hallway_on(&sales.settings.database_url, &["peers", "list"]);
    let line = listed.lines().find(|l| l.starts_with(&eng_host)).unwrap_or_else(|| panic!("{eng_host} not listed: {listed}"));
    assert!(line.contains("certificate"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_peers_federate_with_the_company_ca_on_sqlite() {
    https_peers_federate_with_the_company_ca(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_peers_federate_with_the_company_ca_on_postgres() {
    if crate::support::postgres_admin_url().is_none() {
        return;
    }
    https_peers_federate_with_the_company_ca(Backend::Postgres).await
}

/// A company-wide announcement: published on sales, it shows on eng; edited and withdrawn there, it changes
/// and goes on eng. Only an instance's own actor speaks for it: a user's Announcement is ignored.
async fn company_wide_announcements(backend: Backend) {
    let (sales, eng) = two_instances(backend).await;
    sales.create_admin("root").await;
    let root = sales.token_for("root", "read write admin:read admin:write").await;
    let bob = eng.login("bob").await;
    let texts = |api: Api| async move {
        let found = api.get("/api/v1/announcements").await;
        assert_eq!(found.status, 200, "{}", found.body);
        found.array().iter().map(|a| a["content"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };

    let local_only = root.post_json("/api/v1/admin/announcements", &serde_json::json!({"text": "Sales kickoff on Monday"})).await;
    assert_eq!(local_only.status, 200, "{}", local_only.body);
    let created = root
        .post_json("/api/v1/admin/announcements", &serde_json::json!({"text": "Offices closed on Friday", "federate": true, "starts_at": "2030-06-07", "ends_at": "2030-06-08", "all_day": true}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    eventually("eng shows the company-wide announcement", || async { texts(bob.clone()).await.iter().any(|t| t.contains("Offices closed on Friday")) }).await;
    let shown = bob.get("/api/v1/announcements").await;
    assert_eq!(shown.array().len(), 1, "only the company-wide one goes to peers: {}", shown.body);
    assert_eq!((shown.array()[0]["all_day"].as_bool(), shown.array()[0]["starts_at"].as_str()), (Some(true), Some("2030-06-07T00:00:00.000Z")));
    let id = shown.array()[0]["id"].as_str().unwrap().to_owned();
    let reacted = bob.send(bob.request(reqwest::Method::PUT, &format!("/api/v1/announcements/{id}/reactions/👍"))).await;
    assert_eq!(reacted.status, 200, "eng's users react to it there");

    let path = format!("/api/v1/admin/announcements/{}", created.id());
    assert_eq!(root.put_json(&path, &serde_json::json!({"text": "Offices closed on Friday and Monday"})).await.status, 200);
    eventually("eng shows the edit", || async { texts(bob.clone()).await.iter().any(|t| t.contains("Friday and Monday")) }).await;
    assert_eq!(root.delete(&path).await.status, 200);
    eventually("eng drops the withdrawn announcement", || async { texts(bob.clone()).await.is_empty() }).await;

    sales.create_user("mallory").await;
    let forged = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/mallory#announce", sales.base),
        "type": "Create",
        "actor": format!("{}/users/mallory", sales.base),
        "object": {"id": format!("{}/announcements/1", sales.base), "type": "Announcement", "attributedTo": format!("{}/users/mallory", sales.base), "content": "<p>Everyone gets a day off</p>"},
    });
    let status = post_signed(&format!("{}/inbox", eng.base), &forged, &signing_key_of(&sales, "mallory").await).await;
    assert_eq!(status, 202);
    eng.inbox_settled().await;
    assert!(texts(bob.clone()).await.is_empty(), "a user does not speak for the instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_wide_announcements_on_sqlite() {
    company_wide_announcements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_wide_announcements_on_postgres() {
    if crate::support::postgres_admin_url().is_some() {
        company_wide_announcements(Backend::Postgres).await;
    }
}

/// A vote in GoToSocial's shape (tests/fixtures/gotosocial/serializer/create_poll_vote.json: no `content`,
/// `to` a single string), delivered to the poll's home, is counted there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_shaped_as_gotosocial_sends_it_is_counted() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    eng.create_user("bob").await;
    let posted = ann.toot("Tea or coffee?", serde_json::json!({"poll": {"options": ["tea", "coffee"], "expires_in": 3600}})).await;
    let (question, poll_id) = (posted.str("uri"), posted.body["poll"]["id"].as_str().unwrap().to_owned());
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/gotosocial/serializer/create_poll_vote.json")).unwrap();
    let actor = format!("{}/users/bob", eng.base);
    let ann_uri = format!("{}/users/ann", sales.base);
    let mut vote = fixture.clone();
    vote["actor"] = actor.clone().into();
    vote["id"] = format!("{actor}/activity#vote0/{question}").into();
    vote["to"] = ann_uri.clone().into();
    vote["object"]["attributedTo"] = actor.clone().into();
    vote["object"]["id"] = format!("{actor}#votes/1").into();
    vote["object"]["inReplyTo"] = question.clone().into();
    vote["object"]["to"] = ann_uri.into();
    vote["object"]["name"] = "coffee".into();
    assert!(vote["object"].get("content").is_none());
    let key = signing_key_of(&eng, "bob").await;
    assert_eq!(post_signed(&format!("{}/inbox", sales.base), &vote, &key).await, 202);
    sales.inbox_settled().await;
    let poll = ann.get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(poll.body["options"][1]["votes_count"], 1, "{}", poll.body);
    assert_eq!(poll.body["voters_count"], 1);
    let replies = ann.get(&format!("/api/v1/statuses/{}/context", posted.id())).await;
    assert_eq!(replies.body["descendants"], serde_json::json!([]), "a vote is not a reply");
}

/// A quote of a status on another instance is asked for there (QuoteRequest), accepted with a
/// QuoteAuthorization, shown as accepted on both instances, and revoked from the quoted author's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_are_asked_for_accepted_and_revoked_across_instances() {
    let (sales, eng) = two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    follow_remote(&ann, "bob", &eng.settings.domain).await;
    let original = bob.toot("The release train leaves at noon", serde_json::json!({})).await;
    let original_uri = original.str("uri");
    eventually("bob's post reaches ann", || async { in_home(&ann, &original_uri).await.is_some() }).await;
    let there = in_home(&ann, &original_uri).await.unwrap();
    assert_eq!(there["quote_approval"]["current_user"], "automatic", "bob's instance says anyone may quote: {there}");

    let quoting = ann
        .post_json("/api/v1/statuses", &serde_json::json!({"status": "Noon works for sales", "quoted_status_id": there["id"]}))
        .await;
    assert_eq!(quoting.status, 200, "{}", quoting.text);
    assert_eq!(quoting.body["quote"]["state"], "pending", "asked, not yet answered");
    let quoting_id = quoting.id();
    eventually("eng accepts the quote", || async {
        ann.get(&format!("/api/v1/statuses/{quoting_id}")).await.body["quote"]["state"] == "accepted"
    })
    .await;
    let accepted = ann.get(&format!("/api/v1/statuses/{quoting_id}")).await;
    assert_eq!(accepted.body["quote"]["quoted_status"]["uri"], original_uri.as_str());

    // On eng: bob is told, his status counts the quote, and the quote there shows his status.
    eventually("bob hears of the quote", || async { bob.get("/api/v1/notifications?types[]=quote").await.array().len() == 1 }).await;
    let told = bob.get("/api/v1/notifications?types[]=quote").await;
    assert_eq!(told.body[0]["account"]["acct"], format!("ann@{}", sales.settings.domain));
    let copy = told.body[0]["status"].clone();
    assert_eq!((copy["quote"]["state"].as_str(), copy["quote"]["quoted_status"]["id"].as_str()), (Some("accepted"), Some(original.id().as_str())));
    assert_eq!(bob.get(&format!("/api/v1/statuses/{}", original.id())).await.body["quotes_count"], 1);
    let listed = bob.get(&format!("/api/v1/statuses/{}/quotes", original.id())).await;
    assert_eq!(listed.ids(), vec![copy["id"].as_str().unwrap().to_owned()]);

    // Bob takes it back; sales hears of it.
    let revoked = bob.post(&format!("/api/v1/statuses/{}/quotes/{}/revoke", original.id(), copy["id"].as_str().unwrap())).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    eventually("the revocation reaches sales", || async {
        ann.get(&format!("/api/v1/statuses/{quoting_id}")).await.body["quote"]["state"] == "revoked"
    })
    .await;
}
