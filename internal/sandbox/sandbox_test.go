package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/sandbox"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
)

// The sandbox clock starts where the operator says and runs on from
// there; :tijd moves it.
func TestClock(t *testing.T) {
	real := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	c := sandbox.NewClock(time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC), func() time.Time { return real })
	if got := c.Now(); !got.Equal(time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("start: %v", got)
	}
	real = real.Add(90 * time.Second)
	if got := c.Now(); !got.Equal(time.Date(2027, 1, 11, 14, 1, 30, 0, time.UTC)) {
		t.Errorf("after 90 s: %v", got)
	}
	c.Set(time.Date(2027, 1, 18, 9, 30, 0, 0, time.UTC))
	real = real.Add(time.Minute)
	if got := c.Now(); !got.Equal(time.Date(2027, 1, 18, 9, 31, 0, 0, time.UTC)) {
		t.Errorf("after Set and a minute: %v", got)
	}
}

// Seed fills every organisation with the same plausible progress each
// time: only ambitions that apply to it, a toelichting where the status
// needs one.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		t.Fatal(err)
	}
	seeded := func() []ambitiebot.Progress {
		t.Helper()
		db := sqlitetest.Open(t)
		if err := sandbox.Seed(ctx, db, cfg.Catalogue, cfg.Organisations, ambitiebot.User{ID: "pl", Username: "pieter"}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	first, second := seeded(), seeded()
	if len(first) < 100 || len(first) != len(second) {
		t.Fatalf("seeded %d then %d cells", len(first), len(second))
	}
	statuses := map[ambitiebot.Status]int{}
	for i, p := range first {
		q := second[i]
		if p.OrgKey != q.OrgKey || p.AmbitionID != q.AmbitionID || p.Status != q.Status || p.Note != q.Note {
			t.Fatalf("not the same twice: %+v and %+v", p, q)
		}
		org, _ := cfg.Organisations.ByKey(p.OrgKey)
		a, _ := cfg.Catalogue.Ambition(p.AmbitionID)
		if !a.AppliesToKind(org.Kind) {
			t.Errorf("%s seeded on %s, which does not apply to it", p.OrgKey, p.AmbitionID)
		}
		if p.Status.NeedsNote() != (p.Note != "") {
			t.Errorf("%s %s: status %s with note %q", p.OrgKey, p.AmbitionID, p.Status, p.Note)
		}
		statuses[p.Status]++
	}
	for _, s := range []ambitiebot.Status{ambitiebot.StatusDone, ambitiebot.StatusInProgress, ambitiebot.StatusBlocked, ambitiebot.StatusNA} {
		if statuses[s] == 0 {
			t.Errorf("no cell seeded %s: %v", s, statuses)
		}
	}
}
