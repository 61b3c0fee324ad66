//! More than one machine: three real `hallway serve` processes on one PostgreSQL database, behind HAProxy
//! (Debian's `haproxy`), with their media in an S3 store (moto), act as one instance: a post through one
//! process streams to a client of another, media uploaded through one are served by the others, a
//! federated delivery is made exactly once, and one process runs the scheduler.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::s3::Moto;
use crate::support::{eventually, hallway, sign_in, Api, Backend, PostgresDatabase, TestServer, PASSWORD};

const HAPROXY: &str = "/usr/sbin/haproxy";
const BUCKET: &str = "hallway-shared";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Instance {
    processes: Vec<(u16, u16, Running)>,
    _balancer: Running,
    base: String,
    domain: String,
}

impl Instance {
    fn process_base(&self, index: usize) -> String {
        format!("http://127.0.0.1:{}", self.processes[index].0)
    }

    async fn metrics(&self, index: usize) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.processes[index].1)).await.unwrap().text().await.unwrap()
    }
}

/// The sum of a metric's samples whose line starts with `prefix` (name and the first labels) and holds every
/// one of `labels`.
fn sum_with(metrics: &str, prefix: &str, labels: &[&str]) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(prefix) && labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn sum_of(metrics: &str, prefix: &str) -> f64 {
    sum_with(metrics, prefix, &[])
}

