//! Federation endpoints of one instance, and (with several instances) the company conversation.

use crate::support::TestServer;

crate::on_both_backends!(webfinger_finds_local_accounts);

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
