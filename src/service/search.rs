//! Search v2: accounts by name, hashtags by prefix, statuses by their URL or full text (only those the
//! searcher may see), and the full-text index kept in step with statuses.

use std::collections::HashSet;

use crate::db::kinds::{FilterContext, Visibility};
use crate::config::Settings;
use crate::db::models::{Account, Status, Tag};
use crate::db::queries::{accounts, follows, media, polls, search, statuses};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::service::accounts as account_rules;
use crate::service::views::{self, StatusView};
use crate::service::tags::{self, TagView};
use crate::service::{filters, markup, safety};
use crate::ids::{AccountId, StatusId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Accounts,
    Hashtags,
    Statuses,
}

pub struct Query {
    pub text: String,
    pub kinds: Vec<Kind>,
    pub limit: i64,
    pub offset: i64,
    /// Statuses by this account only.
    pub account_id: Option<AccountId>,
    /// Accounts the searcher follows only.
    pub following: bool,
    /// Statuses older than this id only.
    pub max_id: Option<StatusId>,
}

/// How many matches one search may look through for statuses the searcher can see.
const MAX_SCANNED: usize = 5_000;
const SCAN_BATCH: i64 = 200;
const MAX_WORDS: usize = 16;

#[derive(Default)]
pub struct Results {
    pub accounts: Vec<Account>,
    pub statuses: Vec<StatusView>,
    pub hashtags: Vec<TagView>,
}

pub fn search(conn: &mut DbConn, settings: &Settings, viewer: Option<&Account>, query: &Query) -> AppResult<Results> {
    let text = query.text.trim();
    let mut results = Results::default();
    if text.is_empty() {
        return Ok(results);
    }
    if query.kinds.contains(&Kind::Accounts) {
        results.accounts = find_accounts(conn, settings, viewer, text, query)?;
    }
    if query.kinds.contains(&Kind::Hashtags) {
        let name = text.trim_start_matches('#');
        if !name.is_empty() {
            let found: Vec<Tag> = statuses::search_tags(conn, name, query.limit, query.offset)?;
            results.hashtags = found.into_iter().map(|tag| tags::view(conn, viewer, tag)).collect::<AppResult<_>>()?;
        }
    }
    if query.kinds.contains(&Kind::Statuses) {
        results.statuses = match (text.starts_with("http"), viewer) {
            (true, _) => find_by_url(conn, viewer, text, query)?,
            (false, Some(viewer)) => full_text(conn, viewer, text, query)?,
            // Full text is for signed-in users, as in Mastodon.
            (false, None) => Vec::new(),
        };
    }
    Ok(results)
}

fn find_by_url(conn: &mut DbConn, viewer: Option<&Account>, url: &str, query: &Query) -> AppResult<Vec<StatusView>> {
    if query.offset > 0 {
        return Ok(Vec::new());
    }
    let Some(status) = statuses::find_by_uri_or_url(conn, url)? else { return Ok(Vec::new()) };
    Ok(views::status_for(conn, viewer.map(|v| v.id), status.id)?.into_iter().collect())
}

/// The words a full-text search looks for (a hashtag's `#` aside).
fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace().map(|w| w.trim_start_matches('#').to_owned()).filter(|w| !w.is_empty()).take(MAX_WORDS).collect()
}

/// Statuses with every word of the text among those the viewer may see: a page of the newest, the most
/// relevant first.
fn full_text(conn: &mut DbConn, viewer: &Account, text: &str, query: &Query) -> AppResult<Vec<StatusView>> {
    let words = words_of(text);
    let wanted = (query.offset + query.limit) as usize;
    let hidden: HashSet<AccountId> = safety::hidden_authors(conn, viewer.id)?.into_iter().collect();
    let found = scan(conn, &words, query.max_id, wanted, |conn, rows| {
        let rows = rows.into_iter().filter(|s| !hidden.contains(&s.account_id) && query.account_id.is_none_or(|author| s.account_id == author)).collect();
        views::visible(conn, Some(viewer.id), rows)
    })?;
    let page: Vec<Status> = found.into_iter().skip(query.offset as usize).take(query.limit as usize).collect();
    let shown = views::hydrate(conn, Some(viewer.id), page)?;
    Ok(by_relevance(&words, filters::apply(conn, Some(viewer.id), FilterContext::Public, shown)?))
}

