//! What reads keep between requests: rows and parts of views that many requests ask for, shared by them all
//! and dropped as soon as a committed write changes them.
//!
//! The queries that write say what they make stale ([`note`]); [`Database`](super::Database) collects that for
//! the transaction, drops the entries in this process right after the commit, and tells other processes on
//! the same database: on PostgreSQL by `NOTIFY` in the transaction, on SQLite by a row of `cache_changes`
//! that the others read every [`WATCH_INTERVAL`]. The queries note it themselves (through a thread-local set
//! by the transaction, since a query takes a bare connection) so that no write path can forget it.
//!
//! A read fills an entry only if nothing was dropped since it began ([`Caches::generation`] and
//! [`Caches::fill`]), so a read that raced a write never keeps what the write replaced.

use std::cell::RefCell;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use quick_cache::sync::Cache;
use quick_cache::Weighter;
use serde::{Deserialize, Serialize};

use crate::db::models::{Account, OauthApp, OauthToken, User};
use crate::db::views::{SharedParts, StatusParts, ViewerMarks, ViewerState};
use crate::ids::{AccountId, StatusId};

/// How often a process looks for what other processes wrote (SQLite).
pub const WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// What a write changed, as far as the caches care.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stale {
    Account(AccountId),
    User(AccountId),
    /// A token, by the hash it is stored under.
    Token(String),
    TokensOf(AccountId),
    Status(StatusId),
    /// One viewer's marks on one status (favourite, reblog, bookmark, pin, poll votes).
    Marks(AccountId, StatusId),
    /// The newest entries of one home timeline.
    Home(AccountId),
    /// The newest entries of the public timelines.
    Public,
    /// What one viewer hides and filters (mutes, blocks either way, domain blocks, exclusive lists, filters).
    Viewer(AccountId),
    InstanceStats,
    /// Custom emojis changed: every status may show them.
    Emojis,
    Everything,
}

thread_local! {
    static NOTED: RefCell<Option<Vec<Stale>>> = const { RefCell::new(None) };
}

/// Called by the queries that write: the transaction in progress on this thread makes `stale` out of date.
pub fn note(stale: Stale) {
    NOTED.with(|noted| {
        if let Some(list) = noted.borrow_mut().as_mut() {
            list.push(stale);
        }
    });
}

/// Runs `work` (a transaction) with what its queries note collected; `work` takes the list when it is
/// about to commit ([`take_noted`]).
pub(crate) fn noting<T>(work: impl FnOnce() -> T) -> T {
    let outer = NOTED.with(|noted| noted.borrow_mut().replace(Vec::new()));
    let value = work();
    NOTED.with(|noted| *noted.borrow_mut() = outer);
    value
}

/// What the transaction in progress noted so far, each once.
pub(crate) fn take_noted() -> Vec<Stale> {
    let noted = NOTED.with(|noted| noted.borrow_mut().as_mut().map(std::mem::take)).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    noted.into_iter().filter(|stale| seen.insert(stale.clone())).collect()
}

/// How many of the newest entries of a home or public timeline are kept: first pages (Mastodon's limit is at
/// most 40) are answered from them.
pub const HEAD: usize = 40;

/// Sizes of the caches, in entries.
#[derive(Debug, Clone, Copy)]
pub struct CacheSizes {
    pub statuses: usize,
    pub accounts: usize,
    pub sessions: usize,
    pub marks: usize,
    pub viewers: usize,
    pub rendered_bytes: u64,
}

impl Default for CacheSizes {
    fn default() -> Self {
        CacheSizes { statuses: 10_000, accounts: 10_000, sessions: 10_000, marks: 50_000, viewers: 2_000, rendered_bytes: 16 << 20 }
    }
}

/// The instance's figures (local users, local statuses, known domains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceStats {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
}

