ALTER TABLE accounts DROP COLUMN moved_to_uri;
ALTER TABLE accounts DROP COLUMN also_known_as_json;
