ALTER TABLE accounts ADD COLUMN private_key_pem TEXT;
UPDATE accounts SET private_key_pem = (SELECT private_key_pem FROM account_keys WHERE account_keys.account_id = accounts.id);
DROP TABLE account_keys;
