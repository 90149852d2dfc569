// Package sqlitetest opens the real SQLite store on a fresh file for tests
// in other packages.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// Open opens a new store in a temporary directory of tb and closes it
// when the test ends.
func Open(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "ambitiebot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}
