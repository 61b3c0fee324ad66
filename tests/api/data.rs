//! A user's data in files: Mastodon's CSV exports, and imports of them (merge and overwrite, per-row
//! failures, remote accounts and posts found through federation).

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::support::{eventually, Api, Backend, Resp, TestServer};

crate::on_both_backends!(exports_are_mastodons_csv_files, imports_merge_overwrite_and_report_failures);

async fn export(api: &Api, name: &str) -> String {
    let got = api.get(&format!("/settings/exports/{name}")).await;
    assert_eq!(got.status, 200, "{name}: {}", got.body);
    assert_eq!(got.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(got.header("content-disposition"), Some(format!("attachment; filename=\"{name}\"")));
    got.text
}

async fn exports_are_mastodons_csv_files(server: TestServer) {
    let domain = server.settings.domain.clone();
    let ann = server.login("ann").await;
    let [bob, cat, dan, eve] = [server.login("bob").await, server.login("cat").await, server.login("dan").await, server.login("eve").await];
    let (bob_id, cat_id, dan_id, eve_id) = (bob.me().await.id(), cat.me().await.id(), dan.me().await.id(), eve.me().await.id());
    ann.post_form(&format!("/api/v1/accounts/{bob_id}/follow"), &[("reblogs", "false"), ("notify", "true")]).await;
    ann.post(&format!("/api/v1/accounts/{cat_id}/follow")).await;
    ann.post_form(&format!("/api/v1/accounts/{dan_id}/mute"), &[("notifications", "false")]).await;
    ann.post(&format!("/api/v1/accounts/{eve_id}/block")).await;
    ann.post_form("/api/v1/domain_blocks", &[("domain", "spam.example")]).await;
    let post = bob.toot("Bookmark me, with \"quotes\", commas", json!({})).await;
    ann.post(&format!("/api/v1/statuses/{}/bookmark", post.id())).await;
    let list = ann.post_json("/api/v1/lists", &json!({"title": "Team, core"})).await.id();
    ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id)]).await;

    assert_eq!(
        export(&ann, "follows.csv").await,
        format!("Account address,Show boosts,Notify on new posts,Languages\ncat@{domain},true,false,\nbob@{domain},false,true,\n")
    );
    assert_eq!(export(&ann, "lists.csv").await, format!("\"Team, core\",bob@{domain}\n"));
    assert_eq!(export(&ann, "blocks.csv").await, format!("eve@{domain}\n"));
    assert_eq!(export(&ann, "mutes.csv").await, format!("Account address,Hide notifications\ndan@{domain},false\n"));
    assert_eq!(export(&ann, "domain_blocks.csv").await, "spam.example\n");
    assert_eq!(export(&ann, "bookmarks.csv").await, format!("{}\n", post.str("uri")));

    assert_eq!(ann.get("/settings/exports/followers.csv").await.status, 404);
    assert_eq!(server.anonymous().get("/settings/exports/follows.csv").await.status, 401);
    let reader = server.token_for("ann", "read:statuses").await;
    assert_eq!(reader.get("/settings/exports/follows.csv").await.status, 403, "the file needs read:follows");
    let follows_only = server.token_for("ann", "read:follows").await;
    assert_eq!(follows_only.get("/settings/exports/follows.csv").await.status, 200);
}

pub async fn import(api: &Api, kind: &str, mode: &str, file: &str) -> Resp {
    let form = Form::new().text("type", kind.to_owned()).text("mode", mode.to_owned()).part("data", Part::bytes(file.as_bytes().to_vec()).file_name(format!("{kind}.csv")));
    api.multipart(reqwest::Method::POST, "/api/v1/imports", form).await
}

/// Sends an import and waits until the worker has finished it; answers the finished import.
pub async fn imported(api: &Api, kind: &str, mode: &str, file: &str) -> Value {
    let sent = import(api, kind, mode, file).await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    assert_eq!((sent.str("type"), sent.str("mode")), (kind.to_owned(), mode.to_owned()));
    let path = format!("/api/v1/imports/{}", sent.id());
    eventually("the import finishes", async || api.get(&path).await.body["state"] == "finished").await;
    api.get(&path).await.body
}

