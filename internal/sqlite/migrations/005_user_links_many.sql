-- A user may be linked to several organisations: one row per user and
-- organisation. Existing single links are kept as they are.
CREATE TABLE user_links_many (
	user_id   TEXT NOT NULL,
	org_key   TEXT NOT NULL,
	linked_by TEXT NOT NULL,
	linked_at TEXT NOT NULL,
	PRIMARY KEY (user_id, org_key)
) WITHOUT ROWID;

INSERT INTO user_links_many (user_id, org_key, linked_by, linked_at)
	SELECT user_id, org_key, linked_by, linked_at FROM user_links;

DROP TABLE user_links;

ALTER TABLE user_links_many RENAME TO user_links;

-- Every link and unlink ever made, by whom and when; append-only.
CREATE TABLE user_link_history (
	id      INTEGER PRIMARY KEY,
	user_id TEXT NOT NULL,
	org_key TEXT NOT NULL,
	action  TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
	by_user TEXT NOT NULL,
	at      TEXT NOT NULL
);

CREATE INDEX user_link_history_by_user ON user_link_history (user_id);

INSERT INTO user_link_history (user_id, org_key, action, by_user, at)
	SELECT user_id, org_key, 'link', linked_by, linked_at FROM user_links ORDER BY linked_at;

CREATE TRIGGER user_link_history_no_update BEFORE UPDATE ON user_link_history
BEGIN
	SELECT RAISE(ABORT, 'user_link_history is append-only');
END;

CREATE TRIGGER user_link_history_no_delete BEFORE DELETE ON user_link_history
BEGIN
	SELECT RAISE(ABORT, 'user_link_history is append-only');
END;
