package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// liveDB gives the database at path (created if need be) a progress row
// for each org, and closes it: the database a restore would replace.
func liveDB(t *testing.T, path string, orgs ...string) {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range orgs {
		if _, err := db.SetStatus(context.Background(), update(org, "3.2", ambitiebot.StatusDone, "")); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// withBackup makes a live database with Emmen's row and a backup of it in
// a new directory.
func withBackup(t *testing.T) (path, backup string) {
	t.Helper()
	dir := t.TempDir()
	path, backup = filepath.Join(dir, "bot.db"), filepath.Join(dir, "backup.db")
	liveDB(t, path, "emmen")
	backupOf(t, path, backup)
	return path, backup
}

// backupOf writes a backup of the database at path to dest.
func backupOf(t *testing.T, path, dest string) {
	t.Helper()
	db := openAt(t, path)
	if err := db.Backup(context.Background(), dest); err != nil {
		t.Fatal(err)
	}
}

// sqliteFile makes an SQLite database at path with the statements given.
func sqliteFile(t *testing.T, path string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// Restore replaces the live database only with one of the bot's own:
// /dev/null, an empty file and another application's SQLite file pass
// SQLite's integrity check, and each of them used to replace the live
// database (318 progress rows → 0).
func TestRestoreAcceptsOnlyTheBotsDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db")
	liveDB(t, path, "emmen")

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	sqliteFile(t, other, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('hi')`)
	// Another application that happens to keep a schema_migrations table.
	lookalike := filepath.Join(dir, "lookalike.db")
	sqliteFile(t, lookalike, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)`,
		`INSERT INTO schema_migrations VALUES (1, '001_init.sql', '')`, `CREATE TABLE progress (x)`)
	// The bot's own backup, with a table gone.
	partial := filepath.Join(dir, "partial.db")
	backupOf(t, path, partial)
	sqliteFile(t, partial, `DROP TABLE job_runs`)
	newer := filepath.Join(dir, "newer.db")
	backupOf(t, path, newer)
	sqliteFile(t, newer, `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`)

	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	for backup, want := range map[string]string{
		os.DevNull: "SqliteErrRestoreNotOurs",
		empty:      "SqliteErrRestoreNotOurs",
		other:      "SqliteErrRestoreNotOurs",
		lookalike:  "SqliteErrRestoreNotOurs",
		partial:    "SqliteErrRestoreNotOurs",
		newer:      "SqliteErrSchemaTooNew",
	} {
		_, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour))
		if e := ambitiebot.UserError(err); e.MessageID != want || e.Data["Path"] != backup {
			t.Errorf("Restore(%s) = %v, want %s naming it", filepath.Base(backup), err, want)
		}
	}
	if got := progressRows(t, openAt(t, path)); len(got) != 1 {
		t.Errorf("the live database changed after refused restores: %+v", got)
	}
	if matches, _ := filepath.Glob(path + ".*-restore-*"); len(matches) != 0 {
		t.Errorf("refused restores moved the database aside: %v", matches)
	}
}

