//! Federation figures: signed inbound activities per second, and how long a post takes to reach its
//! followers on 10 peer instances. Every instance is a real `hallway serve` process on its own SQLite file.

use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use diesel::RunQueryDsl;
use hallway::config::Settings;
use hallway::db::Database;
use hallway::service::accounts::{self, NewUser};
use hallway::service::audit::Actor;
use hallway::service::keys::{self, SigningKey};
use hallway::service::peers;
use rsa::RsaPrivateKey;
use serde_json::json;

use super::{free_port, json_of, start_server_with, wait_until_up};

const PASSWORD: &str = "benchmark password";
const PEERS: usize = 10;
const POSTS: usize = 40;

struct Instance {
    domain: String,
    base: String,
    url: String,
    db: Database,
    process: Option<Child>,
}

impl Instance {
    fn new(dir: &Path, name: &str) -> Instance {
        let port = free_port();
        let url = format!("sqlite://{}/{name}.db", dir.display());
        let db = Database::connect(&url, 2).expect("database");
        db.migrate().expect("migrate");
        let domain = format!("127.0.0.1:{port}");
        Instance {
            base: format!("http://{domain}"),
            domain,
            url,
            db,
            process: None,
        }
    }

    fn settings(&self) -> Settings {
        let mut settings = Settings::for_database(&self.url).expect("settings");
        settings.domain = self.domain.clone();
        settings
    }

    fn create_user(&self, name: &str) {
        let settings = self.settings();
        let email = format!("{name}@bench.example");
        self.db
            .write_blocking(|conn| {
                accounts::create_user(
                    conn,
                    &settings,
                    NewUser {
                        username: name,
                        password: PASSWORD,
                        email: Some(&email),
                        role: hallway::db::kinds::Role::User,
                    },
                )
            })
            .expect("user");
    }

    fn allow(&self, other: &Instance) {
        self.db
            .write_blocking(|conn| peers::allow(conn, &Actor::CommandLine { user: "bench".into() }, &other.domain))
            .expect("allow");
    }

    fn start(&mut self) {
        let port: u16 = self.domain.rsplit(':').next().unwrap().parse().unwrap();
        // The inbox's per-peer rate limit would cap the inbound figure; the benchmark measures the work.
        let env = [
            ("HALLWAY_FEDERATION_ALLOW_HTTP", "true"),
            ("HALLWAY_FEDERATION_INBOX_PER_MINUTE", "100000000"),
        ];
        self.process = Some(start_server_with(&self.url, port, &env));
    }

    fn signing_key(&self, name: &str) -> SigningKey {
        self.db
            .write_blocking(|conn| {
                let account = accounts::local_by_username(conn, name)?;
                keys::account_signing_key(conn, account.id)
            })
            .expect("key")
    }

    /// How many received activities wait in the inbox queue.
    fn inbox_waiting(&self) -> usize {
        self.db.read_blocking(hallway::db::queries::inbox_queue::count_queued).expect("inbox queue") as usize
    }

