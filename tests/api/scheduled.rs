//! Scheduled statuses: kept until their time, then posted like any other.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(statuses_can_be_scheduled);

async fn statuses_can_be_scheduled(server: TestServer) {
    let ann = server.login("ann").await;
    let in_ten_minutes = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let too_soon = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    assert_eq!(ann.post_json("/api/v1/statuses", &json!({"status": "soon", "scheduled_at": too_soon})).await.status, 422);

    let scheduled = ann.post_json("/api/v1/statuses", &json!({"status": "I'll be in town on Friday #travel", "scheduled_at": in_ten_minutes, "visibility": "unlisted"})).await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.body);
    assert_eq!(scheduled.body["params"]["text"], "I'll be in town on Friday #travel");
    assert_eq!(scheduled.body["params"]["visibility"], "unlisted");
    let id = scheduled.id();
    assert_eq!(ann.get("/api/v1/scheduled_statuses").await.ids(), vec![id.clone()]);
    assert_eq!(ann.get("/api/v1/timelines/home").await.body, json!([]), "nothing is posted before its time");

    let later = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let moved = ann.put_json(&format!("/api/v1/scheduled_statuses/{id}"), &json!({"scheduled_at": later})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_ne!(moved.body["scheduled_at"], scheduled.body["scheduled_at"]);

    // Bring it due and run the publisher as the server's scheduler does every few seconds.
    let (db, settings) = (server.db.clone(), server.settings.clone());
    let scheduled_id: i64 = id.parse().unwrap();
    let published = tokio::task::spawn_blocking(move || {
        db.write_blocking(|conn| {
            hallway::db::queries::scheduled::reschedule(conn, scheduled_id, hallway::ids::now() - chrono::Duration::seconds(1))?;
            hallway::service::scheduled::publish_due(conn, &settings)
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(published, 1);
    let home = ann.get("/api/v1/timelines/home").await;
    assert_eq!(home.body[0]["content"].as_str().unwrap().contains("in town on Friday"), true);
    assert_eq!(home.body[0]["visibility"], "unlisted");
    assert_eq!(ann.get("/api/v1/scheduled_statuses").await.body, json!([]));

    let another = ann.post_json("/api/v1/statuses", &json!({"status": "never mind", "scheduled_at": in_ten_minutes})).await.id();
    assert_eq!(ann.delete(&format!("/api/v1/scheduled_statuses/{another}")).await.status, 200);
    assert_eq!(ann.get(&format!("/api/v1/scheduled_statuses/{another}")).await.status, 404);
}
