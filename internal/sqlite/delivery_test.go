package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

func delivery(runKey string, target ambitiebot.Target) ambitiebot.Delivery {
	return ambitiebot.Delivery{RunKey: runKey, Target: target, Kind: "awareness", OrgKey: "emmen", Message: "**Let op**"}
}

func deliveryIDs(ds []ambitiebot.Delivery) string {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return fmt.Sprint(out)
}

func TestEnqueueDeliveriesIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	batch := []ambitiebot.Delivery{
		delivery("awareness:1", "channel:emmen/town-square"),
		delivery("awareness:1", "channel:assen/town-square"),
		delivery("awareness:1", "webhook:meppel"),
	}
	n, err := db.EnqueueDeliveries(ctx, batch)
	if err != nil || n != 3 {
		t.Fatalf("first enqueue = %d, %v", n, err)
	}
	n, err = db.EnqueueDeliveries(ctx, append(batch, delivery("awareness:1", "user:u7"), delivery("awareness:2", "webhook:meppel")))
	if err != nil || n != 2 {
		t.Fatalf("second enqueue = %d, %v; want only the 2 new ones", n, err)
	}
	all, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("deliveries = %d, %v", len(all), err)
	}
	got := all[len(all)-1]
	if got.RunKey != "awareness:1" || got.Target != "channel:emmen/town-square" || got.Kind != "awareness" ||
		got.OrgKey != "emmen" || got.Message != "**Let op**" || got.State != ambitiebot.DeliveryPending ||
		got.Attempts != 0 || got.Uncertain || got.CreatedAt.IsZero() || !got.NextAttempt.Equal(got.CreatedAt) {
		t.Errorf("stored delivery = %+v", got)
	}

	for _, bad := range []ambitiebot.Delivery{
		{Target: "user:u1", Message: "m"},
		{RunKey: "r", Target: "user:", Message: "m"},
		{RunKey: "r", Target: "fax:123", Message: "m"},
		{RunKey: "r", Target: "user:u1", Message: "  "},
	} {
		_, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("awareness:3", "user:u1"), bad})
		wantCode(t, err, ambitiebot.EINVALID, "SqliteErrDeliveryIncomplete")
	}
	if rest, _ := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: "awareness:3"}); len(rest) != 0 {
		t.Errorf("an invalid batch queued %d deliveries", len(rest))
	}
}

