-- A peer's company-wide announcement keeps the HTML its instance rendered (sanitised): its mentions and links
-- name that instance's accounts, which this one could not render from the text.
ALTER TABLE announcements ADD COLUMN content TEXT;
