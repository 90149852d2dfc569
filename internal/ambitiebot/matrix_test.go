package ambitiebot

import (
	"testing"
	"time"
)

func testMatrix(t *testing.T, progress []Progress) *Matrix {
	t.Helper()
	cat, err := NewCatalogue(
		[]Theme{{Number: 1, Name: "Een"}, {Number: 2, Name: "Twee"}},
		[]Ambition{
			{ID: "1.1", Text: "alle", AppliesTo: all},
			{ID: "1.2", Text: "gemeenten", AppliesTo: municipal},
			{ID: "2.1", Text: "alle", AppliesTo: all},
			{ID: "2.2", Text: "provincie", AppliesTo: []OrgKind{KindProvince}},
		})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := NewOrganisations([]Organisation{
		{Key: "gem", Name: "Gemeente", Kind: KindMunicipality},
		{Key: "prov", Name: "Provincie", Kind: KindProvince},
		{Key: "riec", Name: "RIEC", Kind: KindAffiliated},
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewMatrix(cat, orgs, progress)
}

func TestMatrixCells(t *testing.T) {
	at := time.Date(2025, 3, 18, 10, 0, 0, 0, time.UTC)
	m := testMatrix(t, []Progress{
		{OrgKey: "gem", AmbitionID: "1.1", Status: StatusDone, Note: "APV", UpdatedAt: at, UpdatedBy: "u1"},
		{OrgKey: "gem", AmbitionID: "2.2", Status: StatusDone},   // does not apply to a municipality
		{OrgKey: "ghost", AmbitionID: "1.1", Status: StatusDone}, // unknown organisation
		{OrgKey: "prov", AmbitionID: "9.9", Status: StatusDone},  // unknown ambition
		{OrgKey: "riec", AmbitionID: "1.1", Status: StatusDone},  // affiliated: no ambitions
	})
	if p, ok := m.Cell("gem", "1.1"); !ok || p.Status != StatusDone || p.Note != "APV" || !p.UpdatedAt.Equal(at) {
		t.Errorf("Cell(gem, 1.1) = %+v, %v", p, ok)
	}
	if p, ok := m.Cell("gem", "2.1"); !ok || p.Status != StatusNotStarted || !p.UpdatedAt.IsZero() || p.OrgKey != "gem" || p.AmbitionID != "2.1" {
		t.Errorf("gap Cell(gem, 2.1) = %+v, %v; want niet-gestart", p, ok)
	}
	// Keys are matched exactly ("GEM" is no key; the command layer
	// resolves what users type), and an affiliated organisation has no
	// cells, stored or not.
	for _, c := range [][2]string{{"gem", "2.2"}, {"prov", "1.2"}, {"ghost", "1.1"}, {"prov", "9.9"},
		{"GEM", "1.1"}, {"GEM", "2.1"}, {"riec", "1.1"}, {"riec", "2.1"}} {
		if p, ok := m.Cell(c[0], c[1]); ok {
			t.Errorf("Cell(%s, %s) = %+v, want not applicable", c[0], c[1], p)
		}
	}
}

func TestTally(t *testing.T) {
	m := testMatrix(t, []Progress{
		{OrgKey: "gem", AmbitionID: "1.1", Status: StatusDone},
		{OrgKey: "gem", AmbitionID: "1.2", Status: StatusNA, Note: "geen zorgtaken"},
		{OrgKey: "prov", AmbitionID: "2.2", Status: StatusBlocked, Note: "capaciteit"},
		{OrgKey: "prov", AmbitionID: "1.1", Status: StatusInProgress},
	})
	cases := []struct {
		name       string
		tally      Tally
		applicable int
		counts     map[Status]int
		percent    int
	}{
		// 1 gereed of 3 applicable, 1 nvt: nvt leaves the base, 1/2.
		{"gem", m.OrgTally("gem", 0), 3, map[Status]int{StatusDone: 1, StatusNA: 1, StatusNotStarted: 1}, 50},
		{"gem theme 1", m.OrgTally("gem", 1), 2, map[Status]int{StatusDone: 1, StatusNA: 1}, 100},
		{"gem theme 2", m.OrgTally("gem", 2), 1, map[Status]int{StatusNotStarted: 1}, 0},
		{"prov", m.OrgTally("prov", 0), 3, map[Status]int{StatusInProgress: 1, StatusBlocked: 1, StatusNotStarted: 1}, 0},
		{"unknown org", m.OrgTally("ghost", 0), 0, nil, 0},
		{"theme 1", m.ThemeTally(1), 3, map[Status]int{StatusDone: 1, StatusNA: 1, StatusInProgress: 1}, 50},
		{"theme 2", m.ThemeTally(2), 3, map[Status]int{StatusNotStarted: 2, StatusBlocked: 1}, 0},
		{"theme 3", m.ThemeTally(3), 0, nil, 0},
	}
	for _, tc := range cases {
		if tc.tally.Applicable != tc.applicable || tc.tally.Percent() != tc.percent {
			t.Errorf("%s: applicable %d, percent %d; want %d, %d", tc.name, tc.tally.Applicable, tc.tally.Percent(), tc.applicable, tc.percent)
		}
		for _, s := range Statuses {
			if tc.tally.Count(s) != tc.counts[s] {
				t.Errorf("%s: Count(%s) = %d, want %d", tc.name, s, tc.tally.Count(s), tc.counts[s])
			}
		}
	}
}

func TestTallyPercent(t *testing.T) {
	for _, tc := range []struct {
		t    Tally
		want int
	}{
		{Tally{}, 0},
		{Tally{Applicable: 3, ByStatus: map[Status]int{StatusDone: 1, StatusNotStarted: 2}}, 33},
		{Tally{Applicable: 3, ByStatus: map[Status]int{StatusDone: 2, StatusInProgress: 1}}, 66},
		{Tally{Applicable: 2, ByStatus: map[Status]int{StatusNA: 2}}, 0},
		{Tally{Applicable: 5, ByStatus: map[Status]int{StatusDone: 4, StatusNA: 1}}, 100},
		{Tally{Applicable: 28, ByStatus: map[Status]int{StatusDone: 27, StatusInProgress: 1}}, 96},
	} {
		if got := tc.t.Percent(); got != tc.want {
			t.Errorf("%+v.Percent() = %d, want %d", tc.t, got, tc.want)
		}
	}
}

func TestOpenAmbitions(t *testing.T) {
	m := testMatrix(t, []Progress{
		{OrgKey: "gem", AmbitionID: "1.1", Status: StatusDone},
		{OrgKey: "gem", AmbitionID: "1.2", Status: StatusNA, Note: "n"},
		{OrgKey: "prov", AmbitionID: "2.2", Status: StatusBlocked, Note: "n"},
		{OrgKey: "prov", AmbitionID: "1.1", Status: StatusInProgress},
	})
	ids := func(ps []Progress) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.AmbitionID+" "+string(p.Status))
		}
		return out
	}
	if got := ids(m.OpenAmbitions("gem")); len(got) != 1 || got[0] != "2.1 niet-gestart" {
		t.Errorf("OpenAmbitions(gem) = %v", got)
	}
	want := []string{"1.1 in-uitvoering", "2.1 niet-gestart", "2.2 knelpunt"}
	if got := ids(m.OpenAmbitions("prov")); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("OpenAmbitions(prov) = %v, want %v", got, want)
	}
	if got := m.OpenAmbitions("ghost"); len(got) != 0 {
		t.Errorf("OpenAmbitions(ghost) = %v", got)
	}
}

