package config

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// fileTheme is one entry of the list [[themes]].
type fileTheme struct {
	Number int    `toml:"number"`
	Name   string `toml:"name"`
	NameEN string `toml:"name_en"`
}

// fileAmbition is one entry of the list [[ambitions]].
type fileAmbition struct {
	ID        string   `toml:"id"`
	Theme     int      `toml:"theme"`
	Text      string   `toml:"text"`
	TextEN    string   `toml:"text_en"`
	AppliesTo []string `toml:"applies_to"`
	Notes     []string `toml:"notes"`
	NotesEN   []string `toml:"notes_en"`
}

// fileThemeChange is a table [themes.<number>]: it changes the keys it
// gives of that theme, or adds the theme when there is none.
type fileThemeChange struct {
	Name   *string `toml:"name"`
	NameEN *string `toml:"name_en"`
}

// fileAmbitionChange is a table [ambitions."<id>"]: it changes the keys
// it gives of that ambition, or adds the ambition when there is none.
type fileAmbitionChange struct {
	Theme     *int      `toml:"theme"`
	Text      *string   `toml:"text"`
	TextEN    *string   `toml:"text_en"`
	AppliesTo *[]string `toml:"applies_to"`
	Notes     *[]string `toml:"notes"`
	NotesEN   *[]string `toml:"notes_en"`
}

// decodeCatalogue decodes the themes and ambitions the file gives: a
// table of tables is a set of changes and additions by key, anything
// else must be the list.
func (fc *fileConfig) decodeCatalogue(md toml.MetaData) error {
	if err := decodeListOrChanges(md, "themes", fc.Themes, &fc.themeList, &fc.themeChanges); err != nil {
		return err
	}
	return decodeListOrChanges(md, "ambitions", fc.Ambitions, &fc.ambitionList, &fc.ambitionChanges)
}

func decodeListOrChanges[L, C any](md toml.MetaData, key string, p toml.Primitive, list *[]L, changes *map[string]C) error {
	if !md.IsDefined(key) {
		return nil
	}
	switch md.Type(key) {
	case "Hash", "": // "" is the table that [<key>.<name>] implies
		*changes = map[string]C{}
		return md.PrimitiveDecode(p, changes)
	}
	// Not nil, so that an empty list replaces the built-in one and is refused.
	*list = []L{}
	return md.PrimitiveDecode(p, list)
}

// catalogue builds the catalogue: the list of themes and of ambitions
// (built in, or the file's), then the file's changes and additions by
// key. ambitiebot.NewCatalogue checks the result and names the offending
// key and entry.
func catalogue(fc fileConfig) (*ambitiebot.Catalogue, error) {
	ts := make([]ambitiebot.Theme, len(fc.themeList))
	for i, t := range fc.themeList {
		ts[i] = ambitiebot.Theme{Number: t.Number, Name: strings.TrimSpace(t.Name), NameEN: strings.TrimSpace(t.NameEN)}
	}
	ts, err := changeThemes(ts, fc.themeChanges)
	if err != nil {
		return nil, err
	}
	as := make([]ambitiebot.Ambition, len(fc.ambitionList))
	for i, a := range fc.ambitionList {
		as[i] = ambitiebot.Ambition{ID: strings.TrimSpace(a.ID), Theme: a.Theme, Text: strings.TrimSpace(a.Text),
			TextEN: strings.TrimSpace(a.TextEN), AppliesTo: orgKinds(a.AppliesTo),
			Notes: trimAll(a.Notes), NotesEN: trimAll(a.NotesEN)}
	}
	if as, err = changeAmbitions(as, fc.ambitionChanges); err != nil {
		return nil, err
	}
	return ambitiebot.NewCatalogue(ts, as)
}

// changeThemes applies [themes.<number>] tables: a number that names no
// theme adds one.
func changeThemes(ts []ambitiebot.Theme, changes map[string]fileThemeChange) ([]ambitiebot.Theme, error) {
	seen := map[int]bool{}
	for _, key := range slices.Sorted(maps.Keys(changes)) {
		n, err := strconv.Atoi(strings.TrimSpace(key))
		if err != nil || n <= 0 {
			return nil, invalid("ConfigThemeKey", map[string]any{"Key": "themes." + key, "Got": strconv.Quote(key)})
		}
		if seen[n] {
			return nil, invalid("ConfigDuplicate", map[string]any{"Key": "themes", "Got": n})
		}
		seen[n] = true
		i := slices.IndexFunc(ts, func(t ambitiebot.Theme) bool { return t.Number == n })
		if i < 0 {
			ts = append(ts, ambitiebot.Theme{Number: n})
			i = len(ts) - 1
		}
		ch := changes[key]
		if ch.Name != nil {
			if name := strings.TrimSpace(*ch.Name); name != ts[i].Name {
				ts[i].Name, ts[i].NameEN = name, ""
			}
		}
		if ch.NameEN != nil {
			ts[i].NameEN = strings.TrimSpace(*ch.NameEN)
		}
	}
	return ts, nil
}

// changeAmbitions applies [ambitions."<id>"] tables: an id that names no
// ambition adds one. The id must be written as the catalogue writes it.
func changeAmbitions(as []ambitiebot.Ambition, changes map[string]fileAmbitionChange) ([]ambitiebot.Ambition, error) {
	for _, key := range slices.Sorted(maps.Keys(changes)) {
		if id, ok := ambitiebot.ParseAmbitionID(key); !ok || id != key {
			return nil, invalid("ConfigAmbitionID", map[string]any{"Key": "ambitions." + key, "Got": strconv.Quote(key)})
		}
		i := slices.IndexFunc(as, func(a ambitiebot.Ambition) bool { return a.ID == key })
		if i < 0 {
			as = append(as, ambitiebot.Ambition{ID: key})
			i = len(as) - 1
		}
		ch, a := changes[key], &as[i]
		if ch.Theme != nil {
			a.Theme = *ch.Theme
		}
		// A Dutch text or notes changed without a translation leave no
		// stale English behind: English users see the Dutch then.
		if ch.Text != nil {
			if text := strings.TrimSpace(*ch.Text); text != a.Text {
				a.Text, a.TextEN = text, ""
			}
		}
		if ch.TextEN != nil {
			a.TextEN = strings.TrimSpace(*ch.TextEN)
		}
		if ch.AppliesTo != nil {
			a.AppliesTo = orgKinds(*ch.AppliesTo)
		}
		if ch.Notes != nil {
			if notes := trimAll(*ch.Notes); !slices.Equal(notes, a.Notes) {
				a.Notes, a.NotesEN = notes, nil
			}
		}
		if ch.NotesEN != nil {
			a.NotesEN = trimAll(*ch.NotesEN)
		}
	}
	return as, nil
}

func trimAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// unquotedAmbition finds [ambitions.5.3], which TOML reads as table "5"
// holding table "3", and returns "5.3"; "" when there is none.
func unquotedAmbition(undecoded []toml.Key) string {
	for _, k := range undecoded {
		if len(k) >= 3 && k[0] == "ambitions" {
			if id, ok := ambitiebot.ParseAmbitionID(k[1] + "." + k[2]); ok && id == k[1]+"."+k[2] {
				return id
			}
		}
	}
	return ""
}
