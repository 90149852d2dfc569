package mattermost

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/shared/markdown"
)

// zeroWidthSpace splits "@channel" into "@" and "channel" for Mattermost's
// word splitter while rendering the same.
const zeroWidthSpace = "\u200b"

// Neutralize makes every mention in text inert: @channel, @all and @here,
// and @username and @group as well, so that echoing a user's text cannot
// make the bot notify anyone. It inserts a zero-width space after each
// '@' that a letter or digit follows and leaves all other text unchanged.
//
// Mattermost looks for mentions in the text nodes of a post's Markdown,
// after decoding backslash escapes and character references ("&#64;"),
// and splits them into words as StandardMentionParser.ProcessText does;
// a word, or a part of it between '.', '-' and ':', that starts with '@'
// is looked up as a user or group. What comes before the '@' cannot be
// trusted to glue it to a harmless word, because escapes, emoji, links
// and autolinks all end a text node (see `x\@all_` or `:smile:@all_`).
// Neutralize therefore treats every '@' before a name as a mention. That
// also touches a few texts that are no mention, such as mail@example.nl,
// which render the same.
func Neutralize(text string) string {
	if !strings.ContainsAny(text, "@&") {
		return text
	}
	units := decode(text)
	var after []int // source offsets that get a zero-width space
	for i, u := range units {
		if u.r == '@' && i+1 < len(units) && startsName(units[i+1].r) {
			after = append(after, u.end)
		}
	}
	if len(after) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(after)*len(zeroWidthSpace))
	prev := 0
	for _, off := range after {
		b.WriteString(text[prev:off])
		b.WriteString(zeroWidthSpace)
		prev = off
	}
	b.WriteString(text[prev:])
	return b.String()
}

// startsName reports whether r, after an '@', can begin a mention: the
// characters Mattermost keeps in a word other than the separators it
// trims or splits at.
func startsName(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// unit is one decoded rune and the span of text it came from: a rune, an
// escape like `\@` or a character reference like "&#64;".
type unit struct {
	r   rune
	end int  // offset just after the source of r
	ref bool // r came from a character reference
}

// decode reads text the way Mattermost's Markdown parser builds text nodes.
func decode(text string) []unit {
	units := make([]unit, 0, len(text))
	for i := 0; i < len(text); {
		switch {
		case text[i] == '\\' && i+1 < len(text) && isEscapable(text[i+1]):
			units = append(units, unit{r: rune(text[i+1]), end: i + 2})
			i += 2
			continue
		case text[i] == '&':
			if semi := strings.IndexByte(text[i+1:], ';'); semi >= 0 {
				if s := markdown.CharacterReference(text[i+1 : i+1+semi]); s != "" {
					end := i + semi + 2
					for _, r := range s {
						units = append(units, unit{r: r, end: end, ref: true})
					}
					i = end
					continue
				}
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		units = append(units, unit{r: r, end: i + size})
		i += size
	}
	return units
}

// isEscapable mirrors CommonMark's set of backslash-escapable characters:
// ASCII punctuation.
func isEscapable(c byte) bool {
	return c > ' ' && c <= '~' && !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
}
