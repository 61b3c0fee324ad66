-- What account search reads beside names: the bio, profile fields and featured hashtags, as lowercase plain
-- text (kept by the service on every profile write; rows of older accounts are filled at start).
CREATE TABLE account_search (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text TEXT NOT NULL
);
