//! Reports to moderators; a report about an account of another instance can be forwarded there (Flag).

use crate::db::kinds::AuditAction;
use crate::db::models::{Account, Report};
pub use crate::db::queries::reports::ReportFilter;
use crate::db::queries::{accounts, reports, statuses};
use crate::db::{DbConn, Page, Tx};
use crate::db::tx::Outbound;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::audit::{self, Target};
use crate::service::moderation::{self, Managed, Staff};
use crate::service::views::{self, StatusView};

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
    // As Mastodon, one may report one's own account (a hacked account, statuses posted by mistake).
    let target = accounts::find(tx, input.target_id)?.ok_or(AppError::NotFound)?;
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
        action_taken_at: None,
        action_taken_by_account_id: None,
        assigned_account_id: None,
        updated_at: None,
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
            action_taken_at: None,
            action_taken_by_account_id: None,
            assigned_account_id: None,
            updated_at: None,
        },
    )
}

pub fn about(conn: &mut DbConn, target: AccountId) -> AppResult<Vec<Report>> {
    reports::about(conn, target)
}

/// A report as moderators see it: who filed it, about whom, who handles it, the statuses it names.
pub struct ReportView {
    pub report: Report,
    pub reporter: Managed,
    pub target: Managed,
    pub assigned: Option<Managed>,
    pub action_taken_by: Option<Managed>,
    pub statuses: Vec<StatusView>,
}

pub fn admin_page(conn: &mut DbConn, filter: &ReportFilter, page: &Page) -> AppResult<Vec<ReportView>> {
    reports::page(conn, filter, page)?.into_iter().map(|report| view_of(conn, report)).collect()
}

pub fn admin_get(conn: &mut DbConn, report_id: i64) -> AppResult<ReportView> {
    let report = reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    view_of(conn, report)
}

fn view_of(conn: &mut DbConn, report: Report) -> AppResult<ReportView> {
    let managed = |conn: &mut DbConn, id: Option<AccountId>| id.map(|id| moderation::get(conn, id)).transpose();
    let rows = statuses::find_many(conn, &report.status_ids())?;
    Ok(ReportView {
        reporter: moderation::get(conn, report.account_id)?,
        target: moderation::get(conn, report.target_account_id)?,
        assigned: managed(conn, report.assigned_account_id)?,
        action_taken_by: managed(conn, report.action_taken_by_account_id)?,
        statuses: views::hydrate(conn, None, rows)?,
        report,
    })
}

/// What a moderator does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    AssignToSelf,
    Unassign,
    Resolve,
    Reopen,
}

pub fn handle(conn: &mut DbConn, staff: &Staff, report_id: i64, handling: Handling) -> AppResult<ReportView> {
    let report = reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    staff.may_act_on(&moderation::get(conn, report.target_account_id)?)?;
    let now = ids::now();
    let logged = match handling {
        Handling::AssignToSelf => {
            let me = staff.account_id().ok_or_else(|| AppError::validation("Only a signed-in moderator can take a report"))?;
            reports::set_assigned(conn, report.id, Some(me), now)?;
            AuditAction::AssignReport
        }
        Handling::Unassign => {
            reports::set_assigned(conn, report.id, None, now)?;
            AuditAction::UnassignReport
        }
        Handling::Resolve => {
            reports::resolve(conn, report.id, staff.account_id(), now)?;
            AuditAction::ResolveReport
        }
        Handling::Reopen => {
            reports::reopen(conn, report.id, now)?;
            AuditAction::ReopenReport
        }
    };
    audit::record(conn, &staff.actor, logged, Target::report(&report), "")?;
    admin_get(conn, report.id)
}
