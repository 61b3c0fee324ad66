CREATE TABLE tag_follows (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag_id ON tag_follows (tag_id);
