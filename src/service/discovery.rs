//! Finding people and topics inside the company: the directory, trending tags, follow suggestions.

use std::collections::{HashMap, HashSet};

use crate::db::kinds::{AuditAction, TrendKind};
use crate::db::models::Account;
use crate::db::queries::{accounts, follows, statuses, tag_follows, trend_reviews};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Actor, Target};
use crate::ids::{self, AccountId, StatusId};
use crate::service::markup;
use crate::service::tags::{self, TagView};
use crate::service::views::{self, StatusView};

/// How far back trends look.
const TREND_DAYS: i64 = 3;

pub fn directory(conn: &mut DbConn, local_only: bool, order: &str, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    accounts::directory(conn, local_only, order == "new", limit, offset)
}

pub fn trending_tags(conn: &mut DbConn, viewer: Option<&Account>, limit: usize, offset: usize, require_review: bool) -> AppResult<Vec<TagView>> {
    let reviews = Reviews::load(conn, TrendKind::Tag, require_review)?;
    let trending = candidate_tag_rows(conn)?.into_iter().filter(|tag| reviews.trends(&tag.id.to_string()));
    trending.skip(offset).take(limit).map(|tag| tags::view(conn, viewer, tag)).collect()
}

fn candidate_tag_rows(conn: &mut DbConn) -> AppResult<Vec<crate::db::models::Tag>> {
    let since = ids::now() - chrono::Duration::days(TREND_DAYS);
    tag_follows::trending_since(conn, since, CANDIDATES)
}