/// What a peer's company-wide search finds here: the newest public statuses with every word of the text, by
/// local authors who let themselves be found (not division-only, not silenced or suspended).
pub fn for_peers(conn: &mut DbConn, text: &str, limit: usize) -> AppResult<Vec<StatusView>> {
    let words = words_of(text);
    let found = scan(conn, &words, None, limit, |conn, rows| {
        let open: Vec<Status> = rows.into_iter().filter(|s| s.local && s.visibility == Visibility::Public && !s.local_only).collect();
        let authors: HashSet<AccountId> = accounts::find_many(conn, &open.iter().map(|s| s.account_id).collect::<Vec<_>>())?
            .into_iter()
            .filter(|a| a.discoverable && a.silenced_at.is_none() && a.suspended_at.is_none())
            .map(|a| a.id)
            .collect();
        Ok(open.into_iter().filter(|s| authors.contains(&s.account_id)).collect())
    })?;
    views::hydrate(conn, None, found.into_iter().take(limit).collect())
}

/// Walks the statuses matching every word, newest first (older than `before`), keeping what `keep` keeps of
/// each batch, until `wanted` are kept or [`MAX_SCANNED`] were looked at.
fn scan(
    conn: &mut DbConn,
    words: &[String],
    mut before: Option<StatusId>,
    wanted: usize,
    mut keep: impl FnMut(&mut DbConn, Vec<Status>) -> AppResult<Vec<Status>>,
) -> AppResult<Vec<Status>> {
    let mut found: Vec<Status> = Vec::new();
    let mut scanned = 0;
    while found.len() < wanted && scanned < MAX_SCANNED {
        let ids = search::matching(conn, words, before, SCAN_BATCH)?;
        let Some(last) = ids.last() else { break };
        before = Some(*last);
        scanned += ids.len();
        let mut rows: Vec<Status> = statuses::find_many(conn, &ids)?.into_iter().filter(|s| s.reblog_of_id.is_none()).collect();
        rows.sort_by(|a, b| b.id.cmp(&a.id));
        found.extend(keep(conn, rows)?);
        if (ids.len() as i64) < SCAN_BATCH {
            break;
        }
    }
    Ok(found)
}

/// Orders found statuses by relevance (how often the words occur in what a reader sees), then newest first (by
/// when they were written: a peer's status copied here just now keeps its own time): local statuses and the
/// copies peers sent are ranked alike, since both are counted here.
fn by_relevance(words: &[String], mut found: Vec<StatusView>) -> Vec<StatusView> {
    let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let relevance = |view: &StatusView| -> usize {
        let seen = format!("{} {}", view.status.spoiler_text, markup::plain_text(&view.status.content)).to_lowercase();
        words.iter().map(|word| seen.matches(word.as_str()).count()).sum()
    };
    found.sort_by_cached_key(|view| (std::cmp::Reverse(relevance(view)), std::cmp::Reverse(view.status.created_at)));
    found
}

/// Sets a status's searchable text: what a reader sees, its media descriptions and poll options.
pub fn index_status(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    let Some(status) = statuses::find(conn, status_id)? else { return Ok(()) };
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    let mut body = vec![status.spoiler_text.clone(), markup::plain_text(&status.content)];
    body.extend(media::of_statuses(conn, &[status.id])?.into_iter().filter_map(|m| m.description));
    if let Some(poll) = polls::of_status(conn, status.id)? {
        body.extend(poll.options.0);
    }
    search::index(conn, status.id, &body.join("\n"))
}

pub fn unindex_status(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    search::unindex(conn, status_id)
}

/// `@name@domain` (or `name@domain`) finds that account exactly; other text matches names.
fn find_accounts(conn: &mut DbConn, settings: &Settings, viewer: Option<&Account>, text: &str, query: &Query) -> AppResult<Vec<Account>> {
    let bare = text.trim_start_matches('@');
    if bare.contains('@') {
        return Ok(account_rules::lookup(conn, settings, bare).ok().filter(|_| query.offset == 0).into_iter().collect());
    }
    if text.starts_with("http") {
        let found = accounts::list_local(conn)?.into_iter().find(|a| a.url == text || a.uri == text);
        return Ok(found.filter(|a| a.suspended_at.is_none()).into_iter().collect());
    }
    match (query.following, viewer) {
        (true, Some(viewer)) => {
            let found = accounts::search(conn, bare, MAX_SCANNED as i64, 0)?;
            let ids: Vec<AccountId> = found.iter().map(|a| a.id).collect();
            let followed: HashSet<AccountId> = follows::following_among(conn, viewer.id, &ids)?.into_iter().map(|f| f.target_account_id).collect();
            Ok(found.into_iter().filter(|a| followed.contains(&a.id)).skip(query.offset as usize).take(query.limit as usize).collect())
        }
        _ => accounts::search(conn, bare, query.limit, query.offset),
    }
}
