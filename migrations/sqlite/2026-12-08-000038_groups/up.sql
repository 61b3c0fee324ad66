-- Groups (FEP-1b12): an account that announces what its members address to it. Members are its followers.
ALTER TABLE accounts ADD COLUMN is_group BOOLEAN NOT NULL DEFAULT FALSE;

-- Who runs a local group: admins (they name moderators and admins) and moderators.
CREATE TABLE group_roles (
    group_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
CREATE INDEX group_roles_account ON group_roles (account_id);

-- People a local group's moderators banned: they cannot join again.
CREATE TABLE group_bans (
    group_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
