//! A real Hallway server per test, on SQLite or PostgreSQL, driven over HTTP.

use std::future::Future;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::mpsc;

use diesel::Connection;
use reqwest::header::HeaderMap;
use serde_json::Value;

use hallway::config::Settings;
use hallway::db::kinds::Role;
use hallway::db::Database;
use hallway::service::accounts::{self, NewUser};
use hallway::service::audit::Actor;
use hallway::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub base: String,
    pub db: Database,
    pub settings: Settings,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// Runs a test against a fresh server on the given backend. The PostgreSQL run needs
/// `HALLWAY_TEST_POSTGRES_URL`; without it the test says so and passes (CI always sets it).
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestServer) -> Fut,
    Fut: Future<Output = ()>,
{
    let configure: fn(&mut Settings) = |_| {};
    run_with(backend, configure, test).await
}

pub async fn run_with<F, Fut>(backend: Backend, configure: fn(&mut Settings), test: F)
where
    F: FnOnce(TestServer) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(server) = TestServer::start(backend, configure).await else {
        return;
    };
    test(server).await
}

/// The PostgreSQL server tests create their databases on, or None (the run is counted as skipped, and the
/// count is printed once when the test binary exits, so that a SQLite-only run is never taken for a full one).
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("HALLWAY_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty());
    if url.is_none() {
        count_skipped_postgres_run();
    }
    url
}

static SKIPPED_POSTGRES_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_skipped_postgres_run() {
    static REPORT_AT_EXIT: std::sync::Once = std::sync::Once::new();
    REPORT_AT_EXIT.call_once(|| {
        extern "C" {
            fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
        }
        // SAFETY: registers a plain function with no captured state; it runs once, at process exit.
        unsafe { atexit(report_skipped_postgres_runs) };
    });
    SKIPPED_POSTGRES_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// Written straight to the standard error, past the test harness's capture of `eprintln!`.
extern "C" fn report_skipped_postgres_runs() {
    use std::io::Write;
    let skipped = SKIPPED_POSTGRES_RUNS.load(std::sync::atomic::Ordering::SeqCst);
    let line = format!("\nPostgreSQL: {skipped} test runs skipped (HALLWAY_TEST_POSTGRES_URL is not set); this was a SQLite-only run\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Declares each listed `async fn(TestServer)` as two tests: `<name>::sqlite` and `<name>::postgres`;
/// `configure = f;` first has `f(&mut Settings)` adjust their servers' settings.
#[macro_export]
macro_rules! on_both_backends {
    (configure = $configure:path; $($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::support::run_with($crate::support::Backend::Sqlite, $configure, super::$test).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::support::run_with($crate::support::Backend::Postgres, $configure, super::$test).await
                }
            }
        )*
    };
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::support::run($crate::support::Backend::Sqlite, super::$test).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::support::run($crate::support::Backend::Postgres, super::$test).await
                }
            }
        )*
    };
}

impl TestServer {
    pub async fn start(backend: Backend, configure: fn(&mut Settings)) -> Option<TestServer> {
        TestServer::start_with(backend, configure).await
    }

