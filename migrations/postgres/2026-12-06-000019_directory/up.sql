-- Roles (user, moderator, admin) replace the admin flag; directory groups or `hallway user role` set them.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
UPDATE users SET role = 'admin' WHERE admin;
ALTER TABLE users DROP COLUMN admin;
-- Registrations with `registrations = "approval"` wait for a moderator; everyone else is approved.
ALTER TABLE users ADD COLUMN approved BOOLEAN NOT NULL DEFAULT TRUE;

-- A local user's entry in the company directory (LDAP: its DN; OpenID Connect: issuer and subject).
-- `disabled_at` is set while the directory refuses the user and the account is suspended because of it, so
-- that only such suspensions are lifted when the directory takes the user back.
CREATE TABLE user_identities (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    disabled_at TIMESTAMP,
    synced_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (provider, subject)
);

-- Sign-ins through the OpenID provider under way: what the callback needs to finish them (the provider
-- hands `state` back). Rows are deleted when used and pruned after an hour.
CREATE TABLE oidc_logins (
    state TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    authorize_request TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
