//! The audit log: inserted, listed; never updated or deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::kinds::{AuditAction, AuditTarget};
use crate::db::models::AuditEntry;
use crate::db::schema::audit_log::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, entry: AuditEntry) -> AppResult<()> {
    diesel::insert_into(audit_log).values(entry).execute(conn)?;
    Ok(())
}

/// Which entries a listing wants; every part that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<AccountId>,
    pub action: Option<AuditAction>,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<i64>,
    pub start_at: Option<NaiveDateTime>,
    pub end_at: Option<NaiveDateTime>,
}

pub fn page(conn: &mut DbConn, filter: &AuditFilter, page: &Page) -> AppResult<Vec<AuditEntry>> {
    let mut query = audit_log.select(AuditEntry::as_select()).into_boxed();
    if let Some(account) = filter.actor {
        query = query.filter(actor_account_id.eq(account));
    }
    if let Some(wanted) = filter.action {
        query = query.filter(action.eq(wanted.as_str()));
    }
    if let Some(kind) = filter.target_type {
        query = query.filter(target_type.eq(kind.as_str()));
    }
    if let Some(wanted) = filter.target_id {
        query = query.filter(target_id.eq(wanted));
    }
    if let Some(start) = filter.start_at {
        query = query.filter(created_at.ge(start));
    }
    if let Some(end) = filter.end_at {
        query = query.filter(created_at.lt(end));
    }
    Ok(load_page!(query, id, page, conn))
}
