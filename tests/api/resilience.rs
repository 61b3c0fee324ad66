//! Federation when instances fail: every instance here is a real `hallway serve` process on its own SQLite
//! file, set up with the CLI, driven over HTTP, stopped, SIGKILLed and restarted on the same port and database.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use hallway::db::kinds::DeliveryState;
use hallway::apub::client::FederationError;
use hallway::db::models::Delivery;
use hallway::db::queries::deliveries;
use hallway::db::schema;
use hallway::db::Database;

use crate::support::{Api, PASSWORD};

const POLL: Duration = Duration::from_millis(100);
const SCOPES: &str = "read write follow";
/// Only the access log above `warn`: each request line with its status, for the tests that count requests.
const RUST_LOG: &str = "warn,hallway::telemetry=info";

/// How an instance's access log (readable format) writes one answered request.
fn access_line(method: &str, path: &str, status: u16) -> String {
    format!("method={method} path={path}}}: hallway::telemetry: answered status={status} ")
}

/// One instance: a port, a directory holding its SQLite file and its log, and its process while it runs.
struct Instance {
    name: &'static str,
    /// Unique to this instance: the readiness check makes sure the server on the port is this one.
    title: String,
    port: u16,
    domain: String,
    base: String,
    database_url: String,
    log: PathBuf,
    child: Option<Child>,
    db: Option<Database>,
    dir: tempfile::TempDir,
}

/// A port nobody listens on now (bound to port 0, then released), never handed out twice in this run:
/// instances stop and restart on their port while other tests pick theirs.
fn free_port() -> u16 {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0").expect("bind port 0").local_addr().unwrap().port();
        if HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return port;
        }
    }
}

fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No kept-alive connections: a pooled connection to a process that was killed would fail the next request.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

impl Instance {
    fn new(name: &'static str) -> Instance {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let domain = format!("127.0.0.1:{port}");
        Instance {
            name,
            title: format!("resilience {name} {}", hallway::ids::next_id()),
            port,
            base: format!("http://{domain}"),
            domain,
            database_url: format!("sqlite://{}/hallway.db", dir.path().display()),
            log: dir.path().join("serve.log"),
            child: None,
            db: None,
            dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hallway"));
        command.args(args).current_dir(self.dir.path());
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HALLWAY_") || k == "RUST_LOG") {
            command.env_remove(key);
        }
        command
            .env("HALLWAY_DOMAIN", &self.domain)
            .env("HALLWAY_LISTEN", &self.domain)
            .env("HALLWAY_DATABASE_URL", &self.database_url)
            .env("HALLWAY_DATA_DIR", self.dir.path().join("data"))
            .env("HALLWAY_TITLE", &self.title)
            .env("HALLWAY_FEDERATION_ALLOW_HTTP", "true")
            .env("HALLWAY_FEDERATION_RETRY_BASE_MS", "200")
            .env("RUST_LOG", RUST_LOG);
        command
    }

