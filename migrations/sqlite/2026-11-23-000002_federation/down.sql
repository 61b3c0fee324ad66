DROP TABLE instance_keys;
DROP TABLE follow_requests;
DROP TABLE received_activities;
DROP TABLE deliveries;
DROP TABLE peers;
