//! The rules of the instance: no HTTP, no wire formats; only `db` queries underneath.
//! Functions take a connection already inside the caller's transaction (see `db::Database::write`).

pub mod account_search;
pub mod accounts;
pub mod announcements;
pub mod archives;
pub mod audit;
pub mod auth;
pub mod cached;
pub mod conversations;
pub mod directory;
pub mod discovery;
pub mod emojis;
pub mod exports;
pub mod featured;
pub mod filters;
pub mod federation;
pub mod follows;
pub mod groups;
pub mod images;
pub mod imports;
pub mod instance;
pub mod keys;
pub mod lists;
pub mod markup;
pub mod measures;
pub mod media;
pub mod moderation;
pub mod moves;
pub mod instance_blocks;
pub mod notification_groups;
pub mod notification_requests;
pub mod notifications;
pub mod peers;
pub mod polls;
pub mod quotes;
pub mod push;
pub mod remote;
pub mod reports;
pub mod retention;
pub mod safety;
pub mod sanitize;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod tags;
pub mod timelines;
pub mod views;

#[cfg(test)]
mod tests;
