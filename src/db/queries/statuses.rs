use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::kinds::Visibility;
use crate::db::models::{IdempotencyKey, Mention, Status, StatusEdit, StatusEditForm, Tag};
use crate::db::schema::{accounts, idempotency_keys, media_attachments, mentions, status_edits, status_tags, statuses, tags};
use crate::db::{load_page, lower, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

pub fn insert(conn: &mut DbConn, status: &Status) -> AppResult<()> {
    if status.visibility == Visibility::Public {
        note(Stale::Public);
    }
    if let Some(original) = status.reblog_of_id {
        note(Stale::Marks(status.account_id, original));
    }
    diesel::insert_into(statuses::table).values(status.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, status_id: StatusId) -> AppResult<Option<Status>> {
    Ok(statuses::table.find(status_id).select(Status::as_select()).first(conn).optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[StatusId]) -> AppResult<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(statuses::table.filter(statuses::id.eq_any(ids)).select(Status::as_select()).load(conn)?)
}

pub fn delete(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    note(Stale::Status(status_id));
    note(Stale::Public);
    let reblog: Option<(AccountId, Option<StatusId>)> =
        statuses::table.find(status_id).select((statuses::account_id, statuses::reblog_of_id)).first(conn).optional()?;
    if let Some((account_id, Some(original))) = reblog {
        note(Stale::Marks(account_id, original));
    }
    super::quotes::note_going(conn, status_id)?;
    diesel::delete(statuses::table.find(status_id)).execute(conn)?;
    Ok(())
}

pub fn apply_edit(conn: &mut DbConn, status_id: StatusId, form: &StatusEditForm) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id)).set(form).execute(conn)?;
    Ok(())
}

pub fn add_replies(conn: &mut DbConn, status_id: StatusId, delta: i32) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id))
        .set(statuses::replies_count.eq(statuses::replies_count + delta))
        .execute(conn)?;
    Ok(())
}

pub fn add_reblogs(conn: &mut DbConn, status_id: StatusId, delta: i32) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id))
        .set(statuses::reblogs_count.eq(statuses::reblogs_count + delta))
        .execute(conn)?;
    Ok(())
}

pub fn add_favourites(conn: &mut DbConn, status_id: StatusId, delta: i32) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id))
        .set(statuses::favourites_count.eq(statuses::favourites_count + delta))
        .execute(conn)?;
    Ok(())
}

pub fn find_reblog(conn: &mut DbConn, account_id: AccountId, of_id: StatusId) -> AppResult<Option<Status>> {
    Ok(statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::reblog_of_id.eq(of_id))
        .select(Status::as_select())
        .first(conn)
        .optional()?)
}

/// Which of `of_ids` `account_id` has reblogged.
pub fn reblogged_among(conn: &mut DbConn, account_id: AccountId, of_ids: &[StatusId]) -> AppResult<Vec<StatusId>> {
    if of_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::reblog_of_id.eq_any(of_ids))
        .select(statuses::reblog_of_id.assume_not_null())
        .load(conn)?)
}

pub fn reblogs_of(conn: &mut DbConn, of_id: StatusId) -> AppResult<Vec<Status>> {
    Ok(statuses::table.filter(statuses::reblog_of_id.eq(of_id)).select(Status::as_select()).load(conn)?)
}

/// (reblog id, reblogger account id), newest first.
/// Who boosted a status in public: an author's boost of their own private status is not listed.
pub fn rebloggers_page(conn: &mut DbConn, of_id: StatusId, page: &Page) -> AppResult<Vec<(i64, AccountId)>> {
    let query = statuses::table
        .filter(statuses::reblog_of_id.eq(of_id))
        .filter(statuses::visibility.eq_any([Visibility::Public.as_str(), Visibility::Unlisted.as_str()]))
        .select((statuses::id, statuses::account_id))
        .into_boxed();
    Ok(load_page!(query, statuses::id, page, conn))
}

