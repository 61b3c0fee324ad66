//! People the company directory vouches for. Their local account is made at their first sign-in and kept
//! in step with the directory (email, display name, role); while the directory refuses them the account is
//! suspended and signed out, and it comes back when the directory takes them back. Reaching the directory
//! (LDAP, OpenID Connect) is `crate::directory`'s work: this module only sees what it found.

use crate::config::Settings;
use crate::db::kinds::{AuditAction, IdentityProvider, Role};
use crate::db::models::{Account, OidcLogin, UserIdentity};
use crate::db::queries::{accounts, identities, oauth, users};
use crate::db::tx::Outbound;
use crate::db::{DbConn, Tx};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::accounts::{change_role, insert_local_user, LocalUser};
use crate::service::audit::{self, Actor, Target};

const MAX_USERNAME: usize = 30;

/// A person as the directory describes them.
#[derive(Debug, Clone)]
pub struct DirectoryPerson {
    pub provider: IdentityProvider,
    /// What names them in the directory for good: an LDAP DN, an OpenID `sub`.
    pub subject: String,
    /// Their name in the directory (uid, preferred_username), made into a Mastodon username on first sign-in.
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// None when the directory's groups give no roles (they are then set with `hallway user role`).
    pub role: Option<Role>,
}

/// The role the directory's groups give: membership of the admin and the moderator group (None where that
/// group is not configured); None when neither is, so that roles are left to `hallway user role`.
pub fn role_from_groups(admin: Option<bool>, moderator: Option<bool>) -> Option<Role> {
    match (admin, moderator) {
        (Some(true), _) => Some(Role::Admin),
        (_, Some(true)) => Some(Role::Moderator),
        (None, None) => None,
        _ => Some(Role::User),
    }
}

/// The directory vouches for this person (at a sign-in or a sync): their account, made or brought up to
/// date, and restored if the directory had refused them. None when a moderator suspended the account: the
/// directory does not lift that.
pub fn vouched(tx: &mut Tx, settings: &Settings, person: &DirectoryPerson) -> AppResult<Option<Account>> {
    let account = match identities::find(tx, person.provider, &person.subject)? {
        Some(identity) => {
            let account = accounts::find(tx, identity.account_id)?.ok_or(AppError::NotFound)?;
            if identity.disabled_at.is_some() {
                restore(tx, &account)?;
            } else if account.suspended_at.is_some() {
                return Ok(None);
            }
            account
        }
        None => match link_by_email(tx, person)? {
            Some(account) => account,
            None => create(tx, settings, person)?,
        },
    };
    bring_up_to_date(tx, &account, person)?;
    identities::set_synced(tx, account.id, ids::now())?;
    accounts::find(tx, account.id)
}

/// The directory no longer knows this person or refuses them: their account is suspended and signed out,
/// and other instances are told, as `hallway user suspend` does. True when it was suspended now.
pub fn refused(tx: &mut Tx, identity: &UserIdentity) -> AppResult<bool> {
    let now = ids::now();
    identities::set_synced(tx, identity.account_id, now)?;
    if identity.disabled_at.is_some() {
        return Ok(false);
    }
    let Some(account) = accounts::find(tx, identity.account_id)? else { return Ok(false) };
    if account.suspended_at.is_some() {
        return Ok(false);
    }
    accounts::set_suspended(tx, account.id, Some(now))?;
    oauth::delete_tokens_of(tx, account.id)?;
    identities::set_disabled(tx, account.id, Some(now))?;
    tx.federate(Outbound::AccountDeleted(&account))?;
    audit::record(tx, &Actor::Directory, AuditAction::SuspendAccount, Target::account(&account), "the directory refuses this person")?;
    Ok(true)
}

/// How long a sign-in at the OpenID provider may take.
const OIDC_LOGIN_MINUTES: i64 = 10;

/// Remembers a sign-in sent to the OpenID provider (and forgets those abandoned long ago).
pub fn begin_oidc_login(conn: &mut DbConn, login: &OidcLogin) -> AppResult<()> {
    identities::prune_oidc_logins(conn, ids::now() - chrono::Duration::hours(1))?;
    identities::insert_oidc_login(conn, login)
}

/// The sign-in the provider's callback names by its state, once, and only while it is fresh.
pub fn take_oidc_login(conn: &mut DbConn, state: &str) -> AppResult<Option<OidcLogin>> {
    identities::take_oidc_login(conn, state, ids::now() - chrono::Duration::minutes(OIDC_LOGIN_MINUTES))
}

/// The accounts a directory vouched for, for a sync.
pub fn identities_of(conn: &mut DbConn, provider: IdentityProvider) -> AppResult<Vec<UserIdentity>> {
    identities::of_provider(conn, provider)
}

