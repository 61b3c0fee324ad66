//! Imports of Mastodon's CSV exports, with Mastodon's two modes: *merge* adds what the file holds;
//! *overwrite* also undoes what the file does not hold (unfollows, unblocks, …). The file is parsed and
//! its rows stored when it is sent (the overwrite's removals happen then, in the same transaction); the
//! import worker then resolves each row's account or status (through federation when needed) and applies it
//! here, recording per row what it could not do.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::json::Json;
use crate::db::kinds::ImportKind;
use crate::db::models::{Account, Import, ImportItem, ImportRow};
use crate::db::queries::{follows as follow_rows, imports, lists as list_rows, marks, safety as safety_rows};
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, StatusId};
use crate::service::{follows, lists, safety};

/// Mastodon's limits on one import.
pub const MAX_FILE_BYTES: usize = 20 << 20;
pub const MAX_ROWS: usize = 20_000;
/// No address, domain, URI or list title is longer.
const MAX_FIELD_CHARS: usize = 2_048;
/// Imports of one account waiting or under way at a time.
const MAX_UNFINISHED: usize = 5;

/// The columns a file of each kind must have when it has no header line (Mastodon's own exports of
/// blocks, domain blocks, bookmarks and lists have none).
fn default_columns(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Following | ImportKind::Blocking | ImportKind::Muting => &["Account address"],
        ImportKind::DomainBlocking => &["#domain"],
        ImportKind::Bookmarks => &["#uri"],
        ImportKind::Lists => &["List name", "Account address"],
    }
}

const KNOWN_FIRST_COLUMNS: &[&str] = &["Account address", "#domain", "#uri", "List name"];

/// The rows of a CSV file of `kind`, as Mastodon reads them: a header line when its first field names a
/// known column, else the kind's default columns; blank lines skipped.
pub fn parse(kind: ImportKind, file: &[u8]) -> AppResult<Vec<ImportItem>> {
    if file.len() > MAX_FILE_BYTES {
        return Err(AppError::validation(format!("The file is larger than {} MB", MAX_FILE_BYTES >> 20)));
    }
    let text = std::str::from_utf8(file).map_err(|_| AppError::validation("The file is not UTF-8 text"))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records().filter(|record| !matches!(record, Ok(r) if r.iter().all(|field| field.trim().is_empty())));
    let Some(first) = records.next().transpose().map_err(malformed)? else {
        return Err(AppError::validation("The file is empty"));
    };
    let first_field = first.get(0).unwrap_or_default().trim();
    let (columns, first_row): (Vec<String>, Option<csv::StringRecord>) = if KNOWN_FIRST_COLUMNS.contains(&first_field) {
        (first.iter().map(|c| c.trim().to_owned()).collect(), None)
    } else {
        (default_columns(kind).iter().map(|c| (*c).to_owned()).collect(), Some(first))
    };
    if let Some(missing) = default_columns(kind).iter().find(|column| !columns.iter().any(|c| c == *column)) {
        return Err(AppError::validation(format!("This file does not fit a {} import: it has no '{missing}' column", kind.as_str())));
    }
    let mut items = Vec::new();
    for record in first_row.into_iter().map(Ok).chain(records) {
        let record = record.map_err(malformed)?;
        if items.len() == MAX_ROWS {
            return Err(AppError::validation(format!("The file has more than {MAX_ROWS} rows")));
        }
        if record.iter().any(|field| field.chars().count() > MAX_FIELD_CHARS) {
            return Err(AppError::validation(format!("Row {} has a field longer than {MAX_FIELD_CHARS} characters", items.len() + 1)));
        }
        items.push(item_of(&columns, &record));
    }
    Ok(items)
}

fn malformed(error: csv::Error) -> AppError {
    AppError::validation(format!("The file is not valid CSV: {error}"))
}

fn item_of(columns: &[String], record: &csv::StringRecord) -> ImportItem {
    let mut item = ImportItem::default();
    for (column, field) in columns.iter().zip(record.iter()) {
        // PostgreSQL refuses NUL in text, and no address holds one.
        let field = field.replace('\0', "");
        let field = field.trim();
        match column.as_str() {
            "Account address" => item.acct = Some(field.trim_start_matches('\'').trim_start_matches('@').to_owned()),
            "Show boosts" => item.show_reblogs = boolean(field),
            "Notify on new posts" => item.notify = boolean(field),
            "Hide notifications" => item.hide_notifications = boolean(field),
            "#domain" => item.domain = Some(field.to_lowercase()),
            "#uri" => item.uri = Some(field.to_owned()),
            "List name" => item.list_name = Some(field.to_owned()),
            _ => {}
        }
    }
    item
}

/// Rails' reading of a boolean field: blank is unset; `false`, `f`, `0`, `off` (any case) are false.
fn boolean(field: &str) -> Option<bool> {
    (!field.is_empty()).then(|| !matches!(field.to_lowercase().as_str(), "false" | "f" | "0" | "off"))
}

