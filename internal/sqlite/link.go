package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// LinkUser creates or replaces the link for l.UserID. A zero LinkedAt is
// set to now.
func (db *DB) LinkUser(ctx context.Context, l ambitiebot.UserLink) error {
	if l.UserID == "" || l.OrgKey == "" || l.LinkedBy == "" {
		return invalid("SqliteErrLinkIncomplete")
	}
	if l.LinkedAt.IsZero() {
		l.LinkedAt = db.now()
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_links (user_id, org_key, linked_by, linked_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET
				org_key = excluded.org_key, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
			l.UserID, l.OrgKey, l.LinkedBy, formatTime(l.LinkedAt))
		return err
	})
}

// FindUserLink returns the link for a user. Errors: ENOTFOUND, EINTERNAL.
func (db *DB) FindUserLink(ctx context.Context, userID string) (ambitiebot.UserLink, error) {
	l := ambitiebot.UserLink{UserID: userID}
	err := db.read.QueryRowContext(ctx, `SELECT org_key, linked_by, linked_at FROM user_links WHERE user_id = ?`,
		userID).Scan(&l.OrgKey, &l.LinkedBy, timeColumn{&l.LinkedAt})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ambitiebot.UserLink{}, notFound("user link")
	case err != nil:
		return ambitiebot.UserLink{}, internal(err)
	}
	return l, nil
}
