//! Connections: one enum over both backends, chosen by the URL scheme, pooled with r2d2.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;
use crate::db::events::Event;
use crate::db::tx::{Committed, Outbox, Tx};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection type every query function takes.
pub type DbConn = AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend named by a database URL's scheme; anything else is a configuration error.
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    }
}

/// Turns `sqlite://path` (or `sqlite:path`) into the path SQLite opens.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(AnyConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// What runs after each committed write (hands events to the live streams, wakes the delivery worker).
pub type AfterCommit = Arc<dyn Fn(Committed) + Send + Sync>;

/// The database handle carried in app state: a pool, on SQLite the lock that keeps to one writer, and
/// what writes hand on: messages to other instances to the outbox, the rest after commit.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    url: String,
    backend: Backend,
    sqlite_writer: Option<Arc<Mutex<()>>>,
    outbox: Option<Arc<dyn Outbox>>,
    after_commit: Option<AfterCommit>,
}

impl Database {
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, String> {
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            enable_wal(sqlite_path(url))?;
        }
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { url: url.to_owned(), backend })
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        let sqlite_writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Database { pool, url: url.to_owned(), backend, sqlite_writer, outbox: None, after_commit: None })
    }

    /// The same database, its writes able to federate through `outbox`.
    pub fn with_outbox(&self, outbox: Arc<dyn Outbox>) -> Database {
        Database { outbox: Some(outbox), ..self.clone() }
    }

    /// The same database, running `after_commit` after each committed write.
    pub fn with_after_commit(&self, after_commit: AfterCommit) -> Database {
        Database { after_commit: Some(after_commit), ..self.clone() }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self.pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
        let applied = match &mut *conn {
            AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| format!("migration failed: {e}"))
    }

    pub fn get(&self) -> Result<PooledConnection<Manager>, AppError> {
        self.pool.get().map_err(|e| AppError::Unavailable(format!("database pool: {e}")))
    }

    /// Runs read-only work on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.get()?;
            work(&mut conn)
        })
        .await
    }

    /// Runs work in one transaction on a blocking thread (one writer at a time on SQLite); what the work
    /// noted on its [`Tx`] happens once the transaction has committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || db.write_blocking(work)).await
    }

    /// The same as [`Database::write`], for callers already off the async threads (CLI, workers).
    pub fn write_blocking<T>(&self, work: impl FnOnce(&mut Tx) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.get()?;
        let _guard = self.sqlite_writer.as_ref().map(|lock| lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let conn: &mut DbConn = &mut conn;
        // On PostgreSQL the events go out with the commit (NOTIFY), to every process's streams.
        let notify = self.backend == Backend::Postgres && self.after_commit.is_some();
        let mut committed = Committed::default();
        let value = conn.transaction(|conn| {
            let mut tx = Tx::new(conn, self.outbox.clone());
            let value = work(&mut tx)?;
            if notify {
                let events = tx.take_events();
                publish(&mut tx, events)?;
            }
            committed = tx.into_committed();
            Ok::<T, AppError>(value)
        })?;
        if let Some(after_commit) = &self.after_commit {
            if !committed.events.is_empty() || committed.deliveries_queued {
                after_commit(committed);
            }
        }
        Ok(value)
    }

    /// On PostgreSQL, hands the events every process publishes (this one's too) to `sink`, from a
    /// connection of its own that LISTENs; it stops once the sink's receiver is gone.
    pub fn listen_events(&self, sink: tokio::sync::mpsc::UnboundedSender<Vec<Event>>) {
        if self.backend != Backend::Postgres {
            return;
        }
        let url = self.url.clone();
        std::thread::spawn(move || {
            while !sink.is_closed() {
                let listened = PgConnection::establish(&url).map_err(|e| e.to_string()).and_then(|mut conn| listen(&mut conn, &sink));
                if let Err(e) = listened {
                    if !sink.is_closed() {
                        log::warn!("streaming: listening for events failed, retrying: {e}");
                    }
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    }

    pub fn read_blocking<T>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.get()?;
        work(&mut conn)
    }
}

const EVENTS_CHANNEL: &str = "hallway_events";
/// How often the listening connection looks for notifications.
const LISTEN_POLL: Duration = Duration::from_millis(5);

fn publish(conn: &mut DbConn, pending: Vec<Event>) -> Result<(), AppError> {
    use diesel::sql_types::Text;
    for event in pending {
        let payload = serde_json::to_string(&event.for_notify()).map_err(|e| AppError::Internal(e.to_string()))?;
        diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(EVENTS_CHANNEL).bind::<Text, _>(payload).execute(conn)?;
    }
    Ok(())
}

fn listen(conn: &mut PgConnection, sink: &tokio::sync::mpsc::UnboundedSender<Vec<Event>>) -> Result<(), String> {
    conn.batch_execute(&format!("LISTEN {EVENTS_CHANNEL}")).map_err(|e| e.to_string())?;
    while !sink.is_closed() {
        let mut batch = Vec::new();
        for notification in conn.notifications_iter() {
            let notification = notification.map_err(|e| e.to_string())?;
            match serde_json::from_str(&notification.payload) {
                Ok(event) => batch.push(event),
                Err(e) => log::warn!("streaming: unreadable event {}: {e}", notification.payload),
            }
        }
        if batch.is_empty() {
            std::thread::sleep(LISTEN_POLL);
        } else if sink.send(batch).is_err() {
            break;
        }
    }
    Ok(())
}

/// A private in-memory SQLite database with every migration applied, for unit tests of services and queries.
#[cfg(test)]
pub fn in_memory() -> DbConn {
    let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory SQLite database");
    conn.batch_execute("PRAGMA foreign_keys = ON;").expect("foreign keys");
    conn.run_pending_migrations(SQLITE_MIGRATIONS).expect("migrations");
    AnyConnection::Sqlite(conn)
}

async fn run_blocking<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
}

/// Switches the database file to WAL once, before the pool opens its connections (the mode persists).
fn enable_wal(path: &str) -> Result<(), String> {
    create_parent_dir(path)?;
    let mut conn = SqliteConnection::establish(path).map_err(|e| format!("cannot open the database {path}: {e}"))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
        .map_err(|e| format!("cannot switch {path} to WAL: {e}"))
}

fn create_parent_dir(path: &str) -> Result<(), String> {
    if path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the database directory {}: {e}", dir.display())),
        _ => Ok(()),
    }
}
