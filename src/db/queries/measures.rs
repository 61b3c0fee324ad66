//! What the admin dashboard counts: the times things happened in a period, with what tells them apart (an
//! account, a domain) or how much they weigh (bytes); `service::measures` buckets them by day.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::schema::{accounts, favourites, follows, media_attachments, reports, status_tags, statuses, users};
use crate::db::DbConn;
use crate::error::AppResult;

/// One thing that happened: when, and the account or domain it belongs to (for counting distinct ones).
pub type Sample = (NaiveDateTime, String);

/// (when, value) of a query's rows whose time `$at` lies in `[$from, $to)`.
macro_rules! timed {
    ($query:expr, $at:expr, $value:expr, $from:expr, $to:expr, $conn:expr) => {{
        let rows: Vec<(NaiveDateTime, i64)> = $query.filter($at.ge($from).and($at.lt($to))).select(($at, $value)).load($conn)?;
        rows
    }};
}

/// The same as samples keyed by the value (an account or a row id).
macro_rules! samples {
    ($($arg:expr),+ $(,)?) => {
        timed!($($arg),+).into_iter().map(|(at, key)| (at, key.to_string())).collect::<Vec<Sample>>()
    };
}

/// Local statuses, by author (who was active).
pub fn local_statuses(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    Ok(samples!(statuses::table.filter(statuses::local.eq(true)), statuses::created_at, statuses::account_id, from, to, conn))
}

/// Local users' sign-ins (the last of each) and favourites, by account: activity that posts nothing.
pub fn local_activity(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let mut active = samples!(users::table, users::last_sign_in_at.assume_not_null(), users::account_id, from, to, conn);
    let local_favourites = favourites::table.inner_join(accounts::table.on(accounts::id.eq(favourites::account_id))).filter(accounts::domain.is_null());
    active.extend(samples!(local_favourites, favourites::created_at, favourites::account_id, from, to, conn));
    Ok(active)
}

pub fn new_users(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    Ok(samples!(users::table, users::created_at, users::account_id, from, to, conn))
}

/// Favourites, boosts and replies of local accounts' statuses (by anyone).
pub fn interactions(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    let local_statuses = statuses::table.filter(statuses::local.eq(true)).select(statuses::id);
    let local_accounts = accounts::table.filter(accounts::domain.is_null()).select(accounts::id.nullable());
    let mut found = samples!(favourites::table.filter(favourites::status_id.eq_any(local_statuses)), favourites::created_at, favourites::id, from, to, conn);
    let originals = diesel::alias!(statuses as originals);
    let local_originals = originals.filter(originals.field(statuses::local).eq(true)).select(originals.field(statuses::id).nullable());
    let reblogs_and_replies = statuses::table.filter(statuses::reblog_of_id.eq_any(local_originals).or(statuses::in_reply_to_account_id.eq_any(local_accounts)));
    found.extend(samples!(reblogs_and_replies, statuses::created_at, statuses::id, from, to, conn));
    Ok(found)
}

pub fn opened_reports(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    Ok(samples!(reports::table, reports::created_at, reports::id, from, to, conn))
}

pub fn resolved_reports(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<Sample>> {
    Ok(samples!(reports::table, reports::action_taken_at.assume_not_null(), reports::id, from, to, conn))
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

/// (when, weight) of what came from a domain in a period: one for each thing, bytes for media.
pub fn from_domain(conn: &mut DbConn, kind: FromDomain, domain: &str, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<Vec<(NaiveDateTime, i64)>> {
    let of_domain = accounts::table.filter(accounts::domain.eq(domain)).select(accounts::id);
    let local = accounts::table.filter(accounts::domain.is_null()).select(accounts::id);
    Ok(match kind {
        FromDomain::Accounts => timed!(accounts::table.filter(accounts::domain.eq(domain)), accounts::created_at, 1.into_sql::<BigInt>(), from, to, conn),
        FromDomain::Statuses => timed!(statuses::table.filter(statuses::account_id.eq_any(of_domain)), statuses::created_at, 1.into_sql::<BigInt>(), from, to, conn),
        FromDomain::Media => {
            let media = media_attachments::table.filter(media_attachments::account_id.eq_any(of_domain));
            timed!(media, media_attachments::created_at, media_attachments::file_size, from, to, conn)
        }
        FromDomain::Reports => timed!(reports::table.filter(reports::target_account_id.eq_any(of_domain)), reports::created_at, 1.into_sql::<BigInt>(), from, to, conn),
        FromDomain::Follows => {
            let follows_out = follows::table.filter(follows::account_id.eq_any(local)).filter(follows::target_account_id.eq_any(of_domain));
            timed!(follows_out, follows::created_at, 1.into_sql::<BigInt>(), from, to, conn)
        }
        FromDomain::Followers => {
            let follows_in = follows::table.filter(follows::account_id.eq_any(of_domain)).filter(follows::target_account_id.eq_any(local));
            timed!(follows_in, follows::created_at, 1.into_sql::<BigInt>(), from, to, conn)
        }
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

/// (account, when) pairs.
pub type Dated = Vec<(i64, NaiveDateTime)>;

/// Sign-ups in a period (account, when) and the local statuses of those accounts since (for retention).
pub fn cohort_activity(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> AppResult<(Dated, Dated)> {
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
