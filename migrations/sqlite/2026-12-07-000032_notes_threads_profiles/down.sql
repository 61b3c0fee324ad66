ALTER TABLE status_edits DROP COLUMN poll_options_json;
ALTER TABLE status_edits DROP COLUMN media_json;
DROP TABLE thread_mutes;
DROP INDEX statuses_thread;
ALTER TABLE statuses DROP COLUMN thread_id;
DROP TABLE account_notes;
ALTER TABLE accounts DROP COLUMN profile_json;
