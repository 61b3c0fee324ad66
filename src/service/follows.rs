//! Following: the follow itself, its counters, its notification and the home timeline merge.

use std::collections::HashSet;

use crate::db::kinds::Visibility;
use crate::db::kinds::NotificationKind;
use crate::db::Tx;
use crate::db::tx::Outbound;
use crate::db::models::{Account, Follow, FollowRequest, HomeTimelineEntry, Status};
use crate::db::queries::{accounts, follow_requests, follows, groups, lists, notifications, statuses, timelines};
use crate::db::{insert_if_absent, DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::accounts::{relationships, Relationship};
use crate::service::notifications::notify;
use crate::service::views;

/// How many of the followed account's latest statuses join the follower's home timeline.
const MERGE_LIMIT: i64 = 40;

pub struct FollowOptions {
    pub reblogs: Option<bool>,
    pub notify: Option<bool>,
}

pub struct FollowOutcome {
    pub relationship: Relationship,
    /// A follow of a remote account waits for its Accept; the request to send, when one was made now.
    pub new_request: Option<FollowRequest>,
}

pub fn follow(tx: &mut Tx, follower: &Account, target_id: AccountId, options: FollowOptions) -> AppResult<FollowOutcome> {
    let target = accounts::find(tx, target_id)?.filter(|a| a.suspended_at.is_none()).ok_or(AppError::NotFound)?;
    if target.id == follower.id || super::safety::blocked_between(tx, follower.id, target.id)? {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    if target.is_group && groups::is_banned(tx, target.id, follower.id)? {
        return Err(AppError::Forbidden("You were banned from this group".into()));
    }
    let show_reblogs = options.reblogs.unwrap_or(true);
    let notify_on_post = options.notify.unwrap_or(false);
    let mut new_request = None;
    if let Some(existing) = follows::find(tx, follower.id, target.id)? {
        follows::update_options(
            tx,
            existing.id,
            options.reblogs.unwrap_or(existing.show_reblogs),
            options.notify.unwrap_or(existing.notify),
        )?;
    } else if target.is_local() && !target.locked {
        establish(tx, follower, &target, show_reblogs, notify_on_post, None)?;
    } else if follow_requests::find(tx, follower.id, target.id)?.is_none() {
        let id = ids::next_id();
        let uri = format!("{}/follows/{id}", follower.uri);
        let request = FollowRequest { id, account_id: follower.id, target_account_id: target.id, show_reblogs, notify: notify_on_post, uri, created_at: ids::now() };
        if request_follow(tx, follower, &target, &request)? {
            tx.federate(Outbound::FollowRequested { follower, target: &target, request: &request })?;
            new_request = Some(request);
        }
    }
    Ok(FollowOutcome { relationship: one_relationship(tx, follower, target.id)?, new_request })
}

/// Records a follow request (to a locked or a remote account); a local target is notified. False when
/// one existed already.
fn request_follow(tx: &mut Tx, follower: &Account, target: &Account, request: &FollowRequest) -> AppResult<bool> {
    if !insert_if_absent(tx, |tx| follow_requests::insert(tx, request))? {
        return Ok(false);
    }
    notify(tx, target.id, follower.id, NotificationKind::FollowRequest, None)?;
    Ok(true)
}

/// A remote account asks to follow a local one: a locked account decides later, others accept now.
/// Answers whether the follow holds now (and an Accept is due).
pub fn followed_from_remote(tx: &mut Tx, follower: &Account, target: &Account, follow_uri: &str) -> AppResult<bool> {
    if super::safety::blocked_between(tx, follower.id, target.id)? {
        return Ok(false);
    }
    if target.is_group && groups::is_banned(tx, target.id, follower.id)? {
        tx.federate(Outbound::FollowRejected { target, follower, follow_uri })?;
        return Ok(false);
    }
    if follows::find(tx, follower.id, target.id)?.is_some() {
        return Ok(true);
    }
    if !target.locked {
        establish(tx, follower, target, true, false, Some(follow_uri.to_owned()))?;
        return Ok(true);
    }
    let request = FollowRequest {
        id: ids::next_id(),
        account_id: follower.id,
        target_account_id: target.id,
        show_reblogs: true,
        notify: false,
        uri: follow_uri.to_owned(),
        created_at: ids::now(),
    };
    request_follow(tx, follower, target, &request)?;
    Ok(false)
}

/// Accounts asking to follow `target`, with the request id to page by.
pub fn requests(conn: &mut DbConn, target: &Account, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    follow_requests::requests_to(conn, target.id, page)
}

/// The target of a follow request accepts it; a remote requester hears of it (Accept).
pub fn authorize(tx: &mut Tx, target: &Account, requester_id: AccountId) -> AppResult<Relationship> {
    let request = follow_requests::find(tx, requester_id, target.id)?.ok_or(AppError::NotFound)?;
    let requester = accounts::find(tx, requester_id)?.ok_or(AppError::NotFound)?;
    follow_requests::delete(tx, request.id)?;
    forget_request_notification(tx, target, &requester)?;
    establish(tx, &requester, target, request.show_reblogs, request.notify, Some(request.uri.clone()))?;
    if !requester.is_local() {
        tx.federate(Outbound::FollowAccepted { target, follower: &requester, follow_uri: &request.uri })?;
    }
    one_relationship(tx, target, requester.id)
}

/// The target of a follow request turns it down; a remote requester hears of it (Reject).
pub fn reject(tx: &mut Tx, target: &Account, requester_id: AccountId) -> AppResult<Relationship> {
    let request = follow_requests::find(tx, requester_id, target.id)?.ok_or(AppError::NotFound)?;
    let requester = accounts::find(tx, requester_id)?.ok_or(AppError::NotFound)?;
    follow_requests::delete(tx, request.id)?;
    forget_request_notification(tx, target, &requester)?;
    if !requester.is_local() {
        tx.federate(Outbound::FollowRejected { target, follower: &requester, follow_uri: &request.uri })?;
    }
    one_relationship(tx, target, requester.id)
}

/// A request that was answered or withdrawn is no longer news to its target.
fn forget_request_notification(conn: &mut DbConn, target: &Account, requester: &Account) -> AppResult<()> {
    notifications::delete_caused_by(conn, target.id, requester.id, NotificationKind::FollowRequest, None)
}

/// Stops `follower` following `me` (Mastodon's `remove_from_followers`); a remote follower hears that its
/// follow was rejected.
pub fn remove_follower(tx: &mut Tx, me: &Account, follower_id: AccountId) -> AppResult<Relationship> {
    let follower = accounts::find(tx, follower_id)?.ok_or(AppError::NotFound)?;
    if let Some(follow) = follows::find(tx, follower.id, me.id)? {
        let follow_uri = end_follow(tx, &follower, me)?.unwrap_or_default();
        if !follower.is_local() && follow.uri.is_some() {
            tx.federate(Outbound::FollowRejected { target: me, follower: &follower, follow_uri: &follow_uri })?;
        }
    }
    one_relationship(tx, me, follower.id)
}

/// A follow that now holds: its row, the counters, the notification and the home timeline merge.
/// False when it existed already.
pub fn establish(tx: &mut Tx, follower: &Account, target: &Account, show_reblogs: bool, notify_on_post: bool, uri: Option<String>) -> AppResult<bool> {
    let follow = Follow {
        id: ids::next_id(),
        account_id: follower.id,
        target_account_id: target.id,
        show_reblogs,
        notify: notify_on_post,
        uri,
        created_at: ids::now(),
    };
    if !insert_if_absent(tx, |tx| follows::insert(tx, &follow))? {
        return Ok(false);
    }
    accounts::add_following(tx, follower.id, 1)?;
    accounts::add_followers(tx, target.id, 1)?;
    notify(tx, target.id, follower.id, NotificationKind::Follow, None)?;
    if follower.is_local() {
        merge_into_home(tx, follower.id, target, show_reblogs)?;
    }
    Ok(true)
}

/// A remote account accepted the follow request of a local one.
pub fn request_accepted(tx: &mut Tx, follower: &Account, target: &Account) -> AppResult<()> {
    if let Some(request) = follow_requests::find(tx, follower.id, target.id)? {
        follow_requests::delete(tx, request.id)?;
        establish(tx, follower, target, request.show_reblogs, request.notify, Some(request.uri))?;
    }
    Ok(())
}

pub struct Unfollowed {
    pub relationship: Relationship,
    /// The URI of the follow (or follow request) that ended, for the Undo a remote account needs.
    pub ended_uri: Option<String>,
}

pub fn unfollow(tx: &mut Tx, follower: &Account, target_id: AccountId) -> AppResult<Unfollowed> {
    let target = accounts::find(tx, target_id)?.ok_or(AppError::NotFound)?;
    let ended_uri = end_follow(tx, follower, &target)?;
    if let Some(uri) = &ended_uri {
        tx.federate(Outbound::Unfollowed { follower, target: &target, follow_uri: uri })?;
    }
    Ok(Unfollowed { relationship: one_relationship(tx, follower, target.id)?, ended_uri })
}

/// Ends a follow or a pending request of `follower` to `target`; answers the URI of what ended.
pub fn end_follow(conn: &mut DbConn, follower: &Account, target: &Account) -> AppResult<Option<String>> {
    if let Some(request) = follow_requests::find(conn, follower.id, target.id)? {
        follow_requests::delete(conn, request.id)?;
        forget_request_notification(conn, target, follower)?;
        return Ok(Some(request.uri));
    }
    let Some(existing) = follows::find(conn, follower.id, target.id)? else {
        return Ok(None);
    };
    follows::delete(conn, existing.id)?;
    accounts::add_following(conn, follower.id, -1)?;
    accounts::add_followers(conn, target.id, -1)?;
    timelines::remove_author_from_home(conn, follower.id, target.id)?;
    // Mastodon takes an account one stops following out of one's lists.
    for list in lists::containing(conn, follower.id, target.id)? {
        lists::remove_member(conn, list.id, target.id)?;
    }
    Ok(Some(existing.uri.unwrap_or_else(|| format!("{}/follows/{}", follower.uri, existing.id))))
}

fn one_relationship(conn: &mut DbConn, viewer: &Account, id: AccountId) -> AppResult<Relationship> {
    relationships(conn, viewer, &[id])?.pop().ok_or(AppError::NotFound)
}

/// Brings the followed account's recent statuses into the follower's home timeline, leaving out
/// what fan-out would not have delivered: replies to strangers, and reblogs the follow hides.
fn merge_into_home(conn: &mut DbConn, follower_id: AccountId, target: &Account, show_reblogs: bool) -> AppResult<()> {
    let filter = statuses::AccountStatusFilter {
        visibilities: &[Visibility::Public, Visibility::Unlisted, Visibility::Private],
        mentioned: Some(follower_id),
        exclude_replies: false,
        exclude_reblogs: !show_reblogs,
        tag_id: None,
        only_ids: None,
        only_media: false,
    };
    let page = Page { limit: MERGE_LIMIT, ..Page::default() };
    let recent = statuses::account_page(conn, target.id, &filter, &page)?;
    let recent = views::visible(conn, Some(follower_id), recent)?;
    let ids: Vec<StatusId> = replies_worth_merging(conn, follower_id, recent)?.iter().map(|s| s.id).collect();
    let present = timelines::in_home_among(conn, follower_id, &ids)?;
    let entries: Vec<HomeTimelineEntry> = ids
        .into_iter()
        .filter(|id| !present.contains(id))
        .map(|status_id| HomeTimelineEntry { account_id: follower_id, status_id, author_id: target.id })
        .collect();
    timelines::insert_home(conn, &entries)
}

/// Keeps non-replies, self-replies, and replies to the follower or to someone they follow.
fn replies_worth_merging(conn: &mut DbConn, follower_id: AccountId, recent: Vec<Status>) -> AppResult<Vec<Status>> {
    let replied_to: Vec<AccountId> = recent.iter().filter_map(|s| s.in_reply_to_account_id).collect();
    let followed: HashSet<AccountId> =
        follows::following_among(conn, follower_id, &replied_to)?.into_iter().map(|f| f.target_account_id).collect();
    Ok(recent
        .into_iter()
        .filter(|s| match s.in_reply_to_account_id {
            Some(to) => to == s.account_id || to == follower_id || followed.contains(&to),
            None => true,
        })
        .collect())
}

pub fn followers(conn: &mut DbConn, account_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let account = crate::service::accounts::get(conn, account_id)?;
    follows::followers_page(conn, account.id, page)
}

pub fn following(conn: &mut DbConn, account_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let account = crate::service::accounts::get(conn, account_id)?;
    follows::following_page(conn, account.id, page)
}
