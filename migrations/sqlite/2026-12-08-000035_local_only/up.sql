-- Division-only posts: never delivered to a peer nor served to one. A reply to one is one too.
ALTER TABLE statuses ADD COLUMN local_only BOOLEAN NOT NULL DEFAULT FALSE;
-- A person's default for new posts; null follows the instance's (statuses.local_only_default).
ALTER TABLE users ADD COLUMN default_local_only BOOLEAN;
