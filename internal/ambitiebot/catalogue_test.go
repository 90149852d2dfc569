package ambitiebot

import (
	"errors"
	"slices"
	"testing"
)

func TestParseAmbitionID(t *testing.T) {
	for in, want := range map[string]string{
		"3.2": "3.2", "3,2": "3.2", " 3.10 ": "3.10", "03.2": "3.2", "3.02": "3.2",
		"1.1": "1.1", "\t5,2\n": "5.2", "99.99": "99.99",
	} {
		if got, ok := ParseAmbitionID(in); !ok || got != want {
			t.Errorf("ParseAmbitionID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"3", "3.", ".2", "3.2.1", "-3.2", "3.-2", "+3.2", "3.+2", "a.b", "3.0", "0.1", "",
		" ", ".", "3 .2", "3.2a", "100.1", "3.100", "3,,2", "３.２",
	} {
		if got, ok := ParseAmbitionID(in); ok {
			t.Errorf("ParseAmbitionID(%q) = %q, want rejected", in, got)
		}
	}
}

func TestCompareAmbitionIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{
		{"3.9", "3.10", -1}, {"3.10", "3.1", 1}, {"2.5", "3.1", -1}, {"10.1", "9.9", 1}, {"3.2", "3.2", 0},
	} {
		got := CompareAmbitionIDs(c.a, c.b)
		if (got < 0 && c.sign >= 0) || (got > 0 && c.sign <= 0) || (got == 0 && c.sign != 0) {
			t.Errorf("CompareAmbitionIDs(%s, %s) = %d, want sign %d", c.a, c.b, got, c.sign)
		}
	}
	ids := []string{"3.10", "1.2", "3.1", "3.9", "1.10", "2.1"}
	slices.SortFunc(ids, CompareAmbitionIDs)
	if want := []string{"1.2", "1.10", "2.1", "3.1", "3.9", "3.10"}; !slices.Equal(ids, want) {
		t.Errorf("sorted = %v, want %v", ids, want)
	}
}

var (
	all       = []OrgKind{KindMunicipality, KindProvince, KindWaterBoard}
	municipal = []OrgKind{KindMunicipality}
)

func testThemes() []Theme {
	return []Theme{{Number: 3, Name: "Wet- en regelgeving", NameEN: "Law"}, {Number: 1, Name: "Bewustwording"}}
}

func TestNewCatalogue(t *testing.T) {
	kinds := []OrgKind{KindProvince, KindWaterBoard}
	in := []Ambition{
		{ID: "3.10", Text: "Tien", AppliesTo: all},
		{ID: "3.1", Text: "Een", TextEN: "One", AppliesTo: municipal},
		{ID: "1.1", Theme: 1, Text: "Bewust", AppliesTo: all},
		{ID: "3.9", Text: "Negen", AppliesTo: kinds},
	}
	c, err := NewCatalogue(testThemes(), in)
	if err != nil {
		t.Fatal(err)
	}
	kinds[0] = KindMunicipality // the catalogue must own its slices
	var ids []string
	for _, a := range c.Ambitions() {
		ids = append(ids, a.ID)
	}
	if want := []string{"1.1", "3.1", "3.9", "3.10"}; !slices.Equal(ids, want) {
		t.Errorf("order = %v, want %v", ids, want)
	}
	if th := c.Themes(); th[0].Number != 1 || th[1].Number != 3 {
		t.Errorf("themes not ordered: %+v", th)
	}
	a, ok := c.Ambition("3.10")
	if !ok || a.Text != "Tien" || a.Theme != 3 {
		t.Errorf("Ambition(3.10) = %+v, %v", a, ok)
	}
	if a, _ := c.Ambition("3.1"); a.Text != "Een" || a.Localized("en") != "One" || a.Localized("nl") != "Een" {
		t.Errorf("Ambition(3.1) = %+v", a)
	}
	if a, _ := c.Ambition("3.10"); a.Localized("en") != "Tien" {
		t.Error("an ambition without English text must fall back to Dutch")
	}
	if _, ok := c.Ambition("3.2"); ok {
		t.Error("Ambition(3.2) found")
	}
	if a, _ := c.Ambition("3.9"); a.AppliesToKind(KindMunicipality) || !a.AppliesToKind(KindWaterBoard) {
		t.Errorf("3.9 applies to %v after the caller changed its slice", a.AppliesTo)
	}
	if n := len(c.ForKind(KindMunicipality)); n != 3 {
		t.Errorf("ForKind(gemeente) = %d, want 3", n)
	}
	if n := len(c.ForKind(KindProvince)); n != 3 {
		t.Errorf("ForKind(provincie) = %d, want 3", n)
	}
	if n := len(c.InTheme(3)); n != 3 {
		t.Errorf("InTheme(3) = %d, want 3", n)
	}
	if th, ok := c.Theme(3); !ok || th.Localized("en") != "Law" {
		t.Errorf("Theme(3) = %+v", th)
	}
	if th, _ := c.Theme(1); th.Localized("en") != "Bewustwording" {
		t.Error("a theme without English name must fall back to Dutch")
	}
	if _, ok := c.Theme(2); ok {
		t.Error("Theme(2) found")
	}
}

func TestNewCatalogueErrors(t *testing.T) {
	ok := Ambition{ID: "1.1", Text: "x", AppliesTo: all}
	cases := []struct {
		name      string
		themes    []Theme
		ambitions []Ambition
		id        string
		data      map[string]any
	}{
		{"no themes", nil, []Ambition{ok}, "ConfigListEmpty", map[string]any{"Key": "themes"}},
		{"no ambitions", testThemes(), nil, "ConfigListEmpty", map[string]any{"Key": "ambitions"}},
		{"theme number", []Theme{{Number: 0, Name: "x"}}, []Ambition{ok}, "ConfigAtLeast", map[string]any{"Key": "themes.number", "Got": 0}},
		{"theme name", []Theme{{Number: 1, Name: " "}}, []Ambition{ok}, "ConfigMissing", map[string]any{"Key": "themes.name", "Item": 1}},
		{"theme twice", []Theme{{Number: 1, Name: "a"}, {Number: 1, Name: "b"}}, []Ambition{ok}, "ConfigDuplicate", map[string]any{"Key": "themes.number", "Got": 1}},
		{"bad id", testThemes(), []Ambition{{ID: "3", Text: "x", AppliesTo: all}}, "ConfigAmbitionID", map[string]any{"Key": "ambitions.id", "Got": `"3"`}},
		{"id not canonical", testThemes(), []Ambition{{ID: "03.2", Text: "x", AppliesTo: all}}, "ConfigAmbitionID", map[string]any{"Got": `"03.2"`}},
		{"id with comma", testThemes(), []Ambition{{ID: "3,2", Text: "x", AppliesTo: all}}, "ConfigAmbitionID", map[string]any{"Got": `"3,2"`}},
		{"theme mismatch", testThemes(), []Ambition{{ID: "3.1", Theme: 1, Text: "x", AppliesTo: all}}, "ConfigAmbitionThemeMismatch", map[string]any{"Key": "ambitions.theme", "Item": "3.1", "Got": 1, "Theme": 3}},
		{"unknown theme", testThemes(), []Ambition{{ID: "2.1", Text: "x", AppliesTo: all}}, "ConfigAmbitionTheme", map[string]any{"Key": "ambitions.id", "Got": "2.1", "Theme": 2}},
		{"no text", testThemes(), []Ambition{{ID: "1.1", Text: " \n", AppliesTo: all}}, "ConfigMissing", map[string]any{"Key": "ambitions.text", "Item": "1.1"}},
		{"nobody", testThemes(), []Ambition{{ID: "1.1", Text: "x"}}, "ConfigMissing", map[string]any{"Key": "ambitions.applies_to", "Item": "1.1"}},
		{"unknown kind", testThemes(), []Ambition{{ID: "1.1", Text: "x", AppliesTo: []OrgKind{"gemeentes"}}}, "ConfigKind", map[string]any{"Key": "ambitions.applies_to", "Got": `"gemeentes"`}},
		{"twice", testThemes(), []Ambition{ok, ok}, "ConfigDuplicate", map[string]any{"Key": "ambitions.id", "Got": "1.1"}},
	}
	for _, tc := range cases {
		c, err := NewCatalogue(tc.themes, tc.ambitions)
		if c != nil {
			t.Errorf("%s: a catalogue despite the error", tc.name)
		}
		checkConfigError(t, tc.name, err, tc.id, tc.data)
	}
}

// checkConfigError checks that err is an EINVALID *Error with message id
// and at least the given template data.
func checkConfigError(t *testing.T, name string, err error, id string, data map[string]any) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID || e.MessageID != id {
		t.Errorf("%s: error %v, want EINVALID %s", name, err, id)
		return
	}
	for k, v := range data {
		if e.Data[k] != v {
			t.Errorf("%s: Data[%q] = %#v, want %#v", name, k, e.Data[k], v)
		}
	}
}

