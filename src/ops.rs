//! What division IT's monitoring asks: `/health` (Mastodon's), `/livez` (the process answers) and `/readyz`
//! (the database answers, its migrations are applied, the delivery worker is alive).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// How long the delivery worker may go without a turn of its loop before it counts as stalled (it turns at
/// least every half second when idle, and a send is bounded by the client's 10 s timeout).
const STALLED_AFTER_MS: i64 = 60_000;

/// When a worker last went round its loop (milliseconds since the epoch; 0 before its first turn).
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    pub fn beat(&self) {
        self.0.store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Milliseconds since the last beat, None before the first.
    pub fn silence_ms(&self) -> Option<i64> {
        let last = self.0.load(Ordering::Relaxed);
        (last > 0).then(|| chrono::Utc::now().timestamp_millis() - last)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health)).route("/livez", web::get().to(health)).route("/readyz", web::get().to(readyz));
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").insert_header(("Cache-Control", "no-store")).body("OK")
}

/// 200 when every check passes, 503 otherwise; the body says what each check found.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.db.read(crate::service::measures::database_version).await {
        Ok((engine, version)) => Ok(format!("{engine} {version}")),
        Err(error) => Err(error.to_string()),
    };
    let db = state.db.clone();
    let migrations = match tokio::task::spawn_blocking(move || db.pending_migrations()).await {
        Ok(Ok(0)) => Ok("applied".to_owned()),
        Ok(Ok(pending)) => Err(format!("{pending} pending")),
        Ok(Err(error)) => Err(error),
        Err(error) => Err(error.to_string()),
    };
    let delivery_worker = match state.delivery_heartbeat.silence_ms() {
        Some(ms) if ms < STALLED_AFTER_MS => Ok(format!("turned {ms} ms ago")),
        Some(ms) => Err(format!("stalled for {} s", ms / 1000)),
        None => Err("not started".to_owned()),
    };
    let ready = database.is_ok() && migrations.is_ok() && delivery_worker.is_ok();
    let show = |check: &Result<String, String>| match check {
        Ok(fine) => json!({"ok": true, "detail": fine}),
        Err(why) => json!({"ok": false, "detail": why}),
    };
    let body = json!({
        "ready": ready,
        "database": show(&database),
        "migrations": show(&migrations),
        "delivery_worker": show(&delivery_worker),
    });
    let mut response = if ready { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    response.insert_header(("Cache-Control", "no-store")).json(body)
}
