//! Reads, side by side with other servers' figures (issue 10): the server pinned to one core, this load generator
//! on the other; 50 authors post 10,000 statuses through the API (8 at a time, each signed in by the password
//! grant), one reader follows them all; the server is restarted after seeding, then each read workload runs with
//! 32 keep-alive connections. Memory is the server's resident set: fresh, after seeding, idle on the seeded data,
//! and the peak sampled under the reads.
//!
//! The load generator speaks HTTP/1.1 itself over plain sockets: a general-purpose client costs more CPU per
//! request than the server spends on a cached answer, and would measure itself.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use hallway::config::Settings;
use hallway::db::models::Follow;
use hallway::db::queries::{accounts, follows, users};
use hallway::db::Database;
use hallway::ids::AccountId;
use hallway::service::accounts::new_local_account;
use hallway::service::auth;

use super::{free_port, rss_mib, user_row, wait_until_up};

const AUTHORS: usize = 50;
const STATUSES: usize = 10_000;
const POSTERS: usize = 8;
const CONNECTIONS: usize = 32;
const PASSWORD: &str = "benchmark password";

pub fn run(label: &str, url: &str, seconds: u64) {
    println!("\n== Reads ({label}; server on CPU 0, load on CPU 1, {CONNECTIONS} connections, {AUTHORS} authors, {STATUSES} statuses)");
    pin_this_process_to(&1.to_string());
    let port = free_port();
    let db = Database::connect(url, 2).expect("database");
    db.migrate().expect("migrate");
    let mut settings = Settings::for_database(url).expect("settings");
    settings.domain = format!("127.0.0.1:{port}");
    let reader_email = create_people(&db, &settings);
    drop(db);
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let mut server = start_pinned_server(url, port);
    runtime.block_on(wait_until_up(&base));
    std::thread::sleep(Duration::from_millis(500));
    let fresh = rss_mib(server.id());
    let (reader_token, status_ids, posting) = runtime.block_on(seed_through_the_api(&base, &reader_email));
    let after_seeding = rss_mib(server.id());
    stop(&mut server);

    let mut server = start_pinned_server(url, port);
    runtime.block_on(wait_until_up(&base));
    std::thread::sleep(Duration::from_millis(500));
    let idle = rss_mib(server.id());
    println!("memory: fresh {fresh} MiB, after seeding {after_seeding} MiB, restarted on the seeded data {idle} MiB");
    posting.print(&format!("POST /api/v1/statuses ({POSTERS} posters, while seeding)"));

    let duration = Duration::from_secs(seconds);
    let auth = format!("Authorization: Bearer {reader_token}\r\n");
    let workloads: [(&str, Box<dyn Fn(usize) -> String>); 4] = [
        ("GET /api/v1/instance", Box::new(|_| "/api/v1/instance".to_owned())),
        ("GET /api/v1/statuses/:id", Box::new(move |n| format!("/api/v1/statuses/{}", status_ids[n % status_ids.len()]))),
        ("GET /api/v1/timelines/home", Box::new(|_| "/api/v1/timelines/home".to_owned())),
        ("GET /api/v1/timelines/public?local=true", Box::new(|_| "/api/v1/timelines/public?local=true".to_owned())),
    ];
    let mut peak = idle;
    let mut instance_rate = 0.0;
    for (name, path) in workloads {
        let figures = runtime.block_on(hammer(port, &auth, path.as_ref(), duration, server.id()));
        peak = peak.max(figures.peak_rss_mib);
        figures.print(name);
        if name.ends_with("instance") {
            instance_rate = figures.rate();
        } else if name.ends_with("home") && instance_rate > 0.0 {
            println!("  home / instance: {:.0} %", 100.0 * figures.rate() / instance_rate);
        }
    }
    println!("memory: peak under the reads {peak} MiB, after them {} MiB", rss_mib(server.id()));
    stop(&mut server);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    pin_this_process_to(&format!("0-{}", cores.max(2) - 1));
}

fn pin_this_process_to(cpus: &str) {
    let pinned = Command::new("taskset").args(["-a", "-cp", cpus, &std::process::id().to_string()]).stdout(Stdio::null()).status();
    if !pinned.is_ok_and(|s| s.success()) {
        println!("(taskset failed: the load generator is not pinned)");
    }
}

fn start_pinned_server(url: &str, port: u16) -> Child {
    super::start_server_on(url, port, &[], Some("0"))
}

fn stop(server: &mut Child) {
    let _ = server.kill();
    let _ = server.wait();
}

/// 50 authors and the reader, who follows them all; returns the reader's email (the password grant's username).
fn create_people(db: &Database, settings: &Settings) -> String {
    let password_hash = auth::hash_password(PASSWORD).unwrap();
    db.write_blocking(|conn| {
        let mut ids: Vec<AccountId> = Vec::new();
        for n in 0..=AUTHORS {
            let account = new_local_account(settings, &format!("user{n}"));
            accounts::insert(conn, &account)?;
            users::insert(conn, &user_row(account.id, n, &password_hash, account.created_at))?;
            ids.push(account.id);
        }
        let reader = ids[AUTHORS];
        for &author in &ids[..AUTHORS] {
            let follow = Follow { id: hallway::ids::next_id(), account_id: reader, target_account_id: author, show_reblogs: true, notify: false, uri: None, created_at: hallway::ids::now() };
            follows::insert(conn, &follow)?;
        }
        Ok(())
    })
    .expect("people");
    format!("user{AUTHORS}@bench.example")
}

