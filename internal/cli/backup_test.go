package cli

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// openHistory reads a database file's history and current status after
// checking its integrity and that the two agree.
func openHistory(t *testing.T, path string) (map[cell][]ambitiebot.Change, map[cell]ambitiebot.Progress) {
	t.Helper()
	db, err := sql.Open("sqlite3", sqlite.WriteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return readHistory(t, db, path)
}

// TestBackupWhileServing backs up while updates flow, restores the copy
// by starting the bot on it, and compares.
func TestBackupWhileServing(t *testing.T) {
	h := newHarness(t, "[limits]\ncommands_per_minute = 1000000\n")
	l := &ledger{sent: map[string]*sentUpdate{}, lastAcked: map[cell]*sentUpdate{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for w, org := range crashWorkers {
		wg.Add(1)
		go func() { defer wg.Done(); fireUpdates(ctx, h, h.main.HTTP.URL(), l, 0, w, org) }()
	}
	waitAcked := func(n int) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			l.mu.Lock()
			acked := l.acked
			l.mu.Unlock()
			if acked >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d updates acknowledged", acked, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitAcked(20)
	l.mu.Lock()
	var before []string // acknowledged before the backup began
	for note, u := range l.sent {
		if u.acked {
			before = append(before, note)
		}
	}
	ackedBefore := l.acked
	l.mu.Unlock()

	dest := filepath.Join(t.TempDir(), "kopie.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"backup", dest, "--config", h.env["AMBITIEBOT_CONFIG"]}, nil, &out, &errOut, h.getenv); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	contains(t, out.String(), "Back-up geschreven naar "+dest)
	waitAcked(ackedBefore + 20) // the bot kept serving
	cancel()
	wg.Wait()

	copyHistory, copyCurrent := openHistory(t, dest)
	liveHistory, _ := openHistory(t, h.env["AMBITIEBOT_DB"])
	inCopy := map[string]bool{}
	copied, live := 0, 0
	for c, changes := range liveHistory {
		live += len(changes)
		got := copyHistory[c]
		copied += len(got)
		// One snapshot: each cell's copied history is the start of its
		// live history, nothing torn or reordered.
		if len(got) > len(changes) || !slices.Equal(got, changes[:len(got)]) {
			t.Errorf("%v: copied history is not a prefix of the live one:\n%+v\n%+v", c, got, changes)
		}
		for _, ch := range got {
			inCopy[ch.Note] = true
		}
	}
	for _, note := range before {
		if !inCopy[note] {
			t.Errorf("update %q, acknowledged before the backup, is not in it", note)
		}
	}
	if copied >= live {
		t.Errorf("the copy has %d changes and the live database %d: no update came after the backup", copied, live)
	}

	// A second backup to the same file is refused; the copy stays.
	errOut.Reset()
	err := run(ctx, []string{"backup", "--config", h.env["AMBITIEBOT_CONFIG"], dest}, nil, &out, &errOut, h.getenv)
	if err == nil || !strings.Contains(err.Error(), "bestaat al") {
		t.Errorf("backup over an existing file: %v", err)
	}

	// Restore: the bot starts on the copy and shows exactly its state.
	h.stop()
	h.env["AMBITIEBOT_DB"] = dest
	h.start()
	rows, err := h.main.DB.FindProgress(context.Background(), ambitiebot.ProgressFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(copyCurrent) {
		t.Errorf("restored bot has %d cells, the copy %d", len(rows), len(copyCurrent))
	}
	for _, p := range rows {
		if want := copyCurrent[cell{p.OrgKey, p.AmbitionID}]; p.Status != want.Status || p.Note != want.Note {
			t.Errorf("restored %s %s = %s %q, copy has %s %q", p.OrgKey, p.AmbitionID, p.Status, p.Note, want.Status, want.Note)
		}
	}
	contains(t, h.cmd("jan", "5.1 gereed na de terugzet")[0], "staat nu op **Gereed**")
}

func TestBackupUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	noEnv := func(string) (string, bool) { return "", false }
	if err := run(context.Background(), []string{"backup"}, nil, &out, &errOut, noEnv); exitCode(err) != 2 {
		t.Errorf("backup without FILE: %v (exit %d), want a usage error", err, exitCode(err))
	}
	if err := run(context.Background(), []string{"backup", "a.db", "b.db"}, nil, &out, &errOut, noEnv); exitCode(err) != 2 {
		t.Errorf("backup with two files: %v (exit %d), want a usage error", err, exitCode(err))
	}
	dir := t.TempDir()
	env := func(k string) (string, bool) {
		if k == "AMBITIEBOT_DB" {
			return filepath.Join(dir, "missing.db"), true
		}
		return "", false
	}
	err := run(context.Background(), []string{"backup", filepath.Join(dir, "copy.db")}, nil, &out, &errOut, env)
	if err == nil || !strings.Contains(err.Error(), "Er is geen database op") {
		t.Errorf("backup of a missing database: %v", err)
	}
}
