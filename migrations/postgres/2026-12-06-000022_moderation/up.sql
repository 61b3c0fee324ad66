-- Moderation state of accounts and users, what moderators do with reports, and the instance's blocks.

-- A silenced (limited) account is hidden from public timelines and from those who do not follow it; a
-- sensitized one has its media marked sensitive.
ALTER TABLE accounts ADD COLUMN silenced_at TIMESTAMP;
ALTER TABLE accounts ADD COLUMN sensitized_at TIMESTAMP;

-- A disabled user cannot sign in (their account stays visible); the addresses are for moderators and IP blocks.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN sign_up_ip TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_ip TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMP;
-- Why they want to join, when registrations need approval.
ALTER TABLE users ADD COLUMN registration_reason TEXT;

ALTER TABLE reports ADD COLUMN action_taken_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN assigned_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN updated_at TIMESTAMP;
UPDATE reports SET updated_at = created_at;
CREATE INDEX reports_unresolved ON reports (action_taken_at, id);
CREATE INDEX accounts_silenced ON accounts (silenced_at) WHERE silenced_at IS NOT NULL;

-- Instances refused (suspend) or limited (silence) even when they are on the allowlist.
CREATE TABLE domain_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL,
    reject_media BOOLEAN NOT NULL DEFAULT FALSE,
    reject_reports BOOLEAN NOT NULL DEFAULT FALSE,
    private_comment TEXT,
    public_comment TEXT,
    obfuscate BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- E-mail domains nobody may register with.
CREATE TABLE email_domain_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- E-mail addresses (as the SHA-256 of their canonical form) nobody may register with again.
CREATE TABLE canonical_email_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    canonical_email_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- Addresses (CIDR) refused at sign-in and registration, or whose registrations need approval.
CREATE TABLE ip_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    ip TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
