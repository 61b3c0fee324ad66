//! What an account features on its profile: hashtags and endorsed accounts.

use diesel::prelude::*;

use crate::db::models::{Account, Tag};
use crate::db::schema::{accounts, endorsements, featured_tags, tags};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

/// Features a tag; false when it was featured already.
pub fn feature_tag(conn: &mut DbConn, owner: AccountId, tag: i64, at: chrono::NaiveDateTime) -> AppResult<i64> {
    let row_id = crate::ids::next_id();
    let inserted = insert_if_absent(conn, |conn| {
        diesel::insert_into(featured_tags::table)
            .values((featured_tags::id.eq(row_id), featured_tags::account_id.eq(owner), featured_tags::tag_id.eq(tag), featured_tags::created_at.eq(at)))
            .execute(conn)?;
        Ok(())
    })?;
    if inserted {
        return Ok(row_id);
    }
    Ok(featured_tags::table
        .filter(featured_tags::account_id.eq(owner))
        .filter(featured_tags::tag_id.eq(tag))
        .select(featured_tags::id)
        .first(conn)?)
}

pub fn unfeature_tag(conn: &mut DbConn, owner: AccountId, featured_id: i64) -> AppResult<bool> {
    Ok(diesel::delete(featured_tags::table.filter(featured_tags::account_id.eq(owner)).filter(featured_tags::id.eq(featured_id))).execute(conn)? > 0)
}

/// (featured id, tag) of an account's featured tags, oldest first.
pub fn featured_tags_of(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<(i64, Tag)>> {
    Ok(featured_tags::table
        .inner_join(tags::table)
        .filter(featured_tags::account_id.eq(owner))
        .order(featured_tags::id.asc())
        .select((featured_tags::id, Tag::as_select()))
        .load(conn)?)
}

pub fn endorse(conn: &mut DbConn, owner: AccountId, target: AccountId, at: chrono::NaiveDateTime) -> AppResult<()> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(endorsements::table)
            .values((
                endorsements::id.eq(crate::ids::next_id()),
                endorsements::account_id.eq(owner),
                endorsements::target_account_id.eq(target),
                endorsements::created_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn unendorse(conn: &mut DbConn, owner: AccountId, target: AccountId) -> AppResult<()> {
    diesel::delete(endorsements::table.filter(endorsements::account_id.eq(owner)).filter(endorsements::target_account_id.eq(target)))
        .execute(conn)?;
    Ok(())
}

/// Which of `targets` the owner endorses.
pub fn endorsed_among(conn: &mut DbConn, owner: AccountId, targets: &[AccountId]) -> AppResult<Vec<AccountId>> {
    Ok(endorsements::table
        .filter(endorsements::account_id.eq(owner))
        .filter(endorsements::target_account_id.eq_any(targets))
        .select(endorsements::target_account_id)
        .load(conn)?)
}

pub fn endorsed_page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = endorsements::table
        .inner_join(accounts::table.on(accounts::id.eq(endorsements::target_account_id)))
        .filter(endorsements::account_id.eq(owner))
        .select((endorsements::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, endorsements::id, page, conn))
}

/// The names of the tags each of these accounts features.
pub fn tag_names_of_many(conn: &mut DbConn, owners: &[AccountId]) -> AppResult<Vec<(AccountId, String)>> {
    Ok(featured_tags::table
        .inner_join(tags::table)
        .filter(featured_tags::account_id.eq_any(owners))
        .order(featured_tags::id.asc())
        .select((featured_tags::account_id, tags::name))
        .load(conn)?)
}
