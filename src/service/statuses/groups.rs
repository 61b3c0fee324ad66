//! What a group does with the statuses addressed to it (FEP-1b12): it announces each status of a member that
//! mentions it, or that answers a status it announced, so that the conversation reaches every member's home
//! on every instance.

use crate::db::kinds::Visibility;
use crate::db::models::{Account, Status};
use crate::db::queries::{accounts, follows, groups, statuses};
use crate::db::tx::Outbound;
use crate::db::{DbConn, Tx};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};
use crate::service::views;

/// Each local group a new status addresses announces it, when its author is a member (a follower) and not
/// banned: an open (public or unlisted) status to all, and a private mention of a private group as a
/// members-only post, to its members only. A division-only status is announced in the division only.
pub fn announce_addressed(tx: &mut Tx, status: &Status, mentioned_ids: &[AccountId], parent: Option<&Status>) -> AppResult<()> {
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    if status.visibility == Visibility::Direct {
        return announce_members_only(tx, status, mentioned_ids);
    }
    if !status.visibility.is_open() {
        return Ok(());
    }
    let mut addressed: Vec<Account> = accounts::find_many(tx, mentioned_ids)?.into_iter().filter(|a| a.is_group && a.is_local()).collect();
    if let Some(parent) = parent {
        for group in groups::announcing(tx, parent.id)?.into_iter().filter(Account::is_local) {
            if !addressed.iter().any(|a| a.id == group.id) {
                addressed.push(group);
            }
        }
    }
    for group in addressed {
        if group.suspended_at.is_some() || group.id == status.account_id {
            continue;
        }
        if may_post_to(tx, &group, status.account_id)? {
            // A private group's boosts are for its members.
            let visibility = if group.locked { Visibility::Private } else { status.visibility };
            super::interactions::reblog(tx, &group, status.id, Some(visibility))?;
        }
    }
    Ok(())
}

/// A private mention of private groups by one of their members: the first such group takes it as a
/// members-only post (`group_id`) and boosts it to its members, here and on their instances.
fn announce_members_only(tx: &mut Tx, status: &Status, mentioned_ids: &[AccountId]) -> AppResult<()> {
    for group in accounts::find_many(tx, mentioned_ids)?.into_iter().filter(|a| a.is_group && a.is_local() && a.locked && a.suspended_at.is_none()) {
        if !may_post_to(tx, &group, status.account_id)? {
            continue;
        }
        statuses::set_group(tx, status.id, Some(group.id))?;
        let original = Status { group_id: Some(group.id), ..status.clone() };
        super::interactions::boost(tx, &group, &original, Visibility::Private)?;
        return Ok(());
    }
    Ok(())
}

/// Whether the group boosts what `author` addresses to it: a member (a follower) it has not banned.
fn may_post_to(conn: &mut DbConn, group: &Account, author: AccountId) -> AppResult<bool> {
    Ok(follows::find(conn, author, group.id)?.is_some() && !groups::is_banned(conn, group.id, author)?)
}

/// What a group's boost of a status that is not open can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembersOnly {
    /// Not a members-only post of this group: refused.
    No,
    /// One of the group's already.
    Already,
    /// On its author's instance: a private mention of the (private) group by a member, which becomes one.
    Becomes,
}

/// Whether a group's boost of `original` is of one of its members-only posts.
pub fn members_only_boost(conn: &mut DbConn, group: &Account, original: &Status) -> AppResult<MembersOnly> {
    if !group.is_group || !group.locked {
        return Ok(MembersOnly::No);
    }
    if original.group_id == Some(group.id) {
        return Ok(MembersOnly::Already);
    }
    if original.group_id.is_some() || original.visibility != Visibility::Direct || !original.local {
        return Ok(MembersOnly::No);
    }
    let mentions_group = statuses::mentions_of(conn, &[original.id])?.iter().any(|m| m.account_id == group.id);
    let member = follows::find(conn, original.account_id, group.id)?.is_some();
    Ok(if mentions_group && member { MembersOnly::Becomes } else { MembersOnly::No })
}

/// A group took its boost of a status back: a members-only post of it is no group's any more (readable by its
/// author and whom it mentions only, wherever it was kept).
pub fn leave_group(tx: &mut Tx, group: &Account, status_id: StatusId) -> AppResult<()> {
    match statuses::find(tx, status_id)? {
        Some(status) if group.is_group && status.group_id == Some(group.id) => statuses::set_group(tx, status_id, None),
        _ => Ok(()),
    }
}

/// A status a local group boosted is going (its author deleted it): the group takes its boost back on its
/// members' instances, which may not hear of the deletion otherwise (they follow the group, not the author).
pub fn withdraw_boost(tx: &mut Tx, reblog: &Status) -> AppResult<()> {
    let Some(group) = accounts::find(tx, reblog.account_id)?.filter(|a| a.is_group && a.is_local()) else { return Ok(()) };
    if let Some(view) = views::status_for(tx, Some(group.id), reblog.id)? {
        tx.federate(Outbound::Unreblogged(&view))?;
    }
    Ok(())
}

/// The groups an answer to `parent` goes to without naming them (Mastodon clients answer a boost by mentioning
/// the author only): an open answer goes to the groups that boosted the parent and that the author is a member
/// of, wherever they are; a private mention answering a members-only post goes to that post's group (it stays
/// members-only). Other answers go to no group: a private reply is not the group's to spread.
pub fn of_thread(conn: &mut DbConn, author: &Account, parent: &Status, visibility: Visibility) -> AppResult<Vec<Account>> {
    let candidates: Vec<Account> = match visibility {
        Visibility::Public | Visibility::Unlisted => groups::announcing(conn, parent.id)?,
        Visibility::Direct => match parent.group_id {
            Some(group_id) => accounts::find_many(conn, &[group_id])?,
            None => Vec::new(),
        },
        Visibility::Private => Vec::new(),
    };
    let mut joined = Vec::new();
    for group in candidates {
        if follows::find(conn, author.id, group.id)?.is_some() {
            joined.push(group);
        }
    }
    Ok(joined)
}
