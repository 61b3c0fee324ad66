//! Quote posts: which status quotes which, and where each quote stands.

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::cache::{note, Stale};
use crate::db::kinds::QuoteState;
use crate::db::models::{Quote, Status};
use crate::db::schema::{quotes, statuses};
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::StatusId;

/// A quote changed: the quoting status shows it, the quoted one counts it.
fn note_both(quote: &Quote) {
    note(Stale::Status(quote.status_id));
    if let Some(quoted) = quote.quoted_status_id {
        note(Stale::Status(quoted));
    }
}

pub fn insert(conn: &mut DbConn, quote: &Quote) -> AppResult<()> {
    note_both(quote);
    diesel::insert_into(quotes::table).values(quote.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, quote_id: i64) -> AppResult<Option<Quote>> {
    Ok(quotes::table.find(quote_id).select(Quote::as_select()).first(conn).optional()?)
}

pub fn of_status(conn: &mut DbConn, status_id: StatusId) -> AppResult<Option<Quote>> {
    Ok(quotes::table.filter(quotes::status_id.eq(status_id)).select(Quote::as_select()).first(conn).optional()?)
}

pub fn of_statuses(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<Quote>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(quotes::table.filter(quotes::status_id.eq_any(status_ids)).select(Quote::as_select()).load(conn)?)
}

pub fn by_request(conn: &mut DbConn, request_uri: &str) -> AppResult<Option<Quote>> {
    Ok(quotes::table.filter(quotes::request_uri.eq(request_uri)).select(Quote::as_select()).first(conn).optional()?)
}

/// The quotes an authorization covers, of statuses by `quoted_author`.
pub fn approved_by(conn: &mut DbConn, approval_uri: &str, quoted_author: crate::ids::AccountId) -> AppResult<Vec<Quote>> {
    Ok(quotes::table
        .inner_join(statuses::table.on(statuses::id.nullable().eq(quotes::quoted_status_id)))
        .filter(quotes::approval_uri.eq(approval_uri))
        .filter(statuses::account_id.eq(quoted_author))
        .select(Quote::as_select())
        .load(conn)?)
}

pub fn delete(conn: &mut DbConn, quote: &Quote) -> AppResult<()> {
    note_both(quote);
    diesel::delete(quotes::table.find(quote.id)).execute(conn)?;
    Ok(())
}

/// (quoted status, accepted quotes of it) for those of `status_ids` that are quoted.
pub fn accepted_counts(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<(StatusId, i64)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<StatusId>, i64)> = quotes::table
        .filter(quotes::quoted_status_id.eq_any(status_ids))
        .filter(quotes::state.eq(QuoteState::Accepted.as_str()))
        .group_by(quotes::quoted_status_id)
        .select((quotes::quoted_status_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, count)| Some((id?, count))).collect())
}

/// The accepted quotes of a status with their quoting statuses, paged by the quote's id.
pub fn accepted_page(conn: &mut DbConn, quoted: StatusId, page: &Page) -> AppResult<Vec<(i64, Status)>> {
    let query = quotes::table
        .inner_join(statuses::table.on(statuses::id.eq(quotes::status_id)))
        .filter(quotes::quoted_status_id.eq(quoted))
        .filter(quotes::state.eq(QuoteState::Accepted.as_str()))
        .select((quotes::id, Status::as_select()))
        .into_boxed();
    Ok(load_page!(query, quotes::id, page, conn))
}

/// The local statuses with an accepted quote of a status (whose authors hear of its edits).
pub fn accepted_local_quoting(conn: &mut DbConn, quoted: StatusId) -> AppResult<Vec<Status>> {
    Ok(quotes::table
        .inner_join(statuses::table.on(statuses::id.eq(quotes::status_id)))
        .filter(quotes::quoted_status_id.eq(quoted))
        .filter(quotes::state.eq(QuoteState::Accepted.as_str()))
        .filter(statuses::local.eq(true))
        .select(Status::as_select())
        .load(conn)?)
}

pub fn set_state(conn: &mut DbConn, quote: &Quote, state: QuoteState, approval_uri: Option<&str>, at: chrono::NaiveDateTime) -> AppResult<()> {
    note_both(quote);
    diesel::update(quotes::table.find(quote.id))
        .set((quotes::state.eq(state.as_str()), quotes::approval_uri.eq(approval_uri), quotes::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn set_request(conn: &mut DbConn, quote_id: i64, request_uri: &str) -> AppResult<()> {
    diesel::update(quotes::table.find(quote_id)).set(quotes::request_uri.eq(request_uri)).execute(conn)?;
    Ok(())
}

pub fn set_policy(conn: &mut DbConn, status_id: StatusId, policy: crate::db::kinds::QuotePolicy) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(statuses::table.find(status_id)).set(statuses::quote_policy.eq(policy.as_str())).execute(conn)?;
    Ok(())
}

/// A status is going: those quoting it show it as deleted from now on, and the one it quotes counts one less.
pub fn note_going(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    let quoting: Vec<StatusId> = quotes::table.filter(quotes::quoted_status_id.eq(status_id)).select(quotes::status_id).load(conn)?;
    for quoting_id in quoting {
        note(Stale::Status(quoting_id));
    }
    if let Some(Some(quoted)) = quotes::table.filter(quotes::status_id.eq(status_id)).select(quotes::quoted_status_id).first::<Option<StatusId>>(conn).optional()? {
        note(Stale::Status(quoted));
    }
    Ok(())
}
