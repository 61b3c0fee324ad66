//! The only module that speaks diesel.

pub mod cache;
pub mod events;
pub mod json;
pub mod kinds;
pub mod models;
pub mod pool;
pub mod queries;
pub mod schema;
pub mod scopes;
pub mod seed;
pub mod tx;
pub mod views;

pub use pool::{AnyConnection, Backend, Database, DbConn, Reader};
pub use tx::Tx;

use crate::error::AppResult;

/// Bounds of a page of rows ordered by an id column, as Mastodon's `max_id`/`since_id`/`min_id`/`limit`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

/// Applies a [`Page`] to a boxed query on `$column`, loads it and returns the rows newest first.
macro_rules! load_page {
    ($query:expr, $column:expr, $page:expr, $conn:expr) => {{
        let page: &$crate::db::Page = $page;
        let mut query = $query;
        if let Some(max_id) = page.max_id {
            query = query.filter($column.lt(max_id));
        }
        if let Some(since_id) = page.since_id {
            query = query.filter($column.gt(since_id));
        }
        query = match page.min_id {
            Some(min_id) => query.filter($column.gt(min_id)).order($column.asc()),
            None => query.order($column.desc()),
        };
        let mut rows: Vec<_> = query.limit(page.limit).load($conn)?;
        if page.min_id.is_some() {
            rows.reverse();
        }
        rows
    }};
}
pub(crate) use load_page;

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same in SQLite and PostgreSQL.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Runs an insert in a savepoint; false when a unique constraint says the row exists already (a concurrent
/// transaction won the race), so that callers can take the "already there" path instead of failing.
pub fn insert_if_absent(conn: &mut DbConn, insert: impl FnOnce(&mut DbConn) -> AppResult<()>) -> AppResult<bool> {
    use diesel::Connection;
    match conn.transaction(insert) {
        Ok(()) => Ok(true),
        Err(error) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
