package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
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

// UseOnce records token as used until expires and reports whether this
// was its first use: of any number of concurrent calls with one token,
// exactly one gets true. Tokens past their expiry are forgotten.
func (db *DB) UseOnce(ctx context.Context, token string, expires time.Time) (bool, error) {
	first := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM used_tokens WHERE expires_at <= ?`, formatTime(db.Now())); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO used_tokens (token, expires_at) VALUES (?, ?)
			ON CONFLICT (token) DO NOTHING`, token, formatTime(expires))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, err
}
