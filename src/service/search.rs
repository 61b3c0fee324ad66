//! Search v2: accounts by name, hashtags by prefix, statuses by their URL.

use crate::config::Settings;
use crate::db::models::{Account, Tag};
use crate::db::queries::{accounts, statuses};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::service::accounts as account_rules;
use crate::service::views::{self, StatusView};

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
}

#[derive(Default)]
pub struct Results {
    pub accounts: Vec<Account>,
    pub statuses: Vec<StatusView>,
    pub hashtags: Vec<Tag>,
}

pub fn search(conn: &mut DbConn, settings: &Settings, viewer: Option<&Account>, query: &Query) -> AppResult<Results> {
    let text = query.text.trim();
    let mut results = Results::default();
    if text.is_empty() {
        return Ok(results);
    }
    if query.kinds.contains(&Kind::Accounts) {
        results.accounts = find_accounts(conn, settings, text, query)?;
    }
    if query.kinds.contains(&Kind::Hashtags) {
        let name = text.trim_start_matches('#');
        if !name.is_empty() {
            results.hashtags = statuses::search_tags(conn, name, query.limit, query.offset)?;
        }
    }
    if query.kinds.contains(&Kind::Statuses) && query.offset == 0 && text.starts_with("http") {
        if let Some(status) = statuses::find_by_uri_or_url(conn, text)? {
            if let Some(view) = views::status_for(conn, viewer.map(|v| v.id), status.id)? {
                results.statuses.push(view);
            }
        }
    }
    Ok(results)
}

/// `@name@domain` (or `name@domain`) finds that account exactly; other text matches names.
fn find_accounts(conn: &mut DbConn, settings: &Settings, text: &str, query: &Query) -> AppResult<Vec<Account>> {
    let bare = text.trim_start_matches('@');
    if bare.contains('@') {
        return Ok(account_rules::lookup(conn, settings, bare).ok().filter(|_| query.offset == 0).into_iter().collect());
    }
    if text.starts_with("http") {
        let found = accounts::list_local(conn)?.into_iter().find(|a| a.url == text || a.uri == text);
        return Ok(found.filter(|a| a.suspended_at.is_none()).into_iter().collect());
    }
    accounts::search(conn, bare, query.limit, query.offset)
}