func TestDueDeliveriesAndTransitions(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	t0 := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC) // after the test clock's enqueue time
	later := delivery("r", "user:later")
	later.NextAttempt = t0.Add(time.Hour)
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{
		delivery("r", "user:a"), later, delivery("r", "user:b"), delivery("r", "user:c"),
	}); err != nil {
		t.Fatal(err)
	}
	due := func(now time.Time, limit int) []ambitiebot.Delivery {
		t.Helper()
		ds, err := db.DueDeliveries(ctx, now, 0, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	all := due(t0.Add(2*time.Hour), 0)
	if len(all) != 4 {
		t.Fatalf("due later = %d, want 4", len(all))
	}
	a, lat, b, c := all[0], all[1], all[2], all[3]
	if lat.Target != "user:later" || !(a.ID < lat.ID && lat.ID < b.ID && b.ID < c.ID) {
		t.Fatalf("due order = %v", all)
	}
	if got := due(t0, 0); deliveryIDs(got) != fmt.Sprint([]int64{a.ID, b.ID, c.ID}) {
		t.Errorf("due now = %s, want a, b, c (later not yet)", deliveryIDs(got))
	}
	if got := due(t0, 2); deliveryIDs(got) != fmt.Sprint([]int64{a.ID, b.ID}) {
		t.Errorf("due now, limit 2 = %s", deliveryIDs(got))
	}

	// a: an uncertain attempt, then a 429 on an attempt that carried the
	// uncertainty over: still uncertain.
	next := t0.Add(30 * time.Second)
	if err := db.MarkRetry(ctx, a.ID, "429", false, next); err != nil {
		t.Fatal(err)
	}
	if got := find(t, db, a.ID); got.Uncertain {
		t.Errorf("a certain failure is stored as uncertain")
	}
	if err := db.MarkRetry(ctx, a.ID, "timeout", true, next); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, a.ID, "429", true, next); err != nil {
		t.Fatal(err)
	}
	if got := due(t0, 0); deliveryIDs(got) != fmt.Sprint([]int64{b.ID, c.ID}) {
		t.Errorf("after retry, due now = %s", deliveryIDs(got))
	}
	got := find(t, db, a.ID)
	if got.State != ambitiebot.DeliveryPending || got.Attempts != 3 || !got.Uncertain ||
		got.LastError != "429" || !got.NextAttempt.Equal(next) {
		t.Errorf("after retries = %+v", got)
	}
	if due := due(next, 0); len(due) == 0 || due[0].ID != a.ID {
		t.Errorf("a is not due at its next attempt")
	}

	// a is delivered: sent, no longer uncertain or due.
	sentAt := next.Add(time.Second)
	if err := db.MarkDelivered(ctx, a.ID, "post-1", sentAt); err != nil {
		t.Fatal(err)
	}
	got = find(t, db, a.ID)
	if got.State != ambitiebot.DeliverySent || got.PostID != "post-1" || !got.SentAt.Equal(sentAt) ||
		got.Uncertain || got.Attempts != 4 {
		t.Errorf("after delivery = %+v", got)
	}

	// b fails for good, then is reported once.
	if err := db.MarkFailed(ctx, b.ID, "403: not a member"); err != nil {
		t.Fatal(err)
	}
	got = find(t, db, b.ID)
	if got.State != ambitiebot.DeliveryFailed || got.LastError != "403: not a member" || got.Reported || got.Attempts != 1 {
		t.Errorf("after failure = %+v", got)
	}
	if err := db.MarkReported(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := find(t, db, b.ID); !got.Reported || got.State != ambitiebot.DeliveryFailed {
		t.Errorf("after report = %+v", got)
	}
	if got := due(t0.Add(2*time.Hour), 0); deliveryIDs(got) != fmt.Sprint([]int64{lat.ID, c.ID}) {
		t.Errorf("due at the end = %s, want later and c", deliveryIDs(got))
	}

	failed, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryFailed})
	if err != nil || deliveryIDs(failed) != fmt.Sprint([]int64{b.ID}) {
		t.Errorf("failed = %v, %v", failed, err)
	}
	newest, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: "r", Kind: "awareness", Limit: 2})
	if err != nil || deliveryIDs(newest) != fmt.Sprint([]int64{c.ID, b.ID}) {
		t.Errorf("newest two = %s, %v", deliveryIDs(newest), err)
	}

	for name, err := range map[string]error{
		"delivered": db.MarkDelivered(ctx, 999, "p", t0),
		"retry":     db.MarkRetry(ctx, 999, "x", false, t0),
		"failed":    db.MarkFailed(ctx, 999, "x"),
		"reported":  db.MarkReported(ctx, 999),
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, err, ambitiebot.ENOTFOUND, "ErrNotFound") })
	}
}

func find(t *testing.T, db *sqlite.DB, id int64) ambitiebot.Delivery {
	t.Helper()
	all, err := db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("delivery %d not found", id)
	return ambitiebot.Delivery{}
}

// Attachments and files travel with a delivery; a second enqueue of the
// same (run key, target) adds no second set of files.
func TestDeliveryAttachmentsAndFiles(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	d := delivery("report:1", "user:u1")
	d.Attachments = []ambitiebot.Attachment{{Text: "3.2", Actions: []ambitiebot.Action{{
		ID: "status32", Name: "Status", Options: []ambitiebot.ActionOption{{Text: "Gereed", Value: "gereed"}},
		Context: map[string]string{"ambition": "3.2"},
	}}}}
	d.Files = []ambitiebot.File{{Name: "voortgang.png", Data: []byte{0x89, 'P', 'N', 'G', 0}}, {Name: "rapport.xlsx", Data: []byte("PK")}}
	for range 2 {
		if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{d}); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, db.Now().Add(time.Hour), 0, 0)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %d, %v", len(due), err)
	}
	got := due[0]
	if fmt.Sprint(got.Attachments) != fmt.Sprint(d.Attachments) {
		t.Errorf("attachments = %+v, want %+v", got.Attachments, d.Attachments)
	}
	if len(got.Files) != 2 || got.Files[0].Name != "voortgang.png" || string(got.Files[0].Data) != string(d.Files[0].Data) ||
		got.Files[1].Name != "rapport.xlsx" {
		t.Errorf("files = %+v", got.Files)
	}
}

