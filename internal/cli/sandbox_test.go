package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

// The README's "try it" command: a scripted sandbox session sees replies,
// the activity feed, and the reminders that fall due when the clock moves.
func TestSandboxSession(t *testing.T) {
	script := strings.Join([]string{
		"/ambitie 3.2 in-uitvoering concept ligt bij de raad",
		"/ambitie bijwerken",
		":als anna",
		"/ambitie 3.2",
		":als pieter",
		"/ambitie bericht",
		":tijd 2027-01-18 09:30",
		":als john",
		"/ambitie mijn",
		":als nobody",
		"iets",
		":stop",
	}, "\n")
	var out, errOut bytes.Buffer
	getenv := func(k string) (string, bool) { return "", false }
	err := run(context.Background(), []string{"sandbox", "--start", "2027-01-11 14:00", "--files", t.TempDir()}, strings.NewReader(script), &out, &errOut, getenv)
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"Welkom in de zandbak",
		"Gemeente Emmen: ambitie 3.2 staat nu op **In uitvoering**",
		"[drenthe/werkgroep-ondermijning]",
		"Gemeente Emmen: 3.2 → In uitvoering (door @jan): concept ligt bij de raad",
		"[formulier: ",
		"In Mattermost opent hier een formulier",
		"▸ ",
		"Je bent nu @anna",
		"- **Gemeente Assen**:",
		"Voorbeeld van het bewustwordingsbericht",
		"⏰ 2027-01-12 09:00: Herinnering",
		"⏰ 2027-01-18 09:00: Herinnering",
		"Herinnering: werkgroepvergadering dinsdag 19 januari 2027 om 10:00",
		"direct bericht aan @jan",
		"Het is nu 2027-01-18 09:30.",
		"ambitions done (", // john's Mattermost speaks English
		"Gebruiker ‘nobody’ bestaat niet",
		"‘iets’ ken ik niet",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sandbox output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}

// The chart that /ambitie overzicht posts is saved in the folder the
// sandbox names at start, so that a newcomer can open it.
func TestSandboxSavesPostedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	var out, errOut bytes.Buffer
	getenv := func(k string) (string, bool) { return "", false }
	err := run(context.Background(), []string{"sandbox", "--start", "2027-01-11 14:00", "--files", dir},
		strings.NewReader("/ambitie overzicht\n:stop\n"), &out, &errOut, getenv)
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "worden bewaard in "+dir) {
		t.Errorf("the sandbox does not name its folder at start:\n%s", out.String())
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(pngs) != 1 {
		t.Fatalf("%d charts in %s, want 1:\n%s", len(pngs), dir, out.String())
	}
	data, err := os.ReadFile(pngs[0])
	if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG: %v", pngs[0], err)
	}
	if !strings.Contains(out.String(), "→ "+pngs[0]) {
		t.Errorf("the post does not say where its chart is:\n%s", out.String())
	}
}

// sandboxTempDirs lists the sandbox's temporary directories in dir.
func sandboxTempDirs(t *testing.T, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "ambitiebot-sandbox-*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// A signal (Ctrl-C) while the sandbox waits for a line, and the end of its
// input, both leave it at once and remove its temporary directory.
func TestSandboxLeavesCleanly(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	getenv := func(k string) (string, bool) { return "", false }
	files := filepath.Join(tmp, "files")

	in, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"sandbox", "--files", files}, in, out, out, getenv) }()
	for !strings.Contains(out.String(), "jan> ") {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sandbox after a signal: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not stop on a signal while waiting for a line")
	}
	if left := sandboxTempDirs(t, tmp); len(left) > 0 {
		t.Errorf("a signal left %v behind", left)
	}

	var buf bytes.Buffer
	if err := run(context.Background(), []string{"sandbox", "--files", files}, strings.NewReader(""), &buf, &buf, getenv); err != nil {
		t.Errorf("sandbox at the end of its input: %v\n%s", err, buf.String())
	}
	if left := sandboxTempDirs(t, tmp); len(left) > 0 {
		t.Errorf("the end of input left %v behind", left)
	}
}

// A closed terminal sends SIGHUP: the sandbox process leaves cleanly,
// without leaving its temporary directory behind.
func TestSandboxHangUp(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, crashChildEnv+"=sandbox --files "+filepath.Join(tmp, "files"))
	stdin, err := cmd.StdinPipe() // held open: only the signal ends it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out := &testkit.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "jan> ") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the sandbox did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if left := sandboxTempDirs(t, tmp); len(left) != 1 {
		t.Fatalf("the running sandbox has %d temporary directories, want 1", len(left))
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("the sandbox did not leave cleanly on SIGHUP: %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the sandbox did not stop on SIGHUP")
	}
	if left := sandboxTempDirs(t, tmp); len(left) > 0 {
		t.Errorf("SIGHUP left %v behind", left)
	}
}
