-- Moving accounts (ActivityPub Move, as Mastodon): the accounts an account says it also is (alsoKnownAs), and
-- the account it moved to (movedTo), by actor URI.
ALTER TABLE accounts ADD COLUMN also_known_as_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN moved_to_uri TEXT;
