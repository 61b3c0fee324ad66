ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_account_id_group_key ON notifications (account_id, group_key);
