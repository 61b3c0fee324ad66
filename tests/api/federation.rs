//! Federation endpoints of one instance, and (with several instances) the company conversation.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hallway::apub::client::FederationError;
use hallway::apub::resolve;

use crate::support::{run, Backend, TestServer};

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