// A lease hides the rows from a second dispatcher until it expires, and
// marks them uncertain in storage so that a crash mid-send is followed by a
// marker check; the rows returned carry the state from before the lease.
func TestDueDeliveriesLease(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a"), delivery("r", "user:b")}); err != nil {
		t.Fatal(err)
	}
	now := db.Now().Add(time.Minute)
	first, err := db.DueDeliveries(ctx, now, 2*time.Minute, 0)
	if err != nil || len(first) != 2 || first[0].Uncertain {
		t.Fatalf("first claim = %+v, %v", first, err)
	}
	if again, err := db.DueDeliveries(ctx, now, 2*time.Minute, 0); err != nil || len(again) != 0 {
		t.Fatalf("a second dispatcher got %d leased rows, %v", len(again), err)
	}
	if stored := find(t, db, first[0].ID); !stored.Uncertain {
		t.Errorf("a leased row is not stored as uncertain")
	}
	later, err := db.DueDeliveries(ctx, now.Add(3*time.Minute), 2*time.Minute, 0)
	if err != nil || len(later) != 2 || !later[0].Uncertain {
		t.Fatalf("after the lease expired = %+v, %v", later, err)
	}
}

// A feed queued with a lease is hidden from every dispatcher until the
// lease ends and stored uncertain, so that whoever takes it then looks for
// its post first; SetStatus writes the queued row back into the Update.
func TestSetStatusLeasesItsFeed(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	feed := func() []ambitiebot.Delivery {
		return []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", OrgKey: "emmen", Message: "Emmen: 3.2 gereed"}}
	}
	u := update("emmen", "3.2", ambitiebot.StatusDone, "")
	u.Feed, u.Lease = feed(), 2*time.Minute
	ch, err := db.SetStatus(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	got := u.Feed[0]
	if got.ID == 0 || got.RunKey != fmt.Sprintf("change:%d@%s", ch.ID, ch.At.UTC().Format("2006-01-02T15:04:05.000000000Z")) || got.State != ambitiebot.DeliveryPending ||
		got.Uncertain || got.Attempts != 0 || !got.CreatedAt.Equal(ch.At) || got.Message != "Emmen: 3.2 gereed" {
		t.Fatalf("written back = %+v", got)
	}
	stored := find(t, db, got.ID)
	if !stored.Uncertain || !stored.NextAttempt.Equal(ch.At.Add(2*time.Minute)) || stored.State != ambitiebot.DeliveryPending {
		t.Fatalf("stored = %+v, want leased until %v and uncertain", stored, ch.At.Add(2*time.Minute))
	}
	if ds, err := db.DueDeliveries(ctx, ch.At.Add(time.Minute), time.Minute, 0); err != nil || len(ds) != 0 {
		t.Fatalf("due during the lease = %v, %v", ds, err)
	}
	ds, err := db.DueDeliveries(ctx, ch.At.Add(2*time.Minute), time.Minute, 0)
	if err != nil || len(ds) != 1 || ds[0].ID != got.ID || !ds[0].Uncertain {
		t.Fatalf("due after the lease = %+v, %v; want it, uncertain", ds, err)
	}

	// A change to nothing queues nothing and leaves the Feed as given.
	same := update("emmen", "3.2", ambitiebot.StatusDone, "")
	same.Feed, same.Lease = feed(), 2*time.Minute
	if ch, err := db.SetStatus(ctx, same); err != nil || ch.ID != 0 || same.Feed[0].ID != 0 || same.Feed[0].RunKey != "" {
		t.Fatalf("unchanged = %+v %+v, %v", ch, same.Feed[0], err)
	}
	// Without a lease the feed is due at once and certain.
	plain := update("assen", "3.2", ambitiebot.StatusDone, "")
	plain.Feed = feed()
	if _, err := db.SetStatus(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if stored := find(t, db, plain.Feed[0].ID); stored.Uncertain || !stored.NextAttempt.Equal(stored.CreatedAt) {
		t.Errorf("unleased feed = %+v", stored)
	}
}

// FeedMessage writes the feed line from the change as committed, with the
// status it really changed from.
func TestSetStatusFeedMessageSeesTheCommittedChange(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	set := func(status ambitiebot.Status) ambitiebot.Delivery {
		t.Helper()
		u := update("emmen", "3.2", status, "")
		u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", OrgKey: "emmen"}}
		u.FeedMessage = func(c ambitiebot.Change) string { return fmt.Sprintf("%s → %s", c.From, c.To) }
		if _, err := db.SetStatus(ctx, u); err != nil {
			t.Fatal(err)
		}
		return find(t, db, u.Feed[0].ID)
	}
	if got := set(ambitiebot.StatusInProgress).Message; got != "niet-gestart → in-uitvoering" {
		t.Errorf("first feed line = %q", got)
	}
	if got := set(ambitiebot.StatusDone).Message; got != "in-uitvoering → gereed" {
		t.Errorf("second feed line = %q", got)
	}
	// A hook that writes nothing is refused like an empty message.
	u := update("emmen", "3.2", ambitiebot.StatusBlocked, "wacht")
	u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", OrgKey: "emmen"}}
	u.FeedMessage = func(ambitiebot.Change) string { return " " }
	if _, err := db.SetStatus(ctx, u); ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
		t.Errorf("empty feed line: err = %v, want EINVALID", err)
	}
	if ps, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: "emmen", AmbitionID: "3.2"}); err != nil || len(ps) != 1 || ps[0].Status != ambitiebot.StatusDone {
		t.Errorf("progress after a refused update = %+v, %v; want it unchanged", ps, err)
	}
}

