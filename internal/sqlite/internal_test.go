package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func cellUpdate(org string, s ambitiebot.Status, note, message string) ambitiebot.Update {
	u := ambitiebot.Update{OrgKey: org, AmbitionID: "3.2", Status: s, Note: note, User: ambitiebot.User{ID: "u1"}}
	if message != "" {
		u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", Message: message}}
	}
	return u
}

func TestPragmas(t *testing.T) {
	db := openInternal(t)
	checks := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, c := range checks {
		for name, pool := range map[string]*sql.DB{"write": db.write, "read": db.read} {
			var got string
			if err := pool.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s pool: %s = %s, want %s", name, c.pragma, got, c.want)
			}
		}
	}
	var queryOnly int
	if err := db.read.QueryRow("PRAGMA query_only").Scan(&queryOnly); err != nil || queryOnly != 1 {
		t.Errorf("read pool query_only = %d, %v", queryOnly, err)
	}
}

// One failing update in a batch is rolled back to its savepoint; the others
// in the same commit stand.
func TestBatchIsolatesFailures(t *testing.T) {
	db := openInternal(t)
	db.Now = func() time.Time { return time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC) }
	if _, err := db.write.Exec(`CREATE TRIGGER test_reject BEFORE INSERT ON deliveries
		WHEN NEW.message = 'boom' BEGIN SELECT RAISE(ABORT, 'rejected by test'); END`); err != nil {
		t.Fatal(err)
	}
	batch := []*updateRequest{
		{update: cellUpdate("emmen", ambitiebot.StatusDone, "", "ok 1"), answer: make(chan updateResult, 1)},
		{update: cellUpdate("assen", ambitiebot.StatusDone, "", "boom"), answer: make(chan updateResult, 1)},
		{update: cellUpdate("meppel", ambitiebot.StatusDone, "", "ok 2"), answer: make(chan updateResult, 1)},
	}
	db.commitBatch(batch)
	for i, req := range batch {
		res := <-req.answer
		if (res.err != nil) != (i == 1) {
			t.Errorf("update %d: err = %v", i, res.err)
		}
	}
	ctx := context.Background()
	progress, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != 2 || progress[0].OrgKey != "emmen" || progress[1].OrgKey != "meppel" {
		t.Errorf("progress = %+v", progress)
	}
	changes, err := db.FindChanges(ctx, ambitiebot.ChangeFilter{OrgKey: "assen"})
	if err != nil || len(changes) != 0 {
		t.Errorf("failed update left history: %+v %v", changes, err)
	}
	feed, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{})
	if err != nil || len(feed) != 2 {
		t.Errorf("feed = %+v %v", feed, err)
	}
}

// A caller that gives up while its update waits behind a busy writer gets
// an error, and the update is never applied.
func TestAbandonedUpdateIsNotApplied(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()

	// Hold the only write connection so that the writer's next batch waits.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := db.SetStatus(ctx, cellUpdate("emmen", ambitiebot.StatusDone, "", ""))
		first <- err
	}()
	waitFor(t, func() bool { db.mu.Lock(); defer db.mu.Unlock(); return db.writing })
	time.Sleep(50 * time.Millisecond) // let the writer reach its begin and block

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = db.SetStatus(short, cellUpdate("assen", ambitiebot.StatusDone, "", ""))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandoned update: err = %v, want deadline exceeded", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first update: %v", err)
	}
	// A later update is committed after the abandoned one was dequeued.
	if _, err := db.SetStatus(ctx, cellUpdate("meppel", ambitiebot.StatusDone, "", "")); err != nil {
		t.Fatal(err)
	}
	changes, err := db.FindChanges(ctx, ambitiebot.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for _, c := range changes {
		orgs = append(orgs, c.OrgKey)
	}
	if strings.Join(orgs, ",") != "emmen,meppel" {
		t.Errorf("history = %v, want emmen then meppel only", orgs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// The history queries walk an index in id order: no full scan, and no
// sort of the history itself.
func TestFindChangesUsesIndex(t *testing.T) {
	db := openInternal(t)
	for _, f := range []ambitiebot.ChangeFilter{
		{OrgKey: "emmen", AmbitionID: "3.2", Limit: 50},
		{AmbitionID: "3.2", Limit: 50},
		{OrgKey: "emmen", AmbitionID: "3.2"},
	} {
		query, args := changesQuery(f)
		rows, err := db.read.Query("EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, "SEARCH changes USING INDEX changes_by_") || strings.Contains(text, "SCAN changes") {
			t.Errorf("filter %+v does not search an index: %s", f, text)
		}
		// Only the outer query may sort, and it sorts at most Limit rows.
		for i, step := range plan {
			if strings.Contains(step, "TEMP B-TREE") && (i == 0 || !strings.HasPrefix(plan[i-1], "SCAN (subquery")) {
				t.Errorf("filter %+v sorts the history: %s", f, text)
			}
		}
	}
}

// A dispatcher's pass that finds nothing due does not wait for the write
// connection, which the writer needs between commands.
func TestNothingDueTakesNoWriteLock(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ds, err := db.DueDeliveries(short, time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC), time.Minute, 1)
	if err != nil || len(ds) != 0 {
		t.Fatalf("nothing due = %v, %v", ds, err)
	}
}
