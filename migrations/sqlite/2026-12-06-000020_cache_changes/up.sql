-- What each write made stale in the caches, for the other processes on the same database file (the CLI, a
-- second server): each reads the rows after its last one every 100 ms; rows older than 10 minutes go.
CREATE TABLE cache_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    news TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cache_changes_created_at ON cache_changes (created_at);