// A status te herbevestigen needs attention even when it is gereed.
func TestMatrixReconfirm(t *testing.T) {
	cat, err := NewCatalogue(testThemes(), []Ambition{{ID: "1.1", Text: "x", AppliesTo: all}, {ID: "3.1", Text: "y", AppliesTo: all}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := NewOrganisations([]Organisation{{Key: "emmen", Name: "Emmen", Kind: KindMunicipality}, {Key: "assen", Name: "Assen", Kind: KindMunicipality}})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatrix(cat, orgs, []Progress{
		{OrgKey: "emmen", AmbitionID: "1.1", Status: StatusDone, Reconfirm: true},
		{OrgKey: "emmen", AmbitionID: "3.1", Status: StatusDone},
		{OrgKey: "assen", AmbitionID: "3.1", Status: StatusNA, Reconfirm: true},
	})
	if open := m.OpenAmbitions("emmen"); len(open) != 1 || open[0].AmbitionID != "1.1" {
		t.Errorf("emmen open = %+v, want 1.1 to reconfirm", open)
	}
	if r := m.Reconfirm(""); len(r) != 2 {
		t.Errorf("Reconfirm(all) = %+v", r)
	}
	if r := m.Reconfirm("assen"); len(r) != 1 || r[0].AmbitionID != "3.1" {
		t.Errorf("Reconfirm(assen) = %+v", r)
	}
}
