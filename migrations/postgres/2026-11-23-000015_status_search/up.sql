-- Full-text search over statuses: the body is the text a reader sees, searched through its tsvector.
CREATE TABLE status_search (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    document TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX status_search_document ON status_search USING GIN (document);
INSERT INTO status_search (status_id, body)
    SELECT id, spoiler_text || ' ' || CASE WHEN text <> '' THEN text ELSE content END FROM statuses WHERE reblog_of_id IS NULL;
