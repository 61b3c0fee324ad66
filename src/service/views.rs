//! Statuses and notifications with everything needed to show them to one viewer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::db::kinds::{QuotePolicy, QuoteState, Visibility};
use crate::db::models::{Account, MediaAttachment, Notification, OauthApp, Poll, Quote, Status, Tag};
use crate::db::queries::{accounts, follows, marks, media, oauth, polls, quotes, statuses, timelines};
use crate::db::{DbConn, Reader};
use crate::db::views::{QuotePermission, QuoteView, ShownQuoteState, StatusParts, ViewerMarks};
use crate::service::cached;
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};
pub use crate::db::views::{NotificationView, PollView, StatusView, ViewerFlags};


/// Whether `viewer` may see `status` (for a reblog, the caller checks the original).
pub fn can_see(conn: &mut DbConn, viewer: Option<AccountId>, status: &Status) -> AppResult<bool> {
    Ok(visible(conn, viewer, vec![status.clone()])?.len() == 1)
}

/// Keeps the statuses the viewer may see, in order.
pub fn visible(conn: &mut DbConn, viewer: Option<AccountId>, rows: Vec<Status>) -> AppResult<Vec<Status>> {
    let restricted: Vec<&Status> = rows.iter().filter(|s| !s.visibility.is_open()).collect();
    if restricted.is_empty() {
        return Ok(rows);
    }
    let Some(viewer) = viewer else {
        return Ok(rows.into_iter().filter(|s| s.visibility.is_open()).collect());
    };
    // The authors, and the groups whose members-only posts these are: whom the viewer follows among them.
    let authors: Vec<AccountId> = restricted.iter().flat_map(|s| std::iter::once(s.account_id).chain(s.group_id)).collect();
    let followed: HashSet<AccountId> =
        follows::following_among(conn, viewer, &authors)?.into_iter().map(|f| f.target_account_id).collect();
    let restricted_ids: Vec<StatusId> = restricted.iter().map(|s| s.id).collect();
    let mentioned: HashSet<StatusId> = statuses::mentions_of(conn, &restricted_ids)?
        .into_iter()
        .filter(|m| m.account_id == viewer)
        .map(|m| m.status_id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|s| {
            s.visibility.is_open()
                || s.account_id == viewer
                || mentioned.contains(&s.id)
                || (s.visibility == Visibility::Private && followed.contains(&s.account_id))
                || s.group_id.is_some_and(|group| followed.contains(&group))
        })
        .collect())
}

/// Loads one status for a viewer, or None when it does not exist or is not theirs to see.
pub fn status_for(conn: &mut DbConn, viewer: Option<AccountId>, status_id: StatusId) -> AppResult<Option<StatusView>> {
    let Some(row) = statuses::find(conn, status_id)? else {
        return Ok(None);
    };
    let checked = match row.reblog_of_id {
        Some(original_id) => statuses::find(conn, original_id)?,
        None => Some(row.clone()),
    };
    let blocked = match (viewer, &checked) {
        (Some(viewer), Some(checked)) => super::safety::blocked_between(conn, viewer, checked.account_id)?,
        _ => false,
    };
    match checked {
        Some(checked) if !blocked && can_see(conn, viewer, &checked)? => Ok(hydrate(conn, viewer, vec![row])?.pop()),
        _ => Ok(None),
    }
}

/// [`status_for`] through the caches.
pub fn status_for_cached(reader: &mut Reader, viewer: Option<AccountId>, status_id: StatusId) -> AppResult<Option<StatusView>> {
    let Some(row) = cached::status_parts(reader, &[status_id])?.remove(&status_id) else {
        return Ok(None);
    };
    let checked = match row.status.reblog_of_id {
        Some(original_id) => cached::status_parts(reader, &[original_id])?.remove(&original_id),
        None => Some(row),
    };
    let Some(checked) = checked else { return Ok(None) };
    if let Some(viewer) = viewer {
        if cached::viewer_state(reader, viewer)?.blocked_either_way.contains(&checked.status.account_id) {
            return Ok(None);
        }
    }
    if !checked.status.visibility.is_open() && !can_see(reader.conn()?, viewer, &checked.status)? {
        return Ok(None);
    }
    Ok(hydrate_cached(reader, viewer, &[status_id])?.pop())
}

