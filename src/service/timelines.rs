//! Timelines: home (fanned out on write), public, hashtag, favourites and bookmarks.

use std::collections::HashMap;

use crate::db::kinds::FilterContext;
use crate::db::models::{Account, Status};
pub use crate::db::queries::statuses::PublicScope;
use crate::db::queries::{marks, statuses, timelines};
use crate::db::{DbConn, Page, Reader};
use crate::error::{AppError, AppResult};
use crate::ids::{AccountId, StatusId};
use crate::service::filters::{self, ActiveFilters};
use crate::service::{cached, safety};
use crate::service::views::{self, StatusView};

pub fn home(reader: &mut Reader, viewer: &Account, page: &Page) -> AppResult<Vec<StatusView>> {
    let state = cached::viewer_state(reader, viewer.id)?;
    let mut hidden = state.exclusive_list_members.clone();
    hidden.extend(safety::hidden_authors_cached(reader, viewer.id, &state)?);
    let from_head = cached::home_first_page(reader, viewer.id, page, &hidden)?;
    let found = from_head_or_database(reader, Some(viewer.id), from_head, |conn| timelines::home_page(conn, viewer.id, &hidden, page))?;
    Ok(ActiveFilters::of_state(viewer.id, &state).apply(FilterContext::Home, found))
}

fn hidden_for(conn: &mut DbConn, viewer: Option<&Account>) -> AppResult<Vec<AccountId>> {
    match viewer {
        Some(viewer) => safety::hidden_authors(conn, viewer.id),
        None => Ok(Vec::new()),
    }
}

pub fn public(reader: &mut Reader, viewer: Option<&Account>, scope: PublicScope, page: &Page) -> AppResult<Vec<StatusView>> {
    let Some(viewer) = viewer else {
        return public_page(reader, None, scope, page, &[]);
    };
    let state = cached::viewer_state(reader, viewer.id)?;
    let hidden = safety::hidden_authors_cached(reader, viewer.id, &state)?;
    let found = public_page(reader, Some(viewer.id), scope, page, &hidden)?;
    Ok(ActiveFilters::of_state(viewer.id, &state).apply(FilterContext::Public, found))
}

/// A page of a public timeline: a first one from the kept head when it can, else from the database.
fn public_page(reader: &mut Reader, viewer: Option<AccountId>, scope: PublicScope, page: &Page, hidden: &[AccountId]) -> AppResult<Vec<StatusView>> {
    let from_head = cached::public_first_page(reader, scope, page, hidden)?;
    from_head_or_database(reader, viewer, from_head, |conn| {
        Ok(statuses::public_page(conn, scope, hidden, page)?.into_iter().map(|(id, _)| id).collect())
    })
}

/// The views of a first page from a kept head, unless one of its statuses is gone (deleted or its author
/// suspended since): then, as for any other page, of the ids the database gives.
fn from_head_or_database(
    reader: &mut Reader,
    viewer: Option<AccountId>,
    from_head: Option<Vec<StatusId>>,
    from_database: impl FnOnce(&mut DbConn) -> AppResult<Vec<StatusId>>,
) -> AppResult<Vec<StatusView>> {
    if let Some(ids) = from_head {
        let found = views::hydrate_cached(reader, viewer, &ids)?;
        if found.len() == ids.len() {
            return Ok(found);
        }
    }
    let ids = from_database(reader.conn()?)?;
    views::hydrate_cached(reader, viewer, &ids)
}

pub fn tag(conn: &mut DbConn, viewer: Option<&Account>, name: &str, scope: PublicScope, page: &Page) -> AppResult<Vec<StatusView>> {
    let Some(tag) = statuses::find_tag(conn, name)? else {
        return Ok(Vec::new());
    };
    let hidden = hidden_for(conn, viewer)?;
    let rows = statuses::tag_page(conn, tag.id, scope, &hidden, page)?;
    let found = views::hydrate(conn, viewer.map(|v| v.id), rows)?;
    filters::apply(conn, viewer.map(|v| v.id), FilterContext::Public, found)
}

/// Public statuses that link to `url` (Mastodon's link timeline, for trending links).
/// Statuses linking to `url`; a link no status here shares is not found, as Mastodon answers for a link it has
/// no card of.
pub fn link(conn: &mut DbConn, viewer: Option<&Account>, url: &str, page: &Page) -> AppResult<Vec<StatusView>> {
    let hidden = hidden_for(conn, viewer)?;
    let url = crate::service::markup::escape(url);
    let rows = statuses::link_page(conn, &url, &hidden, page)?;
    if rows.is_empty() && statuses::link_page(conn, &url, &[], &Page { limit: 1, ..Default::default() })?.is_empty() {
        return Err(AppError::NotFound);
    }
    let found = views::hydrate(conn, viewer.map(|v| v.id), rows)?;
    filters::apply(conn, viewer.map(|v| v.id), FilterContext::Public, found)
}

/// (favourite id, status) pairs; pages go by the favourite's id, as Mastodon's do.
pub fn favourites(conn: &mut DbConn, viewer: &Account, page: &Page) -> AppResult<Vec<(i64, StatusView)>> {
    let marked = marks::favourites::page(conn, viewer.id, page)?;
    marked_views(conn, viewer, marked)
}

pub fn bookmarks(conn: &mut DbConn, viewer: &Account, page: &Page) -> AppResult<Vec<(i64, StatusView)>> {
    let marked = marks::bookmarks::page(conn, viewer.id, page)?;
    marked_views(conn, viewer, marked)
}

fn marked_views(conn: &mut DbConn, viewer: &Account, marked: Vec<(i64, Status)>) -> AppResult<Vec<(i64, StatusView)>> {
    let mark_of: HashMap<StatusId, i64> = marked.iter().map(|(mark_id, status)| (status.id, *mark_id)).collect();
    let rows = views::visible(conn, Some(viewer.id), marked.into_iter().map(|(_, status)| status).collect())?;
    Ok(views::hydrate(conn, Some(viewer.id), rows)?
        .into_iter()
        .filter_map(|view| Some((*mark_of.get(&view.status.id)?, view)))
        .collect())
}
