package ambitiebot

import (
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	aliases := map[Status][]string{
		StatusNotStarted: {"niet-gestart", "niet gestart", "open", "nieuw", "not-started", "not started"},
		StatusInProgress: {"in-uitvoering", "in uitvoering", "bezig", "loopt", "gestart", "in-progress", "in progress"},
		StatusBlocked:    {"knelpunt", "vertraagd", "geblokkeerd", "blocked"},
		StatusDone:       {"gereed", "klaar", "afgerond", "done"},
		StatusNA:         {"nvt", "n.v.t.", "n.v.t", "niet-van-toepassing", "niet van toepassing", "not-applicable", "not applicable", "n/a"},
	}
	for want, names := range aliases {
		for _, name := range names {
			for _, in := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:], "  " + name + "\t"} {
				if got, ok := ParseStatus(in); !ok || got != want {
					t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, ok, want)
				}
			}
		}
	}
	for _, in := range []string{"", "gereedd", "klaar!", "n.v", "niet", "in  uitvoering", "Gereed.", "bezig met"} {
		if got, ok := ParseStatus(in); ok {
			t.Errorf("ParseStatus(%q) = %q, want rejected", in, got)
		}
	}
}

func TestStatusProperties(t *testing.T) {
	if len(Statuses) != 5 {
		t.Fatalf("Statuses = %v", Statuses)
	}
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if got, ok := ParseStatus(string(s)); !ok || got != s {
			t.Errorf("ParseStatus(%q) does not return its own key", s)
		}
		if s.LabelID() != "Status_"+string(s) {
			t.Errorf("LabelID(%s) = %s", s, s.LabelID())
		}
		needsNote := s == StatusBlocked || s == StatusNA
		if s.NeedsNote() != needsNote {
			t.Errorf("%s.NeedsNote() = %v, want %v", s, s.NeedsNote(), needsNote)
		}
		open := s != StatusDone && s != StatusNA
		if s.Open() != open {
			t.Errorf("%s.Open() = %v, want %v", s, s.Open(), open)
		}
	}
	for _, s := range []Status{"", "Gereed", "klaar"} {
		if s.Valid() {
			t.Errorf("%q valid: aliases are not stored statuses", s)
		}
	}
}
