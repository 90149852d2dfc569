package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// Setting returns the stored value of key and whether it exists.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, internal(err)
	}
	return v, true, nil
}

// SetSettingIfAbsent stores value under key unless key already has a
// value, and returns the value stored now. Two processes racing to store a
// generated secret thus both end up using the first one.
func (db *DB) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&stored)
	})
	if err != nil {
		return "", err
	}
	return stored, nil
}