/// Signs everyone in with the password grant and posts the statuses, 8 posters at a time; returns the reader's
/// token, the ids of the statuses and the posting figures.
async fn seed_through_the_api(base: &str, reader_email: &str) -> (String, Vec<String>, Figures) {
    let client = reqwest::Client::new();
    let app = super::json_of(client.post(format!("{base}/api/v1/apps")).json(&serde_json::json!({
        "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"
    })))
    .await;
    let sign_in = |username: String| {
        let (client, app) = (client.clone(), app.clone());
        async move {
            let token = super::json_of(client.post(format!("{base}/oauth/token")).form(&[
                ("grant_type", "password"),
                ("client_id", app["client_id"].as_str().unwrap()),
                ("client_secret", app["client_secret"].as_str().unwrap()),
                ("username", &username),
                ("password", PASSWORD),
                ("scope", "read write"),
            ]))
            .await;
            token["access_token"].as_str().expect("a token").to_owned()
        }
    };
    let mut author_tokens = Vec::new();
    for n in 0..AUTHORS {
        author_tokens.push(sign_in(format!("user{n}@bench.example")).await);
    }
    let reader_token = sign_in(reader_email.to_owned()).await;

    let started = Instant::now();
    let mut posters = Vec::new();
    for poster in 0..POSTERS {
        let (client, base, tokens) = (client.clone(), base.to_owned(), author_tokens.clone());
        posters.push(tokio::spawn(async move {
            let (mut ids, mut latencies_us) = (Vec::new(), Vec::new());
            for n in (poster..STATUSES).step_by(POSTERS) {
                let sent = Instant::now();
                let posted = super::json_of(
                    client
                        .post(format!("{base}/api/v1/statuses"))
                        .bearer_auth(&tokens[n % tokens.len()])
                        .json(&serde_json::json!({"status": format!("Status number {n} about #topic{} with some words to read", n % 50)})),
                )
                .await;
                latencies_us.push(sent.elapsed().as_micros() as u32);
                ids.push(posted["id"].as_str().expect("a status id").to_owned());
            }
            (ids, latencies_us)
        }));
    }
    let (mut ids, mut latencies_us) = (Vec::new(), Vec::new());
    for poster in posters {
        let (more_ids, more_latencies) = poster.await.unwrap();
        ids.extend(more_ids);
        latencies_us.extend(more_latencies);
    }
    let posting = Figures { done: latencies_us.len() as u64, failed: 0, elapsed: started.elapsed(), latencies_us, peak_rss_mib: 0 };
    (reader_token, ids, posting)
}

struct Figures {
    done: u64,
    failed: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    peak_rss_mib: u64,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }

    fn print(&self, what: &str) {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let pick = |q: f64| sorted.get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0);
        println!(
            "{what}: {:.0} req/s ({} ok, {} failed), p50 {:.2} ms, p99 {:.2} ms",
            self.rate(),
            self.done,
            self.failed,
            pick(0.50) as f64 / 1000.0,
            pick(0.99) as f64 / 1000.0
        );
    }
}

/// `CONNECTIONS` keep-alive connections, each sending the next request as soon as the answer is in.
async fn hammer(port: u16, headers: &str, path: &dyn Fn(usize) -> String, duration: Duration, server_pid: u32) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicU64::new(0));
    let local = tokio::task::LocalSet::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        let requests: Vec<Vec<u8>> = (0..64)
            .map(|n| format!("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n{headers}\r\n", path(connection * 64 + n)).into_bytes())
            .collect();
        let (stop, failed) = (stop.clone(), failed.clone());
        tasks.push(local.spawn_local(async move {
            let mut latencies_us = Vec::new();
            let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)).await else {
                failed.fetch_add(1, Ordering::Relaxed);
                return latencies_us;
            };
            let _ = socket.set_nodelay(true);
            let mut buffer = Vec::with_capacity(64 * 1024);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let answered = exchange(&mut socket, &requests[n % requests.len()], &mut buffer).await;
                n += 1;
                match answered {
                    Ok(200) => latencies_us.push(sent.elapsed().as_micros() as u32),
                    Ok(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            latencies_us
        }));
    }
    let peak_rss_mib = local
        .run_until(async {
            let mut peak = 0;
            while started.elapsed() < duration {
                tokio::time::sleep(Duration::from_millis(250)).await;
                peak = peak.max(rss_mib(server_pid));
            }
            stop.store(true, Ordering::Relaxed);
            peak
        })
        .await;
    let elapsed = started.elapsed();
    let mut latencies_us = Vec::new();
    for task in tasks {
        latencies_us.extend(local.run_until(task).await.unwrap());
    }
    Figures { done: latencies_us.len() as u64, failed: failed.load(Ordering::Relaxed), elapsed, latencies_us, peak_rss_mib }
}

/// Sends one request and reads its whole answer (Content-Length bodies only); returns the status code.
async fn exchange(socket: &mut TcpStream, request: &[u8], buffer: &mut Vec<u8>) -> std::io::Result<u16> {
    socket.write_all(request).await?;
    buffer.clear();
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        read_more(socket, buffer).await?;
    };
    let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| invalid("head is not text"))?;
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| invalid("no status"))?;
    let length: usize = head
        .lines()
        .find_map(|line| line.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| invalid("no content-length"))?;
    while buffer.len() < head_end + length {
        read_more(socket, buffer).await?;
    }
    Ok(status)
}

async fn read_more(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let read = socket.read(&mut chunk).await?;
    if read == 0 {
        return Err(invalid("connection closed"));
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

fn invalid(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned())
}
