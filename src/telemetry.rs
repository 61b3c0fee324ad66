//! Prometheus metrics through the `metrics` facade and `metrics-exporter-prometheus`'s recorder: counters and
//! histograms are recorded where things happen; gauges of state (pool, queue depth, users, statuses) are set
//! when `/metrics` is scraped, from values the instance already keeps. `/metrics` is served on
//! `metrics.listen` or, with `metrics.token`, on the main listener to that bearer token; never to anyone else.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use crate::state::AppState;

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder (one per process: every server in it shares it), installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new().set_buckets(LATENCY_BUCKETS).expect("the latency buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may be installed already (a host program's); ours then renders what it records.
        if let Err(e) = metrics::set_global_recorder(recorder) {
            log::warn!("metrics: {e}");
        }
        describe();
        handle
    })
}

/// Folds the histograms' recorded samples into their buckets every few seconds: the recorder keeps every
/// sample until then, so an instance nobody scrapes would grow without end.
pub fn spawn_upkeep() {
    let handle = handle();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}

/// The help text of every metric (Prometheus's parser wants one each).
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("hallway_http_requests_total", "HTTP requests answered, by method, route template and status.");
    describe_histogram!("hallway_http_request_duration_seconds", Unit::Seconds, "Time to answer an HTTP request, by method and route template.");
    describe_counter!("hallway_deliveries_total", "Delivery attempts to peers, by peer and outcome (delivered, failed, retry).");
    describe_histogram!("hallway_delivery_duration_seconds", Unit::Seconds, "Time of a delivery attempt, by peer.");
    describe_gauge!("hallway_delivery_queue_depth", "Deliveries waiting, by peer.");
    describe_counter!("hallway_inbox_activities_total", "Activities posted to the inboxes, by peer, result and reason.");
    describe_counter!("hallway_scheduler_runs_total", "Runs of the scheduler's jobs, by job and outcome.");
    describe_gauge!("hallway_scheduler_leader", "1 in the process that runs the scheduler's jobs (one per instance), 0 in the others.");
    describe_counter!("hallway_retention_removed_total", "What the retention settings removed, by kind (local_statuses, remote_statuses, media, notifications).");
    describe_histogram!("hallway_db_pool_wait_seconds", Unit::Seconds, "Time waited for a database connection.");
    describe_gauge!("hallway_db_pool_connections", "Database connections open in this process's pool.");
    describe_gauge!("hallway_db_pool_connections_in_use", "Database connections in use in this process's pool.");
    describe_gauge!("hallway_streams_open", "Streaming connections open in this process, by kind (websocket, sse).");
    describe_gauge!("hallway_users", "Local users (not suspended).");
    describe_gauge!("hallway_statuses", "Local statuses.");
    describe_gauge!("hallway_known_instances", "Other instances this one knows accounts of.");
}

/// Gives every request an id (the balancer's `X-Request-Id` when it sent a plausible one) and a span that
/// what it logs carries, logs it once answered (the access log), counts it by method, route template and
/// status, times it, and answers the id in `X-Request-Id`.
pub async fn record_requests(request: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request_id(&request);
    let method = request.method().to_string();
    let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let client = request.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let span = tracing::info_span!("request", id = %request_id, method = %method, path = %request.path());
    let mut response = next.call(request).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let took = started.elapsed();
    span.in_scope(|| tracing::info!(status, ms = took.as_millis() as u64, client = %client, "answered"));
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(actix_web::http::header::HeaderName::from_static("x-request-id"), value);
    }
    metrics::counter!("hallway_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("hallway_http_request_duration_seconds", "method" => method, "route" => route).record(took.as_secs_f64());
    Ok(response)
}

fn request_id(request: &ServiceRequest) -> String {
    let given = request.headers().get("x-request-id").and_then(|v| v.to_str().ok());
    match given {
        Some(id) if (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => id.to_owned(),
        _ => format!("{:016x}", rand::random::<u64>()),
    }
}

/// Logs through `tracing` (the `log` records of the crates too), to standard error: human-readable, or one JSON
/// object a line; `RUST_LOG` chooses what (default `info`).
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colours);
    let installed = if json { builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init() } else { builder.try_init() };
    if let Err(e) = installed {
        eprintln!("logging: {e}");
    }
}

