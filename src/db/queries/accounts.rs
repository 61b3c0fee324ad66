use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Account, ProfileChanges, RemoteActorChanges};
use crate::db::schema::accounts::dsl::*;
use crate::db::{lower, DbConn};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    note(Stale::InstanceStats);
    diesel::insert_into(accounts).values(account.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<Account>> {
    Ok(accounts.find(account_id).select(Account::as_select()).first(conn).optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[AccountId]) -> AppResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(accounts.filter(id.eq_any(ids)).select(Account::as_select()).load(conn)?)
}

/// An account by username (case-insensitive) and domain (None for local accounts).
pub fn find_by_name(conn: &mut DbConn, name: &str, account_domain: Option<&str>) -> AppResult<Option<Account>> {
    let query = accounts.filter(lower(username).eq(name.to_lowercase())).select(Account::as_select());
    let found = match account_domain {
        None => query.filter(domain.is_null()).first(conn).optional()?,
        Some(d) => query.filter(lower(domain.assume_not_null()).eq(d.to_lowercase())).first(conn).optional()?,
    };
    Ok(found)
}

pub fn list_local(conn: &mut DbConn) -> AppResult<Vec<Account>> {
    Ok(accounts.filter(domain.is_null()).order(id.asc()).select(Account::as_select()).load(conn)?)
}

pub fn count_local(conn: &mut DbConn) -> AppResult<i64> {
    Ok(accounts.filter(domain.is_null()).filter(suspended_at.is_null()).count().get_result(conn)?)
}

/// Local statuses, from the local accounts' maintained counts (reblogs included, as each account's count).
pub fn sum_local_statuses(conn: &mut DbConn) -> AppResult<i64> {
    let sum: Option<i64> = accounts.filter(domain.is_null()).select(diesel::dsl::sum(statuses_count)).first(conn)?;
    Ok(sum.unwrap_or(0))
}

pub fn count_domains(conn: &mut DbConn) -> AppResult<i64> {
    Ok(accounts.filter(domain.is_not_null()).select(domain).distinct().count().get_result(conn)?)
}

pub fn update_profile(conn: &mut DbConn, account_id: AccountId, changes: &ProfileChanges) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(changes.clone()).execute(conn)?;
    Ok(())
}

/// Sets a local account's aliases (`alsoKnownAs`).
pub fn set_aliases(conn: &mut DbConn, account_id: AccountId, aliases: &[String]) -> AppResult<()> {
    note(Stale::Account(account_id));
    let text = serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into());
    diesel::update(accounts.find(account_id)).set(also_known_as_json.eq(text)).execute(conn)?;
    Ok(())
}

/// Records where an account moved (its `movedTo`).
pub fn set_moved_to(conn: &mut DbConn, account_id: AccountId, target_uri: &str) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(moved_to_uri.eq(target_uri)).execute(conn)?;
    Ok(())
}

pub fn refresh_remote(conn: &mut DbConn, account_id: AccountId, changes: &RemoteActorChanges) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(changes.clone()).execute(conn)?;
    Ok(())
}

pub fn set_display_name(conn: &mut DbConn, account_id: AccountId, name: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set((display_name.eq(name), updated_at.eq(at))).execute(conn)?;
    Ok(())
}

pub fn set_suspended(conn: &mut DbConn, account_id: AccountId, at: Option<chrono::NaiveDateTime>) -> AppResult<bool> {
    note(Stale::Account(account_id));
    note(Stale::InstanceStats);
    Ok(diesel::update(accounts.find(account_id)).set(suspended_at.eq(at)).execute(conn)? == 1)
}

pub fn add_followers(conn: &mut DbConn, account_id: AccountId, delta: i32) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(followers_count.eq(followers_count + delta)).execute(conn)?;
    Ok(())
}

pub fn add_following(conn: &mut DbConn, account_id: AccountId, delta: i32) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(following_count.eq(following_count + delta)).execute(conn)?;
    Ok(())
}