pub fn replies_to(conn: &mut DbConn, parent_ids: &[StatusId]) -> AppResult<Vec<Status>> {
    if parent_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(statuses::table
        .filter(statuses::in_reply_to_id.eq_any(parent_ids))
        .order(statuses::id.asc())
        .select(Status::as_select())
        .load(conn)?)
}

/// Which of an account's statuses a viewer gets, worked out by the caller from their relationship.
pub struct AccountStatusFilter<'a> {
    pub visibilities: &'a [Visibility],
    /// Statuses that mention this account are visible whatever their visibility.
    pub mentioned: Option<AccountId>,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub tag_id: Option<i64>,
    pub only_ids: Option<&'a [StatusId]>,
    pub only_media: bool,
}

/// Where public statuses come from and what they carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicScope {
    /// Some(true): this instance's only; Some(false): other instances' only.
    pub local: Option<bool>,
    pub only_media: bool,
}

pub fn account_page(conn: &mut DbConn, author_id: AccountId, filter: &AccountStatusFilter, page: &Page) -> AppResult<Vec<Status>> {
    let mut query = statuses::table.filter(statuses::account_id.eq(author_id)).select(Status::as_select()).into_boxed();
    let mentioned_ids = mentions::table.select(mentions::status_id).filter(mentions::account_id.eq(filter.mentioned.unwrap_or_default()));
    query = query.filter(statuses::visibility.eq_any(filter.visibilities.iter().map(|v| v.as_str()).collect::<Vec<_>>()).or(statuses::id.eq_any(mentioned_ids)));
    if filter.exclude_replies {
        query = query.filter(
            statuses::in_reply_to_id.is_null().or(statuses::in_reply_to_account_id.eq(author_id)),
        );
    }
    if filter.exclude_reblogs {
        query = query.filter(statuses::reblog_of_id.is_null());
    }
    if let Some(tag_id) = filter.tag_id {
        query = query.filter(statuses::id.eq_any(status_tags::table.select(status_tags::status_id).filter(status_tags::tag_id.eq(tag_id))));
    }
    if let Some(ids) = filter.only_ids {
        query = query.filter(statuses::id.eq_any(ids.to_vec()));
    }
    if filter.only_media {
        query = query.filter(statuses::id.nullable().eq_any(media_attachments::table.select(media_attachments::status_id)));
    }
    Ok(load_page!(query, statuses::id, page, conn))
}

/// Silenced accounts, whose statuses public timelines leave out.
fn silenced_accounts() -> diesel::dsl::Select<diesel::dsl::Filter<accounts::table, diesel::dsl::IsNotNull<accounts::silenced_at>>, accounts::id> {
    accounts::table.filter(accounts::silenced_at.is_not_null()).select(accounts::id)
}

/// Public statuses, neither reblogs nor replies to others, as (status, author).
pub fn public_page(conn: &mut DbConn, scope: PublicScope, hidden_authors: &[AccountId], page: &Page) -> AppResult<Vec<(StatusId, AccountId)>> {
    let mut query = statuses::table
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::in_reply_to_id.is_null().or(statuses::in_reply_to_account_id.eq(statuses::account_id.nullable())))
        .select((statuses::id, statuses::account_id))
        .into_boxed();
    if let Some(local) = scope.local {
        query = query.filter(statuses::local.eq(local));
    }
    if scope.only_media {
        query = query.filter(statuses::id.nullable().eq_any(media_attachments::table.select(media_attachments::status_id)));
    }
    if !hidden_authors.is_empty() {
        query = query.filter(statuses::account_id.ne_all(hidden_authors.to_vec()));
    }
    query = query.filter(diesel::dsl::not(statuses::account_id.eq_any(silenced_accounts())));
    Ok(load_page!(query, statuses::id, page, conn))
}

