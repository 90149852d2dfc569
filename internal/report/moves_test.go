package report_test

import (
	"slices"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

func TestMoves(t *testing.T) {
	const (
		ns   = ambitiebot.StatusNotStarted
		ip   = ambitiebot.StatusInProgress
		kp   = ambitiebot.StatusBlocked
		done = ambitiebot.StatusDone
		nvt  = ambitiebot.StatusNA
	)
	t0 := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	var id int64
	ch := func(org, amb string, from, to ambitiebot.Status, minutes int) ambitiebot.Change {
		id++
		return ambitiebot.Change{ID: id, OrgKey: org, AmbitionID: amb, From: from, To: to, At: t0.Add(time.Duration(minutes) * time.Minute)}
	}
	changes := []ambitiebot.Change{
		// Given out of order: Moves sorts by time.
		ch("b", "3.10", ip, done, 5),
		ch("b", "3.9", ns, done, 1),
		ch("b", "3.10", ns, ip, 0),
		// Raised and resolved within the period: no net move, two changes.
		ch("a", "1.1", ip, kp, 0),
		ch("a", "1.1", kp, ip, 1),
		// Lost gereed, and straight to a knelpunt: both.
		ch("a", "2.1", done, kp, 2),
		// A knelpunt resolved to gereed: done and unblocked.
		ch("a", "2.2", kp, done, 3),
		// Back to niet gestart: a regression.
		ch("a", "2.3", ip, ns, 4),
		// Declared not applicable, and nvt reopened: neither regresses.
		ch("a", "2.4", done, nvt, 5),
		ch("a", "2.5", nvt, ns, 6),
	}
	got := report.Moves(changes)
	want := []report.Move{
		{OrgKey: "a", Changes: 7, Done: []string{"2.2"}, Blocked: []string{"2.1"}, Unblocked: []string{"2.2"}, Regressed: []string{"2.1", "2.3"}},
		{OrgKey: "b", Changes: 3, Done: []string{"3.9", "3.10"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d moves, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.OrgKey != w.OrgKey || g.Changes != w.Changes || !slices.Equal(g.Done, w.Done) || !slices.Equal(g.Blocked, w.Blocked) ||
			!slices.Equal(g.Unblocked, w.Unblocked) || !slices.Equal(g.Regressed, w.Regressed) {
			t.Errorf("move %d = %+v\nwant %+v", i, g, w)
		}
	}
	if !got[0].Moved() {
		t.Error("a moved")
	}
	if m := report.Moves(changes[3:5]); len(m) != 1 || m[0].Moved() || m[0].Changes != 2 {
		t.Errorf("a knelpunt raised and resolved within the period: %+v", m)
	}
	if len(report.Moves(nil)) != 0 {
		t.Error("no changes, no moves")
	}
}
