//! Streaming load: 1,000 open user streams on one instance; each post must reach all of them.

use std::time::{Duration, Instant, SystemTime};

use hallway::config::Settings;
use hallway::db::models::Follow;
use hallway::db::queries::{accounts, follows, users};
use hallway::db::Database;
use hallway::ids::AccountId;
use hallway::service::accounts::new_local_account;
use hallway::service::auth::{self, NewApp, Scopes};
use tokio::sync::mpsc;

use super::{free_port, json_of, rss_mib, start_server, user_row, wait_until_up};

const STREAMS: usize = 1_000;
const POSTS: usize = 20;

/// `label` names the backend of `url`; on PostgreSQL the events travel through NOTIFY/LISTEN.
pub fn run(label: &str, url: &str) {
    println!("\n== Streaming ({STREAMS} open user streams, {label})");
    let port = free_port();
    let url = url.to_owned();
    let db = Database::connect(&url, 2).expect("database");
    db.migrate().expect("migrate");
    let mut settings = Settings::for_database(&url).expect("settings");
    settings.domain = format!("127.0.0.1:{port}");
    let (poster, listeners) = seed(&db, &settings);
    let mut server = start_server(&url, port);
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        wait_until_up(&base).await;
        let idle = rss_mib(server.id());
        let (arrivals, mut arrived) = mpsc::unbounded_channel::<(String, SystemTime)>();
        let client = reqwest::Client::builder().pool_max_idle_per_host(STREAMS).build().unwrap();
        for token in &listeners {
            open_stream(&client, &base, token, arrivals.clone()).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let with_streams = rss_mib(server.id());
        let mut delays_ms = Vec::new();
        let mut posts_ms = Vec::new();
        for n in 0..POSTS {
            let sent = Instant::now();
            let posted = json_of(client
                .post(format!("{base}/api/v1/statuses"))
                .bearer_auth(&poster)
                .json(&serde_json::json!({"status": format!("streamed post {n}")}))).await;
            posts_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
            let id = posted["id"].as_str().unwrap().to_owned();
            let created = chrono::DateTime::parse_from_rfc3339(posted["created_at"].as_str().unwrap()).unwrap();
            let written = SystemTime::UNIX_EPOCH + Duration::from_millis(created.timestamp_millis() as u64);
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut reached = 0;
            while reached < STREAMS && Instant::now() < deadline {
                let Ok(Some((got, at))) = tokio::time::timeout(Duration::from_secs(1), arrived.recv()).await else { continue };
                if got == id {
                    reached += 1;
                    delays_ms.push(at.duration_since(written).unwrap_or_default().as_secs_f64() * 1000.0);
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        delays_ms.sort_by(|a, b| a.total_cmp(b));
        let pick = |q: f64| delays_ms.get(((delays_ms.len() as f64 * q) as usize).min(delays_ms.len().saturating_sub(1))).copied().unwrap_or(0.0);
        println!(
            "{POSTS} posts x {STREAMS} streams: {} events arrived ({} expected); delay from the write p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            delays_ms.len(),
            POSTS * STREAMS,
            pick(0.5),
            pick(0.99),
            delays_ms.last().copied().unwrap_or(0.0)
        );
        posts_ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "the post request itself (write, fan-out to {STREAMS} homes, commit): p50 {:.0} ms, max {:.0} ms",
            posts_ms[posts_ms.len() / 2],
            posts_ms.last().copied().unwrap_or(0.0)
        );
        println!("server memory: {idle} MiB idle, {with_streams} MiB with {STREAMS} streams open, {} MiB after the posts", rss_mib(server.id()));
    });
    let _ = server.kill();
    let _ = server.wait();
}

/// Reads one SSE stream in the background, reporting the id of every status update with its arrival time.
async fn open_stream(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    arrivals: mpsc::UnboundedSender<(String, SystemTime)>,
) {
    let mut response = client
        .get(format!("{base}/api/v1/streaming/user"))
        .bearer_auth(token)
        .send()
        .await
        .expect("stream");
    tokio::spawn(async move {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            let at = SystemTime::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                if let Some(data) = event.strip_prefix("event: update\ndata: ") {
                    if let Ok(status) = serde_json::from_str::<serde_json::Value>(data.trim()) {
                        let _ = arrivals.send((status["id"].as_str().unwrap_or_default().to_owned(), at));
                    }
                }
            }
        }
    });
}

/// A poster and STREAMS listeners who follow it; answers their tokens.
fn seed(db: &Database, settings: &Settings) -> (String, Vec<String>) {
    let hash = auth::hash_password("benchmark password").unwrap();
    db.write_blocking(|conn| {
        let (app, _) = auth::create_app(
            conn,
            NewApp {
                name: "bench".into(),
                redirect_uris: vec![auth::OOB_REDIRECT.into()],
                scopes: "read write".into(),
                website: None,
            },
        )?;
        let scopes = Scopes::parse("read write")?;
        let mut tokens = Vec::new();
        let mut poster_id = AccountId::default();
        for n in 0..=STREAMS {
            let account = new_local_account(settings, &format!("streamer{n}"));
            accounts::insert(conn, &account)?;
            users::insert(conn, &user_row(account.id, n, &hash, account.created_at))?;
            if n == 0 {
                poster_id = account.id;
            } else {
                let follow = Follow {
                    id: hallway::ids::next_id(),
                    account_id: account.id,
                    target_account_id: poster_id,
                    show_reblogs: true,
                    notify: false,
                    uri: None,
                    created_at: hallway::ids::now(),
                };
                follows::insert(conn, &follow)?;
            }
            tokens.push(auth::issue_token(conn, app.id, Some(account.id), &scopes)?.secret);
        }
        let poster = tokens.remove(0);
        Ok((poster, tokens))
    })
    .expect("seed")
}
