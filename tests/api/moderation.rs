//! Mastodon's admin API for accounts, reports and the instance's blocks: what each role may do, what each
//! action does to the account as others see it, and the blocks at registration, sign-in and federation.

use hallway::config::{Registrations, Settings};
use serde_json::{json, Value};

use crate::support::{Api, TestServer};

crate::on_both_backends!(admins_and_moderators_list_accounts, moderators_act_on_accounts, moderators_handle_reports, admins_keep_domain_blocks, the_dashboard_has_its_figures);
crate::on_both_backends!(configure = super::registrations_behind_a_proxy; blocks_apply_at_registration_and_sign_in);
crate::on_both_backends!(configure = super::registrations_with_approval; registrations_are_approved_or_rejected);
crate::on_both_backends!(moderators_review_trends);
crate::on_both_backends!(configure = super::trends_need_review; only_approved_trends_when_review_is_required);

const ADMIN_SCOPES: &str = "read write admin:read admin:write";

fn registrations_behind_a_proxy(settings: &mut Settings) {
    settings.registrations = Registrations::Open;
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

fn registrations_with_approval(settings: &mut Settings) {
    settings.registrations = Registrations::Approval;
}

fn usernames(found: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = found.iter().map(|a| a["username"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

async fn admin_accounts(api: &Api, query: &str) -> Vec<String> {
    let found = api.get(&format!("/api/v2/admin/accounts?{query}")).await;
    assert_eq!(found.status, 200, "{query}: {}", found.body);
    usernames(found.array())
}

async fn admins_and_moderators_list_accounts(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let ann = server.create_user("ann").await;
    server.create_user("bob").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    assert_eq!(sign_in(&server, "ann", "203.0.113.5").await, 200);

    let v1 = root.get("/api/v1/admin/accounts?local=true").await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(usernames(v1.array()), ["ann", "bob", "mod", "root"]);
    let shown = root.get(&format!("/api/v1/admin/accounts/{}", ann.id.0)).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let entity = &shown.body;
    for field in ["id", "username", "domain", "created_at", "email", "ip", "ips", "locale", "invite_request", "role", "confirmed", "approved", "disabled", "silenced", "suspended", "sensitized", "account", "created_by_application_id", "invited_by_account_id"] {
        assert!(entity.get(field).is_some(), "Admin::Account has {field}: {entity}");
    }
    assert_eq!((entity["email"].as_str(), entity["domain"].clone()), (Some("ann@corp.example"), Value::Null));
    assert_eq!(entity["ip"], "127.0.0.1", "the address ann signed in from; X-Forwarded-For counts only from a trusted proxy");
    assert_eq!(entity["ips"][0]["ip"], "127.0.0.1");
    assert_eq!((entity["approved"].clone(), entity["disabled"].clone(), entity["silenced"].clone()), (json!(true), json!(false), json!(false)));
    assert_eq!(entity["account"]["acct"], "ann");
    assert_eq!(entity["role"]["id"], "-99");

    assert_eq!(admin_accounts(&moderator, "origin=local&permissions=staff").await, ["mod", "root"]);
    assert_eq!(admin_accounts(&moderator, "role_ids[]=1").await, ["mod"]);
    assert_eq!(admin_accounts(&moderator, "username=an").await, ["ann"]);
    assert_eq!(admin_accounts(&moderator, "email=bob@").await, ["bob"]);
    assert_eq!(admin_accounts(&moderator, "origin=remote").await, Vec::<String>::new());
    assert_eq!(admin_accounts(&moderator, "status=silenced").await, Vec::<String>::new());
    assert_eq!(moderator.get("/api/v2/admin/accounts?status=asleep").await.status, 422);
    assert_eq!(moderator.get("/api/v2/admin/accounts?role_ids[]=77").await.status, 422);
    let first = root.get("/api/v2/admin/accounts?limit=2").await;
    assert_eq!(first.array().len(), 2);
    assert!(first.header("link").unwrap().contains("rel=\"next\""));
    assert_eq!(root.get("/api/v1/admin/accounts/123").await.status, 404);

    let user = server.token_for("bob", ADMIN_SCOPES).await;
    let refused = user.get("/api/v2/admin/accounts").await;
    assert_eq!((refused.status, refused.error()), (403, "This action is not allowed".to_owned()));
    let without_scope = server.token_for("root", "read write").await;
    assert_eq!(without_scope.get("/api/v2/admin/accounts").await.status, 403, "admin:read is needed");
    let granular = server.token_for("root", "admin:read:accounts").await;
    assert_eq!(granular.get("/api/v2/admin/accounts").await.status, 200);
    assert_eq!(granular.get("/api/v1/admin/reports").await.status, 403, "admin:read:accounts does not read reports");
}

async fn public_texts(server: &TestServer) -> Vec<String> {
    let public = server.token_for("root", "read").await.get("/api/v1/timelines/public").await;
    assert_eq!(public.status, 200, "{}", public.body);
    public.array().iter().map(|s| s["content"].as_str().unwrap().to_owned()).collect()
}

async fn act(api: &Api, account: &hallway::db::models::Account, form: &[(&str, &str)]) -> crate::support::Resp {
    api.post_form(&format!("/api/v1/admin/accounts/{}/action", account.id.0), form).await
}

async fn moderators_act_on_accounts(server: TestServer) {
    let root_account = server.create_admin("root").await;
    let moderator_account = server.create_moderator("mod").await;
    let ann_account = server.create_user("ann").await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let ann = server.token_for("ann", "read write follow").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    assert_eq!(carol.post(&format!("/api/v1/accounts/{}/follow", ann_account.id.0)).await.status, 200);
    ann.toot("Lunch and learn on Friday", json!({})).await;
    assert!(public_texts(&server).await.iter().any(|t| t.contains("Lunch and learn")));

    let silenced = act(&moderator, &ann_account, &[("type", "silence"), ("text", "Too many all-hands posts")]).await;
    assert_eq!(silenced.status, 200, "{}", silenced.body);
    assert!(!public_texts(&server).await.iter().any(|t| t.contains("Lunch and learn")), "a silenced account is out of public timelines");
    let seen = bob.get(&format!("/api/v1/accounts/{}", ann_account.id.0)).await;
    assert_eq!(seen.body["limited"], true, "{}", seen.body);
    ann.toot("@bob @carol please read this", json!({})).await;
    let kinds = |api: &Api| {
        let api = api.clone();
        async move { api.get("/api/v1/notifications?types[]=mention").await.array().len() }
    };
    assert_eq!(kinds(&bob).await, 0, "a silenced account reaches no one who does not follow it");
    assert_eq!(kinds(&carol).await, 1, "its followers still hear it");
    assert_eq!(admin_accounts(&moderator, "status=silenced").await, ["ann"]);
    let unsilenced = moderator.post(&format!("/api/v1/admin/accounts/{}/unsilence", ann_account.id.0)).await;
    assert_eq!((unsilenced.status, unsilenced.body["silenced"].clone()), (200, json!(false)));
    assert!(public_texts(&server).await.iter().any(|t| t.contains("Lunch and learn")));

    assert_eq!(act(&moderator, &ann_account, &[("type", "sensitive")]).await.status, 200);
    assert_eq!(moderator.get(&format!("/api/v1/admin/accounts/{}", ann_account.id.0)).await.body["sensitized"], true);
    assert_eq!(ann.toot("Photos from the offsite", json!({})).await.body["sensitive"], true, "what a sensitized account posts is sensitive");
    assert_eq!(moderator.post(&format!("/api/v1/admin/accounts/{}/unsensitive", ann_account.id.0)).await.body["sensitized"], false);

    assert_eq!(act(&moderator, &ann_account, &[("type", "disable")]).await.status, 200);
    let refused = ann.me().await;
    assert_eq!((refused.status, refused.error()), (403, "Your login is currently disabled".to_owned()));
    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = [("grant_type", "password"), ("client_id", &client_id), ("client_secret", &client_secret), ("username", "ann"), ("password", crate::support::PASSWORD), ("scope", "read")];
    assert_eq!(server.anonymous().post_form("/oauth/token", &grant).await.status, 403, "a disabled user cannot sign in");
    assert_eq!(bob.get(&format!("/api/v1/accounts/{}", ann_account.id.0)).await.status, 200, "a disabled account stays visible");
    assert_eq!(moderator.post(&format!("/api/v1/admin/accounts/{}/enable", ann_account.id.0)).await.body["disabled"], false);
    assert_eq!(server.anonymous().post_form("/oauth/token", &grant).await.status, 200);

    assert_eq!(act(&moderator, &ann_account, &[("type", "suspend")]).await.status, 200);
    assert_eq!(bob.get(&format!("/api/v1/accounts/{}", ann_account.id.0)).await.status, 404, "a suspended account is gone");
    assert_eq!(admin_accounts(&moderator, "status=suspended").await, ["ann"]);
    assert_eq!(moderator.post(&format!("/api/v1/admin/accounts/{}/unsuspend", ann_account.id.0)).await.body["suspended"], false);
    assert_eq!(bob.get(&format!("/api/v1/accounts/{}", ann_account.id.0)).await.status, 200);

    let other_admin = server.create_admin("root2").await;
    for (who, target, why) in [
        (&moderator, &root_account, "a moderator does not act on an admin"),
        (&root, &other_admin, "nor an admin on another admin (the command line can)"),
        (&moderator, &moderator_account, "nor on themselves"),
        (&bob, &ann_account, "a user acts on no one"),
    ] {
        assert_eq!(act(who, target, &[("type", "silence")]).await.status, 403, "{why}");
    }
    assert_eq!(act(&moderator, &ann_account, &[("type", "banish")]).await.status, 422);
    assert_eq!(moderator.post(&format!("/api/v1/admin/accounts/{}/approve", ann_account.id.0)).await.status, 403, "ann is not awaiting approval");

    let ann_path = format!("/api/v1/admin/accounts/{}", ann_account.id.0);
    assert_eq!(root.delete(&ann_path).await.status, 403, "only a suspended account's data is deleted");
    assert_eq!(act(&root, &ann_account, &[("type", "suspend")]).await.status, 200);
    assert_eq!(moderator.delete(&ann_path).await.status, 403, "deleting data is for admins");
    assert_eq!(carol.me().await.body["following_count"], 1);
    assert_eq!(root.delete(&ann_path).await.status, 200);
    assert_eq!(root.get(&ann_path).await.status, 404);
    assert_eq!(carol.me().await.body["following_count"], 0, "counts follow the deleted account");

    let log = root.get("/api/v1/admin/audit_log").await;
    let actions: Vec<&str> = log.array().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["silence_account", "unsilence_account", "sensitive_account", "unsensitive_account", "disable_user", "enable_user", "suspend_account", "unsuspend_account", "destroy_account"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let silence = log.array().iter().find(|e| e["action"] == "silence_account").unwrap();
    assert_eq!((silence["actor"].as_str(), silence["text"].as_str()), (Some("@mod"), Some("Too many all-hands posts")));
}

async fn registrations_are_approved_or_rejected(server: TestServer) {
    server.create_moderator("mod").await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let app_token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &client_secret), ("scope", "read write")])
        .await;
    let app = Api { token: Some(app_token.str("access_token")), ..server.anonymous() };
    let mut tokens = Vec::new();
    for name in ["zed", "yan"] {
        let registered = app
            .post_json("/api/v1/accounts", &json!({"username": name, "email": format!("{name}@corp.example"), "password": "a long enough password", "agreement": true, "reason": "I run the Lyon office"}))
            .await;
        assert_eq!(registered.status, 200, "{}", registered.body);
        tokens.push(Api { token: Some(registered.str("access_token")), ..server.anonymous() });
    }
    let pending = moderator.get("/api/v2/admin/accounts?status=pending").await;
    assert_eq!(usernames(pending.array()), ["yan", "zed"]);
    assert_eq!(pending.array()[0]["invite_request"], "I run the Lyon office");
    assert_eq!(pending.array()[0]["approved"], false);
    let id_of = |name: &str| pending.array().iter().find(|a| a["username"] == name).unwrap()["id"].as_str().unwrap().to_owned();

    let approved = moderator.post(&format!("/api/v1/admin/accounts/{}/approve", id_of("zed"))).await;
    assert_eq!((approved.status, approved.body["approved"].clone()), (200, json!(true)), "{}", approved.body);
    assert_eq!(tokens[0].me().await.status, 200);
    let rejected = moderator.post(&format!("/api/v1/admin/accounts/{}/reject", id_of("yan"))).await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(moderator.get(&format!("/api/v1/admin/accounts/{}", id_of("yan"))).await.status, 404, "a rejected registration is gone");
    assert_eq!(tokens[1].me().await.status, 401);
    assert_eq!(admin_accounts(&moderator, "status=pending").await, Vec::<String>::new());
}

async fn moderators_handle_reports(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let ann = server.login("ann").await;
    let bob_account = server.create_user("bob").await;
    let bob = server.token_for("bob", "read write").await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let posted = bob.toot("Buy my cryptocurrency", json!({})).await;
    let filed = ann
        .post_json("/api/v1/reports", &json!({"account_id": bob_account.id.0.to_string(), "status_ids": [posted.id()], "comment": "Spam", "category": "spam"}))
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);

    let open = moderator.get("/api/v1/admin/reports").await;
    assert_eq!(open.status, 200, "{}", open.body);
    let report = &open.array()[0];
    assert_eq!((report["account"]["username"].as_str(), report["target_account"]["username"].as_str()), (Some("ann"), Some("bob")));
    assert_eq!((report["category"].as_str(), report["comment"].as_str(), report["action_taken"].clone()), (Some("spam"), Some("Spam"), json!(false)));
    assert_eq!(report["statuses"][0]["id"], posted.id());
    assert_eq!(report["target_account"]["email"], "bob@corp.example", "moderators see the reported account's user");
    let path = format!("/api/v1/admin/reports/{}", report["id"].as_str().unwrap());

    let assigned = moderator.post(&format!("{path}/assign_to_self")).await;
    assert_eq!(assigned.body["assigned_account"]["username"], "mod", "{}", assigned.body);
    assert_eq!(moderator.post(&format!("{path}/unassign")).await.body["assigned_account"], Value::Null);
    let resolved = moderator.post(&format!("{path}/resolve")).await;
    assert_eq!((resolved.body["action_taken"].clone(), resolved.body["action_taken_by_account"]["username"].clone()), (json!(true), json!("mod")));
    assert!(moderator.get("/api/v1/admin/reports").await.array().is_empty(), "unresolved ones by default");
    assert_eq!(moderator.get("/api/v1/admin/reports?resolved=true").await.array().len(), 1);
    assert_eq!(moderator.post(&format!("{path}/reopen")).await.body["action_taken"], false);
    assert_eq!(moderator.get(&format!("/api/v1/admin/reports?target_account_id={}", bob_account.id.0)).await.array().len(), 1);
    assert_eq!(moderator.post(&format!("{path}/promote")).await.status, 404);
    let about_mod = bob.post_json("/api/v1/reports", &json!({"account_id": moderator_id(&moderator).await, "comment": "Abuses the role"})).await;
    assert_eq!(about_mod.status, 200, "{}", about_mod.body);
    let own = format!("/api/v1/admin/reports/{}/resolve", about_mod.id());
    assert_eq!(moderator.post(&own).await.status, 403, "a moderator does not close a report about themselves");
    assert_eq!(ann.get("/api/v1/admin/reports").await.status, 403);
    let bob_id = bob_account.id.0.to_string();
    let about_self = bob.post_json("/api/v1/reports", &json!({"account_id": bob_id, "comment": "My account was used by someone else"})).await;
    assert_eq!(about_self.status, 200, "one may report one's own account, as on Mastodon: {}", about_self.body);
    assert_eq!(about_self.body["target_account"]["id"], bob_id.as_str());

    let warned = act(&moderator, &bob_account, &[("type", "none"), ("report_id", report["id"].as_str().unwrap()), ("text", "First warning")]).await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    assert_eq!(moderator.get(&path).await.body["action_taken"], true, "an action names the report it answers");
    let log = moderator.get("/api/v1/admin/audit_log").await;
    let actions: Vec<&str> = log.array().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["warn_account", "reopen_report", "resolve_report", "unassigned_report", "assigned_to_self_report"]);
}