// Two restores within one second keep both replaced databases: the name
// of the copy set aside carries the nanoseconds.
func TestRestoreAsideNamesDoNotCollide(t *testing.T) {
	ctx := context.Background()
	path, backup := withBackup(t)
	liveDB(t, path, "assen") // a row only the database set aside has
	now := time.Date(2027, 1, 11, 14, 0, 0, 100, time.UTC)
	first, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Restore(ctx, path, backup, now.Add(time.Millisecond), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if first == again {
		t.Fatalf("both restores set the database aside as %s", first)
	}
	if got := progressRows(t, openAt(t, first)); len(got) != 2 {
		t.Errorf("the first database set aside holds %d rows, want its 2", len(got))
	}
}

// While a bot serves a database, a second bot and a restore are refused
// with a sentence naming the database, and nothing changes; commands that
// only open an existing database go on reading and writing meanwhile.
// Restoring under a serving bot used to succeed, and everything the bot
// acknowledged afterwards went to the file set aside.
func TestServingDatabaseIsLocked(t *testing.T) {
	ctx := context.Background()
	path, backup := withBackup(t)
	serving, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer serving.Close()
	if _, err := serving.SetStatus(ctx, update("assen", "3.2", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	inUse := func(what string, err error) {
		t.Helper()
		e := ambitiebot.UserError(err)
		if e.MessageID != "SqliteErrInUse" || e.Data["Path"] != path || e.Data["Lock"] != path+".lock" {
			t.Errorf("%s while serving = %v, want SqliteErrInUse naming the database", what, err)
		}
	}
	second, err := sqlite.OpenServing(path)
	if err == nil {
		second.Close()
	}
	inUse("a second OpenServing", err)
	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	_, err = sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour))
	inUse("Restore", err)

	cli, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatalf("OpenExisting while serving: %v", err)
	}
	if got := progressRows(t, cli); len(got) != 2 {
		t.Errorf("a command beside the serving bot reads %d rows, want 2", len(got))
	}
	if _, err := cli.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("reminder:x", "channel:emmen/town-square")}); err != nil {
		t.Errorf("a command beside the serving bot cannot queue: %v", err)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if got := progressRows(t, serving); len(got) != 2 {
		t.Errorf("the serving database holds %d rows after the refused restore, want 2", len(got))
	}

	if err := serving.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour)); err != nil {
		t.Fatalf("Restore after the bot stopped: %v", err)
	}
	again, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatalf("OpenServing after the bot stopped: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

// withUmask runs the rest of the test under mask, so that a mode that
// relies on the usual 022 or 077 shows.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(path), err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", filepath.Base(path), got, want)
	}
}

// The database, its -wal and -shm (which hold the action secret), its
// lock, backups and restored databases are the bot user's alone, whatever
// the umask. They used to be 0644.
func TestFilesArePrivate(t *testing.T) {
	withUmask(t, 0)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	db, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetSettingIfAbsent(ctx, "action_secret", "s3cret"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		wantMode(t, f, 0o600)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	wantMode(t, backup, 0o600)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	if _, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	restored := openAt(t, path)
	if _, _, err := restored.Setting(ctx, "action_secret"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, f, 0o600)
	}

	plain := filepath.Join(t.TempDir(), "plain.db")
	openAt(t, plain)
	wantMode(t, plain, 0o600)
}

// Commands that read (status, report, awareness list, dry runs) open an
// existing database only: run in the wrong directory they used to
// create an empty ambitiebot.db, and awareness send then started over.
func TestOpenExistingCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := sqlite.OpenExisting("ambitiebot.db")
	if e := ambitiebot.UserError(err); e.Code != ambitiebot.ENOTFOUND || e.MessageID != "SqliteErrNotFound" ||
		e.Data["Path"] != filepath.Join(dir, "ambitiebot.db") {
		t.Errorf("OpenExisting(missing) = %v, want SqliteErrNotFound naming the absolute path", err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.OpenExisting(empty); ambitiebot.UserError(err).MessageID != "SqliteErrNotOurs" {
		t.Errorf("OpenExisting(empty file) = %v, want SqliteErrNotOurs", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("OpenExisting left files behind: %v", entries)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("OpenExisting wrote into a file that is not the bot's: %v", err)
	}

	path := filepath.Join(dir, "bot.db")
	liveDB(t, path, "emmen")
	db, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := progressRows(t, db); len(got) != 1 {
		t.Errorf("OpenExisting reads %d rows, want 1", len(got))
	}
}

// A serving bot refuses a database with a damaged page at start-up
// (quick_check) instead of answering /healthz with 200 on it.
func TestOpenServingRefusesADamagedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	liveDB(t, path, "emmen")
	var pageSize, root int64
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'progress'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, pageSize)
	for i := range garbage {
		garbage[i] = 0xA5
	}
	if _, err := f.WriteAt(garbage, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Twice: the lock goes with the refusal, so a restore may follow.
	for range 2 {
		db, err := sqlite.OpenServing(path)
		if err == nil {
			db.Close()
		}
		if e := ambitiebot.UserError(err); e.MessageID != "SqliteErrDamaged" || e.Data["Path"] != path || e.Data["Cause"] == "" {
			t.Fatalf("OpenServing(damaged) = %v, want SqliteErrDamaged naming the file and the damage", err)
		}
	}
}
