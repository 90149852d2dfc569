// Package awareness loads the awareness posts of ambition 5.2 (the generic
// message on ondermijning, weerbaarheid or integriteit that the provincial
// working group shares with every organisation) and decides which one is
// broadcast next.
//
// Messages are Markdown files with a small front-matter block, described in
// messages/README.md. Load reads the shipped files plus an optional
// directory where project leaders add their own; a file there with a
// shipped id replaces that message.
//
// Rotation. Messages go out in file-name order, one per broadcast. A cycle
// is one pass over the library: Next returns the first message, in order,
// not yet posted in the current cycle, and once every message has been
// posted the next cycle starts. The current cycle is found by replaying
// the history of posted ids: completing the library ends a cycle, and so
// does an id that reappears (a message only repeats in a new cycle). Ids
// no longer in the library are ignored, and a message added later is not
// in the history, so it slots into the current cycle at its place in the
// order.
//
// Run keys. RunKey(id, cycle) is "awareness:<id>:<cycle>". Deliveries are
// unique per run key and target, so a scheduled send and a manual send of
// the same message in the same cycle share the key and reach each channel
// once; a rerun after failures delivers only what is missing. A manual send
// uses the cycle Next returns. The history passed to Next must therefore
// hold each run key once, in order of first use: resending under an
// existing key is not a new entry.
package awareness

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Themes of the agreement's ambition 5.2, in the order views list them.
const (
	ThemeOndermijning = "ondermijning"
	ThemeWeerbaarheid = "weerbaarheid"
	ThemeIntegriteit  = "integriteit"
)

// Themes lists every theme a message may have.
var Themes = []string{ThemeOndermijning, ThemeWeerbaarheid, ThemeIntegriteit}

// Limits on a message file.
const (
	// MaxFileBytes bounds a file, so a stray large file in the extra
	// directory is refused rather than read.
	MaxFileBytes = 64 << 10
	// PostMaxRunes is Mattermost's post limit (model.PostMessageMaxRunesV2;
	// only internal/mattermost may import that module).
	PostMaxRunes = 16383
	// MaxTitleRunes bounds a title, which becomes a one-line heading.
	MaxTitleRunes = 120
	// MaxBodyRunes leaves room in a post for the heading and the footer.
	MaxBodyRunes = PostMaxRunes - 1024
)

const englishMarker = "---en---"

// Message is one awareness post.
type Message struct {
	ID      string
	Title   string
	TitleEN string // empty when the message has no English version
	Theme   string
	Body    string // Markdown
	BodyEN  string
	Source  string // the file it came from: its name, or its path for extra files
}

