//! Benchmark: seeds an instance (1,000 accounts, 100,000 statuses by default), runs the real `hallway serve`
//! binary on it and measures home-timeline reads and posts per second over HTTP, with the server's memory.
//!
//! cargo build --release && cargo run --release --features bench --bin bench [-- --only timelines|reads|federation|streaming --accounts N --statuses N
//!   --follows N --seconds S --postgres URL]   (PostgreSQL also runs when HALLWAY_TEST_POSTGRES_URL is set)

mod federation;
mod reads;
mod streaming;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use rand::seq::SliceRandom;
use rand::Rng;

use hallway::config::Settings;
use hallway::db::models::{Follow, Status, User};
use hallway::db::queries::{accounts, follows, statuses, users};
use hallway::db::{seed, Database};
use hallway::ids::{AccountId, StatusId};
use hallway::service::accounts::new_local_account;
use hallway::service::auth::{self, NewApp, Scopes};

struct Options {
    accounts: usize,
    statuses: usize,
    follows: usize,
    seconds: u64,
    postgres: Option<String>,
    /// `timelines`, `reads`, `federation` or `streaming` to run one part only.
    only: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        accounts: 1_000,
        statuses: 100_000,
        follows: 20,
        seconds: 10,
        postgres: std::env::var("HALLWAY_TEST_POSTGRES_URL").ok(),
        only: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--accounts" => options.accounts = value.parse().expect("--accounts N"),
            "--statuses" => options.statuses = value.parse().expect("--statuses N"),
            "--follows" => options.follows = value.parse().expect("--follows N"),
            "--seconds" => options.seconds = value.parse().expect("--seconds S"),
            "--postgres" => options.postgres = Some(value),
            "--only" => options.only = Some(value),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = options();
    let dir = tempfile_dir();
    let mut runs = vec![("SQLite", format!("sqlite://{}/bench.db", dir.display()), None)];
    if let Some(admin_url) = &options.postgres {
        let name = format!("hallway_bench_{}", std::process::id());
        runs.push(("PostgreSQL", create_database(admin_url, &name), Some((admin_url.clone(), name))));
    }
    println!(
        "Hallway benchmark: {} accounts, {} statuses, {} follows each, {} s per load, {} cores",
        options.accounts,
        options.statuses,
        options.follows,
        options.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let only = options.only.as_deref();
    let runs = if only.is_none() || only == Some("timelines") { runs } else { Vec::new() };
    for (label, url, cleanup) in runs {
        bench_backend(label, &url, &options);
        if let Some((admin_url, name)) = cleanup {
            drop_database(&admin_url, &name);
        }
    }
    if only.is_none() || only == Some("reads") {
        reads::run("SQLite", &format!("sqlite://{}/reads.db", dir.display()), options.seconds);
        if let Some(admin_url) = &options.postgres {
            let name = format!("hallway_bench_reads_{}", std::process::id());
            reads::run("PostgreSQL", &create_database(admin_url, &name), options.seconds);
            drop_database(admin_url, &name);
        }
    }
    if only.is_none() || only == Some("federation") {
        federation::run(&dir, options.seconds);
    }
    if only.is_none() || only == Some("streaming") {
        streaming::run("SQLite", &format!("sqlite://{}/streaming.db", dir.display()));
        if let Some(admin_url) = &options.postgres {
            let name = format!("hallway_bench_streaming_{}", std::process::id());
            streaming::run("PostgreSQL, events through NOTIFY/LISTEN", &create_database(admin_url, &name));
            drop_database(admin_url, &name);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hallway-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn bench_backend(label: &str, url: &str, options: &Options) {
    println!("\n== {label}");
    let port = free_port();
    let mut settings = Settings::for_database(url).expect("settings");
    settings.domain = format!("127.0.0.1:{port}");
    let db = Database::connect(url, 4).expect("database");
    db.migrate().expect("migrate");
    let started = Instant::now();
    let tokens = seed_instance(&db, &settings, options);
    println!("seeded in {:.1} s", started.elapsed().as_secs_f64());

    let mut server = start_server(url, port);
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(wait_until_up(&base));
    std::thread::sleep(Duration::from_secs(1));
    println!("server memory idle: {} MiB", rss_mib(server.id()));

    let seconds = Duration::from_secs(options.seconds);
    let scans_before = sequential_scans(url);
    let reads = runtime.block_on(load(&base, &tokens, seconds, 32, Request::HomeTimeline, server.id()));
    reads.print("home timeline reads (20 statuses, 32 clients)");
    print_new_sequential_scans(url, &scans_before);
    let posts = runtime.block_on(load(&base, &tokens, seconds, 8, Request::Post, server.id()));
    posts.print("posts (fan-out to followers, 8 clients)");
    println!("server memory under load (peak sampled): {} MiB", reads.peak_rss_mib.max(posts.peak_rss_mib));
    let _ = server.kill();
    let _ = server.wait();
}

/// Seeds accounts, follows, statuses and home timelines in bulk; returns access tokens of 200 users.
fn seed_instance(db: &Database, settings: &Settings, options: &Options) -> Vec<String> {
    let password_hash = auth::hash_password("benchmark password").unwrap();
    let account_ids: Vec<AccountId> = db
        .write_blocking(|conn| {
            let mut ids = Vec::with_capacity(options.accounts);
            for n in 0..options.accounts {
                let account = new_local_account(settings, &format!("user{n}"));
                accounts::insert(conn, &account)?;
                users::insert(conn, &user_row(account.id, n, &password_hash, account.created_at))?;
                ids.push(account.id);
            }
            Ok(ids)
        })
        .expect("accounts");
    db.write_blocking(|conn| {
        let mut rng = rand::thread_rng();
        for &follower in &account_ids {
            for &target in account_ids.choose_multiple(&mut rng, options.follows + 1).filter(|t| **t != follower).take(options.follows) {
                follows::insert(conn, &Follow { id: hallway::ids::next_id(), account_id: follower, target_account_id: target, show_reblogs: true, notify: false, uri: None, created_at: hallway::ids::now() })?;
            }
        }
        Ok(())
    })
    .expect("follows");
    let now_ms = chrono::Utc::now().timestamp_millis();
    let month_ms: i64 = 30 * 24 * 3600 * 1000;
    for chunk_start in (0..options.statuses).step_by(5_000) {
        db.write_blocking(|conn| {
            let mut rng = rand::thread_rng();
            for n in chunk_start..(chunk_start + 5_000).min(options.statuses) {
                let at_ms = now_ms - month_ms + (n as i64 * month_ms / options.statuses as i64);
                let id = (at_ms << 16) | rng.gen_range(0..65_536);
                let author = *account_ids.choose(&mut rng).unwrap();
                statuses::insert(conn, &status_row(StatusId(id), author, at_ms, n, settings))?;
            }
            Ok(())
        })
        .expect("statuses");
    }
    db.write_blocking(|conn| {
        seed::fan_out_everything(conn)?;
        seed::recount(conn)?;
        seed::analyze(conn)
    })
    .expect("home timelines");
    db.write_blocking(|conn| {
        let (app, _) = auth::create_app(conn, NewApp { name: "bench".into(), redirect_uris: vec![auth::OOB_REDIRECT.into()], scopes: "read write".into(), website: None })?;
        let scopes = Scopes::parse("read write")?;
        account_ids.iter().take(200).map(|&id| auth::issue_token(conn, app.id, Some(id), &scopes).map(|t| t.secret)).collect()
    })
    .expect("tokens")
}

fn user_row(account_id: AccountId, n: usize, password_hash: &str, created_at: chrono::NaiveDateTime) -> User {
    User {
        account_id,
        email: format!("user{n}@bench.example"),
        password_hash: password_hash.to_owned(),
        role: hallway::db::kinds::Role::User,
        approved: true,
        disabled: false,
        sign_up_ip: None,
        last_sign_in_ip: None,
        last_sign_in_at: None,
        registration_reason: None,
        default_visibility: hallway::db::kinds::Visibility::Public,
        default_sensitive: false,
        default_language: None,
        default_local_only: None,
        created_at,
    }
}

fn status_row(id: StatusId, author: AccountId, at_ms: i64, n: usize, settings: &Settings) -> Status {
    let text = format!("Status number {n} about #topic{} with some words to read", n % 50);
    Status {
        id,
        uri: format!("{}/users/u{author}/statuses/{id}", settings.base_url()),
        url: format!("{}/@u{author}/{id}", settings.base_url()),
        account_id: author,
        local: true,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        content: format!("<p>{text}</p>"),
        text,
        spoiler_text: String::new(),
        sensitive: false,
        visibility: hallway::db::kinds::Visibility::Public,
        language: Some("en".into()),
        app_id: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: chrono::DateTime::from_timestamp_millis(at_ms).unwrap().naive_utc(),
        edited_at: None,
        thread_id: id,
        quote_policy: hallway::db::kinds::QuotePolicy::Public,
        local_only: false,
        group_id: None,
    }
}

fn start_server(url: &str, port: u16) -> Child {
    start_server_with(url, port, &[])
}

fn start_server_with(url: &str, port: u16, env: &[(&str, &str)]) -> Child {
    start_server_on(url, port, env, None)
}

/// The real server on `url`, answering on `port`; pinned to `cpus` (taskset's list) when given.
fn start_server_on(url: &str, port: u16, env: &[(&str, &str)], cpus: Option<&str>) -> Child {
    let binary = std::env::current_exe().unwrap().with_file_name("hallway");
    assert!(binary.exists(), "build the server first: cargo build --release");
    let mut command = match cpus {
        Some(cpus) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", cpus]).arg(binary);
            taskset
        }
        None => Command::new(binary),
    };
    command
        .arg("serve")
        .envs(env.iter().copied())
        .env("HALLWAY_DATABASE_URL", url)
        .env("HALLWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("HALLWAY_DOMAIN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start hallway serve")
}

async fn wait_until_up(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/api/v1/instance")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not come up");
}

#[derive(Clone, Copy)]
enum Request {
    HomeTimeline,
    Post,
}

struct Figures {
    done: u64,
    failed: u64,
    elapsed: Duration,
    latencies_ms: Vec<f64>,
    peak_rss_mib: u64,
}

impl Figures {
    fn print(&self, what: &str) {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let pick = |q: f64| sorted.get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0.0);
        println!(
            "{what}: {:.0}/s ({} ok, {} failed), latency p50 {:.1} ms, p99 {:.1} ms",
            self.done as f64 / self.elapsed.as_secs_f64(),
            self.done,
            self.failed,
            pick(0.50),
            pick(0.99)
        );
    }
}

async fn load(base: &str, tokens: &[String], duration: Duration, clients: usize, request: Request, server_pid: u32) -> Figures {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, base, stop, failed) = (client.clone(), base.to_owned(), stop.clone(), failed.clone());
        let tokens = tokens.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker;
            while !stop.load(Ordering::Relaxed) {
                let token = &tokens[n % tokens.len()];
                n += clients;
                let sent = Instant::now();
                let builder = match request {
                    Request::HomeTimeline => client.get(format!("{base}/api/v1/timelines/home")),
                    Request::Post => client.post(format!("{base}/api/v1/statuses")).json(&serde_json::json!({"status": format!("benchmark post {n} #bench")})),
                };
                match builder.bearer_auth(token).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut peak_rss_mib = 0;
    while started.elapsed() < duration {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak_rss_mib = peak_rss_mib.max(rss_mib(server_pid));
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies_ms = Vec::new();
    for task in tasks {
        latencies_ms.extend(task.await.unwrap());
    }
    Figures { done: latencies_ms.len() as u64, failed: failed.load(Ordering::Relaxed), elapsed: started.elapsed(), latencies_ms, peak_rss_mib }
}

#[derive(diesel::QueryableByName)]
struct TableScans {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
}

/// PostgreSQL's count of sequential scans per table (empty on SQLite).
fn sequential_scans(url: &str) -> Vec<TableScans> {
    if !url.starts_with("postgres") {
        return Vec::new();
    }
    let mut conn = diesel::PgConnection::establish(url).expect("PostgreSQL");
    diesel::sql_query("SELECT relname::text AS relname, COALESCE(seq_scan, 0) AS seq_scan, n_live_tup AS rows FROM pg_stat_user_tables")
        .load(&mut conn)
        .expect("pg_stat_user_tables")
}

/// The tables read by sequential scans since `before`, with their sizes (the planner scans a table of a few
/// rows rather than use its index; a large one on this list is a missing index).
fn print_new_sequential_scans(url: &str, before: &[TableScans]) {
    if before.is_empty() {
        return;
    }
    std::thread::sleep(Duration::from_secs(1));
    let scanned: Vec<String> = sequential_scans(url)
        .into_iter()
        .filter_map(|after| {
            let earlier = before.iter().find(|b| b.relname == after.relname).map_or(0, |b| b.seq_scan);
            (after.seq_scan > earlier).then(|| format!("{} ({} scans, {} rows)", after.relname, after.seq_scan - earlier, after.rows))
        })
        .collect();
    println!("sequential scans during the reads: {}", if scanned.is_empty() { "none".to_owned() } else { scanned.join(", ") });
}

fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Sends a request and reads its JSON answer (the benchmark treats any failure as fatal).
async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.expect("request").json().await.expect("JSON answer")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn create_database(admin_url: &str, name: &str) -> String {
    let mut conn = diesel::PgConnection::establish(admin_url).expect("PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create database");
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(name);
    url.to_string()
}

fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
    }
}
