-- Announcements by the admins (Mastodon's), shown to every local user until they dismiss them; those a peer
-- published company-wide keep where they came from.
CREATE TABLE announcements (
    id BIGINT PRIMARY KEY NOT NULL,
    -- As the admin wrote it; rendered (mentions, tags, links) when shown.
    text TEXT NOT NULL,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    all_day BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL: a draft, not shown yet.
    published_at TIMESTAMP,
    -- Ours, sent to every allowed peer as well.
    federated BOOLEAN NOT NULL DEFAULT FALSE,
    -- Its ActivityPub id (ours or the peer's) and, for a peer's, the host it came from.
    uri TEXT NOT NULL UNIQUE,
    origin TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE announcement_dismissals (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (announcement_id, account_id)
);

CREATE TABLE announcement_reactions (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- A Unicode emoji, or the shortcode of one of this instance's custom emojis.
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);
