//! HTTP as clients meet it: errors as JSON, trailing slashes, CORS, bad bodies, TLS, and the CLI.


use serde_json::json;

use std::path::{Path, PathBuf};

use crate::support::{hallway, run_with, Api, Backend, TestServer};

crate::on_both_backends!(
    unknown_paths_answer_json_404,
    trailing_slashes_are_tolerated,
    cors_preflight_and_exposed_headers,
    bad_bodies_are_client_errors,
    deeply_nested_parameters_are_refused_in_every_format,
    tokens_are_checked,
    oversized_bodies_are_refused,
    monitoring_asks_health_liveness_and_readiness,
);

async fn monitoring_asks_health_liveness_and_readiness(server: TestServer) {
    let anyone = server.anonymous();
    for path in ["/health", "/livez"] {
        let answer = anyone.get(path).await;
        assert_eq!((answer.status, answer.text.as_str()), (200, "OK"), "{path}");
    }
    crate::support::eventually("the instance is ready", async || anyone.get("/readyz").await.status == 200).await;
    let ready = anyone.get("/readyz").await;
    assert_eq!(ready.body["ready"], true, "{}", ready.body);
    assert_eq!(ready.body["migrations"]["detail"], "applied");
    let engine = ready.body["database"]["detail"].as_str().unwrap();
    assert!(engine.starts_with("SQLite ") || engine.starts_with("PostgreSQL "), "{engine}");
    assert_eq!(ready.body["delivery_worker"]["ok"], true, "{}", ready.body);
    assert_eq!(anyone.get("/metrics").await.status, 404, "no metrics unless configured");

    let first = anyone.get("/api/v1/instance").await.header("x-request-id").expect("a request id");
    let second = anyone.get("/api/v1/instance").await.header("x-request-id").unwrap();
    assert!(first != second && first.len() == 16, "{first} {second}");
    let from_balancer = anyone.send(anyone.request(reqwest::Method::GET, "/health").header("X-Request-Id", "lb-4711")).await;
    assert_eq!(from_balancer.header("x-request-id").as_deref(), Some("lb-4711"), "the balancer's id is kept");
    let odd = anyone.send(anyone.request(reqwest::Method::GET, "/health").header("X-Request-Id", "<script>")).await;
    assert_ne!(odd.header("x-request-id").as_deref(), Some("<script>"));
}

#[test]
fn logs_are_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = hallway(dir.path(), &["migrate"], &[("HALLWAY_LOG_FORMAT", "json"), ("RUST_LOG", "info")]);
    assert!(migrated.status.success(), "{migrated:?}");
    let logged = String::from_utf8_lossy(&migrated.stderr);
    let lines: Vec<&str> = logged.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "the migrations are logged");
    for line in &lines {
        let record: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(record["level"].is_string() && record["timestamp"].is_string(), "{record}");
    }
    assert!(lines.iter().any(|l| l.contains("migration")), "{logged}");
    let refused = hallway(dir.path(), &["migrate"], &[("HALLWAY_LOG_FORMAT", "yaml")]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("log.format"), "{refused:?}");
}

const SCRAPE_TOKEN: &str = "scrape-secret-for-tests";

fn metrics_configured(settings: &mut hallway::config::Settings) {
    settings.metrics_token = Some(SCRAPE_TOKEN.into());
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    settings.metrics_listen = Some(free);
}

crate::on_both_backends!(configure = super::metrics_configured; metrics_are_served_to_the_monitoring_only);

/// Checks an exposition with Prometheus's own parser (`promtool`, from Debian's `prometheus`; `.ci/run`
/// installs it). Without it a run outside CI says so and checks nothing more.
fn promtool_accepts(exposition: &str) -> bool {
    use std::io::Write;
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("promtool is not installed: the exposition's format is not checked (apt-get install prometheus)");
            return true;
        }
        Err(e) => panic!("promtool is needed in CI: {e}"),
    };
    child.stdin.take().unwrap().write_all(exposition.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    // promtool exits 0 when it parses; lint remarks (e.g. on units) come out on stdout too and are not errors.
    assert!(output.status.success(), "promtool refused the exposition: {said}");
    true
}

/// The alert rules docs/operations.md offers are rules Prometheus loads.
#[test]
fn the_documented_alert_rules_load() {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/prometheus/hallway-alerts.yml");
    let output = match std::process::Command::new("promtool").args(["check", "rules", rules]).output() {
        Ok(output) => output,
        Err(_) if std::env::var_os("CI").is_none() => return eprintln!("promtool is not installed: the alert rules are not checked"),
        Err(e) => panic!("promtool is needed in CI: {e}"),
    };
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && said.contains("SUCCESS: 7 rules found"), "{said}");
}