fn run_cli(dir: &Path, env: &[(String, String)], args: &[&str]) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let output = hallway(dir, args, &env);
    assert!(output.status.success(), "hallway {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

async fn start_instance(database: &PostgresDatabase, moto: &Moto, dir: &Path) -> Instance {
    let balancer_port = free_port();
    let domain = format!("127.0.0.1:{balancer_port}");
    let env: Vec<(String, String)> = [
        ("HALLWAY_DATABASE_URL", database.url.as_str()),
        ("HALLWAY_DOMAIN", &domain),
        ("HALLWAY_SCHEME", "http"),
        ("HALLWAY_FEDERATION_ALLOW_HTTP", "true"),
        ("HALLWAY_FEDERATION_RETRY_BASE_MS", "200"),
        ("HALLWAY_ACCESS_REQUIRE_LOGIN", "false"),
        ("HALLWAY_ACCESS_TRUSTED_PROXIES", "127.0.0.1"),
        ("HALLWAY_DATABASE_POOL_SIZE", "4"),
        ("HALLWAY_MEDIA_STORE", "s3"),
        ("HALLWAY_MEDIA_S3_ENDPOINT", &moto.endpoint),
        ("HALLWAY_MEDIA_S3_BUCKET", BUCKET),
        ("HALLWAY_MEDIA_S3_ACCESS_KEY_ID", "hallway"),
        ("HALLWAY_MEDIA_S3_SECRET_ACCESS_KEY", "hallway-secret"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    run_cli(dir, &env, &["migrate"]);
    for name in ["ann", "bob"] {
        run_cli(dir, &env, &["user", "create", name, "--password", PASSWORD, "--email", &format!("{name}@corp.example")]);
    }
    let mut processes = Vec::new();
    for index in 0..3 {
        let (port, metrics_port) = (free_port(), free_port());
        let data_dir = dir.join(format!("process-{index}"));
        let child = Command::new(env!("CARGO_BIN_EXE_hallway"))
            .arg("serve")
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("HALLWAY_LISTEN", format!("127.0.0.1:{port}"))
            .env("HALLWAY_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
            .env("HALLWAY_DATA_DIR", &data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hallway serve");
        processes.push((port, metrics_port, Running(child)));
    }
    let servers: String =
        processes.iter().enumerate().map(|(i, (port, _, _))| format!("    server hallway{i} 127.0.0.1:{port} check inter 500ms\n")).collect();
    let config = dir.join("haproxy.cfg");
    std::fs::write(
        &config,
        format!(
            "global\n    maxconn 256\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n    timeout tunnel 1h\n\
             frontend hallway\n    bind 127.0.0.1:{balancer_port}\n    option forwardfor\n    default_backend processes\n\
             backend processes\n    balance roundrobin\n{servers}"
        ),
    )
    .unwrap();
    let balancer = Command::new(HAPROXY).args(["-f", config.to_str().unwrap(), "-db"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("haproxy");
    let instance = Instance { processes, _balancer: Running(balancer), base: format!("http://{domain}"), domain };
    let client = reqwest::Client::new();
    for index in 0..3 {
        let health = format!("{}/health", instance.process_base(index));
        eventually("the process answers", async || client.get(&health).send().await.is_ok_and(|r| r.status() == 200)).await;
    }
    // HAProxy's checks find every process up.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let health = format!("{}/health", instance.base);
    eventually("the balancer answers", async || client.get(&health).send().await.is_ok_and(|r| r.status() == 200)).await;
    instance
}

/// Each process's API, with the same token.
fn on_process(api: &Api, instance: &Instance, index: usize) -> Api {
    Api { base: instance.process_base(index), ..api.clone() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_behind_a_balancer_act_as_one_instance() {
    let Some(database) = PostgresDatabase::create() else { return };
    if !Path::new(HAPROXY).exists() {
        assert!(std::env::var_os("CI").is_none(), "haproxy is needed in CI (apt-get install haproxy)");
        return eprintln!("haproxy is not installed: the scale-out test checks nothing");
    }
    let Some(moto) = Moto::start(BUCKET).await else { return };
    let work = tempfile::tempdir().unwrap();
    let instance = start_instance(&database, &moto, work.path()).await;
    let ann = sign_in(&instance.base, "ann", "read write follow").await;
    let bob = sign_in(&instance.base, "bob", "read write follow").await;
    let ann_id = ann.me().await.id();
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 200);

    // The balancer spreads requests over the three.
    for _ in 0..6 {
        assert_eq!(ann.get("/api/v1/timelines/home").await.status, 200);
    }
    for index in 0..3 {
        let served = sum_of(&instance.metrics(index).await, "hallway_http_requests_total{method=\"GET\",route=\"/api/v1/timelines/home\"");
        assert!(served >= 1.0, "process {index} served through the balancer");
    }

    // A post through process 0 reaches a stream open on process 1.
    let stream_url = format!("{}/api/v1/streaming?stream=user&access_token={}", instance.process_base(1).replace("http://", "ws://"), bob.token.clone().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(stream_url).await.expect("websocket on process 1");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted = on_process(&ann, &instance, 0).toot("Posted through process 0", json!({})).await;
    let update = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = socket.next().await {
            if let WsMessage::Text(text) = message {
                let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
                if frame["event"] == "update" {
                    return frame;
                }
            }
        }
        panic!("the stream ended")
    })
    .await
    .expect("the update reaches the stream on process 1");
    let payload: serde_json::Value = serde_json::from_str(update["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["id"], posted.id());

    // Media uploaded through process 0 are served by 1 and 2.
    let uploaded = crate::media::upload(&on_process(&ann, &instance, 0), crate::media::file_form(crate::media::png(90, 60), "plan.png")).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    let path = uploaded.str("url").split(&instance.domain).nth(1).unwrap().to_owned();
    for index in [1, 2] {
        let served = reqwest::get(format!("{}{path}", instance.process_base(index))).await.unwrap();
        assert_eq!(served.status(), 200, "process {index} serves {path}");
        assert_eq!(image::load_from_memory(&served.bytes().await.unwrap()).unwrap().width(), 90);
    }

    // One delivery per activity and peer, whichever process sends it.
    let peer = TestServer::start(Backend::Sqlite, |_| {}).await.expect("a peer");
    peer.allow_host(&instance.domain).await;
    let env = [("HALLWAY_DATABASE_URL".to_owned(), database.url.clone()), ("HALLWAY_DOMAIN".to_owned(), instance.domain.clone())];
    run_cli(work.path(), &env, &["peers", "allow", &peer.settings.domain]);
    let cat = peer.login("cat").await;
    let ann_there = cat.get(&format!("/api/v1/accounts/lookup?acct=ann@{}", instance.domain)).await.id();
    cat.post(&format!("/api/v1/accounts/{ann_there}/follow")).await;
    eventually("the follow is accepted", async || {
        cat.get(&format!("/api/v1/accounts/relationships?id[]={ann_there}")).await.body[0]["following"] == true
    })
    .await;
    let news = ann.toot("News for every division", json!({})).await;
    let uri = news.str("uri");
    eventually("the post reaches the peer", async || cat.get("/api/v1/timelines/home").await.array().iter().any(|s| s["uri"] == uri.as_str())).await;
    let shared = hallway::db::Database::connect(&database.url, 1).unwrap();
    let activity = format!("{uri}/activity");
    let deliveries = shared.read_blocking(|conn| hallway::db::queries::deliveries::of_activity(conn, &activity)).unwrap();
    assert_eq!(deliveries.len(), 1, "one delivery to the peer: {deliveries:?}");
    assert_eq!((deliveries[0].attempts, deliveries[0].state.as_str()), (1, "delivered"), "made once");
    let peer_label = format!("peer=\"{}\"", peer.settings.domain);
    let mut delivered = 0.0;
    for index in 0..3 {
        delivered += sum_with(&instance.metrics(index).await, "hallway_deliveries_total{", &["outcome=\"delivered\"", &peer_label]);
    }
    assert_eq!(delivered, 2.0, "the Accept and the Create, each sent by one process only");

    // One scheduler.
    let mut leaders = Vec::new();
    for index in 0..3 {
        let metrics = instance.metrics(index).await;
        if sum_of(&metrics, "hallway_scheduler_leader ") == 1.0 {
            leaders.push(index);
            assert!(sum_of(&metrics, "hallway_scheduler_runs_total{job=\"scheduled_statuses\"") >= 1.0);
        } else {
            assert_eq!(sum_of(&metrics, "hallway_scheduler_runs_total{job=\"scheduled_statuses\""), 0.0, "process {index} runs no job");
        }
    }
    let mut gauges = Vec::new();
    for index in 0..3 {
        gauges.push(instance.metrics(index).await.lines().filter(|l| l.contains("scheduler")).map(str::to_owned).collect::<Vec<_>>());
    }
    assert_eq!(leaders.len(), 1, "one process leads the scheduler: {leaders:?} {gauges:#?}");
}
