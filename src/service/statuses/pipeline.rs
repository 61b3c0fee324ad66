//! What every new status goes through, local or remote: mentions, tags, counters, fan-out to home
//! timelines, notifications, conversations and the search index; and the pieces reblogs, edits and
//! favourites share.

use std::collections::HashSet;

use crate::db::{DbConn, Tx};
use crate::db::events::Event;
use crate::db::kinds::{NotificationKind, Visibility};
use crate::db::json::Json;
use crate::db::models::{Account, EditedMedia, HomeTimelineEntry, Status, StatusEdit, StatusMark};
use crate::db::queries::{accounts, follows, media as media_rows, notifications as notification_rows, polls as poll_rows, statuses, timelines};
use crate::error::AppResult;
use crate::ids::{self, AccountId, StatusId};
use crate::service::notifications::notify;

/// What a status just inserted goes through, local or remote alike: its mentions and tags, its author's
/// and its parent's counters, the home timelines it reaches, the notifications of the mentioned and of
/// subscribers, the conversations it belongs to and the search index.
pub(super) fn publish(tx: &mut Tx, author: &Account, status: &Status, published: Published) -> AppResult<()> {
    let Published { mentioned_ids, tag_ids, parent } = published;
    statuses::insert_mentions(tx, status.id, mentioned_ids)?;
    statuses::set_status_tags(tx, status.id, tag_ids)?;
    accounts::add_statuses(tx, author.id, 1, Some(status.created_at))?;
    if let Some(parent) = parent {
        statuses::add_replies(tx, parent.id, 1)?;
    }
    fan_out(tx, author, status, mentioned_ids, tag_ids)?;
    for account_id in mentioned_ids {
        notify(tx, *account_id, author.id, NotificationKind::Mention, Some(status.id))?;
    }
    notify_subscribers(tx, status, mentioned_ids)?;
    crate::service::conversations::record(tx, status, mentioned_ids)?;
    crate::service::search::index_status(tx, status.id)
}

/// A status found afterwards (a company-wide search) is kept with its mentions, tags, counters and search
/// entry, but is no news: no home timeline, notification or conversation.
pub(super) fn keep_found(tx: &mut Tx, author: &Account, status: &Status, found: Published) -> AppResult<()> {
    statuses::insert_mentions(tx, status.id, found.mentioned_ids)?;
    statuses::set_status_tags(tx, status.id, found.tag_ids)?;
    accounts::add_statuses(tx, author.id, 1, None)?;
    if let Some(parent) = found.parent {
        statuses::add_replies(tx, parent.id, 1)?;
    }
    crate::service::search::index_status(tx, status.id)
}

/// Whom and what a new status names.
pub(super) struct Published<'a> {
    pub mentioned_ids: &'a [AccountId],
    pub tag_ids: &'a [i64],
    pub parent: Option<&'a Status>,
}

/// Puts a new status (or reblog) into the home timelines of the local accounts that should see it:
/// the author (if local), their followers and the local followers of its tags (`tag_ids`, public statuses
/// only); a direct status reaches only the followers it mentions.
fn fan_out(tx: &mut Tx, author: &Account, status: &Status, mentioned: &[AccountId], tag_ids: &[i64]) -> AppResult<()> {
    let mut receivers: HashSet<AccountId> = HashSet::new();
    if author.is_local() {
        receivers.insert(author.id);
    }
    if status.visibility == Visibility::Public && !tag_ids.is_empty() {
        receivers.extend(crate::db::queries::tag_follows::local_followers_of(tx, tag_ids)?);
    }
    let followers = follows::local_followers(tx, status.account_id)?;
    let follower_ids: Vec<AccountId> = followers
        .iter()
        .filter(|f| status.reblog_of_id.is_none() || f.show_reblogs)
        .map(|f| f.account_id)
        .collect();
    if status.visibility == Visibility::Direct {
        receivers.extend(follower_ids.into_iter().filter(|f| mentioned.contains(f)));
    } else {
        receivers.extend(reply_audience(tx, status, follower_ids)?);
    }
    if let Some(original_id) = status.reblog_of_id {
        let already: HashSet<AccountId> = timelines::homes_with(tx, original_id)?.into_iter().collect();
        receivers.retain(|r| !already.contains(r));
    }
    let entries: Vec<HomeTimelineEntry> = receivers
        .into_iter()
        .map(|account_id| HomeTimelineEntry { account_id, status_id: status.id, author_id: status.account_id })
        .collect();
    let home: Vec<AccountId> = entries.iter().map(|e| e.account_id).collect();
    timelines::insert_home(tx, &entries)?;
    tx.emit(Event::StatusCreated { status_id: status.id, home });
    Ok(())
}

