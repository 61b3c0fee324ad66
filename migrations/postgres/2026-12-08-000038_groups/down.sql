DROP TABLE group_bans;
DROP TABLE group_roles;
ALTER TABLE accounts DROP COLUMN is_group;
