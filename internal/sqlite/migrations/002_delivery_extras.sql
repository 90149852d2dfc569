-- Deliveries can carry one-click actions (stored as JSON) and files, such
-- as the progress chart and the board report.
ALTER TABLE deliveries ADD COLUMN attachments TEXT NOT NULL DEFAULT '';

CREATE TABLE delivery_files (
	delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	name        TEXT NOT NULL,
	data        BLOB NOT NULL,
	PRIMARY KEY (delivery_id, seq)
) WITHOUT ROWID;