pub struct Caches {
    /// Counts the drops; a read fills only if it did not change meanwhile. The lock makes the check and
    /// the insert one step against a drop.
    generation: RwLock<u64>,
    /// Tokens by the hash they are stored under, with their app.
    pub tokens: Cache<String, Arc<(OauthToken, OauthApp)>>,
    pub users: Cache<AccountId, Arc<User>>,
    pub accounts: Cache<AccountId, Arc<Account>>,
    pub statuses: Cache<StatusId, Arc<StatusParts>>,
    pub marks: Cache<(AccountId, StatusId), Arc<ViewerMarks>>,
    pub viewers: Cache<AccountId, Arc<ViewerState>>,
    /// The newest [`HEAD`] entries of home timelines, as (status, author), before any hiding.
    pub homes: Cache<AccountId, Arc<Vec<(StatusId, AccountId)>>>,
    /// The same of the public timelines, by their `local` scope (all, this instance's, other instances').
    pub publics: Cache<Option<bool>, Arc<Vec<(StatusId, AccountId)>>>,
    pub instance: Cache<(), InstanceStats>,
    /// The JSON of statuses' viewer-independent fields, kept by the API layer with the entries it was rendered
    /// from: it is used only while those are still the cached ones, so it needs no dropping of its own.
    pub rendered: Cache<StatusId, Arc<RenderedStatus>, RenderedSize>,
}

pub struct RenderedStatus {
    pub from: SharedParts,
    pub json: Arc<str>,
}

/// What a rendered status weighs in the cache: its JSON and about what it holds beside.
#[derive(Clone)]
pub struct RenderedSize;

impl Weighter<StatusId, Arc<RenderedStatus>> for RenderedSize {
    fn weight(&self, _: &StatusId, rendered: &Arc<RenderedStatus>) -> u64 {
        rendered.json.len() as u64 + 256
    }
}

/// Rendered statuses are larger than 1 KiB, about.
const RENDERED_BYTES_PER_ENTRY: u64 = 1536;

impl Caches {
    pub fn new(sizes: CacheSizes) -> Caches {
        Caches {
            generation: RwLock::new(0),
            tokens: Cache::new(sizes.sessions),
            users: Cache::new(sizes.sessions),
            accounts: Cache::new(sizes.accounts),
            statuses: Cache::new(sizes.statuses),
            marks: Cache::new(sizes.marks),
            viewers: Cache::new(sizes.viewers),
            homes: Cache::new(sizes.viewers),
            publics: Cache::new(3),
            instance: Cache::new(1),
            rendered: Cache::with_weighter(
                (sizes.rendered_bytes / RENDERED_BYTES_PER_ENTRY) as usize,
                sizes.rendered_bytes,
                RenderedSize,
            ),
        }
    }

    /// Where a read begins: pass it to [`Caches::fill`].
    pub fn generation(&self) -> u64 {
        *self.generation.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps what a read that began at `since` found, unless something was dropped meanwhile.
    pub fn fill<K: std::hash::Hash + Eq, V: Clone>(&self, cache: &Cache<K, V>, since: u64, key: K, value: V) {
        let generation = self.generation.read().unwrap_or_else(|p| p.into_inner());
        if *generation == since {
            cache.insert(key, value);
        }
    }

    /// Drops what committed writes made stale.
    pub fn drop_stale(&self, stale: &[Stale]) {
        if stale.is_empty() {
            return;
        }
        let mut generation = self.generation.write().unwrap_or_else(|p| p.into_inner());
        *generation += 1;
        for item in stale {
            match item {
                Stale::Account(id) => drop(self.accounts.remove(id)),
                Stale::User(id) => drop(self.users.remove(id)),
                Stale::Token(hash) => drop(self.tokens.remove(hash)),
                Stale::TokensOf(account) => self.tokens.retain(|_, entry| entry.0.account_id != Some(*account)),
                Stale::Status(id) => drop(self.statuses.remove(id)),
                Stale::Marks(viewer, status) => drop(self.marks.remove(&(*viewer, *status))),
                Stale::Viewer(id) => drop(self.viewers.remove(id)),
                Stale::Home(id) => drop(self.homes.remove(id)),
                Stale::Public => self.publics.clear(),
                Stale::InstanceStats => self.instance.clear(),
                Stale::Emojis => self.statuses.clear(),
                Stale::Everything => self.clear_locked(),
            }
        }
    }

    /// Drops everything (another process's changes may have been missed).
    pub fn clear(&self) {
        let mut generation = self.generation.write().unwrap_or_else(|p| p.into_inner());
        *generation += 1;
        self.clear_locked();
    }

    fn clear_locked(&self) {
        self.tokens.clear();
        self.users.clear();
        self.accounts.clear();
        self.statuses.clear();
        self.marks.clear();
        self.viewers.clear();
        self.homes.clear();
        self.publics.clear();
        self.instance.clear();
        self.rendered.clear();
    }
}
