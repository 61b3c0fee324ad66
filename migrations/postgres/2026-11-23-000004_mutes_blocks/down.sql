DROP TABLE user_domain_blocks;
DROP TABLE blocks;
DROP TABLE mutes;