    /// Runs a CLI command on this instance's database (the server may be running: SQLite in WAL mode).
    fn cli(&self, args: &[&str]) -> String {
        let output = self.command(args).output().expect("run the hallway binary");
        assert!(
            output.status.success(),
            "{}: hallway {args:?} failed: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn create_user(&self, name: &str) {
        let email = format!("{name}@corp.example");
        let out = self.cli(&["user", "create", name, "--password", PASSWORD, "--email", &email]);
        assert!(out.contains(&format!("created @{name}@{}", self.domain)), "{out}");
    }

    fn allow(&self, other: &Instance) {
        let out = self.cli(&["peers", "allow", &other.domain]);
        assert!(out.contains(&format!("allowed {}", other.domain)), "{out}");
    }

    /// Starts `hallway serve` (its output appended to the log) and waits until it answers.
    async fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("log file");
        let child = self
            .command(&["serve"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn hallway serve");
        self.child = Some(child);
        let client = http_client();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = client.get(format!("{}/api/v1/instance", self.base)).send().await {
                if response.status().is_success() {
                    let instance: serde_json::Value = response.json().await.unwrap_or_default();
                    assert_eq!(instance["title"], self.title.as_str(), "another server answers on {}'s port", self.name);
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                panic!("{} exited with {status} while starting:\n{}", self.name, self.log_tail(30));
            }
            assert!(Instant::now() < deadline, "{} did not answer within 20 s:\n{}", self.name, self.log_tail(30));
            tokio::time::sleep(POLL).await;
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown, no flushing, work in flight is cut off.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// This instance's database, opened by the test beside the server.
    fn db(&mut self) -> Database {
        if self.db.is_none() {
            self.db = Some(Database::connect(&self.database_url, 1).expect("open the instance's database"));
        }
        self.db.clone().unwrap()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn log_tail(&self, lines: usize) -> String {
        let text = self.log_text();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn anonymous(&self) -> Api {
        Api { client: http_client(), base: self.base.clone(), token: None }
    }

    /// Signs a user in with the OAuth password grant (the email given at `user create`).
    async fn login(&self, name: &str) -> Api {
        let anonymous = self.anonymous();
        let app = anonymous
            .post_json(
                "/api/v1/apps",
                &json!({"client_name": "resilience", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": SCOPES}),
            )
            .await;
        assert_eq!(app.status, 200, "{}: registering an app: {}", self.name, app.text);
        let token = anonymous
            .post_form(
                "/oauth/token",
                &[
                    ("grant_type", "password"),
                    ("client_id", &app.str("client_id")),
                    ("client_secret", &app.str("client_secret")),
                    ("username", &format!("{name}@corp.example")),
                    ("password", PASSWORD),
                    ("scope", SCOPES),
                ],
            )
            .await;
        assert_eq!(token.status, 200, "{}: signing {name} in: {}\n{}", self.name, token.text, self.log_tail(10));
        Api { client: http_client(), base: self.base.clone(), token: Some(token.str("access_token")) }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // A process that ended without the test stopping it (crash, or a signal from outside) says so here.
        let ended = self.child.as_mut().and_then(|child| child.try_wait().ok().flatten());
        let was_running = self.child.is_some();
        self.kill();
        if std::thread::panicking() {
            let process = match ended {
                Some(status) => format!("its process had ended by itself: {status}"),
                None if was_running => "its process was running".to_owned(),
                None => "stopped by the test".to_owned(),
            };
            eprintln!("----- {} ({}): {process}; last lines of its log -----\n{}", self.name, self.domain, self.log_tail(40));
        }
    }
}

/// Panics with `detail` once the deadline has passed; else waits one poll interval.
async fn tick(deadline: Instant, what: &str, detail: impl std::fmt::Debug) {
    assert!(Instant::now() < deadline, "timed out waiting until {what}; last seen: {detail:?}");
    tokio::time::sleep(POLL).await;
}

/// `follower` follows `name@on` (looked up from the follower's instance); waits until the Accept is back.
async fn follow_remote(follower: &Api, name: &str, on: &Instance) -> String {
    let found = follower.get(&format!("/api/v1/accounts/lookup?acct={name}@{}", on.domain)).await;
    assert_eq!(found.status, 200, "lookup of {name}@{}: {}", on.domain, found.text);
    let id = found.id();
    let followed = follower.post(&format!("/api/v1/accounts/{id}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.text);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let relationship = follower.get(&format!("/api/v1/accounts/relationships?id[]={id}")).await;
        if relationship.body[0]["following"] == true {
            return id;
        }
        tick(deadline, &format!("the follow of {name}@{} is accepted", on.domain), relationship.body).await;
    }
}

/// Posts `count` public statuses; answers their URIs in order.
async fn post_statuses(author: &Api, text: &str, count: usize) -> Vec<String> {
    let mut uris = Vec::new();
    for n in 1..=count {
        uris.push(author.toot(&format!("{text} #{n}"), json!({})).await.str("uri"));
    }
    uris
}

/// The URIs in a home timeline (one page of 40: the tests post fewer).
async fn home_uris(api: &Api) -> Vec<String> {
    let home = api.get("/api/v1/timelines/home?limit=40").await;
    assert_eq!(home.status, 200, "{}", home.text);
    home.array().iter().map(|s| s["uri"].as_str().unwrap().to_owned()).collect()
}

/// How often each URI occurs, when any occurs more than once.
fn duplicates(uris: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for uri in uris {
        *counts.entry(uri.clone()).or_insert(0) += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}

/// The outbox rows of the Create activities of these statuses.
async fn creates(db: &Database, status_uris: &[String]) -> Vec<Delivery> {
    let activities: Vec<String> = status_uris.iter().map(|uri| format!("{uri}/activity")).collect();
    db.read(move |conn| {
        let mut rows = Vec::new();
        for activity in &activities {
            rows.extend(deliveries::of_activity(conn, activity)?);
        }
        Ok(rows)
    })
    .await
    .expect("read deliveries")
}

async fn deliveries_to(db: &Database, host: &str) -> Vec<Delivery> {
    let host = host.to_owned();
    db.read(move |conn| {
        use schema::deliveries::dsl;
        Ok(dsl::deliveries.filter(dsl::peer_host.eq(host)).select(Delivery::as_select()).load::<Delivery>(conn)?)
    })
    .await
    .expect("read deliveries")
}

fn summary(rows: &[Delivery]) -> BTreeMap<(String, String), (usize, i32)> {
    let mut by = BTreeMap::new();
    for row in rows {
        let entry = by.entry((row.peer_host.clone(), row.state.to_string())).or_insert((0, 0));
        entry.0 += 1;
        entry.1 = entry.1.max(row.attempts);
    }
    by
}

/// B follows A; B is down while A posts; A's outbox keeps retrying; B comes back and gets every post once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_was_down_receives_everything_after_it_comes_back() {
    let started = Instant::now();
    let mut a = Instance::new("a");
    let mut b = Instance::new("b");
    a.create_user("alice");
    a.allow(&b);
    b.create_user("bob");
    b.allow(&a);
    a.start().await;
    b.start().await;
    let alice = a.login("alice").await;
    let bob = b.login("bob").await;
    follow_remote(&bob, "alice", &a).await;

    b.kill();
    let posted = post_statuses(&alice, "posted while b is down", 5).await;

    let db_a = a.db();
    let deadline = Instant::now() + Duration::from_secs(15);
    let queued = loop {
        let rows = creates(&db_a, &posted).await;
        let retried = rows.len() == 5
            && rows.iter().all(|r| r.state == DeliveryState::Queued && r.attempts >= 2 && r.last_error.is_some());
        if retried {
            break rows;
        }
        tick(deadline, "A has tried each post at B at least twice", summary(&rows)).await;
    };
    assert!(queued.iter().all(|r| r.peer_host == b.domain), "{:?}", summary(&queued));
    eprintln!("while b was down: {:?}; last error: {:?}", summary(&queued), queued[0].last_error);

    b.start().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let home = home_uris(&bob).await;
        assert!(duplicates(&home).is_empty(), "duplicates in bob's home: {:?}", duplicates(&home));
        if posted.iter().all(|uri| home.contains(uri)) {
            break;
        }
        tick(deadline, "all five posts reach bob's home", &home).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = creates(&db_a, &posted).await;
        if rows.len() == 5 && rows.iter().all(|r| r.state == DeliveryState::Delivered) {
            break;
        }
        tick(deadline, "A records every delivery as delivered", summary(&rows)).await;
    }
    let home = home_uris(&bob).await;
    let arrived: Vec<&String> = home.iter().filter(|uri| posted.contains(uri)).collect();
    assert_eq!(arrived.len(), 5, "each post exactly once: {home:?}");
    assert!(duplicates(&home).is_empty(), "{:?}", duplicates(&home));
    eprintln!("a_peer_that_was_down_receives_everything_after_it_comes_back: {:?}", started.elapsed());
}

/// A fans 20 posts out to B, C (refusing connections) and D (hung: accepts, never answers) and is SIGKILLed
/// with deliveries leased and in flight; after a restart on the same database each follower has every
/// post exactly once and every outbox row ends delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_fan_out_loses_nothing_and_duplicates_nothing() {
    let started = Instant::now();
    let mut a = Instance::new("a");
    let mut b = Instance::new("b");
    let mut c = Instance::new("c");
    let mut d = Instance::new("d");
    a.create_user("alice");
    for (peer, user) in [(&b, "bob"), (&c, "carol"), (&d, "dave")] {
        peer.create_user(user);
    }
    for one in [&a, &b, &c, &d] {
        for other in [&a, &b, &c, &d] {
            if one.port != other.port {
                one.allow(other);
            }
        }
    }
    for instance in [&mut a, &mut b, &mut c, &mut d] {
        instance.start().await;
    }
    let alice = a.login("alice").await;
    let followers = [b.login("bob").await, c.login("carol").await, d.login("dave").await];
    for follower in &followers {
        follow_remote(follower, "alice", &a).await;
    }
    assert_eq!(alice.me().await.body["followers_count"], 3);

    // C refuses connections; D's port is held by a listener that never answers, so sends to it hang.
    c.kill();
    d.kill();
    let hung_d = TcpListener::bind(("127.0.0.1", d.port)).expect("hold d's port");
    let posted = post_statuses(&alice, "fan-out", 20).await;

    let db_a = a.db();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = creates(&db_a, &posted).await;
        let now = hallway::ids::now();
        if rows.iter().any(|r| r.state == DeliveryState::Queued && r.leased_until.is_some_and(|t| t > now)) {
            break;
        }
        tick(deadline, "some deliveries are leased (in flight)", summary(&rows)).await;
    }
    a.kill();
    let at_kill = creates(&db_a, &posted).await;
    let now = hallway::ids::now();
    assert_eq!(at_kill.len(), 60, "one Create per post per peer: {:?}", summary(&at_kill));
    let pending: Vec<&Delivery> = at_kill.iter().filter(|r| r.state == DeliveryState::Queued).collect();
    let leased = pending.iter().filter(|r| r.leased_until.is_some_and(|t| t > now)).count();
    assert!(leased > 0, "the kill should land while deliveries are leased: {:?}", summary(&at_kill));
    assert!(at_kill.iter().all(|r| r.state != DeliveryState::Failed), "{:?}", summary(&at_kill));
    // Leased rows come due only when the killed process's lease runs out (delivery::LEASE), the others at
    // their next retry: wait for the latest of those, plus time to send.
    let due = pending
        .iter()
        .map(|r| r.leased_until.map_or(r.next_attempt_at, |lease| lease.max(r.next_attempt_at)))
        .max()
        .unwrap_or(now);
    let until_due = (due - now).to_std().unwrap_or_default();
    eprintln!(
        "at the kill: {:?}; {} pending, {leased} leased; the last comes due in {until_due:?}",
        summary(&at_kill),
        pending.len()
    );

    drop(hung_d);
    c.start().await;
    d.start().await;
    a.start().await;
    let deadline = Instant::now() + until_due + Duration::from_secs(30);
    for (follower, peer) in followers.iter().zip([&b, &c, &d]) {
        loop {
            let home = home_uris(follower).await;
            assert!(duplicates(&home).is_empty(), "duplicates on {}: {:?}", peer.name, duplicates(&home));
            if posted.iter().all(|uri| home.contains(uri)) {
                break;
            }
            let missing = posted.iter().filter(|uri| !home.contains(uri)).count();
            tick(deadline, &format!("all 20 posts reach {}", peer.name), format!("{missing} missing")).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = creates(&db_a, &posted).await;
        if rows.iter().all(|r| r.state == DeliveryState::Delivered) {
            assert_eq!(rows.len(), 60, "{:?}", summary(&rows));
            break;
        }
        tick(deadline, "A records every delivery as delivered", summary(&rows)).await;
    }
    for (follower, peer) in followers.iter().zip([&b, &c, &d]) {
        let home = home_uris(follower).await;
        let got: HashSet<&String> = home.iter().filter(|uri| posted.contains(uri)).collect();
        assert_eq!(got.len(), 20, "{}: {home:?}", peer.name);
        assert_eq!(home.iter().filter(|uri| posted.contains(uri)).count(), 20, "{}: each exactly once", peer.name);
        assert!(duplicates(&home).is_empty(), "{}: {:?}", peer.name, duplicates(&home));
    }
    eprintln!("kill_9_mid_fan_out_loses_nothing_and_duplicates_nothing: {:?}", started.elapsed());
}

/// Rows of A's tables that a refused activity must not touch.
async fn table_counts(db: &Database) -> BTreeMap<&'static str, i64> {
    db.read(|conn| {
        let mut counts = BTreeMap::new();
        counts.insert("accounts", schema::accounts::table.count().get_result::<i64>(conn)?);
        counts.insert("follows", schema::follows::table.count().get_result::<i64>(conn)?);
        counts.insert("follow_requests", schema::follow_requests::table.count().get_result::<i64>(conn)?);
        counts.insert("notifications", schema::notifications::table.count().get_result::<i64>(conn)?);
        counts.insert("received_activities", schema::received_activities::table.count().get_result::<i64>(conn)?);
        Ok(counts)
    })
    .await
    .expect("count rows")
}

fn lines_since(log: &str, offset: usize, needle: &str) -> usize {
    log.get(offset..).unwrap_or_default().lines().filter(|l| l.contains(needle)).count()
}

/// Waits (briefly: the access log is written as the response completes) until the instance's log has
/// `count` lines with `needle` past `offset`, then checks there are no more than that.
async fn expect_log_lines(instance: &Instance, offset: usize, needle: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while lines_since(&instance.log_text(), offset, needle) < count {
        tick(deadline, &format!("{} logs {count} × {needle}", instance.name), instance.log_tail(10)).await;
    }
    assert_eq!(lines_since(&instance.log_text(), offset, needle), count, "{}", instance.log_tail(10));
}

/// A allows B only; X allows A. X's signed fetches and deliveries are answered 403 and change nothing on A
/// (also after X was allowed once and removed again); A never sends X a request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlisted_instance_is_refused_both_ways() {
    let started = Instant::now();
    let mut a = Instance::new("a");
    let mut b = Instance::new("b");
    let mut x = Instance::new("x");
    a.create_user("alice");
    a.allow(&b);
    b.create_user("bob");
    b.allow(&a);
    for user in ["xavier", "walter", "yvonne"] {
        x.create_user(user);
    }
    x.allow(&a);
    a.start().await;
    b.start().await;
    x.start().await;
    let alice = a.login("alice").await;
    let xavier = x.login("xavier").await;
    let walter = x.login("walter").await;
    let acct_alice = format!("alice@{}", a.domain);

    // X looks alice up: WebFinger is public, the signed actor fetch is answered 403.
    let looked_up = xavier.get(&format!("/api/v1/accounts/lookup?acct={acct_alice}")).await;
    assert_eq!(looked_up.status, 404, "{}", looked_up.text);
    expect_log_lines(&a, 0, &access_line("GET", "/users/alice", 403), 1).await;
    let db_x = x.db();
    let mut x_settings = hallway::config::Settings::for_database(&x.database_url).unwrap();
    x_settings.domain = x.domain.clone();
    x_settings.scheme = "http".into();
    x_settings.federation_allow_http = true;
    let as_x = hallway::state::AppState::new(db_x.clone(), x_settings).expect("state");
    let refused = hallway::apub::resolve::by_acct(&as_x, "alice", &a.domain).await;
    assert!(matches!(refused, Err(FederationError::Status(403))), "X's signed fetch of alice: {refused:?}");
    let a_domain = a.domain.clone();
    let known_on_x: i64 = db_x
        .read(move |conn| {
            use schema::accounts::dsl;
            Ok(dsl::accounts.filter(dsl::domain.eq(a_domain)).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(known_on_x, 0, "X stored nothing of A");
    // The same lookup from B, which A allows, works.
    let from_b = b.login("bob").await.get(&format!("/api/v1/accounts/lookup?acct={acct_alice}")).await;
    assert_eq!(from_b.status, 200, "{}", from_b.text);

    // X is allowed for a while: xavier follows alice, and X learns alice's actor.
    a.allow(&x);
    let alice_on_x = follow_remote(&xavier, "alice", &a).await;
    assert_eq!(alice.me().await.body["followers_count"], 1);
    assert_eq!(alice.get("/api/v1/notifications").await.array().len(), 1);
    let out = a.cli(&["peers", "remove", &x.domain]);
    assert!(out.contains(&format!("removed {}", x.domain)), "{out}");

    let db_a = a.db();
    let before = table_counts(&db_a).await;
    let log_offset = a.log_text().len();
    let x_rows_before: HashSet<i64> = deliveries_to(&db_x, &a.domain).await.iter().map(|r| r.id).collect();

    // Now X's Undo (xavier) and Follow (walter, whom A never heard of) are signed POSTs to alice's inbox.
    let unfollowed = xavier.post(&format!("/api/v1/accounts/{alice_on_x}/unfollow")).await;
    assert_eq!(unfollowed.status, 200, "{}", unfollowed.text);
    let alice_for_walter = walter.get(&format!("/api/v1/accounts/lookup?acct={acct_alice}")).await;
    assert_eq!(alice_for_walter.status, 200, "X knows alice from before: {}", alice_for_walter.text);
    assert_eq!(alice_for_walter.id(), alice_on_x);
    let followed = walter.post(&format!("/api/v1/accounts/{alice_on_x}/follow")).await;
    assert_eq!(followed.status, 200, "{}", followed.text);
    assert_eq!(followed.body["requested"], true, "{}", followed.body);

    let deadline = Instant::now() + Duration::from_secs(15);
    let refused_rows = loop {
        let rows: Vec<Delivery> =
            deliveries_to(&db_x, &a.domain).await.into_iter().filter(|r| !x_rows_before.contains(&r.id)).collect();
        if rows.len() == 2 && rows.iter().all(|r| r.state != DeliveryState::Queued) {
            break rows;
        }
        tick(deadline, "X's two deliveries to A are settled", summary(&rows)).await;
    };
    for row in &refused_rows {
        assert_eq!(row.state, DeliveryState::Failed, "{row:?}");
        assert_eq!(row.attempts, 1, "a 403 is final, not retried: {row:?}");
        assert!(row.last_error.as_deref().unwrap_or_default().contains("403"), "{row:?}");
    }
    expect_log_lines(&a, log_offset, &access_line("POST", "/users/alice/inbox", 403), 2).await;

    // A recorded nothing: the Undo did not end xavier's follow, walter is unknown, no notification.
    assert_eq!(table_counts(&db_a).await, before);
    assert_eq!(alice.me().await.body["followers_count"], 1);
    let notes = alice.get("/api/v1/notifications").await;
    assert_eq!(notes.array().len(), 1, "{}", notes.body);
    assert_eq!(notes.body[0]["account"]["acct"], format!("xavier@{}", x.domain));
    let x_domain = x.domain.clone();
    let walter_on_a: i64 = db_a
        .read(move |conn| {
            use schema::accounts::dsl;
            Ok(dsl::accounts.filter(dsl::uri.eq(format!("http://{x_domain}/users/walter"))).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(walter_on_a, 0);
    let walter_relationship = walter.get(&format!("/api/v1/accounts/relationships?id[]={alice_on_x}")).await;
    assert_eq!(walter_relationship.body[0]["following"], false, "{}", walter_relationship.body);

    // The other way: A makes no request to X, neither to look a user up nor to deliver a post,
    // although xavier still follows alice on A.
    let x_log_offset = x.log_text().len();
    let lookup = alice.get(&format!("/api/v1/accounts/lookup?acct=yvonne@{}", x.domain)).await;
    assert_eq!(lookup.status, 404, "{}", lookup.text);
    let post = alice.toot("not for X", json!({})).await;
    let activity = format!("{}/activity", post.str("uri"));
    let queued = db_a.read(move |conn| deliveries::of_activity(conn, &activity)).await.unwrap();
    assert!(queued.is_empty(), "nothing queued for a removed peer: {:?}", summary(&queued));
    let queued_for_x = deliveries_to(&db_a, &x.domain).await;
    assert!(queued_for_x.iter().all(|r| r.state != DeliveryState::Queued), "{:?}", summary(&queued_for_x));
    let x_log = x.log_text();
    let reached_x: Vec<&str> =
        x_log.get(x_log_offset..).unwrap_or_default().lines().filter(|l| l.contains(": answered status=")).collect();
    assert!(reached_x.is_empty(), "A reached X: {reached_x:?}");
    eprintln!("an_unlisted_instance_is_refused_both_ways: {:?}", started.elapsed());
}