/// A delivery attempt's outcome to a peer (`delivered`, `failed`, `retry`) and how long it took.
pub fn delivery(peer: &str, outcome: &'static str, took: Duration) {
    metrics::counter!("hallway_deliveries_total", "peer" => peer.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("hallway_delivery_duration_seconds", "peer" => peer.to_owned()).record(took.as_secs_f64());
}

/// An activity a peer posted to an inbox: `accepted`, or `rejected` with why.
pub fn inbox(peer: &str, result: &'static str, reason: &'static str) {
    metrics::counter!("hallway_inbox_activities_total", "peer" => peer.to_owned(), "result" => result, "reason" => reason).increment(1);
}

/// A scheduler job ran (`ok` or `error`).
pub fn job(name: &'static str, ok: bool) {
    metrics::counter!("hallway_scheduler_runs_total", "job" => name, "outcome" => if ok { "ok" } else { "error" }).increment(1);
}

/// Whether this process holds the scheduler's lease (runs the instance's timed duties).
pub fn scheduler_leader(leads: bool) {
    metrics::gauge!("hallway_scheduler_leader").set(if leads { 1.0 } else { 0.0 });
}

/// What the retention settings removed, by kind.
pub fn retention_removed(counts: &[(&'static str, usize)]) {
    for (kind, count) in counts {
        metrics::counter!("hallway_retention_removed_total", "kind" => *kind).increment(*count as u64);
    }
}

/// How long a request waited for a database connection.
pub fn pool_wait(waited: Duration) {
    metrics::histogram!("hallway_db_pool_wait_seconds").record(waited.as_secs_f64());
}

/// An open stream, counted by kind (`websocket`, `sse`) while it lives.
pub struct OpenStream(&'static str);

impl OpenStream {
    pub fn new(kind: &'static str) -> OpenStream {
        metrics::gauge!("hallway_streams_open", "kind" => kind).increment(1.0);
        OpenStream(kind)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("hallway_streams_open", "kind" => self.0).decrement(1.0);
    }
}

/// Sets the gauges of the instance's state, then renders everything in Prometheus's text format.
async fn render(state: &AppState) -> String {
    let handle = handle();
    let (connections, idle) = state.db.pool_state();
    metrics::gauge!("hallway_db_pool_connections").set(f64::from(connections));
    metrics::gauge!("hallway_db_pool_connections_in_use").set(f64::from(connections.saturating_sub(idle)));
    let figures = state
        .db
        .read_cached(|reader| {
            let totals = crate::service::cached::instance_stats(reader)?;
            let queued = crate::service::peers::list(reader.conn()?)?;
            Ok((totals, queued))
        })
        .await;
    match figures {
        Ok((totals, queued)) => {
            metrics::gauge!("hallway_users").set(totals.user_count as f64);
            metrics::gauge!("hallway_statuses").set(totals.status_count as f64);
            metrics::gauge!("hallway_known_instances").set(totals.domain_count as f64);
            for health in queued.into_iter().filter(|h| h.peer.allowed) {
                metrics::gauge!("hallway_delivery_queue_depth", "peer" => health.peer.host).set(health.queued as f64);
            }
        }
        Err(e) => log::warn!("metrics: cannot read the instance's figures: {}", e.cause()),
    }
    handle.run_upkeep();
    handle.render()
}

fn exposition(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").insert_header(("Cache-Control", "no-store")).body(body)
}

/// `/metrics` on the main listener: only to `metrics.token` (a 404 to everyone else, as if it were not there).
pub async fn metrics_on_main(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let expected = state.settings.metrics_token.as_deref();
    let given = req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match (expected, given) {
        (Some(expected), Some(given)) if constant_time_eq(expected.as_bytes(), given.trim().as_bytes()) => exposition(render(&state).await),
        _ => HttpResponse::NotFound().json(serde_json::json!({"error": "Record not found"})),
    }
}

/// `/metrics` on `metrics.listen`: the address itself is the protection (with the token too when one is set).
pub async fn metrics_on_own_listener(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if state.settings.metrics_token.is_some() {
        return metrics_on_main(req, state).await;
    }
    exposition(render(&state).await)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
