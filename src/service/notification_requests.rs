//! Notification policies and requests (Mastodon 4.3): what strangers' notifications become, and the
//! requests that gather those set aside until their recipient accepts or dismisses them.

use chrono::Duration;

use crate::db::kinds::{NotificationKind, PolicyAction, Role, Visibility};
use crate::db::models::{Account, NotificationPolicy, NotificationRequest};
use crate::db::queries::{accounts, follows, notification_requests as requests, statuses, users};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::views::{self, StatusView};

/// An account younger than this is new to the policy.
const NEW_ACCOUNT_DAYS: i64 = 30;
/// A follower of less than this is not yet a follower to the policy.
const NEW_FOLLOWER_DAYS: i64 = 3;

pub fn policy(conn: &mut DbConn, owner: &Account) -> AppResult<NotificationPolicy> {
    Ok(requests::policy_of(conn, owner.id)?.unwrap_or_else(|| NotificationPolicy::default_for(owner.id)))
}

/// What a client changes of the policy; the rest stays.
#[derive(Default)]
pub struct PolicyChange {
    pub for_not_following: Option<PolicyAction>,
    pub for_not_followers: Option<PolicyAction>,
    pub for_new_accounts: Option<PolicyAction>,
    pub for_private_mentions: Option<PolicyAction>,
    pub for_limited_accounts: Option<PolicyAction>,
}

pub fn update_policy(conn: &mut DbConn, owner: &Account, change: PolicyChange) -> AppResult<NotificationPolicy> {
    let current = policy(conn, owner)?;
    let updated = NotificationPolicy {
        account_id: owner.id,
        for_not_following: change.for_not_following.unwrap_or(current.for_not_following),
        for_not_followers: change.for_not_followers.unwrap_or(current.for_not_followers),
        for_new_accounts: change.for_new_accounts.unwrap_or(current.for_new_accounts),
        for_private_mentions: change.for_private_mentions.unwrap_or(current.for_private_mentions),
        for_limited_accounts: change.for_limited_accounts.unwrap_or(current.for_limited_accounts),
        updated_at: ids::now(),
    };
    requests::save_policy(conn, &updated)?;
    Ok(updated)
}

/// (requests, notifications) waiting for the owner.
pub fn pending(conn: &mut DbConn, owner: &Account) -> AppResult<(i64, i64)> {
    requests::pending(conn, owner.id)
}

/// What the recipient's policy makes of a notification from `sender`: the strictest action among the ways
/// the sender is a stranger. Staff, accepted senders and the kinds Mastodon never filters pass.
pub fn screen(conn: &mut DbConn, recipient: AccountId, sender: &Account, kind: NotificationKind, status_id: Option<StatusId>) -> AppResult<PolicyAction> {
    // As Mastodon: what the recipient asked for (posts of those they subscribed to, edits of polls they voted
    // in or of what they boosted or quoted) is never screened.
    let asked_for = matches!(kind, NotificationKind::Poll | NotificationKind::Update | NotificationKind::Status | NotificationKind::QuotedUpdate);
    if asked_for || requests::permits(conn, recipient, sender.id)? {
        return Ok(PolicyAction::Accept);
    }
    if users::find(conn, sender.id)?.is_some_and(|user| matches!(user.role, Role::Admin | Role::Moderator)) {
        return Ok(PolicyAction::Accept);
    }
    let policy = requests::policy_of(conn, recipient)?.unwrap_or_else(|| NotificationPolicy::default_for(recipient));
    let now = ids::now();
    let recipient_follows = follows::find(conn, recipient, sender.id)?.is_some();
    let follower_since = follows::find(conn, sender.id, recipient)?.map(|f| f.created_at);
    let mut actions = Vec::new();
    if sender.silenced_at.is_some() && !recipient_follows {
        actions.push(policy.for_limited_accounts);
    }
    if !recipient_follows {
        actions.push(policy.for_not_following);
    }
    if !follower_since.is_some_and(|since| since <= now - Duration::days(NEW_FOLLOWER_DAYS)) {
        actions.push(policy.for_not_followers);
    }
    if sender.created_at > now - Duration::days(NEW_ACCOUNT_DAYS) {
        actions.push(policy.for_new_accounts);
    }
    if kind == NotificationKind::Mention && !recipient_follows && is_unsolicited_private_mention(conn, recipient, status_id)? {
        actions.push(policy.for_private_mentions);
    }
    Ok(strictest(&actions))
}