async fn metrics_are_served_to_the_monitoring_only(server: TestServer) {
    let ann = server.login("ann").await;
    ann.toot("Metrics please", json!({})).await;
    assert_eq!(ann.get("/api/v1/timelines/home").await.status, 200);
    let anyone = server.anonymous();
    assert_eq!(anyone.get("/metrics").await.status, 404, "not to anyone");
    assert_eq!(ann.get("/metrics").await.status, 404, "not to a user's token");
    let scrape = |path: String| {
        let anyone = server.anonymous();
        async move { anyone.send(anyone.client.get(path).bearer_auth(SCRAPE_TOKEN)).await }
    };
    let on_main = scrape(format!("{}/metrics", server.base)).await;
    assert_eq!(on_main.status, 200, "{}", on_main.text);
    assert!(on_main.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = &on_main.text;
    for expected in [
        "hallway_http_requests_total{",
        "route=\"/api/v1/timelines/home\"",
        "hallway_http_request_duration_seconds_bucket{",
        "hallway_db_pool_connections ",
        "hallway_db_pool_wait_seconds_bucket",
        "hallway_users ",
        "hallway_statuses ",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(!text.contains("route=\"/api/v1/statuses/1"), "routes are templates, not paths");
    assert!(promtool_accepts(text));

    let own = server.settings.metrics_listen.unwrap();
    let on_own = scrape(format!("http://{own}/metrics")).await;
    assert_eq!(on_own.status, 200);
    assert!(on_own.text.contains("hallway_users "));
    let unscraped = anyone.send(anyone.client.get(format!("http://{own}/metrics"))).await;
    assert_eq!(unscraped.status, 404, "the token holds on the metrics address too");
}

async fn unknown_paths_answer_json_404(server: TestServer) {
    let anonymous = server.anonymous();
    // Inside a scope of routes (`/api/v1/statuses`, `/api/v1/accounts`) too.
    for path in ["/api/v1/nope", "/api/v2/nope/deeper", "/api/v1/statuses/123456789", "/api/v1/statuses/1/nope", "/api/v1/accounts/1/nope"] {
        let missing = anonymous.get(path).await;
        assert_eq!(missing.status, 404, "{path}: {}", missing.text);
        assert!(missing.header("content-type").unwrap().starts_with("application/json"), "{path}");
        assert_eq!(missing.error(), "Not Found", "{path}");
    }
    for path in ["/api/v1/nope", "/api/v1/timelines/home"] {
        let wrong_method = anonymous.delete(path).await;
        assert_eq!(wrong_method.status, 404, "{path}");
        assert_eq!(wrong_method.error(), "Not Found", "{path}");
    }
}

async fn trailing_slashes_are_tolerated(server: TestServer) {
    let ann = server.login("ann").await;
    let posted = ann.post_json("/api/v1/statuses/", &json!({"status": "posted with a slash"})).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let id = posted.id();
    for path in [
        "/api/v1/timelines/home/".to_owned(),
        "/api/v1/accounts/verify_credentials/".to_owned(),
        format!("/api/v1/statuses/{id}/"),
        "/api/v1/timelines/public/?local=true".to_owned(),
        "/api/v2/instance/".to_owned(),
        "/api/v1/instance/".to_owned(),
        "/.well-known/nodeinfo/".to_owned(),
    ] {
        let answered = ann.get(&path).await;
        assert_eq!(answered.status, 200, "{path}: {}", answered.text);
    }
    let home = ann.get("/api/v1/timelines/home/").await;
    assert_eq!(home.ids(), vec![id.clone()]);
    let favourited = ann.post(&format!("/api/v1/statuses/{id}/favourite/")).await;
    assert_eq!(favourited.status, 200, "{}", favourited.body);
    assert_eq!(favourited.body["favourited"], true);
}

async fn cors_preflight_and_exposed_headers(server: TestServer) {
    let ann = server.login("ann").await;
    let origin = "https://elk.example";
    let preflight = ann
        .send(
            ann.client
                .request(reqwest::Method::OPTIONS, format!("{}/api/v1/statuses", ann.base))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key"),
        )
        .await;
    assert!(preflight.status == 200 || preflight.status == 204, "{} {}", preflight.status, preflight.text);
    let allowed_origin = preflight.header("access-control-allow-origin").expect("allow-origin");
    assert!(allowed_origin == origin || allowed_origin == "*", "{allowed_origin}");
    let allowed_headers = preflight.header("access-control-allow-headers").expect("allow-headers").to_ascii_lowercase();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed_headers.contains(header), "{header} not in {allowed_headers}");
    }
    let allowed_methods = preflight.header("access-control-allow-methods").expect("allow-methods");
    assert!(allowed_methods.contains("POST"), "{allowed_methods}");

    ann.toot("something to page", json!({})).await;
    let cross_origin = ann.send(ann.client.get(format!("{}/api/v1/timelines/public", ann.base)).header("Origin", origin)).await;
    assert_eq!(cross_origin.status, 200);
    assert!(cross_origin.header("link").is_some());
    let exposed = cross_origin.header("access-control-expose-headers").expect("expose-headers").to_ascii_lowercase();
    assert!(exposed.split(',').any(|h| h.trim() == "link"), "Link is not exposed: {exposed}");
    assert!(cross_origin.header("access-control-allow-origin").is_some());
    let refused = ann.send(ann.client.get(format!("{}/api/v1/timelines/home", ann.base)).header("Origin", origin)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.header("access-control-allow-origin").is_some(), "a browser client could not read the error");
}

