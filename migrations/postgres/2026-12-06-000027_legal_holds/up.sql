-- Accounts on legal hold: retention never removes their posts, media or notifications, and their data is not
-- deleted, until an admin lifts the hold.
CREATE TABLE legal_holds (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
