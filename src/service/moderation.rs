//! What admins and moderators do to accounts: warn, mark sensitive, disable, silence, suspend, and undo each;
//! approve or reject registrations; delete a suspended account's data. Every action is audited.

use crate::db::kinds::{AccountAction, AuditAction, Role};
use crate::db::models::{Account, User};
use crate::db::queries::accounts::{self, AdminFilter};
use crate::db::queries::{follows, oauth, reports, users};
use crate::db::tx::Outbound;
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::audit::{self, Actor, Target};

const MAX_TEXT: usize = 2_000;

/// Who acts, with the role that decides what they may do.
#[derive(Debug, Clone)]
pub struct Staff {
    pub actor: Actor,
    pub role: Role,
}

impl Staff {
    pub fn of(account: &Account, user: &User) -> Staff {
        Staff { actor: Actor::of(account), role: user.role }
    }

    pub fn command_line(actor: Actor) -> Staff {
        Staff { actor, role: Role::Admin }
    }

    pub fn account_id(&self) -> Option<AccountId> {
        self.actor.account_id()
    }

    /// As Mastodon's roles: one acts only on lower roles (moderators on users, admins on users and moderators),
    /// and nobody on their own account; an admin is acted on from the command line only.
    pub fn may_act_on(&self, target: &Managed) -> AppResult<()> {
        if matches!(self.actor, Actor::CommandLine { .. }) {
            return Ok(());
        }
        if self.account_id() == Some(target.account.id) {
            return Err(AppError::Forbidden("You cannot moderate your own account".into()));
        }
        let rank = |role: Role| match role {
            Role::User => 0,
            Role::Moderator => 1,
            Role::Admin => 2,
        };
        let target_role = target.user.as_ref().map_or(Role::User, |u| u.role);
        if rank(target_role) >= rank(self.role) {
            return Err(AppError::Forbidden("You can only moderate accounts of a lower role".into()));
        }
        Ok(())
    }
}

/// An account as moderators see it: with its user when it is local.
#[derive(Debug, Clone)]
pub struct Managed {
    pub account: Account,
    pub user: Option<User>,
}

pub fn get(conn: &mut DbConn, account_id: AccountId) -> AppResult<Managed> {
    let account = accounts::find(conn, account_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, account_id)?;
    Ok(Managed { account, user })
}

pub fn list(conn: &mut DbConn, filter: &AdminFilter, page: &Page) -> AppResult<Vec<Managed>> {
    Ok(accounts::admin_page(conn, filter, page)?.into_iter().map(|(account, user)| Managed { account, user }).collect())
}

/// What a moderator gives with an action.
#[derive(Debug, Default)]
pub struct ActionInput {
    pub report_id: Option<i64>,
    pub text: String,
}

/// Takes an action on an account; the report it answers (or, for an action other than a warning, every open
/// report about the account) is resolved.
pub fn act(tx: &mut Tx, staff: &Staff, account_id: AccountId, action: AccountAction, input: &ActionInput) -> AppResult<()> {
    if input.text.chars().count() > MAX_TEXT {
        return Err(AppError::validation(format!("Text is too long (maximum is {MAX_TEXT} characters)")));
    }
    let target = get(tx, account_id)?;
    staff.may_act_on(&target)?;
    if let Some(report_id) = input.report_id {
        let report = reports::find(tx, report_id)?.filter(|r| r.target_account_id == account_id).ok_or(AppError::NotFound)?;
        reports::resolve(tx, report.id, staff.account_id(), ids::now())?;
    }
    let now = ids::now();
    let logged = match action {
        AccountAction::Warn => AuditAction::WarnAccount,
        AccountAction::Sensitive => {
            accounts::set_sensitized(tx, account_id, Some(now))?;
            AuditAction::SensitiveAccount
        }
        AccountAction::Disable => {
            let user = target.user.as_ref().ok_or_else(|| AppError::validation("Only local users can be disabled"))?;
            // Their tokens stay, refused while disabled (as Mastodon does), and work again when enabled.
            users::set_disabled(tx, user.account_id, true)?;
            AuditAction::DisableUser
        }
        AccountAction::Silence => {
            accounts::set_silenced(tx, account_id, Some(now))?;
            AuditAction::SilenceAccount
        }
        AccountAction::Suspend => {
            suspend(tx, &target.account, true)?;
            AuditAction::SuspendAccount
        }
    };
    if action != AccountAction::Warn && input.report_id.is_none() {
        reports::resolve_about(tx, account_id, staff.account_id(), now)?;
    }
    audit::record(tx, &staff.actor, logged, Target::account(&target.account), &input.text)
}

