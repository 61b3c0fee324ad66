//! Groups (FEP-1b12) as their admins and moderators run them. A group is an account without a user: people join
//! by following it (a private group, locked, lets its admins and moderators decide), post to it by mentioning
//! it, and leave by unfollowing; what it announces is in `statuses::groups`.

use crate::config::Settings;
use crate::db::kinds::GroupRole;
use crate::db::models::Account;
use crate::db::queries::{accounts, groups};
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::accounts::{new_local_account, validate_username, Relationship};
use crate::service::views::StatusView;
use crate::service::{account_search, follows, markup, statuses};

const MAX_DISPLAY_NAME: usize = 30;
const MAX_NOTE: usize = 500;

/// A group as asked for: `POST /api/v1/groups` or `hallway group create`.
#[derive(Debug, Default)]
pub struct NewGroup {
    pub username: String,
    pub display_name: String,
    pub note: String,
    /// Locked: joining needs an admin's or moderator's approval.
    pub private: bool,
}

/// Makes a group run by `creator`, its first admin and member.
pub fn create(tx: &mut Tx, settings: &Settings, creator: &Account, input: NewGroup) -> AppResult<Account> {
    validate_username(&input.username)?;
    if accounts::find_by_name(tx, &input.username, None)?.is_some() {
        return Err(AppError::validation("Username has already been taken"));
    }
    if input.display_name.chars().count() > MAX_DISPLAY_NAME || input.note.chars().count() > MAX_NOTE {
        return Err(AppError::validation(format!("A group's name is at most {MAX_DISPLAY_NAME} characters, its description {MAX_NOTE}")));
    }
    let mut group = Account {
        display_name: input.display_name.trim().to_owned(),
        note_html: markup::render(&input.note, &settings.base_url(), &|_| None),
        note_source: input.note,
        locked: input.private,
        is_group: true,
        ..new_local_account(settings, &input.username)
    };
    // A private group's members are nobody else's business: its followers show as a count only.
    group.profile.0.hide_collections = input.private;
    accounts::insert(tx, &group)?;
    account_search::refresh(tx, &group)?;
    groups::set_role(tx, group.id, creator.id, Some(GroupRole::Admin), ids::now())?;
    follows::establish(tx, creator, &group, true, false, None)?;
    accounts::find(tx, group.id)?.ok_or(AppError::NotFound)
}

/// A local group and the role `staff` has in it: admins and moderators only.
fn run_by(conn: &mut DbConn, staff: &Account, group_id: AccountId) -> AppResult<(Account, GroupRole)> {
    let group = accounts::find(conn, group_id)?.filter(|g| g.is_group && g.is_local()).ok_or(AppError::NotFound)?;
    let role = groups::role_of(conn, group.id, staff.id)?.ok_or_else(|| AppError::Forbidden("Only the group's admins and moderators may do this".into()))?;
    Ok((group, role))
}

/// The groups `staff` runs, with its role in each.
pub fn run_by_me(conn: &mut DbConn, staff: &Account) -> AppResult<Vec<(Account, GroupRole)>> {
    groups::run_by(conn, staff.id)?
        .into_iter()
        .map(|(group, role)| Ok((group, GroupRole::parse_as("role", &role)?)))
        .collect()
}

/// Takes a post out of the group: its announce is undone on every instance.
pub fn remove_post(tx: &mut Tx, staff: &Account, group_id: AccountId, status_id: StatusId) -> AppResult<StatusView> {
    let (group, _) = run_by(tx, staff, group_id)?;
    // Only what the group boosted: its staff read nothing else of what is addressed to it through this.
    let boosted = crate::db::queries::statuses::find(tx, status_id)?
        .map(|s| s.reblog_of_id.unwrap_or(s.id))
        .map(|original| crate::db::queries::statuses::find_reblog(tx, group.id, original))
        .transpose()?
        .flatten();
    if boosted.is_none() {
        return Err(AppError::NotFound);
    }
    let view = statuses::unreblog(tx, &group, status_id)?;
    statuses::leave_group(tx, &group, view.status.id)?;
    Ok(view)
}

/// Takes a member out of the group; with `ban`, they cannot join again (until unbanned).
pub fn remove_member(tx: &mut Tx, staff: &Account, group_id: AccountId, member_id: AccountId, ban: bool) -> AppResult<Relationship> {
    let (group, role) = run_by(tx, staff, group_id)?;
    let theirs = groups::role_of(tx, group.id, member_id)?;
    if member_id == staff.id || (theirs.is_some() && role != GroupRole::Admin) {
        return Err(AppError::Forbidden("Only an admin removes the group's admins and moderators, and not themselves".into()));
    }
    groups::set_role(tx, group.id, member_id, None, ids::now())?;
    if ban {
        groups::ban(tx, group.id, member_id, ids::now())?;
        if follows::requests(tx, &group, &Page::default())?.iter().any(|(_, a)| a.id == member_id) {
            follows::reject(tx, &group, member_id)?;
        }
    }
    follows::remove_follower(tx, &group, member_id)
}

/// An admin lets a banned person join again.
pub fn unban(tx: &mut Tx, staff: &Account, group_id: AccountId, member_id: AccountId) -> AppResult<()> {
    let (group, role) = run_by(tx, staff, group_id)?;
    if role != GroupRole::Admin {
        return Err(AppError::Forbidden("Only the group's admins lift a ban".into()));
    }
    groups::unban(tx, group.id, member_id)
}

/// An admin names an admin or a moderator (or, with None, takes the role back); a group keeps one admin.
pub fn set_role(tx: &mut Tx, staff: &Account, group_id: AccountId, account_id: AccountId, role: Option<GroupRole>) -> AppResult<()> {
    let (group, own) = run_by(tx, staff, group_id)?;
    if own != GroupRole::Admin {
        return Err(AppError::Forbidden("Only the group's admins name its admins and moderators".into()));
    }
    // Staff act through this instance's API: local members only.
    let member = accounts::find(tx, account_id)?.filter(|a| a.is_local() && !a.is_group && a.suspended_at.is_none()).ok_or(AppError::NotFound)?;
    if role.is_some() && crate::db::queries::follows::find(tx, member.id, group.id)?.is_none() {
        return Err(AppError::validation("Only a member of the group can run it"));
    }
    let was_admin = groups::role_of(tx, group.id, account_id)? == Some(GroupRole::Admin);
    if was_admin && role != Some(GroupRole::Admin) && groups::count_with_role(tx, group.id, GroupRole::Admin)? == 1 {
        return Err(AppError::validation("A group keeps at least one admin"));
    }
    groups::set_role(tx, group.id, account_id, role, ids::now())
}

/// Who asks to join a private group.
pub fn join_requests(conn: &mut DbConn, staff: &Account, group_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let (group, _) = run_by(conn, staff, group_id)?;
    follows::requests(conn, &group, page)
}

/// Lets someone into a private group, or (`accept` false) turns them away.
pub fn answer_join_request(tx: &mut Tx, staff: &Account, group_id: AccountId, requester_id: AccountId, accept: bool) -> AppResult<Relationship> {
    let (group, _) = run_by(tx, staff, group_id)?;
    if accept {
        follows::authorize(tx, &group, requester_id)
    } else {
        follows::reject(tx, &group, requester_id)
    }
}
