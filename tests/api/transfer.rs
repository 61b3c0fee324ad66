//! Moving a person between divisions: `hallway export-account` on the old instance, `import-account` on the
//! new one (profile, posts with their media and times, follows, bookmarks), `move-account` (ActivityPub
//! Move: followers here and on peers follow the new account).

use serde_json::json;

use crate::support::{eventually, Api, Backend, TestServer, PASSWORD};

async fn relationship(api: &Api, id: &str) -> serde_json::Value {
    api.get(&format!("/api/v1/accounts/relationships?id[]={id}")).await.body[0].clone()
}

async fn follow_remote(api: &Api, acct: &str) -> String {
    let id = api.get(&format!("/api/v1/accounts/lookup?acct={acct}")).await.id();
    api.post(&format!("/api/v1/accounts/{id}/follow")).await;
    eventually("the follow is accepted", async || relationship(api, &id).await["following"] == true).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_moves_to_another_division_with_their_data_and_followers() {
    let (sales, eng) = crate::federation::two_instances(Backend::Sqlite).await;
    let (sales_domain, eng_domain) = (sales.settings.domain.clone(), eng.settings.domain.clone());
    let ann = sales.login("ann").await;
    let bob = sales.login("bob").await;
    let cat = eng.login("cat").await;
    let dan = eng.login("dan").await;

    let profile = reqwest::multipart::Form::new()
        .text("display_name", "Ann Mover")
        .text("note", "Sales, then engineering")
        .text("fields_attributes[0][name]", "Team")
        .text("fields_attributes[0][value]", "Platform")
        .part("avatar", reqwest::multipart::Part::bytes(crate::media::png(64, 64)).file_name("ann.png"));
    assert_eq!(ann.multipart(reqwest::Method::PATCH, "/api/v1/accounts/update_credentials", profile).await.status, 200);
    let picture = crate::media::upload(&ann, crate::media::file_form(crate::media::png(30, 20), "whiteboard.png").text("description", "The plan")).await;
    let first = ann.toot("The #roadmap for next year", json!({"media_ids": [picture.id()]})).await;
    let second = ann.toot("Only for my followers", json!({"visibility": "private"})).await;
    let ann_id = ann.me().await.id();
    bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await;
    let ann_there = follow_remote(&cat, &format!("ann@{sales_domain}")).await;
    follow_remote(&ann, &format!("dan@{eng_domain}")).await;
    let dans = dan.toot("Welcome aboard", json!({})).await;
    let mut dans_there = String::new();
    eventually("dan's post reaches ann", async || {
        let home = ann.get("/api/v1/timelines/home").await;
        dans_there = home.array().iter().find(|s| s["uri"] == dans.str("uri").as_str()).and_then(|s| s["id"].as_str()).unwrap_or_default().to_owned();
        !dans_there.is_empty()
    })
    .await;
    ann.post(&format!("/api/v1/statuses/{dans_there}/bookmark")).await;

    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("ann.zip");
    let said = sales.cli(&["export-account", "ann", file.to_str().unwrap()], &[]);
    assert!(said.contains("ann written to"), "{said}");
    let said = eng.cli(&["import-account", file.to_str().unwrap(), "--email", "ann@corp.example"], &[]);
    assert!(said.contains("ann made: 2 status(es) brought (0 boost(s) left behind), 2 import(s) queued"), "{said}");
    assert!(said.contains(&format!("hallway move-account OLD_NAME ann@{eng_domain}")), "{said}");
    eng.cli(&["user", "set-password", "ann", PASSWORD], &[]);
    let new_ann = eng.token_for("ann", "read write follow").await;

    let me = new_ann.me().await;
    assert_eq!((me.str("display_name"), me.body["fields"][0]["name"].clone()), ("Ann Mover".to_owned(), json!("Team")));
    assert!(me.str("note").contains("Sales, then engineering"));
    assert!(me.str("avatar").starts_with(&eng.base), "the avatar is stored here: {}", me.body);
    let posts = new_ann.get(&format!("/api/v1/accounts/{}/statuses", me.id())).await;
    assert_eq!(posts.array().len(), 2, "{}", posts.body);
    assert_eq!(posts.body[1]["created_at"], first.body["created_at"], "a post keeps its time");
    assert_eq!(posts.body[1]["tags"][0]["name"], "roadmap");
    assert_eq!(posts.body[0]["visibility"], "private");
    assert!(posts.body[0]["content"].as_str().unwrap().contains("Only for my followers"), "{}", second.body);
    let attachment = &posts.body[1]["media_attachments"][0];
    assert_eq!(attachment["description"], "The plan");
    let served = reqwest::get(attachment["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(image::load_from_memory(&served.bytes().await.unwrap()).unwrap().width(), 30, "the media came along");
    let dan_id = dan.me().await.id();
    eventually("the follows import runs", async || relationship(&new_ann, &dan_id).await["following"] == true).await;
    eventually("the bookmarks import runs", async || new_ann.get("/api/v1/bookmarks").await.ids() == vec![dans.id()]).await;

    let data_dir = sales.settings.data_dir.display().to_string();
    let env = [("HALLWAY_DATABASE_URL", sales.settings.database_url.as_str()), ("HALLWAY_DOMAIN", sales_domain.as_str()), ("HALLWAY_DATA_DIR", data_dir.as_str()), ("HALLWAY_FEDERATION_ALLOW_HTTP", "true")];
    let refused = crate::support::hallway(work.path(), &["move-account", "ann", &format!("cat@{eng_domain}")], &env);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && said.contains("does not name"), "only to an account that names ann as its alias: {said}");
    let said = sales.cli(&["move-account", "ann", &format!("ann@{eng_domain}")], &[]);
    assert!(said.contains("1 local follower(s) follow it now"), "{said}");
    let new_ann_from_sales = bob.get(&format!("/api/v1/accounts/lookup?acct=ann@{eng_domain}")).await.id();
    eventually("bob, on the old instance, follows the new account", async || relationship(&bob, &new_ann_from_sales).await["following"] == true).await;
    assert_eq!(relationship(&bob, &ann_id).await["following"], false, "and no longer the old one");
    eventually("cat, on the new instance, follows it when the Move arrives", async || relationship(&cat, &me.id()).await["following"] == true).await;
    eventually("and leaves the old one", async || relationship(&cat, &ann_there).await["following"] == false).await;
    let old = bob.get(&format!("/api/v1/accounts/{ann_id}")).await;
    assert_eq!(old.body["moved"]["acct"], format!("ann@{eng_domain}"), "the old profile says where ann went: {}", old.body);
    let old_there = cat.get(&format!("/api/v1/accounts/{ann_there}")).await;
    assert_eq!(old_there.body["moved"]["acct"], "ann", "on the new instance too: {}", old_there.body);
}

/// A user's own archive, as `POST /api/v1/archives` makes it, imports into another instance too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_archive_imports_into_another_instance() {
    let sales = TestServer::start(Backend::Sqlite, |_| {}).await.expect("sales");
    let eng = TestServer::start(Backend::Sqlite, |_| {}).await.expect("eng");
    let ann = sales.login("ann").await;
    let picture = crate::media::upload(&ann, crate::media::file_form(crate::media::png(24, 24), "logo.png")).await;
    let posted = ann.toot("Kept in my archive", json!({"media_ids": [picture.id()]})).await;
    let archive = crate::data::archive_of(&ann).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("archive.zip");
    std::fs::write(&file, archive.into_inner().into_inner()).unwrap();

    let said = eng.cli(&["import-account", file.to_str().unwrap(), "--username", "ann_sales", "--email", "ann_sales@corp.example"], &[]);
    assert!(said.contains("ann_sales made: 1 status(es) brought"), "{said}");
    eng.cli(&["user", "set-password", "ann_sales", PASSWORD], &[]);
    let there = eng.token_for("ann_sales", "read").await;
    let me = there.me().await;
    let statuses = there.get(&format!("/api/v1/accounts/{}/statuses", me.id())).await;
    assert_eq!(statuses.body[0]["created_at"], posted.body["created_at"]);
    assert!(statuses.body[0]["content"].as_str().unwrap().contains("Kept in my archive"));
    assert_eq!(statuses.body[0]["media_attachments"].as_array().unwrap().len(), 1);
}
