//! Statuses and notifications with everything needed to show them to one viewer.

use std::collections::{HashMap, HashSet};

use crate::db::kinds::Visibility;
use crate::db::models::{Account, CustomEmoji, MediaAttachment, Notification, OauthApp, Status, Tag};
use crate::db::queries::{accounts, follows, marks, media, oauth, polls, statuses, timelines};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};
pub use crate::db::views::{NotificationView, StatusView, ViewerFlags};
use crate::db::views::PollView;


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
    let authors: Vec<AccountId> = restricted.iter().map(|s| s.account_id).collect();
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

/// Builds views for rows, in their order, with one batch of queries per kind of data.
pub fn hydrate(conn: &mut DbConn, viewer: Option<AccountId>, rows: Vec<Status>) -> AppResult<Vec<StatusView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let original_ids: Vec<StatusId> = rows.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals: HashMap<StatusId, Status> =
        statuses::find_many(conn, &original_ids)?.into_iter().map(|s| (s.id, s)).collect();
    let all: Vec<&Status> = rows.iter().chain(originals.values()).collect();
    let all_ids: Vec<StatusId> = all.iter().map(|s| s.id).collect();

    let mentions = statuses::mentions_of(conn, &all_ids)?;
    let mut account_ids: Vec<AccountId> = all.iter().map(|s| s.account_id).chain(mentions.iter().map(|m| m.account_id)).collect();
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts: HashMap<AccountId, Account> = accounts::find_many(conn, &account_ids)?.into_iter().map(|a| (a.id, a)).collect();

    let mut tags: HashMap<StatusId, Vec<Tag>> = HashMap::new();
    for (status_id, tag) in statuses::tags_of(conn, &all_ids)? {
        tags.entry(status_id).or_default().push(tag);
    }
    let mut mentioned: HashMap<StatusId, Vec<Account>> = HashMap::new();
    for mention in mentions {
        if let Some(account) = accounts.get(&mention.account_id) {
            mentioned.entry(mention.status_id).or_default().push(account.clone());
        }
    }
    let mut attached: HashMap<StatusId, Vec<MediaAttachment>> = HashMap::new();
    for item in media::of_statuses(conn, &all_ids)? {
        if let Some(status_id) = item.status_id {
            attached.entry(status_id).or_default().push(item);
        }
    }
    let polls = poll_views(conn, viewer, &all_ids)?;
    let domains: HashMap<AccountId, String> = accounts.values().map(|a| (a.id, a.domain.clone().unwrap_or_default())).collect();
    let emojis = super::emojis::of_statuses(conn, &all, &domains)?;
    let mut app_ids: Vec<i64> = all.iter().filter_map(|s| s.app_id).collect();
    app_ids.dedup();
    let apps: HashMap<i64, OauthApp> = oauth::find_apps(conn, &app_ids)?.into_iter().map(|a| (a.id, a)).collect();
    let flags = viewer.map(|v| viewer_flags(conn, v, &all_ids)).transpose()?;

    let parts = Parts { accounts: &accounts, tags: &tags, mentioned: &mentioned, apps: &apps, media: &attached, polls: &polls, emojis: &emojis, flags: flags.as_ref() };
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let reblog = match row.reblog_of_id {
                Some(original_id) => Some(Box::new(parts.view(originals.get(&original_id)?.clone(), None)?)),
                None => None,
            };
            parts.view(row, reblog)
        })
        .collect())
}

struct Parts<'a> {
    accounts: &'a HashMap<AccountId, Account>,
    tags: &'a HashMap<StatusId, Vec<Tag>>,
    mentioned: &'a HashMap<StatusId, Vec<Account>>,
    apps: &'a HashMap<i64, OauthApp>,
    media: &'a HashMap<StatusId, Vec<MediaAttachment>>,
    polls: &'a HashMap<StatusId, PollView>,
    emojis: &'a HashMap<StatusId, Vec<CustomEmoji>>,
    flags: Option<&'a Marked>,
}

impl Parts<'_> {
    fn view(&self, status: Status, reblog: Option<Box<StatusView>>) -> Option<StatusView> {
        let id = status.id;
        // A reblog carries the viewer's marks on its original, as Mastodon's answers do.
        let marked_id = status.reblog_of_id.unwrap_or(id);
        Some(StatusView {
            // A suspended author's statuses are gone from view, as their account is.
            account: self.accounts.get(&status.account_id).filter(|a| a.suspended_at.is_none())?.clone(),
            mentions: self.mentioned.get(&id).cloned().unwrap_or_default(),
            tags: self.tags.get(&id).cloned().unwrap_or_default(),
            app: status.app_id.and_then(|app_id| self.apps.get(&app_id).cloned()),
            viewer: self.flags.map(|marked| ViewerFlags {
                viewer_id: marked.viewer_id,
                favourited: marked.favourited.contains(&marked_id),
                reblogged: marked.reblogged.contains(&marked_id),
                bookmarked: marked.bookmarked.contains(&marked_id),
                pinned: marked.pinned.contains(&id),
            }),
            reblog,
            status,
            deleted_source: None,
            filtered: Vec::new(),
            media: self.media.get(&id).cloned().unwrap_or_default(),
            poll: self.polls.get(&id).cloned(),
            emojis: self.emojis.get(&id).cloned().unwrap_or_default(),
        })
    }
}

/// The polls of these statuses, by status id, with the viewer's own choices.
fn poll_views(conn: &mut DbConn, viewer: Option<AccountId>, status_ids: &[StatusId]) -> AppResult<HashMap<StatusId, PollView>> {
    let found = polls::of_statuses(conn, status_ids)?;
    let poll_ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    let mut chosen: HashMap<i64, Vec<i32>> = HashMap::new();
    if let Some(viewer) = viewer {
        for (poll_id, choice) in polls::choices_among(conn, viewer, &poll_ids)? {
            chosen.entry(poll_id).or_default().push(choice);
        }
    }
    Ok(found
        .into_iter()
        .map(|poll| {
            let own_votes = viewer.map(|_| chosen.remove(&poll.id).unwrap_or_default());
            let view = PollView { viewer_is_author: viewer == Some(poll.account_id), own_votes, poll };
            (view.poll.status_id, view)
        })
        .collect())
}

struct Marked {
    viewer_id: AccountId,
    favourited: HashSet<StatusId>,
    reblogged: HashSet<StatusId>,
    bookmarked: HashSet<StatusId>,
    pinned: HashSet<StatusId>,
}

fn viewer_flags(conn: &mut DbConn, viewer: AccountId, ids: &[StatusId]) -> AppResult<Marked> {
    Ok(Marked {
        viewer_id: viewer,
        favourited: marks::favourites::marked_among(conn, viewer, ids)?.into_iter().collect(),
        reblogged: statuses::reblogged_among(conn, viewer, ids)?.into_iter().collect(),
        bookmarked: marks::bookmarks::marked_among(conn, viewer, ids)?.into_iter().collect(),
        pinned: marks::status_pins::marked_among(conn, viewer, ids)?.into_iter().collect(),
    })
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
