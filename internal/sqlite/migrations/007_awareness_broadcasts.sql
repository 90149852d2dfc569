-- Who started each awareness broadcast (one row per run key) and when, so
-- that a second /ambitie bericht verstuur can say it was already sent and
-- by whom. Broadcasts from before this migration are recorded with their
-- first delivery's time and an unknown sender (via = '').
CREATE TABLE awareness_broadcasts (
	run_key   TEXT PRIMARY KEY,
	via       TEXT NOT NULL DEFAULT '',
	user_id   TEXT NOT NULL DEFAULT '',
	username  TEXT NOT NULL DEFAULT '',
	sent_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX awareness_broadcasts_sent_at ON awareness_broadcasts (sent_at);

INSERT INTO awareness_broadcasts (run_key, sent_at)
	SELECT run_key, MIN(created_at) FROM deliveries WHERE kind = 'awareness' GROUP BY run_key;
