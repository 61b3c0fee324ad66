//! Scheduled statuses: kept with their parameters, posted by the instance when their time comes.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::db::Tx;
use crate::db::models::{Account, ScheduledStatus};
use crate::db::queries::{accounts, scheduled, users};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, StatusId};
use crate::service::statuses::{self, NewStatus, Visibility};

/// Mastodon's rule: at least five minutes ahead.
pub const MIN_DELAY_MINUTES: i64 = 5;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScheduledParams {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<String>,
    pub in_reply_to_id: Option<StatusId>,
    pub language: Option<String>,
    #[serde(default)]
    pub media_ids: Vec<i64>,
    #[serde(default)]
    pub poll: Option<crate::service::polls::NewPoll>,
    #[serde(default)]
    pub quoted_status_id: Option<StatusId>,
    #[serde(default)]
    pub local_only: Option<bool>,
}

impl ScheduledParams {
    pub fn of(row: &ScheduledStatus) -> ScheduledParams {
        serde_json::from_str(&row.params_json).unwrap_or_default()
    }
}

fn check_time(at: NaiveDateTime) -> AppResult<()> {
    if at < ids::now() + chrono::Duration::minutes(MIN_DELAY_MINUTES) {
        return Err(AppError::validation(format!("Scheduled at must be at least {MIN_DELAY_MINUTES} minutes in the future")));
    }
    Ok(())
}

pub fn schedule(conn: &mut DbConn, owner: &Account, app_id: Option<i64>, at: NaiveDateTime, params: ScheduledParams) -> AppResult<ScheduledStatus> {
    check_time(at)?;
    if params.text.trim().is_empty() {
        return Err(AppError::validation("Text can't be blank"));
    }
    if let Some(visibility) = &params.visibility {
        Visibility::parse(visibility)?;
    }
    let row = ScheduledStatus {
        id: ids::next_id(),
        account_id: owner.id,
        scheduled_at: at,
        params_json: serde_json::to_string(&params).map_err(|e| AppError::Internal(e.to_string()))?,
        app_id,
        created_at: ids::now(),
    };
    scheduled::insert(conn, &row)?;
    Ok(row)
}

pub fn list(conn: &mut DbConn, owner: &Account, page: &Page) -> AppResult<Vec<ScheduledStatus>> {
    scheduled::page(conn, owner.id, page)
}

pub fn get(conn: &mut DbConn, owner: &Account, id: i64) -> AppResult<ScheduledStatus> {
    scheduled::find(conn, owner.id, id)?.ok_or(AppError::NotFound)
}

pub fn reschedule(conn: &mut DbConn, owner: &Account, id: i64, at: NaiveDateTime) -> AppResult<ScheduledStatus> {
    let row = get(conn, owner, id)?;
    check_time(at)?;
    scheduled::reschedule(conn, row.id, at)?;
    get(conn, owner, id)
}

pub fn cancel(conn: &mut DbConn, owner: &Account, id: i64) -> AppResult<()> {
    let row = get(conn, owner, id)?;
    scheduled::delete(conn, row.id)?;
    Ok(())
}

/// Posts what is due; a status that can no longer be posted (its reply target gone, its author suspended)
/// is dropped. Answers how many were posted.
pub fn publish_due(tx: &mut Tx, settings: &Settings) -> AppResult<usize> {
    let mut published = 0;
    for row in scheduled::due(tx, ids::now(), 50)? {
        if !scheduled::delete(tx, row.id)? {
            continue;
        }
        let outcome = tx.savepoint(|tx| publish(tx, settings, &row));
        match outcome {
            Ok(()) => published += 1,
            Err(e) => log::info!("scheduled status {} dropped: {e}", row.id),
        }
    }
    Ok(published)
}

fn publish(tx: &mut Tx, settings: &Settings, row: &ScheduledStatus) -> AppResult<()> {
    let account = accounts::find(tx, row.account_id)?.filter(|a| a.suspended_at.is_none()).ok_or(AppError::NotFound)?;
    let user = users::find(tx, account.id)?.ok_or(AppError::NotFound)?;
    let params = ScheduledParams::of(row);
    let new_status = NewStatus {
        text: params.text,
        spoiler_text: params.spoiler_text,
        sensitive: params.sensitive,
        visibility: params.visibility.as_deref().map(Visibility::parse).transpose()?,
        in_reply_to_id: params.in_reply_to_id,
        language: params.language,
        idempotency_key: None,
        app_id: row.app_id,
        media_ids: params.media_ids,
        poll: params.poll,
        quoted_status_id: params.quoted_status_id,
        local_only: params.local_only,
        ..NewStatus::default()
    };
    statuses::create(tx, settings, &account, &user, new_status).map(|_| ())
}
