//! Full-text search of statuses: SQLite's FTS5 and PostgreSQL's tsvector, the one place where the two
//! backends need different SQL.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::{AnyConnection, DbConn};
use crate::error::AppResult;
use crate::ids::StatusId;

fn is_sqlite(conn: &DbConn) -> bool {
    matches!(conn, AnyConnection::Sqlite(_))
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Sets the searchable text of a status.
pub fn index(conn: &mut DbConn, status_id: StatusId, body: &str) -> AppResult<()> {
    unindex(conn, status_id)?;
    let insert = if is_sqlite(conn) {
        "INSERT INTO status_search (rowid, body) VALUES ($1, $2)"
    } else {
        "INSERT INTO status_search (status_id, body) VALUES ($1, $2)"
    };
    diesel::sql_query(insert).bind::<BigInt, _>(status_id).bind::<Text, _>(body).execute(conn)?;
    Ok(())
}

pub fn unindex(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    let delete = if is_sqlite(conn) {
        "DELETE FROM status_search WHERE rowid = $1"
    } else {
        "DELETE FROM status_search WHERE status_id = $1"
    };
    diesel::sql_query(delete).bind::<BigInt, _>(status_id).execute(conn)?;
    Ok(())
}

/// Ids of statuses whose text has every word of `words`, newest first, below `before` when given.
pub fn matching(conn: &mut DbConn, words: &[String], before: Option<StatusId>, limit: i64) -> AppResult<Vec<StatusId>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let before = before.map_or(i64::MAX, |id| id.0);
    let found: Vec<Found> = if is_sqlite(conn) {
        {
            // Each word quoted, so that FTS5 reads no operators from user text.
            let expression = words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ");
            diesel::sql_query(
                "SELECT rowid AS id FROM status_search WHERE status_search MATCH $1 AND rowid < $2 ORDER BY rowid DESC LIMIT $3",
            )
            .bind::<Text, _>(expression)
            .bind::<BigInt, _>(before)
            .bind::<BigInt, _>(limit)
            .load(conn)?
        }
    } else {
        diesel::sql_query(
            "SELECT status_id AS id FROM status_search WHERE document @@ plainto_tsquery('simple', $1) AND status_id < $2 \
             ORDER BY status_id DESC LIMIT $3",
        )
        .bind::<Text, _>(words.join(" "))
        .bind::<BigInt, _>(before)
        .bind::<BigInt, _>(limit)
        .load(conn)?
    };
    Ok(found.into_iter().map(|f| StatusId(f.id)).collect())
}
