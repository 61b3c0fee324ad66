//! What the admin dashboard counts: the times things happened in a period, with what tells them apart (an
//! account, a domain) or how much they weigh (bytes); `service::measures` buckets them by day.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{accounts, favourites, follows, media_attachments, reports, status_tags, statuses, users};
use crate::db::DbConn;
use crate::error::AppResult;

/// One thing that happened: when, and the account or domain it belongs to (for counting distinct ones).
pub type Sample = (NaiveDateTime, String);

fn ids_as_text(rows: Vec<(NaiveDateTime, i64)>) -> Vec<Sample> {
    rows.into_iter().map(|(at, id)| (at, id.to_string())).collect()
}

/// Local statuses, by author (who was active).
pub fn local_statuses(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let rows = statuses::table
        .filter(statuses::local.eq(true))
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .select((statuses::created_at, statuses::account_id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(rows))
}

/// Local users' sign-ins (the last of each) and favourites, by account: activity that posts nothing.
pub fn local_activity(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let sign_ins = users::table
        .filter(users::last_sign_in_at.ge(from).and(users::last_sign_in_at.lt(to)))
        .select((users::last_sign_in_at.assume_not_null(), users::account_id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    let favourited = favourites::table
        .inner_join(accounts::table.on(accounts::id.eq(favourites::account_id)))
        .filter(accounts::domain.is_null())
        .filter(favourites::created_at.ge(from).and(favourites::created_at.lt(to)))
        .select((favourites::created_at, favourites::account_id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(sign_ins.into_iter().chain(favourited).collect()))
}

pub fn new_users(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let rows = users::table
        .filter(users::created_at.ge(from).and(users::created_at.lt(to)))
        .select((users::created_at, users::account_id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(rows))
}

/// Favourites, boosts and replies of local accounts' statuses (by anyone).
pub fn interactions(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let local_statuses = statuses::table.filter(statuses::local.eq(true)).select(statuses::id);
    let local_accounts = accounts::table.filter(accounts::domain.is_null()).select(accounts::id);
    let favourited = favourites::table
        .filter(favourites::status_id.eq_any(local_statuses))
        .filter(favourites::created_at.ge(from).and(favourites::created_at.lt(to)))
        .select((favourites::created_at, favourites::id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    let originals = diesel::alias!(statuses as originals);
    let local_originals = originals.filter(originals.field(statuses::local).eq(true)).select(originals.field(statuses::id).nullable());
    let reblogged_or_replied = statuses::table
        .filter(
            statuses::reblog_of_id
                .eq_any(local_originals)
                .or(statuses::in_reply_to_account_id.eq_any(local_accounts.select(accounts::id.nullable()))),
        )
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .select((statuses::created_at, statuses::id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(favourited.into_iter().chain(reblogged_or_replied).collect()))
}

pub fn opened_reports(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let rows = reports::table
        .filter(reports::created_at.ge(from).and(reports::created_at.lt(to)))
        .select((reports::created_at, reports::id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(rows))
}

pub fn resolved_reports(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let rows = reports::table
        .filter(reports::action_taken_at.ge(from).and(reports::action_taken_at.lt(to)))
        .select((reports::action_taken_at.assume_not_null(), reports::id))
        .load::<(NaiveDateTime, i64)>(conn)?;
    Ok(ids_as_text(rows))
}

/// A status carrying a tag: when, by whom (and their domain, None for local), in which language.
#[derive(Debug, Queryable)]
pub struct TagUse {
    pub at: NaiveDateTime,
    pub account: i64,
    pub domain: Option<String>,
    pub language: Option<String>,
}

pub fn tag_uses(conn: &mut DbConn, tag_id: i64, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<TagUse>> {
    Ok(statuses::table
        .inner_join(status_tags::table.on(status_tags::status_id.eq(statuses::id)))
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(status_tags::tag_id.eq(tag_id))
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .select((statuses::created_at, statuses::account_id, accounts::domain, statuses::language))
        .load(conn)?)
}

/// What came from one domain, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromDomain {
    Accounts,
    Statuses,
    /// Bytes of media attachments.
    Media,
    /// Reports about its accounts.
    Reports,
    /// Its accounts local accounts began to follow.
    Follows,
    /// Local accounts its accounts began to follow.
    Followers,
}

/// (when, weight) of what came from a domain in a period.
pub fn from_domain(conn: &mut DbConn, kind: FromDomain, domain: &str, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<(NaiveDateTime, i64)>> {
    let of_domain = accounts::table.filter(accounts::domain.eq(domain)).select(accounts::id);
    let local = accounts::table.filter(accounts::domain.is_null()).select(accounts::id);
    Ok(match kind {
        FromDomain::Accounts => accounts::table
            .filter(accounts::domain.eq(domain))
            .filter(accounts::created_at.ge(from).and(accounts::created_at.lt(to)))
            .select((accounts::created_at, accounts::id))
            .load::<(NaiveDateTime, i64)>(conn)?
            .into_iter()
            .map(|(at, _)| (at, 1))
            .collect(),
        FromDomain::Statuses => statuses::table
            .filter(statuses::account_id.eq_any(of_domain))
            .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
            .select(statuses::created_at)
            .load::<NaiveDateTime>(conn)?
            .into_iter()
            .map(|at| (at, 1))
            .collect(),
        FromDomain::Media => media_attachments::table
            .filter(media_attachments::account_id.eq_any(of_domain))
            .filter(media_attachments::created_at.ge(from).and(media_attachments::created_at.lt(to)))
            .select((media_attachments::created_at, media_attachments::file_size))
            .load::<(NaiveDateTime, i64)>(conn)?,
        FromDomain::Reports => reports::table
            .filter(reports::target_account_id.eq_any(of_domain))
            .filter(reports::created_at.ge(from).and(reports::created_at.lt(to)))
            .select(reports::created_at)
            .load::<NaiveDateTime>(conn)?
            .into_iter()
            .map(|at| (at, 1))
            .collect(),
        FromDomain::Follows => follows::table
            .filter(follows::account_id.eq_any(local))
            .filter(follows::target_account_id.eq_any(of_domain))
            .filter(follows::created_at.ge(from).and(follows::created_at.lt(to)))
            .select(follows::created_at)
            .load::<NaiveDateTime>(conn)?
            .into_iter()
            .map(|at| (at, 1))
            .collect(),
        FromDomain::Followers => follows::table
            .filter(follows::account_id.eq_any(of_domain))
            .filter(follows::target_account_id.eq_any(local))
            .filter(follows::created_at.ge(from).and(follows::created_at.lt(to)))
            .select(follows::created_at)
            .load::<NaiveDateTime>(conn)?
            .into_iter()
            .map(|at| (at, 1))
            .collect(),
    })
}

/// Statuses in a period by language (local ones, or one domain's), most used first.
pub fn languages(conn: &mut DbConn, domain: Option<&str>, from: NaiveDateTime, to: NaiveDateTime, limit: i64) -> AppResult<Vec<(Option<String>, i64)>> {
    let mut query = statuses::table
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .filter(statuses::reblog_of_id.is_null())
        .group_by(statuses::language)
        .select((statuses::language, count_star()))
        .order(count_star().desc())
        .limit(limit)
        .into_boxed();
    query = match domain {
        Some(domain) => query.filter(accounts::domain.eq(domain.to_owned())),
        None => query.filter(accounts::domain.is_null()),
    };
    Ok(query.load(conn)?)
}

/// Other instances' statuses in a period by domain, most first.
pub fn servers(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime, limit: i64) -> AppResult<Vec<(Option<String>, i64)>> {
    Ok(statuses::table
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(accounts::domain.is_not_null())
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .group_by(accounts::domain)
        .select((accounts::domain, count_star()))
        .order(count_star().desc())
        .limit(limit)
        .load(conn)?)
}

/// Bytes of stored media (uploads and cached remote files).
pub fn media_bytes(conn: &mut DbConn) -> AppResult<i64> {
    let sizes: Vec<i64> = media_attachments::table.select(media_attachments::file_size).load(conn)?;
    Ok(sizes.into_iter().sum())
}

/// Sign-ups in a period (account, when) and the local statuses of those accounts since (for retention).
pub fn cohort_activity(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<(Vec<(i64, NaiveDateTime)>, Vec<(i64, NaiveDateTime)>)> {
    let joined = users::table
        .filter(users::created_at.ge(from).and(users::created_at.lt(to)))
        .select((users::account_id, users::created_at))
        .load::<(i64, NaiveDateTime)>(conn)?;
    let ids: Vec<i64> = joined.iter().map(|(id, _)| *id).collect();
    let posted = statuses::table
        .filter(statuses::account_id.eq_any(ids))
        .filter(statuses::created_at.ge(from))
        .select((statuses::account_id, statuses::created_at))
        .load::<(i64, NaiveDateTime)>(conn)?;
    Ok((joined, posted))
}

#[derive(QueryableByName)]
struct Reading {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

/// The database engine's name and version.
pub fn database_version(conn: &mut DbConn) -> AppResult<(&'static str, String)> {
    let (name, sql) = match conn {
        crate::db::pool::AnyConnection::Sqlite(_) => ("SQLite", "SELECT sqlite_version() AS text"),
        crate::db::pool::AnyConnection::Postgresql(_) => ("PostgreSQL", "SELECT current_setting('server_version') AS text"),
    };
    let reading: Reading = diesel::sql_query(sql).get_result(conn)?;
    Ok((name, reading.text))
}

/// The database's size on disk, in bytes.
pub fn database_bytes(conn: &mut DbConn) -> AppResult<i64> {
    let sql = match conn {
        crate::db::pool::AnyConnection::Sqlite(_) => "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()",
        crate::db::pool::AnyConnection::Postgresql(_) => "SELECT pg_database_size(current_database()) AS bytes",
    };
    let size: Size = diesel::sql_query(sql).get_result(conn)?;
    Ok(size.bytes)
}

/// Local statuses in a period by the app that posted them, most first.
pub fn sources(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime, limit: i64) -> AppResult<Vec<(Option<String>, i64)>> {
    use crate::db::schema::oauth_apps;
    Ok(statuses::table
        .inner_join(oauth_apps::table.on(statuses::app_id.eq(oauth_apps::id.nullable())))
        .filter(statuses::local.eq(true))
        .filter(statuses::created_at.ge(from).and(statuses::created_at.lt(to)))
        .group_by(oauth_apps::name)
        .select((oauth_apps::name.nullable(), count_star()))
        .order(count_star().desc())
        .limit(limit)
        .load(conn)?)
}

/// A domain's accounts with the most followers here.
pub fn most_followed_of(conn: &mut DbConn, domain: &str, limit: i64) -> AppResult<Vec<(String, i64)>> {
    Ok(accounts::table
        .filter(accounts::domain.eq(domain))
        .order(accounts::followers_count.desc())
        .limit(limit)
        .select((accounts::username, accounts::followers_count))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .map(|(name, count)| (name, i64::from(count)))
        .collect())
}
