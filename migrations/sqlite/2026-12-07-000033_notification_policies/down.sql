DROP TABLE notification_permissions;
DROP TABLE notification_requests;
DROP TABLE notification_policies;
ALTER TABLE notifications DROP COLUMN filtered;
