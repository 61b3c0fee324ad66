DROP TABLE endorsements;
DROP TABLE featured_tags;