/// Stores a parsed file as an import for the worker; in overwrite mode, first undoes what the file does not
/// hold.
pub fn create(tx: &mut Tx, settings: &Settings, owner: &Account, kind: ImportKind, overwrite: bool, items: Vec<ImportItem>) -> AppResult<Import> {
    if imports::count_unfinished(tx, owner.id)? >= MAX_UNFINISHED as i64 {
        return Err(AppError::validation(format!("You have {MAX_UNFINISHED} imports under way: wait until one is finished")));
    }
    if overwrite {
        remove_what_the_file_lacks(tx, settings, owner, kind, &items)?;
    }
    let import = Import {
        id: ids::next_id(),
        account_id: owner.id,
        kind,
        overwrite,
        total_items: items.len() as i32,
        processed_items: 0,
        imported_items: 0,
        claimed_until: None,
        created_at: ids::now(),
        finished_at: None,
    };
    let rows: Vec<ImportRow> = items
        .into_iter()
        .zip(1..)
        .map(|(item, position)| ImportRow { import_id: import.id, position, item: Json(item), processed: false, error: None })
        .collect();
    imports::insert(tx, &import, rows)?;
    Ok(import)
}

/// An address as compared between a file and the database: no leading `@`, no `@` of this instance's
/// domain, any case.
fn comparable_address(address: &str, settings: &Settings) -> String {
    let address = address.trim().trim_start_matches('@').to_lowercase();
    let local_suffix = format!("@{}", settings.domain.to_lowercase());
    address.strip_suffix(&local_suffix).map(str::to_owned).unwrap_or(address)
}

fn remove_what_the_file_lacks(tx: &mut Tx, settings: &Settings, owner: &Account, kind: ImportKind, items: &[ImportItem]) -> AppResult<()> {
    let addresses: HashSet<String> = items.iter().filter_map(|item| item.acct.as_deref()).map(|a| comparable_address(a, settings)).collect();
    let lacks = |account: &Account| !addresses.contains(&account.acct().to_lowercase());
    match kind {
        ImportKind::Following => {
            for (_, account) in follow_rows::following_with_options(tx, owner.id)? {
                if lacks(&account) {
                    follows::unfollow(tx, owner, account.id)?;
                }
            }
        }
        ImportKind::Blocking => {
            for account in safety_rows::blocked_accounts(tx, owner.id)? {
                if lacks(&account) {
                    safety::unblock(tx, owner, account.id)?;
                }
            }
        }
        ImportKind::Muting => {
            for (_, account) in safety_rows::mutes_with_accounts(tx, owner.id, ids::now())? {
                if lacks(&account) {
                    safety::unmute(tx, owner, account.id)?;
                }
            }
        }
        ImportKind::DomainBlocking => {
            let domains: HashSet<&str> = items.iter().filter_map(|item| item.domain.as_deref()).collect();
            for domain in safety_rows::blocked_domains(tx, owner.id)? {
                if !domains.contains(domain.as_str()) {
                    safety::unblock_domain(tx, owner, &domain)?;
                }
            }
        }
        ImportKind::Bookmarks => {
            let uris: HashSet<&str> = items.iter().filter_map(|item| item.uri.as_deref()).collect();
            for (status_id, uri) in marks::bookmarks::status_uris_of(tx, owner.id)? {
                if !uris.contains(uri.as_str()) {
                    marks::bookmarks::delete(tx, owner.id, status_id)?;
                }
            }
        }
        ImportKind::Lists => {
            // As Mastodon: lists the file does not name go, and the others start empty.
            let titles: HashSet<&str> = items.iter().filter_map(|item| item.list_name.as_deref()).collect();
            for list in list_rows::of_owner(tx, owner.id)? {
                if titles.contains(list.title.as_str()) {
                    list_rows::clear(tx, list.id)?;
                } else {
                    lists::delete(tx, owner, list.id)?;
                }
            }
        }
    }
    Ok(())
}

/// What a row names, once the worker has found it.
pub enum Target {
    Account(Account),
    Status(StatusId),
    Domain(String),
}

/// Applies one row whose target the worker found.
pub fn apply(tx: &mut Tx, owner: &Account, import: &Import, item: &ImportItem, target: Target) -> AppResult<()> {
    if matches!(&target, Target::Account(account) if account.id == owner.id) {
        return Err(AppError::validation("This is your own account"));
    }
    match (import.kind, target) {
        (ImportKind::Following, Target::Account(account)) => {
            let options = follows::FollowOptions { reblogs: item.show_reblogs, notify: item.notify };
            follows::follow(tx, owner, account.id, options)?;
        }
        (ImportKind::Blocking, Target::Account(account)) => {
            safety::block(tx, owner, account.id)?;
        }
        (ImportKind::Muting, Target::Account(account)) => {
            safety::mute(tx, owner, account.id, item.hide_notifications.unwrap_or(true), None)?;
        }
        (ImportKind::DomainBlocking, Target::Domain(domain)) => safety::block_domain(tx, owner, &domain)?,
        (ImportKind::Bookmarks, Target::Status(status_id)) => {
            crate::service::statuses::bookmark(tx, owner, status_id)?;
        }
        (ImportKind::Lists, Target::Account(account)) => add_to_list(tx, owner, item.list_name.as_deref().unwrap_or_default(), &account)?,
        _ => return Err(AppError::validation("This row does not fit its import")),
    }
    Ok(())
}

