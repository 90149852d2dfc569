// Package reporttest builds realistic matrices for the tests and benchmarks
// of the chart and report packages: a catalogue shaped like the agreement
// (5 themes, 28 ambitions) and any number of organisations with
// deterministic progress. It is an approximation for tests, not the
// configured catalogue.
package reporttest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// Translator loads the real, embedded locales.
func Translator(tb testing.TB) *i18n.Translator {
	tb.Helper()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

var (
	all       = []ambitiebot.OrgKind{ambitiebot.KindMunicipality, ambitiebot.KindProvince, ambitiebot.KindWaterBoard}
	municipal = []ambitiebot.OrgKind{ambitiebot.KindMunicipality}
	nonMunic  = []ambitiebot.OrgKind{ambitiebot.KindProvince, ambitiebot.KindWaterBoard}
)

// themeSizes is the number of ambitions per theme in the agreement.
var themeSizes = []int{6, 5, 10, 5, 2}

// municipalOnly lists the ambitions the agreement addresses to
// municipalities alone; nonMunicipal those for the province and water boards.
var (
	municipalOnly = map[string]bool{"1.2": true, "1.3": true, "2.3": true, "2.4": true, "3.1": true,
		"3.3": true, "3.6": true, "3.7": true, "3.8": true}
	nonMunicipal = map[string]bool{"3.4": true}
)

// Catalogue returns a valid 28-ambition catalogue in the agreement's shape.
func Catalogue() *ambitiebot.Catalogue {
	themes := []ambitiebot.Theme{
		{Number: 1, Name: "Verhogen bewustwording bij het bestuur en ambtelijke organisatie", NameEN: "Raising awareness in the administration and the organisation"},
		{Number: 2, Name: "Informatiepositie en -huishouding", NameEN: "Information position and management"},
		{Number: 3, Name: "Wet- en regelgeving, beleid en handhaving", NameEN: "Legislation, policy and enforcement"},
		{Number: 4, Name: "Weerbaar bestuur en een weerbare organisatie", NameEN: "Resilient administration and organisation"},
		{Number: 5, Name: "Communicatie", NameEN: "Communication"},
	}
	var ambitions []ambitiebot.Ambition
	for t, n := range themeSizes {
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("%d.%d", t+1, i)
			applies := all
			switch {
			case municipalOnly[id]:
				applies = municipal
			case nonMunicipal[id]:
				applies = nonMunic
			}
			ambitions = append(ambitions, ambitiebot.Ambition{
				ID: id, Text: "Ambitie " + id, TextEN: "Ambition " + id, AppliesTo: applies,
			})
		}
	}
	c, err := ambitiebot.NewCatalogue(themes, ambitions)
	if err != nil {
		panic(err) // the data above is fixed; an error is a bug in this file
	}
	return c
}

// Organisations returns n organisations shaped like Drenthe's 17: about
// 70% municipalities, then one province per 17 and water boards. For n=17
// that is 12 municipalities, 1 province and 4 water boards.
func Organisations(n int) *ambitiebot.Organisations {
	provinces := max(1, n/17)
	waterBoards := max(1, n*4/17)
	municipalities := n - provinces - waterBoards
	orgs := make([]ambitiebot.Organisation, 0, n)
	add := func(kind ambitiebot.OrgKind, count int, prefix, name string) {
		for i := 1; i <= count; i++ {
			orgs = append(orgs, ambitiebot.Organisation{
				Key:  fmt.Sprintf("%s-%d", prefix, i),
				Name: fmt.Sprintf("%s %d", name, i),
				Kind: kind,
			})
		}
	}
	// Water boards first, so that tests see that views regroup by kind.
	add(ambitiebot.KindWaterBoard, waterBoards, "ws", "Waterschap Voorbeeld")
	add(ambitiebot.KindMunicipality, municipalities, "gem", "Gemeente Voorbeeld")
	add(ambitiebot.KindProvince, provinces, "prov", "Provincie Voorbeeld")
	o, err := ambitiebot.NewOrganisations(orgs)
	if err != nil {
		panic(err)
	}
	return o
}

// Progress returns stored progress for a share fill (0..1) of every
// organisation's applicable ambitions, with statuses drawn from seed.
func Progress(cat *ambitiebot.Catalogue, orgs *ambitiebot.Organisations, fill float64, seed uint64, at time.Time) []ambitiebot.Progress {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	statuses := []ambitiebot.Status{ambitiebot.StatusDone, ambitiebot.StatusDone, ambitiebot.StatusInProgress,
		ambitiebot.StatusInProgress, ambitiebot.StatusBlocked, ambitiebot.StatusNA}
	var out []ambitiebot.Progress
	for _, org := range orgs.All() {
		for _, a := range cat.ForKind(org.Kind) {
			if r.Float64() >= fill {
				continue
			}
			s := statuses[r.IntN(len(statuses))]
			p := ambitiebot.Progress{OrgKey: org.Key, AmbitionID: a.ID, Status: s,
				UpdatedAt: at.Add(-time.Duration(r.IntN(90*24)) * time.Hour), UpdatedBy: "u-" + org.Key, UpdatedByName: "medewerker." + org.Key}
			if s.NeedsNote() || r.IntN(3) == 0 {
				p.Note = fmt.Sprintf("Toelichting %s bij %s", org.Key, a.ID)
			}
			out = append(out, p)
		}
	}
	return out
}

// Changes turns progress into a history: one change from niet gestart to
// the stored status per row, at the row's UpdatedAt, oldest first.
func Changes(progress []ambitiebot.Progress) []ambitiebot.Change {
	out := make([]ambitiebot.Change, 0, len(progress))
	for i, p := range progress {
		out = append(out, ambitiebot.Change{ID: int64(i + 1), OrgKey: p.OrgKey, AmbitionID: p.AmbitionID,
			From: ambitiebot.StatusNotStarted, To: p.Status, Note: p.Note, UserID: p.UpdatedBy, UserName: p.UpdatedByName, At: p.UpdatedAt})
	}
	slices.SortStableFunc(out, func(a, b ambitiebot.Change) int { return a.At.Compare(b.At) })
	return out
}
