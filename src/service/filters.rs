//! Filters (Mastodon's v2): an account's keywords and statuses to warn about or hide, per context.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use crate::db::kinds::{FilterAction, FilterContext, FilterContexts};
use crate::db::Tx;
use crate::db::models::{Account, Filter, FilterKeyword, FilterStatus, Status};
use crate::db::queries::{filters, statuses};
use crate::db::{DbConn, Reader};
use crate::service::cached;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
pub use crate::db::views::FilterHit;
use crate::db::events::Event;
use crate::service::markup;
use crate::service::views::{self, StatusView};

const MAX_TITLE: usize = 256;
const MAX_KEYWORD: usize = 512;

pub use crate::db::views::FilterView;
use crate::db::views::ViewerState;

#[derive(Debug, Default)]
pub struct FilterChange {
    pub title: Option<String>,
    pub contexts: Option<FilterContexts>,
    pub action: Option<FilterAction>,
    /// Some(None): never expires; Some(Some(seconds)): expires that long from now.
    pub expires_in: Option<Option<i64>>,
    pub keywords: Vec<KeywordChange>,
}

#[derive(Debug, Default)]
pub struct KeywordChange {
    pub id: Option<i64>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

pub fn all(conn: &mut DbConn, owner: &Account) -> AppResult<Vec<FilterView>> {
    let rows = filters::of_owner(conn, owner.id)?;
    with_rules(conn, rows)
}

pub fn get(conn: &mut DbConn, owner: &Account, filter_id: i64) -> AppResult<FilterView> {
    let row = filters::find(conn, owner.id, filter_id)?.ok_or(AppError::NotFound)?;
    Ok(with_rules(conn, vec![row])?.remove(0))
}

pub(crate) fn with_rules(conn: &mut DbConn, rows: Vec<Filter>) -> AppResult<Vec<FilterView>> {
    // Most readers have no filters: every timeline asks, so no further queries for them.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
    let mut keywords: HashMap<i64, Vec<FilterKeyword>> = HashMap::new();
    for keyword in filters::keywords_of(conn, &ids)? {
        keywords.entry(keyword.filter_id).or_default().push(keyword);
    }
    let mut statuses: HashMap<i64, Vec<FilterStatus>> = HashMap::new();
    for status in filters::statuses_of(conn, &ids)? {
        statuses.entry(status.filter_id).or_default().push(status);
    }
    Ok(rows
        .into_iter()
        .map(|filter| FilterView {
            keywords: keywords.remove(&filter.id).unwrap_or_default(),
            statuses: statuses.remove(&filter.id).unwrap_or_default(),
            filter,
        })
        .collect())
}

pub fn create(tx: &mut Tx, owner: &Account, change: FilterChange) -> AppResult<FilterView> {
    if change.title.is_none() {
        return Err(AppError::validation("Title can't be blank"));
    }
    if change.contexts.as_ref().is_none_or(|c| c.is_empty()) {
        return Err(AppError::validation("Context can't be blank"));
    }
    let mut filter = Filter {
        id: ids::next_id(),
        account_id: owner.id,
        title: String::new(),
        contexts: FilterContexts::default(),
        action: FilterAction::Warn,
        expires_at: None,
        created_at: ids::now(),
    };
    let keywords = apply_change(&mut filter, change)?;
    filters::insert(tx, &filter)?;
    change_keywords(tx, &filter, keywords)?;
    changed(tx, owner);
    get(tx, owner, filter.id)
}

pub fn update(tx: &mut Tx, owner: &Account, filter_id: i64, change: FilterChange) -> AppResult<FilterView> {
    let mut filter = filters::find(tx, owner.id, filter_id)?.ok_or(AppError::NotFound)?;
    let keywords = apply_change(&mut filter, change)?;
    filters::update(tx, &filter)?;
    change_keywords(tx, &filter, keywords)?;
    changed(tx, owner);
    get(tx, owner, filter.id)
}

pub fn delete(tx: &mut Tx, owner: &Account, filter_id: i64) -> AppResult<()> {
    filters::find(tx, owner.id, filter_id)?.ok_or(AppError::NotFound)?;
    filters::delete(tx, filter_id)?;
    changed(tx, owner);
    Ok(())
}

fn changed(tx: &mut Tx, owner: &Account) {
    tx.emit(Event::FiltersChanged { account_id: owner.id });
}

/// Applies the filter's own fields and hands back the keyword changes.
fn apply_change(filter: &mut Filter, change: FilterChange) -> AppResult<Vec<KeywordChange>> {
    if let Some(title) = change.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(AppError::validation("Title can't be blank"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(AppError::validation(format!("Title is too long (maximum is {MAX_TITLE} characters)")));
        }
        filter.title = title.to_owned();
    }
    if let Some(contexts) = change.contexts {
        if contexts.is_empty() {
            return Err(AppError::validation("Context can't be blank"));
        }
        filter.contexts = contexts;
    }
    if let Some(action) = change.action {
        filter.action = action;
    }
    if let Some(expires_in) = change.expires_in {
        filter.expires_at = expires_in.map(|seconds| expiry(ids::now(), seconds)).transpose()?;
    }
    Ok(change.keywords)
}

fn expiry(now: NaiveDateTime, seconds: i64) -> AppResult<NaiveDateTime> {
    if seconds <= 0 {
        return Err(AppError::validation("Expires in must be a positive number of seconds"));
    }
    Duration::try_seconds(seconds)
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| AppError::validation("Expires in is too large"))
}

