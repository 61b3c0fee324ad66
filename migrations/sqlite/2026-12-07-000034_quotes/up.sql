-- Quote posts (Mastodon 4.5, FEP-044f). Who may quote a status: public, followers, nobody, or (a peer's policy
-- Hallway cannot read) unsupported. Statuses stored before knew no policy: local public and unlisted ones are
-- quotable by anyone, as Mastodon's default; others by nobody.
ALTER TABLE statuses ADD COLUMN quote_policy TEXT NOT NULL DEFAULT 'nobody';
UPDATE statuses SET quote_policy = 'public' WHERE local = TRUE AND reblog_of_id IS NULL AND visibility IN ('public', 'unlisted');

-- A status that quotes another: the quoted one (null once it is gone), and whether its author's instance
-- agreed (pending, accepted, rejected, revoked), with the authorization's URI once accepted.
CREATE TABLE quotes (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    quoted_status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    quoted_uri TEXT NOT NULL,
    state TEXT NOT NULL,
    approval_uri TEXT,
    request_uri TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX quotes_quoted ON quotes (quoted_status_id);
CREATE INDEX quotes_request ON quotes (request_uri);
CREATE INDEX quotes_approval ON quotes (approval_uri);
