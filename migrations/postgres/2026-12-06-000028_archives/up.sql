-- Users' archives (Mastodon's: actor.json, outbox.json, likes.json, bookmarks.json and the media, in a zip):
-- requested, then built by a worker into the media store.
CREATE TABLE archives (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Where the zip is in the media store, once built.
    file_key TEXT,
    size BIGINT NOT NULL DEFAULT 0,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX archives_by_account ON archives (account_id, id);
CREATE INDEX archives_unfinished ON archives (id) WHERE finished_at IS NULL;
