//! OAuth: apps, every grant, PKCE, the sign-in page, scopes, revocation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{run_with, Api, Backend, TestServer, PASSWORD};

crate::on_both_backends!(
    apps_register_with_json_or_form,
    password_grant_takes_email_or_username,
    authorization_code_with_pkce_s256,
    authorization_code_without_pkce_needs_the_secret,
    sign_in_page_refuses_forged_forms_and_bad_passwords,
    out_of_band_shows_the_code,
    client_credentials_token_is_app_only,
    scopes_are_enforced_per_endpoint,
    revoked_tokens_stop_working,
    metadata_advertises_s256,
    redirect_uris_that_run_in_the_browser_are_refused,
);

/// An app may register https, http on this machine, a native app's own scheme or the out-of-band URN;
/// never a URI the browser would run or read locally, nor plain http elsewhere, nor one with a fragment.
async fn redirect_uris_that_run_in_the_browser_are_refused(server: TestServer) {
    let api = server.anonymous();
    for refused in [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "http://evil.example/callback",
        "https://app.example/cb#fragment",
    ] {
        let answer = api.post_json("/api/v1/apps", &json!({"client_name": "x", "redirect_uris": refused})).await;
        assert_eq!(answer.status, 422, "{refused}: {}", answer.body);
        assert!(answer.error().contains("Redirect URI"), "{refused}: {}", answer.body);
        let among_others = api.post_form("/api/v1/apps", &[("client_name", "x"), ("redirect_uris", &format!("https://ok.example/cb\n{refused}"))]).await;
        assert_eq!(among_others.status, 422, "{refused} among others: {}", among_others.body);
    }
    for accepted in [
        "urn:ietf:wg:oauth:2.0:oob",
        "https://elk.zone/api/hallway/oauth",
        "http://127.0.0.1:4321/callback",
        "http://localhost:8080/callback",
        "http://[::1]:8080/cb",
        "com.keylesspalace.tusky://oauth",
        "ivory:/oauth",
    ] {
        let answer = api.post_json("/api/v1/apps", &json!({"client_name": "x", "redirect_uris": accepted})).await;
        assert_eq!(answer.status, 200, "{accepted}: {}", answer.body);
        assert_eq!(answer.body["redirect_uri"], accepted);
    }
}

