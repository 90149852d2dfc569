package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")

	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	applied := count(t, raw, `SELECT COUNT(*) FROM schema_migrations`)
	if applied == 0 {
		t.Fatal("fresh database: no migration recorded")
	}
	for _, table := range []string{"progress", "changes", "user_links", "deliveries", "job_runs", "settings"} {
		if count(t, raw, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table) != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening applies nothing twice and keeps the data.
	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := db.SetSettingIfAbsent(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatalf("second reopen: %v", err)
	}
	if got := count(t, raw, `SELECT COUNT(*) FROM schema_migrations`); got != applied {
		t.Errorf("after reopening %d migrations are recorded, want %d", got, applied)
	}
	if v, ok, err := db.Setting(context.Background(), "k"); err != nil || !ok || v != "v" {
		t.Errorf("setting after reopen = %q %v %v", v, ok, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A database from a newer binary is refused, not touched.
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(path)
	var e *ambitiebot.Error
	if !errors.As(err, &e) || e.MessageID != "SqliteErrSchemaTooNew" || e.Data["Version"] != 9999 || e.Data["Path"] != path ||
		!strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("opening a too-new database: err = %v", err)
	}
}

// A database that cannot be opened is a sentence for the operator that
// names the file and keeps the system's reason.
func TestOpenFailureNamesTheFile(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "no", "such", "dir", "bot.db")
	for _, path := range []string{"", missingDir, t.TempDir()} {
		_, err := sqlite.Open(path)
		var e *ambitiebot.Error
		if !errors.As(err, &e) || e.Code != ambitiebot.EINVALID || e.MessageID != "SqliteErrCannotOpen" ||
			e.Data["Path"] != path || e.Data["Cause"] == "" {
			t.Errorf("Open(%q) = %v, want SqliteErrCannotOpen naming the file", path, err)
		}
	}
}
