//! Reads through the caches (`db::cache`): each takes what is cached, loads the rest in one batch and keeps it.
//! Entries are rows and viewer-independent parts; what depends on the viewer is kept per viewer.

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::cache::{InstanceStats, HEAD};
use crate::db::models::{Account, User};
use crate::db::queries::statuses::PublicScope;
use crate::db::queries::{accounts, filters, lists, safety, statuses, timelines, users};
use crate::db::views::{StatusParts, ViewerMarks, ViewerState};
use crate::db::{Page, Reader};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};
use crate::service::views;

pub fn accounts(reader: &mut Reader, ids: &[AccountId]) -> AppResult<HashMap<AccountId, Arc<Account>>> {
    let (mut found, missing) = split(ids, |id| reader.caches().accounts.get(id));
    if !missing.is_empty() {
        let since = reader.caches().generation();
        for account in accounts::find_many(reader.conn()?, &missing)? {
            let account = Arc::new(account);
            reader.caches().fill(&reader.caches().accounts, since, account.id, account.clone());
            found.insert(account.id, account);
        }
    }
    Ok(found)
}

pub fn user(reader: &mut Reader, id: AccountId) -> AppResult<Option<Arc<User>>> {
    if let Some(user) = reader.caches().users.get(&id) {
        return Ok(Some(user));
    }
    let since = reader.caches().generation();
    let Some(user) = users::find(reader.conn()?, id)? else { return Ok(None) };
    let user = Arc::new(user);
    reader.caches().fill(&reader.caches().users, since, id, user.clone());
    Ok(Some(user))
}

pub fn status_parts(reader: &mut Reader, ids: &[StatusId]) -> AppResult<HashMap<StatusId, Arc<StatusParts>>> {
    let (mut found, missing) = split(ids, |id| reader.caches().statuses.get(id));
    if !missing.is_empty() {
        let since = reader.caches().generation();
        let rows = statuses::find_many(reader.conn()?, &missing)?;
        let authors = accounts(reader, &rows.iter().map(|s| s.account_id).collect::<Vec<_>>())?;
        for parts in views::parts_of_rows(reader.conn()?, rows, &authors)? {
            let parts = Arc::new(parts);
            reader.caches().fill(&reader.caches().statuses, since, parts.status.id, parts.clone());
            found.insert(parts.status.id, parts);
        }
    }
    Ok(found)
}

/// The viewer's marks on each of these statuses.
pub fn marks(reader: &mut Reader, viewer: AccountId, parts: &HashMap<StatusId, Arc<StatusParts>>) -> AppResult<HashMap<StatusId, Arc<ViewerMarks>>> {
    let ids: Vec<StatusId> = parts.keys().copied().collect();
    let (mut found, missing) = split(&ids, |id| reader.caches().marks.get(&(viewer, *id)));
    if !missing.is_empty() {
        let since = reader.caches().generation();
        let wanted: HashMap<StatusId, Arc<StatusParts>> = missing.iter().filter_map(|id| Some((*id, parts.get(id)?.clone()))).collect();
        for (id, marks) in views::load_marks(reader.conn()?, viewer, &wanted)? {
            let marks = Arc::new(marks);
            reader.caches().fill(&reader.caches().marks, since, (viewer, id), marks.clone());
            found.insert(id, marks);
        }
    }
    Ok(found)
}

/// What the viewer hides and filters.
pub fn viewer_state(reader: &mut Reader, viewer: AccountId) -> AppResult<Arc<ViewerState>> {
    reader.kept(|caches| &caches.viewers, viewer, |conn, viewer| Ok(Arc::new(load_viewer_state(conn, *viewer)?)))
}

pub fn load_viewer_state(conn: &mut crate::db::DbConn, viewer: AccountId) -> AppResult<ViewerState> {
    let own_filters = filters::of_owner(conn, viewer)?;
    Ok(ViewerState {
        filters: crate::service::filters::with_rules(conn, own_filters)?,
        mutes: safety::mutes_of(conn, viewer)?,
        blocked_either_way: safety::blocked_either_way(conn, viewer)?,
        blocked_domains: safety::blocked_domains(conn, viewer)?,
        exclusive_list_members: lists::exclusive_members(conn, viewer)?,
    })
}

/// A first page of the viewer's home timeline from its kept head, without `hidden` authors; None when the
/// page is not a first one or the head cannot fill it.
pub fn home_first_page(reader: &mut Reader, viewer: AccountId, page: &Page, hidden: &[AccountId]) -> AppResult<Option<Vec<StatusId>>> {
    if !is_first_page(page) {
        return Ok(None);
    }
    let head = reader.kept(|caches| &caches.homes, viewer, |conn, viewer| Ok(Arc::new(timelines::home_head(conn, *viewer, HEAD as i64)?)))?;
    Ok(first_page_of(&head, page, hidden))
}

/// The same for the public timelines (all, this instance's, other instances'; not those of media only).
pub fn public_first_page(reader: &mut Reader, scope: PublicScope, page: &Page, hidden: &[AccountId]) -> AppResult<Option<Vec<StatusId>>> {
    if !is_first_page(page) || scope.only_media {
        return Ok(None);
    }
    let head_page = Page { limit: HEAD as i64, ..Page::default() };
    let head = reader.kept(|caches| &caches.publics, scope.local, |conn, _| Ok(Arc::new(statuses::public_page(conn, scope, &[], &head_page)?)))?;
    Ok(first_page_of(&head, page, hidden))
}

fn is_first_page(page: &Page) -> bool {
    page.max_id.is_none() && page.since_id.is_none() && page.min_id.is_none() && usize::try_from(page.limit).is_ok_and(|limit| limit <= HEAD)
}

/// The page's statuses from a kept head, newest first, or None when hidden authors leave a full head short (the
/// page goes on past it).
fn first_page_of(head: &[(StatusId, AccountId)], page: &Page, hidden: &[AccountId]) -> Option<Vec<StatusId>> {
    let limit = usize::try_from(page.limit).unwrap_or(0);
    let shown: Vec<StatusId> = head.iter().filter(|(_, author)| !hidden.contains(author)).map(|(id, _)| *id).take(limit).collect();
    (shown.len() == limit || head.len() < HEAD).then_some(shown)
}

pub fn instance_stats(reader: &mut Reader) -> AppResult<InstanceStats> {
    reader.kept(|caches| &caches.instance, (), |conn, ()| {
        Ok(InstanceStats {
            user_count: accounts::count_local(conn)?,
            status_count: accounts::sum_local_statuses(conn)?,
            domain_count: accounts::count_domains(conn)?,
        })
    })
}

/// The cached values of `ids` and the ids that were not cached.
fn split<K: Copy + Eq + std::hash::Hash, V>(ids: &[K], cached: impl Fn(&K) -> Option<V>) -> (HashMap<K, V>, Vec<K>) {
    let mut found = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        if found.contains_key(id) || missing.contains(id) {
            continue;
        }
        match cached(id) {
            Some(value) => {
                found.insert(*id, value);
            }
            None => missing.push(*id),
        }
    }
    (found, missing)
}
