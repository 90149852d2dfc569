package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// Restore puts a backup in place, keeps the replaced database aside, and
// leaves an outbox that looks before it posts: pending rows and, until
// the window ends, everything queued anew.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "bot.db"), filepath.Join(dir, "backup.db")
	db := openAt(t, path)
	if _, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("awareness:a:1", "channel:emmen/town-square")}); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// After the backup: a change the restore will lose.
	if _, err := db.SetStatus(ctx, update("assen", "3.2", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	aside, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Errorf("the replaced database is not at %s: %v", aside, err)
	}
	if kept := openAt(t, aside); len(progressRows(t, kept)) != 2 {
		t.Errorf("the database moved aside lost its rows")
	}

	restored := openAt(t, path)
	restored.Now = func() time.Time { return now.Add(time.Minute) }
	if got := progressRows(t, restored); len(got) != 1 || got[0].OrgKey != "emmen" {
		t.Errorf("restored progress = %+v, want only the backup's", got)
	}
	pending, err := restored.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
	if err != nil || len(pending) != 1 || !pending[0].Uncertain {
		t.Fatalf("restored outbox = %+v, %v; want its pending row uncertain", pending, err)
	}
	if _, err := restored.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("reminder:x", "channel:emmen/town-square")}); err != nil {
		t.Fatal(err)
	}
	later := openAt(t, path)
	later.Now = func() time.Time { return now.Add(2 * time.Hour) }
	if _, err := later.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("reminder:y", "channel:emmen/town-square")}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"reminder:x": true, "reminder:y": false} {
		got, err := later.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: key})
		if err != nil || len(got) != 1 || got[0].Uncertain != want {
			t.Errorf("%s queued after the restore: %+v, %v; want uncertain = %v", key, got, err, want)
		}
	}
}

// A missing or damaged backup is refused and the database stays as it was.
func TestRestoreRefusesABadBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db")
	db := openAt(t, path)
	if _, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is not a database, not even close to one........"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	for backup, want := range map[string]string{filepath.Join(dir, "missing.db"): "SqliteErrRestoreNoBackup", junk: "SqliteErrRestoreDamaged"} {
		_, err := sqlite.Restore(ctx, path, backup, now, now.Add(time.Hour))
		if e := ambitiebot.UserError(err); e.MessageID != want || e.Data["Path"] != backup {
			t.Errorf("Restore(%s) = %v, want %s naming it", filepath.Base(backup), err, want)
		}
	}
	if got := progressRows(t, openAt(t, path)); len(got) != 1 {
		t.Errorf("the database changed after a refused restore: %+v", got)
	}
	if _, err := os.Stat(path + ".restoring"); !os.IsNotExist(err) {
		t.Errorf("a staging copy was left behind: %v", err)
	}
}

func progressRows(t *testing.T, db *sqlite.DB) []ambitiebot.Progress {
	t.Helper()
	rows, err := db.FindProgress(context.Background(), ambitiebot.ProgressFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
