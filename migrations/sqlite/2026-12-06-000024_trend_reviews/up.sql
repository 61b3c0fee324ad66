-- Moderators' verdicts on what trends: a tag (by id), a status (by id) or a link (by URL). A rejected one
-- never trends; with trends.require_review only approved ones do.
CREATE TABLE trend_reviews (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    trendable BOOLEAN NOT NULL,
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, target)
);
