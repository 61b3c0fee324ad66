CREATE TABLE push_subscriptions (
    id BIGINT PRIMARY KEY NOT NULL,
    token_id BIGINT NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    key_p256dh TEXT NOT NULL,
    key_auth TEXT NOT NULL,
    alerts_json TEXT NOT NULL,
    policy TEXT NOT NULL,
    standard BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE vapid_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    private_key_pkcs8 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