/// Adds an account to the owner's list of that title (made when missing), following it first when the
/// owner does not yet (lists hold followed accounts only), as Mastodon's import does.
fn add_to_list(tx: &mut Tx, owner: &Account, title: &str, account: &Account) -> AppResult<()> {
    let list = match list_rows::of_owner(tx, owner.id)?.into_iter().find(|list| list.title == title) {
        Some(list) => list,
        None => lists::create(tx, owner, lists::ListChange { title: Some(title.to_owned()), ..Default::default() })?,
    };
    if follow_rows::find(tx, owner.id, account.id)?.is_none() {
        follows::follow(tx, owner, account.id, follows::FollowOptions { reblogs: None, notify: None })?;
    }
    if follow_rows::find(tx, owner.id, account.id)?.is_none() {
        return Err(AppError::validation("The account must accept the follow before it can be in a list"));
    }
    lists::add_accounts(tx, owner, list.id, &[account.id])
}

/// Records a row's outcome and renews the worker's lease on the import (held until `lease`, now until
/// `renewed_until`); false when another worker has taken the import over meanwhile.
pub fn record(conn: &mut DbConn, import: &Import, row: &ImportRow, error: Option<&str>, lease: NaiveDateTime, renewed_until: NaiveDateTime) -> AppResult<bool> {
    imports::record_row(conn, import.id, row.position, error)?;
    imports::renew(conn, import.id, lease, renewed_until)
}

pub fn finish_if_done(conn: &mut DbConn, import: &Import) -> AppResult<bool> {
    if imports::pending_rows(conn, import.id, 1)?.is_empty() {
        imports::finish(conn, import.id, ids::now())?;
        return Ok(true);
    }
    Ok(false)
}

/// An import as its owner sees it, with the first failures.
pub struct ImportReport {
    pub import: Import,
    pub failed_items: i64,
    pub failures: Vec<ImportRow>,
}

/// How many failed rows a report lists.
const FAILURES_SHOWN: i64 = 100;

pub fn report(conn: &mut DbConn, owner: &Account, import_id: i64) -> AppResult<ImportReport> {
    let import = imports::find(conn, owner.id, import_id)?.ok_or(AppError::NotFound)?;
    report_of(conn, import)
}

fn report_of(conn: &mut DbConn, import: Import) -> AppResult<ImportReport> {
    Ok(ImportReport {
        failed_items: imports::count_failures(conn, import.id)?,
        failures: imports::failures(conn, import.id, FAILURES_SHOWN)?,
        import,
    })
}

/// The owner's imports, the latest first.
pub fn page(conn: &mut DbConn, owner: &Account, page: &Page) -> AppResult<Vec<ImportReport>> {
    imports::page(conn, owner.id, page)?.into_iter().map(|import| report_of(conn, import)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodons_files_read_with_or_without_their_header() {
        let follows = parse(ImportKind::Following, b"Account address,Show boosts,Notify on new posts,Languages\n@ann@a.example,false,TRUE,\n'=odd@b.example,,,\n").unwrap();
        assert_eq!(follows[0], ImportItem { acct: Some("ann@a.example".into()), show_reblogs: Some(false), notify: Some(true), ..Default::default() });
        assert_eq!(follows[1].acct.as_deref(), Some("=odd@b.example"), "an export's quoting is undone");
        let blocks = parse(ImportKind::Blocking, b"ann@a.example\n\nbob@b.example\n").unwrap();
        assert_eq!(blocks.len(), 2, "blank lines are skipped");
        let lists = parse(ImportKind::Lists, b"\"Team, core\",ann@a.example\n").unwrap();
        assert_eq!((lists[0].list_name.as_deref(), lists[0].acct.as_deref()), (Some("Team, core"), Some("ann@a.example")));
        assert!(parse(ImportKind::Lists, b"Account address\nann\n").is_err(), "a list file needs its list column");
        assert!(parse(ImportKind::Blocking, format!("{}\n", "a".repeat(3000)).as_bytes()).is_err(), "fields are bounded");
        assert_eq!(parse(ImportKind::DomainBlocking, b"Sp\0am.Example\n").unwrap()[0].domain.as_deref(), Some("spam.example"));
    }
}