async fn apps_register_with_json_or_form(server: TestServer) {
    let api = server.anonymous();
    let json_app = api
        .post_json("/api/v1/apps", &json!({"client_name": "Phanpy", "redirect_uris": ["https://phanpy.example/"], "scopes": "read write", "website": "https://phanpy.example"}))
        .await;
    assert_eq!(json_app.status, 200, "{}", json_app.body);
    assert_eq!(json_app.body["scopes"], json!(["read", "write"]));
    assert_eq!(json_app.body["redirect_uri"], "https://phanpy.example/");
    assert!(json_app.str("client_secret").len() >= 32);
    let form_app = api
        .post_form("/api/v1/apps", &[("client_name", "toot"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"), ("scopes", "read write follow push")])
        .await;
    assert_eq!(form_app.status, 200, "{}", form_app.body);
    assert_eq!(form_app.body["redirect_uris"], json!(["urn:ietf:wg:oauth:2.0:oob"]));

    let missing_name = api.post_form("/api/v1/apps", &[("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")]).await;
    assert_eq!(missing_name.status, 422);
    assert!(missing_name.error().contains("Name"), "{}", missing_name.body);
    let bad_scope = api.post_form("/api/v1/apps", &[("client_name", "x"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"), ("scopes", "read everything")]).await;
    assert_eq!(bad_scope.status, 422);
    let bad_uri = api.post_form("/api/v1/apps", &[("client_name", "x"), ("redirect_uris", "not a uri")]).await;
    assert_eq!(bad_uri.status, 422);

    let client = Api { token: None, ..server.login("ann").await };
    let unauthenticated = client.get("/api/v1/apps/verify_credentials").await;
    assert_eq!(unauthenticated.status, 401);
}

async fn password_grant_takes_email_or_username(server: TestServer) {
    server.create_user("carol").await;
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let api = server.anonymous();
    for login in ["carol@corp.example", "carol", "CAROL"] {
        let token = api
            .post_json("/oauth/token", &json!({"grant_type": "password", "client_id": client_id, "client_secret": client_secret, "username": login, "password": PASSWORD, "scope": "read"}))
            .await;
        assert_eq!(token.status, 200, "login {login}: {}", token.body);
        assert_eq!(token.str("token_type"), "Bearer");
        assert_eq!(token.str("scope"), "read");
        let me = Api { token: Some(token.str("access_token")), ..api.clone() }.me().await;
        assert_eq!(me.str("username"), "carol");
    }
    let wrong = api
        .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "carol"), ("password", "wrong password")])
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.error(), "invalid_grant");
    let no_secret = api
        .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("username", "carol"), ("password", PASSWORD)])
        .await;
    assert_eq!(no_secret.status, 401);
    assert_eq!(no_secret.error(), "invalid_client");
    let beyond_app = api
        .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "carol"), ("password", PASSWORD), ("scope", "read push")])
        .await;
    assert_eq!(beyond_app.status, 400);
    assert_eq!(beyond_app.error(), "invalid_scope");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_grant_can_be_turned_off() {
    run_with(Backend::Sqlite, |s| s.password_grant = false, |server: TestServer| async move {
        server.create_user("dave").await;
        let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
        let refused = server
            .anonymous()
            .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "dave"), ("password", PASSWORD)])
            .await;
        assert_eq!(refused.status, 400);
        assert_eq!(refused.error(), "unsupported_grant_type");
        let metadata = server.anonymous().get("/.well-known/oauth-authorization-server").await;
        assert!(!metadata.body["grant_types_supported"].as_array().unwrap().contains(&json!("password")));
    })
    .await
}

/// Opens the authorize page in a cookie-keeping client and returns the CSRF token of its form.
async fn open_authorize_page(browser: &Api, query: &str) -> String {
    let page = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.text.contains("<form method=\"post\" action=\"/oauth/authorize\">"));
    assert!(page.header("set-cookie").unwrap().contains("HttpOnly"));
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.text.find(marker).expect("csrf field") + marker.len();
    page.text[start..].split('"').next().unwrap().to_owned()
}

fn code_from_location(location: &str) -> String {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("code in redirect")
}

async fn authorization_code_with_pkce_s256(server: TestServer) {
    server.create_user("erin").await;
    let redirect = "https://app.example/callback";
    let (client_id, _) = server.register_app("read write follow", redirect).await;
    let verifier = "a-very-long-random-verifier-string-of-at-least-43-characters";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let browser = server.anonymous();
    let query = format!(
        "response_type=code&client_id={client_id}&redirect_uri={}&scope=read+write&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        urlencode(redirect)
    );
    let csrf = open_authorize_page(&browser, &query).await;
    let approve = browser
        .post_form(
            "/oauth/authorize",
            &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("scope", "read write"), ("state", "xyz"), ("code_challenge", &challenge), ("code_challenge_method", "S256"), ("login", "erin@corp.example"), ("password", PASSWORD), ("decision", "approve")],
        )
        .await;
    assert_eq!(approve.status, 302, "{}", approve.text);
    let location = approve.header("location").unwrap();
    assert!(location.starts_with(redirect) && location.contains("state=xyz"), "{location}");
    let code = code_from_location(&location);

    let api = server.anonymous();
    let wrong_verifier = api
        .post_json("/oauth/token", &json!({"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": redirect, "code_verifier": "not-the-verifier"}))
        .await;
    assert_eq!(wrong_verifier.status, 400);
    assert_eq!(wrong_verifier.error(), "invalid_grant");

    // The failed attempt used the code up; authorize again for the good exchange.
    let csrf = open_authorize_page(&browser, &query).await;
    let approve = browser
        .post_form(
            "/oauth/authorize",
            &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("scope", "read write"), ("state", "xyz"), ("code_challenge", &challenge), ("code_challenge_method", "S256"), ("login", "erin"), ("password", PASSWORD), ("decision", "approve")],
        )
        .await;
    let code = code_from_location(&approve.header("location").unwrap());
    let token = api
        .post_json("/oauth/token", &json!({"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": redirect, "code_verifier": verifier}))
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.str("scope"), "read write");
    let user = Api { token: Some(token.str("access_token")), ..api.clone() };
    assert_eq!(user.me().await.str("username"), "erin");

    let reused = api
        .post_json("/oauth/token", &json!({"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": redirect, "code_verifier": verifier}))
        .await;
    assert_eq!(reused.status, 400, "a code works once");

    let deny_csrf = open_authorize_page(&browser, &query).await;
    let denied = browser
        .post_form("/oauth/authorize", &[("csrf_token", &deny_csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("state", "xyz"), ("decision", "deny")])
        .await;
    assert_eq!(denied.status, 302);
    assert!(denied.header("location").unwrap().contains("error=access_denied"));
}

