//! `[retention]`: what the scheduler and `hallway retention` remove, what they keep (pinned, bookmarked by
//! the author, legal holds), the dry run, and local deletions reaching other instances.

use diesel::RunQueryDsl;
use serde_json::json;

use crate::support::{eventually, hallway_on, Api, Backend, TestServer};

crate::on_both_backends!(retention_removes_the_old_and_keeps_what_it_must, legal_holds_are_placed_by_admins);

/// Makes rows look written in 2020.
async fn age(server: &TestServer, table: &str, ids: &[String]) {
    let sql = format!("UPDATE {table} SET created_at = '2020-01-01 00:00:00' WHERE id IN ({})", ids.join(", "));
    let db = server.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write_blocking(|tx| {
            diesel::sql_query(sql).execute(&mut **tx)?;
            Ok(())
        })
    })
    .await
    .unwrap()
    .expect("age rows");
}

async fn status_code(api: &Api, id: &str) -> u16 {
    api.get(&format!("/api/v1/statuses/{id}")).await.status
}

async fn retention_removes_the_old_and_keeps_what_it_must(mut server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let hal = server.login("hal").await;
    server.create_admin("root").await;
    let root = server.token_for("root", "read write admin:read admin:write").await;

    let old = ann.toot("Old news", json!({})).await.id();
    let pinned = ann.toot("Read me first", json!({})).await.id();
    ann.post(&format!("/api/v1/statuses/{pinned}/pin")).await;
    let kept_by_ann = ann.toot("Keep this one", json!({})).await.id();
    ann.post(&format!("/api/v1/statuses/{kept_by_ann}/bookmark")).await;
    let bookmarked_by_bob = ann.toot("Bob keeps this", json!({})).await.id();
    bob.post(&format!("/api/v1/statuses/{bookmarked_by_bob}/bookmark")).await;
    let held = hal.toot("On hold", json!({})).await.id();
    let recent = ann.toot("Fresh news", json!({})).await.id();
    bob.post(&format!("/api/v1/statuses/{recent}/favourite")).await;
    let orphan = crate::media::upload(&ann, crate::media::file_form(crate::media::png(32, 32), "draft.png")).await;
    let orphan_url = orphan.str("url");
    let hal_id = hal.me().await.id();
    let placed = root.post_json(&format!("/api/v1/admin/accounts/{hal_id}/legal_hold"), &json!({"reason": "Case 2026-17"})).await;
    assert_eq!(placed.status, 200, "{}", placed.body);

    age(&server, "statuses", &[old.clone(), pinned.clone(), kept_by_ann.clone(), bookmarked_by_bob.clone(), held.clone()]).await;
    age(&server, "media_attachments", &[orphan.id()]).await;
    let notification = ann.get("/api/v1/notifications").await.ids();
    assert_eq!(notification.len(), 1);
    age(&server, "notifications", &notification).await;

    let policy = [
        ("HALLWAY_RETENTION_LOCAL_STATUSES_DAYS", "30"),
        ("HALLWAY_RETENTION_REMOTE_STATUSES_DAYS", "30"),
        ("HALLWAY_RETENTION_MEDIA_DAYS", "7"),
        ("HALLWAY_RETENTION_NOTIFICATIONS_DAYS", "90"),
    ];
    let dry_run = server.cli(&["retention", "--dry-run"], &policy);
    assert_eq!(
        dry_run.trim(),
        "would remove 2 local status(es), 0 status(es) of other instances, 1 media attachment(s), 1 notification(s)",
        "the old post and the one only bob bookmarked go; pinned, self-bookmarked and held ones stay"
    );
    assert_eq!(status_code(&ann, &old).await, 200, "a dry run removes nothing");
    assert_eq!(hallway_on(&server.settings.database_url, &["retention"]).trim(), "no [retention] settings: everything is kept");

    server
        .restart_with(|settings| {
            settings.retention.local_statuses_days = Some(30);
            settings.retention.media_days = Some(7);
            settings.retention.notifications_days = Some(90);
            settings.metrics_token = Some("scrape".into());
        })
        .await;
    eventually("the scheduler applies the retention settings", async || status_code(&ann, &old).await == 404).await;
    assert_eq!(status_code(&ann, &bookmarked_by_bob).await, 404);
    for kept in [&pinned, &kept_by_ann, &held, &recent] {
        assert_eq!(status_code(&ann, kept).await, 200, "{kept} is kept");
    }
    assert_eq!(ann.get("/api/v1/notifications").await.ids(), Vec::<String>::new(), "the old notification is gone");
    assert_eq!(ann.get(&format!("/api/v1/media/{}", orphan.id())).await.status, 404);
    let path = &orphan_url[orphan_url.find("/system/").unwrap()..];
    assert_eq!(server.anonymous().get(path).await.status, 404, "and its file");
    assert_eq!(ann.me().await.body["statuses_count"], 3, "the counters follow");
    let metrics = server.anonymous().send(server.anonymous().request(reqwest::Method::GET, "/metrics").bearer_auth("scrape")).await;
    assert!(metrics.text.contains("hallway_retention_removed_total{kind=\"local_statuses\"}"), "{}", metrics.text);
    assert!(metrics.text.contains("hallway_scheduler_runs_total{job=\"retention\",outcome=\"ok\"}"));

    let said = server.cli(&["retention"], &policy);
    assert!(said.starts_with("removed 0 local status(es)"), "{said}");
}