async fn moderator_id(api: &Api) -> String {
    api.me().await.id()
}

async fn remote_account(server: &TestServer, host: &str, name: &str) -> hallway::db::models::Account {
    let (settings, host, name) = (server.settings.clone(), host.to_owned(), name.to_owned());
    server
        .db
        .write(move |tx| {
            let base = format!("https://{host}/users/{name}");
            let account = hallway::db::models::Account {
                domain: Some(host.clone()),
                uri: base.clone(),
                url: base.clone(),
                inbox_url: format!("{base}/inbox"),
                shared_inbox_url: None,
                followers_url: format!("{base}/followers"),
                ..hallway::service::accounts::new_local_account(&settings, &name)
            };
            hallway::service::remote::upsert_account(tx, account)
        })
        .await
        .unwrap()
}

async fn is_allowed(server: &TestServer, host: &str) -> bool {
    let host = host.to_owned();
    server.db.read(move |conn| hallway::service::peers::is_allowed(conn, &host)).await.unwrap()
}

async fn admins_keep_domain_blocks(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let bob = server.login("bob").await;
    server.allow_host("eng.corp.example").await;
    let zed = remote_account(&server, "eng.corp.example", "zed").await;
    let other = remote_account(&server, "ops.corp.example", "otto").await;
    let zed_path = format!("/api/v1/accounts/{}", zed.id.0);

    assert_eq!(moderator.post_json("/api/v1/admin/domain_blocks", &json!({"domain": "eng.corp.example"})).await.status, 403, "blocks are for admins");
    let created = root.post_json("/api/v1/admin/domain_blocks", &json!({"domain": "eng.corp.example", "severity": "silence", "private_comment": "noisy"})).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!((created.body["severity"].as_str(), created.body["private_comment"].as_str()), (Some("silence"), Some("noisy")));
    assert_eq!(created.str("digest").len(), 64);
    assert_eq!(root.post_json("/api/v1/admin/domain_blocks", &json!({"domain": "eng.corp.example"})).await.status, 422);
    assert_eq!(root.post_json("/api/v1/admin/domain_blocks", &json!({"domain": "x.example", "severity": "obliterate"})).await.status, 422);
    assert_eq!(bob.get(&zed_path).await.body["limited"], true, "the domain's accounts are silenced");
    assert!(bob.get(&format!("/api/v1/accounts/{}", other.id.0)).await.body.get("limited").is_none());
    let newcomer = remote_account(&server, "dev.eng.corp.example", "nia").await;
    assert!(newcomer.silenced_at.is_some(), "a new account of a blocked domain (or a subdomain) starts silenced");
    assert!(is_allowed(&server, "eng.corp.example").await, "silence still federates");

    let block_path = format!("/api/v1/admin/domain_blocks/{}", created.id());
    let changed = root.put_json(&block_path, &json!({"severity": "suspend"})).await;
    assert_eq!((changed.status, changed.body["private_comment"].as_str()), (200, Some("noisy")), "{}", changed.body);
    assert_eq!(bob.get(&zed_path).await.status, 404, "a suspended domain's accounts are gone");
    assert!(!is_allowed(&server, "eng.corp.example").await, "a suspended domain is refused even though it is allowed");
    assert!(!is_allowed(&server, "eng.corp.example:8443").await);
    assert_eq!(root.get("/api/v1/admin/domain_blocks").await.array().len(), 1);
    assert_eq!(root.get(&block_path).await.body["severity"], "suspend");

    assert_eq!(root.delete(&block_path).await.status, 200);
    assert!(is_allowed(&server, "eng.corp.example").await);
    let back = bob.get(&zed_path).await;
    assert_eq!(back.status, 200);
    assert!(back.body.get("limited").is_none(), "lifting the block lifts what it did: {}", back.body);
    assert_eq!(root.get(&block_path).await.status, 404);

    let log = root.get("/api/v1/admin/audit_log?target_type=DomainBlock").await;
    let actions: Vec<&str> = log.array().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["destroy_domain_block", "update_domain_block", "create_domain_block"]);
}

