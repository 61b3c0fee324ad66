DROP TABLE oidc_logins;
DROP TABLE user_identities;
ALTER TABLE users DROP COLUMN approved;
ALTER TABLE users ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET admin = TRUE WHERE role = 'admin';
ALTER TABLE users DROP COLUMN role;