    /// A fresh server whose settings `adjust` changes, knowing its address (`settings.base_url()`).
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestServer> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/hallway.db", dir.path().display()), None),
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("hallway_test_{}", hallway::ids::next_id());
                let url = create_postgres_database(&admin_url, &name);
                (url, Some((admin_url, name)))
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mut settings = Settings::for_database(&database_url).expect("settings");
        settings.domain = format!("127.0.0.1:{port}");
        settings.scheme = "http".into();
        settings.data_dir = dir.path().join("data");
        settings.database_pool_size = 4;
        settings.federation_allow_http = true;
        settings.federation_retry_base = std::time::Duration::from_millis(200);
        // Most tests also check what an anonymous reader sees, which needs the open mode; the closed default
        // (access.require_login) has its own tests in access.rs, and the client trials run with it.
        settings.require_login = false;
        adjust(&mut settings);
        let db = Database::connect(&settings.database_url, settings.database_pool_size).expect("database");
        db.migrate().expect("migrations");
        // The server's own handle: writes made by tests federate and reach the streams as the server's do.
        let state = AppState::new(db, settings.clone()).expect("state");
        let db = state.db.clone();
        let handle = spawn_server(state, listener);
        // The address it answers on: https only when it serves TLS itself (a scheme alone may name a proxy's).
        let base = format!("{}://127.0.0.1:{port}", if settings.tls.is_some() { "https" } else { "http" });
        Some(TestServer { base, db, settings, handle, _dir: dir, postgres })
    }

    /// Stops this instance (its workers too) and starts it again on the same address and database with some
    /// settings changed, as division IT restarts an instance after editing its configuration.
    pub async fn restart_with(&mut self, adjust: impl FnOnce(&mut Settings)) {
        self.handle.stop(true).await;
        let port: u16 = self.settings.domain.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a test domain with its port");
        let listener = (0..50)
            .find_map(|_| TcpListener::bind(("127.0.0.1", port)).ok().or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            }))
            .expect("bind the same port again");
        adjust(&mut self.settings);
        let db = Database::connect(&self.settings.database_url, self.settings.database_pool_size).expect("database");
        let state = AppState::new(db, self.settings.clone()).expect("state");
        self.db = state.db.clone();
        self.handle = spawn_server(state, listener);
    }

    /// Another server on this one's database: a second process of the same instance behind a load balancer.
    pub async fn start_sharing(&self) -> TestServer {
        self.start_sharing_with(|_| {}).await
    }

    /// Another server on this one's database, with some settings changed (a directory to sign in with).
    pub async fn start_sharing_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mut settings = self.settings.clone();
        adjust(&mut settings);
        let db = Database::connect(&settings.database_url, settings.database_pool_size).expect("database");
        let state = AppState::new(db, settings.clone()).expect("state");
        let db = state.db.clone();
        let handle = spawn_server(state, listener);
        TestServer { base: format!("http://127.0.0.1:{port}"), db, settings, handle, _dir: dir, postgres: None }
    }

    /// Creates a local user (password [`PASSWORD`], email `NAME@corp.example`).
    pub async fn create_user(&self, name: &str) -> hallway::db::models::Account {
        self.create_account(name, Role::User).await
    }

    pub async fn create_admin(&self, name: &str) -> hallway::db::models::Account {
        self.create_account(name, Role::Admin).await
    }

    pub async fn create_moderator(&self, name: &str) -> hallway::db::models::Account {
        self.create_account(name, Role::Moderator).await
    }

    async fn create_account(&self, name: &str, role: Role) -> hallway::db::models::Account {
        let (db, settings, name) = (self.db.clone(), self.settings.clone(), name.to_owned());
        tokio::task::spawn_blocking(move || {
            let email = format!("{name}@corp.example");
            db.write_blocking(|conn| {
                accounts::create_user(conn, &settings, NewUser { username: &name, password: PASSWORD, email: Some(&email), role })
            })
        })
        .await
        .unwrap()
        .expect("create user")
    }

    /// Runs the CLI binary on this instance (its database, domain, scheme and data directory), with more
    /// settings from `variables`; answers what it printed (it must succeed).
    pub fn cli(&self, args: &[&str], variables: &[(&str, &str)]) -> String {
        let output = self.cli_output(args, variables);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The same, whether it succeeds or not.
    pub fn cli_output(&self, args: &[&str], variables: &[(&str, &str)]) -> Output {
        let data_dir = self.settings.data_dir.display().to_string();
        let allow_http = self.settings.federation_allow_http.to_string();
        let mut env = vec![
            ("HALLWAY_DOMAIN", self.settings.domain.as_str()),
            ("HALLWAY_SCHEME", self.settings.scheme.as_str()),
            ("HALLWAY_DATA_DIR", data_dir.as_str()),
            ("HALLWAY_FEDERATION_ALLOW_HTTP", allow_http.as_str()),
        ];
        env.extend_from_slice(variables);
        hallway_output(&self.settings.database_url, args, &env)
    }

    /// The backend this instance runs on, for the other instances of a test.
    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    /// The instance's state, for calling the library as the server would (federation helpers).
    pub fn state(&self) -> AppState {
        AppState::new(self.db.clone(), self.settings.clone()).expect("state")
    }

    /// Puts another instance on this one's allowlist.
    pub async fn allow_peer(&self, other: &TestServer) {
        self.allow_host(&other.settings.domain).await;
    }

    /// Puts a host on this instance's allowlist.
    pub async fn allow_host(&self, host: &str) {
        let (db, host) = (self.db.clone(), host.to_owned());
        tokio::task::spawn_blocking(move || db.write_blocking(|conn| hallway::service::peers::allow(conn, &setup_actor(), &host)))
            .await
            .unwrap()
            .expect("allow peer");
    }

    /// Waits until the inbox workers have applied (or given up on) every activity peers delivered, so that
    /// a test can look at what they did, or at what they did not do.
    pub async fn inbox_settled(&self) {
        for _ in 0..200 {
            let db = self.db.clone();
            let waiting = db.read(hallway::db::queries::inbox_queue::count_queued).await.expect("inbox queue");
            if waiting == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the inbox did not settle");
    }

    /// A client without a token.
    pub fn anonymous(&self) -> Api {
        Api { client: client(), base: self.base.clone(), token: None }
    }

    /// Registers an app with the given scopes; returns (client_id, client_secret).
    pub async fn register_app(&self, scopes: &str, redirect_uri: &str) -> (String, String) {
        register_app(&self.anonymous(), scopes, redirect_uri).await
    }

    /// Creates the user and signs in with the password grant, with the given scopes.
    pub async fn login_with_scopes(&self, name: &str, scopes: &str) -> Api {
        self.create_user(name).await;
        self.token_for(name, scopes).await
    }

    /// Signs an existing user in (password grant).
    pub async fn token_for(&self, name: &str, scopes: &str) -> Api {
        sign_in(&self.base, name, scopes).await
    }

    /// Creates the user and signs in with `read write follow push`.
    pub async fn login(&self, name: &str) -> Api {
        self.login_with_scopes(name, "read write follow push").await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        std::thread::spawn(move || stop_server(handle));
        if let Some((admin_url, name)) = self.postgres.take() {
            if let Ok(mut conn) = diesel::PgConnection::establish(&admin_url) {
                use diesel::RunQueryDsl;
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
            }
        }
    }
}

fn stop_server(handle: actix_web::dev::ServerHandle) {
    actix_web::rt::System::new().block_on(handle.stop(false));
}

/// A PostgreSQL database of its own for a test that runs `hallway` processes on it; dropped after.
pub struct PostgresDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    /// None (the run counted as skipped) without `HALLWAY_TEST_POSTGRES_URL`.
    pub fn create() -> Option<PostgresDatabase> {
        let admin_url = postgres_admin_url()?;
        let name = format!("hallway_test_{}", hallway::ids::next_id());
        let url = create_postgres_database(&admin_url, &name);
        Some(PostgresDatabase { url, admin_url, name })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            use diesel::RunQueryDsl;
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

fn create_postgres_database(admin_url: &str, name: &str) -> String {
    use diesel::RunQueryDsl;
    let mut conn = diesel::PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("HALLWAY_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("HALLWAY_TEST_POSTGRES_URL is not a URL");
    url.set_path(name);
    url.to_string()
}

fn spawn_server(state: AppState, listener: TcpListener) -> actix_web::dev::ServerHandle {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let db = state.db.clone();
            let server = hallway::server::start(state, listener, 1).expect("server");
            sender.send(server.handle()).unwrap();
            let _ = server.await;
            db.stop_watching();
        })
    });
    receiver.recv().expect("server handle")
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true);
    if let Some(ca) = crate::company_ca::made_ca() {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).expect("the test CA"));
    }
    builder.build().unwrap()
}