async fn register(server: &TestServer, name: &str, email: &str, forwarded_for: Option<&str>) -> crate::support::Resp {
    let (client_id, client_secret) = server.register_app("read write", "urn:ietf:wg:oauth:2.0:oob").await;
    let app_token = server
        .anonymous()
        .post_form("/oauth/token", &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &client_secret), ("scope", "read write")])
        .await;
    let app = Api { token: Some(app_token.str("access_token")), ..server.anonymous() };
    let mut request = app
        .request(reqwest::Method::POST, "/api/v1/accounts")
        .json(&json!({"username": name, "email": email, "password": "a long enough password", "agreement": true}));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    app.send(request).await
}

async fn sign_in(server: &TestServer, name: &str, forwarded_for: &str) -> u16 {
    let (client_id, client_secret) = server.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = [("grant_type", "password"), ("client_id", client_id.as_str()), ("client_secret", &client_secret), ("username", name), ("password", crate::support::PASSWORD), ("scope", "read")];
    let anonymous = server.anonymous();
    anonymous.send(anonymous.request(reqwest::Method::POST, "/oauth/token").header("X-Forwarded-For", forwarded_for).form(&grant)).await.status
}

async fn blocks_apply_at_registration_and_sign_in(server: TestServer) {
    server.create_admin("root").await;
    server.create_user("ann").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;

    let blocked_domain = root.post_json("/api/v1/admin/email_domain_blocks", &json!({"domain": "spam.example"})).await;
    assert_eq!(blocked_domain.status, 200, "{}", blocked_domain.body);
    assert_eq!(blocked_domain.body["history"], json!([]));
    for email in ["x@spam.example", "x@mail.spam.example"] {
        let refused = register(&server, "xavier", email, None).await;
        assert_eq!((refused.status, refused.error()), (422, "Validation failed: Email is on a blocked domain".to_owned()), "{email}");
    }
    assert_eq!(root.get("/api/v1/admin/email_domain_blocks").await.array().len(), 1);

    let canonical = root.post_json("/api/v1/admin/canonical_email_blocks", &json!({"email": "troll.face@corp.example"})).await;
    assert_eq!(canonical.status, 200, "{}", canonical.body);
    assert_eq!(canonical.str("canonical_email_hash").len(), 64);
    let matched = root.post_json("/api/v1/admin/canonical_email_blocks/test", &json!({"email": "TrollFace+again@corp.example"})).await;
    assert_eq!(matched.array().len(), 1, "the same address in another spelling: {}", matched.body);
    assert_eq!(register(&server, "troll", "trollface+x@corp.example", None).await.status, 422);
    assert_eq!(root.post_json("/api/v1/admin/canonical_email_blocks", &json!({"canonical_email_hash": "nothex"})).await.status, 422);

    assert_eq!(root.post_json("/api/v1/admin/ip_blocks", &json!({"ip": "not an address", "severity": "no_access"})).await.status, 422);
    assert_eq!(root.post_json("/api/v1/admin/ip_blocks", &json!({"ip": "198.51.100.0/24"})).await.status, 422, "severity is needed");
    let ip_block = root.post_json("/api/v1/admin/ip_blocks", &json!({"ip": "198.51.100.9/24", "severity": "sign_up_requires_approval", "comment": "guest Wi-Fi", "expires_in": 86400})).await;
    assert_eq!(ip_block.status, 200, "{}", ip_block.body);
    assert_eq!((ip_block.body["ip"].as_str(), ip_block.body["severity"].as_str()), (Some("198.51.100.0/24"), Some("sign_up_requires_approval")));
    assert!(ip_block.body["expires_at"].is_string());
    let guest = register(&server, "guest", "guest@corp.example", Some("198.51.100.7")).await;
    assert_eq!(guest.status, 200, "{}", guest.body);
    let guest = Api { token: Some(guest.str("access_token")), ..server.anonymous() };
    assert_eq!(guest.me().await.status, 403, "a registration from that network waits for approval");
    let pending = root.get("/api/v2/admin/accounts?status=pending").await;
    assert_eq!(pending.array()[0]["ip"], "198.51.100.7", "the address the proxy named");
    let office = register(&server, "office", "office@corp.example", Some("192.0.2.20")).await;
    assert_eq!(Api { token: Some(office.str("access_token")), ..server.anonymous() }.me().await.status, 200);

    let ip_path = format!("/api/v1/admin/ip_blocks/{}", ip_block.id());
    assert_eq!(root.put_json(&ip_path, &json!({"severity": "sign_up_block"})).await.body["comment"], "guest Wi-Fi");
    assert_eq!(register(&server, "guest2", "guest2@corp.example", Some("198.51.100.7")).await.status, 403);
    assert_eq!(sign_in(&server, "ann", "198.51.100.7").await, 200, "sign_up_block leaves sign-in alone");
    assert_eq!(root.put_json(&ip_path, &json!({"severity": "no_access"})).await.status, 200);
    assert_eq!(sign_in(&server, "ann", "198.51.100.7").await, 403, "no_access refuses sign-in");
    assert_eq!(sign_in(&server, "ann", "192.0.2.20").await, 200);
    assert_eq!(root.delete(&ip_path).await.status, 200);
    assert_eq!(sign_in(&server, "ann", "198.51.100.7").await, 200);
    assert_eq!(root.get("/api/v1/admin/ip_blocks").await.array().len(), 0);

    let moderator_account = server.create_moderator("mod").await;
    let moderator = server.token_for(&moderator_account.username, ADMIN_SCOPES).await;
    for path in ["/api/v1/admin/ip_blocks", "/api/v1/admin/email_domain_blocks", "/api/v1/admin/canonical_email_blocks", "/api/v1/admin/domain_allows"] {
        assert_eq!(moderator.get(path).await.status, 403, "{path} is for admins");
    }
    let actions: Vec<String> = root.get("/api/v1/admin/audit_log").await.array().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for expected in ["create_email_domain_block", "create_canonical_email_block", "create_ip_block", "update_ip_block", "destroy_ip_block"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
}

async fn figures(api: &Api, path: &str, body: Value) -> Vec<Value> {
    let found = api.post_json(path, &body).await;
    assert_eq!(found.status, 200, "{path} {body}: {}", found.body);
    found.array().clone()
}

fn by_key<'a>(found: &'a [Value], key: &str) -> &'a Value {
    found.iter().find(|m| m["key"] == key).unwrap_or_else(|| panic!("{key} in {found:?}"))
}

