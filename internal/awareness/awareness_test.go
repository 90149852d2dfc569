package awareness_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/locales"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

func translator(t *testing.T) *i18n.Translator {
	t.Helper()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// file builds a message file in the documented format.
func file(id, title, theme, body string) string {
	return "---\nid: " + id + "\ntitle: " + title + "\ntheme: " + theme + "\n---\n" + body + "\n"
}

// Contact details that a message may contain: anything else looking like a
// phone number or web address would be invented.
var (
	phoneRe        = regexp.MustCompile(`\b0\d{2,3}-\d{4,7}\b|\b1\d\d\b`)
	allowedPhones  = []string{"0800-7000", "0900-8844", "112"}
	addressRe      = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:nl|com|org|eu)\b`)
	allowedAddress = []string{"meldmisdaadanoniem.nl"}
	ambitionRe     = regexp.MustCompile(`(?i)ambit(?:ies?|ions?) (\d\.\d+)(?: (?:en|and) (\d\.\d+))?`)
	validAmbitions = []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "2.4", "2.5",
		"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10",
		"4.1", "4.2", "4.3", "4.4", "4.5", "5.1", "5.2"}
)

func TestShippedMessages(t *testing.T) {
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(messages.FS, "*.md")
	if err != nil {
		t.Fatal(err)
	}
	all := lib.All()
	// README.md is not a message; every other file is exactly one.
	if len(all) != len(files)-1 {
		t.Fatalf("%d messages from %d files (README excluded)", len(all), len(files))
	}
	if len(all) < 12 {
		t.Fatalf("only %d messages, want at least 12", len(all))
	}
	tr := translator(t)
	ids := map[string]bool{}
	themes := map[string]int{}
	for i, m := range all {
		if ids[m.ID] {
			t.Errorf("%s: duplicate id %q", m.Source, m.ID)
		}
		ids[m.ID] = true
		themes[m.Theme]++
		if i > 0 && all[i-1].Source >= m.Source {
			t.Errorf("order: %s before %s", all[i-1].Source, m.Source)
		}
		if !strings.HasSuffix(m.Source, "-"+m.ID+".md") {
			t.Errorf("%s: file name should be NN-%s.md", m.Source, m.ID)
		}
		if m.TitleEN == "" || m.BodyEN == "" {
			t.Errorf("%s: no English version", m.Source)
		}
		for lang, text := range map[string]string{"nl": m.Title + "\n" + m.Body, "en": m.TitleEN + "\n" + m.BodyEN} {
			if strings.Contains(text, "@") {
				t.Errorf("%s (%s): contains '@'", m.Source, lang)
			}
			for _, p := range phoneRe.FindAllString(text, -1) {
				if !slices.Contains(allowedPhones, p) {
					t.Errorf("%s (%s): phone number %q is not one of %v", m.Source, lang, p, allowedPhones)
				}
			}
			for _, a := range addressRe.FindAllString(text, -1) {
				if !slices.Contains(allowedAddress, strings.ToLower(a)) {
					t.Errorf("%s (%s): address %q is not one of %v", m.Source, lang, a, allowedAddress)
				}
			}
			for _, g := range ambitionRe.FindAllStringSubmatch(text, -1) {
				for _, n := range g[1:] {
					if n != "" && !slices.Contains(validAmbitions, n) {
						t.Errorf("%s (%s): ambition %s is not in the agreement", m.Source, lang, n)
					}
				}
			}
			if post := m.Render(lang, tr); utf8.RuneCountInString(post) > awareness.PostMaxRunes {
				t.Errorf("%s (%s): post exceeds the Mattermost limit", m.Source, lang)
			}
		}
		// The Dutch and English versions should name the same numbers:
		// phone numbers and ambitions must not drift apart in translation.
		if nl, en := numbers(m.Body), numbers(m.BodyEN); !slices.Equal(nl, en) {
			t.Errorf("%s: numbers differ between Dutch %v and English %v", m.Source, nl, en)
		}
	}
	for _, th := range awareness.Themes {
		if themes[th] == 0 {
			t.Errorf("no message with theme %s", th)
		}
	}
}

// The length a reader sees: ambition 5.2's message is read between other
// work, so the Dutch body stays within 150-220 words; the English one says
// the same and may run a little longer.
const (
	minWords   = 150
	maxWordsNL = 220
	maxWordsEN = 250
)

func TestShippedMessageLength(t *testing.T) {
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range lib.All() {
		if n := readerWords(m.Body); n < minWords || n > maxWordsNL {
			t.Errorf("%s: the Dutch body has %d words, want %d-%d", m.Source, n, minWords, maxWordsNL)
		}
		if n := readerWords(m.BodyEN); n < minWords || n > maxWordsEN {
			t.Errorf("%s: the English body has %d words, want %d-%d", m.Source, n, minWords, maxWordsEN)
		}
	}
}

var (
	linkRe       = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	listMarkerRe = regexp.MustCompile(`(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+`)
)

// readerWords counts the words of a Markdown text as a reader counts them
// in the rendered post: a link counts as its text, and markers such as
// "**", "#", a list item's "-" or "1." or a dash standing alone are not
// words.
func readerWords(md string) int {
	md = linkRe.ReplaceAllString(md, "$1")
	md = listMarkerRe.ReplaceAllString(md, "")
	n := 0
	for _, f := range strings.Fields(md) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

func TestReaderWords(t *testing.T) {
	for md, want := range map[string]int{
		"": 0,
		"**Wat doe je?**\n- Bel 112 — of [meld het](https://example.org/a b) _nu_.": 9,
		"# Kop\n\n> citaat met `code`\n\n1. een\n* twee ---":                        6,
		"'s avonds, 0800-7000; e-mail":                                              4,
	} {
		if got := readerWords(md); got != want {
			t.Errorf("readerWords(%q) = %d, want %d", md, got, want)
		}
	}
}

var numberRe = regexp.MustCompile(`\d+(?:[.-]\d+)*`)

func numbers(s string) []string {
	n := numberRe.FindAllString(s, -1)
	slices.Sort(n)
	return n
}

func TestParse(t *testing.T) {
	src := "\uFEFF---\r\n# a comment line\r\nid: test-1\r\ntitle: \"Titel: met dubbele punt\"\r\n" +
		"title_en: Title   # trailing comment\r\nTheme: Integriteit\r\n\r\n---\r\n\r\nNederlands.\r\n\r\n---en---\r\nEnglish.\r\n"
	m, err := awareness.Parse("x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := awareness.Message{ID: "test-1", Title: "Titel: met dubbele punt", TitleEN: "Title",
		Theme: "integriteit", Body: "Nederlands.", BodyEN: "English.", Source: "x.md"}
	if m != want {
		t.Errorf("got %+v\nwant %+v", m, want)
	}

	m, err = awareness.Parse("dutch-only.md", []byte(file("alleen-nl", "Titel", "weerbaarheid", "Tekst.\n\n- punt")))
	if err != nil {
		t.Fatal(err)
	}
	if m.TitleEN != "" || m.BodyEN != "" || m.Body != "Tekst.\n\n- punt" {
		t.Errorf("Dutch-only message: %+v", m)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", awareness.MaxBodyRunes+1)
	cases := []struct{ name, src, want string }{
		{"no-front.md", "Just text", "no-front.md:1: a message starts with a front-matter block"},
		{"unclosed.md", "---\nid: a\ntitle: T\n", "unclosed.md: the front-matter block is not closed"},
		{"nokey.md", "---\nid a\n---\nx", "nokey.md:2: expected key: value"},
		{"unknown.md", "---\nauthor: me\n---\nx", `unknown.md:2: unknown key "author"`},
		{"dup.md", "---\nid: a\nid: b\n---\nx", `dup.md:3: key "id" appears twice`},
		{"noid.md", "---\ntitle: T\ntheme: integriteit\n---\nx", "noid.md: missing id"},
		{"badid.md", file("Drugs_Afval", "T", "integriteit", "x"), `badid.md: id "Drugs_Afval" is not a lower-case slug`},
		{"hyphens.md", file("a--b", "T", "integriteit", "x"), "is not a lower-case slug"},
		{"notitle.md", "---\nid: a\ntheme: integriteit\n---\nx", "notitle.md: missing title"},
		{"notheme.md", "---\nid: a\ntitle: T\n---\nx", "notheme.md: missing theme"},
		{"theme.md", file("a", "T", "veiligheid", "x"), `theme.md: unknown theme "veiligheid"`},
		{"empty.md", file("a", "T", "integriteit", "  \n\n"), "empty.md: empty Dutch body"},
		{"emptyen.md", file("a", "T", "integriteit", "x\n---en---\n\n"), "emptyen.md: empty English body"},
		{"notitleen.md", file("a", "T", "integriteit", "x\n---en---\ny"), "notitleen.md: an English body needs title_en"},
		{"titleen.md", "---\nid: a\ntitle: T\ntitle_en: E\ntheme: integriteit\n---\nx", "titleen.md: title_en without an English body"},
		{"twice.md", "---\nid: a\ntitle: T\ntitle_en: E\ntheme: integriteit\n---\nx\n---en---\ny\n---en---\nz", "twice.md:10: a second ---en--- line"},
		{"mention.md", file("a", "T", "integriteit", "Zeg het tegen @channel"), "mention.md: the Dutch body contains '@'"},
		{"mention-title.md", file("a", "Hoi @all", "integriteit", "x"), "the title contains '@'"},
		{"title.md", file("a", strings.Repeat("t", awareness.MaxTitleRunes+1), "integriteit", "x"), "more than 120"},
		{"long.md", file("a", "T", "integriteit", long), "long.md: the Dutch body has 15360 characters"},
		{"big.md", file("a", "T", "integriteit", strings.Repeat("x", awareness.MaxFileBytes)), "big.md: file is"},
		{"utf8.md", "---\nid: a\n---\n\xff", "utf8.md: file is not valid UTF-8"},
		{"nul.md", file("a", "T", "integriteit", "x\x00"), "nul.md: file contains a NUL byte"},
	}
	for _, c := range cases {
		_, err := awareness.Parse(c.name, []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestLoadExtraDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("01-drugsafval.md", file("drugsafval", "Drugsafval (versie Emmen)", "ondermijning", "Eigen tekst."))
	write("99-eigen.md", file("eigen", "Eigen bericht", "integriteit", "Nog een tekst."))
	write("README.md", "not a message")
	write("notes.txt", "not a message either")

	shipped, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := awareness.Load(messages.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	all := lib.All()
	if len(all) != len(shipped.All())+1 {
		t.Fatalf("got %d messages, want the %d shipped plus one", len(all), len(shipped.All()))
	}
	m, err := lib.Get(" DrugsAfval ")
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Drugsafval (versie Emmen)" || m.Source != filepath.Join(dir, "01-drugsafval.md") {
		t.Errorf("override not applied: %+v", m)
	}
	if all[0].ID != "drugsafval" || all[len(all)-1].ID != "eigen" {
		t.Errorf("order by file name: first %s, last %s", all[0].ID, all[len(all)-1].ID)
	}

	_, err = lib.Get("bestaat-niet")
	var e *ambitiebot.Error
	if !errors.As(err, &e) || e.Code != ambitiebot.ENOTFOUND {
		t.Fatalf("unknown id: %v", err)
	}
	if got := translator(t).Error("nl", err); !strings.Contains(got, "‘bestaat-niet’") ||
		!strings.Contains(got, " drugsafval, schuren, ") || !strings.HasSuffix(got, ", eigen.") {
		t.Errorf("unknown id renders as %q, want it named and every id listed in rotation order", got)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := awareness.Load(messages.FS, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing extra directory must be an error")
	}
	notDir := filepath.Join(t.TempDir(), "file.md")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := awareness.Load(messages.FS, notDir); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("an extra directory that is a file: %v", err)
	}
	dup := fstest.MapFS{
		"01-a.md": {Data: []byte(file("a", "A", "integriteit", "x"))},
		"02-a.md": {Data: []byte(file("a", "A2", "integriteit", "y"))},
	}
	if _, err := awareness.Load(dup, ""); err == nil || !strings.Contains(err.Error(), `02-a.md: id "a" is already used by 01-a.md`) {
		t.Errorf("duplicate ids: %v", err)
	}
	bad := fstest.MapFS{"01-a.md": {Data: []byte("no front matter")}}
	if _, err := awareness.Load(bad, ""); err == nil || !strings.HasPrefix(err.Error(), "01-a.md:1:") {
		t.Errorf("a bad file must be named: %v", err)
	}
	if _, err := awareness.Load(fstest.MapFS{"README.md": {Data: []byte("x")}}, ""); err == nil {
		t.Error("an empty library must be an error")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "map.md"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := awareness.Load(messages.FS, dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory named *.md: %v", err)
	}
}

// library builds a library from ids, in that file order.
func library(t *testing.T, ids ...string) *awareness.Library {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, id := range ids {
		fsys[id+".md"] = &fstest.MapFile{Data: []byte(file(id, strings.ToUpper(id), "ondermijning", "Tekst over "+id+"."))}
	}
	lib, err := awareness.Load(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// broadcast runs the rotation n times against lib, appending to posted the
// way the scheduler records it, and returns the run keys it used.
func broadcast(lib *awareness.Library, posted *[]string, n int) []string {
	var keys []string
	for range n {
		m, cycle := awareness.Next(lib, *posted)
		keys = append(keys, awareness.RunKey(m.ID, cycle))
		*posted = append(*posted, m.ID)
	}
	return keys
}

func TestRotationCycles(t *testing.T) {
	lib := library(t, "a", "b", "c")
	var posted []string
	got := broadcast(lib, &posted, 7)
	want := []string{"awareness:a:1", "awareness:b:1", "awareness:c:1",
		"awareness:a:2", "awareness:b:2", "awareness:c:2", "awareness:a:3"}
	if !slices.Equal(got, want) {
		t.Errorf("rotation %v\nwant     %v", got, want)
	}

	// A manual send out of order counts for its cycle: the rotation skips it.
	posted = []string{"a", "c"}
	if m, cycle := awareness.Next(lib, posted); m.ID != "b" || cycle != 1 {
		t.Errorf("after a, c: %s in cycle %d, want b in cycle 1", m.ID, cycle)
	}
	// Ids that are no longer in the library are ignored.
	posted = []string{"a", "gone", "b", "c", "gone"}
	if m, cycle := awareness.Next(lib, posted); m.ID != "a" || cycle != 2 {
		t.Errorf("with removed ids: %s in cycle %d, want a in cycle 2", m.ID, cycle)
	}
	if m, cycle := awareness.Next(&awareness.Library{}, posted); m.ID != "" || cycle != 0 {
		t.Errorf("empty library: %q in cycle %d", m.ID, cycle)
	}
}

func TestRotationMessagesAddedMidCycle(t *testing.T) {
	var posted []string
	keys := broadcast(library(t, "a", "c", "e"), &posted, 4) // a c e | a

	// b and d are added during cycle 2: they slot into it in file order,
	// and cycle 2 does not repeat a.
	grown := library(t, "a", "b", "c", "d", "e")
	keys = append(keys, broadcast(grown, &posted, 6)...)
	want := []string{"awareness:a:1", "awareness:c:1", "awareness:e:1", "awareness:a:2",
		"awareness:b:2", "awareness:c:2", "awareness:d:2", "awareness:e:2", "awareness:a:3", "awareness:b:3"}
	if !slices.Equal(keys, want) {
		t.Errorf("rotation %v\nwant     %v", keys, want)
	}
	// Every broadcast used a new run key, so none was swallowed by the
	// once-per-run-key rule of the outbox.
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("run key %s used twice", k)
		}
		seen[k] = true
	}

	// Messages added right after a cycle was completed, before the next
	// one started, join that cycle: they go out before anything repeats.
	posted = []string{"a", "c", "e"}
	if m, cycle := awareness.Next(grown, posted); m.ID != "b" || cycle != 1 {
		t.Errorf("after a completed smaller cycle: %s in cycle %d, want b in cycle 1", m.ID, cycle)
	}
}

func TestRunKey(t *testing.T) {
	if got := awareness.RunKey("drugsafval", 3); got != "awareness:drugsafval:3" {
		t.Errorf("RunKey = %q", got)
	}
	if id, ok := awareness.MessageID(awareness.RunKey("drugsafval", 3)); !ok || id != "drugsafval" {
		t.Errorf("MessageID(RunKey) = %q, %v", id, ok)
	}
	for _, key := range []string{"reminder:2027-01-18T09:00:00Z", "awareness:drugsafval", "awareness:drugsafval:x", "feed:1:2:3"} {
		if id, ok := awareness.MessageID(key); ok {
			t.Errorf("MessageID(%q) = %q, want no message", key, id)
		}
	}
}

func TestRender(t *testing.T) {
	tr := translator(t)
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := lib.Get("drugsafval")
	if err != nil {
		t.Fatal(err)
	}
	nl := m.Render("nl", tr)
	if !strings.HasPrefix(nl, "### Drugsafval in de sloot of het bos\n\n"+m.Body+"\n\n---\n*") ||
		!strings.Contains(nl, "provinciale werkgroep Drentse aanpak ondermijning, thema ondermijning") {
		t.Errorf("nl post:\n%s", nl)
	}
	en := m.Render("en-GB", tr)
	if !strings.HasPrefix(en, "### Drug waste in the ditch or the woods\n\n"+m.BodyEN+"\n\n---\n*") ||
		!strings.Contains(en, "provincial working group of the Drentse aanpak ondermijning, theme undermining crime") {
		t.Errorf("en post:\n%s", en)
	}
	if m.Render("", tr) != nl || m.Render("fr", tr) != nl {
		t.Error("unknown and empty locales must get the Dutch post")
	}

	// Without an English version the whole post, footer included, is Dutch.
	dutch, err := awareness.Parse("x.md", []byte(file("x", "Alleen Nederlands", "integriteit", "Tekst.")))
	if err != nil {
		t.Fatal(err)
	}
	if got := dutch.Render("en", tr); !strings.HasPrefix(got, "### Alleen Nederlands\n\nTekst.") ||
		!strings.Contains(got, "thema integriteit") {
		t.Errorf("Dutch fallback:\n%s", got)
	}

	// The largest message Parse accepts still fits in one post.
	title := strings.Repeat("ü", awareness.MaxTitleRunes)
	body := strings.Repeat("é", awareness.MaxBodyRunes)
	big, err := awareness.Parse("big.md", []byte("---\nid: big\ntitle: "+title+"\ntitle_en: "+title+
		"\ntheme: weerbaarheid\n---\n"+body+"\n---en---\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		if n := utf8.RuneCountInString(big.Render(lang, tr)); n > awareness.PostMaxRunes {
			t.Errorf("%s: largest post has %d runes", lang, n)
		}
	}
}
