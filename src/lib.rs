//! Hallway: a federated, Mastodon-compatible micro-blogging server for the divisions of a company.

pub mod admin_page;
pub mod api;
pub mod apub;
pub mod backup;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod net;
pub mod oauth;
pub mod ops;
pub mod params;
pub mod push;
pub mod scheduler;
pub mod server;
pub mod service;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tls;
pub mod transfer;
pub mod streaming;