async fn the_dashboard_has_its_figures(server: TestServer) {
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let ann = server.login("ann").await;
    let bob_account = server.create_user("bob").await;
    let bob = server.token_for("bob", "read write").await;
    let posted = ann.toot("Who knows #kubernetes here?", json!({"language": "en"})).await;
    bob.toot("Moi, pour #kubernetes", json!({"language": "fr", "in_reply_to_id": posted.id()})).await;
    bob.post(&format!("/api/v1/statuses/{}/favourite", posted.id())).await;
    ann.post_json("/api/v1/reports", &json!({"account_id": bob_account.id.0.to_string(), "comment": "Off topic"})).await;

    let today = chrono::Utc::now().date_naive();
    let (start, end) = ((today - chrono::Days::new(6)).to_string(), today.to_string());
    let keys = ["active_users", "new_users", "interactions", "opened_reports", "resolved_reports"];
    let measured = figures(&moderator, "/api/v1/admin/measures", json!({"keys": keys, "start_at": start, "end_at": end})).await;
    assert_eq!(measured.len(), 5);
    assert_eq!(by_key(&measured, "active_users")["total"], "3", "ann and bob posted, mod signed in; root did neither");
    assert_eq!(by_key(&measured, "new_users")["total"], "4");
    assert_eq!(by_key(&measured, "interactions")["total"], "2", "a reply and a favourite");
    assert_eq!(by_key(&measured, "opened_reports")["total"], "1");
    assert_eq!(by_key(&measured, "resolved_reports")["total"], "0");
    let days = by_key(&measured, "new_users")["data"].as_array().unwrap();
    assert_eq!(days.len(), 7, "one entry per day");
    assert_eq!(days[6]["value"], "4");
    assert!(days[6]["date"].as_str().unwrap().starts_with(&end));
    assert_eq!(by_key(&measured, "new_users")["previous_total"], "0");

    let tag = ann.get("/api/v1/tags/kubernetes").await.str("id");
    let tagged = figures(&moderator, "/api/v1/admin/measures", json!({"keys": ["tag_uses", "tag_accounts"], "start_at": start, "end_at": end, "tag_uses": {"id": tag}, "tag_accounts": {"id": tag}})).await;
    assert_eq!((by_key(&tagged, "tag_uses")["total"].as_str(), by_key(&tagged, "tag_accounts")["total"].as_str()), (Some("2"), Some("2")));

    let dimensions = figures(&moderator, "/api/v1/admin/dimensions", json!({"keys": ["languages", "software_versions", "space_usage", "sources", "servers"], "start_at": start, "end_at": end})).await;
    let languages = by_key(&dimensions, "languages")["data"].as_array().unwrap();
    assert_eq!(languages.len(), 2, "{languages:?}");
    let versions = by_key(&dimensions, "software_versions")["data"].as_array().unwrap();
    assert_eq!((versions[0]["key"].as_str(), versions[0]["value"].as_str()), (Some("hallway"), Some(env!("CARGO_PKG_VERSION"))));
    assert!(["sqlite", "postgresql"].contains(&versions[1]["key"].as_str().unwrap()));
    let space = by_key(&dimensions, "space_usage")["data"].as_array().unwrap();
    assert_eq!(space[0]["unit"], "bytes");
    assert!(space[0]["value"].as_str().unwrap().parse::<i64>().unwrap() > 0, "{space:?}");
    assert_eq!(by_key(&dimensions, "sources")["data"][0]["key"], "test", "the app that posted");

    let cohorts = moderator.post_form("/api/v1/admin/retention", &[("start_at", &start), ("end_at", &end), ("frequency", "day")]).await;
    assert_eq!(cohorts.status, 200, "{}", cohorts.body);
    let cohort = &cohorts.array()[0];
    assert_eq!((cohort["frequency"].as_str(), cohort["data"][0]["value"].as_str(), cohort["data"][0]["rate"].as_f64()), (Some("day"), Some("4"), Some(1.0)));

    for (body, why) in [
        (json!({"keys": ["active_users"], "end_at": end}), "start_at is needed"),
        (json!({"keys": ["popularity"], "start_at": start, "end_at": end}), "an unknown measure"),
        (json!({"keys": ["tag_uses"], "start_at": start, "end_at": end}), "tag_uses needs its tag"),
        (json!({"keys": ["new_users"], "start_at": end, "end_at": start}), "a period that ends before it starts"),
        (json!({"keys": ["new_users"], "start_at": "+262143-12-30", "end_at": "+262143-12-31"}), "a year out of range"),
    ] {
        assert_eq!(moderator.post_json("/api/v1/admin/measures", &body).await.status, 422, "{why}");
    }
    assert_eq!(ann.post_json("/api/v1/admin/measures", &json!({"keys": ["new_users"], "start_at": start, "end_at": end})).await.status, 403);
}