/// Builds views for rows, in their order, with one batch of queries per kind of data (no caches: within a
/// write, or for rows that are about to go).
pub fn hydrate(conn: &mut DbConn, viewer: Option<AccountId>, rows: Vec<Status>) -> AppResult<Vec<StatusView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let order: Vec<StatusId> = rows.iter().map(|s| s.id).collect();
    let original_ids: Vec<StatusId> = rows.iter().filter_map(|s| s.reblog_of_id).collect();
    let mut all = rows;
    all.extend(statuses::find_many(conn, &original_ids)?);
    let mut accounts = HashMap::new();
    let mut parts = parts_with_authors(conn, all, &mut accounts)?;
    let quoted = statuses::find_many(conn, &missing_quoted(&parts))?;
    parts.extend(parts_with_authors(conn, quoted, &mut accounts)?);
    let mentioned: Vec<AccountId> = parts.values().flat_map(|p| p.mention_ids.iter().copied()).filter(|id| !accounts.contains_key(id)).collect();
    accounts.extend(accounts_by_id(accounts::find_many(conn, &mentioned)?));
    let marks = match viewer {
        Some(viewer) => Some(load_marks(conn, viewer, &parts)?.into_iter().map(|(id, m)| (id, Arc::new(m))).collect()),
        None => None,
    };
    let followed = followed_for_quote_policies(conn, viewer, &parts)?;
    let readable_quoted = readable_quoted(conn, viewer, &parts)?;
    let assembly = Assembly { viewer, parts: &parts, accounts: &accounts, marks: marks.as_ref(), followed: &followed, readable_quoted: &readable_quoted, origin: Origin::Database };
    Ok(assembly.views(&order))
}

/// Quoted statuses that are not open, whose quotes the viewer may read: which of them the viewer may read too.
fn readable_quoted(conn: &mut DbConn, viewer: Option<AccountId>, parts: &HashMap<StatusId, Arc<StatusParts>>) -> AppResult<HashSet<StatusId>> {
    let restricted = restricted_quoted(parts);
    if restricted.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(visible(conn, viewer, restricted)?.into_iter().map(|s| s.id).collect())
}

fn restricted_quoted(parts: &HashMap<StatusId, Arc<StatusParts>>) -> Vec<Status> {
    parts
        .values()
        .filter_map(|p| parts.get(&p.quote.as_ref()?.quoted_status_id?))
        .filter(|q| q.status.visibility == Visibility::Private)
        .map(|q| q.status.as_ref().clone())
        .collect()
}

/// The parts of these statuses, with their authors added to `accounts`.
fn parts_with_authors(conn: &mut DbConn, rows: Vec<Status>, accounts: &mut HashMap<AccountId, Arc<Account>>) -> AppResult<HashMap<StatusId, Arc<StatusParts>>> {
    let authors: Vec<AccountId> = authors_of(rows.iter()).into_iter().filter(|id| !accounts.contains_key(id)).collect();
    accounts.extend(accounts_by_id(accounts::find_many(conn, &authors)?));
    Ok(parts_of_rows(conn, rows, accounts)?.into_iter().map(|p| (p.status.id, Arc::new(p))).collect())
}

