ALTER TABLE peers DROP COLUMN offered_key_pem;
ALTER TABLE peers DROP COLUMN pinned_key_pem;
ALTER TABLE peers DROP COLUMN actor_uri;
DROP TABLE peer_invites;