// A leased feed its dispatcher never attempted is released: due at once
// and certain. A row that was attempted meanwhile, or is no longer
// pending, keeps its lease and uncertainty.
func TestReleaseDeliveries(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	leased := func(org string) ambitiebot.Delivery {
		t.Helper()
		u := update(org, "3.2", ambitiebot.StatusDone, "")
		u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", OrgKey: org, Message: org + ": 3.2 gereed"}}
		u.Lease = 2 * time.Minute
		if _, err := db.SetStatus(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u.Feed[0]
	}
	untouched, retried, sent := leased("emmen"), leased("assen"), leased("meppel")
	now := db.Now()
	if err := db.MarkRetry(ctx, retried.ID, "CreatePost: HTTP 502", true, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDelivered(ctx, sent.ID, "post1", now); err != nil {
		t.Fatal(err)
	}
	n, err := db.ReleaseDeliveries(ctx, []int64{untouched.ID, retried.ID, sent.ID, 999}, now)
	if err != nil || n != 1 {
		t.Fatalf("released %d, %v; want only the untouched one", n, err)
	}
	due, err := db.DueDeliveries(ctx, now, time.Minute, 0)
	if err != nil || len(due) != 1 || due[0].ID != untouched.ID || due[0].Uncertain {
		t.Fatalf("due after release = %+v, %v; want the released row, certain", due, err)
	}
	if r := find(t, db, retried.ID); !r.Uncertain || !r.NextAttempt.Equal(now.Add(time.Minute)) || r.Attempts != 1 {
		t.Errorf("attempted row changed by release: %+v", r)
	}
	if s := find(t, db, sent.ID); s.State != ambitiebot.DeliverySent {
		t.Errorf("sent row changed by release: %+v", s)
	}
}

// Posts recorded together: each existing delivery is recorded even when
// another id does not exist.
func TestMarkAllDelivered(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a"), delivery("r", "user:b")}); err != nil {
		t.Fatal(err)
	}
	all, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("queued = %v, %v", all, err)
	}
	at := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	err = db.MarkAllDelivered(ctx, []ambitiebot.Delivered{
		{ID: all[0].ID, PostID: "p-b", At: at}, {ID: 999, PostID: "p-x", At: at}, {ID: all[1].ID, PostID: "p-a", At: at},
	})
	wantCode(t, err, ambitiebot.ENOTFOUND, "ErrNotFound")
	for _, d := range all {
		got := find(t, db, d.ID)
		if got.State != ambitiebot.DeliverySent || got.PostID == "" || !got.SentAt.Equal(at) || got.Attempts != 1 {
			t.Errorf("after recording = %+v", got)
		}
	}
	if err := db.MarkAllDelivered(ctx, nil); err != nil {
		t.Errorf("recording nothing: %v", err)
	}
}

func TestNextAttemptAt(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if _, ok, err := db.NextAttemptAt(ctx); err != nil || ok {
		t.Fatalf("empty outbox: ok=%v, %v; want nothing pending", ok, err)
	}
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{
		delivery("awareness:1", "channel:emmen/town-square"),
		delivery("awareness:1", "channel:assen/town-square"),
	}); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	due, err := db.DueDeliveries(ctx, now, 0, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %d, %v", len(due), err)
	}
	if err := db.MarkRetry(ctx, due[0].ID, "posts: HTTP 500", false, now.Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, due[1].ID, "posts: HTTP 500", false, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	next, ok, err := db.NextAttemptAt(ctx)
	if err != nil || !ok || !next.Equal(now.Add(1500*time.Millisecond)) {
		t.Fatalf("NextAttemptAt = %v, %v, %v; want the earlier retry %v", next, ok, err, now.Add(1500*time.Millisecond))
	}
	if err := db.MarkDelivered(ctx, due[0].ID, "p1", now); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, due[1].ID, "posts: HTTP 403"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.NextAttemptAt(ctx); err != nil || ok {
		t.Fatalf("nothing pending: ok=%v, %v", ok, err)
	}
}

