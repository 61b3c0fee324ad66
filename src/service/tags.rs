//! Hashtags: their recent use, and following them (followed tags bring their public posts home).

use std::collections::HashSet;

use chrono::{Duration, NaiveTime};

use crate::db::models::{Account, Tag};
use crate::db::queries::{statuses, tag_follows};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::statuses::find_or_create_tag;

const HISTORY_DAYS: i64 = 7;

/// One day of a tag's use: midnight UTC as a Unix time, posts, distinct authors.
pub struct Day {
    pub day: i64,
    pub uses: usize,
    pub accounts: usize,
}

pub struct TagView {
    pub tag: Tag,
    pub history: Vec<Day>,
    /// Whether the viewer follows it (None for anonymous readers).
    pub following: Option<bool>,
    /// Whether the viewer features it on their profile (None for anonymous readers).
    pub featuring: Option<bool>,
}

fn validate(name: &str) -> AppResult<&str> {
    let name = name.trim().trim_start_matches('#');
    if crate::service::markup::is_hashtag_name(name) {
        Ok(name)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn view(conn: &mut DbConn, viewer: Option<&Account>, tag: Tag) -> AppResult<TagView> {
    let today = ids::now().date().and_time(NaiveTime::MIN);
    let since = today - Duration::days(HISTORY_DAYS - 1);
    let uses = tag_follows::uses_since(conn, tag.id, since)?;
    let history = (0..HISTORY_DAYS)
        .map(|back| {
            let start = today - Duration::days(back);
            let that_day: Vec<&(chrono::NaiveDateTime, AccountId)> =
                uses.iter().filter(|(at, _)| *at >= start && *at < start + Duration::days(1)).collect();
            let authors: HashSet<AccountId> = that_day.iter().map(|(_, author)| *author).collect();
            Day { day: start.and_utc().timestamp(), uses: that_day.len(), accounts: authors.len() }
        })
        .collect();
    let following = viewer.map(|v| tag_follows::follows(conn, v.id, tag.id)).transpose()?;
    let featuring = viewer.map(|v| featured_id(conn, v, &tag).map(|id| id.is_some())).transpose()?;
    Ok(TagView { tag, history, following, featuring })
}

pub fn get(conn: &mut DbConn, viewer: Option<&Account>, name: &str) -> AppResult<TagView> {
    let tag = statuses::find_tag(conn, validate(name)?)?.ok_or(AppError::NotFound)?;
    view(conn, viewer, tag)
}

pub fn follow(conn: &mut DbConn, me: &Account, name: &str) -> AppResult<TagView> {
    let tag = find_or_create_tag(conn, validate(name)?)?;
    tag_follows::follow(conn, me.id, tag.id, ids::now())?;
    view(conn, Some(me), tag)
}

/// As Mastodon, a tag nobody used yet is made by unfollowing it too.
pub fn unfollow(conn: &mut DbConn, me: &Account, name: &str) -> AppResult<TagView> {
    let tag = find_or_create_tag(conn, validate(name)?)?;
    tag_follows::unfollow(conn, me.id, tag.id)?;
    view(conn, Some(me), tag)
}

/// `POST /api/v1/tags/:name/feature`: shows the tag on the profile (a featured tag).
pub fn feature(conn: &mut DbConn, me: &Account, name: &str) -> AppResult<TagView> {
    let featured = crate::service::featured::feature_tag(conn, me, validate(name)?)?;
    view(conn, Some(me), featured.tag)
}

pub fn unfeature(conn: &mut DbConn, me: &Account, name: &str) -> AppResult<TagView> {
    let tag = find_or_create_tag(conn, validate(name)?)?;
    if let Some(id) = featured_id(conn, me, &tag)? {
        crate::service::featured::unfeature_tag(conn, me, id)?;
    }
    view(conn, Some(me), tag)
}

fn featured_id(conn: &mut DbConn, owner: &Account, tag: &Tag) -> AppResult<Option<i64>> {
    Ok(crate::db::queries::featured::featured_tags_of(conn, owner.id)?.into_iter().find(|(_, t)| t.id == tag.id).map(|(id, _)| id))
}

pub fn followed(conn: &mut DbConn, me: &Account, page: &Page) -> AppResult<Vec<(i64, TagView)>> {
    let mut listed = Vec::new();
    for (paging_id, tag) in tag_follows::followed_page(conn, me.id, page)? {
        listed.push((paging_id, view(conn, Some(me), tag)?));
    }
    Ok(listed)
}
