package awareness_test

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the FuzzParse seeds of the shipped messages")

const corpusDir = "testdata/fuzz/FuzzParse"

// FuzzParse checks that Parse never panics and returns either an error or a
// message that keeps every promise of the format. Its committed corpus holds
// every shipped message, so it also runs them as an ordinary test.
func FuzzParse(f *testing.F) {
	f.Add("edge.md", []byte("---\n---\n"))
	f.Add("edge.md", []byte("---"))
	f.Add("edge.md", []byte(""))
	f.Add("edge.md", []byte("---\nid: a\ntitle: \"\"\ntheme: integriteit\n---\nx\n---en---\n"))
	f.Add("edge.md", []byte("---\r\nid: a-1\r\ntitle: T # c\r\ntheme: \"weerbaarheid\"\r\n---\r\nx\r"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		m, err := awareness.Parse(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+":") {
				t.Errorf("error %q does not start with the file name", err)
			}
			return
		}
		checkMessage(t, name, data, m)
	})
}

// checkMessage is the oracle for an accepted message, written from the
// format's description rather than from Parse's code.
func checkMessage(t *testing.T, name string, data []byte, m awareness.Message) {
	t.Helper()
	if len(data) > awareness.MaxFileBytes || !utf8.Valid(data) || slices.Contains(data, 0) {
		t.Errorf("accepted an oversize, non-UTF-8 or NUL-containing file")
	}
	if m.Source != name {
		t.Errorf("Source %q, want %q", m.Source, name)
	}
	if m.ID == "" || strings.Trim(m.ID, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
		strings.HasPrefix(m.ID, "-") || strings.HasSuffix(m.ID, "-") || strings.Contains(m.ID, "--") {
		t.Errorf("id %q is not a lower-case slug", m.ID)
	}
	if !slices.Contains(awareness.Themes, m.Theme) {
		t.Errorf("theme %q", m.Theme)
	}
	if m.Title == "" || m.Body == "" {
		t.Errorf("empty title or body: %+v", m)
	}
	if (m.TitleEN == "") != (m.BodyEN == "") {
		t.Errorf("English title and body must go together: %q / %q", m.TitleEN, m.BodyEN)
	}
	for _, s := range []string{m.Title, m.TitleEN, m.Body, m.BodyEN} {
		if strings.Contains(s, "@") {
			t.Errorf("accepted a mention: %q", s)
		}
		if s != strings.TrimSpace(s) {
			t.Errorf("untrimmed text %q", s)
		}
		if strings.Contains(s, "\r") {
			t.Errorf("carriage return kept in %q", s)
		}
	}
	for _, s := range []string{m.Title, m.TitleEN} {
		if strings.Contains(s, "\n") || utf8.RuneCountInString(s) > awareness.MaxTitleRunes {
			t.Errorf("title %q spans lines or is too long", s)
		}
	}
	for _, s := range []string{m.Body, m.BodyEN} {
		if utf8.RuneCountInString(s) > awareness.MaxBodyRunes {
			t.Errorf("body of %d runes accepted", utf8.RuneCountInString(s))
		}
	}
}

// The committed corpus must hold every shipped message byte for byte, so
// that the fuzz target's ordinary run covers them. With -update-corpus it
// rewrites those seeds instead.
func TestFuzzCorpus(t *testing.T) {
	files, err := fs.Glob(messages.FS, "*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if name == "README.md" {
			continue
		}
		data, err := fs.ReadFile(messages.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		seed := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\n", name, data)
		path := filepath.Join(corpusDir, "shipped-"+strings.TrimSuffix(name, ".md"))
		if *updateCorpus {
			if err := os.MkdirAll(corpusDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(seed), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != seed {
			t.Errorf("%s is missing or stale; run go test ./internal/awareness -run TestFuzzCorpus -update-corpus", path)
		}
	}
}
