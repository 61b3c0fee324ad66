//! Finding people and topics inside the company: the directory, trending tags, follow suggestions.

use crate::db::models::Account;
use crate::db::queries::{accounts, follows, statuses, tag_follows};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids;
use crate::service::tags::{self, TagView};
use crate::service::views::{self, StatusView};

/// How far back trends look.
const TREND_DAYS: i64 = 3;

pub fn directory(conn: &mut DbConn, local_only: bool, order: &str, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    accounts::directory(conn, local_only, order == "new", limit, offset)
}

pub fn trending_tags(conn: &mut DbConn, viewer: Option<&Account>, limit: usize, offset: usize) -> AppResult<Vec<TagView>> {
    let since = ids::now() - chrono::Duration::days(TREND_DAYS);
    let trending = tag_follows::trending_since(conn, since, limit + offset)?;
    trending.into_iter().skip(offset).map(|tag| tags::view(conn, viewer, tag)).collect()
}

/// Public posts of the last days that people interacted with most.
pub fn trending_statuses(conn: &mut DbConn, viewer: Option<&Account>, limit: i64, offset: i64) -> AppResult<Vec<StatusView>> {
    let since = ids::now() - chrono::Duration::days(TREND_DAYS);
    let rows = statuses::trending_since(conn, since, limit, offset)?;
    views::hydrate(conn, viewer.map(|v| v.id), rows)
}

/// Local accounts worth following: the most followed ones the viewer does not follow yet.
pub fn suggestions(conn: &mut DbConn, viewer: &Account, limit: i64) -> AppResult<Vec<Account>> {
    let candidates = accounts::most_followed_local(conn, limit + 200)?;
    let ids: Vec<i64> = candidates.iter().map(|a| a.id).collect();
    let followed: Vec<i64> = follows::following_among(conn, viewer.id, &ids)?.into_iter().map(|f| f.target_account_id).collect();
    Ok(candidates
        .into_iter()
        .filter(|a| a.id != viewer.id && !followed.contains(&a.id))
        .take(limit.max(0) as usize)
        .collect())
}