fn change_keywords(conn: &mut DbConn, filter: &Filter, changes: Vec<KeywordChange>) -> AppResult<()> {
    let existing = filters::keywords_of(conn, &[filter.id])?;
    for change in changes {
        let current = change.id.and_then(|id| existing.iter().find(|k| k.id == id));
        match (change.id, current) {
            (Some(_), None) => return Err(AppError::NotFound),
            (_, Some(keyword)) if change.destroy => filters::delete_keyword(conn, keyword.id)?,
            (_, Some(keyword)) => {
                let mut keyword = keyword.clone();
                edit_keyword(&mut keyword, change.keyword, change.whole_word)?;
                filters::update_keyword(conn, &keyword)?;
            }
            (None, None) if change.destroy => {}
            (None, None) => {
                new_keyword(conn, filter.id, change.keyword, change.whole_word)?;
            }
        }
    }
    Ok(())
}

fn new_keyword(conn: &mut DbConn, filter_id: i64, keyword: Option<String>, whole_word: Option<bool>) -> AppResult<FilterKeyword> {
    let mut row = FilterKeyword { id: ids::next_id(), filter_id, keyword: String::new(), whole_word: true };
    edit_keyword(&mut row, Some(keyword.unwrap_or_default()), whole_word)?;
    filters::insert_keyword(conn, &row)?;
    Ok(row)
}

fn edit_keyword(row: &mut FilterKeyword, keyword: Option<String>, whole_word: Option<bool>) -> AppResult<()> {
    if let Some(keyword) = keyword {
        let keyword = keyword.trim();
        if keyword.is_empty() {
            return Err(AppError::validation("Keyword can't be blank"));
        }
        if keyword.chars().count() > MAX_KEYWORD {
            return Err(AppError::validation(format!("Keyword is too long (maximum is {MAX_KEYWORD} characters)")));
        }
        row.keyword = keyword.to_owned();
    }
    row.whole_word = whole_word.unwrap_or(row.whole_word);
    Ok(())
}

pub fn keywords(conn: &mut DbConn, owner: &Account, filter_id: i64) -> AppResult<Vec<FilterKeyword>> {
    Ok(get(conn, owner, filter_id)?.keywords)
}

pub fn add_keyword(tx: &mut Tx, owner: &Account, filter_id: i64, keyword: Option<String>, whole_word: Option<bool>) -> AppResult<FilterKeyword> {
    let filter = filters::find(tx, owner.id, filter_id)?.ok_or(AppError::NotFound)?;
    let row = new_keyword(tx, filter.id, keyword, whole_word)?;
    changed(tx, owner);
    Ok(row)
}

pub fn keyword(conn: &mut DbConn, owner: &Account, keyword_id: i64) -> AppResult<FilterKeyword> {
    Ok(filters::find_keyword(conn, owner.id, keyword_id)?.ok_or(AppError::NotFound)?.0)
}

