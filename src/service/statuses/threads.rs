//! Reading around a status: its thread, its versions, its source, who favourited or reblogged it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::kinds::FilterContext;
use crate::db::models::{Account, Status, StatusEdit};
use crate::db::queries::{accounts, marks, statuses};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::service::views::{self, StatusView};

use super::pipeline::snapshot;
use crate::ids::{AccountId, StatusId};

const MAX_ANCESTORS: usize = 40;

const MAX_DESCENDANTS: usize = 4_000;

pub struct Context {
    pub ancestors: Vec<StatusView>,
    pub descendants: Vec<StatusView>,
}

/// The thread around a status: visible ancestors oldest first, visible descendants depth first.
pub fn context(conn: &mut DbConn, viewer: Option<AccountId>, status_id: StatusId) -> AppResult<Context> {
    let status = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?.status;
    let mut ancestors = Vec::new();
    let mut parent_id = status.in_reply_to_id;
    while let Some(id) = parent_id.filter(|_| ancestors.len() < MAX_ANCESTORS) {
        let Some(parent) = statuses::find(conn, id)? else { break };
        parent_id = parent.in_reply_to_id;
        ancestors.push(parent);
    }
    ancestors.reverse();
    let ancestors = views::visible(conn, viewer, ancestors)?;
    let descendants = descendants_depth_first(conn, status.id)?;
    let descendants = views::visible(conn, viewer, descendants)?;
    let ancestors = views::hydrate(conn, viewer, ancestors)?;
    let descendants = views::hydrate(conn, viewer, descendants)?;
    Ok(Context {
        ancestors: crate::service::filters::apply(conn, viewer, FilterContext::Thread, ancestors)?,
        descendants: crate::service::filters::apply(conn, viewer, FilterContext::Thread, descendants)?,
    })
}

fn descendants_depth_first(conn: &mut DbConn, root: StatusId) -> AppResult<Vec<Status>> {
    let mut children: HashMap<StatusId, Vec<Status>> = HashMap::new();
    let mut frontier = vec![root];
    let mut found = 0;
    while !frontier.is_empty() && found < MAX_DESCENDANTS {
        let replies = statuses::replies_to(conn, &frontier)?;
        found += replies.len();
        frontier = replies.iter().map(|r| r.id).collect();
        for reply in replies {
            children.entry(reply.in_reply_to_id.unwrap_or(root)).or_default().push(reply);
        }
    }
    let mut ordered = Vec::new();
    let mut stack: Vec<Status> = children.remove(&root).unwrap_or_default().into_iter().rev().collect();
    while let Some(next) = stack.pop() {
        if let Some(kids) = children.remove(&next.id) {
            stack.extend(kids.into_iter().rev());
        }
        ordered.push(next);
    }
    Ok(ordered)
}

/// A status's versions, oldest first; a status never edited has one.
pub fn history(conn: &mut DbConn, viewer: Option<AccountId>, status_id: StatusId) -> AppResult<(StatusView, Vec<StatusEdit>)> {
    let view = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?;
    let mut edits = statuses::edits_of(conn, view.status.id)?;
    if edits.is_empty() {
        edits.push(snapshot(conn, &view.status, view.status.created_at)?);
    }
    Ok((view, edits))
}

/// The source of a status; as in Mastodon, anyone who may read the status may read its source.
pub fn source(conn: &mut DbConn, viewer: &Account, status_id: StatusId) -> AppResult<Status> {
    Ok(Arc::unwrap_or_clone(views::status_for(conn, Some(viewer.id), status_id)?.ok_or(AppError::NotFound)?.status))
}

/// Accounts who favourited or reblogged a status, with the paging id of each.
pub fn interacted_by(conn: &mut DbConn, viewer: Option<AccountId>, status_id: StatusId, reblogs: bool, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let status = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?.status;
    let pairs = if reblogs {
        statuses::rebloggers_page(conn, status.id, page)?
    } else {
        marks::favourites::markers_page(conn, status.id, page)?
    };
    let ids: Vec<AccountId> = pairs.iter().map(|(_, account)| *account).collect();
    let accounts: HashMap<AccountId, Account> = accounts::find_many(conn, &ids)?.into_iter().map(|a| (a.id, a)).collect();
    Ok(pairs.into_iter().filter_map(|(page_id, account)| Some((page_id, accounts.get(&account)?.clone()))).collect())
}
