-- Profile settings beside the columns (image descriptions, hidden follower lists), kept as one JSON object.
ALTER TABLE accounts ADD COLUMN profile_json TEXT NOT NULL DEFAULT '{}';

-- Private notes on other accounts (Mastodon's relationship `note`).
CREATE TABLE account_notes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- The thread a status belongs to: the id of the first status of its chain of replies (its own id when it
-- replies to nothing known), set when it is stored, so that muting a conversation is one lookup.
ALTER TABLE statuses ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0;
WITH RECURSIVE chains (id, root) AS (
    SELECT id, id FROM statuses WHERE in_reply_to_id IS NULL
    UNION ALL
    SELECT statuses.id, chains.root FROM statuses JOIN chains ON statuses.in_reply_to_id = chains.id
)
UPDATE statuses SET thread_id = chains.root FROM chains WHERE chains.id = statuses.id;
UPDATE statuses SET thread_id = id WHERE thread_id = 0;
CREATE INDEX statuses_thread ON statuses (thread_id);

-- Conversations an account muted: no notifications from them.
CREATE TABLE thread_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);

-- An edit's attachments and poll options as they were then (the history shows them).
ALTER TABLE status_edits ADD COLUMN media_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE status_edits ADD COLUMN poll_options_json TEXT NOT NULL DEFAULT 'null';
