// Package sqlitetest opens the real SQLite store on a fresh file for tests
// in other packages.
package sqlitetest

import (
	"os"
	"path/filepath"
	"syscall"
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

// LimitFileSize stops every file of the process from growing past the
// current size of the file at path, the way a full disk stops them, until
// the test ends: give it a database's -wal file and its next commit fails.
// Go ignores the SIGXFSZ that comes with it; the write fails with EFBIG.
// The limit is the process's, so the test must not run in parallel.
func LimitFileSize(tb testing.TB, path string) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		tb.Fatal(err)
	}
	limit := old
	limit.Cur = uint64(fi.Size())
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			tb.Error(err)
		}
	})
}
