//! Grouped notifications (Mastodon 4.3's v2 API): favourites and boosts of one status, and follows,
//! that arrive within hours of each other form one group, shown once with its count and sample accounts.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::db::kinds::{FilterContext, NotificationKind};
use crate::db::models::{Account, Notification};
use crate::db::queries::{accounts, notifications, statuses};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::service::filters::ActiveFilters;
use crate::service::notifications::Filter;
use crate::service::views::{self, StatusView};
use crate::ids::{AccountId, StatusId};

/// The kinds Mastodon groups, and groups unless a client asks otherwise.
pub const GROUPABLE: &[NotificationKind] = &[NotificationKind::Favourite, NotificationKind::Reblog, NotificationKind::Follow];
/// A group stops taking new notifications this long after it started (Mastodon's span).
const MAX_GROUP_SPAN_HOURS: i64 = 12;
const SAMPLE_ACCOUNTS: usize = 8;
const SCAN_BATCH: i64 = 200;
/// How many notifications one page may look through to find its groups.
const SCAN_LIMIT: usize = 4_000;
const MAX_GROUP_MEMBERS: i64 = 10_000;

/// The group key a new notification joins, or None for kinds that are never grouped.
pub fn key_for(conn: &mut DbConn, recipient: AccountId, kind: NotificationKind, status_id: Option<StatusId>, now: NaiveDateTime) -> AppResult<Option<String>> {
    if !GROUPABLE.contains(&kind) {
        return Ok(None);
    }
    let prefix = match status_id {
        Some(status_id) if kind != NotificationKind::Follow => format!("{kind}-{status_id}"),
        _ => kind.to_string(),
    };
    let hour = now.and_utc().timestamp() / 3600;
    let previous = notifications::latest_group_key(conn, recipient, kind, status_id)?
        .and_then(|key| key.rsplit('-').next().and_then(|bucket| bucket.parse::<i64>().ok()));
    let bucket = match previous {
        Some(started) if hour < started + MAX_GROUP_SPAN_HOURS => started,
        _ => hour,
    };
    Ok(Some(format!("{prefix}-{bucket}")))
}

pub struct GroupQuery {
    pub filter: Filter,
    pub grouped_kinds: Vec<String>,
}

impl GroupQuery {
    pub fn new(filter: Filter, grouped_kinds: Option<Vec<String>>) -> GroupQuery {
        GroupQuery { filter, grouped_kinds: grouped_kinds.unwrap_or_else(|| GROUPABLE.iter().map(|k| k.to_string()).collect()) }
    }
}

#[derive(Debug, Clone)]
pub struct GroupView {
    pub key: String,
    pub kind: String,
    pub count: usize,
    pub latest: Notification,
    pub page_min_id: i64,
    pub page_max_id: i64,
    pub sample_accounts: Vec<Account>,
    pub status: Option<StatusView>,
}

/// A page of groups, newest first; the page's bounds count as they do for single notifications.
pub fn page(conn: &mut DbConn, owner: &Account, query: &GroupQuery, page: &Page) -> AppResult<Vec<GroupView>> {
    let hidden = super::safety::hidden_authors(conn, owner.id)?;
    let firsts = scan_keys(conn, owner.id, query, &hidden, page)?;
    let mut groups = Vec::new();
    for (key, first) in firsts {
        let members = if key.starts_with("ungrouped-") {
            vec![first]
        } else {
            let bounds = Page { limit: MAX_GROUP_MEMBERS, ..*page };
            let mut members = notifications::in_group(conn, owner.id, &key, &hidden, &bounds)?;
            members.retain(|n| query.filter.account_id.is_none_or(|from| n.from_account_id == from));
            members
        };
        groups.push((key, members));
    }
    let mut found = hydrate(conn, owner.id, groups)?;
    found.sort_by(|a, b| b.page_max_id.cmp(&a.page_max_id));
    Ok(found)
}

/// The first notification of each distinct group in the page, in scanning order.
fn scan_keys(conn: &mut DbConn, owner: AccountId, query: &GroupQuery, hidden: &[AccountId], page: &Page) -> AppResult<Vec<(String, Notification)>> {
    let ascending = page.min_id.is_some();
    let mut cursor = Page { limit: SCAN_BATCH, ..*page };
    let mut found: Vec<(String, Notification)> = Vec::new();
    let mut seen = HashSet::new();
    let mut scanned = 0;
    loop {
        let mut rows = notifications::page(conn, owner, &query.filter.shown(hidden), &cursor)?;
        if ascending {
            rows.reverse();
        }
        let exhausted = rows.len() < SCAN_BATCH as usize;
        for row in rows {
            scanned += 1;
            if ascending {
                cursor.min_id = Some(row.id);
            } else {
                cursor.max_id = Some(row.id);
            }
            let key = row.group_key_among(&query.grouped_kinds);
            if seen.contains(&key) {
                continue;
            }
            if found.len() as i64 >= page.limit {
                return Ok(found);
            }
            seen.insert(key.clone());
            found.push((key, row));
        }
        if exhausted || scanned >= SCAN_LIMIT {
            return Ok(found);
        }
    }
}

