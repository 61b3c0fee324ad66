//! Closed access (`access.require_login`, the default): content is for signed-in users; what an app needs
//! before anyone signs in stays open.

use hallway::config::{Registrations, Settings};
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
        "/api/v1/instance/activity",
        "/api/v1/instance/peers",
        "/api/v1/accounts?id[]={a}",
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
        "/nodeinfo/2.1".to_owned(),
        "/api/v1/instance/rules".to_owned(),
        "/api/v1/instance/extended_description".to_owned(),
        "/api/v1/instance/privacy_policy".to_owned(),
        "/api/v1/instance/languages".to_owned(),
        "/".to_owned(),
        "/about".to_owned(),
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

fn open_registrations(settings: &mut Settings) {
    settings.registrations = Registrations::Open;
}

fn registrations_with_approval(settings: &mut Settings) {
    settings.registrations = Registrations::Approval;
}

on_both_backends!(registrations_are_closed_by_default);
on_both_backends!(configure = super::open_registrations; open_registrations_give_a_working_token);
on_both_backends!(configure = super::registrations_with_approval; registrations_with_approval_wait_for_a_moderator);

/// An app's own token, as apps get one before registering someone (Mastodon's flow).
async fn app_token(server: &TestServer) -> Api {
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &client_secret), ("scope", "read write")])
        .await;
    Api { token: Some(token.str("access_token")), ..server.anonymous() }
}

fn registration(username: &str) -> serde_json::Value {
    json!({"username": username, "email": format!("{username}@corp.example"), "password": "a long enough password", "agreement": true, "locale": "en"})
}

async fn registrations_are_closed_by_default(server: TestServer) {
    let app = app_token(&server).await;
    let refused = app.post_json("/api/v1/accounts", &registration("zed")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.error(), "Registrations are closed on this instance");
    let v1 = server.anonymous().get("/api/v1/instance").await;
    assert_eq!((v1.body["registrations"].clone(), v1.body["approval_required"].clone()), (json!(false), json!(false)));
    assert_eq!(server.anonymous().get("/api/v2/instance").await.body["registrations"]["enabled"], false);
}

async fn open_registrations_give_a_working_token(server: TestServer) {
    assert_eq!(server.anonymous().get("/api/v1/instance").await.body["registrations"], true);
    assert_eq!(server.anonymous().post_json("/api/v1/accounts", &registration("zed")).await.status, 401, "an app token is needed");
    let app = app_token(&server).await;
    let no_agreement = app.post_json("/api/v1/accounts", &json!({"username": "zed", "email": "zed@corp.example", "password": "a long enough password"})).await;
    assert_eq!(no_agreement.status, 422, "{}", no_agreement.body);
    let registered = app
        .post_form("/api/v1/accounts", &[("username", "zed"), ("email", "zed@corp.example"), ("password", "a long enough password"), ("agreement", "1")])
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.str("token_type"), "Bearer");
    let zed = Api { token: Some(registered.str("access_token")), ..server.anonymous() };
    assert_eq!(zed.me().await.str("username"), "zed");
    let taken = app.post_json("/api/v1/accounts", &registration("zed")).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
}

async fn registrations_with_approval_wait_for_a_moderator(server: TestServer) {
    let v2 = server.anonymous().get("/api/v2/instance").await;
    assert_eq!((v2.body["registrations"]["enabled"].clone(), v2.body["registrations"]["approval_required"].clone()), (json!(true), json!(true)));
    let app = app_token(&server).await;
    let registered = app.post_json("/api/v1/accounts", &registration("zed")).await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let zed = Api { token: Some(registered.str("access_token")), ..server.anonymous() };
    let pending = zed.me().await;
    assert_eq!((pending.status, pending.error()), (403, "Your login is currently pending approval".to_owned()));

    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let password_grant = [("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "zed"), ("password", "a long enough password"), ("scope", "read")];
    assert_eq!(server.anonymous().post_form("/oauth/token", &password_grant).await.status, 400, "no sign-in before approval");

    let approved = crate::support::hallway_on(&server.settings.database_url, &["user", "approve", "zed"]);
    assert!(approved.contains("zed approved"), "{approved}");
    crate::support::eventually("the approval made by the CLI", async || zed.me().await.status == 200).await;
    assert_eq!(zed.me().await.str("username"), "zed");
    let signed_in = server.anonymous().post_form("/oauth/token", &password_grant).await;
    assert_eq!(signed_in.status, 200, "the password grant once approved: {}", signed_in.body);
}
