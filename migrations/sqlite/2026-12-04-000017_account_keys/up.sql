-- Private keys live apart from the account rows, so that reading an account (for a view, a timeline, a
-- profile update) never carries one.
CREATE TABLE account_keys (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    private_key_pem TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO account_keys (account_id, private_key_pem, created_at)
    SELECT id, private_key_pem, updated_at FROM accounts WHERE private_key_pem IS NOT NULL;
ALTER TABLE accounts DROP COLUMN private_key_pem;