/// One group, with all its notifications.
pub fn get(conn: &mut DbConn, owner: &Account, key: &str) -> AppResult<GroupView> {
    let members = members(conn, owner, key)?;
    hydrate(conn, owner.id, vec![(key.to_owned(), members)])?.pop().ok_or(AppError::NotFound)
}

/// Every account of a group, newest first.
pub fn accounts_of(conn: &mut DbConn, owner: &Account, key: &str) -> AppResult<Vec<Account>> {
    let members = members(conn, owner, key)?;
    let ids = distinct_senders(&members, usize::MAX);
    let mut by_id: HashMap<AccountId, Account> = accounts::find_many(conn, &ids)?.into_iter().map(|a| (a.id, a)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).filter(|a| a.suspended_at.is_none()).collect())
}

pub fn dismiss(conn: &mut DbConn, owner: &Account, key: &str) -> AppResult<()> {
    let deleted = match ungrouped_id(key) {
        Some(id) => usize::from(notifications::delete(conn, owner.id, id)?),
        None => notifications::delete_group(conn, owner.id, key)?,
    };
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Groups with notifications newer than the `notifications` marker, up to `limit`.
pub fn unread_count(conn: &mut DbConn, owner: &Account, query: &GroupQuery, limit: i64) -> AppResult<i64> {
    let marker = crate::db::queries::markers::find(conn, owner.id, &["notifications".to_owned()])?;
    let after = marker.first().and_then(|m| m.last_read_id.parse().ok());
    let hidden = super::safety::hidden_authors(conn, owner.id)?;
    let page = Page { max_id: None, since_id: after, min_id: None, limit };
    Ok(scan_keys(conn, owner.id, query, &hidden, &page)?.len() as i64)
}

fn ungrouped_id(key: &str) -> Option<i64> {
    key.strip_prefix("ungrouped-").map(|id| id.parse().unwrap_or(-1))
}

fn members(conn: &mut DbConn, owner: &Account, key: &str) -> AppResult<Vec<Notification>> {
    let hidden = super::safety::hidden_authors(conn, owner.id)?;
    let members = match ungrouped_id(key) {
        Some(id) => notifications::find(conn, owner.id, id)?.into_iter().collect(),
        None => {
            let everything = Page { max_id: None, since_id: None, min_id: None, limit: MAX_GROUP_MEMBERS };
            notifications::in_group(conn, owner.id, key, &hidden, &everything)?
        }
    };
    if members.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(members)
}

fn distinct_senders(members: &[Notification], at_most: usize) -> Vec<AccountId> {
    let mut seen = HashSet::new();
    members.iter().map(|n| n.from_account_id).filter(|id| seen.insert(*id)).take(at_most).collect()
}

/// Groups (members newest first) with their accounts and statuses; a group whose status a filter hides
/// in notifications, or whose accounts are all gone, is left out.
fn hydrate(conn: &mut DbConn, owner: AccountId, groups: Vec<(String, Vec<Notification>)>) -> AppResult<Vec<GroupView>> {
    let groups: Vec<(String, Vec<Notification>)> = groups.into_iter().filter(|(_, members)| !members.is_empty()).collect();
    let samples: Vec<Vec<AccountId>> = groups.iter().map(|(_, members)| distinct_senders(members, SAMPLE_ACCOUNTS)).collect();
    let account_ids: Vec<AccountId> = samples.iter().flatten().copied().collect();
    let accounts: HashMap<AccountId, Account> = accounts::find_many(conn, &account_ids)?
        .into_iter()
        .filter(|a| a.suspended_at.is_none())
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<StatusId> = groups.iter().filter_map(|(_, members)| members[0].status_id).collect();
    let status_rows = statuses::find_many(conn, &status_ids)?;
    let filters = ActiveFilters::load(conn, owner)?;
    let statuses: HashMap<StatusId, StatusView> = views::hydrate(conn, Some(owner), status_rows)?
        .into_iter()
        .filter_map(|view| filters.apply_one(FilterContext::Notifications, view))
        .map(|view| (view.status.id, view))
        .collect();
    Ok(groups
        .into_iter()
        .zip(samples)
        .filter_map(|((key, members), sample)| {
            let latest = members[0].clone();
            let status = match latest.status_id {
                Some(id) => Some(statuses.get(&id)?.clone()),
                None => None,
            };
            let sample_accounts: Vec<Account> = sample.iter().filter_map(|id| accounts.get(id).cloned()).collect();
            if sample_accounts.is_empty() {
                return None;
            }
            Some(GroupView {
                kind: latest.kind.to_string(),
                count: members.len(),
                page_min_id: members.iter().map(|n| n.id).min().unwrap_or(latest.id),
                page_max_id: members.iter().map(|n| n.id).max().unwrap_or(latest.id),
                latest,
                sample_accounts,
                status,
                key,
            })
        })
        .collect())
}
