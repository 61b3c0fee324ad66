//! Connections: one enum over both backends, chosen by the URL scheme, pooled with r2d2.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use quick_cache::sync::Cache;

use crate::error::AppError;
use crate::db::cache::{self, CacheSizes, Caches, Stale};
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
                // A small page cache per pooled connection: the file's pages stay in the system's cache anyway,
                // and the read caches above answer most reads.
                conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -1024;")
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
    caches: Arc<Caches>,
    /// Tells this process's own cache news apart from other processes' (random per handle).
    origin: i64,
    /// Set when the server stops: the thread watching other processes' news ends.
    stopped: Arc<std::sync::atomic::AtomicBool>,
    /// Where the watching thread hands the events every process publishes (PostgreSQL), once the streaming
    /// hub listens.
    event_sink: EventSink,
}

type EventSink = Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<Vec<Event>>>>>;

impl Database {
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, String> {
        Database::connect_with(url, pool_size, CacheSizes::default())
    }

    pub fn connect_with(url: &str, pool_size: u32, cache_sizes: CacheSizes) -> Result<Database, String> {
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
        let caches = Arc::new(Caches::new(cache_sizes));
        let origin = rand::random::<i64>();
        let stopped = Arc::default();
        Ok(Database { pool, url: url.to_owned(), backend, sqlite_writer, outbox: None, after_commit: None, caches, origin, stopped, event_sink: EventSink::default() })
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

    pub fn caches(&self) -> &Caches {
        &self.caches
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

    /// How many migrations of this backend are not applied yet (for `/readyz`).
    pub fn pending_migrations(&self) -> Result<usize, String> {
        let mut conn = self.pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
        let pending = match &mut *conn {
            AnyConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            AnyConnection::Postgresql(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        pending.map_err(|e| format!("cannot read the migrations: {e}"))
    }

    /// Writes a consistent copy of a SQLite database to `target` (which must not exist) while the instance
    /// keeps running: `VACUUM INTO` reads one snapshot, and writers go on beside it (WAL).
    pub fn copy_sqlite_into(&self, target: &std::path::Path) -> Result<(), String> {
        let mut conn = self.pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
        let AnyConnection::Sqlite(sqlite) = &mut *conn else {
            return Err("the database is PostgreSQL: back it up with pg_dump (docs/operations.md)".into());
        };
        let target = target.to_str().ok_or("the backup's path is not UTF-8")?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(target)
            .execute(sqlite)
            .map(|_| ())
            .map_err(|e| format!("cannot copy the database: {e}"))
    }

    pub fn get(&self) -> Result<PooledConnection<Manager>, AppError> {
        let asked = std::time::Instant::now();
        let conn = self.pool.get().map_err(|e| AppError::Unavailable(format!("database pool: {e}")));
        crate::telemetry::pool_wait(asked.elapsed());
        conn
    }

    /// The pool's connections and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
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
        let mut stale = Vec::new();
        let value = cache::noting(|| {
            write_transaction(conn, |conn| {
                let mut tx = Tx::new(conn, self.outbox.clone());
                let value = work(&mut tx)?;
                if notify {
                    let events = tx.take_events();
                    publish(&mut tx, events)?;
                }
                stale = cache::take_noted();
                self.tell_other_processes(&mut tx, &stale)?;
                committed = tx.into_committed();
                Ok::<T, AppError>(value)
            })
        })?;
        self.caches.drop_stale(&stale);
        if let Some(after_commit) = &self.after_commit {
            if !committed.events.is_empty() || committed.deliveries_queued {
                after_commit(committed);
            }
        }
        Ok(value)
    }

    /// On PostgreSQL, hands the events every process publishes (this one's too) to `sink`: the thread that
    /// watches other processes' news ([`Database::watch_other_processes`]) hears them on the same connection.
    pub fn listen_events(&self, sink: tokio::sync::mpsc::UnboundedSender<Vec<Event>>) {
        *self.event_sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    /// Reads through the caches: first on the calling thread with the caches alone, and when they lack
    /// something (the work asked [`Reader::conn`]), again on a blocking thread with the database. `work` only
    /// reads, so running it twice is safe.
    pub async fn read_cached<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut Reader) -> Result<T, AppError> + Send + 'static,
    {
        match work(&mut Reader { db: self, conn: None, cached_only: true }) {
            Err(AppError::NotCached) => {}
            answered => return answered,
        }
        let db = self.clone();
        run_blocking(move || work(&mut Reader { db: &db, conn: None, cached_only: false })).await
    }

    pub fn read_blocking<T>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.get()?;
        work(&mut conn)
    }
}

impl Database {
    /// Writes what a transaction made stale where other processes on this database read it: on PostgreSQL a
    /// NOTIFY (sent with the commit), on SQLite a row of `cache_changes`.
    fn tell_other_processes(&self, conn: &mut DbConn, stale: &[Stale]) -> Result<(), AppError> {
        use diesel::sql_types::{Text, Timestamp};
        if stale.is_empty() {
            return Ok(());
        }
        // A fan-out to many homes says much: in pieces that each fit a NOTIFY.
        for piece in stale.chunks(STALE_PER_NOTIFY) {
            let news = StaleNews { origin: self.origin, stale: piece.to_vec() };
            let payload = serde_json::to_string(&news).map_err(|e| AppError::Internal(e.to_string()))?;
            match self.backend {
                Backend::Postgres => diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(STALE_CHANNEL).bind::<Text, _>(payload).execute(conn)?,
                Backend::Sqlite => diesel::sql_query("INSERT INTO cache_changes (news, created_at) VALUES ($1, $2)")
                    .bind::<Text, _>(payload)
                    .bind::<Timestamp, _>(crate::ids::now())
                    .execute(conn)?,
            };
        }
        Ok(())
    }

    /// Drops from this process's caches what other processes' writes make stale, from a thread of its own
    /// that ends when the last handle on these caches is gone; on PostgreSQL the same thread hears the
    /// streaming events ([`Database::listen_events`]), on one connection.
    pub fn watch_other_processes(&self) -> Result<(), String> {
        let caches = Watched { caches: Arc::downgrade(&self.caches), stopped: self.stopped.clone(), event_sink: self.event_sink.clone() };
        let (pool, url, origin) = (self.pool.clone(), self.url.clone(), self.origin);
        match self.backend {
            Backend::Sqlite => {
                let last_seen = last_stale_news(&pool).map_err(|e| format!("cannot read cache_changes: {e}"))?;
                std::thread::spawn(move || watch_sqlite(&pool, &caches, origin, last_seen));
            }
            Backend::Postgres => {
                let conn = listening(&url).map_err(|e| format!("cannot listen for other processes' news: {e}"))?;
                std::thread::spawn(move || watch_postgres(&url, conn, &caches, origin));
            }
        }
        Ok(())
    }

    /// Ends the watching of other processes' news (the server stopped).
    pub fn stop_watching(&self) {
        self.stopped.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The caches a watching thread keeps up to date, while they exist and the server runs, and where it hands
/// the events it hears.
struct Watched {
    caches: std::sync::Weak<Caches>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
    event_sink: EventSink,
}

impl Watched {
    fn upgrade(&self) -> Option<Arc<Caches>> {
        if self.stopped.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        self.caches.upgrade()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StaleNews {
    origin: i64,
    stale: Vec<Stale>,
}

/// PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; the longest item (a token's hash) takes under
/// 80 bytes written.
const STALE_PER_NOTIFY: usize = 80;
const STALE_CHANNEL: &str = "hallway_stale";
/// How long `cache_changes` rows are kept for the other processes to read.
const STALE_NEWS_KEPT: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl StaleNews {
    /// Applies news read from the database; news this process wrote was applied at its commit.
    fn apply(payload: &str, caches: &Caches, origin: i64) {
        match serde_json::from_str::<StaleNews>(payload) {
            Ok(news) if news.origin == origin => {}
            Ok(news) => caches.drop_stale(&news.stale),
            Err(e) => {
                log::warn!("cache: unreadable news of a change {payload}: {e}");
                caches.clear();
            }
        }
    }
}

#[derive(diesel::QueryableByName)]
struct StaleNewsRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    news: String,
}

fn watch_sqlite(pool: &Pool<Manager>, caches: &Watched, origin: i64, mut last_seen: i64) {
    use diesel::sql_types::{BigInt, Timestamp};
    let mut last_pruned = std::time::Instant::now();
    loop {
        std::thread::sleep(cache::WATCH_INTERVAL);
        let Some(caches) = caches.upgrade() else { return };
        let read = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            let rows = diesel::sql_query("SELECT id, news FROM cache_changes WHERE id > $1 ORDER BY id LIMIT 1000")
                .bind::<BigInt, _>(last_seen)
                .load::<StaleNewsRow>(&mut *conn)
                .map_err(|e| e.to_string())?;
            if last_pruned.elapsed() > std::time::Duration::from_secs(60) {
                last_pruned = std::time::Instant::now();
                diesel::sql_query("DELETE FROM cache_changes WHERE created_at < $1")
                    .bind::<Timestamp, _>(crate::ids::now() - STALE_NEWS_KEPT)
                    .execute(&mut *conn)
                    .map_err(|e| e.to_string())?;
            }
            Ok(rows)
        });
        match read {
            Ok(rows) => {
                // Ids follow each other (AUTOINCREMENT, one writer at a time): a gap means rows were pruned
                // before this process read them.
                if rows.first().is_some_and(|row| row.id != last_seen + 1) {
                    caches.clear();
                }
                for row in &rows {
                    StaleNews::apply(&row.news, &caches, origin);
                }
                last_seen = rows.last().map_or(last_seen, |row| row.id);
            }
            Err(e) => {
                log::warn!("cache: cannot read other processes' changes, dropping every cached entry: {e}");
                caches.clear();
            }
        }
    }
}

/// The last of the `cache_changes` rows so far: a process starting now has nothing of theirs cached.
fn last_stale_news(pool: &Pool<Manager>) -> Result<i64, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let row = diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id, '' AS news FROM cache_changes")
        .get_result::<StaleNewsRow>(&mut *conn)
        .map_err(|e| e.to_string())?;
    Ok(row.id)
}

/// A connection that listens for what other processes send: news of changes and events for the streams.
fn listening(url: &str) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("LISTEN {STALE_CHANNEL}; LISTEN {EVENTS_CHANNEL};")).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Applies what `conn` hears until it fails or the caches are gone.
fn hear(conn: &mut PgConnection, watched: &Watched, origin: i64) -> Result<(), String> {
    loop {
        let Some(caches) = watched.upgrade() else { return Ok(()) };
        let mut heard = false;
        let mut events = Vec::new();
        for notification in conn.notifications_iter() {
            let notification = notification.map_err(|e| e.to_string())?;
            heard = true;
            if notification.channel == EVENTS_CHANNEL {
                match serde_json::from_str(&notification.payload) {
                    Ok(event) => events.push(event),
                    Err(e) => log::warn!("streaming: unreadable event {}: {e}", notification.payload),
                }
            } else {
                StaleNews::apply(&notification.payload, &caches, origin);
            }
        }
        if !events.is_empty() {
            let mut sink = watched.event_sink.lock().unwrap_or_else(|p| p.into_inner());
            if sink.as_ref().is_some_and(|sink| sink.send(events).is_err()) {
                *sink = None;
            }
        }
        if !heard {
            std::thread::sleep(LISTEN_POLL);
        }
    }
}

fn watch_postgres(url: &str, mut conn: PgConnection, caches: &Watched, origin: i64) {
    loop {
        if let Err(e) = hear(&mut conn, caches, origin) {
            log::warn!("listening for other processes' news and events failed, dropping every cached entry and retrying: {e}");
        }
        // While nobody listens nothing is heard: everything is dropped each second until a new connection
        // listens, and once more then.
        conn = loop {
            let Some(alive) = caches.upgrade() else { return };
            alive.clear();
            drop(alive);
            std::thread::sleep(Duration::from_secs(1));
            match listening(url) {
                Ok(again) => break again,
                Err(e) => log::warn!("cannot listen for other processes' news and events: {e}"),
            }
        };
        let Some(alive) = caches.upgrade() else { return };
        alive.clear();
    }
}

/// What a cached read works with: the caches, and a connection taken from the pool the first time it is
/// asked for (never, when everything was cached).
pub struct Reader<'a> {
    db: &'a Database,
    conn: Option<PooledConnection<Manager>>,
    /// On an async thread: asking for the connection answers [`AppError::NotCached`].
    cached_only: bool,
}

