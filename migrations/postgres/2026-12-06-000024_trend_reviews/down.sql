DROP TABLE trend_reviews;
