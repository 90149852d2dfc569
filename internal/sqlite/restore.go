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
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
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
// Restore holds the lock a serving bot holds (see OpenServing), so it
// refuses with EINVALID "SqliteErrInUse" while the bot serves, and a bot
// cannot start in the middle of it. The backup is checked (integrity, and
// the tables of a schema version this binary knows: EINVALID
// "SqliteErrRestoreNotOurs" for an empty file or another application's
// database) and prepared in a copy beside path, 0600, before anything is
// replaced. The current database, with its -wal and -shm files, is then
// moved aside, not deleted, under a name with now to the nanosecond;
// Restore returns it.
func Restore(ctx context.Context, path, backup string, now, verifyUntil time.Time) (aside string, err error) {
	if _, err := os.Stat(backup); err != nil {
		return "", &ambitiebot.Error{Code: ambitiebot.ENOTFOUND, MessageID: "SqliteErrRestoreNoBackup",
			Data: map[string]any{"Path": backup}, Err: err}
	}
	lock, err := lockDB(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = lock.Close() }()
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
	aside = fmt.Sprintf("%s.before-restore-%s", path, now.UTC().Format("20060102T150405.000000000Z"))
	if _, err := os.Lstat(aside); !errors.Is(err, os.ErrNotExist) {
		removeDB(staging)
		return "", internal(fmt.Errorf("restore: %s is in the way (%v)", aside, err))
	}
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
// which writes a single, self-contained file into the 0600 file created
// for it.
func copyChecked(ctx context.Context, backup, dest string) error {
	conn, err := sql.Open("sqlite3", readOnlyDSN(backup))
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
	// An empty file (or /dev/null) passes integrity_check: it is an
	// empty database. Only the bot's own schema may replace the live one.
	if err := checkSchema(ctx, conn); err != nil {
		return schemaError(backup, err, "SqliteErrRestoreNotOurs")
	}
	f, err := fsutil.Create(dest, false)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return internal(err)
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
	db, err := OpenExisting(staging)
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