/// An HTTP client for one user (or nobody).
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn str(&self, key: &str) -> String {
        self.body[key].as_str().unwrap_or_else(|| panic!("no string '{key}' in {}", self.body)).to_owned()
    }

    pub fn id(&self) -> String {
        self.str("id")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn array(&self) -> &Vec<Value> {
        self.body.as_array().unwrap_or_else(|| panic!("not an array: {}", self.body))
    }

    /// The ids of a list answer, in order.
    pub fn ids(&self) -> Vec<String> {
        self.array().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
    }

    pub fn error(&self) -> String {
        self.body["error"].as_str().unwrap_or_else(|| panic!("no error in {}", self.body)).to_owned()
    }
}

impl Api {
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Resp {
        let response = builder.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::POST, path)).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(reqwest::Method::POST, path).json(body)).await
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(reqwest::Method::PUT, path).json(body)).await
    }

    pub async fn patch_form(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send(self.request(reqwest::Method::PATCH, path).form(form)).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send(self.request(reqwest::Method::POST, path).form(form)).await
    }

    /// Sends a multipart form (uploads), as Mastodon.py and toot do.
    pub async fn multipart(&self, method: reqwest::Method, path: &str, form: reqwest::multipart::Form) -> Resp {
        self.send(self.request(method, path).multipart(form)).await
    }

    /// Posts a status with the given text (and extra JSON fields); panics unless it succeeds.
    pub async fn toot(&self, text: &str, extra: Value) -> Resp {
        let mut body = serde_json::json!({ "status": text });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let response = self.post_json("/api/v1/statuses", &body).await;
        assert_eq!(response.status, 200, "posting failed: {}", response.body);
        response
    }

    pub async fn me(&self) -> Resp {
        self.get("/api/v1/accounts/verify_credentials").await
    }
}

