// Package i18n adapts go-i18n: it loads the embedded locales and renders
// the bot's sentences, and domain errors, in a user's language.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Languages the bot speaks; the first is the default.
var Languages = []string{"nl", "en"}

// Translator renders message ids in a language.
type Translator struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
}

// New loads every *.toml file of fsys (named <name>.<lang>.toml, such as
// active.nl.toml).
func New(fsys fs.FS) (*Translator, error) {
	b := goi18n.NewBundle(language.Dutch)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(data, path.Base(f)); err != nil {
			return nil, fmt.Errorf("locales: %s: %w", f, err)
		}
	}
	t := &Translator{bundle: b, localizers: map[string]*goi18n.Localizer{}}
	for _, l := range Languages {
		t.localizers[l] = goi18n.NewLocalizer(b, l, "nl")
	}
	return t, nil
}

// Lang maps a Mattermost locale ("en", "en-GB", "nl", "") to a language the
// bot speaks, defaulting to Dutch.
func Lang(locale string) string {
	if len(locale) >= 2 && locale[:2] == "en" {
		return "en"
	}
	return "nl"
}

// T renders the message id in lang with data. A missing id renders as the
// id itself, so a gap shows up in tests instead of an empty answer.
func (t *Translator) T(lang, id string, data map[string]any) string {
	return t.render(lang, &goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// N renders the plural form of id for count; data also gets .Count.
func (t *Translator) N(lang, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return t.render(lang, &goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
}

func (t *Translator) render(lang string, cfg *goi18n.LocalizeConfig) string {
	l, ok := t.localizers[Lang(lang)]
	if !ok {
		l = t.localizers["nl"]
	}
	s, err := l.Localize(cfg)
	if err != nil || s == "" {
		return cfg.MessageID
	}
	return s
}

// Error renders err for a user: its own sentence when it is a domain error,
// else the generic internal-error sentence. The cause is never shown.
func (t *Translator) Error(lang string, err error) string {
	e := ambitiebot.UserError(err)
	return t.T(lang, e.MessageID, e.Data)
}

// Status renders a status's label.
func (t *Translator) Status(lang string, s ambitiebot.Status) string {
	return t.T(lang, s.LabelID(), nil)
}

// Date renders a date as "19 januari 2027" or "19 January 2027", the way
// Dutch and English readers write it; t should already be in the reader's
// zone.
func (t *Translator) Date(lang string, d time.Time) string {
	return strconv.Itoa(d.Day()) + " " + t.T(lang, "Month_"+strconv.Itoa(int(d.Month())), nil) + " " +
		strconv.Itoa(d.Year())
}

// LongDate renders a date as "dinsdag 19 januari 2027" or "Tuesday 19
// January 2027"; t should already be in the zone the reader lives in.
func (t *Translator) LongDate(lang string, d time.Time) string {
	return t.T(lang, "Weekday_"+strconv.Itoa(int(d.Weekday())), nil) + " " + t.Date(lang, d)
}
