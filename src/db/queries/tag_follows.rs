use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::kinds::Visibility;
use crate::db::models::Tag;
use crate::db::schema::{accounts, status_tags, statuses, tag_follows, tags};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn follow(conn: &mut DbConn, account: AccountId, tag: i64, at: NaiveDateTime) -> AppResult<()> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(tag_follows::table)
            .values((
                tag_follows::id.eq(crate::ids::next_id()),
                tag_follows::account_id.eq(account),
                tag_follows::tag_id.eq(tag),
                tag_follows::created_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn unfollow(conn: &mut DbConn, account: AccountId, tag: i64) -> AppResult<()> {
    diesel::delete(tag_follows::table.filter(tag_follows::account_id.eq(account)).filter(tag_follows::tag_id.eq(tag))).execute(conn)?;
    Ok(())
}

pub fn follows(conn: &mut DbConn, account: AccountId, tag: i64) -> AppResult<bool> {
    let found: i64 = tag_follows::table
        .filter(tag_follows::account_id.eq(account))
        .filter(tag_follows::tag_id.eq(tag))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// (follow id, tag) of the tags an account follows, paginated.
pub fn followed_page(conn: &mut DbConn, account: AccountId, page: &Page) -> AppResult<Vec<(i64, Tag)>> {
    let query = tag_follows::table
        .inner_join(tags::table)
        .filter(tag_follows::account_id.eq(account))
        .select((tag_follows::id, Tag::as_select()))
        .into_boxed();
    Ok(load_page!(query, tag_follows::id, page, conn))
}

/// Local accounts following any of the tags.
pub fn local_followers_of(conn: &mut DbConn, tag_ids: &[i64]) -> AppResult<Vec<AccountId>> {
    if tag_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(tag_follows::table
        .inner_join(accounts::table.on(accounts::id.eq(tag_follows::account_id)))
        .filter(tag_follows::tag_id.eq_any(tag_ids))
        .filter(accounts::domain.is_null())
        .select(tag_follows::account_id)
        .distinct()
        .load(conn)?)
}

/// (created_at, author) of the tag's statuses since `since`, for its daily history.
/// When, and by whom, a tag was used in a status anyone may read (public or unlisted) since `since`;
/// private and direct statuses never count towards a tag's public history.
pub fn uses_since(conn: &mut DbConn, tag: i64, since: NaiveDateTime) -> AppResult<Vec<(NaiveDateTime, AccountId)>> {
    Ok(status_tags::table
        .inner_join(statuses::table)
        .filter(status_tags::tag_id.eq(tag))
        .filter(statuses::created_at.ge(since))
        .filter(statuses::visibility.eq_any([Visibility::Public.as_str(), Visibility::Unlisted.as_str()]))
        .select((statuses::created_at, statuses::account_id))
        .load(conn)?)
}

/// Tags of public statuses since `since`, the most used first.
pub fn trending_since(conn: &mut DbConn, since: NaiveDateTime, limit: usize) -> AppResult<Vec<Tag>> {
    let used: Vec<Tag> = status_tags::table
        .inner_join(statuses::table)
        .inner_join(tags::table)
        .filter(statuses::created_at.ge(since))
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .select(Tag::as_select())
        .load(conn)?;
    let mut counted: Vec<(Tag, usize)> = Vec::new();
    for tag in used {
        match counted.iter_mut().find(|(t, _)| t.id == tag.id) {
            Some(entry) => entry.1 += 1,
            None => counted.push((tag, 1)),
        }
    }
    counted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    Ok(counted.into_iter().take(limit).map(|(tag, _)| tag).collect())
}
