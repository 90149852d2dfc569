package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// settingVerifyUntil holds the moment until which every queued delivery
// is looked for in its channel before it is posted (see Restore).
const settingVerifyUntil = "verify_deliveries_until"

// Restore puts the backup at backup in the place of the database at path,
// for a bot that is not running. A backup is older than what the chat
// server shows: posts that were still queued in it, and scheduled runs it
// has no record of, may have gone out after it was made. So the restored
// outbox is made careful: its pending deliveries are marked uncertain, and
// until verifyUntil every delivery queued through EnqueueDeliveries is
// too. An uncertain delivery is first looked for by its marker, so each
// such post appears once; status changes' own feed posts, queued with
// the change, are new and are posted as usual.
//
// The backup is checked (integrity, and a schema this binary knows) and
// prepared in a copy beside path before anything is replaced. The current
// database, with its -wal and -shm files, is then moved aside, not
// deleted; Restore returns where to.
func Restore(ctx context.Context, path, backup string, now, verifyUntil time.Time) (aside string, err error) {
	if _, err := os.Stat(backup); err != nil {
		return "", &ambitiebot.Error{Code: ambitiebot.ENOTFOUND, MessageID: "SqliteErrRestoreNoBackup",
			Data: map[string]any{"Path": backup}, Err: err}
	}
	staging := path + ".restoring"
	removeDB(staging)
	if err := copyChecked(ctx, backup, staging); err != nil {
		removeDB(staging)
		return "", err
	}
	if err := prepareRestored(ctx, staging, verifyUntil); err != nil {
		removeDB(staging)
		return "", err
	}
	aside = fmt.Sprintf("%s.before-restore-%s", path, now.UTC().Format("20060102T150405Z"))
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", internal(fmt.Errorf("restore: move %s aside: %w", path+suffix, err))
		}
	}
	if err := os.Rename(staging, path); err != nil {
		return "", internal(fmt.Errorf("restore: put %s in place: %w", staging, err))
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return "", internal(fmt.Errorf("restore: %w", err))
	}
	return aside, nil
}

// copyChecked checks the backup and copies it to dest with VACUUM INTO,
// which writes a single, self-contained file.
func copyChecked(ctx context.Context, backup, dest string) error {
	src := url.URL{Path: backup}
	conn, err := sql.Open("sqlite3", "file:"+src.EscapedPath()+"?mode=ro")
	if err != nil {
		return internal(err)
	}
	defer func() { _ = conn.Close() }()
	damaged := func(err error) error {
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrRestoreDamaged",
			Data: map[string]any{"Path": backup}, Err: err}
	}
	var check string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return damaged(err) // not a database at all
	}
	if check != "ok" {
		return damaged(fmt.Errorf("integrity_check: %s", check))
	}
	dst := url.URL{Path: dest}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, "file:"+dst.EscapedPath()); err != nil {
		return internal(fmt.Errorf("restore: copy %s: %w", backup, err))
	}
	return nil
}

// prepareRestored opens the copy as the bot would (migrating an older
// schema, refusing a newer one) and makes its outbox careful.
func prepareRestored(ctx context.Context, staging string, verifyUntil time.Time) error {
	db, err := Open(staging)
	if err != nil {
		return err
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET uncertain = 1 WHERE state = 'pending'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingVerifyUntil, formatTime(verifyUntil))
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncFile(staging)
}

// removeDB removes a database file and its -wal and -shm files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}
