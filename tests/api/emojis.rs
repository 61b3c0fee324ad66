//! Custom emojis: added by the administrator (CLI), listed, shown on the statuses that name them.

use serde_json::json;

use crate::support::{hallway, TestServer};

crate::on_both_backends!(custom_emojis_are_added_listed_and_shown);

/// Adds an emoji to the server's own database and data directory through the CLI.
pub fn add_emoji(server: &TestServer, shortcode: &str, image: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("emoji.png");
    std::fs::write(&file, image).unwrap();
    let data_dir = server.settings.data_dir.display().to_string();
    hallway(
        dir.path(),
        &["emoji", "add", shortcode, file.to_str().unwrap(), "--category", "Team"],
        &[("HALLWAY_DATABASE_URL", &server.settings.database_url), ("HALLWAY_DATA_DIR", &data_dir)],
    )
}

async fn custom_emojis_are_added_listed_and_shown(server: TestServer) {
    let added = add_emoji(&server, "shipit", &crate::media::png(32, 32));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let refused = add_emoji(&server, "notanimage", b"hello");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Image must be a PNG, GIF or WebP file"));
    assert!(!add_emoji(&server, "bad code!", &crate::media::png(8, 8)).status.success());

    let listed = server.anonymous().get("/api/v1/custom_emojis").await;
    assert_eq!(listed.array().len(), 1, "{}", listed.body);
    let emoji = &listed.array()[0];
    assert_eq!((emoji["shortcode"].clone(), emoji["visible_in_picker"].clone(), emoji["category"].clone()), (json!("shipit"), json!(true), json!("Team")));
    assert_eq!(emoji["url"], emoji["static_url"]);
    let image = reqwest::get(emoji["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");

    let ann = server.login("ann").await;
    let posted = ann.toot("Release is out :shipit: (not :unknown:, nor 10:30:)", json!({})).await;
    let shown: Vec<&str> = posted.body["emojis"].as_array().unwrap().iter().map(|e| e["shortcode"].as_str().unwrap()).collect();
    assert_eq!(shown, ["shipit"]);
    let plain = ann.toot("nothing here", json!({})).await;
    assert_eq!(plain.body["emojis"], json!([]));
}
