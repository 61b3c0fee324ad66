//! The admin page over HTTP: signing in through the authorize page, what each role may open, forms that act
//! only with the page's CSRF token. (The browser test in tests/e2e/admin.mjs walks the same page in Chromium.)

use crate::support::{Api, TestServer, PASSWORD};

crate::on_both_backends!(staff_sign_in_to_the_admin_page_and_act_through_its_forms);

fn field<'a>(html: &'a str, name: &str) -> &'a str {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_else(|| panic!("{name} in the page"))
}

/// Fills in the authorize page at `authorize` and approves; answers where it sends the browser back.
async fn approve_on_authorize_page(browser: &Api, authorize: &str, login: &str) -> String {
    let page = browser.send(browser.client.get(authorize)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    let form = [
        ("csrf_token", field(html, "csrf_token")),
        ("response_type", "code"),
        ("client_id", field(html, "client_id")),
        ("redirect_uri", field(html, "redirect_uri")),
        ("scope", field(html, "scope")),
        ("state", field(html, "state")),
        ("login", login),
        ("password", PASSWORD),
        ("decision", "approve"),
    ];
    let approved = browser.post_form("/oauth/authorize", &form).await;
    assert_eq!(approved.status, 302, "{}", approved.text);
    approved.header("location").unwrap()
}

/// Signs in at /admin as the authorize page lets anyone: follows the redirects by hand, as a browser would.
async fn sign_in(server: &TestServer, login: &str) -> Api {
    let browser = server.anonymous();
    let start = browser.get("/admin").await;
    assert_eq!((start.status, start.header("location").as_deref()), (303, Some("/admin/sign_in")));
    let to_authorize = browser.get("/admin/sign_in").await;
    assert_eq!(to_authorize.status, 302);
    let authorize = to_authorize.header("location").unwrap();
    let callback = approve_on_authorize_page(&browser, &authorize, login).await;
    assert!(callback.contains("/admin/callback?code="), "{callback}");
    let back = browser.send(browser.client.get(&callback)).await;
    assert_eq!((back.status, back.header("location").as_deref()), (303, Some("/admin")));
    browser
}

/// A sign-in by someone who is not staff: the callback refuses it and no session cookie is set.
async fn refused_sign_in(server: &TestServer, login: &str) -> String {
    let browser = server.anonymous();
    let authorize = browser.get("/admin/sign_in").await.header("location").unwrap();
    let callback = approve_on_authorize_page(&browser, &authorize, login).await;
    let refused = browser.send(browser.client.get(&callback)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(browser.get("/admin").await.status, 303, "no session was kept");
    refused.text
}

async fn staff_sign_in_to_the_admin_page_and_act_through_its_forms(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let ann = server.create_user("ann").await;

    let root = sign_in(&server, "root@corp.example").await;
    let dashboard = root.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.text.contains("<h1>Dashboard</h1>") && dashboard.text.contains("Deliveries to peers"), "{}", dashboard.text);
    assert!(dashboard.text.contains("Local posts") && dashboard.text.contains(&format!("Running Hallway {}", env!("CARGO_PKG_VERSION"))), "{}", dashboard.text);
    assert!(dashboard.header("content-security-policy").unwrap().contains("default-src 'none'"), "no scripts run on the page");
    let csrf = field(&dashboard.text, "csrf").to_owned();

    let allowed = root.post_form("/admin/peers", &[("csrf", &csrf), ("host", "eng.corp.example")]).await;
    assert_eq!((allowed.status, allowed.header("location").as_deref()), (303, Some("/admin/peers?done=allowed")));
    let peers = root.get("/admin/peers?done=allowed").await;
    assert!(peers.text.contains("eng.corp.example") && peers.text.contains("The peer is allowed."), "{}", peers.text);
    assert_eq!(root.post_form("/admin/peers", &[("host", "evil.example")]).await.status, 403, "a form without the token");
    assert_eq!(root.post_form("/admin/peers", &[("csrf", "guess"), ("host", "evil.example")]).await.status, 403);
    assert!(!root.get("/admin/peers").await.text.contains("evil.example"));

    let silenced = root.post_form(&format!("/admin/accounts/{}/moderate", ann.id.0), &[("csrf", &csrf), ("do", "silence")]).await;
    assert_eq!(silenced.status, 303);
    let found = root.get("/admin/accounts?q=ann").await;
    assert!(found.text.contains("silenced"), "{}", found.text);
    let promoted = root.post_form(&format!("/admin/accounts/{}/role", ann.id.0), &[("csrf", &csrf), ("role", "moderator")]).await;
    assert_eq!(promoted.status, 303);
    let announced = root.post_form("/admin/announcements", &[("csrf", &csrf), ("text", "Fire drill at 3pm"), ("starts_at", "2030-01-10T15:00"), ("ends_at", "2030-01-10T16:00")]).await;
    assert_eq!(announced.status, 303, "{}", announced.text);
    assert!(root.get("/admin/announcements").await.text.contains("Fire drill at 3pm"));
    let audit = root.get("/admin/audit").await.text;
    for action in ["create_domain_allow", "silence_account", "change_role", "create_announcement"] {
        assert!(audit.contains(action), "{action} in the audit page");
    }

    let moderator = sign_in(&server, "mod@corp.example").await;
    assert_eq!(moderator.get("/admin/reports").await.status, 200);
    let refused = moderator.get("/admin/peers").await;
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("This section is for admins."));
    let moderator_csrf = field(&moderator.get("/admin").await.text, "csrf").to_owned();
    assert_eq!(moderator.post_form("/admin/peers", &[("csrf", &moderator_csrf), ("host", "x.example")]).await.status, 403);
    assert!(!moderator.get("/admin").await.text.contains("href=\"/admin/peers\""), "the navigation leaves out what a moderator cannot open");

    server.create_user("bob").await;
    let refused = refused_sign_in(&server, "bob@corp.example").await;
    assert!(refused.contains("admins and moderators."), "{refused}");
    let with_api_token = server.token_for("root", "read write admin:read admin:write").await;
    let borrowed = server.anonymous();
    let cookie = format!("hallway_admin={}", with_api_token.token.clone().unwrap());
    let page = borrowed.send(borrowed.request(reqwest::Method::GET, "/admin").header("Cookie", cookie)).await;
    assert_eq!(page.status, 303, "only the page's own session opens it, not any token of an admin");

    assert_eq!(root.post_form("/admin/sign_out", &[("csrf", "forged")]).await.status, 403, "signing out needs the token too");

    let signed_out = root.post_form("/admin/sign_out", &[("csrf", &csrf)]).await;
    assert_eq!(signed_out.status, 200);
    assert_eq!(root.get("/admin").await.status, 303, "signed out, the page asks to sign in again");
}
