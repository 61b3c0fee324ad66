use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Account, List, Status};
use crate::db::schema::{accounts, follows, home_timeline_entries as home, list_accounts, lists, statuses};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, list: &List) -> AppResult<()> {
    diesel::insert_into(lists::table).values(list).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, list: &List) -> AppResult<()> {
    note(Stale::Viewer(list.account_id));
    diesel::update(lists::table.find(list.id)).set(list).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, list_id: i64) -> AppResult<()> {
    note_owner_of(conn, list_id)?;
    diesel::delete(lists::table.find(list_id)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, list_id: i64) -> AppResult<Option<List>> {
    Ok(lists::table
        .filter(lists::id.eq(list_id))
        .filter(lists::account_id.eq(owner))
        .select(List::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_owner(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<List>> {
    Ok(lists::table.filter(lists::account_id.eq(owner)).order(lists::id.asc()).select(List::as_select()).load(conn)?)
}

/// The owner's lists that contain `member`.
pub fn containing(conn: &mut DbConn, owner: AccountId, member: AccountId) -> AppResult<Vec<List>> {
    Ok(lists::table
        .inner_join(list_accounts::table)
        .filter(lists::account_id.eq(owner))
        .filter(list_accounts::account_id.eq(member))
        .order(lists::id.asc())
        .select(List::as_select())
        .load(conn)?)
}

/// Lists of any of `owners` that contain `member`.
pub fn containing_among(conn: &mut DbConn, owners: &[AccountId], member: AccountId) -> AppResult<Vec<List>> {
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    Ok(lists::table
        .inner_join(list_accounts::table)
        .filter(lists::account_id.eq_any(owners))
        .filter(list_accounts::account_id.eq(member))
        .select(List::as_select())
        .load(conn)?)
}

pub fn has_member(conn: &mut DbConn, list_id: i64, member: AccountId) -> AppResult<bool> {
    let found: i64 = list_accounts::table
        .filter(list_accounts::list_id.eq(list_id))
        .filter(list_accounts::account_id.eq(member))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

pub fn add_member(conn: &mut DbConn, list_id: i64, member: AccountId) -> AppResult<()> {
    note_owner_of(conn, list_id)?;
    insert_if_absent(conn, |conn| {
        diesel::insert_into(list_accounts::table)
            .values((list_accounts::list_id.eq(list_id), list_accounts::account_id.eq(member)))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn remove_member(conn: &mut DbConn, list_id: i64, member: AccountId) -> AppResult<()> {
    note_owner_of(conn, list_id)?;
    diesel::delete(list_accounts::table.filter(list_accounts::list_id.eq(list_id)).filter(list_accounts::account_id.eq(member)))
        .execute(conn)?;
    Ok(())
}

/// Takes every member out of a list.
pub fn clear(conn: &mut DbConn, list_id: i64) -> AppResult<()> {
    note_owner_of(conn, list_id)?;
    diesel::delete(list_accounts::table.filter(list_accounts::list_id.eq(list_id))).execute(conn)?;
    Ok(())
}

/// (list title, member) of every member of every list of `owner` (exports).
pub fn members_by_title(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<(String, Account)>> {
    Ok(list_accounts::table
        .inner_join(lists::table)
        .inner_join(accounts::table.on(accounts::id.eq(list_accounts::account_id)))
        .filter(lists::account_id.eq(owner))
        .order((lists::id.asc(), accounts::id.asc()))
        .select((lists::title, Account::as_select()))
        .load(conn)?)
}

/// (member id as paging id, member), paginated.
pub fn members_page(conn: &mut DbConn, list_id: i64, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = list_accounts::table
        .inner_join(accounts::table.on(accounts::id.eq(list_accounts::account_id)))
        .filter(list_accounts::list_id.eq(list_id))
        .select((accounts::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, accounts::id, page, conn))
}

/// The list's timeline: what reached the owner's home timeline from the list's members, with replies
/// kept as the list's `replies_policy` says.
pub fn timeline_page(conn: &mut DbConn, list: &List, page: &Page) -> AppResult<Vec<Status>> {
    let members = list_accounts::table.filter(list_accounts::list_id.eq(list.id)).select(list_accounts::account_id);
    let mut query = home::table
        .inner_join(statuses::table)
        .filter(home::account_id.eq(list.account_id))
        .filter(home::author_id.eq_any(members))
        .select(Status::as_select())
        .into_boxed();
    let not_a_reply_to_others = statuses::in_reply_to_id.is_null().or(statuses::in_reply_to_account_id.eq(statuses::account_id.nullable()));
    query = match list.replies_policy.as_str() {
        "none" => query.filter(not_a_reply_to_others),
        "followed" => {
            let followed = follows::table.filter(follows::account_id.eq(list.account_id)).select(follows::target_account_id.nullable());
            query.filter(
                not_a_reply_to_others
                    .or(statuses::in_reply_to_account_id.eq(list.account_id))
                    .or(statuses::in_reply_to_account_id.eq_any(followed)),
            )
        }
        _ => {
            let members = list_accounts::table.filter(list_accounts::list_id.eq(list.id)).select(list_accounts::account_id.nullable());
            query.filter(not_a_reply_to_others.or(statuses::in_reply_to_account_id.eq_any(members)))
        }
    };
    Ok(load_page!(query, home::status_id, page, conn))
}

/// Authors the owner keeps out of the home timeline because they are in one of the owner's exclusive lists.
pub fn exclusive_members(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<AccountId>> {
    Ok(list_accounts::table
        .inner_join(lists::table)
        .filter(lists::account_id.eq(owner))
        .filter(lists::exclusive.eq(true))
        .select(list_accounts::account_id)
        .load(conn)?)
}

/// Exclusive lists hide their members from the owner's home timeline.
fn note_owner_of(conn: &mut DbConn, list_id: i64) -> AppResult<()> {
    let owner: Option<AccountId> = lists::table.find(list_id).select(lists::account_id).first(conn).optional()?;
    if let Some(owner) = owner {
        note(Stale::Viewer(owner));
    }
    Ok(())
}
