//! Single sign-on with the company's OpenID provider (a real `oidc-provider`): a Mastodon app's authorize
//! request goes through the provider and comes back as the app's code; groups decide who may come in.

use serde_json::json;

use crate::oidc_provider::{sign_in_at_provider, OidcProvider};
use crate::support::{postgres_admin_url, Api, Backend, Resp, TestServer, PASSWORD};

const REDIRECT: &str = "https://app.example/callback";

async fn with_provider(backend: Backend, password_sign_in: bool) -> Option<(OidcProvider, TestServer)> {
    with_tampering_provider(backend, password_sign_in, None).await
}

async fn with_tampering_provider(backend: Backend, password_sign_in: bool, tamper: Option<&str>) -> Option<(OidcProvider, TestServer)> {
    let mut provider = None;
    let server = TestServer::start_with(backend, |settings| {
        if let Some(started) = OidcProvider::start(&format!("{}/auth/oidc/callback", settings.base_url()), tamper) {
            settings.oidc = Some(started.settings());
            settings.local_passwords = password_sign_in;
            provider = Some(started);
        }
    })
    .await?;
    Some((provider?, server))
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("csrf field").to_owned()
}

fn path_of(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// A Mastodon app's sign-in through the provider: the callback's answer (a redirect to the app on success).
async fn through_provider(server: &TestServer, login: &str) -> (Resp, (String, String)) {
    let (client_id, client_secret) = server.register_app("read write", REDIRECT).await;
    let browser = server.anonymous();
    let page = browser.get(&format!("/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=read+write&state=xyz", urlencode(REDIRECT))).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Sign in with Corp"), "the page offers single sign-on");
    let csrf = csrf_of(&page.text);
    let started = browser
        .post_form("/oauth/authorize/oidc", &[("csrf_token", &csrf), ("response_type", "code"), ("client_id", &client_id), ("redirect_uri", REDIRECT), ("scope", "read write"), ("state", "xyz")])
        .await;
    assert_eq!(started.status, 302, "{}", started.text);
    let back = sign_in_at_provider(&started.header("location").unwrap(), login).await;
    assert!(back.starts_with(&format!("{}/auth/oidc/callback?", server.base)), "{back}");
    (browser.get(&path_of(&back)).await, (client_id, client_secret))
}

/// The whole way from the app's authorize URL to a working token.
async fn token_through_provider(server: &TestServer, login: &str) -> Api {
    let (callback, (client_id, client_secret)) = through_provider(server, login).await;
    assert_eq!(callback.status, 302, "{}", callback.text);
    let location = callback.header("location").unwrap();
    assert!(location.starts_with(REDIRECT) && location.contains("state=xyz"), "{location}");
    let code = url::Url::parse(&location).unwrap().query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).unwrap();
    let token = server
        .anonymous()
        .post_json("/oauth/token", &json!({"grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret, "code": code, "redirect_uri": REDIRECT}))
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    Api { token: Some(token.str("access_token")), ..server.anonymous() }
}

async fn company_accounts_sign_in_through_the_provider(backend: Backend) {
    let Some((_provider, server)) = with_provider(backend, true).await else { return };
    let ann = token_through_provider(&server, "ann").await.me().await;
    assert_eq!((ann.str("username"), ann.str("display_name")), ("ann".to_owned(), "Ann from the directory".to_owned()));
    assert_eq!(ann.body["role"]["name"], "");
    let again = token_through_provider(&server, "ann").await.me().await;
    assert_eq!(again.str("id"), ann.str("id"), "the same account, made once");
    assert_eq!(token_through_provider(&server, "cat").await.me().await.body["role"]["name"], "Admin", "from the groups claim");

    let (outsider, _) = through_provider(&server, "dan").await;
    assert_eq!(outsider.status, 403, "{}", outsider.text);
    assert!(outsider.text.contains("may not use this instance"));
    let users = server.db.read(hallway::service::accounts::list_users).await.unwrap();
    assert_eq!(users.len(), 2, "no account for the outsider");
}

async fn a_callback_is_good_once(backend: Backend) {
    let Some((_provider, server)) = with_provider(backend, true).await else { return };
    let (client_id, _) = server.register_app("read", REDIRECT).await;
    let browser = server.anonymous();
    let page = browser.get(&format!("/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=read", urlencode(REDIRECT))).await;
    let started = browser
        .post_form("/oauth/authorize/oidc", &[("csrf_token", &csrf_of(&page.text)), ("client_id", &client_id), ("redirect_uri", REDIRECT), ("scope", "read")])
        .await;
    let back = path_of(&sign_in_at_provider(&started.header("location").unwrap(), "ann").await);
    assert_eq!(browser.get(&back).await.status, 302);
    let replayed = browser.get(&back).await;
    assert_eq!(replayed.status, 400, "a state is good once: {}", replayed.text);
    let forged = browser.get("/auth/oidc/callback?code=made-up&state=made-up").await;
    assert_eq!(forged.status, 400, "{}", forged.text);
    let no_csrf = server.anonymous().post_form("/oauth/authorize/oidc", &[("client_id", &client_id), ("redirect_uri", REDIRECT)]).await;
    assert_eq!(no_csrf.status, 403, "the button's form carries the page's CSRF token");
}

async fn single_sign_on_only_keeps_an_emergency_door(backend: Backend) {
    let Some((mut provider, server)) = with_provider(backend, false).await else { return };
    server.create_admin("root").await;
    let (client_id, client_secret) = server.register_app("read", REDIRECT).await;
    let grant = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "root"), ("password", PASSWORD), ("scope", "read")])
        .await;
    assert_eq!(grant.status, 400, "local passwords are off: {}", grant.body);

    let query = format!("response_type=code&client_id={client_id}&redirect_uri={}&scope=read", urlencode(REDIRECT));
    let browser = server.anonymous();
    let page = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert!(!page.text.contains("name=\"password\""), "no password form");
    let local = browser.get(&format!("/oauth/authorize?{query}&local=1")).await;
    assert!(local.text.contains("name=\"password\""), "?local=1 offers the password");
    let signed_in = browser
        .post_form(
            "/oauth/authorize",
            &[("csrf_token", &csrf_of(&local.text)), ("client_id", &client_id), ("redirect_uri", REDIRECT), ("scope", "read"), ("local", "1"), ("login", "root"), ("password", PASSWORD), ("decision", "approve")],
        )
        .await;
    assert_eq!(signed_in.status, 302, "the emergency administrator: {}", signed_in.text);

    provider.stop();
    let down = browser.post_form("/oauth/authorize/oidc", &[("csrf_token", &csrf_of(&local.text)), ("client_id", &client_id), ("redirect_uri", REDIRECT), ("scope", "read")]).await;
    assert_eq!(down.status, 503, "{}", down.text);
    assert!(down.text.contains("cannot be reached"), "{}", down.text);
}

async fn bad_id_tokens_are_refused(backend: Backend) {
    for tamper in ["signature", "expired"] {
        let Some((_provider, server)) = with_tampering_provider(backend, true, Some(tamper)).await else { return };
        let (callback, _) = through_provider(&server, "ann").await;
        assert_eq!(callback.status, 401, "an ID token with a bad {tamper}: {}", callback.text);
        assert!(callback.text.contains("could not be verified"), "{}", callback.text);
        let users = server.db.read(hallway::service::accounts::list_users).await.unwrap();
        assert!(users.is_empty(), "nobody was let in with a bad {tamper}");
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

macro_rules! on_both {
    ($($test:ident),*) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test(super::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if super::postgres_admin_url().is_some() {
                        super::$test(super::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}

on_both!(
    company_accounts_sign_in_through_the_provider,
    a_callback_is_good_once,
    single_sign_on_only_keeps_an_emergency_door,
    bad_id_tokens_are_refused
);
