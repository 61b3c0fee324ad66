//! Closed access (`access.require_login`, the default): content is for signed-in users; what an app needs
//! before anyone signs in stays open.

use hallway::config::Settings;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::on_both_backends;
use crate::support::{Api, TestServer};

fn closed(settings: &mut Settings) {
    settings.require_login = true;
}

on_both_backends!(configure = super::closed; content_needs_a_signed_in_user, what_apps_need_before_sign_in_stays_open);

/// Everything that shows statuses, accounts or tags, given an account and a status to ask about.
fn content_paths(account_id: &str, status_id: &str, poll_id: &str) -> Vec<String> {
    [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
        "/api/v1/timelines/tag/lrnchat",
        "/api/v1/timelines/link?url=https%3A%2F%2Fwiki.corp.example%2F",
        "/api/v1/accounts/{a}",
        "/api/v1/accounts/lookup?acct=ann",
        "/api/v1/accounts/{a}/statuses",
        "/api/v1/accounts/{a}/followers",
        "/api/v1/accounts/{a}/following",
        "/api/v1/accounts/{a}/featured_tags",
        "/api/v1/statuses/{s}",
        "/api/v1/statuses/{s}/context",
        "/api/v1/statuses/{s}/history",
        "/api/v1/statuses/{s}/favourited_by",
        "/api/v1/statuses/{s}/reblogged_by",
        "/api/v1/polls/{p}",
        "/api/v1/tags/lrnchat",
        "/api/v1/trends",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v1/trends/links",
        "/api/v1/directory",
        "/api/v2/search?q=ann",
        "/api/v1/accounts/search?q=ann",
        "/api/v1/streaming/public",
        "/api/v1/streaming/hashtag?tag=lrnchat",
    ]
    .iter()
    .map(|path| path.replace("{a}", account_id).replace("{s}", status_id).replace("{p}", poll_id))
    .collect()
}

async fn content_needs_a_signed_in_user(server: TestServer) {
    let ann = server.login("ann").await;
    let post = ann
        .toot("Who is in for #lrnchat? https://wiki.corp.example/", json!({"poll": {"options": ["yes", "no"], "expires_in": 3600}}))
        .await;
    let (account_id, status_id) = (ann.me().await.id(), post.id());
    let poll_id = post.body["poll"]["id"].as_str().unwrap().to_owned();
    let paths = content_paths(&account_id, &status_id, &poll_id);

    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let app_token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &client_secret), ("scope", "read")])
        .await;
    assert_eq!(app_token.status, 200, "{}", app_token.body);
    let app_only = Api { token: Some(app_token.str("access_token")), ..server.anonymous() };

    for path in &paths {
        let anonymous = server.anonymous().get(path).await;
        assert_eq!(anonymous.status, 401, "{path} without a token: {}", anonymous.text);
        assert_eq!(anonymous.error(), "This API requires an authenticated user", "{path}");
        assert_eq!(app_only.get(path).await.status, 401, "{path} with an app's own token (anyone can register an app)");
    }
    let websocket = format!("{}/api/v1/streaming?stream=public", server.base.replace("http://", "ws://")).into_client_request().unwrap();
    match tokio_tungstenite::connect_async(websocket).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("an anonymous public stream opened: {:?}", other.map(|(_, response)| response.status())),
    }

    let bob = server.login("bob").await;
    for path in paths.iter().filter(|p| !p.starts_with("/api/v1/streaming")) {
        let signed_in = bob.get(path).await;
        assert_eq!(signed_in.status, 200, "{path} for a signed-in user: {}", signed_in.text);
    }
    let stream = bob.client.get(format!("{}/api/v1/streaming/public", server.base)).bearer_auth(bob.token.clone().unwrap()).send().await.unwrap();
    assert_eq!(stream.status(), 200, "a signed-in user's public stream");
}

async fn what_apps_need_before_sign_in_stays_open(server: TestServer) {
    server.create_user("ann").await;
    let anonymous = server.anonymous();
    let domain = &server.settings.domain;
    for path in [
        "/api/v1/instance".to_owned(),
        "/api/v2/instance".to_owned(),
        "/api/v1/custom_emojis".to_owned(),
        "/.well-known/nodeinfo".to_owned(),
        "/nodeinfo/2.0".to_owned(),
        "/.well-known/oauth-authorization-server".to_owned(),
        "/api/v1/streaming/health".to_owned(),
        format!("/.well-known/webfinger?resource=acct:ann@{domain}"),
    ] {
        let answered = anonymous.get(&path).await;
        assert_eq!(answered.status, 200, "{path}: {}", answered.text);
    }
    let (client_id, _) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let page = anonymous.get(&format!("/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read")).await;
    assert_eq!(page.status, 200, "the sign-in page");
    let token = server.token_for("ann", "read").await;
    assert_eq!(token.me().await.status, 200, "the password grant signs in");
}
