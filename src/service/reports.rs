//! Reports to moderators; a report about an account of another instance can be forwarded there (Flag).

use crate::db::models::{Account, Report};
use crate::db::queries::{accounts, reports, statuses};
use crate::db::{DbConn, Tx};
use crate::db::tx::Outbound;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};

pub const CATEGORIES: &[&str] = &["spam", "legal", "violation", "other"];
const MAX_COMMENT: usize = 1_000;

pub struct NewReport {
    pub target_id: AccountId,
    pub status_ids: Vec<StatusId>,
    pub comment: String,
    pub category: Option<String>,
    pub forward: bool,
}

pub struct Filed {
    pub report: Report,
    pub target: Account,
}

pub fn create(tx: &mut Tx, reporter: &Account, input: NewReport) -> AppResult<Filed> {
    let target = accounts::find(tx, input.target_id)?.ok_or(AppError::NotFound)?;
    if target.id == reporter.id {
        return Err(AppError::validation("You cannot report yourself"));
    }
    let category = input.category.unwrap_or_else(|| "other".into());
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(AppError::validation("Category is not included in the list"));
    }
    if input.comment.chars().count() > MAX_COMMENT {
        return Err(AppError::validation(format!("Comment is too long (maximum is {MAX_COMMENT} characters)")));
    }
    let reported = statuses::find_many(tx, &input.status_ids)?;
    if reported.len() != input.status_ids.len() || reported.iter().any(|s| s.account_id != target.id) {
        return Err(AppError::validation("Statuses must be the reported account's"));
    }
    let forwarded = input.forward && !target.is_local();
    let report = Report {
        id: ids::next_id(),
        account_id: reporter.id,
        target_account_id: target.id,
        status_ids: input.status_ids.iter().map(StatusId::to_string).collect::<Vec<_>>().join(","),
        comment: input.comment,
        category,
        forwarded,
        uri: None,
        created_at: ids::now(),
    };
    reports::insert(tx, &report)?;
    if forwarded {
        let status_uris: Vec<String> = reported.into_iter().map(|s| s.uri).collect();
        tx.federate(Outbound::Reported { report: &report, target: &target, status_uris: &status_uris })?;
    }
    Ok(Filed { report, target })
}

/// A report another instance forwarded (Flag) about one of our accounts.
pub fn receive(conn: &mut DbConn, reporter: &Account, target: &Account, status_uris: &[String], comment: &str, uri: &str) -> AppResult<()> {
    let mut status_ids = Vec::new();
    for status_uri in status_uris {
        if let Some(status) = statuses::find_by_uri_or_url(conn, status_uri)?.filter(|s| s.account_id == target.id) {
            status_ids.push(status.id.to_string());
        }
    }
    reports::insert(
        conn,
        &Report {
            id: ids::next_id(),
            account_id: reporter.id,
            target_account_id: target.id,
            status_ids: status_ids.join(","),
            comment: comment.chars().take(MAX_COMMENT).collect(),
            category: "other".into(),
            forwarded: false,
            uri: Some(uri.to_owned()),
            created_at: ids::now(),
        },
    )
}

pub fn about(conn: &mut DbConn, target: AccountId) -> AppResult<Vec<Report>> {
    reports::about(conn, target)
}