/// Public statuses (not reblogs) whose HTML links to `href` (as written in the HTML, entities escaped).
pub fn link_page(conn: &mut DbConn, href: &str, hidden_authors: &[AccountId], page: &Page) -> AppResult<Vec<Status>> {
    let pattern = format!("%href=\"{}\"%", crate::db::escape_like(href));
    let mut query = statuses::table
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::content.like(pattern).escape('\\'))
        .select(Status::as_select())
        .into_boxed();
    if !hidden_authors.is_empty() {
        query = query.filter(statuses::account_id.ne_all(hidden_authors.to_vec()));
    }
    query = query.filter(diesel::dsl::not(statuses::account_id.eq_any(silenced_accounts())));
    Ok(load_page!(query, statuses::id, page, conn))
}

pub fn tag_page(conn: &mut DbConn, tag_id: i64, scope: PublicScope, hidden_authors: &[AccountId], page: &Page) -> AppResult<Vec<Status>> {
    let mut query = statuses::table
        .inner_join(status_tags::table)
        .filter(status_tags::tag_id.eq(tag_id))
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .select(Status::as_select())
        .into_boxed();
    if let Some(local) = scope.local {
        query = query.filter(statuses::local.eq(local));
    }
    if scope.only_media {
        query = query.filter(statuses::id.nullable().eq_any(media_attachments::table.select(media_attachments::status_id)));
    }
    if !hidden_authors.is_empty() {
        query = query.filter(statuses::account_id.ne_all(hidden_authors.to_vec()));
    }
    query = query.filter(diesel::dsl::not(statuses::account_id.eq_any(silenced_accounts())));
    Ok(load_page!(query, statuses::id, page, conn))
}

pub fn insert_edit(conn: &mut DbConn, edit: &StatusEdit) -> AppResult<()> {
    diesel::insert_into(status_edits::table).values(edit.clone()).execute(conn)?;
    Ok(())
}

pub fn edits_of(conn: &mut DbConn, status_id: StatusId) -> AppResult<Vec<StatusEdit>> {
    Ok(status_edits::table
        .filter(status_edits::status_id.eq(status_id))
        .order(status_edits::id.asc())
        .select(StatusEdit::as_select())
        .load(conn)?)
}

pub fn insert_mentions(conn: &mut DbConn, status_id: StatusId, account_ids: &[AccountId]) -> AppResult<()> {
    note(Stale::Status(status_id));
    for &account_id in account_ids {
        diesel::insert_into(mentions::table).values(&Mention { status_id, account_id }).execute(conn)?;
    }
    Ok(())
}

pub fn delete_mentions(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::delete(mentions::table.filter(mentions::status_id.eq(status_id))).execute(conn)?;
    Ok(())
}

pub fn mentions_of(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<Mention>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(mentions::table.filter(mentions::status_id.eq_any(status_ids)).select(Mention::as_select()).load(conn)?)
}

pub fn find_tag(conn: &mut DbConn, name: &str) -> AppResult<Option<Tag>> {
    Ok(tags::table.filter(lower(tags::name).eq(name.to_lowercase())).select(Tag::as_select()).first(conn).optional()?)
}

pub fn find_tag_by_id(conn: &mut DbConn, tag_id: i64) -> AppResult<Option<Tag>> {
    Ok(tags::table.find(tag_id).select(Tag::as_select()).first(conn).optional()?)
}

pub fn insert_tag(conn: &mut DbConn, tag: &Tag) -> AppResult<()> {
    diesel::insert_into(tags::table).values(tag).execute(conn)?;
    Ok(())
}

pub fn tags_of(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<(StatusId, Tag)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(status_tags::table
        .inner_join(tags::table)
        .filter(status_tags::status_id.eq_any(status_ids))
        .select((status_tags::status_id, Tag::as_select()))
        .load(conn)?)
}

