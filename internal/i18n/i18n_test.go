package i18n_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// Every sentence of the reference language (Dutch) must exist, non-empty,
// in every other language, and no language may have sentences Dutch lacks.
func TestLocaleParity(t *testing.T) {
	nl, err := testkit.MessageIDs(locales.FS, "nl")
	if err != nil {
		t.Fatal(err)
	}
	if len(nl) == 0 {
		t.Fatal("no Dutch messages found")
	}
	for _, lang := range i18n.Languages[1:] {
		other, err := testkit.MessageIDs(locales.FS, lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, text := range nl {
			if strings.TrimSpace(text) == "" {
				t.Errorf("nl: %s is empty", id)
			}
			if strings.TrimSpace(other[id]) == "" {
				t.Errorf("%s: %s is missing or empty", lang, id)
			}
		}
		for id := range other {
			if _, ok := nl[id]; !ok {
				t.Errorf("%s: %s is not in the Dutch reference", lang, id)
			}
		}
	}
}

func TestTranslator(t *testing.T) {
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Status("nl", ambitiebot.StatusDone); got != "Gereed" {
		t.Errorf("nl gereed = %q", got)
	}
	if got := tr.Status("en-GB", ambitiebot.StatusDone); got != "Done" {
		t.Errorf("en gereed = %q", got)
	}
	if got := tr.Status("fr", ambitiebot.StatusDone); got != "Gereed" {
		t.Errorf("fr falls back to Dutch, got %q", got)
	}
	e := ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNoteTooLong", map[string]any{"Max": 500})
	if got := tr.Error("en", e); !strings.Contains(got, "500") {
		t.Errorf("error rendering = %q", got)
	}
	raw := errors.New("sqlite: disk I/O error at /var/lib/secret")
	if got := tr.Error("nl", raw); strings.Contains(got, "sqlite") || !strings.Contains(got, "mis") {
		t.Errorf("raw error leaked or not generic: %q", got)
	}
}
