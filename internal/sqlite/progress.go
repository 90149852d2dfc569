package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// applyUpdate writes one validated update inside the writer's transaction
// and returns the change and u.Feed as queued (see ambitiebot.Update). An
// update that changes nothing writes nothing and returns ID 0.
func (db *DB) applyUpdate(ctx context.Context, tx *sql.Tx, u ambitiebot.Update) (ambitiebot.Change, []ambitiebot.Delivery, error) {
	now := db.now()
	from, note, reconfirm := ambitiebot.StatusNotStarted, "", false
	err := tx.QueryRowContext(ctx,
		`SELECT status, note, reconfirm FROM progress WHERE org_key = ? AND ambition_id = ?`,
		u.OrgKey, u.AmbitionID).Scan(&from, &note, &reconfirm)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ambitiebot.Change{}, nil, internal(err)
	}
	c := ambitiebot.Change{
		OrgKey:     u.OrgKey,
		AmbitionID: u.AmbitionID,
		From:       from,
		To:         u.Status,
		Note:       u.Note,
		UserID:     u.User.ID,
		UserName:   u.User.Username,
		At:         now,
		Confirmed:  reconfirm,
	}
	if from == u.Status && note == u.Note {
		if reconfirm {
			// The same status again confirms it on the changed text.
			return c, nil, confirm(ctx, tx, c)
		}
		return c, nil, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO changes
		(org_key, ambition_id, from_status, to_status, note, user_id, user_name, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgKey, c.AmbitionID, c.From, c.To, c.Note, c.UserID, c.UserName, formatTime(now))
	if err != nil {
		return ambitiebot.Change{}, nil, internal(err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return ambitiebot.Change{}, nil, internal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO progress
		(org_key, ambition_id, status, note, updated_at, updated_by, updated_by_name, reconfirm)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0)
		ON CONFLICT (org_key, ambition_id) DO UPDATE SET
			status = excluded.status, note = excluded.note, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by, updated_by_name = excluded.updated_by_name, reconfirm = 0`,
		c.OrgKey, c.AmbitionID, c.To, c.Note, formatTime(now), c.UserID, c.UserName); err != nil {
		return ambitiebot.Change{}, nil, internal(err)
	}
	feed := make([]ambitiebot.Delivery, len(u.Feed))
	for i, d := range u.Feed {
		if d.RunKey == "" {
			// The change's time makes the key unique even when a restored
			// database hands out a change id that an earlier, lost change
			// already posted under.
			d.RunKey = "change:" + strconv.FormatInt(c.ID, 10) + "@" + formatTime(now)
		}
		if u.FeedMessage != nil {
			d.Message = u.FeedMessage(c)
		}
		id, err := insertDelivery(ctx, tx, d, now, u.Lease, false)
		if err != nil {
			return ambitiebot.Change{}, nil, err
		}
		if id != 0 {
			d.ID, d.State, d.Attempts, d.Uncertain, d.CreatedAt = id, ambitiebot.DeliveryPending, 0, false, now
			if d.NextAttempt.IsZero() || u.Lease > 0 {
				d.NextAttempt = now
			}
		}
		feed[i] = d
	}
	return c, feed, nil
}

// FindProgress returns the stored statuses that match f, ordered by
// organisation key and then numerically by ambition (3.9 before 3.10).
func (db *DB) FindProgress(ctx context.Context, f ambitiebot.ProgressFilter) ([]ambitiebot.Progress, error) {
	var w filter
	if f.OrgKey != "" {
		w.add("org_key = ?", f.OrgKey)
	}
	if f.AmbitionID != "" {
		w.add("ambition_id = ?", f.AmbitionID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT org_key, ambition_id, status, note,
		updated_at, updated_by, updated_by_name, reconfirm FROM progress`+w.where(), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []ambitiebot.Progress
	for rows.Next() {
		var p ambitiebot.Progress
		if err := rows.Scan(&p.OrgKey, &p.AmbitionID, &p.Status, &p.Note,
			timeColumn{&p.UpdatedAt}, &p.UpdatedBy, &p.UpdatedByName, &p.Reconfirm); err != nil {
			return nil, internal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	slices.SortFunc(out, func(a, b ambitiebot.Progress) int {
		if c := strings.Compare(a.OrgKey, b.OrgKey); c != 0 {
			return c
		}
		return ambitiebot.CompareAmbitionIDs(a.AmbitionID, b.AmbitionID)
	})
	return out, nil
}

// FindChanges returns the history entries that match f, oldest first;
// with f.Limit > 0 only the newest f.Limit of them.
func (db *DB) FindChanges(ctx context.Context, f ambitiebot.ChangeFilter) ([]ambitiebot.Change, error) {
	query, args := changesQuery(f)
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []ambitiebot.Change
	for rows.Next() {
		var c ambitiebot.Change
		if err := rows.Scan(&c.ID, &c.OrgKey, &c.AmbitionID, &c.From, &c.To, &c.Note,
			&c.UserID, &c.UserName, timeColumn{&c.At}); err != nil {
			return nil, internal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// changesQuery builds FindChanges' query. With a limit it takes the newest
// rows by walking an index backwards, then puts them oldest first.
func changesQuery(f ambitiebot.ChangeFilter) (string, []any) {
	var w filter
	if f.OrgKey != "" {
		w.add("org_key = ?", f.OrgKey)
	}
	if f.AmbitionID != "" {
		w.add("ambition_id = ?", f.AmbitionID)
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", formatTime(f.Until))
	}
	cols := `SELECT id, org_key, ambition_id, from_status, to_status, note, user_id, user_name, at FROM changes`
	if f.Limit <= 0 {
		return cols + w.where() + ` ORDER BY id`, w.args
	}
	return fmt.Sprintf(`SELECT * FROM (%s%s ORDER BY id DESC LIMIT %d) ORDER BY id`,
		cols, w.where(), f.Limit), w.args
}
