package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
)

// lockDB takes the exclusive lock that a serving bot holds for as long as
// it serves, and Restore while it replaces the file: an flock on
// path+".lock". The kernel drops it when the process ends, however it
// ends, so a crashed bot leaves no stale lock. The lock file stays; it
// holds nothing. Held elsewhere, it returns EINVALID "SqliteErrInUse".
func lockDB(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, fsutil.FileMode)
	if err != nil {
		return nil, cannotOpen(name, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		_ = f.Close()
		return nil, &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrInUse",
			Data: map[string]any{"Path": path, "Lock": name}, Err: fmt.Errorf("sqlite: %s is locked", name)}
	}
	if err != nil {
		_ = f.Close()
		return nil, cannotOpen(name, err)
	}
	return f, nil
}
