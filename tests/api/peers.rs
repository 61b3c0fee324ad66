//! The allowlist of peer instances: CLI and Mastodon's admin API.

use serde_json::json;

use crate::support::{hallway, TestServer};

crate::on_both_backends!(admins_manage_domain_allows, only_admins_see_the_allowlist, old_federation_records_are_pruned);

/// Finished deliveries past a week and received activity ids past two weeks are pruned by the server on its
/// own (at start, then hourly); queued deliveries and recent records stay.
async fn old_federation_records_are_pruned(server: TestServer) {
    use hallway::db::kinds::DeliveryState;
    use hallway::db::models::Delivery;
    use hallway::db::queries::{deliveries, received};
    let now = hallway::ids::now();
    let delivery = |uri: &str, state: DeliveryState, finished: Option<chrono::NaiveDateTime>| Delivery {
        id: hallway::ids::next_id(),
        activity_uri: uri.to_owned(),
        peer_host: "eng.corp.example".into(),
        inbox_url: "https://eng.corp.example/inbox".into(),
        signer_account_id: None,
        body: "{}".into(),
        state,
        attempts: 1,
        next_attempt_at: now + chrono::Duration::days(1),
        leased_until: None,
        last_error: None,
        created_at: finished.unwrap_or(now) - chrono::Duration::hours(1),
        finished_at: finished,
    };
    let old = now - chrono::Duration::days(30);
    let rows = [
        delivery("old-delivered", DeliveryState::Delivered, Some(old)),
        delivery("old-failed", DeliveryState::Failed, Some(old)),
        delivery("recent-delivered", DeliveryState::Delivered, Some(now - chrono::Duration::days(1))),
        delivery("still-queued", DeliveryState::Queued, None),
    ];
    let db = server.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write_blocking(|conn| {
            for row in rows {
                deliveries::insert(conn, row)?;
            }
            received::record(conn, "https://eng.corp.example/old-activity", old)?;
            received::record(conn, "https://eng.corp.example/new-activity", now)?;
            Ok(())
        })
    })
    .await
    .unwrap()
    .unwrap();

    // A process starting on the database prunes at once.
    let _restarted = server.start_sharing().await;
    let db = server.db.clone();
    let remaining = move || {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                db.read_blocking(|conn| {
                    let kept: Vec<bool> = ["old-delivered", "old-failed", "recent-delivered", "still-queued"]
                        .iter()
                        .map(|uri| deliveries::of_activity(conn, uri).map(|rows| !rows.is_empty()))
                        .collect::<Result<_, _>>()?;
                    let seen = [received::seen(conn, "https://eng.corp.example/old-activity")?, received::seen(conn, "https://eng.corp.example/new-activity")?];
                    Ok((kept, seen))
                })
            })
            .await
            .unwrap()
            .unwrap()
        }
    };
    for _ in 0..100 {
        if remaining().await == (vec![false, false, true, true], [false, true]) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not pruned as expected: {:?}", remaining().await);
}

async fn admins_manage_domain_allows(server: TestServer) {
    server.create_admin("root").await;
    let admin = server.token_for("root", "read write admin:read admin:write").await;
    let added = admin.post_json("/api/v1/admin/domain_allows", &json!({"domain": "Eng.Corp.Example"})).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.str("domain"), "eng.corp.example");
    let with_port = admin.post_form("/api/v1/admin/domain_allows", &[("domain", "https://10.0.0.5:8443/")]).await;
    assert_eq!(with_port.str("domain"), "10.0.0.5:8443");
    let again = admin.post_json("/api/v1/admin/domain_allows", &json!({"domain": "eng.corp.example"})).await;
    assert_eq!(again.id(), added.id(), "allowing twice keeps one entry");
    let bad = admin.post_json("/api/v1/admin/domain_allows", &json!({"domain": "not a host"})).await;
    assert_eq!(bad.status, 422);

    let listed = admin.get("/api/v1/admin/domain_allows").await;
    let mut domains: Vec<String> = listed.array().iter().map(|d| d["domain"].as_str().unwrap().to_owned()).collect();
    domains.sort();
    assert_eq!(domains, vec!["10.0.0.5:8443", "eng.corp.example"]);
    assert_eq!(admin.get(&format!("/api/v1/admin/domain_allows/{}", added.id())).await.str("domain"), "eng.corp.example");

    let removed = admin.delete(&format!("/api/v1/admin/domain_allows/{}", added.id())).await;
    assert_eq!(removed.status, 200);
    assert_eq!(admin.get(&format!("/api/v1/admin/domain_allows/{}", added.id())).await.status, 404);
    assert_eq!(admin.get("/api/v1/admin/domain_allows").await.array().len(), 1);
    assert_eq!(admin.delete(&format!("/api/v1/admin/domain_allows/{}", added.id())).await.status, 404);
}

async fn only_admins_see_the_allowlist(server: TestServer) {
    let user = server.login_with_scopes("ann", "read write admin:read admin:write").await;
    assert_eq!(user.get("/api/v1/admin/domain_allows").await.status, 403);
    assert_eq!(user.post_json("/api/v1/admin/domain_allows", &json!({"domain": "x.example"})).await.status, 403);
    server.create_admin("root").await;
    let admin_without_scope = server.token_for("root", "read write").await;
    assert_eq!(admin_without_scope.get("/api/v1/admin/domain_allows").await.status, 403);
    assert_eq!(server.anonymous().get("/api/v1/admin/domain_allows").await.status, 401);
}

fn stdout(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn cli_allows_lists_and_removes_peers() {
    let dir = tempfile::tempdir().unwrap();
    assert!(stdout(&hallway(dir.path(), &["peers", "allow", "eng.corp.example"], &[])).contains("allowed eng.corp.example"));
    assert!(stdout(&hallway(dir.path(), &["peers", "allow", "127.0.0.2:8080"], &[])).contains("allowed 127.0.0.2:8080"));
    let listed = stdout(&hallway(dir.path(), &["peers", "list"], &[]));
    assert!(listed.contains("eng.corp.example") && listed.contains("127.0.0.2:8080") && listed.contains("QUEUED"), "{listed}");
    let removed = stdout(&hallway(dir.path(), &["peers", "remove", "eng.corp.example"], &[]));
    assert!(removed.contains("removed eng.corp.example") && removed.contains("kept"), "{removed}");
    let listed = stdout(&hallway(dir.path(), &["peers", "list"], &[]));
    assert!(listed.lines().any(|l| l.starts_with("eng.corp.example") && l.contains("removed")), "{listed}");
    let missing = hallway(dir.path(), &["peers", "remove", "nowhere.example"], &[]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such peer"));
}