func TestRequeueFailed(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{
		delivery("awareness:a:1", "channel:emmen/town-square"),
		delivery("awareness:a:1", "channel:assen/town-square"),
		delivery("awareness:b:1", "channel:emmen/town-square"),
	}); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueDeliveries(ctx, db.Now(), 0, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("due = %d, %v", len(due), err)
	}
	for _, d := range due {
		if err := db.MarkFailed(ctx, d.ID, "create post: HTTP 403"); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkReported(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.RequeueFailed(ctx, "awareness:a:1", db.Now())
	if err != nil || n != 2 {
		t.Fatalf("RequeueFailed = %d, %v; want the 2 of that run key", n, err)
	}
	pending, _ := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
	if len(pending) != 2 || pending[0].RunKey != "awareness:a:1" || pending[0].Reported {
		t.Errorf("pending after requeue: %+v", pending)
	}
	if n, _ := db.RequeueFailed(ctx, "awareness:a:1", db.Now()); n != 0 {
		t.Errorf("a second requeue found %d failed", n)
	}
}

// A serving bot that starts while no other process holds a lease ends the
// leases of the one that died: those deliveries are due at once, still
// uncertain, so that the post a killed attempt may have made is looked
// for first. A delivery put off for longer than a lease is left alone.
// While another process that leases (a CLI command delivering) has the
// database open, nothing is released: its leases may be live.
func TestEndStaleLeases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	const lease = 2 * time.Minute
	now := time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)

	first, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a"), delivery("r", "user:b")}); err != nil {
		t.Fatal(err)
	}
	// An attempt on user:c was uncertain and put off for an hour: that is
	// no lease, and ending stale leases must leave it alone.
	if _, err := first.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("c", "user:c")}); err != nil {
		t.Fatal(err)
	}
	later, err := first.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: "c"})
	if err != nil || len(later) != 1 {
		t.Fatalf("find user:c = %+v, %v", later, err)
	}
	if err := first.MarkRetry(ctx, later[0].ID, "create post: EOF", true, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := first.EndStaleLeases(ctx, now, lease); err != nil || n != 0 {
		t.Fatalf("a fresh database released %d, %v", n, err)
	}
	leased, err := first.DueDeliveries(ctx, now, lease, 0)
	if err != nil || len(leased) != 2 {
		t.Fatalf("leased %d, %v", len(leased), err)
	}
	first.Close() // the process dies; the kernel drops its locks

	// A CLI command that delivers has the database open and has leased.
	cli, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.DueDeliveries(ctx, now.Add(time.Second), lease, 0); err != nil {
		t.Fatal(err)
	}
	busy, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := busy.EndStaleLeases(ctx, now.Add(10*time.Second), lease); err != nil || n != 0 {
		t.Fatalf("with another process delivering, %d leases were ended, %v", n, err)
	}
	if due, _ := busy.DueDeliveries(ctx, now.Add(10*time.Second), 0, 0); len(due) != 0 {
		t.Fatalf("%d leased deliveries were due", len(due))
	}
	busy.Close()
	cli.Close()

	again, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	restart := now.Add(20 * time.Second)
	if n, err := again.EndStaleLeases(ctx, restart, lease); err != nil || n != 2 {
		t.Fatalf("released %d stale leases, want 2; %v", n, err)
	}
	due, err := again.DueDeliveries(ctx, restart, 0, 0)
	if err != nil || len(due) != 2 || !due[0].Uncertain || !due[1].Uncertain {
		t.Fatalf("after the restart due = %+v, %v", due, err)
	}
	if n, err := again.EndStaleLeases(ctx, restart, lease); err != nil || n != 0 {
		t.Fatalf("a second call released %d, %v", n, err)
	}
	if c := find(t, again, later[0].ID); !c.NextAttempt.Equal(now.Add(time.Hour)) || !c.Uncertain {
		t.Errorf("the delivery put off for an hour = %+v", c)
	}
}

