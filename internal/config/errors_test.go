package config

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

var translator = sync.OnceValues(func() (*i18n.Translator, error) { return i18n.New(locales.FS) })

// userError checks that err is a configuration error an administrator can
// be shown: an EINVALID *ambitiebot.Error whose sentence, in every
// language, is one line that names the key (or, for an error about the
// file as a whole, the file), has no template residue and shows none of
// secrets. It returns the error and its sentences by language.
func userError(t testing.TB, err error, secrets ...string) (*ambitiebot.Error, map[string]string) {
	t.Helper()
	var e *ambitiebot.Error
	if !errors.As(err, &e) || e.Code != ambitiebot.EINVALID || !strings.HasPrefix(e.MessageID, "Config") {
		t.Fatalf("error %v is not an EINVALID configuration error", err)
	}
	key, _ := e.Data["Key"].(string)
	if key == "" {
		key, _ = e.Data["File"].(string)
	}
	if key == "" {
		t.Fatalf("%s names neither a key nor a file: %v", e.MessageID, e.Data)
	}
	tr, trErr := translator()
	if trErr != nil {
		t.Fatal(trErr)
	}
	sentences := map[string]string{}
	for _, lang := range i18n.Languages {
		s := tr.Error(lang, err)
		sentences[lang] = s
		switch {
		case s == e.MessageID:
			t.Errorf("%s has no %s sentence", e.MessageID, lang)
		case !strings.Contains(s, key):
			t.Errorf("%s: %q does not name %q", lang, s, key)
		case strings.Contains(s, "{{") || strings.Contains(s, "<no value>") || strings.ContainsAny(s, "\n\r"):
			t.Errorf("%s: %q has template residue or spans lines", lang, s)
		}
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%s: %q shows a secret", lang, s)
			}
		}
	}
	return e, sentences
}