async fn register_app(anonymous: &Api, scopes: &str, redirect_uri: &str) -> (String, String) {
    let app = anonymous.post_json("/api/v1/apps", &serde_json::json!({"client_name": "test", "redirect_uris": redirect_uri, "scopes": scopes})).await;
    assert_eq!(app.status, 200, "{}", app.body);
    (app.str("client_id"), app.str("client_secret"))
}

/// Signs a user of the instance at `base` in with the password grant (email `NAME@corp.example`).
pub async fn sign_in(base: &str, name: &str, scopes: &str) -> Api {
    let anonymous = Api { client: client(), base: base.to_owned(), token: None };
    let (client_id, client_secret) = register_app(&anonymous, scopes, "urn:ietf:wg:oauth:2.0:oob").await;
    let token = anonymous
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("username", &format!("{name}@corp.example")),
                ("password", PASSWORD),
                ("scope", scopes),
            ],
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    Api { client: client(), base: base.to_owned(), token: Some(token.str("access_token")) }
}

/// Waits until `check` holds: what another process writes reaches a server's caches within a fraction of a
/// second.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..50 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} never showed");
}

/// Who acts when a test sets something up the way an operator would.
pub fn setup_actor() -> Actor {
    Actor::CommandLine { user: "test setup".into() }
}

/// Runs the CLI binary on a test instance's database; answers what it printed (it must succeed).
pub fn hallway_on(database_url: &str, args: &[&str]) -> String {
    hallway_on_with(database_url, args, &[])
}

/// The same, with more settings from the environment.
pub fn hallway_on_with(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = hallway_output(database_url, args, env);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the CLI binary did on a database, run in an empty directory with only `env` for settings.
fn hallway_output(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallway"));
    command.args(args).current_dir(dir.path()).env("HALLWAY_DATABASE_URL", database_url);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HALLWAY_") && k != "HALLWAY_DATABASE_URL") {
        command.env_remove(key);
    }
    command.env("RUST_LOG", "warn").envs(env.iter().copied()).output().expect("run the hallway binary")
}

/// Runs the CLI binary in its own directory, on its own SQLite file.
pub fn hallway(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallway"));
    command.args(args).current_dir(dir).env("HALLWAY_DATABASE_URL", format!("sqlite://{}/cli.db", dir.display()));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HALLWAY_") && k != "HALLWAY_DATABASE_URL") {
        command.env_remove(key);
    }
    command.env("RUST_LOG", "warn").envs(env.iter().copied());
    command.output().expect("run the hallway binary")
}
