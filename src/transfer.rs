//! Moving a person from one division to another: `hallway export-account NAME FILE` writes their archive
//! (Mastodon's: actor, outbox, likes, bookmarks, media) with their CSV exports (follows, lists, blocks,
//! mutes, domain blocks); `hallway import-account FILE` on the other instance (which also reads a user's
//! archive as `POST /api/v1/archives` makes it, without the CSVs) makes the account with its
//! profile and images, brings the statuses with their media and original times, and queues imports of the
//! CSVs and bookmarks (the job worker of the running instance finds the accounts and posts they name). The
//! new account records the old one as an alias, so that `hallway move-account` on the old instance can
//! move the followers.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::apub::objects::Note;
use crate::config::Settings;
use crate::db::kinds::{ImportKind, Role};
use crate::db::models::{Account, ImportItem};
use crate::db::Database;
use crate::error::AppError;
use crate::service::accounts::{self, NewUser, ProfileChange};
use crate::service::exports::{self, CsvExport};
use crate::service::media::{self, MediaDetails, ProfileImage};
use crate::service::statuses::{self, TransferredStatus};
use crate::service::imports;
use crate::storage::MediaStore;

const MANIFEST: &str = "hallway-transfer.json";
const FORMAT: u32 = 1;
/// The CSV exports a transfer carries, with the import each becomes.
const CSV_FILES: [(CsvExport, &str, ImportKind); 5] = [
    (CsvExport::Follows, "follows.csv", ImportKind::Following),
    (CsvExport::Lists, "lists.csv", ImportKind::Lists),
    (CsvExport::Blocks, "blocks.csv", ImportKind::Blocking),
    (CsvExport::Mutes, "mutes.csv", ImportKind::Muting),
    (CsvExport::DomainBlocks, "domain_blocks.csv", ImportKind::DomainBlocking),
];

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// The account's actor on the instance it leaves.
    actor: String,
    created_at: String,
}

type Failed = String;

fn failed(what: &str) -> impl Fn(&dyn std::fmt::Display) -> Failed + '_ {
    move |e| format!("{what}: {e}")
}

/// Writes the transfer file of a local account.
pub fn export_account(db: &Database, settings: &Settings, store: &dyn MediaStore, username: &str, target: &Path) -> Result<(), Failed> {
    let file = File::create(target).map_err(|e| failed("cannot write the file")(&e))?;
    let name = username.to_owned();
    db.read_blocking(|conn| {
        let account = accounts::local_by_username(conn, &name)?;
        let mut zip = zip::ZipWriter::new(io::BufWriter::new(file));
        let manifest = Manifest { format: FORMAT, actor: account.uri.clone(), created_at: Utc::now().to_rfc3339() };
        crate::apub::archive::add(&mut zip, MANIFEST, &serde_json::to_vec_pretty(&manifest).map_err(internal)?)?;
        crate::apub::archive::add_archive(&mut zip, conn, settings, store, &account)?;
        for (export, file_name, _) in CSV_FILES {
            crate::apub::archive::add(&mut zip, file_name, exports::csv(conn, settings, &account, export)?.as_bytes())?;
        }
        zip.finish().map_err(internal)?;
        Ok(())
    })
    .map_err(|e| match e {
        AppError::NotFound => format!("no local user {username}"),
        other => other.cause(),
    })
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(error.to_string())
}

/// What `import_account` brought.
#[derive(Debug, Default)]
pub struct Imported {
    pub username: String,
    pub created: bool,
    pub statuses: usize,
    pub skipped_boosts: usize,
    pub imports: usize,
}

type Archive = zip::ZipArchive<io::BufReader<File>>;

/// Who the imported account is here: its name (default: the old one) and e-mail address.
#[derive(Debug, Default)]
pub struct NewOwner<'a> {
    pub username: Option<&'a str>,
    pub email: Option<&'a str>,
    /// Complete an account of that name that exists here (the directory made it) rather than refuse.
    pub into_existing: bool,
}