/// Followers who asked to be told of the author's posts get a `status` notification (not for direct
/// posts, replies to others, or those already notified as mentioned).
fn notify_subscribers(tx: &mut Tx, status: &Status, mentioned: &[AccountId]) -> AppResult<()> {
    let reply_to_other = status.in_reply_to_account_id.is_some_and(|to| to != status.account_id);
    if status.visibility == Visibility::Direct || reply_to_other {
        return Ok(());
    }
    for follow in follows::local_followers(tx, status.account_id)?.into_iter().filter(|f| f.notify) {
        if !mentioned.contains(&follow.account_id) {
            notify(tx, follow.account_id, status.account_id, NotificationKind::Status, Some(status.id))?;
        }
    }
    Ok(())
}

/// A reply to someone else reaches only the followers who also follow (or are) the one replied to.
fn reply_audience(conn: &mut DbConn, status: &Status, follower_ids: Vec<AccountId>) -> AppResult<Vec<AccountId>> {
    match status.in_reply_to_account_id {
        Some(replied_to) if replied_to != status.account_id => {
            let also_following: HashSet<AccountId> = follows::followers_among(conn, replied_to, &follower_ids)?.into_iter().collect();
            Ok(follower_ids.into_iter().filter(|f| *f == replied_to || also_following.contains(f)).collect())
        }
        _ => Ok(follower_ids),
    }
}

/// The status as it reads now, with its attachments and poll options, for its edit history.
pub(super) fn snapshot(conn: &mut DbConn, status: &Status, at: chrono::NaiveDateTime) -> AppResult<StatusEdit> {
    let media = media_rows::of_statuses(conn, &[status.id])?.iter().map(EditedMedia::of).collect();
    let poll_options = poll_rows::of_status(conn, status.id)?.map(|poll| poll.options.0);
    Ok(StatusEdit {
        id: ids::next_id(),
        status_id: status.id,
        text: status.text.clone(),
        content: status.content.clone(),
        spoiler_text: status.spoiler_text.clone(),
        sensitive: status.sensitive,
        created_at: at,
        media: Json(media),
        poll_options: Json(poll_options),
    })
}

/// Removes a status (local or remote) with its reblogs, counters and index entry; a reblog wrapper
/// goes as a reblog.
pub(super) fn withdraw(tx: &mut Tx, author: &Account, status: &Status) -> AppResult<()> {
    for reblog in statuses::reblogs_of(tx, status.id)? {
        super::groups::withdraw_boost(tx, &reblog)?;
        remove_reblog(tx, &reblog)?;
    }
    if status.reblog_of_id.is_some() {
        return remove_reblog(tx, status);
    }
    if let Some(parent_id) = status.in_reply_to_id {
        statuses::add_replies(tx, parent_id, -1)?;
    }
    accounts::add_statuses(tx, author.id, -1, None)?;
    tx.emit(Event::StatusDeleted { status_id: status.id });
    crate::service::search::unindex_status(tx, status.id)?;
    statuses::delete(tx, status.id)
}

pub(super) fn remove_reblog(tx: &mut Tx, reblog: &Status) -> AppResult<()> {
    if let Some(original_id) = reblog.reblog_of_id {
        statuses::add_reblogs(tx, original_id, -1)?;
        if let Some(original) = statuses::find(tx, original_id)? {
            notification_rows::delete_caused_by(tx, original.account_id, reblog.account_id, NotificationKind::Reblog, Some(original_id))?;
        }
    }
    accounts::add_statuses(tx, reblog.account_id, -1, None)?;
    tx.emit(Event::StatusDeleted { status_id: reblog.id });
    statuses::delete(tx, reblog.id)
}

pub(super) fn new_mark(actor: &Account, status_id: StatusId) -> StatusMark {
    StatusMark { id: ids::next_id(), account_id: actor.id, status_id, created_at: ids::now() }
}

/// Writes a reblog of `original` by `actor` with its counters, timeline rows and notification.
pub(super) fn insert_reblog(tx: &mut Tx, actor: &Account, original: &Status, id: StatusId, uri: &str, visibility: Visibility) -> AppResult<()> {
    let now = ids::now();
    let reblog = Status {
        id,
        uri: uri.to_owned(),
        url: uri.to_owned(),
        account_id: actor.id,
        local: actor.is_local(),
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id),
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility,
        language: None,
        app_id: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
        thread_id: id,
        quote_policy: crate::db::kinds::QuotePolicy::Nobody,
        // A boost of a division-only post stays in the division.
        local_only: original.local_only,
        group_id: None,
    };
    statuses::insert(tx, &reblog)?;
    statuses::add_reblogs(tx, original.id, 1)?;
    accounts::add_statuses(tx, actor.id, 1, Some(now))?;
    fan_out(tx, actor, &reblog, &[], &[])?;
    notify(tx, original.account_id, actor.id, NotificationKind::Reblog, Some(original.id))
}
