-- Notifications a recipient's policy set aside (Mastodon's filtered notifications): kept out of lists and
-- counts until the recipient accepts the request of their sender.
ALTER TABLE notifications ADD COLUMN filtered BOOLEAN NOT NULL DEFAULT FALSE;

-- What each account does with notifications from strangers: accept, filter or drop (absent: the defaults).
CREATE TABLE notification_policies (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following TEXT NOT NULL,
    for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL,
    for_private_mentions TEXT NOT NULL,
    for_limited_accounts TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The filtered notifications of one sender, as one request the recipient accepts or dismisses.
CREATE TABLE notification_requests (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id BIGINT,
    notifications_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, from_account_id)
);

-- Senders whose request was accepted: their notifications are never filtered again.
CREATE TABLE notification_permissions (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, from_account_id)
);