// A database that is closed leases nothing and is left holding no
// dispatch lock: a bot that starts afterwards is alone and ends the
// leases of the one that died.
func TestLeaseAfterCloseHoldsNoLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	const lease = 2 * time.Minute
	now := time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)
	dead, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a")}); err != nil {
		t.Fatal(err)
	}
	if leased, err := dead.DueDeliveries(ctx, now, lease, 0); err != nil || len(leased) != 1 {
		t.Fatalf("leased %d, %v", len(leased), err)
	}
	dead.Close()

	cli, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	cli.Close()
	if _, err := cli.DueDeliveries(ctx, now, lease, 0); !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("a lease after Close: %v, want ErrClosed", err)
	}
	bot, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	if n, err := bot.EndStaleLeases(ctx, now.Add(time.Second), lease); err != nil || n != 1 {
		t.Fatalf("the starting bot ended %d stale leases, want 1; %v", n, err)
	}
}

// A serving bot that leases before it ends stale leases (EndStaleLeases
// called late, or not at all) gives up ending them: from its first lease
// on, a lease in the table may be its own and live.
func TestEndStaleLeasesAfterOwnLease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	const lease = 2 * time.Minute
	now := time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)

	db, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a")}); err != nil {
		t.Fatal(err)
	}
	if leased, err := db.DueDeliveries(ctx, now, lease, 0); err != nil || len(leased) != 1 {
		t.Fatalf("leased %d, %v", len(leased), err)
	}
	if n, err := db.EndStaleLeases(ctx, now.Add(time.Second), lease); err != nil || n != 0 {
		t.Fatalf("the bot ended %d of its own live leases, %v", n, err)
	}
	// Its lock is shared now: a CLI command may lease beside it.
	cli, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := cli.DueDeliveries(short, now, lease, 0); err != nil {
		t.Fatalf("a CLI lease beside the serving bot: %v", err)
	}
}

// A process whose first lease is a status update's feed (SetStatus with
// Lease) holds the dispatch lock from then on: a bot that starts meanwhile
// must not end that lease.
func TestSetStatusLeaseHoldsDispatchLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	const lease = 2 * time.Minute
	cli, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	u := update("emmen", "3.2", ambitiebot.StatusDone, "")
	u.Feed = []ambitiebot.Delivery{{Target: "channel:t/c", Kind: "feed", OrgKey: "emmen", Message: "Emmen: 3.2 gereed"}}
	u.Lease = lease
	ch, err := cli.SetStatus(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	bot, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	if n, err := bot.EndStaleLeases(ctx, ch.At.Add(time.Second), lease); err != nil || n != 0 {
		t.Fatalf("a starting bot ended %d live feed leases, %v", n, err)
	}
}

// While a starting bot holds the dispatch lock exclusively (between
// OpenServing and EndStaleLeases), a CLI command that wants to lease
// waits, as long as its context allows, and leases nothing; once the bot
// has ended the stale leases, it goes ahead.
func TestLeaseWaitsForStartingBot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	const lease = 2 * time.Minute
	now := time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)

	bot, err := sqlite.OpenServing(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	if _, err := bot.EnqueueDeliveries(ctx, []ambitiebot.Delivery{delivery("r", "user:a")}); err != nil {
		t.Fatal(err)
	}
	cli, err := sqlite.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if got, err := cli.DueDeliveries(short, now, lease, 0); err == nil || len(got) != 0 {
		t.Fatalf("a CLI leased %d while the bot started, %v", len(got), err)
	}
	if stored, _ := cli.FindDeliveries(ctx, ambitiebot.DeliveryFilter{}); len(stored) != 1 || stored[0].Uncertain {
		t.Fatalf("the waiting CLI changed the delivery: %+v", stored)
	}

	done := make(chan error, 1)
	go func() {
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := cli.DueDeliveries(wait, now, lease, 0)
		if err == nil && len(got) != 1 {
			err = fmt.Errorf("leased %d, want 1", len(got))
		}
		done <- err
	}()
	time.Sleep(2 * 50 * time.Millisecond) // the CLI is trying the lock
	select {
	case err := <-done:
		t.Fatalf("the CLI did not wait for the starting bot: %v", err)
	default:
	}
	if _, err := bot.EndStaleLeases(ctx, now, lease); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the CLI after the bot started: %v", err)
	}
}