pub fn set_status_tags(conn: &mut DbConn, status_id: StatusId, tag_ids: &[i64]) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::delete(status_tags::table.filter(status_tags::status_id.eq(status_id))).execute(conn)?;
    for &tag_id in tag_ids {
        diesel::insert_into(status_tags::table)
            .values((status_tags::status_id.eq(status_id), status_tags::tag_id.eq(tag_id)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_idempotent(conn: &mut DbConn, account_id: AccountId, key: &str) -> AppResult<Option<StatusId>> {
    Ok(idempotency_keys::table
        .find((account_id, key))
        .select(idempotency_keys::status_id)
        .first(conn)
        .optional()?)
}

pub fn insert_idempotent(conn: &mut DbConn, record: &IdempotencyKey) -> AppResult<()> {
    diesel::insert_into(idempotency_keys::table).values(record).execute(conn)?;
    Ok(())
}

/// Tags whose name starts with the text (case-insensitive).
pub fn search_tags(conn: &mut DbConn, text: &str, limit: i64, offset: i64) -> AppResult<Vec<Tag>> {
    let pattern = format!("{}%", crate::db::escape_like(&text.to_lowercase()));
    Ok(tags::table
        .filter(lower(tags::name).like(pattern).escape('\\'))
        .order(tags::name.asc())
        .limit(limit)
        .offset(offset)
        .select(Tag::as_select())
        .load(conn)?)
}

/// A status by its URI, else by its page URL (a URI names exactly one status; a URL is a hint).
pub fn find_by_uri_or_url(conn: &mut DbConn, text: &str) -> AppResult<Option<Status>> {
    let by_uri = statuses::table.filter(statuses::uri.eq(text)).select(Status::as_select()).first(conn).optional()?;
    if by_uri.is_some() {
        return Ok(by_uri);
    }
    Ok(statuses::table
        .filter(statuses::url.eq(text))
        .order(statuses::id.asc())
        .select(Status::as_select())
        .first(conn)
        .optional()?)
}

/// Public statuses since `since` that people favourited or boosted, the most interacted-with first.
/// Public statuses (not reblogs) written since `since`, newest first.
pub fn public_since(conn: &mut DbConn, since: chrono::NaiveDateTime, limit: i64) -> AppResult<Vec<Status>> {
    Ok(statuses::table
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::created_at.ge(since))
        .order(statuses::id.desc())
        .limit(limit)
        .select(Status::as_select())
        .load(conn)?)
}

pub fn trending_since(conn: &mut DbConn, since: chrono::NaiveDateTime, limit: i64, offset: i64) -> AppResult<Vec<Status>> {
    Ok(statuses::table
        .filter(statuses::visibility.eq(Visibility::Public.as_str()))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::created_at.ge(since))
        .filter((statuses::favourites_count + statuses::reblogs_count).gt(0))
        .filter(diesel::dsl::not(statuses::account_id.eq_any(silenced_accounts())))
        .order(((statuses::favourites_count + statuses::reblogs_count).desc(), statuses::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(Status::as_select())
        .load(conn)?)
}

/// Makes a status a members-only post of `group` (or, with None, no group's any more).
pub fn set_group(conn: &mut DbConn, status_id: StatusId, group: Option<AccountId>) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id)).set(statuses::group_id.eq(group)).execute(conn)?;
    if group.is_none() {
        diesel::delete(crate::db::schema::group_objects::table.find(status_id)).execute(conn)?;
    }
    Ok(())
}

/// Keeps a members-only post as its author's instance sent it (with its proof), for the group to relay.
pub fn keep_group_object(conn: &mut DbConn, status_id: StatusId, object_json: &str) -> AppResult<()> {
    use crate::db::schema::group_objects;
    diesel::delete(group_objects::table.find(status_id)).execute(conn)?;
    diesel::insert_into(group_objects::table)
        .values((group_objects::status_id.eq(status_id), group_objects::object_json.eq(object_json)))
        .execute(conn)?;
    Ok(())
}

pub fn group_object(conn: &mut DbConn, status_id: StatusId) -> AppResult<Option<String>> {
    use crate::db::schema::group_objects;
    Ok(group_objects::table.find(status_id).select(group_objects::object_json).first(conn).optional()?)
}