fn strictest(actions: &[PolicyAction]) -> PolicyAction {
    let rank = |action: &PolicyAction| match action {
        PolicyAction::Accept => 0,
        PolicyAction::Filter => 1,
        PolicyAction::Drop => 2,
    };
    actions.iter().copied().max_by_key(rank).unwrap_or(PolicyAction::Accept)
}

/// A direct status that does not answer one of the recipient's own.
fn is_unsolicited_private_mention(conn: &mut DbConn, recipient: AccountId, status_id: Option<StatusId>) -> AppResult<bool> {
    let Some(status) = status_id.map(|id| statuses::find(conn, id)).transpose()?.flatten() else { return Ok(false) };
    Ok(status.visibility == Visibility::Direct && status.in_reply_to_account_id != Some(recipient))
}

/// Counts a filtered notification in the request of its sender (made at the first one).
pub fn record_filtered(conn: &mut DbConn, recipient: AccountId, sender: AccountId, status_id: Option<StatusId>) -> AppResult<()> {
    let now = ids::now();
    match requests::find_by_sender(conn, recipient, sender)? {
        Some(request) => requests::count_one_more(conn, request.id, status_id, now),
        None => requests::insert(
            conn,
            &NotificationRequest {
                id: ids::next_id(),
                account_id: recipient,
                from_account_id: sender,
                last_status_id: status_id,
                notifications_count: 1,
                created_at: now,
                updated_at: now,
            },
        ),
    }
}

/// A request with its sender and the last status it concerns, as its owner may see them.
pub struct RequestView {
    pub request: NotificationRequest,
    pub account: Account,
    pub last_status: Option<StatusView>,
}

fn view(conn: &mut DbConn, owner: &Account, request: NotificationRequest) -> AppResult<Option<RequestView>> {
    let Some(account) = accounts::find(conn, request.from_account_id)?.filter(|a| a.suspended_at.is_none()) else { return Ok(None) };
    let last_status = match request.last_status_id {
        Some(id) => views::status_for(conn, Some(owner.id), id)?,
        None => None,
    };
    Ok(Some(RequestView { request, account, last_status }))
}

pub fn list(conn: &mut DbConn, owner: &Account, page: &Page) -> AppResult<Vec<RequestView>> {
    let mut listed = Vec::new();
    for request in requests::page(conn, owner.id, page)? {
        listed.extend(view(conn, owner, request)?);
    }
    Ok(listed)
}

pub fn get(conn: &mut DbConn, owner: &Account, request_id: i64) -> AppResult<RequestView> {
    let request = requests::find(conn, owner.id, request_id)?.ok_or(AppError::NotFound)?;
    view(conn, owner, request)?.ok_or(AppError::NotFound)
}

/// The sender's notifications join the lists, and later ones are never filtered.
pub fn accept(conn: &mut DbConn, owner: &Account, request_id: i64) -> AppResult<()> {
    let request = requests::find(conn, owner.id, request_id)?.ok_or(AppError::NotFound)?;
    requests::permit(conn, owner.id, request.from_account_id)?;
    requests::release_notifications(conn, owner.id, request.from_account_id)?;
    requests::delete(conn, request.id)
}

/// The sender's filtered notifications go; later ones are filtered again.
pub fn dismiss(conn: &mut DbConn, owner: &Account, request_id: i64) -> AppResult<()> {
    let request = requests::find(conn, owner.id, request_id)?.ok_or(AppError::NotFound)?;
    requests::delete_filtered_notifications(conn, owner.id, request.from_account_id)?;
    requests::delete(conn, request.id)
}

/// Accepts or dismisses several requests; unknown ones are passed over, as Mastodon does.
pub fn answer_many(conn: &mut DbConn, owner: &Account, request_ids: &[i64], accepted: bool) -> AppResult<()> {
    for &id in request_ids {
        let answered = if accepted { accept(conn, owner, id) } else { dismiss(conn, owner, id) };
        match answered {
            Err(AppError::NotFound) | Ok(()) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}