/// Suspends or restores an account: a local one is signed out and its deletion (or return) federated; a remote
/// one is hidden here only.
pub fn suspend(tx: &mut Tx, account: &Account, suspended: bool) -> AppResult<()> {
    accounts::set_suspended(tx, account.id, suspended.then(ids::now))?;
    if !account.is_local() {
        return Ok(());
    }
    if suspended {
        oauth::delete_tokens_of(tx, account.id)?;
        tx.federate(Outbound::AccountDeleted(account))
    } else {
        tx.federate(Outbound::AccountRestored(account))
    }
}

/// The undoing of an action, and the answers to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    Approve,
    Reject,
    Enable,
    Unsilence,
    Unsuspend,
    Unsensitive,
}

/// Undoes an action or answers a registration; returns the account as it is now (for a rejection, as it was).
pub fn reverse(tx: &mut Tx, staff: &Staff, account_id: AccountId, reversal: Reversal) -> AppResult<Managed> {
    let target = get(tx, account_id)?;
    staff.may_act_on(&target)?;
    let logged = match reversal {
        Reversal::Approve | Reversal::Reject => {
            let user = target.user.as_ref().filter(|u| !u.approved).ok_or_else(|| AppError::Forbidden("This account is not awaiting approval".into()))?;
            if reversal == Reversal::Approve {
                users::set_approved(tx, user.account_id)?;
                AuditAction::ApproveUser
            } else {
                accounts::delete(tx, account_id)?;
                AuditAction::RejectUser
            }
        }
        Reversal::Enable => {
            users::set_disabled(tx, account_id, false)?;
            AuditAction::EnableUser
        }
        Reversal::Unsilence => {
            accounts::set_silenced(tx, account_id, None)?;
            AuditAction::UnsilenceAccount
        }
        Reversal::Unsuspend => {
            if target.account.suspended_at.is_some() {
                suspend(tx, &target.account, false)?;
            }
            AuditAction::UnsuspendAccount
        }
        Reversal::Unsensitive => {
            accounts::set_sensitized(tx, account_id, None)?;
            AuditAction::UnsensitiveAccount
        }
    };
    audit::record(tx, &staff.actor, logged, Target::account(&target.account), "")?;
    if reversal == Reversal::Reject {
        return Ok(target);
    }
    get(tx, account_id)
}

/// Deletes what a suspended account left here, for good; only admins do.
pub fn delete_data(tx: &mut Tx, staff: &Staff, account_id: AccountId) -> AppResult<Managed> {
    let target = get(tx, account_id)?;
    if staff.role != Role::Admin {
        return Err(AppError::Forbidden("Only an admin can delete an account's data".into()));
    }
    staff.may_act_on(&target)?;
    if target.account.suspended_at.is_none() {
        return Err(AppError::Forbidden("Only a suspended account's data can be deleted".into()));
    }
    if crate::db::queries::retention::find_hold(tx, account_id)?.is_some() {
        return Err(AppError::Forbidden("This account is on legal hold: its data is kept until the hold is lifted".into()));
    }
    for followed in follows::following_ids(tx, account_id)? {
        accounts::add_followers(tx, followed, -1)?;
    }
    for follower in follows::follower_ids(tx, account_id)? {
        accounts::add_following(tx, follower, -1)?;
    }
    accounts::delete(tx, account_id)?;
    audit::record(tx, &staff.actor, AuditAction::DestroyAccount, Target::account(&target.account), "")?;
    Ok(target)
}
