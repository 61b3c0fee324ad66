//! The audit log: admin actions through the API, the command line and the directory are recorded; admins and
//! moderators read it (`/api/v1/admin/audit_log`, `hallway audit`); nothing edits or removes an entry.

use serde_json::json;

use crate::support::{hallway_on, TestServer};

crate::on_both_backends!(admin_actions_are_in_the_audit_log, command_line_actions_are_in_the_audit_log, only_staff_read_the_audit_log);

async fn admin_actions_are_in_the_audit_log(server: TestServer) {
    let root = server.create_admin("root").await;
    let bob = server.create_user("bob").await;
    let admin = server.token_for("root", "read write admin:read admin:write").await;
    let added = admin.post_json("/api/v1/admin/domain_allows", &json!({"domain": "eng.corp.example"})).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let again = admin.post_json("/api/v1/admin/domain_allows", &json!({"domain": "eng.corp.example"})).await;
    assert_eq!(again.id(), added.id());
    assert_eq!(admin.delete(&format!("/api/v1/admin/domain_allows/{}", added.id())).await.status, 200);
    hallway_on(&server.settings.database_url, &["user", "role", "bob", "moderator"]);
    hallway_on(&server.settings.database_url, &["user", "role", "bob", "moderator"]);

    let log = admin.get("/api/v1/admin/audit_log").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.array();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["change_role", "destroy_domain_allow", "create_domain_allow"], "newest first; repeats that change nothing are not actions");
    let role_change = &entries[0];
    assert!(role_change["actor"].as_str().unwrap().starts_with("command line ("), "{role_change}");
    assert_eq!(role_change["account_id"], json!(null));
    assert_eq!((role_change["target_type"].as_str(), role_change["target"].as_str()), (Some("Account"), Some("@bob")));
    assert_eq!(role_change["target_id"], bob.id.0.to_string());
    assert_eq!(role_change["text"], "moderator");
    let allowed = &entries[2];
    assert_eq!(allowed["actor"], "@root");
    assert_eq!(allowed["account_id"], root.id.0.to_string());
    assert_eq!((allowed["target_type"].as_str(), allowed["target"].as_str()), (Some("DomainAllow"), Some("eng.corp.example")));
    assert_eq!(allowed["target_id"], added.id());
    assert!(allowed["created_at"].as_str().unwrap().ends_with('Z'));

    let count = |query: String| {
        let admin = &admin;
        async move {
            let found = admin.get(&format!("/api/v1/admin/audit_log?{query}")).await;
            assert_eq!(found.status, 200, "{query}: {}", found.body);
            found.array().len()
        }
    };
    assert_eq!(count("action=create_domain_allow".into()).await, 1);
    assert_eq!(count(format!("account_id={}", root.id.0)).await, 2);
    assert_eq!(count(format!("target_type=Account&target_id={}", bob.id.0)).await, 1);
    assert_eq!(count("start_at=2000-01-01".into()).await, 3);
    assert_eq!(count("end_at=2000-01-01T00:00:00Z".into()).await, 0);
    assert_eq!(admin.get("/api/v1/admin/audit_log?action=nonsense").await.status, 422);
    assert_eq!(admin.get("/api/v1/admin/audit_log?start_at=yesterday").await.status, 422);
    let first = admin.get("/api/v1/admin/audit_log?limit=1").await;
    assert_eq!(first.array().len(), 1);
    assert!(first.header("link").unwrap().contains("rel=\"next\""));

    let id = role_change["id"].as_str().unwrap();
    for missing in [
        admin.delete(&format!("/api/v1/admin/audit_log/{id}")).await,
        admin.put_json(&format!("/api/v1/admin/audit_log/{id}"), &json!({"text": "nothing happened"})).await,
        admin.post_json("/api/v1/admin/audit_log", &json!({"action": "change_role"})).await,
        admin.delete("/api/v1/admin/audit_log").await,
    ] {
        assert_eq!(missing.status, 404, "entries cannot be written through the API: {}", missing.body);
    }
    assert_eq!(admin.get("/api/v1/admin/audit_log").await.array().len(), 3);

    let printed = hallway_on(&server.settings.database_url, &["audit"]);
    assert!(printed.contains("create_domain_allow") && printed.contains("@root") && printed.contains("eng.corp.example"), "{printed}");
    let by_root = hallway_on(&server.settings.database_url, &["audit", "--actor", "root"]);
    assert!(by_root.contains("destroy_domain_allow") && !by_root.contains("change_role"), "{by_root}");
}

async fn command_line_actions_are_in_the_audit_log(server: TestServer) {
    server.create_user("bob").await;
    let url = server.settings.database_url.clone();
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/assets/missing.png");
    for args in [
        &["user", "suspend", "bob"][..],
        &["user", "unsuspend", "bob"],
        &["emoji", "add", "shipit", image],
        &["emoji", "remove", "shipit"],
    ] {
        hallway_on(&url, args);
    }
    let printed = hallway_on(&url, &["audit"]);
    let rows: Vec<&str> = printed.lines().skip(1).collect();
    let expected = [
        ("destroy_custom_emoji", "CustomEmoji :shipit:"),
        ("create_custom_emoji", "CustomEmoji :shipit:"),
        ("unsuspend_account", "Account @bob"),
        ("suspend_account", "Account @bob"),
    ];
    assert_eq!(rows.len(), expected.len(), "{printed}");
    for (row, (action, target)) in rows.iter().zip(expected) {
        assert!(row.contains("command line (") && row.contains(action) && row.contains(target), "{row} should be {action} {target}");
    }
    assert_eq!(hallway_on(&url, &["audit", "--action", "suspend_account"]).lines().count(), 2);
}

async fn only_staff_read_the_audit_log(server: TestServer) {
    server.create_moderator("mod").await;
    let moderator = server.token_for("mod", "read admin:read").await;
    assert_eq!(moderator.get("/api/v1/admin/audit_log").await.status, 200);
    let moderator_writes = server.token_for("mod", "read write admin:read admin:write").await;
    let refused = moderator_writes.post_json("/api/v1/admin/domain_allows", &json!({"domain": "eng.corp.example"})).await;
    assert_eq!(refused.status, 403, "peers are for admins: {}", refused.body);
    let without_scope = server.token_for("mod", "read write").await;
    assert_eq!(without_scope.get("/api/v1/admin/audit_log").await.status, 403);
    let user = server.login_with_scopes("ann", "read write admin:read admin:write").await;
    assert_eq!(user.get("/api/v1/admin/audit_log").await.status, 403);
    assert_eq!(server.anonymous().get("/api/v1/admin/audit_log").await.status, 401);
}
