-- A members-only post of a private group: readable by the group's members (its followers) on every instance.
ALTER TABLE statuses ADD COLUMN group_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX statuses_group ON statuses (group_id) WHERE group_id IS NOT NULL;

-- Such a post of another instance's author as it was received, with its author's proof, for the group to relay
-- unchanged to the members' instances (which cannot fetch it from its author's).
CREATE TABLE group_objects (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    object_json TEXT NOT NULL
);