pub fn update_keyword(tx: &mut Tx, owner: &Account, keyword_id: i64, keyword: Option<String>, whole_word: Option<bool>) -> AppResult<FilterKeyword> {
    let (mut row, _) = filters::find_keyword(tx, owner.id, keyword_id)?.ok_or(AppError::NotFound)?;
    edit_keyword(&mut row, keyword, whole_word)?;
    filters::update_keyword(tx, &row)?;
    changed(tx, owner);
    Ok(row)
}

pub fn delete_keyword(tx: &mut Tx, owner: &Account, keyword_id: i64) -> AppResult<()> {
    let (row, _) = filters::find_keyword(tx, owner.id, keyword_id)?.ok_or(AppError::NotFound)?;
    filters::delete_keyword(tx, row.id)?;
    changed(tx, owner);
    Ok(())
}

pub fn filtered_statuses(conn: &mut DbConn, owner: &Account, filter_id: i64) -> AppResult<Vec<FilterStatus>> {
    Ok(get(conn, owner, filter_id)?.statuses)
}

/// Adds a status the owner can see to a filter (again is a 422, as in Mastodon).
pub fn add_status(tx: &mut Tx, owner: &Account, filter_id: i64, status_id: StatusId) -> AppResult<FilterStatus> {
    let filter = filters::find(tx, owner.id, filter_id)?.ok_or(AppError::NotFound)?;
    let status = statuses::find(tx, status_id)?.ok_or(AppError::NotFound)?;
    if !views::can_see(tx, Some(owner.id), &status)? {
        return Err(AppError::NotFound);
    }
    let row = FilterStatus { id: ids::next_id(), filter_id: filter.id, status_id };
    if !filters::insert_status(tx, &row)? {
        return Err(AppError::validation("Status has already been taken"));
    }
    changed(tx, owner);
    Ok(row)
}

pub fn filtered_status(conn: &mut DbConn, owner: &Account, row_id: i64) -> AppResult<FilterStatus> {
    Ok(filters::find_status(conn, owner.id, row_id)?.ok_or(AppError::NotFound)?.0)
}

pub fn remove_status(tx: &mut Tx, owner: &Account, row_id: i64) -> AppResult<FilterStatus> {
    let (row, _) = filters::find_status(tx, owner.id, row_id)?.ok_or(AppError::NotFound)?;
    filters::delete_status(tx, row.id)?;
    changed(tx, owner);
    Ok(row)
}


/// What a filter looks at in a status (for a reblog, the original).
#[derive(Debug, Clone)]
pub struct FilterSubject {
    pub status_id: StatusId,
    pub author_id: AccountId,
    pub text: String,
}

impl FilterSubject {
    pub fn of(status: &Status) -> FilterSubject {
        let mut text = markup::plain_text(&status.content);
        if !status.spoiler_text.is_empty() {
            text = format!("{}\n\n{text}", status.spoiler_text);
        }
        FilterSubject { status_id: status.id, author_id: status.account_id, text }
    }
}

/// One account's filters in force, ready to match statuses.
#[derive(Debug, Clone, Default)]
pub struct ActiveFilters {
    owner: AccountId,
    filters: Vec<FilterView>,
}

impl ActiveFilters {
    /// The filters of what is cached of their owner.
    pub fn of_state(owner: AccountId, state: &ViewerState) -> ActiveFilters {
        ActiveFilters { owner, filters: state.filters.clone() }
    }

    pub fn load(conn: &mut DbConn, owner: AccountId) -> AppResult<ActiveFilters> {
        let rows = filters::active_of_owner(conn, owner, ids::now())?;
        Ok(ActiveFilters { owner, filters: with_rules(conn, rows)? })
    }