fn restore(tx: &mut Tx, account: &Account) -> AppResult<()> {
    accounts::set_suspended(tx, account.id, None)?;
    identities::set_disabled(tx, account.id, None)?;
    tx.federate(Outbound::AccountRestored(account))?;
    audit::record(tx, &Actor::Directory, AuditAction::UnsuspendAccount, Target::account(account), "the directory allows this person again")
}

/// A local user an administrator made before the directory was configured, with the person's email, becomes
/// theirs. Its password and tokens go: whoever chose that password is not known to be this person.
fn link_by_email(tx: &mut Tx, person: &DirectoryPerson) -> AppResult<Option<Account>> {
    let Some(email) = person.email.as_deref() else { return Ok(None) };
    let Some(user) = users::find_by_email(tx, email)? else { return Ok(None) };
    if identities::of_account(tx, user.account_id)?.is_some() {
        return Ok(None);
    }
    let Some(account) = accounts::find(tx, user.account_id)? else { return Ok(None) };
    users::set_password(tx, account.id, "")?;
    oauth::delete_tokens_of(tx, account.id)?;
    remember(tx, person, &account)?;
    Ok(Some(account))
}

fn create(tx: &mut Tx, settings: &Settings, person: &DirectoryPerson) -> AppResult<Account> {
    let username = free_username(tx, &person.username)?;
    let email = match person.email.as_deref().map(|e| e.trim().to_lowercase()) {
        Some(email) if email.contains('@') && users::find_by_email(tx, &email)?.is_none() => email,
        _ => format!("{username}@{}", settings.domain.split(':').next().unwrap_or(&settings.domain)),
    };
    let user = LocalUser { username: &username, email, password_hash: String::new(), role: person.role.unwrap_or(Role::User), approved: true };
    let account = insert_local_user(tx, settings, user)?;
    remember(tx, person, &account)?;
    Ok(account)
}

fn remember(tx: &mut Tx, person: &DirectoryPerson, account: &Account) -> AppResult<()> {
    let now = ids::now();
    identities::insert(
        tx,
        &UserIdentity {
            account_id: account.id,
            provider: person.provider,
            subject: person.subject.clone(),
            disabled_at: None,
            synced_at: now,
            created_at: now,
        },
    )
}

fn bring_up_to_date(tx: &mut Tx, account: &Account, person: &DirectoryPerson) -> AppResult<()> {
    let user = users::find(tx, account.id)?.ok_or(AppError::NotFound)?;
    if let Some(role) = person.role.filter(|role| *role != user.role) {
        change_role(tx, &Actor::Directory, account, role)?;
    }
    if let Some(email) = person.email.as_deref().map(|e| e.trim().to_lowercase()).filter(|e| e.contains('@') && *e != user.email) {
        if users::find_by_email(tx, &email)?.is_none() {
            users::set_email(tx, account.id, &email)?;
        }
    }
    let display_name = person.display_name.as_deref().map(str::trim).filter(|name| !name.is_empty());
    if let Some(name) = display_name.filter(|name| *name != account.display_name) {
        let name: String = name.chars().take(crate::service::accounts::MAX_DISPLAY_NAME).collect();
        accounts::set_display_name(tx, account.id, &name, ids::now())?;
        let updated = accounts::find(tx, account.id)?.ok_or(AppError::NotFound)?;
        tx.federate(Outbound::ProfileUpdated(&updated))?;
    }
    Ok(())
}

/// The directory's name made into a Mastodon username (ASCII letters, digits and underscores, 30 at most),
/// with a number added when another account has it.
fn free_username(conn: &mut DbConn, directory_name: &str) -> AppResult<String> {
    let base = mastodon_username(directory_name);
    for n in 1..1000u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            let suffix = format!("_{n}");
            format!("{}{suffix}", base.chars().take(MAX_USERNAME - suffix.len()).collect::<String>())
        };
        if accounts::find_by_name(conn, &candidate, None)?.is_none() {
            return Ok(candidate);
        }
    }
    Err(AppError::validation("No free username for this person"))
}

pub fn mastodon_username(directory_name: &str) -> String {
    let mut name = String::new();
    for c in directory_name.trim().chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' };
        if !(c == '_' && (name.is_empty() || name.ends_with('_'))) {
            name.push(c);
        }
    }
    let name: String = name.trim_end_matches('_').chars().take(MAX_USERNAME).collect();
    if name.is_empty() { "user".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::mastodon_username;

    #[test]
    fn directory_names_become_mastodon_usernames() {
        assert_eq!(mastodon_username("Ann.Lee"), "ann_lee");
        assert_eq!(mastodon_username("  josé-maría  "), "jos_mar_a");
        assert_eq!(mastodon_username("__x__"), "x");
        assert_eq!(mastodon_username("ééé"), "user");
        assert_eq!(mastodon_username(&"a".repeat(40)).len(), 30);
    }
}
