CREATE TABLE polls (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    options_json TEXT NOT NULL,
    counts_json TEXT NOT NULL,
    multiple BOOLEAN NOT NULL,
    hide_totals BOOLEAN NOT NULL,
    voters_count BIGINT NOT NULL,
    expires_at TIMESTAMP,
    ended_notified BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX polls_expires_at ON polls (expires_at);

CREATE TABLE poll_votes (
    id BIGINT PRIMARY KEY NOT NULL,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    uri TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (poll_id, account_id, choice)
);
CREATE INDEX poll_votes_account_id ON poll_votes (account_id);
