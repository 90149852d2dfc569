package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// SyncCatalogue stores every ambition's version and marks the statuses on
// a changed ambition te herbevestigen, all in one transaction (see
// ambitiebot.CatalogueService).
func (db *DB) SyncCatalogue(ctx context.Context, c *ambitiebot.Catalogue) ([]string, error) {
	var changed []string
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		now := formatTime(db.now())
		for _, a := range c.Ambitions() {
			version := a.Version()
			var stored string
			err := tx.QueryRowContext(ctx, `SELECT version FROM catalogue_versions WHERE ambition_id = ?`, a.ID).Scan(&stored)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_versions (ambition_id, version, since) VALUES (?, ?, ?)`,
					a.ID, version, now); err != nil {
					return err
				}
				continue
			case err != nil:
				return err
			case stored == version:
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE catalogue_versions SET version = ?, since = ? WHERE ambition_id = ?`,
				version, now, a.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE progress SET reconfirm = 1 WHERE ambition_id = ?`, a.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_events (ambition_id, kind, at) VALUES (?, ?, ?)`,
				a.ID, ambitiebot.EventTextChanged, now); err != nil {
				return err
			}
			changed = append(changed, a.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// confirm clears the te herbevestigen mark of the change's cell and
// records who confirmed it, inside the update's transaction.
func confirm(ctx context.Context, tx *sql.Tx, c ambitiebot.Change) error {
	if _, err := tx.ExecContext(ctx, `UPDATE progress SET reconfirm = 0 WHERE org_key = ? AND ambition_id = ?`,
		c.OrgKey, c.AmbitionID); err != nil {
		return internal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_events (ambition_id, org_key, kind, user_id, user_name, at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.AmbitionID, c.OrgKey, ambitiebot.EventConfirmed, c.UserID, c.UserName, formatTime(c.At)); err != nil {
		return internal(err)
	}
	return nil
}

// FindCatalogueEvents returns an ambition's catalogue events, oldest
// first; with limit > 0 only the newest limit of them.
func (db *DB) FindCatalogueEvents(ctx context.Context, ambitionID string, limit int) ([]ambitiebot.CatalogueEvent, error) {
	rows, err := db.read.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM (
		SELECT id, ambition_id, org_key, kind, user_id, user_name, at FROM catalogue_events
		WHERE ambition_id = ? ORDER BY id DESC LIMIT %d) ORDER BY id`, sqlLimit(limit)), ambitionID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []ambitiebot.CatalogueEvent
	for rows.Next() {
		var e ambitiebot.CatalogueEvent
		if err := rows.Scan(&e.ID, &e.AmbitionID, &e.OrgKey, &e.Kind, &e.UserID, &e.UserName, timeColumn{&e.At}); err != nil {
			return nil, internal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	return out, nil
}
