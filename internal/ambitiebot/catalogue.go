package ambitiebot

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// OrgKind is the kind of public body that signed the agreement. Which
// ambitions apply to an organisation depends on its kind.
type OrgKind string

const (
	KindMunicipality OrgKind = "gemeente"
	KindWaterBoard   OrgKind = "waterschap"
	KindProvince     OrgKind = "provincie"
)

// OrgKinds lists the kinds in the order views group organisations.
var OrgKinds = []OrgKind{KindMunicipality, KindProvince, KindWaterBoard}

// Valid reports whether k is a known kind of party.
func (k OrgKind) Valid() bool { return slices.Contains(OrgKinds, k) }

// KindAffiliated is an "aangesloten organisatie" such as the RIEC, the RUD
// or a veiligheidsregio: ambition 5.2's message is shared within it too,
// but it is no party to the agreement, so no ambition applies to it and it
// is in no matrix, overview or report.
const KindAffiliated OrgKind = "aangesloten"

// ValidForOrganisation reports whether an organisation may have kind k: a
// party's kind or KindAffiliated.
func (k OrgKind) ValidForOrganisation() bool { return k.Valid() || k == KindAffiliated }

// Theme is one of the agreement's themes, e.g. 3 "Wet- en regelgeving,
// beleid en handhaving".
type Theme struct {
	Number int
	Name   string // Dutch, as in the agreement
	NameEN string
}

// Ambition is one numbered commitment of the agreement.
type Ambition struct {
	ID        string // "3.2": theme number, dot, number within the theme
	Theme     int
	Text      string // Dutch, as in the agreement
	TextEN    string
	AppliesTo []OrgKind
	// Notes are the agreement's footnotes to the ambition (Dutch, one
	// footnote an element): they say when it counts as done.
	Notes   []string
	NotesEN []string // empty, or one translation per note
}

// AppliesToKind reports whether the ambition applies to organisations of kind k.
func (a Ambition) AppliesToKind(k OrgKind) bool { return slices.Contains(a.AppliesTo, k) }

// Localized returns the ambition's text in lang, falling back to Dutch.
func (a Ambition) Localized(lang string) string {
	if lang == "en" && a.TextEN != "" {
		return a.TextEN
	}
	return a.Text
}

// LocalizedNotes returns the ambition's notes in lang, falling back to Dutch.
func (a Ambition) LocalizedNotes(lang string) []string {
	if lang == "en" && len(a.NotesEN) > 0 {
		return a.NotesEN
	}
	return a.Notes
}

