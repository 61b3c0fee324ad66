//! Integration tests: real servers, real HTTP, each test on SQLite and on PostgreSQL.

mod company_ca;
mod oidc_provider;
mod slapd;
mod support;

mod access;
mod accounts;
mod audit;
mod cache;
mod conversations;
mod emojis;
mod directory;
mod discovery;
mod featured;
mod filters;
mod federation;
mod follow_requests;
mod http;
mod instance;
mod lists;
mod media;
mod moderation;
mod notifications;
mod oauth;
mod oidc;
mod peers;
mod polls;
mod push;
mod safety;
mod search;
mod scheduled;
mod resilience;
mod statuses;
mod tags;
mod streaming;
mod timelines;