pub fn add_statuses(conn: &mut DbConn, account_id: AccountId, delta: i32, at: Option<chrono::NaiveDateTime>) -> AppResult<()> {
    note(Stale::Account(account_id));
    note(Stale::InstanceStats);
    let target = accounts.find(account_id);
    match at {
        Some(at) => diesel::update(target)
            .set((statuses_count.eq(statuses_count + delta), last_status_at.eq(at)))
            .execute(conn)?,
        None => diesel::update(target).set(statuses_count.eq(statuses_count + delta)).execute(conn)?,
    };
    Ok(())
}

/// Accounts whose username starts with, or display name contains, the text (case-insensitive).
/// Accounts by name first, then discoverable ones whose bio, profile fields or featured hashtags say the text
/// ("who knows Kubernetes").
pub fn search(conn: &mut DbConn, text: &str, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    use crate::db::schema::account_search;
    let lowered = crate::db::escape_like(&text.to_lowercase());
    let anywhere = format!("%{lowered}%");
    let by_name = lower(username).like(format!("{lowered}%")).escape('\\').or(lower(display_name).like(anywhere.clone()).escape('\\'));
    let by_profile = account_search::table.filter(account_search::text.like(anywhere).escape('\\')).select(account_search::account_id);
    Ok(accounts
        .filter(suspended_at.is_null())
        .filter(by_name.clone().or(discoverable.eq(true).and(id.eq_any(by_profile))))
        .order((by_name.desc(), domain.is_not_null(), followers_count.desc(), id.asc()))
        .limit(limit)
        .offset(offset)
        .select(Account::as_select())
        .load(conn)?)
}

/// The shared inbox one of a domain's accounts names, if any is known.
pub fn shared_inbox_of_domain(conn: &mut DbConn, host: &str) -> AppResult<Option<String>> {
    Ok(accounts
        .filter(domain.eq(host))
        .filter(shared_inbox_url.is_not_null())
        .select(shared_inbox_url.assume_not_null())
        .first(conn)
        .optional()?)
}

pub fn find_by_uri(conn: &mut DbConn, account_uri: &str) -> AppResult<Option<Account>> {
    Ok(accounts.filter(uri.eq(account_uri)).select(Account::as_select()).first(conn).optional()?)
}

/// Discoverable accounts for the directory: `order` "new" (by creation) or "active" (by last post),
/// local only when asked.
/// Discoverable accounts, local or (unless `local_only`) of allowed peers.
pub fn directory(conn: &mut DbConn, local_only: bool, newest_first: bool, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    use crate::db::schema::peers;
    let mut query = accounts
        .filter(discoverable.eq(true))
        .filter(suspended_at.is_null())
        .select(Account::as_select())
        .into_boxed();
    if local_only {
        query = query.filter(domain.is_null());
    } else {
        let allowed = peers::table.filter(peers::allowed.eq(true)).select(peers::host);
        query = query.filter(domain.is_null().or(domain.assume_not_null().eq_any(allowed)));
    }
    query = if newest_first {
        query.order(created_at.desc())
    } else {
        query.filter(last_status_at.is_not_null()).order(last_status_at.desc())
    };
    Ok(query.limit(limit).offset(offset).load(conn)?)
}

/// Local accounts with the most followers, for suggestions.
pub fn most_followed_local(conn: &mut DbConn, limit: i64) -> AppResult<Vec<Account>> {
    Ok(accounts
        .filter(domain.is_null())
        .filter(suspended_at.is_null())
        .filter(discoverable.eq(true))
        .order((followers_count.desc(), id.asc()))
        .limit(limit)
        .select(Account::as_select())
        .load(conn)?)
}