async fn authorization_code_without_pkce_needs_the_secret(server: TestServer) {
    server.create_user("fay").await;
    let redirect = "https://app.example/cb";
    let (client_id, client_secret) = server.register_app("read", redirect).await;
    let browser = server.anonymous();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let csrf = open_authorize_page(&browser, &format!("response_type=code&client_id={client_id}&redirect_uri={}", urlencode(redirect))).await;
        let approve = browser
            .post_form("/oauth/authorize", &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("login", "fay"), ("password", PASSWORD), ("decision", "approve")])
            .await;
        codes.push(code_from_location(&approve.header("location").unwrap()));
    }
    let api = server.anonymous();
    let without_secret = api
        .post_form("/oauth/token", &[("grant_type", "authorization_code"), ("client_id", &client_id), ("code", &codes[0]), ("redirect_uri", redirect)])
        .await;
    assert_eq!(without_secret.status, 401);
    assert_eq!(without_secret.error(), "invalid_client");
    let with_basic_auth = api
        .send(api.client.post(format!("{}/oauth/token", api.base)).basic_auth(&client_id, Some(&client_secret)).form(&[("grant_type", "authorization_code"), ("code", codes[1].as_str()), ("redirect_uri", redirect)]))
        .await;
    assert_eq!(with_basic_auth.status, 200, "{}", with_basic_auth.body);
}

async fn sign_in_page_refuses_forged_forms_and_bad_passwords(server: TestServer) {
    server.create_user("gus").await;
    let redirect = "https://app.example/cb";
    let (client_id, _) = server.register_app("read", redirect).await;
    let browser = server.anonymous();
    let csrf = open_authorize_page(&browser, &format!("client_id={client_id}&redirect_uri={}&response_type=code", urlencode(redirect))).await;

    let forged = server
        .anonymous()
        .post_form("/oauth/authorize", &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("login", "gus"), ("password", PASSWORD), ("decision", "approve")])
        .await;
    assert_eq!(forged.status, 403, "a form without the page's cookie is refused");

    let wrong_password = browser
        .post_form("/oauth/authorize", &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", redirect), ("login", "gus"), ("password", "nope"), ("decision", "approve")])
        .await;
    assert_eq!(wrong_password.status, 401);
    assert!(wrong_password.text.contains("Invalid email, username or password."));
    assert!(wrong_password.text.contains("value=\"gus\""), "the login is kept, the password is not");

    let unknown_client = browser.get("/oauth/authorize?client_id=nope&response_type=code").await;
    assert_eq!(unknown_client.status, 400);
    assert!(unknown_client.text.contains("not registered"));
    let foreign_redirect = browser.get(&format!("/oauth/authorize?client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2F")).await;
    assert_eq!(foreign_redirect.status, 400, "never redirect to an unregistered URI");
    let escaped = browser.get(&format!("/oauth/authorize?client_id={client_id}&redirect_uri={}&state=%3Cscript%3E", urlencode(redirect))).await;
    assert!(!escaped.text.contains("<script>") && escaped.text.contains("&lt;script&gt;"));
}