/// The statuses these quote that are not among them yet.
fn missing_quoted(parts: &HashMap<StatusId, Arc<StatusParts>>) -> Vec<StatusId> {
    let mut ids: Vec<StatusId> = parts.values().filter_map(|p| p.quote.as_ref()?.quoted_status_id).filter(|id| !parts.contains_key(id)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The authors the viewer follows among those whose statuses only their followers may quote.
fn followed_for_quote_policies(conn: &mut DbConn, viewer: Option<AccountId>, parts: &HashMap<StatusId, Arc<StatusParts>>) -> AppResult<HashSet<AccountId>> {
    let Some(viewer) = viewer else { return Ok(HashSet::new()) };
    let authors: Vec<AccountId> = parts
        .values()
        .filter(|p| p.status.quote_policy == QuotePolicy::Followers && p.status.account_id != viewer)
        .map(|p| p.status.account_id)
        .collect();
    if authors.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(follows::following_among(conn, viewer, &authors)?.into_iter().map(|f| f.target_account_id).collect())
}

/// The same views through the caches, for statuses by id.
pub fn hydrate_cached(reader: &mut Reader, viewer: Option<AccountId>, ids: &[StatusId]) -> AppResult<Vec<StatusView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut parts = cached::status_parts(reader, ids)?;
    let original_ids: Vec<StatusId> = parts.values().filter_map(|p| p.status.reblog_of_id).filter(|id| !parts.contains_key(id)).collect();
    parts.extend(cached::status_parts(reader, &original_ids)?);
    let quoted = missing_quoted(&parts);
    parts.extend(cached::status_parts(reader, &quoted)?);
    let account_ids: Vec<AccountId> = parts.values().flat_map(|p| std::iter::once(p.status.account_id).chain(p.mention_ids.iter().copied())).collect();
    let accounts = cached::accounts(reader, &account_ids)?;
    let marks = viewer.map(|viewer| cached::marks(reader, viewer, &parts)).transpose()?;
    let needs_follows = parts.values().any(|p| p.status.quote_policy == QuotePolicy::Followers && Some(p.status.account_id) != viewer);
    let followed = if needs_follows { followed_for_quote_policies(reader.conn()?, viewer, &parts)? } else { HashSet::new() };
    let readable_quoted = if restricted_quoted(&parts).is_empty() { HashSet::new() } else { readable_quoted(reader.conn()?, viewer, &parts)? };
    let assembly = Assembly { viewer, parts: &parts, accounts: &accounts, marks: marks.as_ref(), followed: &followed, readable_quoted: &readable_quoted, origin: Origin::Caches };
    Ok(assembly.views(ids))
}

/// Whether `viewer` may quote `status` without asking (Mastodon 4.5's rules; Hallway has no manual approval):
/// its author may, always; others as its policy says; nobody quotes a direct status or a boost.
pub fn quote_permission(status: &Status, viewer: Option<AccountId>, follows_author: bool) -> QuotePermission {
    let Some(viewer) = viewer else { return QuotePermission::Denied };
    if status.reblog_of_id.is_some() || status.visibility == Visibility::Direct {
        return QuotePermission::Denied;
    }
    if viewer == status.account_id {
        return QuotePermission::Automatic;
    }
    match status.quote_policy {
        QuotePolicy::Public => QuotePermission::Automatic,
        QuotePolicy::Followers if follows_author => QuotePermission::Automatic,
        QuotePolicy::Unsupported => QuotePermission::Unknown,
        QuotePolicy::Followers | QuotePolicy::Nobody => QuotePermission::Denied,
    }
}

fn authors_of<'a>(rows: impl Iterator<Item = &'a Status>) -> Vec<AccountId> {
    let mut ids: Vec<AccountId> = rows.map(|s| s.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn accounts_by_id(found: Vec<Account>) -> HashMap<AccountId, Arc<Account>> {
    found.into_iter().map(|a| (a.id, Arc::new(a))).collect()
}

/// What every viewer sees of these statuses, with one batch of queries per kind of data; `authors` holds
/// (at least) their authors, whose domains name their custom emojis.
pub(crate) fn parts_of_rows(conn: &mut DbConn, rows: Vec<Status>, authors: &HashMap<AccountId, Arc<Account>>) -> AppResult<Vec<StatusParts>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<StatusId> = rows.iter().map(|s| s.id).collect();
    let mut mention_ids: HashMap<StatusId, Vec<AccountId>> = HashMap::new();
    for mention in statuses::mentions_of(conn, &ids)? {
        mention_ids.entry(mention.status_id).or_default().push(mention.account_id);
    }
    let mut tags: HashMap<StatusId, Vec<Tag>> = HashMap::new();
    for (status_id, tag) in statuses::tags_of(conn, &ids)? {
        tags.entry(status_id).or_default().push(tag);
    }
    let mut attached: HashMap<StatusId, Vec<MediaAttachment>> = HashMap::new();
    for item in media::of_statuses(conn, &ids)? {
        if let Some(status_id) = item.status_id {
            attached.entry(status_id).or_default().push(item);
        }
    }
    let mut polls: HashMap<StatusId, Poll> = polls::of_statuses(conn, &ids)?.into_iter().map(|p| (p.status_id, p)).collect();
    let mut quoting: HashMap<StatusId, Quote> = quotes::of_statuses(conn, &ids)?.into_iter().map(|q| (q.status_id, q)).collect();
    let quoted_counts: HashMap<StatusId, i64> = quotes::accepted_counts(conn, &ids)?.into_iter().collect();
    let domains: HashMap<AccountId, String> = authors.values().map(|a| (a.id, a.domain.clone().unwrap_or_default())).collect();
    let mut emojis = super::emojis::of_statuses(conn, &rows.iter().collect::<Vec<_>>(), &domains)?;
    let mut app_ids: Vec<i64> = rows.iter().filter_map(|s| s.app_id).collect();
    app_ids.sort_unstable();
    app_ids.dedup();
    let apps: HashMap<i64, Arc<OauthApp>> = oauth::find_apps(conn, &app_ids)?.into_iter().map(|a| (a.id, Arc::new(a))).collect();
    Ok(rows
        .into_iter()
        .map(|status| StatusParts {
            mention_ids: mention_ids.remove(&status.id).unwrap_or_default(),
            tags: tags.remove(&status.id).unwrap_or_default().into(),
            media: attached.remove(&status.id).unwrap_or_default().into(),
            poll: polls.remove(&status.id),
            emojis: emojis.remove(&status.id).unwrap_or_default().into(),
            app: status.app_id.and_then(|id| apps.get(&id).cloned()),
            quote: quoting.remove(&status.id),
            quotes_count: quoted_counts.get(&status.id).copied().unwrap_or(0),
            status: Arc::new(status),
        })
        .collect())
}

/// The viewer's marks on each of these statuses (an entry for each, marked or not).
pub(crate) fn load_marks(conn: &mut DbConn, viewer: AccountId, parts: &HashMap<StatusId, Arc<StatusParts>>) -> AppResult<HashMap<StatusId, ViewerMarks>> {
    let ids: Vec<StatusId> = parts.keys().copied().collect();
    let favourited: HashSet<StatusId> = marks::favourites::marked_among(conn, viewer, &ids)?.into_iter().collect();
    let reblogged: HashSet<StatusId> = statuses::reblogged_among(conn, viewer, &ids)?.into_iter().collect();
    let bookmarked: HashSet<StatusId> = marks::bookmarks::marked_among(conn, viewer, &ids)?.into_iter().collect();
    let pinned: HashSet<StatusId> = marks::status_pins::marked_among(conn, viewer, &ids)?.into_iter().collect();
    let thread_ids: Vec<StatusId> = parts.values().map(|p| p.status.thread_id).collect();
    let muted_threads: HashSet<StatusId> = marks::thread_mutes::muted_among(conn, viewer, &thread_ids)?.into_iter().collect();
    let status_of_poll: HashMap<i64, StatusId> = parts.values().filter_map(|p| p.poll.as_ref().map(|poll| (poll.id, p.status.id))).collect();
    let mut choices: HashMap<StatusId, Vec<i32>> = HashMap::new();
    for (poll_id, choice) in polls::choices_among(conn, viewer, &status_of_poll.keys().copied().collect::<Vec<_>>())? {
        if let Some(status_id) = status_of_poll.get(&poll_id) {
            choices.entry(*status_id).or_default().push(choice);
        }
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            let marks = ViewerMarks {
                favourited: favourited.contains(&id),
                reblogged: reblogged.contains(&id),
                bookmarked: bookmarked.contains(&id),
                pinned: pinned.contains(&id),
                muted: parts.get(&id).is_some_and(|p| muted_threads.contains(&p.status.thread_id)),
                poll_choices: choices.remove(&id).unwrap_or_default(),
            };
            (id, marks)
        })
        .collect())
}