    /// When this instance processed each of `activity_uris`, as recorded by its inbox.
    fn received_at(&self, activity_uris: &[String]) -> Vec<Option<chrono::NaiveDateTime>> {
        #[derive(diesel::QueryableByName)]
        struct Received {
            #[diesel(sql_type = diesel::sql_types::Text)]
            uri: String,
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            received_at: chrono::NaiveDateTime,
        }
        let rows: Vec<Received> = self
            .db
            .read_blocking(|conn| Ok(diesel::sql_query("SELECT uri, received_at FROM received_activities").load(conn)?))
            .expect("received activities");
        activity_uris
            .iter()
            .map(|uri| rows.iter().find(|r| &r.uri == uri).map(|r| r.received_at))
            .collect()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

async fn token(client: &reqwest::Client, instance: &Instance, name: &str) -> String {
    let app = json_of(client.post(format!("{}/api/v1/apps", instance.base)).json(
        &json!({"client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow"}),
    ))
    .await;
    let grant = json_of(client.post(format!("{}/oauth/token", instance.base)).form(&[
        ("grant_type", "password"),
        ("client_id", app["client_id"].as_str().unwrap()),
        ("client_secret", app["client_secret"].as_str().unwrap()),
        ("username", name),
        ("password", PASSWORD),
        ("scope", "read write follow"),
    ]))
    .await;
    grant["access_token"].as_str().expect("token").to_owned()
}

async fn follow(client: &reqwest::Client, from: &Instance, token: &str, acct: &str) {
    let found = json_of(
        client
            .get(format!("{}/api/v1/accounts/lookup?acct={acct}", from.base))
            .bearer_auth(token),
    )
    .await;
    let id = found["id"].as_str().expect("remote account found").to_owned();
    client
        .post(format!("{}/api/v1/accounts/{id}/follow", from.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    for _ in 0..200 {
        let relationship = json_of(
            client
                .get(format!("{}/api/v1/accounts/relationships?id[]={id}", from.base))
                .bearer_auth(token),
        )
        .await;
        if relationship[0]["following"] == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a follow was not accepted");
}

pub fn run(dir: &Path, seconds: u64) {
    println!("\n== Federation ({PEERS} peer instances + 1, each a process on SQLite)");
    let mut origin = Instance::new(dir, "origin");
    let mut followers: Vec<Instance> = (0..PEERS).map(|n| Instance::new(dir, &format!("peer{n}"))).collect();
    origin.create_user("alice");
    for peer in &followers {
        peer.create_user("bob");
        peer.allow(&origin);
        origin.allow(peer);
    }
    origin.start();
    followers.iter_mut().for_each(Instance::start);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        wait_until_up(&origin.base).await;
        for peer in &followers {
            wait_until_up(&peer.base).await;
            let bob = token(&client, peer, "bob@bench.example").await;
            follow(&client, peer, &bob, &format!("alice@{}", origin.domain)).await;
        }
        let alice = token(&client, &origin, "alice@bench.example").await;
        fan_out_latency(&client, &origin, &followers, &alice).await;
        inbound_throughput(&client, &origin, &followers[0], Duration::from_secs(seconds)).await;
        posting_under_flood(&client, &origin, &followers[0], &alice).await;
    });
}

async fn fan_out_latency(client: &reqwest::Client, origin: &Instance, followers: &[Instance], alice: &str) {
    let mut posts = Vec::new();
    for n in 0..POSTS {
        let posted = json_of(
            client
                .post(format!("{}/api/v1/statuses", origin.base))
                .bearer_auth(alice)
                .json(&json!({"status": format!("fan-out benchmark post {n}")})),
        )
        .await;
        let created = chrono::DateTime::parse_from_rfc3339(posted["created_at"].as_str().unwrap())
            .unwrap()
            .naive_utc();
        posts.push((format!("{}/activity", posted["uri"].as_str().unwrap()), created));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let uris: Vec<String> = posts.iter().map(|(uri, _)| uri.clone()).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut latencies_ms = Vec::new();
    for peer in followers {
        let mut received = peer.received_at(&uris);
        while received.iter().any(Option::is_none) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            received = peer.received_at(&uris);
        }
        for ((_, created), at) in posts.iter().zip(received) {
            latencies_ms.push(at.map(|at| (at - *created).num_microseconds().unwrap_or(0) as f64 / 1000.0));
        }
    }
    let missing = latencies_ms.iter().filter(|l| l.is_none()).count();
    let mut delivered: Vec<f64> = latencies_ms.into_iter().flatten().collect();
    delivered.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| {
        delivered
            .get(((delivered.len() as f64 * q) as usize).min(delivered.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "post reaching followers on {} instances ({POSTS} posts, {} deliveries, {missing} missing): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        followers.len(),
        delivered.len(),
        pick(0.5),
        pick(0.99),
        delivered.last().copied().unwrap_or(0.0)
    );
}

async fn inbound_throughput(client: &reqwest::Client, origin: &Instance, peer: &Instance, duration: Duration) {
    let key = Arc::new(peer.signing_key("bob"));
    let actor = format!("{}/users/bob", peer.base);
    let inbox = format!("{}/inbox", origin.base);
    let (accepted, refused, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let private_key = Arc::new(hallway::apub::signatures::private_key_from_pem(&key.private_key_pem).unwrap());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..16u64 {
        let (client, key, private_key, actor, inbox) = (
            client.clone(),
            key.clone(),
            private_key.clone(),
            actor.clone(),
            inbox.clone(),
        );
        let (accepted, refused, stop) = (accepted.clone(), refused.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("{actor}/statuses/bench-{worker}-{n}");
                let activity = json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{id}/activity"), "type": "Create", "actor": actor,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "object": {"id": id, "type": "Note", "attributedTo": actor, "content": format!("<p>inbound {n}</p>"),
                               "to": ["https://www.w3.org/ns/activitystreams#Public"], "published": chrono::Utc::now().to_rfc3339()}
                });
                match post_signed(&client, &inbox, &activity, &key.key_id, &private_key).await {
                    Some(202) => accepted.fetch_add(1, Ordering::Relaxed),
                    _ => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "signed inbound Create(Note) activities: {:.0}/s accepted ({} accepted, {} refused, 16 senders; signing by the sender included)",
        accepted.load(Ordering::Relaxed) as f64 / elapsed,
        accepted.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed)
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    while origin.inbox_waiting() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (left, drained) = (origin.inbox_waiting(), started.elapsed().as_secs_f64());
    println!(
        "  applied from the inbox queue (one peer, so one at a time, in order): {:.0}/s ({left} left after {drained:.0} s)",
        (accepted.load(Ordering::Relaxed) as usize - left) as f64 / drained
    );
}

/// POSTs `activity` to `inbox` signed as an instance signs it; the status answered, if any.
async fn post_signed(client: &reqwest::Client, inbox: &str, activity: &serde_json::Value, key_id: &str, private_key: &RsaPrivateKey) -> Option<u16> {
    let body = serde_json::to_vec(activity).unwrap();
    let url = url::Url::parse(inbox).unwrap();
    let headers = hallway::apub::signatures::sign("POST", &url, key_id, private_key, &body, SystemTime::now()).unwrap();
    let mut request = client.post(url).header("content-type", "application/activity+json").body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.ok().map(|response| response.status().as_u16())
}

/// How long a local post takes, alone and while a peer floods the inbox with large, deeply nested notes
/// (50,000 unclosed `<div>`s, 244 KiB each, from 8 senders at once).
async fn posting_under_flood(client: &reqwest::Client, origin: &Instance, peer: &Instance, alice: &str) {
    const LOCAL_POSTS: usize = 100;
    let alone = local_post_latencies(client, origin, alice, LOCAL_POSTS).await;
    let key = Arc::new(peer.signing_key("bob"));
    let private_key = Arc::new(hallway::apub::signatures::private_key_from_pem(&key.private_key_pem).unwrap());
    let (actor, inbox) = (format!("{}/users/bob", peer.base), format!("{}/inbox", origin.base));
    let (accepted, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
    let content = "<div>".repeat(50_000) + "flood";
    let mut senders = Vec::new();
    for sender in 0..8u64 {
        let (client, key, private_key, actor, inbox, content) =
            (client.clone(), key.clone(), private_key.clone(), actor.clone(), inbox.clone(), content.clone());
        let (accepted, stop) = (accepted.clone(), stop.clone());
        senders.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("{actor}/statuses/flood-{sender}-{n}");
                let activity = json!({
                    "id": format!("{id}/activity"), "type": "Create", "actor": actor,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "object": {"id": id, "type": "Note", "attributedTo": actor, "content": content,
                               "to": ["https://www.w3.org/ns/activitystreams#Public"]}
                });
                if post_signed(&client, &inbox, &activity, &key.key_id, &private_key).await == Some(202) {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flooded = local_post_latencies(client, origin, alice, LOCAL_POSTS).await;
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        let _ = sender.await;
    }
    let waiting = origin.inbox_waiting();
    println!("local post, {LOCAL_POSTS} in a row, alone: {}", alone.summary());
    println!(
        "local post while a peer floods the inbox with 244 KiB nested notes: {} ({} flood activities accepted, {waiting} still queued at the end)",
        flooded.summary(),
        accepted.load(Ordering::Relaxed)
    );
}

struct Latencies(Vec<f64>);

impl Latencies {
    fn summary(&self) -> String {
        let mut sorted = self.0.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let pick = |q: f64| sorted.get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0.0);
        format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", pick(0.5), pick(0.99), sorted.last().copied().unwrap_or(0.0))
    }
}

async fn local_post_latencies(client: &reqwest::Client, origin: &Instance, alice: &str, posts: usize) -> Latencies {
    let mut latencies = Vec::with_capacity(posts);
    for n in 0..posts {
        let started = Instant::now();
        let response = client
            .post(format!("{}/api/v1/statuses", origin.base))
            .bearer_auth(alice)
            .json(&json!({"status": format!("local post {n} during the benchmark"), "visibility": "private"}))
            .send()
            .await
            .expect("local post");
        assert!(response.status().is_success(), "local post: {}", response.status());
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Latencies(latencies)
}
