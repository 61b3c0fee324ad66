ALTER TABLE announcements DROP COLUMN content;
