use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::Announcement;
use crate::db::schema::{announcement_dismissals, announcement_reactions, announcements};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, announcement: &Announcement) -> AppResult<()> {
    diesel::insert_into(announcements::table).values(announcement.clone()).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, announcement: &Announcement) -> AppResult<()> {
    diesel::update(announcements::table.find(announcement.id)).set(announcement.clone()).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, announcement_id: i64) -> AppResult<()> {
    diesel::delete(announcements::table.find(announcement_id)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, announcement_id: i64) -> AppResult<Option<Announcement>> {
    Ok(announcements::table.find(announcement_id).select(Announcement::as_select()).first(conn).optional()?)
}

pub fn find_by_uri(conn: &mut DbConn, uri: &str) -> AppResult<Option<Announcement>> {
    Ok(announcements::table.filter(announcements::uri.eq(uri)).select(Announcement::as_select()).first(conn).optional()?)
}

/// Published announcements that have not ended at `now`, oldest first (as Mastodon lists them).
pub fn active(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<Announcement>> {
    Ok(announcements::table
        .filter(announcements::published_at.is_not_null())
        .filter(announcements::ends_at.is_null().or(announcements::ends_at.gt(now)))
        .order(announcements::id.asc())
        .select(Announcement::as_select())
        .load(conn)?)
}

/// Every announcement, drafts and ended ones too, newest first (for admins).
pub fn page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<Announcement>> {
    Ok(load_page!(announcements::table.select(Announcement::as_select()).into_boxed(), announcements::id, page, conn))
}

pub fn dismiss(conn: &mut DbConn, announcement_id: i64, account_id: AccountId) -> AppResult<()> {
    let row = (announcement_dismissals::announcement_id.eq(announcement_id), announcement_dismissals::account_id.eq(account_id));
    insert_if_absent(conn, |conn| {
        diesel::insert_into(announcement_dismissals::table).values(row).execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// Which of these announcements the account dismissed.
pub fn dismissed_among(conn: &mut DbConn, account_id: AccountId, ids: &[i64]) -> AppResult<Vec<i64>> {
    Ok(announcement_dismissals::table
        .filter(announcement_dismissals::account_id.eq(account_id))
        .filter(announcement_dismissals::announcement_id.eq_any(ids))
        .select(announcement_dismissals::announcement_id)
        .load(conn)?)
}

/// Adds a reaction; false when the account had it already.
pub fn add_reaction(conn: &mut DbConn, announcement_id: i64, account_id: AccountId, name: &str, at: NaiveDateTime) -> AppResult<bool> {
    let row = (
        announcement_reactions::announcement_id.eq(announcement_id),
        announcement_reactions::account_id.eq(account_id),
        announcement_reactions::name.eq(name),
        announcement_reactions::created_at.eq(at),
    );
    insert_if_absent(conn, |conn| {
        diesel::insert_into(announcement_reactions::table).values(row).execute(conn)?;
        Ok(())
    })
}

/// Removes a reaction; false when the account had none of that name.
pub fn remove_reaction(conn: &mut DbConn, announcement_id: i64, account_id: AccountId, name: &str) -> AppResult<bool> {
    let removed = diesel::delete(
        announcement_reactions::table
            .filter(announcement_reactions::announcement_id.eq(announcement_id))
            .filter(announcement_reactions::account_id.eq(account_id))
            .filter(announcement_reactions::name.eq(name)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// (announcement, reaction name, reacting account) for these announcements, in the order reactions came.
pub fn reactions_of(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<(i64, String, AccountId)>> {
    Ok(announcement_reactions::table
        .filter(announcement_reactions::announcement_id.eq_any(ids))
        .order(announcement_reactions::created_at.asc())
        .select((announcement_reactions::announcement_id, announcement_reactions::name, announcement_reactions::account_id))
        .load(conn)?)
}

/// How many accounts gave this reaction.
pub fn reaction_count(conn: &mut DbConn, announcement_id: i64, name: &str) -> AppResult<i64> {
    Ok(announcement_reactions::table
        .filter(announcement_reactions::announcement_id.eq(announcement_id))
        .filter(announcement_reactions::name.eq(name))
        .count()
        .get_result(conn)?)
}
