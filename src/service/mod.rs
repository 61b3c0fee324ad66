//! The rules of the instance: no HTTP, no wire formats; only `db` queries underneath.

pub mod markup;
