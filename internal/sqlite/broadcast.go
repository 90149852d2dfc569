package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// EnqueueBroadcast implements ambitiebot.BroadcastService.
func (db *DB) EnqueueBroadcast(ctx context.Context, b ambitiebot.Broadcast, ds []ambitiebot.Delivery) (ambitiebot.Broadcast, int, error) {
	if b.RunKey == "" {
		return b, 0, invalid("SqliteErrDeliveryIncomplete")
	}
	for _, d := range ds {
		if err := validateDelivery(d, true); err != nil {
			return b, 0, err
		}
	}
	now := db.now()
	verify := now.Before(db.verifyUntil)
	b.At = now
	var stands ambitiebot.Broadcast
	added := 0
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO awareness_broadcasts (run_key, via, user_id, username, sent_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_key) DO NOTHING`,
			b.RunKey, b.Via, b.UserID, b.Username, formatTime(now)); err != nil {
			return internal(err)
		}
		var err error
		if stands, err = findBroadcast(ctx, tx.QueryRowContext(ctx, `SELECT `+broadcastColumns+
			` FROM awareness_broadcasts WHERE run_key = ?`, b.RunKey)); err != nil {
			return err
		}
		added, err = insertDeliveries(ctx, tx, ds, now, verify)
		return err
	})
	if err != nil {
		return b, 0, err
	}
	return stands, added, nil
}

const broadcastColumns = `run_key, via, user_id, username, sent_at`

func findBroadcast(_ context.Context, row *sql.Row) (ambitiebot.Broadcast, error) {
	var b ambitiebot.Broadcast
	if err := row.Scan(&b.RunKey, &b.Via, &b.UserID, &b.Username, timeColumn{&b.At}); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return b, err
		}
		return b, internal(err)
	}
	return b, nil
}

// FindBroadcast implements ambitiebot.BroadcastService.
func (db *DB) FindBroadcast(ctx context.Context, runKey string) (ambitiebot.Broadcast, bool, error) {
	return db.oneBroadcast(ctx, `SELECT `+broadcastColumns+` FROM awareness_broadcasts WHERE run_key = ?`, runKey)
}

// LatestBroadcast implements ambitiebot.BroadcastService.
func (db *DB) LatestBroadcast(ctx context.Context) (ambitiebot.Broadcast, bool, error) {
	return db.oneBroadcast(ctx, `SELECT `+broadcastColumns+` FROM awareness_broadcasts ORDER BY sent_at DESC, run_key DESC LIMIT 1`)
}

func (db *DB) oneBroadcast(ctx context.Context, query string, args ...any) (ambitiebot.Broadcast, bool, error) {
	b, err := findBroadcast(ctx, db.read.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	return b, err == nil, err
}
