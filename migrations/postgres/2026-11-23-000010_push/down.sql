DROP TABLE vapid_keys;
DROP TABLE push_subscriptions;
