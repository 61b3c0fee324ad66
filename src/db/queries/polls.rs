use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::json::Json;
use crate::db::models::{Poll, PollVote, RemotePollChanges};
use crate::db::schema::{poll_votes, polls};
use crate::db::{insert_if_absent, AnyConnection, DbConn};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

pub fn insert(conn: &mut DbConn, poll: &Poll) -> AppResult<()> {
    note(Stale::Status(poll.status_id));
    diesel::insert_into(polls::table).values(poll.clone()).execute(conn)?;
    Ok(())
}

/// The counts of a local poll (recounted) or of a remote one (as its instance said, or plus a local vote).
pub fn set_counts(conn: &mut DbConn, poll_id: i64, counts: &[i64], voters_count: i64) -> AppResult<()> {
    note(Stale::Status(status_of(conn, poll_id)?));
    let counts_json = String::from(Json(counts.to_vec()));
    diesel::update(polls::table.find(poll_id))
        .set((polls::counts_json.eq(counts_json), polls::voters_count.eq(voters_count)))
        .execute(conn)?;
    Ok(())
}

/// A remote poll as its instance now describes it (what this instance keeps of its own stays).
pub fn refresh_remote(conn: &mut DbConn, poll_id: i64, changes: RemotePollChanges) -> AppResult<()> {
    note(Stale::Status(status_of(conn, poll_id)?));
    diesel::update(polls::table.find(poll_id)).set(changes).execute(conn)?;
    Ok(())
}

pub fn mark_ended_notified(conn: &mut DbConn, poll_id: i64) -> AppResult<()> {
    note(Stale::Status(status_of(conn, poll_id)?));
    diesel::update(polls::table.find(poll_id)).set(polls::ended_notified.eq(true)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, poll_id: i64) -> AppResult<Option<Poll>> {
    Ok(polls::table.find(poll_id).select(Poll::as_select()).first(conn).optional()?)
}

/// The poll, locked until the transaction ends (PostgreSQL; SQLite has one writer), so that votes
/// counted at once are counted one after the other and none is lost.
pub fn find_for_update(conn: &mut DbConn, poll_id: i64) -> AppResult<Option<Poll>> {
    macro_rules! poll {
        () => {
            polls::table.find(poll_id).select(Poll::as_select())
        };
    }
    Ok(match conn {
        AnyConnection::Postgresql(pg) => poll!().for_update().first(pg).optional()?,
        AnyConnection::Sqlite(sqlite) => poll!().first(sqlite).optional()?,
    })
}

pub fn of_status(conn: &mut DbConn, status_id: StatusId) -> AppResult<Option<Poll>> {
    Ok(polls::table.filter(polls::status_id.eq(status_id)).select(Poll::as_select()).first(conn).optional()?)
}

pub fn of_statuses(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<Poll>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(polls::table.filter(polls::status_id.eq_any(status_ids)).select(Poll::as_select()).load(conn)?)
}

/// Records one choice; false when the voter had chosen it already.
pub fn insert_vote(conn: &mut DbConn, vote: &PollVote) -> AppResult<bool> {
    note(Stale::Marks(vote.account_id, status_of(conn, vote.poll_id)?));
    insert_if_absent(conn, |conn| {
        diesel::insert_into(poll_votes::table).values(vote).execute(conn)?;
        Ok(())
    })
}

pub fn votes_of(conn: &mut DbConn, poll_id: i64) -> AppResult<Vec<PollVote>> {
    Ok(poll_votes::table.filter(poll_votes::poll_id.eq(poll_id)).select(PollVote::as_select()).load(conn)?)
}

/// The choices `account` made in these polls.
pub fn choices_among(conn: &mut DbConn, account: AccountId, poll_ids: &[i64]) -> AppResult<Vec<(i64, i32)>> {
    if poll_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(poll_votes::table
        .filter(poll_votes::account_id.eq(account))
        .filter(poll_votes::poll_id.eq_any(poll_ids))
        .select((poll_votes::poll_id, poll_votes::choice))
        .load(conn)?)
}

/// Polls that have ended and whose end nobody was told of yet.
pub fn ended_unannounced(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> AppResult<Vec<Poll>> {
    Ok(polls::table
        .filter(polls::ended_notified.eq(false))
        .filter(polls::expires_at.le(now))
        .order(polls::expires_at.asc())
        .limit(limit)
        .select(Poll::as_select())
        .load(conn)?)
}

fn status_of(conn: &mut DbConn, poll_id: i64) -> AppResult<StatusId> {
    Ok(polls::table.find(poll_id).select(polls::status_id).first(conn)?)
}
