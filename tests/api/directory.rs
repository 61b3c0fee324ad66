//! Signing in with the company's LDAP directory, against a real OpenLDAP slapd: accounts made at the first
//! sign-in, roles from groups, people the directory refuses, the sync that suspends and restores them,
//! and the directory going down.

use std::process::Command;

use crate::on_both_backends;
use crate::slapd::{Slapd, ADMINS_GROUP, USERS_GROUP};
use crate::support::{eventually, hallway_on, Api, Resp, TestServer};

on_both_backends!(
    directory_people_sign_in_by_uid_and_by_mail,
    people_the_directory_refuses_cannot_sign_in,
    groups_give_roles,
    sync_suspends_and_restores_with_the_directory,
    a_directory_that_is_down_changes_nothing,
    the_server_syncs_on_its_own,
);

/// A password grant with whatever the person typed.
async fn password_grant(server: &TestServer, login: &str, password: &str) -> Resp {
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    server
        .anonymous()
        .post_form(
            "/oauth/token",
            &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", login), ("password", password), ("scope", "read write")],
        )
        .await
}

async fn signed_in(server: &TestServer, login: &str, password: &str) -> Api {
    let token = password_grant(server, login, password).await;
    assert_eq!(token.status, 200, "{login}: {}", token.body);
    Api { token: Some(token.str("access_token")), ..server.anonymous() }
}

async fn refused(server: &TestServer, login: &str, password: &str) {
    let token = password_grant(server, login, password).await;
    assert_eq!((token.status, token.error()), (400, "invalid_grant".to_owned()), "{login}: {}", token.body);
}

async fn with_directory(base: &TestServer) -> Option<(Slapd, TestServer)> {
    let slapd = Slapd::start().await?;
    let ldap = slapd.settings();
    let server = base.start_sharing_with(move |settings| settings.ldap = Some(ldap)).await;
    Some((slapd, server))
}

async fn directory_people_sign_in_by_uid_and_by_mail(base: TestServer) {
    let Some((_slapd, server)) = with_directory(&base).await else { return };
    let by_uid = signed_in(&server, "ann", "ann-secret").await;
    let me = by_uid.me().await;
    assert_eq!((me.str("username"), me.str("display_name")), ("ann".to_owned(), "Ann Lee".to_owned()));
    assert_eq!(me.body["role"]["name"], "");
    let by_mail = signed_in(&server, "Ann@Corp.Example", "ann-secret").await;
    assert_eq!(by_mail.me().await.str("id"), me.str("id"), "the same account, made once");

    // The sign-in page takes the directory password too.
    let redirect = "https://app.example/callback";
    let (client_id, _) = server.register_app("read", redirect).await;
    let browser = server.anonymous();
    let page = browser.get(&format!("/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=read", urlencode(redirect))).await;
    let csrf = page.text.split("name=\"csrf_token\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("csrf field").to_owned();
    let form = |password: &'static str| {
        [("csrf_token", csrf.clone()), ("client_id", client_id.clone()), ("redirect_uri", redirect.to_owned()), ("scope", "read".to_owned()), ("login", "ann".to_owned()), ("password", password.to_owned()), ("decision", "approve".to_owned())]
    };
    let wrong = browser.post_form("/oauth/authorize", &as_pairs(&form("not-her-password"))).await;
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    let approved = browser.post_form("/oauth/authorize", &as_pairs(&form("ann-secret"))).await;
    assert_eq!(approved.status, 302, "{}", approved.text);
    assert!(approved.header("location").unwrap().contains("code="));
}

async fn people_the_directory_refuses_cannot_sign_in(base: TestServer) {
    let Some((_slapd, server)) = with_directory(&base).await else { return };
    refused(&server, "ann", "wrong-password").await;
    refused(&server, "ann", "").await;
    refused(&server, "nobody", "ann-secret").await;
    refused(&server, "eve", "eve-secret").await;
    refused(&server, "dan", "dan-secret").await;
    // An LDAP filter in the login matches nobody: it is escaped, not obeyed.
    refused(&server, "*)(uid=*", "ann-secret").await;
    refused(&server, "*", "ann-secret").await;
    refused(&server, "ann)(uid=nobody", "ann-secret").await;
    refused(&server, "an*", "ann-secret").await;
    let users = server.db.read(hallway::service::accounts::list_users).await.unwrap();
    assert!(users.is_empty(), "no account was made for the refused: {users:?}");
}

async fn groups_give_roles(base: TestServer) {
    let Some((_slapd, server)) = with_directory(&base).await else { return };
    let cat = signed_in(&server, "cat", "cat-secret").await.me().await;
    assert_eq!(cat.body["role"]["name"], "Admin");
    assert_eq!(cat.body["role"]["permissions"], ((1 << 20) - 1).to_string());
    let bob = signed_in(&server, "bob@corp.example", "bob-secret").await.me().await;
    assert_eq!(bob.body["role"]["name"], "Moderator", "found by a search of a groupOfUniqueNames");
    assert_eq!(signed_in(&server, "ann", "ann-secret").await.me().await.body["role"]["name"], "");
}

