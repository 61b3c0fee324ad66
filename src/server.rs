//! The HTTP server: middleware, routes, plain or TLS listener.

use std::io::{self, BufReader};
use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::{http, web, App, HttpServer};

use crate::api;
use crate::apub::delivery;
use crate::params::{UploadLimit, MAX_BODY_BYTES};
use crate::config::TlsFiles;
use crate::oauth;
use crate::state::AppState;

/// Starts serving on an already bound listener (TLS when the settings name a certificate).
pub fn start(state: AppState, listener: TcpListener, workers: usize) -> io::Result<Server> {
    let tls = state.settings.tls.as_ref().map(load_tls).transpose()?;
    crate::telemetry::spawn_upkeep();
    state.db.watch_other_processes().map_err(io::Error::other)?;
    delivery::spawn(state.federation.clone(), state.db.clone(), state.deliveries.clone(), &state.settings, state.delivery_heartbeat.clone());
    crate::apub::inbox_worker::spawn(state.clone());
    crate::jobs::spawn(state.clone());
    state.hub.start(state.db.clone(), state.settings.clone());
    crate::scheduler::spawn(state.clone());
    // The instance actor's key is made now rather than by the first request that needs it (a company-wide
    // search would spend its budget on it).
    let federation = state.federation.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = federation.instance_key().await {
            log::warn!("the instance key: {e}");
        }
    });
    if state.settings.push_enabled {
        crate::push::spawn(state.clone());
    }
    // Blocking work is database work (bounded by the pool), argon2 (bounded by the cores) and media: more
    // threads than that only wait, each with its stack and its allocator's caches.
    let blocking_threads = state.settings.database_pool_size as usize + std::thread::available_parallelism().map_or(2, |n| n.get());
    let upload_limit = UploadLimit(state.settings.media.image_bytes.max(state.settings.media.video_bytes) as usize);
    let data = web::Data::new(state);
    if let Some(address) = data.settings.metrics_listen {
        serve_metrics(data.clone(), address)?;
    }
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(upload_limit)
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .wrap(cors())
            .wrap(actix_web::middleware::from_fn(crate::telemetry::record_requests))
            .configure(routes)
    })
    .workers(workers.max(1))
    .worker_max_blocking_threads(blocking_threads);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config)?,
        None => server.listen(listener)?,
    };
    Ok(server.run())
}

/// `/metrics` alone on an address of its own (plain http: monitoring networks scrape it as is).
fn serve_metrics(data: web::Data<AppState>, address: std::net::SocketAddr) -> io::Result<()> {
    let metrics = HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/metrics", web::get().to(crate::telemetry::metrics_on_own_listener))
    })
    .workers(1)
    .bind(address)
    .map_err(|e| io::Error::other(format!("metrics.listen {address}: {e}")))?
    .run();
    log::info!("serving /metrics on http://{address}");
    actix_web::rt::spawn(metrics);
    Ok(())
}

fn routes(cfg: &mut web::ServiceConfig) {
    // Streaming first: its paths lie under the API's /api/v1 scope, which would otherwise take them.
    cfg.configure(crate::streaming::routes::routes)
        .configure(api::routes)
        .configure(crate::apub::routes::routes)
        .configure(crate::apub::peering::routes)
        .configure(crate::apub::company::routes)
        .configure(crate::admin_page::routes)
        .configure(crate::ops::routes)
        .route("/metrics", web::get().to(crate::telemetry::metrics_on_main))
        .route("/settings/exports/{name}", web::get().to(api::data::export_csv))
        .route("/oauth/authorize", web::get().to(oauth::authorize_page))
        .route("/oauth/authorize", web::post().to(oauth::authorize_submit))
        .route("/oauth/authorize/oidc", web::post().to(oauth::oidc_start))
        .route("/auth/oidc/callback", web::get().to(oauth::oidc_callback))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/oauth/revoke", web::post().to(oauth::revoke))
        .route("/.well-known/oauth-authorization-server", web::get().to(oauth::metadata))
        .configure(api::about::page_routes)
        .default_service(web::to(api::not_found));
}

fn cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::ACCEPT,
            http::header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([http::header::LINK, http::header::HeaderName::from_static("x-ratelimit-remaining")])
        .max_age(86_400)
}

fn load_tls(files: &TlsFiles) -> io::Result<rustls::ServerConfig> {
    let open = |path: &std::path::Path| {
        std::fs::File::open(path)
            .map(BufReader::new)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))
    };
    let certs = rustls_pemfile::certs(&mut open(&files.cert)?).collect::<Result<Vec<_>, _>>()?;
    let key = rustls_pemfile::private_key(&mut open(&files.key)?)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no private key in {}", files.key.display())))?;
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("TLS certificate: {e}")))
}