    /// The hits of the filters that apply in `context` on one status. The owner's own statuses never match.
    pub fn hits(&self, context: FilterContext, subject: &FilterSubject) -> Vec<FilterHit> {
        // Every stream asks for every event: readers without filters cost nothing.
        if self.filters.is_empty() || subject.author_id == self.owner {
            return Vec::new();
        }
        let now = ids::now();
        let lowered = subject.text.to_lowercase();
        self.filters
            .iter()
            .filter(|f| f.filter.contexts.contains(context) && f.filter.expires_at.is_none_or(|at| at > now))
            .filter_map(|f| {
                let keywords: Vec<String> =
                    f.keywords.iter().filter(|k| keyword_matches(&lowered, k)).map(|k| k.keyword.clone()).collect();
                let statuses: Vec<String> =
                    f.statuses.iter().filter(|s| s.status_id == subject.status_id).map(|s| s.status_id.to_string()).collect();
                (!keywords.is_empty() || !statuses.is_empty()).then(|| FilterHit {
                    filter: f.filter.clone(),
                    keyword_matches: (!keywords.is_empty()).then_some(keywords),
                    status_matches: (!statuses.is_empty()).then_some(statuses),
                })
            })
            .collect()
    }

    /// Marks each view with its hits in `context` (on the original, for a reblog) and drops the hidden ones.
    pub fn apply(&self, context: FilterContext, found: Vec<StatusView>) -> Vec<StatusView> {
        if self.filters.is_empty() {
            return found;
        }
        found.into_iter().filter_map(|view| self.apply_one(context, view)).collect()
    }

    pub fn apply_one(&self, context: FilterContext, mut view: StatusView) -> Option<StatusView> {
        let hides = self.mark(context, &mut view);
        (!hides).then_some(view)
    }

    /// Sets the view's hits in `context`; true when one of them hides it.
    pub fn mark(&self, context: FilterContext, view: &mut StatusView) -> bool {
        let target = match view.reblog.as_deref_mut() {
            Some(original) => original,
            None => view,
        };
        target.filtered = self.hits(context, &FilterSubject::of(&target.status));
        target.filtered.iter().any(FilterHit::hides)
    }
}

/// The viewer's filters applied to statuses shown in `context` (anonymous readers have none).
pub fn apply(conn: &mut DbConn, viewer: Option<AccountId>, context: FilterContext, found: Vec<StatusView>) -> AppResult<Vec<StatusView>> {
    match viewer {
        Some(viewer) if !found.is_empty() => Ok(ActiveFilters::load(conn, viewer)?.apply(context, found)),
        _ => Ok(found),
    }
}

/// One status asked for by id: marked with the viewer's filters of threads, never hidden (the client decides).
pub fn mark_one(reader: &mut Reader, viewer: Option<AccountId>, mut view: StatusView) -> AppResult<StatusView> {
    if let Some(viewer) = viewer {
        let state = cached::viewer_state(reader, viewer)?;
        ActiveFilters::of_state(viewer, &state).mark(FilterContext::Thread, &mut view);
    }
    Ok(view)
}

/// Mastodon's rule: case-insensitive; a whole-word keyword must stand between word boundaries
/// where its own ends are word characters.
fn keyword_matches(lowered_text: &str, keyword: &FilterKeyword) -> bool {
    let needle = keyword.keyword.to_lowercase();
    if needle.is_empty() {
        return false;
    }
    if !keyword.whole_word {
        return lowered_text.contains(&needle);
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let check_start = needle.chars().next().is_some_and(is_word);
    let check_end = needle.chars().last().is_some_and(is_word);
    lowered_text.match_indices(&needle).any(|(at, _)| {
        let before = lowered_text[..at].chars().next_back();
        let after = lowered_text[at + needle.len()..].chars().next();
        (!check_start || !before.is_some_and(is_word)) && (!check_end || !after.is_some_and(is_word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyword(text: &str, whole_word: bool) -> FilterKeyword {
        FilterKeyword { id: 1, filter_id: 1, keyword: text.into(), whole_word }
    }

    #[test]
    fn whole_words_and_substrings() {
        let text = "the spoilers of #season3, c++ rocks";
        assert!(keyword_matches(text, &keyword("Spoiler", false)));
        assert!(!keyword_matches(text, &keyword("spoiler", true)));
        assert!(keyword_matches(text, &keyword("spoilers", true)));
        assert!(keyword_matches(text, &keyword("#season3", true)));
        assert!(keyword_matches(text, &keyword("c++", true)));
        assert!(!keyword_matches(text, &keyword("season", true)));
    }
}
