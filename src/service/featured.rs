//! What an account features on its profile: hashtags it posts about, and accounts it endorses.

use crate::db::models::{Account, Tag};
use crate::db::queries::{featured, follows, statuses};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::accounts::{relationships, Relationship, StatusesQuery};

pub const MAX_FEATURED_TAGS: usize = 10;

pub struct FeaturedTag {
    pub id: i64,
    pub tag: Tag,
    pub statuses_count: usize,
    pub last_status_at: Option<chrono::NaiveDateTime>,
}

fn describe(conn: &mut DbConn, owner: &Account, id: i64, tag: Tag) -> AppResult<FeaturedTag> {
    let query = StatusesQuery { exclude_reblogs: true, tagged: Some(tag.name.clone()), ..Default::default() };
    let page = Page { limit: 10_000, ..Page::default() };
    let tagged = crate::service::accounts::statuses_of(conn, None, owner.id, &query, &page)?;
    Ok(FeaturedTag { id, statuses_count: tagged.len(), last_status_at: tagged.first().map(|s| s.created_at), tag })
}

pub fn featured_tags(conn: &mut DbConn, owner: &Account) -> AppResult<Vec<FeaturedTag>> {
    let mut listed = Vec::new();
    for (id, tag) in featured::featured_tags_of(conn, owner.id)? {
        listed.push(describe(conn, owner, id, tag)?);
    }
    Ok(listed)
}

pub fn feature_tag(conn: &mut DbConn, me: &Account, name: &str) -> AppResult<FeaturedTag> {
    let name = name.trim().trim_start_matches('#');
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(AppError::validation("Name is not a valid hashtag"));
    }
    let existing = featured::featured_tags_of(conn, me.id)?;
    if existing.len() >= MAX_FEATURED_TAGS && !existing.iter().any(|(_, t)| t.name.eq_ignore_ascii_case(name)) {
        return Err(AppError::validation(format!("You can feature at most {MAX_FEATURED_TAGS} hashtags")));
    }
    let tag = crate::service::statuses::find_or_create_tag(conn, name)?;
    let id = featured::feature_tag(conn, me.id, tag.id, ids::now())?;
    crate::service::account_search::refresh(conn, me)?;
    describe(conn, me, id, tag)
}

pub fn unfeature_tag(conn: &mut DbConn, me: &Account, featured_id: i64) -> AppResult<()> {
    if featured::unfeature_tag(conn, me.id, featured_id)? {
        crate::service::account_search::refresh(conn, me)?;
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Hashtags the account used lately and does not feature yet.
pub fn suggested_tags(conn: &mut DbConn, me: &Account) -> AppResult<Vec<Tag>> {
    let featured: Vec<i64> = featured::featured_tags_of(conn, me.id)?.into_iter().map(|(_, t)| t.id).collect();
    let query = StatusesQuery { exclude_reblogs: true, ..Default::default() };
    let recent = crate::service::accounts::statuses_of(conn, Some(me), me.id, &query, &Page { limit: 200, ..Page::default() })?;
    let ids: Vec<StatusId> = recent.iter().map(|s| s.id).collect();
    let mut suggested: Vec<Tag> = Vec::new();
    for (_, tag) in statuses::tags_of(conn, &ids)? {
        if !featured.contains(&tag.id) && !suggested.iter().any(|t| t.id == tag.id) {
            suggested.push(tag);
        }
    }
    suggested.truncate(MAX_FEATURED_TAGS);
    Ok(suggested)
}

/// Endorses (features on the profile) an account one follows, as Mastodon requires.
pub fn endorse(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    if follows::find(conn, me.id, target_id)?.is_none() {
        return Err(AppError::validation("You must be already following the person you want to endorse"));
    }
    featured::endorse(conn, me.id, target_id, ids::now())?;
    one(conn, me, target_id)
}

pub fn unendorse(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    featured::unendorse(conn, me.id, target_id)?;
    one(conn, me, target_id)
}

fn one(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    relationships(conn, me, &[target_id])?.pop().ok_or(AppError::NotFound)
}

pub fn endorsements(conn: &mut DbConn, me: &Account, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    featured::endorsed_page(conn, me.id, page)
}
