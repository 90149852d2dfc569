package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// linkCache holds every user link in memory: the table is small and read
// on every command, and links change only through LinkUser, which drops
// the cache after its commit, so a new link takes effect at once. (No
// other process writes links; one that did would be seen after a
// restart.)
type linkCache struct {
	mu     sync.RWMutex
	byUser map[string]ambitiebot.UserLink // nil: not loaded
}

// LinkUser creates or replaces the link for l.UserID. A zero LinkedAt is
// set to now.
func (db *DB) LinkUser(ctx context.Context, l ambitiebot.UserLink) error {
	if l.UserID == "" || l.OrgKey == "" || l.LinkedBy == "" {
		return invalid("SqliteErrLinkIncomplete")
	}
	if l.LinkedAt.IsZero() {
		l.LinkedAt = db.now()
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_links (user_id, org_key, linked_by, linked_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET
				org_key = excluded.org_key, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
			l.UserID, l.OrgKey, l.LinkedBy, formatTime(l.LinkedAt))
		return err
	})
	// Dropped even after a failed commit, whose outcome is unknown; the
	// next lookup reads the table again.
	db.links.mu.Lock()
	db.links.byUser = nil
	db.links.mu.Unlock()
	return err
}

// FindUserLink returns the link for a user, from memory once the links
// were loaded. Errors: ENOTFOUND, EINTERNAL.
func (db *DB) FindUserLink(ctx context.Context, userID string) (ambitiebot.UserLink, error) {
	db.links.mu.RLock()
	links := db.links.byUser
	db.links.mu.RUnlock()
	if links == nil {
		var err error
		if links, err = db.loadLinks(ctx); err != nil {
			return ambitiebot.UserLink{}, err
		}
	}
	l, ok := links[userID]
	if !ok {
		return ambitiebot.UserLink{}, notFound("user link")
	}
	return l, nil
}

// loadLinks reads every link into the cache, unless another caller just
// did. Holding the lock while reading means a LinkUser that commits
// meanwhile drops what was read only after it was stored.
func (db *DB) loadLinks(ctx context.Context) (map[string]ambitiebot.UserLink, error) {
	db.links.mu.Lock()
	defer db.links.mu.Unlock()
	if db.links.byUser != nil {
		return db.links.byUser, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT user_id, org_key, linked_by, linked_at FROM user_links`)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	links := map[string]ambitiebot.UserLink{}
	for rows.Next() {
		var l ambitiebot.UserLink
		if err := rows.Scan(&l.UserID, &l.OrgKey, &l.LinkedBy, timeColumn{&l.LinkedAt}); err != nil {
			return nil, internal(err)
		}
		links[l.UserID] = l
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	db.links.byUser = links
	return links, nil
}