async fn relationship(api: &Api, id: &str) -> Value {
    api.get(&format!("/api/v1/accounts/relationships?id[]={id}")).await.body[0].clone()
}

async fn imports_merge_overwrite_and_report_failures(server: TestServer) {
    let domain = server.settings.domain.clone();
    let fay = server.login("fay").await;
    let [bob, cat, dan, gus] = [server.login("bob").await, server.login("cat").await, server.login("dan").await, server.login("gus").await];
    let (bob_id, cat_id, dan_id, gus_id) = (bob.me().await.id(), cat.me().await.id(), dan.me().await.id(), gus.me().await.id());

    let follows = format!("Account address,Show boosts,Notify on new posts,Languages\n@bob@{domain},false,true,\ncat,true,false,\n\nghost@{domain},true,false,\n");
    let done = imported(&fay, "following", "merge", &follows).await;
    assert_eq!((done["total_items"].clone(), done["processed_items"].clone(), done["imported_items"].clone()), (json!(3), json!(3), json!(2)), "{done}");
    assert_eq!(done["failed_items"], 1);
    assert_eq!(done["failures"][0]["row"], 3, "{done}");
    assert_eq!(done["failures"][0]["value"], format!("ghost@{domain}"));
    assert!(done["failures"][0]["error"].as_str().unwrap().contains("No account"), "{done}");
    let with_bob = relationship(&fay, &bob_id).await;
    assert_eq!((with_bob["following"].clone(), with_bob["showing_reblogs"].clone(), with_bob["notifying"].clone()), (json!(true), json!(false), json!(true)));
    assert_eq!(relationship(&fay, &cat_id).await["following"], true);

    fay.post(&format!("/api/v1/accounts/{gus_id}/follow")).await;
    let only_bob = format!("Account address,Show boosts\nbob@{domain},true\n");
    let done = imported(&fay, "following", "overwrite", &only_bob).await;
    assert_eq!(done["imported_items"], 1, "{done}");
    assert_eq!(relationship(&fay, &gus_id).await["following"], false, "overwrite unfollows who the file lacks");
    assert_eq!(relationship(&fay, &cat_id).await["following"], false);
    assert_eq!(relationship(&fay, &bob_id).await["showing_reblogs"], true, "the file's options win");

    imported(&fay, "lists", "merge", &format!("\"Team, core\",bob@{domain}\nReaders,dan@{domain}\n")).await;
    let lists = fay.get("/api/v1/lists").await;
    let mut titles: Vec<String> = lists.array().iter().map(|l| l["title"].as_str().unwrap().to_owned()).collect();
    titles.sort();
    assert_eq!(titles, vec!["Readers", "Team, core"]);
    assert_eq!(relationship(&fay, &dan_id).await["following"], true, "a list member is followed first, as Mastodon does");
    imported(&fay, "lists", "overwrite", &format!("Readers,cat@{domain}\n")).await;
    let lists = fay.get("/api/v1/lists").await;
    assert_eq!(lists.array().len(), 1, "overwrite removes the lists the file does not name: {}", lists.body);
    let readers = lists.body[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(fay.get(&format!("/api/v1/lists/{readers}/accounts")).await.ids(), vec![cat_id.clone()], "and empties the others first");

    imported(&fay, "blocking", "merge", &format!("gus@{domain}\n")).await;
    assert_eq!(relationship(&fay, &gus_id).await["blocking"], true);
    imported(&fay, "muting", "merge", &format!("Account address,Hide notifications\ndan@{domain},false\n")).await;
    let with_dan = relationship(&fay, &dan_id).await;
    assert_eq!((with_dan["muting"].clone(), with_dan["muting_notifications"].clone()), (json!(true), json!(false)));
    imported(&fay, "domain_blocking", "merge", "Spam.Example\nads.example\n").await;
    imported(&fay, "domain_blocking", "overwrite", "ads.example\n").await;
    assert_eq!(fay.get("/api/v1/domain_blocks").await.body, json!(["ads.example"]));
    let post = bob.toot("worth keeping", json!({})).await;
    let done = imported(&fay, "bookmarks", "merge", &format!("{}\nhttps://nowhere.invalid/statuses/1\n", post.str("uri"))).await;
    assert_eq!((done["imported_items"].clone(), done["failed_items"].clone()), (json!(1), json!(1)), "{done}");
    assert_eq!(fay.get("/api/v1/bookmarks").await.ids(), vec![post.id()]);

    let listed = fay.get("/api/v1/imports?limit=2").await;
    assert_eq!(listed.array().len(), 2);
    assert!(listed.header("link").unwrap().contains("rel=\"next\""));
    assert_eq!(bob.get(&format!("/api/v1/imports/{}", listed.ids()[0])).await.status, 404, "imports are their owner's");

    for (kind, mode, file, why) in [
        ("following", "merge", "", "empty"),
        ("lists", "merge", "Account address\nbob\n", "a list file needs its list column"),
        ("followers", "merge", "bob\n", "not a type"),
        ("following", "replace", "bob\n", "not a mode"),
    ] {
        let refused = import(&fay, kind, mode, file).await;
        assert_eq!(refused.status, 422, "{why}: {}", refused.body);
        assert!(refused.body["error"].is_string());
    }
    let not_utf8 = Form::new().text("type", "following").part("data", Part::bytes(vec![0xff, 0xfe, 0x00]).file_name("follows.csv"));
    assert_eq!(fay.multipart(reqwest::Method::POST, "/api/v1/imports", not_utf8).await.status, 422);
    let reader = server.token_for("fay", "read write:blocks").await;
    assert_eq!(import(&reader, "following", "merge", "bob\n").await.status, 403, "following needs write:follows");
}

/// An export from one division imports into another: the accounts and posts it names are found on their
/// instance through federation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_imports_on_another_division() {
    let (sales, eng) = crate::federation::two_instances(Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    let cat = eng.login("cat").await;
    let cat_id = cat.me().await.id();
    bob.post(&format!("/api/v1/accounts/{cat_id}/follow")).await;
    let post = cat.toot("The #onboarding checklist is on the wiki", json!({})).await;
    bob.post(&format!("/api/v1/statuses/{}/bookmark", post.id())).await;

    let follows = export(&bob, "follows.csv").await;
    let bookmarks = export(&bob, "bookmarks.csv").await;
    let done = imported(&ann, "following", "merge", &follows).await;
    assert_eq!(done["imported_items"], 1, "{done}");
    let eng_domain = eng.settings.domain.clone();
    let cat_there = ann.get(&format!("/api/v1/accounts/lookup?acct=cat@{eng_domain}")).await.id();
    eventually("cat's instance accepts the follow", async || relationship(&ann, &cat_there).await["following"] == true).await;
    eventually("cat sees the new follower", async || cat.me().await.body["followers_count"] == 2).await;
    let done = imported(&ann, "bookmarks", "merge", &bookmarks).await;
    assert_eq!(done["imported_items"], 1, "{done}");
    let marked = ann.get("/api/v1/bookmarks").await;
    assert_eq!(marked.body[0]["uri"], post.str("uri"), "{}", marked.body);
}

/// `hallway backup` copies a live instance while it is being written to; `hallway restore` puts the copy in
/// place, and an instance started on it serves the same timelines and media.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_to_the_same_timelines() {
    let server = TestServer::start(Backend::Sqlite, |_| {}).await.expect("server");
    let domain = server.settings.domain.clone();
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    ann.post(&format!("/api/v1/accounts/{}/follow", bob.me().await.id())).await;
    let picture = crate::media::upload(&bob, crate::media::file_form(crate::media::png(64, 48), "office.png")).await;
    let with_picture = bob.toot("The new office", json!({"media_ids": [picture.id()]})).await;
    let mut before_backup = vec![with_picture.id()];
    for n in 0..5 {
        before_backup.push(bob.toot(&format!("Before the backup, {n}"), json!({})).await.id());
    }

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, bob) = (stop.clone(), bob.clone());
        tokio::spawn(async move {
            let mut posted = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert_eq!(bob.toot(&format!("During the backup, {posted}"), json!({})).await.status, 200);
                posted += 1;
            }
            posted
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let work = tempfile::tempdir().unwrap();
    let backup_file = work.path().join("hallway-backup.zip");
    let live = [
        ("HALLWAY_DATABASE_URL", server.settings.database_url.clone()),
        ("HALLWAY_DATA_DIR", server.settings.data_dir.display().to_string()),
        ("HALLWAY_DOMAIN", domain.clone()),
    ];
    let backed_up = {
        let (dir, file, live) = (work.path().to_owned(), backup_file.display().to_string(), live.clone());
        tokio::task::spawn_blocking(move || hallway_with(&dir, &["backup", &file], &live)).await.unwrap()
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let posted_during = writer.await.unwrap();
    assert!(backed_up.status.success(), "{}", String::from_utf8_lossy(&backed_up.stderr));
    let said = String::from_utf8_lossy(&backed_up.stdout);
    assert!(said.contains("backup written to") && said.contains("2 media file(s)"), "{said}");
    assert!(posted_during > 0, "the backup ran while posts were written");

    let restored_dir = work.path().join("restored");
    let restored_db = format!("sqlite://{}/hallway.db", restored_dir.display());
    let target = [
        ("HALLWAY_DATABASE_URL", restored_db.clone()),
        ("HALLWAY_DATA_DIR", restored_dir.join("data").display().to_string()),
        ("HALLWAY_DOMAIN", domain.clone()),
    ];
    std::fs::create_dir_all(&restored_dir).unwrap();
    let restore = |extra: &[&str]| {
        let mut args = vec!["restore", backup_file.to_str().unwrap()];
        args.extend_from_slice(extra);
        hallway_with(work.path(), &args, &target)
    };
    let restored = restore(&[]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let again = restore(&[]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("--replace"), "an existing database is kept");
    assert!(restore(&["--replace"]).status.success());
    let elsewhere = hallway_with(work.path(), &["restore", backup_file.to_str().unwrap(), "--replace"], &[target[0].clone(), target[1].clone(), ("HALLWAY_DOMAIN", "other.corp.example".into())]);
    assert!(String::from_utf8_lossy(&elsewhere.stderr).contains("is of"), "a backup of another domain is refused");

    let copy = TestServer::start_with(Backend::Sqlite, |settings| {
        settings.database_url = restored_db.clone();
        settings.data_dir = restored_dir.join("data");
        settings.domain = domain.clone();
    })
    .await
    .expect("the restored instance");
    let ann_on_copy = Api { base: copy.base.clone(), ..ann.clone() };
    let home_on_copy: Vec<String> = ann_on_copy.get("/api/v1/timelines/home?limit=40").await.ids();
    for id in &before_backup {
        assert_eq!(ann_on_copy.get(&format!("/api/v1/statuses/{id}")).await.status, 200, "what was there before the backup is in it");
    }
    let newest_on_copy: u64 = home_on_copy[0].parse().unwrap();
    let same_moment = ann.get(&format!("/api/v1/timelines/home?limit=40&max_id={}", newest_on_copy + 1)).await.ids();
    assert_eq!(home_on_copy, same_moment, "the same timeline as the instance's at the copy's moment");
    let shown = ann_on_copy.get(&format!("/api/v1/statuses/{}", with_picture.id())).await;
    let url = shown.body["media_attachments"][0]["url"].as_str().unwrap().to_owned();
    let path = &url[url.find("/system/").unwrap()..];
    let file = reqwest::get(format!("{}{path}", copy.base)).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(image::load_from_memory(&file.bytes().await.unwrap()).unwrap().width(), 64);
}

fn hallway_with(dir: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(key, value)| (*key, value.as_str())).collect();
    crate::support::hallway(dir, args, &env)
}

crate::on_both_backends!(archives_hold_a_users_data_as_mastodons_do);

/// Asks for an archive and waits until it is ready; answers the zip.
pub async fn archive_of(api: &Api) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    let asked = api.post("/api/v1/archives").await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.str("state"), "in_progress");
    let path = format!("/api/v1/archives/{}", asked.id());
    eventually("the archive is made", async || api.get(&path).await.body["state"] == "ready").await;
    let ready = api.get(&path).await;
    let url = ready.str("url");
    let got = api.send(api.client.get(&url).bearer_auth(api.token.as_ref().unwrap())).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type").as_deref(), Some("application/zip"));
    let bytes = api.client.get(&url).bearer_auth(api.token.as_ref().unwrap()).send().await.unwrap().bytes().await.unwrap().to_vec();
    assert_eq!(bytes.len() as i64, ready.body["size"].as_i64().unwrap());
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip")
}

