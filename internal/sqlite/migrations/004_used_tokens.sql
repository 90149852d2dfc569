-- Single-use tokens, such as the nonce of a status dialog: a token is
-- stored when used, so that a replayed submission is refused. Rows past
-- their expiry are deleted as new ones come in.
CREATE TABLE used_tokens (
	token      TEXT PRIMARY KEY,
	expires_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX used_tokens_expires_at ON used_tokens (expires_at);