/// Makes (or completes) the local account of a transfer file.
pub fn import_account(db: &Database, settings: &Settings, store: &dyn MediaStore, source: &Path, owner: NewOwner) -> Result<Imported, Failed> {
    let file = File::open(source).map_err(|e| failed("cannot read the file")(&e))?;
    let mut zip = zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| failed("not a zip file")(&e))?;
    let actor: Value = serde_json::from_slice(&entry(&mut zip, "actor.json")?).map_err(|e| failed("actor.json")(&e))?;
    // A user's archive (Mastodon's, or Hallway's from the API) has no manifest: its actor names itself.
    let manifest = match entry(&mut zip, MANIFEST) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| failed("not a Hallway transfer")(&e))?,
        Err(_) => Manifest { format: FORMAT, actor: actor["id"].as_str().ok_or("actor.json has no id")?.to_owned(), created_at: String::new() },
    };
    if manifest.format != FORMAT {
        return Err(format!("the transfer's format {} is not {FORMAT}", manifest.format));
    }
    let username = owner.username.map(str::to_owned).or_else(|| actor["preferredUsername"].as_str().map(str::to_owned)).ok_or("actor.json names nobody")?;
    let (account, created) = find_or_create(db, settings, &username, owner.email)?;
    if !created && !owner.into_existing {
        return Err(format!("{username} exists here: pass --into-existing to complete that account, or --username for another name"));
    }
    let mut imported = Imported { username, created, ..Default::default() };
    set_profile(db, settings, store, &mut zip, &account, &actor)?;
    let old_actor = manifest.actor.clone();
    db.write_blocking(|tx| accounts::add_alias(tx, account.id, &old_actor)).map_err(|e| e.cause())?;
    if account.statuses_count == 0 {
        (imported.statuses, imported.skipped_boosts) = bring_statuses(db, settings, store, &mut zip, &account, &actor)?;
    }
    imported.imports = queue_imports(db, settings, &mut zip, &account)?;
    Ok(imported)
}

/// The largest file of a transfer read (a video is at most `media.video_size_limit`, 99 MB by default).
const MAX_ENTRY_BYTES: u64 = 512 << 20;

