//! What a group does with the statuses addressed to it (FEP-1b12): it announces each status of a member that
//! mentions it, or that answers a status it announced, so that the conversation reaches every member's home
//! on every instance.

use crate::db::kinds::Visibility;
use crate::db::models::{Account, Status};
use crate::db::queries::{accounts, follows, groups};
use crate::db::{DbConn, Tx};
use crate::error::AppResult;
use crate::ids::AccountId;

/// Each local group a new status addresses announces it, when its author is a member (a follower) and not
/// banned and the status is open (public or unlisted). A division-only status is announced in the division
/// only (the announce is division-only too).
pub fn announce_addressed(tx: &mut Tx, status: &Status, mentioned_ids: &[AccountId], parent: Option<&Status>) -> AppResult<()> {
    if status.reblog_of_id.is_some() || !status.visibility.is_open() {
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
        let member = follows::find(tx, status.account_id, group.id)?.is_some();
        if member && !groups::is_banned(tx, group.id, status.account_id)? {
            // A private group's boosts are for its members.
            let visibility = if group.locked { Visibility::Private } else { status.visibility };
            super::interactions::reblog(tx, &group, status.id, Some(visibility))?;
        }
    }
    Ok(())
}

/// The groups an answer to `parent` goes to without naming them: those that announced it and that the author
/// is a member of, wherever they are (Mastodon clients answer a boost by mentioning the author only).
pub fn of_thread(conn: &mut DbConn, author: &Account, parent: &Status) -> AppResult<Vec<Account>> {
    let mut joined = Vec::new();
    for group in groups::announcing(conn, parent.id)? {
        if follows::find(conn, author.id, group.id)?.is_some() {
            joined.push(group);
        }
    }
    Ok(joined)
}
