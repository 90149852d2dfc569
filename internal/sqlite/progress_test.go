package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

func TestSetStatus(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	raw := rawDB(t, path)

	u := update("emmen", "3.2", ambitiebot.StatusInProgress, "gestart met screening")
	u.Feed = []ambitiebot.Delivery{
		{Target: ambitiebot.ChannelTarget("drenthe/werkgroep"), Kind: "feed", Message: "Emmen: 3.2 → In uitvoering"},
		{RunKey: "custom", Target: ambitiebot.UserTarget("u9"), Kind: "notice", Message: "hallo"},
	}
	c1, err := db.SetStatus(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if c1.ID == 0 || c1.From != ambitiebot.StatusNotStarted || c1.To != ambitiebot.StatusInProgress ||
		c1.UserID != "1" || c1.UserName != "u1" || c1.At.Location() != time.UTC {
		t.Fatalf("first change = %+v", c1)
	}

	progress, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: "emmen"})
	if err != nil {
		t.Fatal(err)
	}
	want := ambitiebot.Progress{OrgKey: "emmen", AmbitionID: "3.2", Status: ambitiebot.StatusInProgress,
		Note: "gestart met screening", UpdatedAt: c1.At, UpdatedBy: "1", UpdatedByName: "u1"}
	if len(progress) != 1 || progress[0] != want {
		t.Fatalf("progress = %+v, want %+v", progress, want)
	}

	feed, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 2 {
		t.Fatalf("feed deliveries = %d, want 2", len(feed))
	}
	runKeys := map[string]bool{feed[0].RunKey: true, feed[1].RunKey: true}
	if !runKeys[fmt.Sprintf("change:%d@%s", c1.ID, c1.At.UTC().Format("2006-01-02T15:04:05.000000000Z"))] || !runKeys["custom"] {
		t.Errorf("feed run keys = %v", runKeys)
	}
	for _, d := range feed {
		if d.State != ambitiebot.DeliveryPending || !d.CreatedAt.Equal(c1.At) || !d.NextAttempt.Equal(c1.At) {
			t.Errorf("feed delivery = %+v", d)
		}
	}

	// A second change starts from the first one.
	c2, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusBlocked, "geen capaciteit"))
	if err != nil {
		t.Fatal(err)
	}
	if c2.ID <= c1.ID || c2.From != ambitiebot.StatusInProgress || c2.To != ambitiebot.StatusBlocked {
		t.Fatalf("second change = %+v", c2)
	}

	// The same status and note again writes nothing, not even its feed.
	same := update("emmen", "3.2", ambitiebot.StatusBlocked, "geen capaciteit")
	same.Feed = []ambitiebot.Delivery{{Target: ambitiebot.ChannelTarget("drenthe/werkgroep"), Message: "x"}}
	c3, err := db.SetStatus(ctx, same)
	if err != nil {
		t.Fatal(err)
	}
	if c3.ID != 0 || c3.From != c3.To || c3.To != ambitiebot.StatusBlocked {
		t.Fatalf("unchanged update = %+v", c3)
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM changes`); n != 2 {
		t.Errorf("changes = %d, want 2", n)
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM deliveries`); n != 2 {
		t.Errorf("deliveries = %d, want 2", n)
	}

	// A new note on the same status is a change.
	c4, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusBlocked, "wacht op provincie"))
	if err != nil {
		t.Fatal(err)
	}
	if c4.ID == 0 || c4.From != ambitiebot.StatusBlocked {
		t.Fatalf("note change = %+v", c4)
	}

	// niet-gestart without a note on an untouched cell is already so.
	c5, err := db.SetStatus(ctx, update("assen", "1.1", ambitiebot.StatusNotStarted, ""))
	if err != nil || c5.ID != 0 {
		t.Fatalf("niet-gestart on empty cell = %+v, %v", c5, err)
	}

	history, err := db.FindChanges(ctx, ambitiebot.ChangeFilter{OrgKey: "emmen", AmbitionID: "3.2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 3 || history[0] != c1 || history[1] != c2 || history[2] != c4 {
		t.Fatalf("history = %+v", history)
	}
}

