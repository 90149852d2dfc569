package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// The awareness post went out after the backup was made. After the
// restore the bot knows nothing of it, runs the same occurrence again and
// finds every post by its marker: each channel still has exactly one.
// Status changes made after the restore are posted as usual.
func TestRestorePostsNothingTwice(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "")
	backup := filepath.Join(h.dir, "backup.db")
	if err := h.main.DB.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	at := h.clock.Now()
	if _, err := h.main.Scheduler.RunNow(ctx, "awareness", at); err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	before := awarenessPosts(h)
	for ref, n := range before {
		if n != 1 {
			t.Fatalf("%s has %d awareness posts before the restore", ref, n)
		}
	}

	h.stop()
	if _, err := sqlite.Restore(ctx, h.env["AMBITIEBOT_DB"], backup, h.clock.Now(), h.clock.Now().Add(13*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h.start()
	if _, err := h.main.Scheduler.RunNow(ctx, "awareness", at); err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	for ref, n := range awarenessPosts(h) {
		if n != 1 {
			t.Errorf("%s has %d awareness posts after the restore, want 1", ref, n)
		}
	}
	h.cmd("jan", "4.1 gereed")
	h.deliverAll()
	if n := len(h.waitPosts(h.world.WorkingGroup.Id, 1)); n != 1 {
		t.Errorf("working group has %d posts after a change following the restore, want its feed post", n)
	}
}

// awarenessPosts counts, per organisation channel, the posts there.
func awarenessPosts(h *harness) map[string]int {
	out := map[string]int{}
	for _, o := range h.main.Config.Organisations.All() {
		out[o.Channel] = len(h.world.Posts(h.world.Channels[o.Channel].Id))
	}
	return out
}

// The restore command names what it did and refuses what it cannot do,
// in the operator's language, changing nothing then.
func TestRestoreCommand(t *testing.T) {
	h := prepareHarness(t, "")
	db := h.env["AMBITIEBOT_DB"]
	live, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(h.dir, "backup.db")
	if err := live.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.run("restore"); exitCode(err) != 2 {
		t.Errorf("restore without FILE: %v, want a usage error", err)
	}
	out, err := h.run("restore", filepath.Join(h.dir, "nope.db"))
	if err == nil || !strings.Contains(err.Error(), "Er is geen back-up op") {
		t.Errorf("restore of a missing backup: %v\n%s", err, out)
	}
	out, err = h.run("restore", backup)
	if err != nil || !strings.Contains(out, "staat nu op de plaats van "+db) || !strings.Contains(out, ".before-restore-") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(db + ".before-restore-*")
	if len(matches) == 0 {
		t.Error("the replaced database was not kept")
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("no database in place after the restore: %v", err)
	}
}
