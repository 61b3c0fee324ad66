//! Finding people and topics inside the company: the directory, trending tags, follow suggestions.

use std::collections::{HashMap, HashSet};

use crate::db::models::Account;
use crate::db::queries::{accounts, follows, statuses, tag_follows};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{self, AccountId, StatusId};
use crate::service::markup;
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

/// How many recent public statuses trending links look through.
const LINK_SCAN: i64 = 5_000;

/// A link shared in public statuses of the last days, with how many used it per day (newest day first).
#[derive(Debug, Clone)]
pub struct TrendingLink {
    pub url: String,
    pub history: Vec<DayUses>,
}

#[derive(Debug, Clone, Copy)]
pub struct DayUses {
    pub day: chrono::NaiveDate,
    pub uses: usize,
    pub accounts: usize,
}

/// Links shared in public statuses of the last days, most sharers first.
pub fn trending_links(conn: &mut DbConn, limit: usize, offset: usize) -> AppResult<Vec<TrendingLink>> {
    let today = ids::now().date();
    let since = today.and_time(chrono::NaiveTime::MIN) - chrono::Duration::days(TREND_DAYS);
    let mut shared: HashMap<String, Vec<(chrono::NaiveDate, AccountId, StatusId)>> = HashMap::new();
    for status in statuses::public_since(conn, since, LINK_SCAN)? {
        for link in markup::links_in(&status.content) {
            shared.entry(link).or_default().push((status.created_at.date(), status.account_id, status.id));
        }
    }
    let mut ranked: Vec<(usize, StatusId, TrendingLink)> = shared
        .into_iter()
        .map(|(url, uses)| {
            let sharers: HashSet<AccountId> = uses.iter().map(|(_, account, _)| *account).collect();
            let newest = uses.iter().map(|(_, _, id)| *id).max().unwrap_or_default();
            let history = (0..7)
                .map(|back| {
                    let day = today - chrono::Duration::days(back);
                    let that_day: Vec<_> = uses.iter().filter(|(d, _, _)| *d == day).collect();
                    let accounts: HashSet<AccountId> = that_day.iter().map(|(_, a, _)| *a).collect();
                    DayUses { day, uses: that_day.len(), accounts: accounts.len() }
                })
                .collect();
            (sharers.len(), newest, TrendingLink { url, history })
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    Ok(ranked.into_iter().skip(offset).take(limit).map(|(_, _, link)| link).collect())
}

/// Local accounts worth following: the most followed ones the viewer does not follow yet.
pub fn suggestions(conn: &mut DbConn, viewer: &Account, limit: i64) -> AppResult<Vec<Account>> {
    let candidates = accounts::most_followed_local(conn, limit + 200)?;
    let ids: Vec<AccountId> = candidates.iter().map(|a| a.id).collect();
    let followed: Vec<AccountId> = follows::following_among(conn, viewer.id, &ids)?.into_iter().map(|f| f.target_account_id).collect();
    Ok(candidates
        .into_iter()
        .filter(|a| a.id != viewer.id && !followed.contains(&a.id))
        .take(limit.max(0) as usize)
        .collect())
}
