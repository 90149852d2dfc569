package fsutil_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil/fsutiltest"
)

// withUmask runs the test under a permissive umask, so that a file mode
// that relies on the usual 022 or 077 shows.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A report is readable by the bot's user only, whatever the umask, and
// forcing over an old world-readable file leaves it 0600 too.
func TestWriteFileIsPrivate(t *testing.T) {
	withUmask(t, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	if err := fsutil.WriteFile(path, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("new file mode = %v, want 0600", m)
	}
	old := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(old, []byte("a much longer old text"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fsutil.WriteFile(old, []byte("new"), true); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, old); m != 0o600 {
		t.Errorf("forced file mode = %v, want 0600", m)
	}
	if b, _ := os.ReadFile(old); string(b) != "new" {
		t.Errorf("forced file holds %q, want only the new text", b)
	}
}

// What could destroy or leak a file is refused with a sentence naming
// the path: overwriting without force, a symbolic link (even with
// force), a directory, a directory that does not exist.
func TestWriteFileRefuses(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.csv")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path  string
		force bool
		want  string
	}{
		{existing, false, "FileErrExists"},
		{link, false, "FileErrSymlink"},
		{link, true, "FileErrSymlink"},
		{dangling, false, "FileErrSymlink"},
		{dangling, true, "FileErrSymlink"},
		{dir, false, "FileErrIsDirectory"},
		{dir, true, "FileErrIsDirectory"},
		{filepath.Join(dir, "missing", "x.xlsx"), true, "FileErrNoDirectory"},
	} {
		err := fsutil.WriteFile(c.path, []byte("x"), c.force)
		if e := ambitiebot.UserError(err); e.MessageID != c.want || e.Data["Path"] != c.path {
			t.Errorf("WriteFile(%s, force=%v) = %v, want %s naming it", filepath.Base(c.path), c.force, err, c.want)
		}
	}
	for path, want := range map[string]string{existing: "keep me", target: "secret"} {
		if b, _ := os.ReadFile(path); string(b) != want {
			t.Errorf("%s now holds %q, want %q", filepath.Base(path), b, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("a dangling link was followed: %v", err)
	}
}

// A write that fails halfway (a full disk) leaves no torn file that the
// next attempt would refuse as existing, and says why.
func TestWriteFileLeavesNothingWhenWritingFails(t *testing.T) {
	dir := t.TempDir()
	oneByte := filepath.Join(dir, "one")
	if err := os.WriteFile(oneByte, []byte("1"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.xlsx")
	fsutiltest.LimitFileSize(t, oneByte)
	err := fsutil.WriteFile(path, []byte("more than one byte"), false)
	if e := ambitiebot.UserError(err); e.MessageID != "FileErrCannotCreate" || e.Data["Path"] != path || e.Data["Cause"] == "" {
		t.Errorf("WriteFile on a full disk = %v, want FileErrCannotCreate with the cause", err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("a torn file was left behind: %v", err)
	}
}
