package workgroup

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// meetings is a fixed previous meeting and board report date.
type meetings struct{ prev, prevReport time.Time }

func (m meetings) PreviousReport(before time.Time) time.Time {
	if m.prevReport.Before(before) {
		return m.prevReport
	}
	return time.Time{}
}

func (m meetings) NextMeeting(time.Time) time.Time { return time.Time{} }

func (m meetings) PreviousMeeting(before time.Time) time.Time {
	if m.prev.Before(before) {
		return m.prev
	}
	return time.Time{}
}

// env is a service on a fresh SQLite file with the configured catalogue
// and the 17 signatories.
type env struct {
	svc   *App
	conf  Config // what svc is built from
	db    *sqlite.DB
	clock *testkit.Clock
	cfg   *config.Config
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t)
	c := testkit.NewClock(now)
	db.Now = c.Now
	e := &env{cfg: cfg, db: db, clock: c, conf: Config{
		Catalogue: cfg.Catalogue, Organisations: cfg.Organisations, Store: db,
		Tr: tr, Location: cfg.Location, Now: c.Now,
	}}
	e.svc = New(e.conf)
	return e
}

// with builds the service again with a changed configuration.
func (e *env) with(change func(*Config)) {
	change(&e.conf)
	e.svc = New(e.conf)
}

// notifyCounter is a dispatcher that counts how often it was woken.
type notifyCounter struct{ n *int }

func (c notifyCounter) Notify()                        { *c.n++ }
func (notifyCounter) Lease() time.Duration             { return 0 }
func (notifyCounter) Handoff(ds []ambitiebot.Delivery) {}

// set records a status change at the given time.
func (e *env) set(t *testing.T, at time.Time, org, amb string, s ambitiebot.Status, note, user string) {
	t.Helper()
	e.clock.Set(at)
	if _, err := e.db.SetStatus(context.Background(), ambitiebot.Update{
		OrgKey: org, AmbitionID: amb, Status: s, Note: note,
		User: ambitiebot.User{ID: "id-" + user, Username: user},
	}); err != nil {
		t.Fatal(err)
	}
}

// Sample toelichtingen, in the working group's words.
var (
	blockedNotes = []string{
		"Wacht op capaciteit bij team Vergunningen en Handhaving",
		"Afhankelijk van het collegebesluit na de zomer",
		"Geen budget in 2025; bespreken bij de voorjaarsnota",
		"Wacht op het gezamenlijke format van het RIEC",
		"Koppeling met het zaaksysteem loopt vertraging op",
	}
	naNotes = []string{
		"Geen eigen taak op dit terrein; belegd bij de gemeenten",
		"Valt onder de gemeenschappelijke regeling",
	}
	doneNotes = []string{
		"Vastgesteld door het college",
		"Opgenomen in de APV",
		"Training gegeven aan alle teamleiders",
		"",
		"",
	}
	sampleUsers = []string{"m.dekker", "a.bakker", "j.mulder", "s.visser", "r.smit", "l.meijer", "h.bos", "e.vos"}
)

// seedSample fills the store with deterministic, realistic progress of
// the 17 signatories between the signing of the agreement and until: some
// organisations far ahead, some that never sent an update.
func (e *env) seedSample(t *testing.T, until time.Time) {
	t.Helper()
	type event struct {
		at   time.Time
		org  string
		amb  string
		to   ambitiebot.Status
		note string
		user string
	}
	r := rand.New(rand.NewPCG(2024, 202))
	start := e.cfg.Agreement.SignedOn.Add(30 * 24 * time.Hour)
	span := until.Sub(start)
	at := func(after time.Time) time.Time {
		left := until.Sub(after)
		if left <= 4*24*time.Hour {
			return after.Add(time.Minute)
		}
		// Office hours on a later day.
		d := after.Add(24*time.Hour + time.Duration(r.Int64N(int64(left-3*24*time.Hour))))
		return time.Date(d.Year(), d.Month(), d.Day(), 9+r.IntN(8), r.IntN(60), 0, 0, e.cfg.Location)
	}
	var events []event
	for i, org := range e.cfg.Organisations.All() {
		pace := []float64{0.9, 0.75, 0.6, 0.45, 0.3, 0}[i%6] // the last of each six never updated
		if pace == 0 {
			continue
		}
		user := sampleUsers[i%len(sampleUsers)]
		for _, a := range e.cfg.Catalogue.ForKind(org.Kind) {
			if r.Float64() > pace {
				continue
			}
			t0 := start.Add(time.Duration(r.Int64N(int64(span * 9 / 10))))
			t0 = time.Date(t0.Year(), t0.Month(), t0.Day(), 9+r.IntN(8), r.IntN(60), 0, 0, e.cfg.Location)
			if r.Float64() < 0.06 {
				events = append(events, event{t0, org.Key, a.ID, ambitiebot.StatusNA, naNotes[r.IntN(len(naNotes))], user})
				continue
			}
			events = append(events, event{t0, org.Key, a.ID, ambitiebot.StatusInProgress, "", user})
			switch p := r.Float64(); {
			case p < 0.14:
				events = append(events, event{at(t0), org.Key, a.ID, ambitiebot.StatusBlocked, blockedNotes[r.IntN(len(blockedNotes))], user})
			case p < 0.14+pace*0.75:
				events = append(events, event{at(t0), org.Key, a.ID, ambitiebot.StatusDone, doneNotes[r.IntN(len(doneNotes))], user})
			}
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, ev := range events {
		e.set(t, ev.at, ev.org, ev.amb, ev.to, ev.note, ev.user)
	}
	e.clock.Set(until)
}