/// Where the parts of a view came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Caches,
    Database,
}

/// What views are assembled from: parts, accounts and the viewer's marks, by id.
struct Assembly<'a> {
    viewer: Option<AccountId>,
    parts: &'a HashMap<StatusId, Arc<StatusParts>>,
    accounts: &'a HashMap<AccountId, Arc<Account>>,
    marks: Option<&'a HashMap<StatusId, Arc<ViewerMarks>>>,
    /// Authors the viewer follows, where a quote policy asks.
    followed: &'a HashSet<AccountId>,
    /// The quoted statuses that are not open and that the viewer may read.
    readable_quoted: &'a HashSet<StatusId>,
    origin: Origin,
}

impl Assembly<'_> {
    /// Views in the order of `order`; statuses whose author is gone (or suspended) drop out.
    fn views(&self, order: &[StatusId]) -> Vec<StatusView> {
        order
            .iter()
            .filter_map(|id| {
                let part = self.parts.get(id)?;
                let reblog = match part.status.reblog_of_id {
                    Some(original_id) => Some(Box::new(self.view(self.parts.get(&original_id)?, None, false)?)),
                    None => None,
                };
                self.view(part, reblog, false)
            })
            .collect()
    }

    fn may_read_quoted(&self, quoted: &Status) -> bool {
        quoted.visibility.is_open() || self.readable_quoted.contains(&quoted.id)
    }

    fn viewer_marks(&self, id: StatusId) -> ViewerMarks {
        self.marks.and_then(|m| m.get(&id)).map(|m| m.as_ref().clone()).unwrap_or_default()
    }

    /// One view; `nested` for a quoted status, whose own quote shows only the id of what it quotes.
    fn view(&self, part: &Arc<StatusParts>, reblog: Option<Box<StatusView>>, nested: bool) -> Option<StatusView> {
        let (viewer, status) = (self.viewer, &part.status);
        let author = self.accounts.get(&status.account_id).filter(|a| a.suspended_at.is_none())?;
        let mentioned: Vec<&Arc<Account>> = part.mention_ids.iter().filter_map(|id| self.accounts.get(id)).collect();
        // A reblog carries the viewer's marks on its original, as Mastodon's answers do.
        let marked_id = status.reblog_of_id.unwrap_or(status.id);
        let proper = reblog.as_ref().map_or(status.as_ref(), |original| original.status.as_ref());
        let quote_permission = quote_permission(proper, viewer, self.followed.contains(&proper.account_id));
        Some(StatusView {
            // A suspended author's statuses are gone from view, as their account is.
            account: author.clone(),
            mentions: mentioned.iter().map(|a| (*a).clone()).collect(),
            tags: part.tags.clone(),
            app: part.app.clone(),
            viewer: viewer.map(|viewer_id| {
                let on_original = self.viewer_marks(marked_id);
                ViewerFlags {
                    viewer_id,
                    favourited: on_original.favourited,
                    reblogged: on_original.reblogged,
                    bookmarked: on_original.bookmarked,
                    pinned: self.viewer_marks(status.id).pinned,
                    muted: on_original.muted,
                }
            }),
            reblog,
            status: status.clone(),
            deleted_source: None,
            filtered: Vec::new(),
            media: part.media.clone(),
            poll: part.poll.clone().map(|poll| PollView {
                viewer_is_author: viewer == Some(poll.account_id),
                own_votes: viewer.map(|_| self.viewer_marks(status.id).poll_choices),
                poll,
            }),
            emojis: part.emojis.clone(),
            cached_parts: (self.origin == Origin::Caches).then(|| part.clone()),
            quote: part.quote.as_ref().map(|quote| self.quote_view(quote, nested)),
            quotes_count: part.quotes_count,
            quote_permission,
        })
    }

    /// An accepted quote shows the quoted status, unless it is gone or is not for this viewer to read.
    fn quote_view(&self, quote: &Quote, nested: bool) -> QuoteView {
        let quoted = quote.quoted_status_id.and_then(|id| self.parts.get(&id));
        let state = match (quote.state, quoted) {
            // A quoted status's own quote is shown by id, without loading what it quotes.
            (QuoteState::Accepted, None) if nested && quote.quoted_status_id.is_some() => ShownQuoteState::Stored(QuoteState::Accepted),
            (QuoteState::Accepted, None) => ShownQuoteState::Deleted,
            // A direct status is never shown through a quote, whatever another server allowed; a private one only
            // to those who may read it.
            (QuoteState::Accepted, Some(q)) if q.status.visibility == Visibility::Direct || !self.may_read_quoted(&q.status) => {
                ShownQuoteState::Unauthorized
            }
            (state, _) => ShownQuoteState::Stored(state),
        };
        let shown = state == ShownQuoteState::Stored(QuoteState::Accepted);
        QuoteView {
            row: quote.clone(),
            state,
            quoted: quoted.filter(|_| shown && !nested).and_then(|q| self.view(q, None, true)).map(Box::new),
            quoted_status_id: quote.quoted_status_id.filter(|_| shown),
        }
    }
}

