package report

import (
	"cmp"
	"slices"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Move is what moved for one organisation over a period. Each ambition
// counts once, by its net effect: its status before the period's first
// change against its status after the last, so a knelpunt that was raised
// and resolved within the period does not show.
type Move struct {
	OrgKey    string
	Changes   int      // history entries in the period
	Done      []string // ambitions that became gereed
	Blocked   []string // new knelpunten
	Unblocked []string // knelpunten that were resolved (to any other status)
	Regressed []string // ambitions that went back: lost gereed, or back to niet gestart
}

// Moved reports whether any ambition's status differs at the end of the
// period; an organisation may have changes that only edited toelichtingen
// or went back and forth.
func (m Move) Moved() bool {
	return len(m.Done)+len(m.Blocked)+len(m.Unblocked)+len(m.Regressed) > 0
}

// progressRank orders the statuses that express progress; nvt is outside
// the order, so declaring an ambition not applicable is no regression.
var progressRank = map[ambitiebot.Status]int{
	ambitiebot.StatusNotStarted: 0,
	ambitiebot.StatusInProgress: 1,
	ambitiebot.StatusBlocked:    1,
	ambitiebot.StatusDone:       2,
}

// Moves summarises changes per organisation, ordered by organisation key,
// with ambition ids in catalogue order. Changes may come in any order.
func Moves(changes []ambitiebot.Change) []Move {
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(a, b ambitiebot.Change) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	type span struct{ from, to ambitiebot.Status }
	type key struct{ org, amb string }
	spans := map[key]*span{}
	counts := map[string]int{}
	for _, c := range sorted {
		counts[c.OrgKey]++
		k := key{c.OrgKey, c.AmbitionID}
		if s, ok := spans[k]; ok {
			s.to = c.To
		} else {
			spans[k] = &span{from: c.From, to: c.To}
		}
	}
	byOrg := map[string]*Move{}
	for org, n := range counts {
		byOrg[org] = &Move{OrgKey: org, Changes: n}
	}
	for k, s := range spans {
		m := byOrg[k.org]
		if s.from == s.to {
			continue
		}
		if s.to == ambitiebot.StatusDone {
			m.Done = append(m.Done, k.amb)
		}
		if s.to == ambitiebot.StatusBlocked {
			m.Blocked = append(m.Blocked, k.amb)
		}
		if s.from == ambitiebot.StatusBlocked {
			m.Unblocked = append(m.Unblocked, k.amb)
		}
		rf, okFrom := progressRank[s.from]
		rt, okTo := progressRank[s.to]
		if okFrom && okTo && rt < rf {
			m.Regressed = append(m.Regressed, k.amb)
		}
	}
	out := make([]Move, 0, len(byOrg))
	for _, m := range byOrg {
		for _, ids := range [][]string{m.Done, m.Blocked, m.Unblocked, m.Regressed} {
			slices.SortFunc(ids, ambitiebot.CompareAmbitionIDs)
		}
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Move) int { return cmp.Compare(a.OrgKey, b.OrgKey) })
	return out
}