async fn out_of_band_shows_the_code(server: TestServer) {
    server.create_user("hal").await;
    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let browser = server.anonymous();
    let csrf = open_authorize_page(&browser, &format!("client_id={client_id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&response_type=code")).await;
    let page = browser
        .post_form("/oauth/authorize", &[("csrf_token", &csrf), ("client_id", &client_id), ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"), ("login", "hal"), ("password", PASSWORD), ("decision", "approve")])
        .await;
    assert_eq!(page.status, 200);
    let start = page.text.find("id=\"code\">").unwrap() + "id=\"code\">".len();
    let code = page.text[start..].split('<').next().unwrap();
    let token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "authorization_code"), ("client_id", &client_id), ("client_secret", &client_secret), ("code", code), ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob")])
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
}

async fn client_credentials_token_is_app_only(server: TestServer) {
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &client_secret), ("scope", "read")])
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    let app = Api { token: Some(token.str("access_token")), ..server.anonymous() };
    let verified = app.get("/api/v1/apps/verify_credentials").await;
    assert_eq!(verified.status, 200);
    assert_eq!(verified.str("name"), "test");
    assert!(verified.body.get("client_secret").is_none(), "the secret is shown once only");
    let home = app.get("/api/v1/timelines/home").await;
    assert_eq!(home.status, 422);
    assert_eq!(home.error(), "This method requires an authenticated user");
    assert_eq!(app.get("/api/v1/timelines/public").await.status, 200);
}

async fn scopes_are_enforced_per_endpoint(server: TestServer) {
    let reader = server.login_with_scopes("ivy", "read").await;
    assert_eq!(reader.get("/api/v1/timelines/home").await.status, 200);
    let post = reader.post_json("/api/v1/statuses", &json!({"status": "hi"})).await;
    assert_eq!(post.status, 403);
    assert_eq!(post.error(), "This action is outside the authorized scopes");

    let granular = server.token_for("ivy", "read:accounts write:statuses").await;
    assert_eq!(granular.me().await.status, 200);
    assert_eq!(granular.post_json("/api/v1/statuses", &json!({"status": "hi"})).await.status, 200);
    assert_eq!(granular.get("/api/v1/timelines/home").await.status, 403);
    assert_eq!(granular.get("/api/v1/notifications").await.status, 403);

    let profile_only = server.token_for("ivy", "profile").await;
    assert_eq!(profile_only.me().await.status, 200);
    assert_eq!(profile_only.get("/api/v1/timelines/home").await.status, 403);
}

async fn revoked_tokens_stop_working(server: TestServer) {
    server.create_user("jo").await;
    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let api = server.anonymous();
    let token = api
        .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "jo"), ("password", PASSWORD)])
        .await
        .str("access_token");
    let user = Api { token: Some(token.clone()), ..api.clone() };
    assert_eq!(user.me().await.status, 200);
    let revoked = api.post_form("/oauth/revoke", &[("client_id", &client_id), ("client_secret", &client_secret), ("token", &token)]).await;
    assert_eq!(revoked.status, 200);
    let after = user.me().await;
    assert_eq!(after.status, 401);
    assert_eq!(after.error(), "The access token is invalid");
}

async fn metadata_advertises_s256(server: TestServer) {
    let metadata = server.anonymous().get("/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata.status, 200);
    assert_eq!(metadata.body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(metadata.str("token_endpoint"), format!("{}/oauth/token", server.base));
    assert!(metadata.body["grant_types_supported"].as_array().unwrap().contains(&json!("password")));
    assert!(metadata.body["scopes_supported"].as_array().unwrap().contains(&json!("read:statuses")));
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
