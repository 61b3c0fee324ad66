use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::CustomEmoji;
use crate::db::schema::custom_emojis;
use crate::db::DbConn;
use crate::error::AppResult;

pub fn insert(conn: &mut DbConn, emoji: &CustomEmoji) -> AppResult<()> {
    note(Stale::Emojis);
    diesel::insert_into(custom_emojis::table).values(emoji).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, emoji: &CustomEmoji) -> AppResult<()> {
    note(Stale::Emojis);
    diesel::update(custom_emojis::table.find(emoji.id)).set(emoji).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, emoji_id: i64) -> AppResult<()> {
    note(Stale::Emojis);
    diesel::delete(custom_emojis::table.find(emoji_id)).execute(conn)?;
    Ok(())
}

/// The emoji with this shortcode on an instance ('' for this one).
pub fn find(conn: &mut DbConn, shortcode: &str, domain: &str) -> AppResult<Option<CustomEmoji>> {
    Ok(custom_emojis::table
        .filter(custom_emojis::shortcode.eq(shortcode))
        .filter(custom_emojis::domain.eq(domain))
        .select(CustomEmoji::as_select())
        .first(conn)
        .optional()?)
}

pub fn local(conn: &mut DbConn) -> AppResult<Vec<CustomEmoji>> {
    Ok(custom_emojis::table
        .filter(custom_emojis::domain.eq(""))
        .order(custom_emojis::shortcode.asc())
        .select(CustomEmoji::as_select())
        .load(conn)?)
}

/// Emojis among these shortcodes, on any instance.
pub fn with_shortcodes(conn: &mut DbConn, shortcodes: &[String]) -> AppResult<Vec<CustomEmoji>> {
    if shortcodes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(custom_emojis::table
        .filter(custom_emojis::shortcode.eq_any(shortcodes))
        .select(CustomEmoji::as_select())
        .load(conn)?)
}
