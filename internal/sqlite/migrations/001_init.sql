-- Times are fixed-width UTC text ("2006-01-02T15:04:05.000000000Z") so that
-- text order is time order.

-- The current status per organisation and ambition. A missing row means
-- niet-gestart.
CREATE TABLE progress (
	org_key         TEXT NOT NULL,
	ambition_id     TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('niet-gestart', 'in-uitvoering', 'knelpunt', 'gereed', 'nvt')),
	note            TEXT NOT NULL DEFAULT '',
	updated_at      TEXT NOT NULL,
	updated_by      TEXT NOT NULL,
	updated_by_name TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (org_key, ambition_id)
) WITHOUT ROWID;

-- Every change ever made; id (the rowid) is the order of the history.
CREATE TABLE changes (
	id          INTEGER PRIMARY KEY,
	org_key     TEXT NOT NULL,
	ambition_id TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL CHECK (to_status IN ('niet-gestart', 'in-uitvoering', 'knelpunt', 'gereed', 'nvt')),
	note        TEXT NOT NULL DEFAULT '',
	user_id     TEXT NOT NULL,
	user_name   TEXT NOT NULL DEFAULT '',
	at          TEXT NOT NULL
);

-- Index entries end with the rowid, so both indexes also yield a cell's or
-- an ambition's history in id order without sorting.
CREATE INDEX changes_by_cell ON changes (org_key, ambition_id);
CREATE INDEX changes_by_ambition ON changes (ambition_id);
CREATE INDEX changes_by_at ON changes (at);

CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes
BEGIN
	SELECT RAISE(ABORT, 'changes is append-only');
END;

CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
BEGIN
	SELECT RAISE(ABORT, 'changes is append-only');
END;

CREATE TABLE user_links (
	user_id   TEXT PRIMARY KEY,
	org_key   TEXT NOT NULL,
	linked_by TEXT NOT NULL,
	linked_at TEXT NOT NULL
) WITHOUT ROWID;

-- The outbox. (run_key, target) is unique so that queuing a delivery again
-- is a no-op.
CREATE TABLE deliveries (
	id           INTEGER PRIMARY KEY,
	run_key      TEXT NOT NULL,
	target       TEXT NOT NULL,
	kind         TEXT NOT NULL DEFAULT '',
	org_key      TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	uncertain    INTEGER NOT NULL DEFAULT 0,
	next_attempt TEXT NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	post_id      TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	sent_at      TEXT NOT NULL DEFAULT '',
	reported     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (run_key, target)
);

-- Only pending rows are ever due; the partial index stays small.
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE state = 'pending';
CREATE INDEX deliveries_by_state ON deliveries (state);

CREATE TABLE job_runs (
	job          TEXT NOT NULL,
	scheduled_at TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'missed')),
	started_at   TEXT NOT NULL DEFAULT '',
	finished_at  TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job, scheduled_at)
) WITHOUT ROWID;

CREATE INDEX job_runs_by_time ON job_runs (scheduled_at);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
