//! Users' longer work, done after the request answered: CSV imports (each row's account or post is found,
//! through federation when it is another instance's, and the row applied, a batch at a time) and archives
//! (written into the media store). One process holds an import or archive at a time (a lease in the
//! database, renewed per batch); a process that dies leaves it to another when the lease runs out.

use std::time::Duration;

use url::Url;

use crate::apub::resolve;
use crate::db::kinds::ImportKind;
use crate::db::models::{Account, Import, ImportItem};
use crate::db::queries::{accounts, archives as archive_rows, imports as import_rows, statuses};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::archives;
use crate::service::imports::{self, Target};
use crate::state::AppState;

const LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// An archive is made in one go: its lease covers the longest one.
const ARCHIVE_LEASE: chrono::Duration = chrono::Duration::minutes(30);
const ROWS_PER_BATCH: i64 = 20;
/// How often an idle worker looks for work another process stored (the command line's `import-account`, or
/// another server process): two small indexed queries.
const POLL: Duration = Duration::from_secs(2);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            let worked = match work_on_next_import(&state).await {
                Ok(false) => build_next_archive(&state).await,
                other => other,
            };
            match worked {
                Ok(true) => {}
                Ok(false) => state.jobs.wait(POLL).await,
                Err(e) => {
                    log::warn!("jobs: {}", e.cause());
                    state.jobs.wait(POLL).await;
                }
            }
        }
    });
}

/// Takes the next import and works on it until it is finished or lost; false when none waits.
async fn work_on_next_import(state: &AppState) -> AppResult<bool> {
    let now = ids::now();
    let Some(import) = state.db.write(move |conn| import_rows::claim_next(conn, now, now + LEASE)).await? else {
        return Ok(false);
    };
    let account_id = import.account_id;
    let Some(owner) = state.db.read(move |conn| accounts::find(conn, account_id)).await? else {
        return Ok(true);
    };
    let mut lease = import.claimed_until.unwrap_or(now);
    loop {
        let import_id = import.id;
        let rows = state.db.read(move |conn| import_rows::pending_rows(conn, import_id, ROWS_PER_BATCH)).await?;
        for row in rows {
            let outcome = import_row(state, &owner, &import, &row.item).await;
            let error = match outcome {
                Ok(()) => None,
                // The pool is exhausted or the database away: the row is tried again later.
                Err(e @ AppError::Unavailable(_)) => return Err(e),
                Err(e @ (AppError::Database(_) | AppError::Internal(_))) => {
                    log::warn!("imports: row {} of import {}: {}", row.position, import.id, e.cause());
                    Some("This row could not be applied".to_owned())
                }
                Err(e) => Some(e.to_string()),
            };
            // Renewed with each row: a row may wait on a peer for seconds, a batch for minutes.
            let (recording, held, renewed_until) = (import.clone(), lease, ids::now() + LEASE);
            if !state.db.write(move |conn| imports::record(conn, &recording, &row, error.as_deref(), held, renewed_until)).await? {
                return Ok(true);
            }
            lease = renewed_until;
        }
        let finishing = import.clone();
        if state.db.write(move |conn| imports::finish_if_done(conn, &finishing)).await? {
            crate::telemetry::job("imports", true);
            log::info!("imports: import {} of account {} finished", import.id, import.account_id);
            return Ok(true);
        }
    }
}

/// Makes the next archive asked for; false when none waits. A failed archive is recorded as failed (its
/// owner may ask again) rather than tried for ever.
async fn build_next_archive(state: &AppState) -> AppResult<bool> {
    let now = ids::now();
    let Some(archive) = state.db.write(move |conn| archive_rows::claim_next(conn, now, now + ARCHIVE_LEASE)).await? else {
        return Ok(false);
    };
    let made = make_archive(state, &archive).await;
    crate::telemetry::job("archives", made.is_ok());
    let replaced = match made {
        Ok(size) => state.db.write(move |conn| archives::finish(conn, &archive, size)).await?,
        Err(e) => {
            log::warn!("archives: archive {} of account {}: {}", archive.id, archive.account_id, e.cause());
            state.db.write(move |conn| archives::fail(conn, &archive)).await?;
            Vec::new()
        }
    };
    let store = state.media.clone();
    let _ = tokio::task::spawn_blocking(move || replaced.iter().try_for_each(|key| store.delete(key))).await;
    Ok(true)
}

/// Writes the archive into the media store; answers its size.
async fn make_archive(state: &AppState, archive: &crate::db::models::Archive) -> AppResult<i64> {
    let (settings, store, account_id) = (state.settings.clone(), state.media.clone(), archive.account_id);
    let bytes = state
        .db
        .read(move |conn| {
            let owner = accounts::find(conn, account_id)?.ok_or(AppError::NotFound)?;
            crate::apub::archive::write(conn, &settings, store.as_ref(), &owner, std::io::Cursor::new(Vec::new())).map(std::io::Cursor::into_inner)
        })
        .await?;
    let (store, key, size) = (state.media.clone(), archives::file_key(archive), bytes.len() as i64);
    tokio::task::spawn_blocking(move || store.put(&key, &bytes))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("media store: {e}")))?;
    Ok(size)
}

async fn import_row(state: &AppState, owner: &Account, import: &Import, item: &ImportItem) -> AppResult<()> {
    let target = target_of(state, import.kind, item).await?;
    let (owner, import, item) = (owner.clone(), import.clone(), item.clone());
    state.db.write(move |tx| imports::apply(tx, &owner, &import, &item, target)).await
}

/// What a row names: found here, or fetched from its instance.
async fn target_of(state: &AppState, kind: ImportKind, item: &ImportItem) -> AppResult<Target> {
    match kind {
        ImportKind::DomainBlocking => match item.domain.as_deref() {
            Some(domain) if !domain.is_empty() => Ok(Target::Domain(domain.to_owned())),
            _ => Err(AppError::validation("The row names no domain")),
        },
        ImportKind::Bookmarks => status_at(state, item.uri.as_deref().unwrap_or_default()).await.map(Target::Status),
        _ => account_at(state, item.acct.as_deref().unwrap_or_default()).await.map(Target::Account),
    }
}

async fn account_at(state: &AppState, address: &str) -> AppResult<Account> {
    if address.is_empty() {
        return Err(AppError::validation("The row names no account"));
    }
    let (settings, acct) = (state.settings.clone(), address.to_owned());
    match state.db.read(move |conn| crate::service::accounts::lookup(conn, &settings, &acct)).await {
        Err(AppError::NotFound) => {}
        known => return known,
    }
    let not_found = |why: String| AppError::validation(format!("No account {address} was found: {why}"));
    let Some((username, host)) = address.split_once('@') else {
        return Err(not_found("there is no such local account".into()));
    };
    resolve::by_acct(state, username, host).await.map_err(|e| not_found(e.to_string()))
}

async fn status_at(state: &AppState, uri: &str) -> AppResult<crate::ids::StatusId> {
    let find = |uri: String| state.db.read(move |conn| statuses::find_by_uri_or_url(conn, &uri));
    if let Some(status) = find(uri.to_owned()).await? {
        return Ok(status.id);
    }
    let url = Url::parse(uri).map_err(|_| AppError::validation(format!("'{uri}' is not a post's address")))?;
    resolve::status(state, &url).await.map_err(|e| AppError::validation(format!("No post was found at {uri}: {e}")))?;
    find(uri.to_owned()).await?.map(|status| status.id).ok_or_else(|| AppError::validation(format!("No post was found at {uri}")))
}
