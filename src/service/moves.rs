//! Accounts that move (Mastodon's Move): the account that moves names where it went (`movedTo`), and its
//! followers follow the new account instead. The target must name the origin among its aliases
//! (`alsoKnownAs`), so that nobody can send someone's followers to an account of their own. A local move
//! and a Move received from a peer go through `followers_move`.

use crate::db::models::Account;
use crate::db::queries::{accounts, follows as follow_rows};
use crate::db::tx::Outbound;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::service::follows::{self, FollowOptions};

/// Moves a local account to `target` (on this instance or another), as `hallway move-account` asks.
pub fn move_account(tx: &mut Tx, origin: &Account, target: &Account) -> AppResult<usize> {
    if !origin.is_local() {
        return Err(AppError::validation("Only a local account can be moved from here"));
    }
    check_move(origin, target)?;
    accounts::set_moved_to(tx, origin.id, &target.uri)?;
    let moved = accounts::find(tx, origin.id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::AccountMoved { account: &moved, target })?;
    followers_move(tx, &moved, target)
}

/// A peer says its account `origin` moved to `target` (fetched again just before, so its aliases are
/// current): the account is marked as moved and the local followers follow the target.
pub fn moved_from_remote(tx: &mut Tx, origin: &Account, target: &Account) -> AppResult<usize> {
    check_move(origin, target)?;
    accounts::set_moved_to(tx, origin.id, &target.uri)?;
    followers_move(tx, origin, target)
}

fn check_move(origin: &Account, target: &Account) -> AppResult<()> {
    if origin.id == target.id || target.suspended_at.is_some() || target.moved_to_uri.is_some() {
        return Err(AppError::validation("An account can only move to another active account"));
    }
    if !target.also_known_as.contains(&origin.uri) {
        return Err(AppError::validation(format!("{} does not name {} among its aliases (alsoKnownAs)", target.uri, origin.uri)));
    }
    Ok(())
}

/// Each local follower of `origin` follows `target` with the same options and leaves `origin`; answers how
/// many followed. A follower the target blocks (or who blocks it) only leaves.
fn followers_move(tx: &mut Tx, origin: &Account, target: &Account) -> AppResult<usize> {
    let mut moved = 0;
    for follow in follow_rows::local_followers(tx, origin.id)? {
        let Some(follower) = accounts::find(tx, follow.account_id)? else { continue };
        if follower.id != target.id {
            let options = FollowOptions { reblogs: Some(follow.show_reblogs), notify: Some(follow.notify) };
            match follows::follow(tx, &follower, target.id, options) {
                Ok(_) => moved += 1,
                Err(AppError::Forbidden(_)) => {}
                Err(e) => return Err(e),
            }
        }
        follows::unfollow(tx, &follower, origin.id)?;
    }
    Ok(moved)
}