pub fn notifications(conn: &mut DbConn, viewer: AccountId, rows: Vec<Notification>) -> AppResult<Vec<NotificationView>> {
    let mut account_ids: Vec<AccountId> = rows.iter().map(|n| n.from_account_id).collect();
    account_ids.dedup();
    let accounts: HashMap<AccountId, Account> = accounts::find_many(conn, &account_ids)?.into_iter().map(|a| (a.id, a)).collect();
    let status_ids: Vec<StatusId> = rows.iter().filter_map(|n| n.status_id).collect();
    let status_rows = statuses::find_many(conn, &status_ids)?;
    let statuses: HashMap<StatusId, StatusView> =
        hydrate(conn, Some(viewer), status_rows)?.into_iter().map(|v| (v.status.id, v)).collect();
    Ok(rows
        .into_iter()
        .filter_map(|notification| {
            let status = match notification.status_id {
                Some(id) => Some(statuses.get(&id)?.clone()),
                None => None,
            };
            let account = accounts.get(&notification.from_account_id).filter(|a| a.suspended_at.is_none())?.clone();
            Some(NotificationView { account, status, notification })
        })
        .collect())
}

/// Whether the account's home timeline holds the status already.
pub fn in_home(conn: &mut DbConn, account_id: AccountId, status_id: StatusId) -> AppResult<bool> {
    Ok(!timelines::in_home_among(conn, account_id, &[status_id])?.is_empty())
}
