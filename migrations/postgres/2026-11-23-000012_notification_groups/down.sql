DROP INDEX notifications_account_id_group_key;
ALTER TABLE notifications DROP COLUMN group_key;
