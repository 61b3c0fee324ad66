//! Integration tests: real servers, real HTTP, each test on SQLite and on PostgreSQL.

mod support;

mod oauth;