// Version identifies what the ambition asks: a hash of its Dutch text and
// notes, the agreement's own wording. Spacing does not count, and neither
// does the English translation, so only a change of meaning asks every
// organisation to confirm its status again (see CatalogueService).
func (a Ambition) Version() string {
	h := sha256.New()
	h.Write([]byte(strings.Join(strings.Fields(a.Text), " ")))
	for _, n := range a.Notes {
		h.Write([]byte{0})
		h.Write([]byte(strings.Join(strings.Fields(n), " ")))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Localized returns the theme's name in lang, falling back to Dutch.
func (t Theme) Localized(lang string) string {
	if lang == "en" && t.NameEN != "" {
		return t.NameEN
	}
	return t.Name
}

// Catalogue is the validated, ordered list of themes and ambitions.
// The agreement is a growth model, so it is data, not code.
type Catalogue struct {
	themes    []Theme
	ambitions []Ambition
	byID      map[string]int
}

// NewCatalogue validates themes and ambitions and orders them by number.
// Its error is an EINVALID *Error naming the first offending entry by its
// configuration key (themes, ambitions), since the catalogue comes from
// the configuration file.
func NewCatalogue(themes []Theme, ambitions []Ambition) (*Catalogue, error) {
	switch {
	case len(themes) == 0:
		return nil, invalidConfig("ConfigListEmpty", "themes", nil)
	case len(ambitions) == 0:
		return nil, invalidConfig("ConfigListEmpty", "ambitions", nil)
	}
	c := &Catalogue{
		themes:    slices.Clone(themes),
		ambitions: make([]Ambition, 0, len(ambitions)),
		byID:      make(map[string]int, len(ambitions)),
	}
	seenTheme := map[int]bool{}
	for _, t := range c.themes {
		switch {
		case t.Number <= 0:
			return nil, invalidConfig("ConfigAtLeast", "themes.number", map[string]any{"Min": 1, "Got": t.Number})
		case strings.TrimSpace(t.Name) == "":
			return nil, invalidConfig("ConfigMissing", "themes.name", map[string]any{"Item": t.Number})
		case seenTheme[t.Number]:
			return nil, invalidConfig("ConfigDuplicate", "themes.number", map[string]any{"Got": t.Number})
		}
		seenTheme[t.Number] = true
	}
	slices.SortFunc(c.themes, func(a, b Theme) int { return a.Number - b.Number })
	for _, a := range ambitions {
		id, ok := ParseAmbitionID(a.ID)
		if !ok || id != a.ID {
			return nil, invalidConfig("ConfigAmbitionID", "ambitions.id", map[string]any{"Got": strconv.Quote(a.ID)})
		}
		theme, _ := splitAmbitionID(id)
		if a.Theme == 0 {
			a.Theme = theme
		}
		if a.Theme != theme {
			return nil, invalidConfig("ConfigAmbitionThemeMismatch", "ambitions.theme", map[string]any{"Item": id, "Got": a.Theme, "Theme": theme})
		}
		if !seenTheme[theme] {
			return nil, invalidConfig("ConfigAmbitionTheme", "ambitions.id", map[string]any{"Got": id, "Theme": theme, "Other": "themes"})
		}
		if strings.TrimSpace(a.Text) == "" {
			return nil, invalidConfig("ConfigMissing", "ambitions.text", map[string]any{"Item": id})
		}
		if len(a.AppliesTo) == 0 {
			return nil, invalidConfig("ConfigMissing", "ambitions.applies_to", map[string]any{"Item": id})
		}
		for _, k := range a.AppliesTo {
			if !k.Valid() {
				return nil, invalidConfig("ConfigKind", "ambitions.applies_to", map[string]any{"Item": id, "Got": strconv.Quote(string(k))})
			}
		}
		if _, dup := c.byID[id]; dup {
			return nil, invalidConfig("ConfigDuplicate", "ambitions.id", map[string]any{"Got": id})
		}
		for _, n := range slices.Concat(a.Notes, a.NotesEN) {
			if strings.TrimSpace(n) == "" {
				return nil, invalidConfig("ConfigNoteEmpty", "ambitions.notes", map[string]any{"Item": id})
			}
		}
		if len(a.NotesEN) > 0 && len(a.NotesEN) != len(a.Notes) {
			return nil, invalidConfig("ConfigNotesCount", "ambitions.notes_en", map[string]any{"Item": id, "Other": "ambitions.notes", "Want": len(a.Notes), "Got": len(a.NotesEN)})
		}
		a.AppliesTo = slices.Clone(a.AppliesTo)
		a.Notes, a.NotesEN = slices.Clone(a.Notes), slices.Clone(a.NotesEN)
		c.byID[id] = 0
		c.ambitions = append(c.ambitions, a)
	}
	slices.SortFunc(c.ambitions, func(a, b Ambition) int { return CompareAmbitionIDs(a.ID, b.ID) })
	for i, a := range c.ambitions {
		c.byID[a.ID] = i
	}
	return c, nil
}

// Themes returns the themes in order.
func (c *Catalogue) Themes() []Theme { return c.themes }

// Ambitions returns every ambition in order (1.1, 1.2, …, 3.9, 3.10, …).
func (c *Catalogue) Ambitions() []Ambition { return c.ambitions }

// Ambition returns the ambition with the given canonical id.
func (c *Catalogue) Ambition(id string) (Ambition, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Ambition{}, false
	}
	return c.ambitions[i], true
}

// Theme returns the theme with the given number.
func (c *Catalogue) Theme(n int) (Theme, bool) {
	for _, t := range c.themes {
		if t.Number == n {
			return t, true
		}
	}
	return Theme{}, false
}

// ForKind returns the ambitions that apply to organisations of kind k.
func (c *Catalogue) ForKind(k OrgKind) []Ambition {
	var out []Ambition
	for _, a := range c.ambitions {
		if a.AppliesToKind(k) {
			out = append(out, a)
		}
	}
	return out
}

// InTheme returns the ambitions of theme n.
func (c *Catalogue) InTheme(n int) []Ambition {
	var out []Ambition
	for _, a := range c.ambitions {
		if a.Theme == n {
			out = append(out, a)
		}
	}
	return out
}

// ParseAmbitionID turns what a user typed ("3.2", "3,2", " 3.10 ") into the
// canonical id. "3.10" stays distinct from "3.1"; leading zeros are dropped.
func ParseAmbitionID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	theme, num, ok := strings.Cut(s, ".")
	if !ok {
		return "", false
	}
	t, err1 := strconv.Atoi(theme)
	n, err2 := strconv.Atoi(num)
	if err1 != nil || err2 != nil || t <= 0 || n <= 0 || t > 99 || n > 99 ||
		strings.ContainsAny(theme+num, "+-") {
		return "", false
	}
	return strconv.Itoa(t) + "." + strconv.Itoa(n), true
}

// CompareAmbitionIDs orders canonical ids numerically: 3.9 before 3.10.
func CompareAmbitionIDs(a, b string) int {
	at, an := splitAmbitionID(a)
	bt, bn := splitAmbitionID(b)
	if at != bt {
		return at - bt
	}
	return an - bn
}

func splitAmbitionID(id string) (theme, num int) {
	t, n, _ := strings.Cut(id, ".")
	theme, _ = strconv.Atoi(t)
	num, _ = strconv.Atoi(n)
	return theme, num
}
