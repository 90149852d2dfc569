-- The catalogue can grow (afspraak C): the version each ambition had when
-- the bot last ran, so that a changed text is noticed at start-up.
CREATE TABLE catalogue_versions (
	ambition_id TEXT PRIMARY KEY,
	version     TEXT NOT NULL,
	since       TEXT NOT NULL
) WITHOUT ROWID;

-- A status given before its ambition's text changed is kept but must be
-- confirmed again (te herbevestigen).
ALTER TABLE progress ADD COLUMN reconfirm INTEGER NOT NULL DEFAULT 0;

-- The history entries that are not status changes: an ambition's text
-- changed (org_key empty: every organisation), or an organisation
-- confirmed its status on the new text. Kept apart from changes, whose
-- every row is a status or toelichting change that reports count.
CREATE TABLE catalogue_events (
	id          INTEGER PRIMARY KEY,
	ambition_id TEXT NOT NULL,
	org_key     TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL CHECK (kind IN ('text-changed', 'confirmed')),
	user_id     TEXT NOT NULL DEFAULT '',
	user_name   TEXT NOT NULL DEFAULT '',
	at          TEXT NOT NULL
);

CREATE INDEX catalogue_events_by_ambition ON catalogue_events (ambition_id);

CREATE TRIGGER catalogue_events_no_update BEFORE UPDATE ON catalogue_events
BEGIN
	SELECT RAISE(ABORT, 'catalogue_events is append-only');
END;

CREATE TRIGGER catalogue_events_no_delete BEFORE DELETE ON catalogue_events
BEGIN
	SELECT RAISE(ABORT, 'catalogue_events is append-only');
END;
