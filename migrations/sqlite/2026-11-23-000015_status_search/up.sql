-- Full-text search over statuses: rowid is the status id; the body is the text a reader sees.
CREATE VIRTUAL TABLE status_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO status_search (rowid, body)
    SELECT id, spoiler_text || ' ' || CASE WHEN text <> '' THEN text ELSE content END FROM statuses WHERE reblog_of_id IS NULL;
