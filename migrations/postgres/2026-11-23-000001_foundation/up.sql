CREATE TABLE accounts (
    id BIGINT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    note_source TEXT NOT NULL DEFAULT '',
    note_html TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    inbox_url TEXT NOT NULL DEFAULT '',
    shared_inbox_url TEXT,
    followers_url TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT,
    avatar_url TEXT,
    header_url TEXT,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    fields_json TEXT NOT NULL DEFAULT '[]',
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    statuses_count INTEGER NOT NULL DEFAULT 0,
    last_status_at TIMESTAMP WITHOUT TIME ZONE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    suspended_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), coalesce(domain, ''));

CREATE TABLE users (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    default_visibility TEXT NOT NULL DEFAULT 'public',
    default_sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    default_language TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);

CREATE TABLE oauth_apps (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);

CREATE TABLE oauth_tokens (
    id BIGINT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);

CREATE TABLE statuses (
    id BIGINT PRIMARY KEY NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local BOOLEAN NOT NULL,
    in_reply_to_id BIGINT,
    in_reply_to_account_id BIGINT,
    reblog_of_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    visibility TEXT NOT NULL,
    language TEXT,
    app_id BIGINT REFERENCES oauth_apps (id) ON DELETE SET NULL,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    edited_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE INDEX statuses_account_id ON statuses (account_id, id);
CREATE INDEX statuses_in_reply_to_id ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog_of_id ON statuses (reblog_of_id, account_id);
CREATE INDEX statuses_public ON statuses (visibility, local, id);

CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE INDEX status_edits_status_id ON status_edits (status_id, id);

CREATE TABLE mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account_id ON mentions (account_id, status_id);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (lower(name));

CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, tag_id)
);
CREATE INDEX status_tags_tag_id ON status_tags (tag_id, status_id);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_id ON favourites (status_id, id);

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE status_pins (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE follows (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target_account_id ON follows (target_account_id, id);

CREATE TABLE home_timeline_entries (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_timeline_entries_author ON home_timeline_entries (account_id, author_id);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE INDEX notifications_account_id ON notifications (account_id, id);

CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (account_id, key)
);