impl Reader<'_> {
    pub fn caches(&self) -> &Caches {
        &self.db.caches
    }

    /// The entry under `key` in the cache `pick` names, or else what `load` reads from the database for the
    /// key, kept (unless something was dropped meanwhile: [`Caches::fill`]).
    pub fn kept<K, V>(&mut self, pick: fn(&Caches) -> &Cache<K, V>, key: K, load: impl FnOnce(&mut DbConn, &K) -> Result<V, AppError>) -> Result<V, AppError>
    where
        K: std::hash::Hash + Eq,
        V: Clone,
    {
        if let Some(value) = pick(&self.db.caches).get(&key) {
            return Ok(value);
        }
        let since = self.db.caches.generation();
        let value = load(self.conn()?, &key)?;
        self.db.caches.fill(pick(&self.db.caches), since, key, value.clone());
        Ok(value)
    }

    pub fn conn(&mut self) -> Result<&mut DbConn, AppError> {
        if self.cached_only {
            return Err(AppError::NotCached);
        }
        let conn = match &mut self.conn {
            Some(conn) => conn,
            empty => empty.insert(self.db.get()?),
        };
        Ok(conn)
    }
}

const EVENTS_CHANNEL: &str = "hallway_events";
/// How often the listening connection looks for notifications when it heard none.
const LISTEN_POLL: Duration = Duration::from_millis(5);

