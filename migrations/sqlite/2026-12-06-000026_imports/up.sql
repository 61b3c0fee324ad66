-- A user's import of Mastodon's CSV exports (follows, blocks, mutes, domain blocks, bookmarks, lists): the file's
-- rows wait here until the import worker has applied each, or said why it could not.
CREATE TABLE imports (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    overwrite BOOLEAN NOT NULL,
    total_items INTEGER NOT NULL,
    processed_items INTEGER NOT NULL DEFAULT 0,
    imported_items INTEGER NOT NULL DEFAULT 0,
    -- A worker holds an unfinished import until then (another process takes it over after).
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX imports_by_account ON imports (account_id, id);
CREATE INDEX imports_unfinished ON imports (id) WHERE finished_at IS NULL;

CREATE TABLE import_rows (
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    -- The row's line in the file, from 1 (a header line not counted).
    position INTEGER NOT NULL,
    -- The row's fields as JSON (acct, show_reblogs, notify, languages, hide_notifications, domain, uri, list_name).
    item_json TEXT NOT NULL,
    processed BOOLEAN NOT NULL DEFAULT FALSE,
    -- Why the row could not be imported; NULL when it was (or is still waiting).
    error TEXT,
    PRIMARY KEY (import_id, position)
);
