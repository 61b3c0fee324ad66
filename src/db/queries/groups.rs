//! Who runs local groups and who they banned.

use diesel::prelude::*;

use crate::db::kinds::GroupRole;
use crate::db::models::Account;
use crate::db::schema::{accounts, group_bans, group_roles};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn role_of(conn: &mut DbConn, group: AccountId, account: AccountId) -> AppResult<Option<GroupRole>> {
    let role: Option<String> = group_roles::table
        .find((group, account))
        .select(group_roles::role)
        .first(conn)
        .optional()?;
    role.map(|text| GroupRole::parse_as("role", &text)).transpose()
}

/// Gives `account` a role in `group`, or takes it away (None).
pub fn set_role(conn: &mut DbConn, group: AccountId, account: AccountId, role: Option<GroupRole>, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::delete(group_roles::table.find((group, account))).execute(conn)?;
    if let Some(role) = role {
        diesel::insert_into(group_roles::table)
            .values((group_roles::group_id.eq(group), group_roles::account_id.eq(account), group_roles::role.eq(role.as_str()), group_roles::created_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// The groups an account has a role in, with the role.
pub fn run_by(conn: &mut DbConn, account: AccountId) -> AppResult<Vec<(Account, String)>> {
    Ok(group_roles::table
        .inner_join(accounts::table.on(accounts::id.eq(group_roles::group_id)))
        .filter(group_roles::account_id.eq(account))
        .order(accounts::username.asc())
        .select((Account::as_select(), group_roles::role))
        .load(conn)?)
}

pub fn count_with_role(conn: &mut DbConn, group: AccountId, role: GroupRole) -> AppResult<i64> {
    Ok(group_roles::table.filter(group_roles::group_id.eq(group)).filter(group_roles::role.eq(role.as_str())).count().get_result(conn)?)
}

pub fn is_banned(conn: &mut DbConn, group: AccountId, account: AccountId) -> AppResult<bool> {
    let found: i64 = group_bans::table.find((group, account)).count().get_result(conn)?;
    Ok(found > 0)
}

pub fn ban(conn: &mut DbConn, group: AccountId, account: AccountId, at: chrono::NaiveDateTime) -> AppResult<()> {
    crate::db::insert_if_absent(conn, |conn| {
        diesel::insert_into(group_bans::table)
            .values((group_bans::group_id.eq(group), group_bans::account_id.eq(account), group_bans::created_at.eq(at)))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn unban(conn: &mut DbConn, group: AccountId, account: AccountId) -> AppResult<()> {
    diesel::delete(group_bans::table.find((group, account))).execute(conn)?;
    Ok(())
}

/// The groups (of any instance) that announced a status.
pub fn announcing(conn: &mut DbConn, status_id: crate::ids::StatusId) -> AppResult<Vec<Account>> {
    use crate::db::schema::statuses;
    Ok(statuses::table
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(statuses::reblog_of_id.eq(status_id))
        .filter(accounts::is_group.eq(true))
        .select(Account::as_select())
        .load(conn)?)
}
