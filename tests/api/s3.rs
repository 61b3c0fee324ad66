//! Media in an S3-compatible object store: a real one, `moto` in server mode (PyPI's `moto[server]`, which
//! `.ci/run` installs), started on a free port by the test.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hallway::config::{MediaStoreSettings, S3Settings};
use serde_json::json;

use crate::support::{Backend, TestServer};

pub struct Moto {
    pub endpoint: String,
    child: Child,
}

impl Moto {
    /// Starts moto and makes a bucket; None (the test says so) outside CI when moto is not installed.
    pub async fn start(bucket: &str) -> Option<Moto> {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let started = Command::new("moto_server").args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        let child = match started {
            Ok(child) => child,
            Err(_) if std::env::var_os("CI").is_none() => {
                eprintln!("moto_server is not installed (pip install 'moto[server]'): the S3 test checks nothing");
                return None;
            }
            Err(e) => panic!("moto is needed in CI: {e}"),
        };
        let moto = Moto { endpoint: format!("http://127.0.0.1:{port}"), child };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client.get(&moto.endpoint).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let made = client.put(format!("{}/{bucket}", moto.endpoint)).send().await.expect("moto answers");
        assert!(made.status().is_success(), "bucket: {}", made.status());
        Some(moto)
    }

    pub fn settings(&self, bucket: &str) -> MediaStoreSettings {
        MediaStoreSettings::S3(S3Settings {
            endpoint: self.endpoint.clone(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            access_key_id: "hallway".into(),
            secret_access_key: "hallway-secret".into(),
            path_style: true,
        })
    }

    /// The bucket's objects with their sizes (moto answers an unsigned listing; it refuses unsigned reads).
    pub async fn objects(&self, bucket: &str) -> Vec<(String, usize)> {
        let listing = reqwest::get(format!("{}/{bucket}?list-type=2", self.endpoint)).await.unwrap().text().await.unwrap();
        listing
            .split("<Contents>")
            .skip(1)
            .filter_map(|entry| {
                let between = |open: &str, close: &str| Some(entry.split(open).nth(1)?.split(close).next()?.to_owned());
                Some((between("<Key>", "</Key>")?, between("<Size>", "</Size>")?.parse().ok()?))
            })
            .collect()
    }

    pub async fn size_of(&self, bucket: &str, key: &str) -> Option<usize> {
        self.objects(bucket).await.into_iter().find(|(k, _)| k == key).map(|(_, size)| size)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads, previews, avatars and archives go to the bucket and are served from it; deleting an upload
/// deletes its objects; nothing is written under the data directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_live_in_the_object_store() {
    let Some(moto) = Moto::start("hallway-media").await else { return };
    let store = moto.settings("hallway-media");
    let server = TestServer::start_with(Backend::Sqlite, |settings| settings.media_store = store).await.unwrap();
    let ann = server.login("ann").await;

    let uploaded = crate::media::upload(&ann, crate::media::file_form(crate::media::png(120, 80), "board.png")).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    let url = uploaded.str("url");
    let key = url.split("/system/").nth(1).unwrap().to_owned();
    let in_bucket = moto.size_of("hallway-media", &key).await.expect("the original is in the bucket");
    let served = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(served.len(), in_bucket, "served from the bucket");
    assert_eq!(image::load_from_memory(&served).unwrap().width(), 120);
    let preview_key = uploaded.str("preview_url").split("/system/").nth(1).unwrap().to_owned();
    assert!(moto.size_of("hallway-media", &preview_key).await.is_some(), "the preview too");
    assert!(!server.settings.data_dir.join("media").exists(), "nothing on local disk");

    let avatar = reqwest::multipart::Form::new().part("avatar", reqwest::multipart::Part::bytes(crate::media::png(50, 50)).file_name("me.png"));
    let me = ann.multipart(reqwest::Method::PATCH, "/api/v1/accounts/update_credentials", avatar).await;
    let avatar_key = me.str("avatar").split("/system/").nth(1).unwrap().to_owned();
    assert!(moto.size_of("hallway-media", &avatar_key).await.is_some(), "avatars go there");

    let archive = crate::data::archive_of(&ann).await;
    assert!(archive.len() >= 3);
    let listed = ann.get("/api/v1/archives").await;
    let archive_key = format!("archives/{}/{}.zip", me.id(), listed.body[0]["id"].as_str().unwrap());
    assert!(moto.size_of("hallway-media", &archive_key).await.is_some(), "archives go there");

    assert_eq!(ann.delete(&format!("/api/v1/media/{}", uploaded.id())).await.status, 200);
    assert!(moto.size_of("hallway-media", &key).await.is_none(), "a deleted upload leaves the bucket");
    assert_eq!(server.anonymous().get(&format!("/system/{key}")).await.status, 404);
    let posted = ann.toot("Still fine", json!({})).await;
    assert_eq!(posted.status, 200);
}
