// Package fsutiltest makes file writes fail in tests, the way a full disk
// does.
package fsutiltest

import (
	"os"
	"syscall"
	"testing"
)

// LimitFileSize stops every file of the process from growing past the
// current size of the file at path, the way a full disk stops them, until
// the test ends: give it a database's -wal file and its next commit fails, or a
// one-byte file and every write past one byte fails.
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