fn entry(zip: &mut Archive, name: &str) -> Result<Vec<u8>, Failed> {
    let file = zip.by_name(name).map_err(|_| format!("the transfer has no {name}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_BYTES + 1).read_to_end(&mut bytes).map_err(|e| failed(name)(&e))?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return Err(format!("{name} is larger than {} MB", MAX_ENTRY_BYTES >> 20));
    }
    Ok(bytes)
}

/// The account to import into: made with a random password (people sign in with the directory, or an
/// admin sets one), or the one of that name already here (the directory may have made it).
fn find_or_create(db: &Database, settings: &Settings, username: &str, email: Option<&str>) -> Result<(Account, bool), Failed> {
    let name = username.to_owned();
    if let Ok(existing) = db.read_blocking(|conn| accounts::local_by_username(conn, &name)) {
        return Ok((existing, false));
    }
    let password: String = rand::Rng::sample_iter(rand::thread_rng(), rand::distributions::Alphanumeric).take(32).map(char::from).collect();
    let account = db
        .write_blocking(|tx| accounts::create_user(tx, settings, NewUser { username, password: &password, email, role: Role::User }))
        .map_err(|e| e.to_string())?;
    Ok((account, true))
}

fn set_profile(db: &Database, settings: &Settings, store: &dyn MediaStore, zip: &mut Archive, account: &Account, actor: &Value) -> Result<(), Failed> {
    let text = |key: &str| actor[key].as_str().map(str::to_owned);
    let fields = actor["attachment"].as_array().into_iter().flatten().filter(|field| field["type"] == "PropertyValue");
    let mut change = ProfileChange {
        display_name: text("name"),
        note: text("summary").map(|html| crate::service::markup::plain_text(&html)),
        locked: actor["manuallyApprovesFollowers"].as_bool(),
        discoverable: actor["discoverable"].as_bool(),
        bot: Some(actor["type"] == "Service"),
        fields: Some(
            fields
                .map(|field| crate::db::models::ProfileField {
                    name: field["name"].as_str().unwrap_or_default().to_owned(),
                    value: crate::service::markup::plain_text(field["value"].as_str().unwrap_or_default()),
                })
                .collect(),
        ),
        ..Default::default()
    };
    for (key, which) in [("icon", ProfileImage::Avatar), ("image", ProfileImage::Header)] {
        let Some(file_name) = actor[key]["url"].as_str().filter(|name| !name.contains("://")) else { continue };
        let stored = media::store_profile_image(store, &settings.media, account.id, which, &entry(zip, file_name)?).map_err(|e| e.to_string())?;
        let url = Some(Some(format!("{}/system/{stored}", settings.base_url())));
        match which {
            ProfileImage::Avatar => change.avatar_url = url,
            ProfileImage::Header => change.header_url = url,
        }
    }
    db.write_blocking(|tx| accounts::update_profile(tx, settings, account.id, change)).map_err(|e| e.to_string())?;
    Ok(())
}

/// Brings the outbox's statuses, oldest first; answers how many, and how many boosts were left (they
/// stay with the old account).
fn bring_statuses(db: &Database, settings: &Settings, store: &dyn MediaStore, zip: &mut Archive, account: &Account, actor: &Value) -> Result<(usize, usize), Failed> {
    let outbox: Value = serde_json::from_slice(&entry(zip, "outbox.json")?).map_err(|e| failed("outbox.json")(&e))?;
    let old_followers = actor["followers"].as_str().unwrap_or_default().to_owned();
    let (mut brought, mut boosts) = (0, 0);
    for item in outbox["orderedItems"].as_array().into_iter().flatten() {
        if item["type"] != "Create" {
            boosts += usize::from(item["type"] == "Announce");
            continue;
        }
        let note: Note = match serde_json::from_value(item["object"].clone()) {
            Ok(note) => note,
            Err(e) => {
                log::warn!("import-account: a status of the outbox is not a note: {e}");
                continue;
            }
        };
        let mut media_ids = Vec::new();
        for document in &note.attachment {
            // The archive names its files by path (an absolute URL would be the old instance's).
            let Some(path) = document.url.as_str().filter(|url| url.starts_with('/')) else { continue };
            media_ids.push(bring_media(db, settings, store, account, &entry(zip, &path[1..])?, document.name.clone())?);
        }
        let transferred = TransferredStatus {
            content_html: note.content.clone(),
            spoiler_text: note.spoiler_text().to_owned(),
            sensitive: note.sensitive,
            visibility: note.visibility(&old_followers),
            language: note.language().map(str::to_owned),
            // Never later than now: ids sort by time.
            published: note.published.map(|at: DateTime<Utc>| at.naive_utc()).filter(|at| *at <= crate::ids::now()).unwrap_or_else(crate::ids::now),
            in_reply_to_uri: note.in_reply_to.as_ref().map(|uri| uri.to_string()),
            media_ids,
            tags: note.hashtag_names().into_iter().map(|name| name.trim_start_matches('#').to_owned()).collect(),
        };
        db.write_blocking(|tx| statuses::transfer_in(tx, settings, account, transferred)).map_err(|e| e.cause())?;
        brought += 1;
    }
    Ok((brought, boosts))
}

fn bring_media(db: &Database, settings: &Settings, store: &dyn MediaStore, account: &Account, bytes: &[u8], description: Option<String>) -> Result<i64, Failed> {
    let probe = media::check_upload(&settings.media, bytes).map_err(|e| e.to_string())?;
    let details = MediaDetails { description, focus: None };
    let row = db.write_blocking(|tx| media::create(tx, account, probe, bytes.len(), details)).map_err(|e| e.cause())?;
    let processed = media::process(store, &settings.media, &row, bytes, None).map_err(|e| e.to_string())?;
    db.write_blocking(|tx| media::finish(tx, row.id, processed)).map_err(|e| e.cause())?;
    Ok(row.id)
}

/// Queues an import of each CSV file and of the bookmarks; answers how many.
fn queue_imports(db: &Database, settings: &Settings, zip: &mut Archive, account: &Account) -> Result<usize, Failed> {
    let mut queued: Vec<(ImportKind, Vec<ImportItem>)> = Vec::new();
    for (_, file_name, kind) in CSV_FILES {
        let Ok(bytes) = entry(zip, file_name) else { continue };
        // An export of nothing is an empty file (or a header alone): nothing to import.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let items = imports::parse(kind, &bytes).map_err(|e| format!("{file_name}: {e}"))?;
        if !items.is_empty() {
            queued.push((kind, items));
        }
    }
    let bookmarks: Value = serde_json::from_slice(&entry(zip, "bookmarks.json")?).map_err(|e| failed("bookmarks.json")(&e))?;
    let uris: Vec<ImportItem> = bookmarks["orderedItems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|uri| ImportItem { uri: Some(uri.to_owned()), ..Default::default() })
        .collect();
    if !uris.is_empty() {
        queued.push((ImportKind::Bookmarks, uris));
    }
    let count = queued.len();
    for (kind, items) in queued {
        db.write_blocking(|tx| imports::create(tx, settings, account, kind, false, items)).map_err(|e| e.cause())?;
    }
    Ok(count)
}

/// Moves the local account `username` to `target_acct` (`name@their.domain`, or a local name): its
/// followers here and on every peer follow the target, which must already name the account among its
/// aliases (`hallway import-account` does). Answers how many local followers followed.
pub async fn move_account(state: &crate::state::AppState, username: &str, target_acct: &str) -> Result<usize, Failed> {
    let name = username.to_owned();
    let origin = state.db.read(move |conn| accounts::local_by_username(conn, &name)).await.map_err(|_| format!("no local user {username}"))?;
    let target = match target_acct.trim_start_matches('@').split_once('@') {
        Some((user, host)) if !host.eq_ignore_ascii_case(&state.settings.domain) => {
            let found = crate::apub::resolve::by_acct(state, user, host).await.map_err(|e| format!("{target_acct}: {e}"))?;
            let uri = url::Url::parse(&found.uri).map_err(|e| e.to_string())?;
            crate::apub::resolve::actor_now(state, &uri).await.map_err(|e| format!("{target_acct}: {e}"))?
        }
        _ => {
            let (settings, acct) = (state.settings.clone(), target_acct.to_owned());
            state.db.read(move |conn| accounts::lookup(conn, &settings, &acct)).await.map_err(|_| format!("no account {target_acct}"))?
        }
    };
    state.db.write(move |tx| crate::service::moves::move_account(tx, &origin, &target)).await.map_err(|e| e.to_string())
}