fn publish(conn: &mut DbConn, pending: Vec<Event>) -> Result<(), AppError> {
    use diesel::sql_types::Text;
    for event in pending {
        let payload = serde_json::to_string(&event.for_notify()).map_err(|e| AppError::Internal(e.to_string()))?;
        diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(EVENTS_CHANNEL).bind::<Text, _>(payload).execute(conn)?;
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

/// A write transaction. On SQLite it begins IMMEDIATE: the write lock is taken (waiting up to the busy
/// timeout) before the first read, so a transaction that reads and then writes cannot fail with SQLITE_BUSY
/// when another process (the CLI, a second server) wrote in between, which no busy timeout retries.
fn write_transaction<T>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
    let AnyConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    match work(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                log::warn!("a failed write could not be rolled back: {rollback}");
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::db::models::Peer;
    use crate::db::queries::peers;

    fn peer(host: &str) -> Peer {
        let now = crate::ids::now();
        Peer { id: crate::ids::next_id(), host: host.into(), allowed: true, created_at: now, updated_at: now, last_success_at: None, last_error_at: None, last_error: None, actor_uri: None, pinned_key_pem: None, offered_key_pem: None }
    }

    /// Two processes on one SQLite file: one reads, the other writes meanwhile, then the first writes. A
    /// deferred transaction fails at that last write (its read snapshot is stale: SQLITE_BUSY, which no busy
    /// timeout retries); an immediate one waits its turn.
    #[test]
    fn a_write_that_reads_first_survives_another_process_writing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/shared.db", dir.path().display());
        let (first, second) = (Database::connect(&url, 2).unwrap(), Database::connect(&url, 2).unwrap());
        first.migrate().unwrap();
        let (read, wrote) = (mpsc::channel(), mpsc::channel::<()>());
        let reader = std::thread::spawn(move || {
            first.write_blocking(|tx| {
                let before = peers::list(tx)?.len();
                read.0.send(()).unwrap();
                let _ = wrote.1.recv_timeout(Duration::from_millis(300));
                peers::insert(tx, &peer("first.corp.example"))?;
                Ok(before)
            })
        });
        read.1.recv().unwrap();
        let writer = second.write_blocking(|tx| peers::insert(tx, &peer("second.corp.example")));
        let _ = wrote.0.send(());
        assert!(writer.is_ok(), "{writer:?}");
        let reader = reader.join().unwrap();
        assert!(reader.is_ok(), "the first process's write failed: {:?}", reader.err().map(|e| e.cause()));
    }
}