async fn post_raw(api: &Api, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> crate::support::Resp {
    let request = api
        .client
        .post(format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Content-Type", content_type)
        .body(body);
    api.send(request).await
}

async fn bad_bodies_are_client_errors(server: TestServer) {
    let ann = server.login("ann").await;
    for (body, why) in [("{\"status\": \"unfinished", "malformed JSON"), ("[\"status\", \"hello\"]", "an array"), ("\"hello\"", "a string")] {
        let refused = post_raw(&ann, "/api/v1/statuses", "application/json", body).await;
        assert_eq!(refused.status, 400, "{why}: {}", refused.text);
        assert!(!refused.error().is_empty(), "{why}");
    }
    let wrong_type = ann.post_json("/api/v1/statuses", &json!({"status": "hello", "sensitive": "maybe"})).await;
    assert_eq!(wrong_type.status, 422, "{}", wrong_type.body);
    assert!(wrong_type.error().contains("maybe"), "{}", wrong_type.body);
    let bad_visibility = ann.post_json("/api/v1/statuses", &json!({"status": "hello", "visibility": "friends"})).await;
    assert_eq!(bad_visibility.status, 422, "{}", bad_visibility.body);
    let blank = ann.post_json("/api/v1/statuses", &json!({"status": "   "})).await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    let bad_id = ann.get("/api/v1/timelines/home?max_id=abc").await;
    assert!(bad_id.status == 400 || bad_id.status == 422, "{} {}", bad_id.status, bad_id.text);
    let form = post_raw(&ann, "/api/v1/statuses", "application/x-www-form-urlencoded", "status=from+a+form&sensitive=true").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.body["sensitive"], true);
    assert!(ann.get("/api/v1/timelines/home").await.ids().contains(&form.id()), "nothing else was posted");
    assert_eq!(ann.get("/api/v1/timelines/home").await.array().len(), 1);
}

/// A field name nested 8,000 levels deep (24 KB) once overflowed the stack and killed the server, with
/// no token needed. Every body format and the query string are now bounded in depth and size before
/// anything recurses into them: the answer is a 422 in Mastodon's error JSON, and the server lives on.
async fn deeply_nested_parameters_are_refused_in_every_format(server: TestServer) {
    let ann = server.login("ann").await;
    let anonymous = server.anonymous();
    let deep_key = format!("a{}", "[a]".repeat(8_000));
    let multipart = |name: &str| {
        let body = format!("--XX\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\nx\r\n--XX--\r\n");
        ("multipart/form-data; boundary=XX".to_owned(), body)
    };
    let form = format!("{deep_key}=x");
    let json_body = format!("{{\"status\": \"hi\", \"a\": {}1{}}}", "[".repeat(100), "]".repeat(100));
    let (multipart_type, multipart_body) = multipart(&deep_key);
    let cases: [(&Api, reqwest::Method, &str, &str, &str); 9] = [
        (&anonymous, reqwest::Method::POST, "/api/v1/apps", &multipart_type, &multipart_body),
        (&anonymous, reqwest::Method::POST, "/api/v1/apps", "application/x-www-form-urlencoded", &form),
        (&anonymous, reqwest::Method::POST, "/oauth/token", &multipart_type, &multipart_body),
        (&anonymous, reqwest::Method::POST, "/oauth/token", "application/x-www-form-urlencoded", &form),
        (&ann, reqwest::Method::PATCH, "/api/v1/accounts/update_credentials", &multipart_type, &multipart_body),
        (&ann, reqwest::Method::PATCH, "/api/v1/accounts/update_credentials", "application/x-www-form-urlencoded", &form),
        (&ann, reqwest::Method::POST, "/api/v1/statuses", &multipart_type, &multipart_body),
        (&ann, reqwest::Method::POST, "/api/v1/statuses", "application/x-www-form-urlencoded", &form),
        (&ann, reqwest::Method::POST, "/api/v1/statuses", "application/json", &json_body),
    ];
    for (api, method, path, content_type, body) in cases {
        let refused = api.send(api.request(method.clone(), path).header("content-type", content_type).body(body.to_owned())).await;
        assert!(refused.status == 422 || refused.status == 400, "{method} {path} ({content_type}): {} {}", refused.status, refused.text);
        assert!(!refused.error().is_empty(), "{method} {path} ({content_type}): {}", refused.text);
    }
    let deep_query = ann.get(&format!("/api/v1/timelines/home?{deep_key}=1")).await;
    assert_eq!(deep_query.status, 422, "{}", deep_query.text);
    let many_fields: String = (0..2_000).map(|i| format!("f{i}=1&")).collect();
    let too_many = post_raw(&ann, "/api/v1/statuses", "application/x-www-form-urlencoded", format!("{many_fields}status=hi")).await;
    assert_eq!(too_many.status, 422, "{}", too_many.text);
    // Still serving, and nothing was posted by any of it.
    assert_eq!(anonymous.get("/api/v1/instance").await.status, 200);
    assert_eq!(ann.get("/api/v1/timelines/home").await.array().len(), 0);
    let nested_as_clients_send = ann.post_json("/api/v1/statuses", &json!({"status": "a poll", "poll": {"options": ["a", "b"], "expires_in": 600}})).await;
    assert_eq!(nested_as_clients_send.status, 200, "{}", nested_as_clients_send.body);
}

async fn tokens_are_checked(server: TestServer) {
    let ann = server.login("ann").await;
    let forged = Api { token: Some("not-a-real-token".into()), ..ann.clone() };
    for path in ["/api/v1/timelines/home", "/api/v1/accounts/verify_credentials", "/api/v1/timelines/public"] {
        let refused = forged.get(path).await;
        assert_eq!(refused.status, 401, "{path}: {}", refused.text);
        assert_eq!(refused.error(), "The access token is invalid", "{path}");
    }
    let anonymous = server.anonymous();
    for path in ["/api/v1/timelines/home", "/api/v1/notifications", "/api/v1/bookmarks"] {
        let refused = anonymous.get(path).await;
        assert_eq!(refused.status, 401, "{path}: {}", refused.text);
        assert_eq!(refused.error(), "The access token is invalid", "{path}");
    }
    assert_eq!(anonymous.post_json("/api/v1/statuses", &json!({"status": "hi"})).await.status, 401);
    assert_eq!(ann.get("/api/v1/timelines/home").await.status, 200);
}

async fn oversized_bodies_are_refused(server: TestServer) {
    let ann = server.login("ann").await;
    let huge = json!({ "status": "x".repeat(2 * 1024 * 1024) }).to_string();
    let refused = post_raw(&ann, "/api/v1/statuses", "application/json", huge).await;
    assert_eq!(refused.status, 413, "{}", refused.text);
    assert!(refused.header("content-type").unwrap().starts_with("application/json"));
    assert!(!refused.error().is_empty());
    assert_eq!(ann.get("/api/v1/timelines/home").await.ids(), Vec::<String>::new());
}

fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/data").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_its_certificate() {
    let configure: fn(&mut hallway::config::Settings) = |settings| {
        settings.tls = Some(hallway::config::TlsFiles { cert: data_file("tls-cert.pem"), key: data_file("tls-key.pem") });
        settings.scheme = "https".into();
    };
    run_with(Backend::Sqlite, configure, |server: TestServer| async move {
        let port = server.base.rsplit(':').next().unwrap().to_owned();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(data_file("tls-cert.pem")).unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap();
        let https = Api { client, base: format!("https://127.0.0.1:{port}"), token: None };
        let instance = https.get("/api/v1/instance").await;
        assert_eq!(instance.status, 200, "{}", instance.text);
        assert_eq!(instance.body["urls"]["streaming_api"], format!("wss://127.0.0.1:{port}"));
        let v2 = https.get("/api/v2/instance").await;
        assert_eq!(v2.body["configuration"]["urls"]["about"], format!("https://127.0.0.1:{port}/about"));

        server.create_user("ann").await;
        let plain = reqwest::Client::new().get(format!("{}/api/v1/accounts/lookup?acct=ann", server.base)).send().await;
        assert!(plain.map_or(true, |r| !r.status().is_success()), "plain HTTP was answered on the TLS port");
        let over_tls = https.get("/api/v1/accounts/lookup?acct=ann").await;
        assert_eq!(over_tls.status, 200, "{}", over_tls.text);
        assert_eq!(over_tls.str("url"), format!("https://127.0.0.1:{port}/@ann"));

        let untrusting = reqwest::Client::builder().build().unwrap();
        assert!(untrusting.get(format!("https://127.0.0.1:{port}/api/v1/instance")).send().await.is_err(), "an unknown certificate was accepted");
    })
    .await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_creates_and_lists_users() {
    let dir = tempfile::tempdir().unwrap();
    let created = hallway(dir.path(), &["user", "create", "zoe", "--password", "a long password", "--email", "zoe@corp.example"], &[]);
    assert!(created.status.success(), "{}{}", text(&created.stdout), text(&created.stderr));
    assert!(text(&created.stdout).contains("zoe"), "{}", text(&created.stdout));
    let admin = hallway(dir.path(), &["user", "create", "yann", "--password", "a long password", "--admin"], &[]);
    assert!(admin.status.success(), "{}", text(&admin.stderr));

    let listed = hallway(dir.path(), &["user", "list"], &[]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let out = text(&listed.stdout);
    let zoe = out.lines().find(|l| l.starts_with("zoe ")).unwrap_or_else(|| panic!("zoe not listed: {out}"));
    assert!(zoe.contains("zoe@corp.example") && zoe.contains("active"), "{zoe}");
    let yann = out.lines().find(|l| l.starts_with("yann ")).unwrap_or_else(|| panic!("yann not listed: {out}"));
    assert!(yann.contains("admin"), "{yann}");
    assert!(zoe.contains(" user "), "{zoe}");

    let promoted = hallway(dir.path(), &["user", "role", "zoe", "moderator"], &[]);
    assert!(promoted.status.success(), "{}", text(&promoted.stderr));
    let relisted = text(&hallway(dir.path(), &["user", "list"], &[]).stdout);
    assert!(relisted.lines().any(|l| l.starts_with("zoe ") && l.contains("moderator")), "{relisted}");
    let unknown_role = hallway(dir.path(), &["user", "role", "zoe", "owner"], &[]);
    assert!(!unknown_role.status.success());
    assert!(text(&unknown_role.stderr).contains("not one of user, moderator, admin"), "{}", text(&unknown_role.stderr));

    let taken = hallway(dir.path(), &["user", "create", "ZOE", "--password", "another password"], &[]);
    assert!(!taken.status.success(), "a taken name was accepted");
    let stderr = text(&taken.stderr);
    assert!(stderr.contains("already been taken"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let short = hallway(dir.path(), &["user", "create", "xavier", "--password", "short"], &[]);
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("Password is too short"), "{}", text(&short.stderr));
    let suspended = hallway(dir.path(), &["user", "suspend", "zoe"], &[]);
    assert!(suspended.status.success(), "{}", text(&suspended.stderr));
    let relisted = text(&hallway(dir.path(), &["user", "list"], &[]).stdout);
    assert!(relisted.lines().any(|l| l.starts_with("zoe ") && l.contains("suspended")), "{relisted}");
    let unknown = hallway(dir.path(), &["user", "suspend", "nobody"], &[]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no such user"), "{}", text(&unknown.stderr));
}

#[test]
fn cli_refuses_a_bad_listen_address_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let refused = hallway(dir.path(), &["serve"], &[("HALLWAY_LISTEN", "nowhere")]);
    assert!(!refused.status.success(), "serve started with listen=nowhere");
    let stderr = text(&refused.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line: {stderr}");
    assert!(lines[0].contains("listen") && lines[0].contains("nowhere"), "{stderr}");
}
