//! Favourites, bookmarks and pins: three tables of the same shape, one set of functions each.

use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Status, StatusMark};
use crate::db::schema::statuses;
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    Favourite,
    Bookmark,
    Pin,
}

macro_rules! mark_queries {
    ($table:ident) => {
        pub mod $table {
            use super::*;
            use crate::db::schema::$table as t;

            /// Adds the mark; false when it was already there.
            pub fn insert(conn: &mut DbConn, mark: &StatusMark) -> AppResult<bool> {
                note(Stale::Marks(mark.account_id, mark.status_id));
                if find(conn, mark.account_id, mark.status_id)?.is_some() {
                    return Ok(false);
                }
                insert_if_absent(conn, |conn| insert_row(conn, mark))
            }

            fn insert_row(conn: &mut DbConn, mark: &StatusMark) -> AppResult<()> {
                diesel::insert_into(t::table)
                    .values((
                        t::id.eq(mark.id),
                        t::account_id.eq(mark.account_id),
                        t::status_id.eq(mark.status_id),
                        t::created_at.eq(mark.created_at),
                    ))
                    .execute(conn)?;
                Ok(())
            }

            pub fn find(conn: &mut DbConn, account_id: AccountId, status_id: StatusId) -> AppResult<Option<StatusMark>> {
                Ok(t::table
                    .filter(t::account_id.eq(account_id))
                    .filter(t::status_id.eq(status_id))
                    .select((t::id, t::account_id, t::status_id, t::created_at))
                    .first(conn)
                    .optional()?)
            }

            /// Removes the mark; false when there was none.
            pub fn delete(conn: &mut DbConn, account_id: AccountId, status_id: StatusId) -> AppResult<bool> {
                note(Stale::Marks(account_id, status_id));
                let deleted = diesel::delete(
                    t::table.filter(t::account_id.eq(account_id)).filter(t::status_id.eq(status_id)),
                )
                .execute(conn)?;
                Ok(deleted > 0)
            }

            /// Which of `status_ids` carry this account's mark.
            pub fn marked_among(conn: &mut DbConn, account_id: AccountId, status_ids: &[StatusId]) -> AppResult<Vec<StatusId>> {
                if status_ids.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(t::table
                    .filter(t::account_id.eq(account_id))
                    .filter(t::status_id.eq_any(status_ids))
                    .select(t::status_id)
                    .load(conn)?)
            }

            pub fn status_ids_of(conn: &mut DbConn, account_id: AccountId) -> AppResult<Vec<StatusId>> {
                Ok(t::table.filter(t::account_id.eq(account_id)).select(t::status_id).load(conn)?)
            }

            /// (status id, status URI) of every status an account marked, the latest mark first (exports).
            pub fn status_uris_of(conn: &mut DbConn, account_id: AccountId) -> AppResult<Vec<(StatusId, String)>> {
                Ok(t::table
                    .inner_join(statuses::table)
                    .filter(t::account_id.eq(account_id))
                    .order(t::id.desc())
                    .select((statuses::id, statuses::uri))
                    .load(conn)?)
            }

            pub fn count_of(conn: &mut DbConn, account_id: AccountId) -> AppResult<i64> {
                Ok(t::table.filter(t::account_id.eq(account_id)).count().get_result(conn)?)
            }

            /// (mark id, status) of an account's marks, paginated by mark id.
            pub fn page(conn: &mut DbConn, account_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Status)>> {
                let query = t::table
                    .inner_join(statuses::table)
                    .filter(t::account_id.eq(account_id))
                    .select((t::id, Status::as_select()))
                    .into_boxed();
                Ok(load_page!(query, t::id, page, conn))
            }

            /// (mark id, account id) of those who marked a status, paginated by mark id.
            pub fn markers_page(conn: &mut DbConn, status_id: StatusId, page: &Page) -> AppResult<Vec<(i64, AccountId)>> {
                let query = t::table
                    .filter(t::status_id.eq(status_id))
                    .select((t::id, t::account_id))
                    .into_boxed();
                Ok(load_page!(query, t::id, page, conn))
            }
        }
    };
}

mark_queries!(favourites);
mark_queries!(bookmarks);
mark_queries!(status_pins);

/// Conversations muted by an account, by thread.
pub mod thread_mutes {
    use super::*;
    use crate::db::schema::thread_mutes as t;

    /// Mutes a thread; the viewer's marks on its statuses change (`muted`).
    pub fn insert(conn: &mut DbConn, account_id: AccountId, thread_id: StatusId) -> AppResult<()> {
        note_thread(conn, account_id, thread_id)?;
        insert_if_absent(conn, |conn| {
            diesel::insert_into(t::table).values((t::account_id.eq(account_id), t::thread_id.eq(thread_id))).execute(conn)?;
            Ok(())
        })?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, account_id: AccountId, thread_id: StatusId) -> AppResult<()> {
        note_thread(conn, account_id, thread_id)?;
        diesel::delete(t::table.filter(t::account_id.eq(account_id)).filter(t::thread_id.eq(thread_id))).execute(conn)?;
        Ok(())
    }

    fn note_thread(conn: &mut DbConn, account_id: AccountId, thread_id: StatusId) -> AppResult<()> {
        let members: Vec<StatusId> = statuses::table.filter(statuses::thread_id.eq(thread_id)).select(statuses::id).load(conn)?;
        for status_id in members {
            note(Stale::Marks(account_id, status_id));
        }
        Ok(())
    }

    /// Which of `thread_ids` the account muted.
    pub fn muted_among(conn: &mut DbConn, account_id: AccountId, thread_ids: &[StatusId]) -> AppResult<Vec<StatusId>> {
        Ok(t::table.filter(t::account_id.eq(account_id)).filter(t::thread_id.eq_any(thread_ids)).select(t::thread_id).load(conn)?)
    }

    /// Whether the account muted the thread of the status.
    pub fn mutes_status(conn: &mut DbConn, account_id: AccountId, status_id: StatusId) -> AppResult<bool> {
        let thread = statuses::table.find(status_id).select(statuses::thread_id);
        let found: i64 = t::table
            .filter(t::account_id.eq(account_id))
            .filter(t::thread_id.eq_any(thread))
            .count()
            .get_result(conn)?;
        Ok(found > 0)
    }
}