async fn sync_suspends_and_restores_with_the_directory(base: TestServer) {
    let Some((slapd, server)) = with_directory(&base).await else { return };
    let ann = signed_in(&server, "ann", "ann-secret").await;
    let cat = signed_in(&server, "cat", "cat-secret").await;
    assert_eq!(ann.me().await.status, 200);

    slapd.remove_from_group("ann", USERS_GROUP).await;
    slapd.remove_from_group("cat", ADMINS_GROUP).await;
    refused(&server, "ann", "ann-secret").await;
    assert_eq!(sync(&server, &slapd), "checked 2 accounts: 1 suspended, 0 restored");
    // The CLI is another process: the server hears of its writes within a fraction of a second.
    eventually("her tokens revoked", async || ann.me().await.status == 401).await;
    eventually("cat no longer an admin", async || cat.me().await.body["role"]["name"] == "").await;
    let audit = hallway_on(&server.settings.database_url, &["audit", "--action", "change_role"]);
    assert!(audit.lines().any(|l| l.contains("directory") && l.contains("Account @cat") && l.ends_with("user")), "{audit}");
    let suspended = hallway_on(&server.settings.database_url, &["audit", "--action", "suspend_account"]);
    assert!(suspended.lines().any(|l| l.contains("directory") && l.contains("Account @ann")), "{suspended}");

    slapd.add_to_group("ann", USERS_GROUP).await;
    assert_eq!(sync(&server, &slapd), "checked 2 accounts: 0 suspended, 1 restored");
    let again = signed_in(&server, "ann", "ann-secret").await;
    assert_eq!(again.me().await.str("username"), "ann");

    slapd.delete_person("ann").await;
    assert_eq!(sync(&server, &slapd), "checked 2 accounts: 1 suspended, 0 restored");
    eventually("her new token revoked", async || again.me().await.status == 401).await;
    refused(&server, "ann", "ann-secret").await;
}

async fn a_directory_that_is_down_changes_nothing(base: TestServer) {
    let Some((mut slapd, server)) = with_directory(&base).await else { return };
    let ann = signed_in(&server, "ann", "ann-secret").await;
    server.create_user("local_admin").await;
    slapd.stop();

    let token = password_grant(&server, "ann", "ann-secret").await;
    assert_eq!(token.status, 503, "{}", token.body);
    assert_eq!(token.error(), "temporarily_unavailable");
    assert!(token.body["error_description"].as_str().unwrap().contains("directory cannot be reached"), "{}", token.body);
    // Someone the directory never vouched for (an emergency administrator) still signs in with a local password.
    signed_in(&server, "local_admin", crate::support::PASSWORD).await;

    let output = cli_sync(&server, &slapd);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("directory cannot be reached"), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(ann.me().await.status, 200, "nobody was suspended");
}

async fn the_server_syncs_on_its_own(base: TestServer) {
    let Some(slapd) = Slapd::start().await else { return };
    let mut ldap = slapd.settings();
    ldap.sync_interval = Some(std::time::Duration::from_millis(300));
    let server = base.start_sharing_with(move |settings| settings.ldap = Some(ldap)).await;
    let ann = signed_in(&server, "ann", "ann-secret").await;
    slapd.remove_from_group("ann", USERS_GROUP).await;
    for _ in 0..50 {
        if ann.me().await.status == 401 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the scheduler's sync (auth.ldap.sync_minutes) did not suspend ann");
}

/// `hallway directory sync`, run as division IT would, on the server's database.
fn cli_sync(server: &TestServer, slapd: &Slapd) -> std::process::Output {
    let ldap = slapd.settings();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallway"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HALLWAY_")) {
        command.env_remove(key);
    }
    command
        .args(["directory", "sync"])
        .current_dir(&server.settings.data_dir.parent().unwrap())
        .env("HALLWAY_DATABASE_URL", &server.settings.database_url)
        .env("HALLWAY_DATA_DIR", &server.settings.data_dir)
        .env("HALLWAY_DOMAIN", &server.settings.domain)
        .env("HALLWAY_AUTH_LDAP_URL", &ldap.url)
        .env("HALLWAY_AUTH_LDAP_BIND_DN", ldap.bind_dn.unwrap())
        .env("HALLWAY_AUTH_LDAP_BIND_PASSWORD", ldap.bind_password.unwrap())
        .env("HALLWAY_AUTH_LDAP_BASE_DN", &ldap.base_dn)
        .env("HALLWAY_AUTH_LDAP_ADMIN_GROUP", ldap.admin_group.unwrap())
        .env("HALLWAY_AUTH_LDAP_MODERATOR_GROUP", ldap.moderator_group.unwrap())
        .env("HALLWAY_AUTH_LDAP_ALLOWED_GROUP", ldap.allowed_group.unwrap())
        .env("HALLWAY_AUTH_LDAP_TIMEOUT_SECONDS", "2")
        .env("RUST_LOG", "warn");
    command.output().expect("run the hallway binary")
}

fn sync(server: &TestServer, slapd: &Slapd) -> String {
    let output = cli_sync(server, slapd);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn as_pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
