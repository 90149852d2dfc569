package workgroup

import (
	"regexp"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/locales"
)

// Every command the English sentences show is typed with English words,
// and the parser accepts each of those words (issue 10 item 8: English
// users can type what they see).
func TestEnglishSentencesShowEnglishCommands(t *testing.T) {
	data, err := locales.FS.ReadFile("active.en.toml")
	if err != nil {
		t.Fatal(err)
	}
	command := regexp.MustCompile("`/ambitie ([^`]*)`")
	for _, line := range strings.Split(string(data), "\n") {
		key, _, _ := strings.Cut(line, " = ")
		for _, m := range command.FindAllStringSubmatch(line, -1) {
			for _, w := range strings.Fields(m[1]) {
				if en, ok := englishWords[strings.ToLower(w)]; ok {
					t.Errorf("%s shows `/ambitie %s`: %q instead of %q", key, m[1], w, en)
				}
			}
		}
	}
	// The English words work: each parses as its Dutch counterpart does.
	for nl, en := range englishWords {
		_, enKeyword := keywords[en]
		_, nlKeyword := keywords[nl]
		if enKeyword != nlKeyword {
			t.Errorf("%q is a command word and %q is not, or the other way round", nl, en)
		}
	}
	for _, c := range [][2]string{
		{"3.2 gereed", "3.2 done"}, {"3.2 in-uitvoering", "3.2 in-progress"}, {"3.2 knelpunt x", "3.2 blocked x"},
		{"3.2 nvt x", "3.2 not-applicable x"}, {"3.2 niet-gestart", "3.2 not-started"}, {"3.2 bevestig", "3.2 confirm"},
		{"bericht verstuur", "message send"}, {"bericht tekst", "message text"}, {"rapport sinds 2027-01-01", "report since 2027-01-01"},
		{"overzicht delen", "overview share"}, {"overzicht thema 3", "overview theme 3"},
	} {
		nl, errNL := Parse(c[0], DefaultMaxNote)
		en, errEN := Parse(c[1], DefaultMaxNote)
		if errNL != nil || errEN != nil || nl.Kind != en.Kind || nl.Status != en.Status || nl.Share != en.Share || nl.Theme != en.Theme || nl.Since != en.Since {
			t.Errorf("%q = %+v, %v; %q = %+v, %v", c[0], nl, errNL, c[1], en, errEN)
		}
	}
}
