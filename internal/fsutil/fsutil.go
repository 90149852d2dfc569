// Package fsutil creates the files the bot writes for its operator
// (reports, backups, databases) so that only the bot's user can read them
// and so that a symbolic link or a typo cannot make the bot write
// somewhere else or destroy a file.
package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// FileMode is the mode of the files the bot creates: they hold progress
// data, and its database the action secret.
const FileMode os.FileMode = 0o600

// Create creates the file at path with mode 0600, whatever the umask, and
// opens it for writing. It never follows a symbolic link at path, and it
// refuses an existing file unless force is set, in which case the file is
// emptied and its mode set to 0600. Errors are *ambitiebot.Error naming
// path: ECONFLICT "FileErrExists" for an existing file, EINVALID
// "FileErrIsDirectory", "FileErrSymlink" and "FileErrNoDirectory" (the
// directory does not exist), and EINVALID "FileErrCannotCreate" with the
// operating system's words as Cause otherwise.
func Create(path string, force bool) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	if force {
		flags |= os.O_TRUNC
	} else {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, FileMode)
	if err != nil {
		return nil, createError(path, err)
	}
	// The umask may have taken bits away, and an existing file forced
	// open keeps its old mode: set it exactly.
	if err := f.Chmod(FileMode); err != nil {
		_ = f.Close()
		return nil, createError(path, err)
	}
	return f, nil
}

// WriteFile writes data to a new file at path as Create makes it (see
// Create for force and the errors), and syncs it, so a report said to be
// written survives a crash. A write that fails (a full disk) removes the
// file and returns EINVALID "FileErrCannotCreate" with the cause.
func WriteFile(path string, data []byte, force bool) error {
	f, err := Create(path, force)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A torn file would only be refused as existing next time.
		_ = os.Remove(path)
		return createError(path, err)
	}
	return nil
}

// createError turns an operating-system error about path into a sentence.
func createError(path string, err error) error {
	e := &ambitiebot.Error{Code: ambitiebot.EINVALID, Data: map[string]any{"Path": path}, Err: err}
	switch {
	case errors.Is(err, os.ErrExist) && !isDir(path):
		e.Code, e.MessageID = ambitiebot.ECONFLICT, "FileErrExists"
		if isSymlink(path) {
			e.Code, e.MessageID = ambitiebot.EINVALID, "FileErrSymlink"
		}
	case errors.Is(err, syscall.EISDIR) || isDir(path):
		e.MessageID = "FileErrIsDirectory"
	case errors.Is(err, syscall.ELOOP):
		e.MessageID = "FileErrSymlink"
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		e.MessageID = "FileErrNoDirectory"
		e.Data["Dir"] = filepath.Dir(path)
	default:
		e.MessageID = "FileErrCannotCreate"
		e.Data["Cause"] = Cause(err).Error()
	}
	return e
}

func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// Cause is the innermost error: the operating system's (or SQLite's) own
// words, such as "permission denied", without Go's wrapping, for a
// sentence that must tell the operator what to fix.
func Cause(err error) error {
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return err
}