/// Public posts of the last days that people interacted with most.
pub fn trending_statuses(conn: &mut DbConn, viewer: Option<&Account>, limit: i64, offset: i64, require_review: bool) -> AppResult<Vec<StatusView>> {
    let reviews = Reviews::load(conn, TrendKind::Status, require_review)?;
    let since = ids::now() - chrono::Duration::days(TREND_DAYS);
    let rows: Vec<_> = statuses::trending_since(conn, since, CANDIDATES as i64, 0)?
        .into_iter()
        .filter(|status| reviews.trends(&status.id.to_string()))
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
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
pub fn trending_links(conn: &mut DbConn, limit: usize, offset: usize, require_review: bool) -> AppResult<Vec<TrendingLink>> {
    let reviews = Reviews::load(conn, TrendKind::Link, require_review)?;
    let trending = candidate_links(conn)?.into_iter().filter(|link| reviews.trends(&link.url));
    Ok(trending.skip(offset).take(limit).collect())
}

/// Every link shared in public statuses of the last days, most sharers first.
fn candidate_links(conn: &mut DbConn) -> AppResult<Vec<TrendingLink>> {
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
    Ok(ranked.into_iter().map(|(_, _, link)| link).collect())
}

/// How many of the most used tags and statuses are candidates to trend, before moderators' verdicts.
const CANDIDATES: usize = 200;

/// Moderators' verdicts on one kind of trend, and whether only approved ones trend.
struct Reviews {
    verdicts: HashMap<String, bool>,
    require_review: bool,
}

impl Reviews {
    fn load(conn: &mut DbConn, kind: TrendKind, require_review: bool) -> AppResult<Reviews> {
        Ok(Reviews { verdicts: trend_reviews::of_kind(conn, kind)?, require_review })
    }

    /// Approved (true), rejected (false), or not reviewed yet.
    fn verdict(&self, target: &str) -> Option<bool> {
        self.verdicts.get(target).copied()
    }

    fn trends(&self, target: &str) -> bool {
        self.verdict(target).unwrap_or(!self.require_review)
    }

    fn candidate<T>(&self, target: &str, item: T) -> Candidate<T> {
        Candidate { item, trendable: self.trends(target), requires_review: self.verdict(target).is_none() }
    }
}

/// Something that could trend, as moderators review it.
pub struct Candidate<T> {
    pub item: T,
    /// It trends (approved, or not reviewed while review is not required).
    pub trendable: bool,
    /// No moderator has decided on it yet.
    pub requires_review: bool,
}

pub fn tag_candidates(conn: &mut DbConn, viewer: &Account, require_review: bool) -> AppResult<Vec<Candidate<TagView>>> {
    let reviews = Reviews::load(conn, TrendKind::Tag, require_review)?;
    candidate_tag_rows(conn)?.into_iter().map(|tag| Ok(reviews.candidate(&tag.id.to_string(), tags::view(conn, Some(viewer), tag)?))).collect()
}

pub fn status_candidates(conn: &mut DbConn, viewer: &Account, require_review: bool) -> AppResult<Vec<Candidate<StatusView>>> {
    let reviews = Reviews::load(conn, TrendKind::Status, require_review)?;
    let since = ids::now() - chrono::Duration::days(TREND_DAYS);
    let rows = statuses::trending_since(conn, since, CANDIDATES as i64, 0)?;
    let shown = views::hydrate(conn, Some(viewer.id), rows)?;
    Ok(shown.into_iter().map(|view| reviews.candidate(&view.status.id.to_string(), view)).collect())
}

pub fn link_candidates(conn: &mut DbConn, require_review: bool) -> AppResult<Vec<Candidate<TrendingLink>>> {
    let reviews = Reviews::load(conn, TrendKind::Link, require_review)?;
    Ok(candidate_links(conn)?.into_iter().map(|link| reviews.candidate(&link.url.clone(), link)).collect())
}

pub fn tag_candidate(conn: &mut DbConn, viewer: &Account, tag_id: i64, require_review: bool) -> AppResult<Candidate<TagView>> {
    let reviews = Reviews::load(conn, TrendKind::Tag, require_review)?;
    let tag = statuses::find_tag_by_id(conn, tag_id)?.ok_or(AppError::NotFound)?;
    Ok(reviews.candidate(&tag.id.to_string(), tags::view(conn, Some(viewer), tag)?))
}

pub fn status_candidate(conn: &mut DbConn, viewer: &Account, status_id: StatusId, require_review: bool) -> AppResult<Candidate<StatusView>> {
    let reviews = Reviews::load(conn, TrendKind::Status, require_review)?;
    let view = views::status_for(conn, Some(viewer.id), status_id)?.ok_or(AppError::NotFound)?;
    Ok(reviews.candidate(&status_id.to_string(), view))
}

pub fn link_candidate(conn: &mut DbConn, id: i64, require_review: bool) -> AppResult<Candidate<TrendingLink>> {
    link_candidates(conn, require_review)?.into_iter().find(|c| link_id(&c.item.url) == id).ok_or(AppError::NotFound)
}

/// A link's id in the API (Mastodon's preview cards have one): stable, from its URL.
pub fn link_id(url: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 1) as i64
}

/// A moderator approves (or rejects) a tag, a status or a link (by the ids the admin API shows).
pub fn review(conn: &mut DbConn, actor: &Actor, kind: TrendKind, id: i64, trendable: bool) -> AppResult<()> {
    let (target, label) = match kind {
        TrendKind::Tag => {
            let tag = statuses::find_tag_by_id(conn, id)?.ok_or(AppError::NotFound)?;
            (tag.id.to_string(), format!("#{}", tag.name))
        }
        TrendKind::Status => {
            let status = statuses::find(conn, StatusId(id))?.ok_or(AppError::NotFound)?;
            (status.id.to_string(), status.uri)
        }
        TrendKind::Link => {
            let link = candidate_links(conn)?.into_iter().find(|link| link_id(&link.url) == id).ok_or(AppError::NotFound)?;
            (link.url.clone(), link.url)
        }
    };
    trend_reviews::set(conn, kind, &target, trendable, ids::now())?;
    let action = if trendable { AuditAction::ApproveTrend } else { AuditAction::RejectTrend };
    audit::record(conn, actor, action, Target::trend(kind, id, label), "")
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