// Parse reads one message file. name is used in errors and kept as Source.
// Errors name the file and, where there is one, the line.
func Parse(name string, data []byte) (Message, error) {
	if len(data) > MaxFileBytes {
		return Message{}, fmt.Errorf("%s: file is %d bytes, more than the %d allowed", name, len(data), MaxFileBytes)
	}
	if !utf8.Valid(data) {
		return Message{}, fmt.Errorf("%s: file is not valid UTF-8", name)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return Message{}, fmt.Errorf("%s: file contains a NUL byte", name)
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")

	if strings.TrimSpace(lines[0]) != "---" {
		return Message{}, fmt.Errorf("%s:1: a message starts with a front-matter block: a line ---", name)
	}
	fields := map[string]string{}
	end := 0
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "---" {
			end = i
			break
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return Message{}, fmt.Errorf("%s:%d: expected key: value, got %q", name, i+1, line)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if !knownKey(key) {
			return Message{}, fmt.Errorf("%s:%d: unknown key %q (known: id, title, title_en, theme)", name, i+1, key)
		}
		if _, dup := fields[key]; dup {
			return Message{}, fmt.Errorf("%s:%d: key %q appears twice", name, i+1, key)
		}
		fields[key] = cleanValue(value)
	}
	if end == 0 {
		return Message{}, fmt.Errorf("%s: the front-matter block is not closed with a line ---", name)
	}

	m := Message{
		ID:      fields["id"],
		Title:   fields["title"],
		TitleEN: fields["title_en"],
		Theme:   strings.ToLower(fields["theme"]),
		Source:  name,
	}
	var en []string
	nl := lines[end+1:]
	for i, line := range nl {
		if strings.TrimSpace(line) == englishMarker {
			nl, en = nl[:i], nl[i+1:]
			for j, rest := range en {
				if strings.TrimSpace(rest) == englishMarker {
					return Message{}, fmt.Errorf("%s:%d: a second %s line", name, end+i+j+3, englishMarker)
				}
			}
			break
		}
	}
	m.Body = strings.TrimSpace(strings.Join(nl, "\n"))
	m.BodyEN = strings.TrimSpace(strings.Join(en, "\n"))
	if err := m.validate(en != nil); err != nil {
		return Message{}, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func knownKey(key string) bool {
	switch key {
	case "id", "title", "title_en", "theme":
		return true
	}
	return false
}

// cleanValue drops a trailing " # comment", surrounding space and one pair
// of surrounding double quotes.
func cleanValue(v string) string {
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

func (m Message) validate(hasEnglish bool) error {
	switch {
	case m.ID == "":
		return fmt.Errorf("missing id")
	case !validID(m.ID):
		return fmt.Errorf("id %q is not a lower-case slug (a-z, 0-9 and single hyphens)", m.ID)
	case m.Title == "":
		return fmt.Errorf("missing title")
	case m.Theme == "":
		return fmt.Errorf("missing theme (want %s)", strings.Join(Themes, ", "))
	case !validTheme(m.Theme):
		return fmt.Errorf("unknown theme %q (want %s)", m.Theme, strings.Join(Themes, ", "))
	case m.Body == "":
		return fmt.Errorf("empty Dutch body")
	case hasEnglish && m.BodyEN == "":
		return fmt.Errorf("empty English body after %s", englishMarker)
	case hasEnglish && m.TitleEN == "":
		return fmt.Errorf("an English body needs title_en")
	case !hasEnglish && m.TitleEN != "":
		return fmt.Errorf("title_en without an English body (a %s line)", englishMarker)
	}
	for _, f := range []struct{ what, text string }{
		{"title", m.Title}, {"title_en", m.TitleEN}, {"Dutch body", m.Body}, {"English body", m.BodyEN},
	} {
		if strings.Contains(f.text, "@") {
			return fmt.Errorf("the %s contains '@': a broadcast must not mention anyone", f.what)
		}
	}
	for _, t := range []string{m.Title, m.TitleEN} {
		if n := utf8.RuneCountInString(t); n > MaxTitleRunes {
			return fmt.Errorf("title %q has %d characters, more than %d", t, n, MaxTitleRunes)
		}
	}
	for _, b := range []struct{ what, text string }{{"Dutch", m.Body}, {"English", m.BodyEN}} {
		if n := utf8.RuneCountInString(b.text); n > MaxBodyRunes {
			return fmt.Errorf("the %s body has %d characters, more than the %d that fit in a Mattermost post", b.what, n, MaxBodyRunes)
		}
	}
	return nil
}

func validID(id string) bool {
	if len(id) > 64 || id[0] == '-' || id[len(id)-1] == '-' || strings.Contains(id, "--") {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func validTheme(t string) bool {
	for _, th := range Themes {
		if t == th {
			return true
		}
	}
	return false
}

// Library is the set of messages in rotation order.
type Library struct {
	msgs []Message
	byID map[string]int
}

// Load reads every *.md file (except README.md) of embedded, then of
// extraDir when it is not empty. Ids must be unique within each source; an
// extra file with a shipped id replaces that message. Messages are ordered
// by file name (the base name, for extra files).
func Load(embedded fs.FS, extraDir string) (*Library, error) {
	shipped, err := readAll(embedded, "")
	if err != nil {
		return nil, err
	}
	byID := map[string]Message{}
	for _, m := range shipped {
		byID[m.ID] = m
	}
	if extraDir != "" {
		// fs.Glob hides a missing directory; a configured one must exist.
		if st, err := os.Stat(extraDir); err != nil {
			return nil, fmt.Errorf("awareness: extra messages directory: %w", err)
		} else if !st.IsDir() {
			return nil, fmt.Errorf("awareness: extra messages directory %s is not a directory", extraDir)
		}
		extra, err := readAll(os.DirFS(extraDir), extraDir)
		if err != nil {
			return nil, err
		}
		for _, m := range extra {
			byID[m.ID] = m
		}
	}
	if len(byID) == 0 {
		return nil, fmt.Errorf("awareness: no messages found")
	}
	lib := &Library{byID: map[string]int{}}
	for _, m := range byID {
		lib.msgs = append(lib.msgs, m)
	}
	sort.Slice(lib.msgs, func(i, j int) bool {
		a, b := filepath.Base(lib.msgs[i].Source), filepath.Base(lib.msgs[j].Source)
		if a != b {
			return a < b
		}
		return lib.msgs[i].ID < lib.msgs[j].ID
	})
	for i, m := range lib.msgs {
		lib.byID[m.ID] = i
	}
	return lib, nil
}

// readAll parses the message files of fsys; dir, when set, prefixes the
// names so that errors and Source point at the real file.
func readAll(fsys fs.FS, dir string) ([]Message, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, err
	}
	var out []Message
	seen := map[string]string{}
	for _, n := range names {
		if strings.EqualFold(n, "README.md") {
			continue
		}
		name := n
		if dir != "" {
			name = filepath.Join(dir, n)
		}
		data, err := readLimited(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[m.ID]; dup {
			return nil, fmt.Errorf("%s: id %q is already used by %s", name, m.ID, prev)
		}
		seen[m.ID] = name
		out = append(out, m)
	}
	return out, nil
}

// readLimited reads at most one byte more than a message may have, so that
// Parse reports an oversize file without it being read whole.
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}

// All returns the messages in rotation order.
func (l *Library) All() []Message {
	return append([]Message(nil), l.msgs...)
}

// Get returns the message with id (case and surrounding space ignored).
// Errors: ENOTFOUND, whose sentence lists the ids there are.
func (l *Library) Get(id string) (Message, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	i, ok := l.byID[id]
	if !ok {
		known := make([]string, len(l.msgs))
		for i, m := range l.msgs {
			known[i] = m.ID
		}
		return Message{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "AwarenessErrUnknownMessage",
			map[string]any{"ID": id, "Known": strings.Join(known, ", ")})
	}
	return l.msgs[i], nil
}

// Next returns the message to broadcast after the posted ids (oldest
// first) and the cycle it belongs to, counting from 1. See the package
// comment for how the cycle is found. Only an empty library yields the
// zero Message and cycle 0.
func Next(lib *Library, posted []string) (Message, int) {
	cycle := 1
	seen := map[string]bool{}
	for _, id := range posted {
		if _, ok := lib.byID[id]; !ok {
			continue
		}
		if seen[id] {
			cycle++
			clear(seen)
		}
		seen[id] = true
		if len(seen) == len(lib.msgs) {
			cycle++
			clear(seen)
		}
	}
	for _, m := range lib.msgs {
		if !seen[m.ID] {
			return m, cycle
		}
	}
	return Message{}, 0
}

// RunKey is the delivery run key of message id in cycle: shared by the
// scheduled and any manual send, so each channel gets it once per cycle.
func RunKey(id string, cycle int) string {
	return "awareness:" + id + ":" + strconv.Itoa(cycle)
}

// MessageID reads the message id back out of a run key made by RunKey;
// ok is false for any other key.
func MessageID(runKey string) (id string, ok bool) {
	parts := strings.Split(runKey, ":")
	if len(parts) != 3 || parts[0] != "awareness" {
		return "", false
	}
	if _, err := strconv.Atoi(parts[2]); err != nil {
		return "", false
	}
	return parts[1], true
}

// LocalTitle is the title in lang, Dutch when there is no English version.
func (m Message) LocalTitle(lang string) string {
	if i18n.Lang(lang) == "en" && m.BodyEN != "" {
		return m.TitleEN
	}
	return m.Title
}

// Render returns the post text in lang: the title as a heading, the body
// and the standard footer, which refers the reader to their own
// organisation. English needs an English version; without one the whole
// post, footer included, is Dutch.
func (m Message) Render(lang string, tr *i18n.Translator) string {
	return m.RenderFor(lang, "", tr)
}

// RenderFor is Render with a footer that names org, the organisation whose
// staff read it; with org empty it is Render.
func (m Message) RenderFor(lang, org string, tr *i18n.Translator) string {
	p := m.parts(lang, org, tr)
	return "### " + p.title + "\n\n" + p.body + "\n\n---\n*" + p.footer + "*"
}

// parts is a rendered message before it is put together: its language,
// title, Markdown body and footer.
type parts struct{ lang, title, body, footer string }

func (m Message) parts(lang, org string, tr *i18n.Translator) parts {
	title, body := m.Title, m.Body
	if i18n.Lang(lang) == "en" && m.BodyEN != "" {
		title, body, lang = m.TitleEN, m.BodyEN, "en"
	} else {
		lang = "nl"
	}
	theme := tr.T(lang, "AwarenessTheme_"+m.Theme, nil)
	id := "AwarenessFooter"
	if org != "" {
		id = "AwarenessFooterOrg"
	}
	footer := tr.T(lang, id, map[string]any{"Theme": theme, "Org": org})
	return parts{lang: lang, title: title, body: body, footer: footer}
}
