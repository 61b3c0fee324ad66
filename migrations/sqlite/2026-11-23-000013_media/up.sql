CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    state TEXT NOT NULL,
    file_key TEXT,
    preview_key TEXT,
    file_size BIGINT NOT NULL,
    remote_url TEXT,
    preview_remote_url TEXT,
    description TEXT,
    focus_x REAL NOT NULL,
    focus_y REAL NOT NULL,
    meta_json TEXT NOT NULL,
    blurhash TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_attachments_status_id ON media_attachments (status_id);
CREATE INDEX media_attachments_account_id ON media_attachments (account_id);
