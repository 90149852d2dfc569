package report

import (
	"strings"
	"unicode"
)

// markdownSpecial are the characters that can start Markdown syntax inside
// a line: tables (|), code (`), emphasis (* _ ~), links and images ([ ]),
// HTML and quotes (< >), headings (#) and the escape itself (\).
const markdownSpecial = "\\|`*_~[]<>#"

// EscapeCell makes user text (a toelichting, a name) safe to put in a
// Markdown table cell or a single line of a chat message: line breaks and
// other control characters become spaces, so the text cannot end the row
// or start a heading, list or code block, and Markdown punctuation is
// backslash-escaped so it renders literally. Mentions are not touched;
// neutralising them is the chat layer's job.
func EscapeCell(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s))
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		switch {
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
		case i == 0 && (r == '-' || r == '+' || r == '=' || r == '!'):
			// A list item, a setext underline or an image at line start.
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	// "1. text" at line start would become an ordered list.
	if j := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); j > 0 &&
		(out[j] == '.' || out[j] == ')') && (j+1 == len(out) || out[j+1] == ' ') {
		out = out[:j] + "\\" + out[j:]
	}
	return out
}
