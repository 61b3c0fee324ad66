CREATE TABLE conversations (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    participant_ids TEXT NOT NULL,
    last_status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    unread BOOLEAN NOT NULL,
    UNIQUE (account_id, participant_ids)
);
CREATE INDEX conversations_account_last_status ON conversations (account_id, last_status_id);