func TestOrgKindValid(t *testing.T) {
	for _, k := range OrgKinds {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
	}
	for _, k := range []OrgKind{"", "Gemeente", "rijk"} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}

// The version follows the Dutch text and notes, not spacing or English.
func TestAmbitionVersion(t *testing.T) {
	a := Ambition{ID: "3.2", Text: "Een actueel Bibob-beleid.", TextEN: "A current Bibob policy.", Notes: []string{"Na de 2e tranche."}}
	same := a
	same.Text, same.TextEN, same.NotesEN = "  Een actueel\nBibob-beleid. ", "Another translation.", []string{"After the second tranche."}
	if a.Version() != same.Version() || len(a.Version()) != 16 {
		t.Errorf("versions %s and %s differ for the same Dutch wording", a.Version(), same.Version())
	}
	for _, changed := range []Ambition{
		{Text: "Een actueel Bibob-beleid!", Notes: a.Notes},
		{Text: a.Text},
		{Text: a.Text, Notes: []string{"Na de 2e tranche en de Omgevingswet."}},
		{Text: a.Text, Notes: []string{"Na de 2e", "tranche."}},
	} {
		if changed.Version() == a.Version() {
			t.Errorf("%+v has the version of %+v", changed, a)
		}
	}
}

func TestAmbitionNotes(t *testing.T) {
	notes := []string{"Een", "Twee"}
	c, err := NewCatalogue(testThemes(), []Ambition{
		{ID: "3.1", Text: "x", AppliesTo: all, Notes: notes, NotesEN: []string{"One", "Two"}},
		{ID: "3.2", Text: "y", AppliesTo: all, Notes: []string{"Drie"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	notes[0] = "changed" // the catalogue must own its slices
	a, _ := c.Ambition("3.1")
	if !slices.Equal(a.LocalizedNotes("nl"), []string{"Een", "Twee"}) || !slices.Equal(a.LocalizedNotes("en"), []string{"One", "Two"}) {
		t.Errorf("3.1 notes = %q / %q", a.LocalizedNotes("nl"), a.LocalizedNotes("en"))
	}
	if b, _ := c.Ambition("3.2"); !slices.Equal(b.LocalizedNotes("en"), []string{"Drie"}) {
		t.Error("notes without English must fall back to Dutch")
	}
	for name, tc := range map[string]struct {
		a    Ambition
		id   string
		data map[string]any
	}{
		"empty note":       {Ambition{ID: "1.1", Text: "x", AppliesTo: all, Notes: []string{" "}}, "ConfigNoteEmpty", map[string]any{"Key": "ambitions.notes", "Item": "1.1"}},
		"empty translated": {Ambition{ID: "1.1", Text: "x", AppliesTo: all, Notes: []string{"a"}, NotesEN: []string{""}}, "ConfigNoteEmpty", nil},
		"count":            {Ambition{ID: "1.1", Text: "x", AppliesTo: all, Notes: []string{"a"}, NotesEN: []string{"a", "b"}}, "ConfigNotesCount", map[string]any{"Want": 1, "Got": 2}},
	} {
		_, err := NewCatalogue(testThemes(), []Ambition{tc.a})
		checkConfigError(t, name, err, tc.id, tc.data)
	}
}
