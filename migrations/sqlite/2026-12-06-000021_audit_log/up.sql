-- What admins and moderators did (and the command line and the directory sync on their behalf). Rows are
-- only ever inserted: no API or command edits or deletes them.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY NOT NULL,
    -- The local account that acted; NULL for the command line and the directory sync (see `actor`).
    actor_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    -- Who acted, as it read then: "@ann", "command line (root)", "directory".
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    -- The target's id (an account's, a peer's) and how it read then (a username, a host).
    target_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    -- What the actor wrote, or what changed (a new role).
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_actor ON audit_log (actor_account_id, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_target ON audit_log (target_type, target_id, id);
