//! Live streams (Mastodon's streaming API): events of committed writes are rendered once and broadcast
//! to every open stream, which keeps those its subscriptions ask for.

mod filtering;
mod hub;
pub mod routes;

pub use filtering::StreamFilters;
pub use hub::{Hub, Message, StreamEvent, Subscription};
