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

var channelWideMentions = map[string]bool{"@channel": true, "@all": true, "@here": true}

// Neutralize makes @channel, @all and @here (any case) in text inert, so that
// echoing a user's text cannot make the bot notify a whole channel. It
// inserts a zero-width space after the '@' and leaves all other text
// unchanged, including @user mentions such as @allison.
//
// Mattermost looks for mentions in the text nodes of a post's Markdown,
// after decoding backslash escapes and character references ("&#64;"),
// and splits them into words as StandardMentionParser.ProcessText does.
// Escapes, emoji, links and autolinks all end a text node, so what comes
// before the '@' cannot be trusted to glue it to a harmless word (see
// `x\@all_` or `:smile:@all_`). Neutralize therefore treats every '@'
// followed by a keyword as a mention unless a letter or digit continues
// the keyword in the same text node. That also touches a few texts that
// are no mention, such as mail@all.nl or a user @all.team.
func Neutralize(text string) string {
	if !strings.ContainsAny(text, "@&") {
		return text
	}
	units := decode(text)
	var after []int // source offsets that get a zero-width space
	for i, u := range units {
		if u.r == '@' && startsMention(units[i+1:]) {
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

// startsMention reports whether rest, what follows an '@', begins with a
// channel-wide keyword that ends a word.
func startsMention(rest []unit) bool {
	for kw := range channelWideMentions {
		n := len(kw) - 1 // runes after the '@'; the keywords are ASCII
		if len(rest) < n || !strings.EqualFold(runes(rest[:n]), kw[1:]) {
			continue
		}
		// A character reference ends its text node, so the word ends too.
		if len(rest) == n || rest[n-1].ref || !unicode.IsLetter(rest[n].r) && !unicode.IsNumber(rest[n].r) {
			return true
		}
	}
	return false
}

func runes(us []unit) string {
	rs := make([]rune, len(us))
	for i, u := range us {
		rs[i] = u.r
	}
	return string(rs)
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