fn trends_need_review(settings: &mut Settings) {
    settings.trends_require_review = true;
}

async fn trending(api: &Api, kind: &str) -> Vec<Value> {
    let found = api.get(&format!("/api/v1/trends/{kind}")).await;
    assert_eq!(found.status, 200, "{kind}: {}", found.body);
    found.array().clone()
}

/// ann posts a tagged status with a link, and bob favourites it: a tag, a status and a link to trend.
async fn something_to_trend(server: &TestServer) -> (Api, String) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let posted = ann.toot("Our #offsite agenda: https://wiki.corp.example/offsite", json!({})).await;
    assert_eq!(bob.post(&format!("/api/v1/statuses/{}/favourite", posted.id())).await.status, 200);
    (ann, posted.id())
}

async fn moderators_review_trends(server: TestServer) {
    server.create_moderator("mod").await;
    let moderator = server.token_for("mod", ADMIN_SCOPES).await;
    let (ann, status_id) = something_to_trend(&server).await;
    assert_eq!(trending(&ann, "tags").await.len(), 1, "without review required, what is used trends");

    let tags = moderator.get("/api/v1/admin/trends/tags").await;
    assert_eq!(tags.status, 200, "{}", tags.body);
    let tag = &tags.array()[0];
    assert_eq!((tag["name"].as_str(), tag["trendable"].as_bool(), tag["requires_review"].as_bool()), (Some("offsite"), Some(true), Some(true)));
    let rejected = moderator.post(&format!("/api/v1/admin/trends/tags/{}/reject", tag["id"].as_str().unwrap())).await;
    assert_eq!((rejected.status, rejected.body["trendable"].clone(), rejected.body["requires_review"].clone()), (200, json!(false), json!(false)), "{}", rejected.body);
    assert!(trending(&ann, "tags").await.is_empty(), "a rejected tag does not trend");

    let statuses = moderator.get("/api/v1/admin/trends/statuses").await;
    assert_eq!(statuses.array()[0]["id"], status_id);
    assert_eq!(moderator.post(&format!("/api/v1/admin/trends/statuses/{status_id}/reject")).await.body["trendable"], false);
    assert!(trending(&ann, "statuses").await.is_empty());
    assert_eq!(moderator.post(&format!("/api/v1/admin/trends/statuses/{status_id}/approve")).await.body["trendable"], true);
    assert_eq!(trending(&ann, "statuses").await.len(), 1);

    let links = moderator.get("/api/v1/admin/trends/links").await;
    let link = &links.array()[0];
    assert_eq!(link["url"], "https://wiki.corp.example/offsite");
    let link_id = link["id"].as_str().unwrap();
    assert_eq!(moderator.post(&format!("/api/v1/admin/trends/links/{link_id}/reject")).await.body["url"], "https://wiki.corp.example/offsite");
    assert!(trending(&ann, "links").await.is_empty());
    assert_eq!(moderator.post("/api/v1/admin/trends/links/12345/approve").await.status, 404);
    assert_eq!(ann.get("/api/v1/admin/trends/tags").await.status, 403);

    let log = moderator.get("/api/v1/admin/audit_log?target_type=Trend").await;
    let actions: Vec<&str> = log.array().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["reject_trend", "approve_trend", "reject_trend", "reject_trend"]);
}

async fn only_approved_trends_when_review_is_required(server: TestServer) {
    server.create_admin("root").await;
    let root = server.token_for("root", ADMIN_SCOPES).await;
    let (ann, status_id) = something_to_trend(&server).await;
    for kind in ["tags", "statuses", "links"] {
        assert!(trending(&ann, kind).await.is_empty(), "{kind}: nothing trends before a moderator approves it");
    }
    let tag_id = root.get("/api/v1/admin/trends/tags").await.array()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(root.get("/api/v1/admin/trends/tags").await.array()[0]["trendable"], false);
    assert_eq!(root.post(&format!("/api/v1/admin/trends/tags/{tag_id}/approve")).await.body["trendable"], true);
    assert_eq!(root.post(&format!("/api/v1/admin/trends/statuses/{status_id}/approve")).await.status, 200);
    assert_eq!(trending(&ann, "tags").await[0]["name"], "offsite");
    assert_eq!(trending(&ann, "statuses").await[0]["id"], status_id);
    assert!(trending(&ann, "links").await.is_empty(), "the link is still waiting");
}
