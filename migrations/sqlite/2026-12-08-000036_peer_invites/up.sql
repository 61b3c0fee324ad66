-- `hallway peers invite`: one-time tokens (kept as SHA-256) that let another instance join in one exchange.
CREATE TABLE peer_invites (
    id BIGINT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- When it was used, and by which host: a token works once.
    used_at TIMESTAMP,
    used_by TEXT
);

-- A joined peer's instance actor and its key as agreed when joining: a different key is refused (and kept as
-- offered) until an admin accepts it.
ALTER TABLE peers ADD COLUMN actor_uri TEXT;
ALTER TABLE peers ADD COLUMN pinned_key_pem TEXT;
ALTER TABLE peers ADD COLUMN offered_key_pem TEXT;