async fn legal_holds_are_placed_by_admins(server: TestServer) {
    let hal = server.login("hal").await;
    let hal_id = hal.me().await.id();
    server.create_admin("root").await;
    server.create_moderator("mod").await;
    let root = server.token_for("root", "read write admin:read admin:write").await;
    let moderator = server.token_for("mod", "read write admin:read admin:write").await;
    let path = format!("/api/v1/admin/accounts/{hal_id}/legal_hold");

    assert_eq!(root.get(&path).await.status, 404, "no hold yet");
    assert_eq!(moderator.post_json(&path, &json!({"reason": "Case 1"})).await.status, 403, "admins place holds");
    assert_eq!(root.post_json(&path, &json!({"reason": " "})).await.status, 422, "a hold needs a reason");
    let placed = root.post_json(&path, &json!({"reason": "Case 1"})).await;
    assert_eq!((placed.str("account_id"), placed.str("reason")), (hal_id.clone(), "Case 1".to_owned()));
    assert_eq!(moderator.get(&path).await.str("reason"), "Case 1", "moderators see it");
    assert_eq!(hal.get(&path).await.status, 403);

    let suspended = root.post_json(&format!("/api/v1/admin/accounts/{hal_id}/action"), &json!({"type": "suspend"})).await;
    assert_eq!(suspended.status, 200);
    let deleted = root.delete(&format!("/api/v1/admin/accounts/{hal_id}")).await;
    assert_eq!(deleted.status, 403, "a held account's data is kept: {}", deleted.body);
    assert!(deleted.error().contains("legal hold"));

    let listed = hallway_on(&server.settings.database_url, &["legal-hold", "list"]);
    assert!(listed.starts_with("hal\t") && listed.contains("Case 1"), "{listed}");
    assert_eq!(root.delete(&path).await.status, 200);
    assert_eq!(root.get(&path).await.status, 404);
    assert_eq!(hallway_on(&server.settings.database_url, &["legal-hold", "list"]), "");
    hallway_on(&server.settings.database_url, &["legal-hold", "place", "hal", "--reason", "Case 2"]);
    assert_eq!(root.get(&path).await.str("reason"), "Case 2");
    let audit = hallway_on(&server.settings.database_url, &["audit"]);
    let holds: Vec<&str> = audit.lines().filter(|line| line.contains("legal_hold")).collect();
    assert_eq!(holds.len(), 3, "placing and lifting are in the audit log: {audit}");
    assert!(holds[0].contains("command line") && holds[0].contains("Case 2") && holds[1].contains("lift_legal_hold") && holds[2].contains("@root"), "{audit}");
    hallway_on(&server.settings.database_url, &["legal-hold", "lift", "hal"]);
    assert_eq!(root.get(&path).await.status, 404);
}

/// A local status that expires is deleted on the instances that have it, as its author's deletion would
/// be; another instance's status that expires here is forgotten here only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_statuses_leave_every_instance_that_has_them() {
    let (sales, eng) = crate::federation::two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let sales_domain = sales.settings.domain.clone();
    let ann_there = bob.get(&format!("/api/v1/accounts/lookup?acct=ann@{sales_domain}")).await.id();
    bob.post(&format!("/api/v1/accounts/{ann_there}/follow")).await;
    eventually("the follow is accepted", async || bob.get(&format!("/api/v1/accounts/relationships?id[]={ann_there}")).await.body[0]["following"] == true).await;

    let expiring = ann.toot("This expires at sales", json!({})).await;
    let forgotten = ann.toot("This is forgotten at eng", json!({})).await;
    let copy_of = async |uri: String| {
        let mut found = None;
        eventually("the post reaches eng", async || {
            found = bob.get("/api/v1/timelines/home").await.array().iter().find(|s| s["uri"] == uri.as_str()).map(|s| s["id"].as_str().unwrap().to_owned());
            found.is_some()
        })
        .await;
        found.unwrap()
    };
    let expiring_there = copy_of(expiring.str("uri")).await;
    let forgotten_there = copy_of(forgotten.str("uri")).await;

    age(&sales, "statuses", &[expiring.id()]).await;
    let said = sales.cli(&["retention"], &[("HALLWAY_RETENTION_LOCAL_STATUSES_DAYS", "30")]);
    assert!(said.starts_with("removed 1 local status(es)"), "{said}");
    eventually("the Delete reaches eng", async || status_code(&bob, &expiring_there).await == 404).await;

    age(&eng, "statuses", &[forgotten_there.clone()]).await;
    let said = eng.cli(&["retention"], &[("HALLWAY_RETENTION_REMOTE_STATUSES_DAYS", "30")]);
    assert!(said.starts_with("removed 0 local status(es), 1 status(es) of other instances"), "{said}");
    eventually("eng's server forgets it too", async || status_code(&bob, &forgotten_there).await == 404).await;
    assert_eq!(status_code(&ann, &forgotten.id()).await, 200, "the author's instance keeps it");
}