/// Silences (or unsilences) an account: public timelines change with it.
pub fn set_silenced(conn: &mut DbConn, account_id: AccountId, at: Option<chrono::NaiveDateTime>) -> AppResult<()> {
    note(Stale::Account(account_id));
    note(Stale::Public);
    diesel::update(accounts.find(account_id)).set(silenced_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn set_sensitized(conn: &mut DbConn, account_id: AccountId, at: Option<chrono::NaiveDateTime>) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(sensitized_at.eq(at)).execute(conn)?;
    Ok(())
}

/// The accounts a domain block covers (its domain, its ports, its subdomains).
fn covered_by_block(conn: &mut DbConn, blocked: &str) -> AppResult<Vec<AccountId>> {
    let [sub, port, sub_port] = super::instance_blocks::domains::account_domain_patterns(blocked);
    Ok(accounts
        .filter(domain.eq(blocked).or(domain.like(sub).escape('\\')).or(domain.like(port).escape('\\')).or(domain.like(sub_port).escape('\\')))
        .select(id)
        .load(conn)?)
}

/// Silences (Some) or unsilences (None) the accounts a domain block covers; unsilencing touches only those
/// the block silenced (at its time).
pub fn silence_domain(conn: &mut DbConn, blocked: &str, silenced: Option<chrono::NaiveDateTime>, block_time: chrono::NaiveDateTime) -> AppResult<()> {
    note(Stale::Everything);
    let covered = accounts.filter(id.eq_any(covered_by_block(conn, blocked)?));
    match silenced {
        Some(at) => diesel::update(covered.filter(silenced_at.is_null())).set(silenced_at.eq(at)).execute(conn)?,
        None => diesel::update(covered.filter(silenced_at.eq(block_time))).set(silenced_at.eq(None::<chrono::NaiveDateTime>)).execute(conn)?,
    };
    Ok(())
}

/// The same for suspension: the accounts of a suspended domain are gone from view.
pub fn suspend_domain(conn: &mut DbConn, blocked: &str, suspended: Option<chrono::NaiveDateTime>, block_time: chrono::NaiveDateTime) -> AppResult<()> {
    note(Stale::Everything);
    let covered = accounts.filter(id.eq_any(covered_by_block(conn, blocked)?));
    match suspended {
        Some(at) => diesel::update(covered.filter(suspended_at.is_null())).set(suspended_at.eq(at)).execute(conn)?,
        None => diesel::update(covered.filter(suspended_at.eq(block_time))).set(suspended_at.eq(None::<chrono::NaiveDateTime>)).execute(conn)?,
    };
    Ok(())
}

/// Removes an account and, through the foreign keys, everything that is its.
pub fn delete(conn: &mut DbConn, account_id: AccountId) -> AppResult<()> {
    note(Stale::Everything);
    diesel::delete(accounts.find(account_id)).execute(conn)?;
    Ok(())
}

/// Accounts whose statuses stay out of public timelines (silenced ones).
pub fn silenced_ids(conn: &mut DbConn) -> AppResult<Vec<AccountId>> {
    Ok(accounts.filter(silenced_at.is_not_null()).select(id).load(conn)?)
}

/// How an admin narrows the list of accounts (Mastodon's admin account filters); every part set must hold.
#[derive(Debug, Clone, Default)]
pub struct AdminFilter {
    /// Some(true): local accounts only; Some(false): remote only.
    pub local: Option<bool>,
    pub by_domain: Option<String>,
    pub status: Option<ModerationStatus>,
    /// Usernames that start with this.
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub roles: Vec<crate::db::kinds::Role>,
    /// Any of username, display name or e-mail contains this (the admin page's search box).
    pub text: Option<String>,
}

/// The moderation states an admin lists accounts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationStatus {
    Active,
    Pending,
    Disabled,
    Silenced,
    Suspended,
    Sensitized,
}

