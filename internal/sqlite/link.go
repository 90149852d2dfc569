package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// linkCache holds every user link in memory: the table is small and read
// on every command, and links change only through LinkUser and
// UnlinkUser, which drop the cache after their commit, so a change takes
// effect at once. (No other process writes links; one that did would be
// seen after a restart.)
type linkCache struct {
	mu     sync.RWMutex
	byUser map[string][]ambitiebot.UserLink // nil: not loaded
}

// LinkUser adds the link of l.UserID to l.OrgKey and records it in the
// history; a link that exists already is kept as it was. A zero LinkedAt
// is set to now.
func (db *DB) LinkUser(ctx context.Context, l ambitiebot.UserLink) (bool, error) {
	if l.UserID == "" || l.OrgKey == "" || l.LinkedBy == "" {
		return false, invalid("SqliteErrLinkIncomplete")
	}
	if l.LinkedAt.IsZero() {
		l.LinkedAt = db.now()
	}
	added := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO user_links (user_id, org_key, linked_by, linked_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (user_id, org_key) DO NOTHING`,
			l.UserID, l.OrgKey, l.LinkedBy, formatTime(l.LinkedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		added = true
		return linkHistory(ctx, tx, l.UserID, l.OrgKey, "link", l.LinkedBy, l.LinkedAt)
	})
	db.dropLinks()
	return added && err == nil, err
}

// UnlinkUser removes userID's links to orgKeys (all of them when none is
// given) and records each removal in the history.
func (db *DB) UnlinkUser(ctx context.Context, userID, by string, orgKeys []string) ([]ambitiebot.UserLink, error) {
	if userID == "" || by == "" {
		return nil, invalid("SqliteErrLinkIncomplete")
	}
	at := db.now()
	var removed []ambitiebot.UserLink
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		removed = nil
		links, err := queryLinks(ctx, tx, `SELECT user_id, org_key, linked_by, linked_at FROM user_links WHERE user_id = ? ORDER BY linked_at, org_key`, userID)
		if err != nil {
			return err
		}
		for _, l := range links[userID] {
			if len(orgKeys) > 0 && !slices.Contains(orgKeys, l.OrgKey) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_links WHERE user_id = ? AND org_key = ?`, l.UserID, l.OrgKey); err != nil {
				return err
			}
			if err := linkHistory(ctx, tx, l.UserID, l.OrgKey, "unlink", by, at); err != nil {
				return err
			}
			removed = append(removed, l)
		}
		return nil
	})
	db.dropLinks()
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// linkHistory records a link or an unlink in the history.
func linkHistory(ctx context.Context, tx *sql.Tx, userID, orgKey, action, by string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO user_link_history (user_id, org_key, action, by_user, at) VALUES (?, ?, ?, ?, ?)`,
		userID, orgKey, action, by, formatTime(at))
	return err
}

// dropLinks empties the cache, also after a failed commit, whose outcome
// is unknown; the next lookup reads the table again.
func (db *DB) dropLinks() {
	db.links.mu.Lock()
	db.links.byUser = nil
	db.links.mu.Unlock()
}

// FindUserLinks returns a user's links, from memory once the links were
// loaded. Errors: EINTERNAL.
func (db *DB) FindUserLinks(ctx context.Context, userID string) ([]ambitiebot.UserLink, error) {
	db.links.mu.RLock()
	links := db.links.byUser
	db.links.mu.RUnlock()
	if links == nil {
		var err error
		if links, err = db.loadLinks(ctx); err != nil {
			return nil, err
		}
	}
	return slices.Clone(links[userID]), nil
}

// loadLinks reads every link into the cache, unless another caller just
// did. Holding the lock while reading means a change that commits
// meanwhile drops what was read only after it was stored.
func (db *DB) loadLinks(ctx context.Context) (map[string][]ambitiebot.UserLink, error) {
	db.links.mu.Lock()
	defer db.links.mu.Unlock()
	if db.links.byUser != nil {
		return db.links.byUser, nil
	}
	links, err := queryLinks(ctx, db.read, `SELECT user_id, org_key, linked_by, linked_at FROM user_links ORDER BY linked_at, org_key`)
	if err != nil {
		return nil, internal(err)
	}
	db.links.byUser = links
	return links, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryLinks reads links by user, in the query's order.
func queryLinks(ctx context.Context, q querier, query string, args ...any) (map[string][]ambitiebot.UserLink, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	links := map[string][]ambitiebot.UserLink{}
	for rows.Next() {
		var l ambitiebot.UserLink
		if err := rows.Scan(&l.UserID, &l.OrgKey, &l.LinkedBy, timeColumn{&l.LinkedAt}); err != nil {
			return nil, err
		}
		links[l.UserID] = append(links[l.UserID], l)
	}
	return links, rows.Err()
}
