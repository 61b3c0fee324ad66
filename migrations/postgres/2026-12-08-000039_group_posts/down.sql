DROP TABLE group_objects;
DROP INDEX statuses_group;
ALTER TABLE statuses DROP COLUMN group_id;