func TestSetStatusInvalidChangesNothing(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	raw := rawDB(t, path)

	badFeed := update("emmen", "3.2", ambitiebot.StatusDone, "")
	badFeed.Feed = []ambitiebot.Delivery{{Target: "mail:someone", Message: "x"}}
	noUser := update("emmen", "3.2", ambitiebot.StatusDone, "")
	noUser.User = ambitiebot.User{}
	cases := []struct {
		name      string
		u         ambitiebot.Update
		messageID string
	}{
		{"no org", update("", "3.2", ambitiebot.StatusDone, ""), "ErrUpdateIncomplete"},
		{"no ambition", update("emmen", "", ambitiebot.StatusDone, ""), "ErrUpdateIncomplete"},
		{"unknown status", update("emmen", "3.2", "klaar-ish", ""), "ErrUnknownStatus"},
		{"note too long", update("emmen", "3.2", ambitiebot.StatusDone, strings.Repeat("é", ambitiebot.MaxNoteRunes+1)), "ErrNoteTooLong"},
		{"knelpunt without note", update("emmen", "3.2", ambitiebot.StatusBlocked, ""), "ErrNoteRequired"},
		{"nvt without note", update("emmen", "3.2", ambitiebot.StatusNA, ""), "ErrNoteRequired"},
		{"no user", noUser, "ErrUpdateIncomplete"},
		{"bad feed target", badFeed, "SqliteErrDeliveryIncomplete"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.SetStatus(ctx, tc.u)
			wantCode(t, err, ambitiebot.EINVALID, tc.messageID)
		})
	}
	for _, table := range []string{"progress", "changes", "deliveries"} {
		if n := count(t, raw, `SELECT COUNT(*) FROM `+table); n != 0 {
			t.Errorf("%s has %d rows after invalid updates", table, n)
		}
	}
}

// Many clients updating the same few cells at once: no "database is
// locked", and the history of every cell is an unbroken chain that ends in
// its current status.
func TestSetStatusConcurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	orgs := []string{"emmen", "assen", "meppel", "tynaarlo"}
	ambitions := []string{"1.1", "3.2", "3.10"}
	statuses := []ambitiebot.Status{ambitiebot.StatusInProgress, ambitiebot.StatusDone, ambitiebot.StatusBlocked, ambitiebot.StatusNotStarted}

	const clients, perClient = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				u := update(orgs[(c+i)%len(orgs)], ambitions[(c*7+i)%len(ambitions)], statuses[(c+i*3)%len(statuses)], "")
				if u.Status.NeedsNote() {
					u.Note = fmt.Sprintf("client %d update %d", c, i)
				}
				u.User = user(fmt.Sprint(c))
				u.Feed = []ambitiebot.Delivery{{Target: ambitiebot.ChannelTarget("drenthe/werkgroep"), Kind: "feed", Message: "m"}}
				if _, err := db.SetStatus(ctx, u); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent update failed: %v", err)
	}

	changes := checkHistory(t, db)
	feed, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{Kind: "feed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != len(changes) {
		t.Errorf("%d feed deliveries for %d changes", len(feed), len(changes))
	}
}

func TestChangesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	if _, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	for _, stmt := range []string{
		`UPDATE changes SET to_status = 'nvt'`,
		`DELETE FROM changes`,
	} {
		if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM changes WHERE to_status = 'gereed'`); n != 1 {
		t.Errorf("history altered: %d gereed rows", n)
	}
}

func TestFindChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	var all []ambitiebot.Change
	for i := range 6 {
		org := []string{"emmen", "assen"}[i%2]
		s := []ambitiebot.Status{ambitiebot.StatusInProgress, ambitiebot.StatusDone}[i/2%2]
		c, err := db.SetStatus(ctx, update(org, "3.2", s, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
	}
	other, err := db.SetStatus(ctx, update("emmen", "1.1", ambitiebot.StatusDone, ""))
	if err != nil {
		t.Fatal(err)
	}

	ids := func(cs []ambitiebot.Change) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    ambitiebot.ChangeFilter
		want []ambitiebot.Change
	}{
		{"all", ambitiebot.ChangeFilter{}, append(append([]ambitiebot.Change{}, all...), other)},
		{"ambition", ambitiebot.ChangeFilter{AmbitionID: "3.2"}, all},
		{"cell", ambitiebot.ChangeFilter{OrgKey: "emmen", AmbitionID: "3.2"}, []ambitiebot.Change{all[0], all[2], all[4]}},
		{"org", ambitiebot.ChangeFilter{OrgKey: "emmen"}, []ambitiebot.Change{all[0], all[2], all[4], other}},
		{"newest two, oldest first", ambitiebot.ChangeFilter{AmbitionID: "3.2", Limit: 2}, all[4:]},
		{"since inclusive, until exclusive", ambitiebot.ChangeFilter{Since: all[1].At, Until: all[3].At}, all[1:3]},
		{"limit larger than history", ambitiebot.ChangeFilter{OrgKey: "assen", Limit: 50}, []ambitiebot.Change{all[1], all[3], all[5]}},
		{"nothing", ambitiebot.ChangeFilter{OrgKey: "meppel"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.FindChanges(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids(got)) != fmt.Sprint(ids(tc.want)) {
				t.Fatalf("ids = %v, want %v", ids(got), ids(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("change %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestFindProgressOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	for _, cell := range [][2]string{{"emmen", "3.10"}, {"assen", "3.2"}, {"emmen", "3.9"}, {"emmen", "1.1"}} {
		if _, err := db.SetStatus(ctx, update(cell[0], cell[1], ambitiebot.StatusDone, "")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range got {
		order = append(order, p.OrgKey+" "+p.AmbitionID)
	}
	if want := "[assen 3.2 emmen 1.1 emmen 3.9 emmen 3.10]"; fmt.Sprint(order) != want {
		t.Errorf("order = %v, want %s", order, want)
	}
	got, err = db.FindProgress(ctx, ambitiebot.ProgressFilter{AmbitionID: "3.9"})
	if err != nil || len(got) != 1 || got[0].OrgKey != "emmen" {
		t.Errorf("by ambition = %+v, %v", got, err)
	}
}

func TestSetStatusAfterContextEnd(t *testing.T) {
	db, path := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, ""))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	wantCode(t, err, ambitiebot.EINTERNAL, "ErrInternal")
	if n := count(t, rawDB(t, path), `SELECT COUNT(*) FROM changes`); n != 0 {
		t.Errorf("a canceled update was written")
	}
}

// Close lets queued updates commit; every acknowledged update is there
// after reopening and every refused one failed with ErrClosed.
func TestCloseDrains(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	const n = 40
	var wg sync.WaitGroup
	results := make([]error, n)
	changes := make([]ambitiebot.Change, n)
	for i := range n {
		wg.Go(func() {
			changes[i], results[i] = db.SetStatus(ctx, update(fmt.Sprintf("org-%d", i), "1.1", ambitiebot.StatusDone, ""))
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := db.SetStatus(ctx, update("emmen", "1.1", ambitiebot.StatusDone, "")); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("SetStatus after Close: err = %v", err)
	}
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{{RunKey: "r", Target: "user:1", Message: "m"}}); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("EnqueueDeliveries after Close: err = %v", err)
	}

	reopened := openAt(t, path)
	for i, err := range results {
		if err != nil {
			if !errors.Is(err, sqlite.ErrClosed) {
				t.Errorf("update %d: %v", i, err)
			}
			continue
		}
		got, err := reopened.FindChanges(ctx, ambitiebot.ChangeFilter{OrgKey: fmt.Sprintf("org-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != changes[i] {
			t.Errorf("acknowledged update %d: stored %+v, acknowledged %+v", i, got, changes[i])
		}
	}
}

// checkHistory checks that the history of every cell is an unbroken chain
// from niet-gestart that ends in the cell's current status, and returns the
// whole history.
func checkHistory(t *testing.T, db *sqlite.DB) []ambitiebot.Change {
	t.Helper()
	ctx := context.Background()
	changes, err := db.FindChanges(ctx, ambitiebot.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]ambitiebot.Change{}
	for _, c := range changes {
		key := c.OrgKey + "|" + c.AmbitionID
		prev, seen := last[key]
		want := ambitiebot.StatusNotStarted
		if seen {
			want = prev.To
		}
		if c.From != want {
			t.Fatalf("change %d on %s starts from %s, previous change ended at %s", c.ID, key, c.From, want)
		}
		last[key] = c
	}
	progress, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != len(last) {
		t.Fatalf("%d progress rows for %d cells with history", len(progress), len(last))
	}
	for _, p := range progress {
		c := last[p.OrgKey+"|"+p.AmbitionID]
		if p.Status != c.To || p.Note != c.Note || !p.UpdatedAt.Equal(c.At) || p.UpdatedBy != c.UserID {
			t.Errorf("progress %+v disagrees with last change %+v", p, c)
		}
	}
	return changes
}
