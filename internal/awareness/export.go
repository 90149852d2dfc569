package awareness

import (
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Format is a form in which a message is exported, ready to paste into an
// intranet page or a newsletter.
type Format string

const (
	FormatMarkdown Format = "md"   // the post as the bot posts it
	FormatHTML     Format = "html" // a complete small HTML document
	FormatText     Format = "txt"  // plain text, without Markdown
)

// ParseFormat reads a format name as the command line gives it.
func ParseFormat(s string) (Format, bool) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatMarkdown, FormatHTML, FormatText:
		return f, true
	}
	return "", false
}

// Export renders the message in lang with a footer that names org (the
// generic footer when org is empty) in format f. Every character of the
// message and the organisation's name is escaped in HTML.
func (m Message) Export(f Format, lang, org string, tr *i18n.Translator) []byte {
	p := m.parts(lang, org, tr)
	switch f {
	case FormatHTML:
		return []byte(exportHTML(p))
	case FormatText:
		return []byte(p.title + "\n\n" + plainBlocks(p.body) + "\n\n" + strings.Repeat("—", 20) + "\n" + plainInline(p.footer) + "\n")
	}
	return []byte(m.RenderFor(lang, org, tr) + "\n")
}

func exportHTML(p parts) string {
	title := html.EscapeString(p.title)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"" + p.lang + "\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<title>" + title + "</title>\n</head>\n<body>\n<article>\n")
	b.WriteString("<h1>" + title + "</h1>\n")
	b.WriteString(htmlBlocks(p.body))
	b.WriteString("<hr>\n<footer><p><em>" + htmlInline(p.footer) + "</em></p></footer>\n")
	b.WriteString("</article>\n</body>\n</html>\n")
	return b.String()
}

// A block of a message body: the Markdown the shipped messages use
// (paragraphs, headings, bullet and numbered lists, rules).
type block struct {
	kind  string   // "p", "h", "ul", "ol", "hr"
	lines []string // a paragraph's lines, a heading's text, a list's items
}

var (
	headingLine = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	bulletLine  = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	numberLine  = regexp.MustCompile(`^\s*\d{1,9}[.)]\s+(.*)$`)
	ruleLine    = regexp.MustCompile(`^\s*([-*_])(\s*[-*_]){2,}\s*$`)
)

// blocks splits a Markdown body into blocks. A list item's continuation
// lines join the item; a line that starts a list or a heading ends a
// paragraph, as Mattermost renders it.
func blocks(body string) []block {
	var out []block
	var cur *block
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case ruleLine.MatchString(trimmed) && !strings.HasPrefix(trimmed, "* ") && !strings.HasPrefix(trimmed, "- "):
			flush()
			out = append(out, block{kind: "hr"})
		case headingLine.MatchString(trimmed):
			flush()
			out = append(out, block{kind: "h", lines: []string{headingLine.FindStringSubmatch(trimmed)[1]}})
		case bulletLine.MatchString(line) || numberLine.MatchString(line):
			kind, re := "ul", bulletLine
			if !bulletLine.MatchString(line) {
				kind, re = "ol", numberLine
			}
			if cur == nil || cur.kind != kind {
				flush()
				cur = &block{kind: kind}
			}
			cur.lines = append(cur.lines, strings.TrimSpace(re.FindStringSubmatch(line)[1]))
		case cur != nil && (cur.kind == "ul" || cur.kind == "ol"):
			cur.lines[len(cur.lines)-1] += " " + trimmed
		default:
			if cur == nil {
				cur = &block{kind: "p"}
			}
			cur.lines = append(cur.lines, trimmed)
		}
	}
	flush()
	return out
}

func htmlBlocks(body string) string {
	var b strings.Builder
	for _, bl := range blocks(body) {
		switch bl.kind {
		case "hr":
			b.WriteString("<hr>\n")
		case "h":
			b.WriteString("<h2>" + htmlInline(bl.lines[0]) + "</h2>\n")
		case "ul", "ol":
			b.WriteString("<" + bl.kind + ">\n")
			for _, item := range bl.lines {
				b.WriteString("<li>" + htmlInline(item) + "</li>\n")
			}
			b.WriteString("</" + bl.kind + ">\n")
		default:
			lines := make([]string, len(bl.lines))
			for i, l := range bl.lines {
				lines[i] = htmlInline(l)
			}
			b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
		}
	}
	return b.String()
}

func plainBlocks(body string) string {
	var parts []string
	for _, bl := range blocks(body) {
		switch bl.kind {
		case "hr":
			parts = append(parts, strings.Repeat("—", 20))
		case "ul", "ol":
			items := make([]string, len(bl.lines))
			for i, item := range bl.lines {
				mark := "•"
				if bl.kind == "ol" {
					mark = strconv.Itoa(i+1) + "."
				}
				items[i] = mark + " " + plainInline(item)
			}
			parts = append(parts, strings.Join(items, "\n"))
		default:
			lines := make([]string, len(bl.lines))
			for i, l := range bl.lines {
				lines[i] = plainInline(l)
			}
			parts = append(parts, strings.Join(lines, "\n"))
		}
	}
	return strings.Join(parts, "\n\n")
}

// inlineSpan finds the inline Markdown the messages use: strong, code,
// links (web and mail addresses only) and emphasis. Group 1/2 strong,
// 3 code, 4/5 link text and address, 6/7 emphasis.
var inlineSpan = regexp.MustCompile("\\*\\*(\\S(?:.*?\\S)?)\\*\\*|__(\\S(?:.*?\\S)?)__|`([^`]+)`|" +
	`\[([^\]]+)\]\(((?:https?://|mailto:)[^)\s]+)\)|` +
	`\*([^*\s](?:[^*]*[^*\s])?)\*|\b_([^_\s](?:[^_]*[^_\s])?)_\b`)

// inline renders s by turning each span into text with wrap and escaping
// the rest with esc.
func inline(s string, esc func(string) string, wrap func(kind, inner, url string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineSpan.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(esc(s[last:m[0]]))
		group := func(i int) string { return s[m[2*i]:m[2*i+1]] }
		has := func(i int) bool { return m[2*i] >= 0 }
		switch {
		case has(1):
			b.WriteString(wrap("strong", inline(group(1), esc, wrap), ""))
		case has(2):
			b.WriteString(wrap("strong", inline(group(2), esc, wrap), ""))
		case has(3):
			b.WriteString(wrap("code", esc(group(3)), ""))
		case has(4):
			b.WriteString(wrap("a", inline(group(4), esc, wrap), group(5)))
		case has(6):
			b.WriteString(wrap("em", inline(group(6), esc, wrap), ""))
		case has(7):
			b.WriteString(wrap("em", inline(group(7), esc, wrap), ""))
		}
		last = m[1]
	}
	b.WriteString(esc(s[last:]))
	return b.String()
}

func htmlInline(s string) string {
	return inline(s, html.EscapeString, func(kind, inner, url string) string {
		if kind == "a" {
			return `<a href="` + html.EscapeString(url) + `">` + inner + "</a>"
		}
		return "<" + kind + ">" + inner + "</" + kind + ">"
	})
}

func plainInline(s string) string {
	return inline(s, func(s string) string { return s }, func(kind, inner, url string) string {
		if kind == "a" && strings.TrimPrefix(url, "mailto:") != inner {
			return inner + " (" + strings.TrimPrefix(url, "mailto:") + ")"
		}
		return inner
	})
}