pub fn admin_page(conn: &mut DbConn, filter: &AdminFilter, page: &crate::db::Page) -> AppResult<Vec<(Account, Option<crate::db::models::User>)>> {
    use crate::db::models::User;
    use crate::db::schema::users;
    let mut query = accounts.left_join(users::table).select((Account::as_select(), Option::<User>::as_select())).into_boxed();
    match filter.local {
        Some(true) => query = query.filter(domain.is_null()),
        Some(false) => query = query.filter(domain.is_not_null()),
        None => {}
    }
    if let Some(wanted) = &filter.by_domain {
        query = query.filter(lower(domain.assume_not_null()).eq(wanted.to_lowercase()));
    }
    query = match filter.status {
        Some(ModerationStatus::Active) => query.filter(suspended_at.is_null()),
        Some(ModerationStatus::Pending) => query.filter(users::approved.eq(false)),
        Some(ModerationStatus::Disabled) => query.filter(users::disabled.eq(true)),
        Some(ModerationStatus::Silenced) => query.filter(silenced_at.is_not_null()),
        Some(ModerationStatus::Suspended) => query.filter(suspended_at.is_not_null()),
        Some(ModerationStatus::Sensitized) => query.filter(sensitized_at.is_not_null()),
        None => query,
    };
    if let Some(text) = &filter.username {
        query = query.filter(lower(username).like(format!("{}%", crate::db::escape_like(&text.to_lowercase()))).escape('\\'));
    }
    if let Some(text) = &filter.display_name {
        query = query.filter(lower(display_name).like(format!("%{}%", crate::db::escape_like(&text.to_lowercase()))).escape('\\'));
    }
    if let Some(text) = &filter.email {
        query = query.filter(users::email.like(format!("%{}%", crate::db::escape_like(&text.to_lowercase()))).escape('\\'));
    }
    if let Some(address) = &filter.ip {
        query = query.filter(users::last_sign_in_ip.eq(address).or(users::sign_up_ip.eq(address)));
    }
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", crate::db::escape_like(&text.to_lowercase()));
        query = query.filter(
            lower(username)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(display_name).like(pattern.clone()).escape('\\'))
                .or(users::email.like(pattern).escape('\\').assume_not_null()),
        );
    }
    if !filter.roles.is_empty() {
        query = query.filter(users::role.eq_any(filter.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()));
    }
    Ok(crate::db::load_page!(query, id, page, conn))
}

/// What account search reads of an account beside its names.
pub mod search_text {
    use diesel::prelude::*;

    use crate::db::schema::{account_search, accounts};
    use crate::db::DbConn;
    use crate::error::AppResult;
    use crate::ids::AccountId;

    pub fn set(conn: &mut DbConn, account_id: AccountId, text: &str) -> AppResult<()> {
        diesel::delete(account_search::table.find(account_id)).execute(conn)?;
        diesel::insert_into(account_search::table)
            .values((account_search::account_id.eq(account_id), account_search::text.eq(text)))
            .execute(conn)?;
        Ok(())
    }

    /// Accounts with no search text yet (made before it was kept), a batch at a time.
    pub fn missing(conn: &mut DbConn, limit: i64) -> AppResult<Vec<AccountId>> {
        let indexed = account_search::table.select(account_search::account_id);
        Ok(accounts::table.filter(accounts::id.ne_all(indexed)).select(accounts::id).order(accounts::id).limit(limit).load(conn)?)
    }
}

/// Local accounts that let themselves be found (discoverable, not suspended or silenced), by id after `after`.
pub fn discoverable_local_page(conn: &mut DbConn, after: AccountId, limit: i64) -> AppResult<Vec<Account>> {
    Ok(accounts
        .filter(domain.is_null())
        .filter(discoverable.eq(true))
        .filter(suspended_at.is_null())
        .filter(silenced_at.is_null())
        .filter(id.gt(after))
        .order(id.asc())
        .limit(limit)
        .select(Account::as_select())
        .load(conn)?)
}

/// A peer's account was last active at `at` (as its instance says), when that is later than known.
pub fn note_last_status_at(conn: &mut DbConn, account_id: AccountId, at: NaiveDateTime) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id).filter(last_status_at.is_null().or(last_status_at.lt(at))))
        .set(last_status_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The accounts of `host` that are discoverable here but not among `listed`: its directory no longer lists
/// them (they opted out, or were suspended there). Answers how many stopped being discoverable.
pub fn undiscover_unlisted(conn: &mut DbConn, host: &str, listed: &[AccountId]) -> AppResult<usize> {
    let gone: Vec<AccountId> = accounts
        .filter(domain.eq(host))
        .filter(discoverable.eq(true))
        .filter(id.ne_all(listed))
        .select(id)
        .load(conn)?;
    for account_id in &gone {
        note(Stale::Account(*account_id));
    }
    diesel::update(accounts.filter(id.eq_any(&gone))).set(discoverable.eq(false)).execute(conn)?;
    Ok(gone.len())
}
