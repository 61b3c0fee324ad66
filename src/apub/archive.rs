//! A user's archive, as Mastodon makes it: a zip with `actor.json` (the actor, its images as files beside
//! it), `outbox.json` (every status as a `Create`, every boost as an `Announce`, in ActivityStreams),
//! `likes.json` and `bookmarks.json` (the URIs), and the media files the outbox names by relative path.

use std::io::{Seek, Write};

use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

use crate::apub::activities::{Announce, Create};
use crate::apub::objects::{with_context, Person};
use crate::apub::outbox::note_of;
use crate::config::Settings;
use crate::db::models::Account;
use crate::db::queries::marks;
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, StatusesQuery};
use crate::service::views;
use crate::storage::MediaStore;

/// How many statuses are read at a time.
const STATUS_PAGE: i64 = 200;

/// Writes the archive of a local account.
pub fn write<W: Write + Seek>(conn: &mut DbConn, settings: &Settings, store: &dyn MediaStore, account: &Account, out: W) -> AppResult<W> {
    let mut zip = zip::ZipWriter::new(out);
    add_archive(&mut zip, conn, settings, store, account)?;
    zip.finish().map_err(failed)
}

/// Adds the archive's files of a local account to a zip being written.
pub fn add_archive<W: Write + Seek>(zip: &mut zip::ZipWriter<W>, conn: &mut DbConn, settings: &Settings, store: &dyn MediaStore, account: &Account) -> AppResult<()> {
    let stored_prefix = format!("{}/system/", settings.base_url());
    let mut media_keys = Vec::new();

    let mut outbox_items = Vec::new();
    let mut page = Page { limit: STATUS_PAGE, ..Default::default() };
    let everything = StatusesQuery::default();
    loop {
        let rows = accounts::statuses_of(conn, Some(account), account.id, &everything, &page)?;
        let Some(last) = rows.last().map(|status| status.id.0) else { break };
        for view in views::hydrate(conn, Some(account.id), rows)? {
            let item = match Announce::of_reblog(&view) {
                Some(announce) => to_json(&announce)?,
                None => {
                    let mut create = to_json(&Create::new(note_of(conn, settings, &view)?))?;
                    for attachment in create["object"]["attachment"].as_array_mut().into_iter().flatten() {
                        if let Some(key) = attachment["url"].as_str().and_then(|url| url.strip_prefix(&stored_prefix)).map(str::to_owned) {
                            attachment["url"] = json!(format!("/{key}"));
                            media_keys.push(key);
                        }
                    }
                    create
                }
            };
            outbox_items.push(item);
        }
        page.max_id = Some(last);
    }
    outbox_items.reverse();

    let mut actor = to_json(&with_context(Person::from_local(account, &settings.base_url())))?;
    for (field, url, name) in [("icon", &account.avatar_url, "avatar"), ("image", &account.header_url, "header")] {
        let Some(key) = url.as_deref().and_then(|url| url.strip_prefix(&stored_prefix)) else { continue };
        let file = format!("{name}.{}", key.rsplit('.').next().unwrap_or("png"));
        add(zip, &file, &read(store, key)?)?;
        actor[field]["url"] = json!(file);
    }
    actor["outbox"] = json!("outbox.json");
    actor["likes"] = json!("likes.json");
    actor["bookmarks"] = json!("bookmarks.json");
    add_json(zip, "actor.json", &actor)?;
    add_json(zip, "outbox.json", &collection("outbox.json", outbox_items))?;
    let uris = |marked: Vec<(crate::ids::StatusId, String)>| marked.into_iter().map(|(_, uri)| json!(uri)).collect();
    add_json(zip, "likes.json", &collection("likes.json", uris(marks::favourites::status_uris_of(conn, account.id)?)))?;
    add_json(zip, "bookmarks.json", &collection("bookmarks.json", uris(marks::bookmarks::status_uris_of(conn, account.id)?)))?;
    media_keys.sort();
    media_keys.dedup();
    for key in media_keys {
        match store.get(&key) {
            Ok(bytes) => add(zip, &key, &bytes)?,
            Err(e) => log::warn!("archive of {}: media file {key}: {e}", account.username),
        }
    }
    Ok(())
}

fn collection(id: &str, items: Vec<Value>) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

fn to_json(value: &impl serde::Serialize) -> AppResult<Value> {
    serde_json::to_value(value).map_err(failed)
}

fn read(store: &dyn MediaStore, key: &str) -> AppResult<Vec<u8>> {
    store.get(key).map_err(|e| AppError::Internal(format!("archive: media file {key}: {e}")))
}

fn add_json<W: Write + Seek>(zip: &mut zip::ZipWriter<W>, name: &str, value: &Value) -> AppResult<()> {
    add(zip, name, &serde_json::to_vec_pretty(value).map_err(failed)?)
}

pub fn add<W: Write + Seek>(zip: &mut zip::ZipWriter<W>, name: &str, bytes: &[u8]) -> AppResult<()> {
    let compressed = name.ends_with(".json");
    let method = if compressed { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    zip.start_file(name, SimpleFileOptions::default().compression_method(method).large_file(true)).map_err(failed)?;
    zip.write_all(bytes).map_err(failed)
}

fn failed(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("archive: {error}"))
}
