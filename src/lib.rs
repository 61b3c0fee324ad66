//! Hallway: a federated, Mastodon-compatible micro-blogging server for the divisions of a company.

pub mod config;
pub mod db;
pub mod error;
pub mod ids;
pub mod service;
