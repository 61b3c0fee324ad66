-- Local emojis have domain '' and a stored image; remote ones keep their instance's image URL.
CREATE TABLE custom_emojis (
    id BIGINT PRIMARY KEY NOT NULL,
    shortcode TEXT NOT NULL,
    domain TEXT NOT NULL,
    image_key TEXT,
    image_url TEXT,
    category TEXT,
    visible_in_picker BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (shortcode, domain)
);
