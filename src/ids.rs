//! Time-sortable ids as Mastodon makes them: milliseconds since the epoch << 16 | a sequence.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDateTime, Utc};
use rand::Rng;

static LAST_ID: AtomicI64 = AtomicI64::new(0);

/// An id of something that happened at `at` (a status brought from another instance keeps its time, so
/// that it sorts where it was written), the low bits random.
pub fn id_at(at: NaiveDateTime) -> i64 {
    (at.and_utc().timestamp_millis() << 16) | rand::thread_rng().gen_range(0..65536)
}

/// A new id, strictly greater than any this process made before. The low bits start at a random
/// offset each millisecond so that several processes on one database rarely meet.
pub fn next_id() -> i64 {
    let offset: i64 = rand::thread_rng().gen_range(0..4096);
    let candidate = (Utc::now().timestamp_millis() << 16) | offset;
    let mut last = LAST_ID.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST_ID.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// The current UTC time truncated to microseconds, the precision both databases keep.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.and_utc().timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc()).unwrap_or(now)
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[derive(diesel_derive_newtype::DieselNewType, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// A new id, later than any this process made before.
            pub fn next() -> $name {
                $name(next_id())
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type! {
    /// An account's id, local or remote.
    AccountId
}

id_type! {
    /// A status's id (a reblog is a status too).
    StatusId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_carry_the_time() {
        let first = next_id();
        let second = next_id();
        assert!(second > first);
        let millis = first >> 16;
        assert!((Utc::now().timestamp_millis() - millis).abs() < 5_000);
    }
}
