CREATE TABLE peers (
    id BIGINT PRIMARY KEY NOT NULL,
    host TEXT NOT NULL UNIQUE,
    allowed BOOLEAN NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    last_success_at TIMESTAMP WITHOUT TIME ZONE,
    last_error_at TIMESTAMP WITHOUT TIME ZONE,
    last_error TEXT
);

CREATE TABLE deliveries (
    id BIGINT PRIMARY KEY NOT NULL,
    activity_uri TEXT NOT NULL,
    peer_host TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    signer_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    leased_until TIMESTAMP WITHOUT TIME ZONE,
    last_error TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    finished_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_peer ON deliveries (peer_host, state);

CREATE TABLE received_activities (
    uri TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);

CREATE TABLE follow_requests (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, target_account_id)
);

CREATE TABLE instance_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