fn json_in(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Value {
    serde_json::from_reader(zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the archive"))).unwrap()
}

async fn archives_hold_a_users_data_as_mastodons_do(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let avatar = ann.multipart(reqwest::Method::PATCH, "/api/v1/accounts/update_credentials", Form::new().part("avatar", Part::bytes(crate::media::png(80, 80)).file_name("me.png")).text("display_name", "Ann Archive")).await;
    assert_eq!(avatar.status, 200, "{}", avatar.body);
    let picture = crate::media::upload(&ann, crate::media::file_form(crate::media::png(40, 30), "desk.png")).await;
    let with_picture = ann.toot("My desk", json!({"media_ids": [picture.id()]})).await;
    let private = ann.toot("Followers only", json!({"visibility": "private"})).await;
    let bobs = bob.toot("Lunch at noon", json!({})).await;
    let reply = ann.toot("@bob count me in", json!({"in_reply_to_id": bobs.id()})).await;
    ann.post(&format!("/api/v1/statuses/{}/reblog", bobs.id())).await;
    ann.post(&format!("/api/v1/statuses/{}/favourite", bobs.id())).await;
    ann.post(&format!("/api/v1/statuses/{}/bookmark", bobs.id())).await;
    let not_ready = bob.get("/api/v1/archives/1/download").await;
    assert_eq!(not_ready.status, 404);

    let mut zip = archive_of(&ann).await;
    let actor = json_in(&mut zip, "actor.json");
    assert_eq!((actor["type"].clone(), actor["preferredUsername"].clone(), actor["name"].clone()), (json!("Person"), json!("ann"), json!("Ann Archive")));
    assert_eq!((actor["outbox"].clone(), actor["likes"].clone(), actor["bookmarks"].clone()), (json!("outbox.json"), json!("likes.json"), json!("bookmarks.json")));
    assert_eq!(actor["icon"]["url"], "avatar.png");
    assert!(zip.by_name("avatar.png").is_ok());
    let outbox = json_in(&mut zip, "outbox.json");
    assert_eq!(outbox["type"], "OrderedCollection");
    let items = outbox["orderedItems"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|item| item["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Create", "Create", "Create", "Announce"], "oldest first: {outbox}");
    assert_eq!(outbox["totalItems"], 4);
    assert_eq!(items[0]["object"]["id"], with_picture.str("uri"));
    assert_eq!(items[1]["object"]["to"], json!([format!("{}/users/ann/followers", server.base)]), "private posts are in it, addressed as they were");
    assert_eq!(items[2]["object"]["inReplyTo"], bobs.str("uri"));
    assert_eq!(items[3]["object"], bobs.str("uri"));
    assert_eq!(items[1]["object"]["id"], private.str("uri"));
    assert_eq!(items[2]["object"]["id"], reply.str("uri"));
    let attachment = items[0]["object"]["attachment"][0]["url"].as_str().unwrap().to_owned();
    assert!(attachment.starts_with("/media_attachments/"), "{attachment}");
    let mut stored = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&attachment[1..]).expect("the attachment's file"), &mut stored).unwrap();
    assert_eq!(image::load_from_memory(&stored).unwrap().width(), 40);
    assert_eq!(json_in(&mut zip, "likes.json")["orderedItems"], json!([bobs.str("uri")]));
    assert_eq!(json_in(&mut zip, "bookmarks.json")["orderedItems"], json!([bobs.str("uri")]));

    let listed = ann.get("/api/v1/archives").await;
    let id = listed.body[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(bob.get(&format!("/api/v1/archives/{id}/download")).await.status, 404, "an archive is its owner's");
    let ann_id = ann.me().await.id();
    assert_eq!(server.anonymous().get(&format!("/system/archives/{ann_id}/{id}.zip")).await.status, 404, "never served as a media file");
    assert_eq!(server.anonymous().get(&format!("/api/v1/archives/{id}/download")).await.status, 401);
}
