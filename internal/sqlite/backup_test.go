package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	dir := t.TempDir()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := []ambitiebot.Status{ambitiebot.StatusInProgress, ambitiebot.StatusDone}[i%2]
				u := update(fmt.Sprintf("org-%d", w), fmt.Sprintf("1.%d", i%5+1), s, "")
				u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", Message: "m"}}
				if _, err := db.SetStatus(ctx, u); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Let some history build up before and during the copy.
	waitForChanges(t, db, 50)
	during := filepath.Join(dir, "during.db")
	if err := db.Backup(ctx, during); err != nil {
		t.Fatal(err)
	}
	waitForChanges(t, db, count(t, rawDB(t, during), `SELECT COUNT(*) FROM changes`)+20)
	close(stop)
	wg.Wait()

	err := db.Backup(ctx, during)
	wantCode(t, err, ambitiebot.ECONFLICT, "SqliteErrBackupExists")

	// The copy made during the writes is one consistent snapshot: a prefix
	// of the history, agreeing with its own current statuses.
	copyDB := openAt(t, during)
	checkIntegrity(t, during)
	snapshot := checkHistory(t, copyDB)
	all := checkHistory(t, db)
	if len(snapshot) == 0 || len(snapshot) >= len(all) || !reflect.DeepEqual(snapshot, all[:len(snapshot)]) {
		t.Errorf("the copy holds %d changes, not a prefix of the %d in the original", len(snapshot), len(all))
	}

	// A copy made at rest equals the original.
	after := filepath.Join(dir, "after.db")
	if err := db.Backup(ctx, after); err != nil {
		t.Fatal(err)
	}
	checkIntegrity(t, after)
	restored := openAt(t, after)
	for name, find := range map[string]func(*sqlite.DB) (any, error){
		"progress": func(d *sqlite.DB) (any, error) { return d.FindProgress(ctx, ambitiebot.ProgressFilter{}) },
		"changes":  func(d *sqlite.DB) (any, error) { return d.FindChanges(ctx, ambitiebot.ChangeFilter{}) },
		"deliveries": func(d *sqlite.DB) (any, error) {
			return d.FindDeliveries(ctx, ambitiebot.DeliveryFilter{})
		},
	} {
		want, err1 := find(db)
		got, err2 := find(restored)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("restored %s differ from the original", name)
		}
	}
}

func waitForChanges(t *testing.T, db *sqlite.DB, n int) {
	t.Helper()
	for {
		cs, err := db.FindChanges(context.Background(), ambitiebot.ChangeFilter{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	var result string
	if err := rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil {
		t.Fatal(err)
	}
	if result != "ok" {
		t.Fatalf("integrity_check of %s = %q", path, result)
	}
}

// A backup that does not complete leaves no file behind that a later
// attempt would refuse or an operator might restore.
func TestBackupFailureLeavesNoFile(t *testing.T) {
	db, _ := openDB(t)
	dest := filepath.Join(t.TempDir(), "canceled.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Backup(ctx, dest)
	wantCode(t, err, ambitiebot.EINTERNAL, "ErrInternal")
	if _, statErr := os.Stat(dest); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatalf("a failed backup left %s behind (%v)", dest, statErr)
	}
	if err := db.Backup(context.Background(), dest); err != nil {
		t.Fatalf("retry after a failed backup: %v", err)
	}
	checkIntegrity(t, dest)
}
