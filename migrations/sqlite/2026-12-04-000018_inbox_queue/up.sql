-- Activities peers delivered, stored before the inbox answers 202 and applied by the inbox workers.
-- A row is deleted when its activity is applied (received_activities then remembers the id); a row that
-- keeps failing ends as 'failed' and is pruned with the other federation records.
CREATE TABLE inbox_queue (
    id BIGINT PRIMARY KEY NOT NULL,
    activity_uri TEXT NOT NULL UNIQUE,
    peer_host TEXT NOT NULL,
    signer_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    last_error TEXT,
    received_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX inbox_queue_due ON inbox_queue (state, next_attempt_at, id);
