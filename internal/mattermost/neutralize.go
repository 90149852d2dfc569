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
// inserts a zero-width space after the '@' of every word Mattermost would
// take as such a mention and leaves all other text, including ordinary
// @user mentions, unchanged.
//
// Mattermost finds mentions in the Markdown text nodes of a post, after
// backslash escapes and character references ("&#64;") are decoded, by
// splitting words as StandardMentionParser.ProcessText does. Neutralize
// decodes the same way but ignores Markdown structure, so it may also touch
// a mention inside a code span, which Mattermost would not notify.
func Neutralize(text string) string {
	if !strings.ContainsAny(text, "@&") {
		return text
	}
	units := decode(text)
	var after []int // source offsets that get a zero-width space
	start := -1
	for i := 0; i <= len(units); i++ {
		if i < len(units) && isWordRune(units[i].r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			for _, at := range mentionsInWord(units[start:i]) {
				after = append(after, units[start+at].end)
			}
			start = -1
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

// unit is one decoded rune and the span of text it came from: a rune, an
// escape like `\@` or a character reference like "&#64;".
type unit struct {
	r          rune
	start, end int
}

// decode reads text the way Mattermost's Markdown parser builds text nodes.
func decode(text string) []unit {
	units := make([]unit, 0, len(text))
	for i := 0; i < len(text); {
		switch {
		case text[i] == '\\' && i+1 < len(text) && isEscapable(text[i+1]):
			units = append(units, unit{rune(text[i+1]), i, i + 2})
			i += 2
			continue
		case text[i] == '&':
			if semi := strings.IndexByte(text[i+1:], ';'); semi >= 0 {
				if s := markdown.CharacterReference(text[i+1 : i+1+semi]); s != "" {
					end := i + semi + 2
					for _, r := range s {
						units = append(units, unit{r, i, end})
					}
					i = end
					continue
				}
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		units = append(units, unit{r, i, i + size})
		i += size
	}
	return units
}

// isEscapable mirrors CommonMark's set of backslash-escapable characters:
// ASCII punctuation.
func isEscapable(c byte) bool {
	return c > ' ' && c <= '~' && !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
}

// isWordRune reports whether Mattermost keeps r inside a word when it
// splits text for mentions.
func isWordRune(r rune) bool {
	return r == ':' || r == '.' || r == '-' || r == '_' || r == '@' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// mentionsInWord returns the index of the '@' of every channel-wide mention
// that Mattermost finds in one word, following ProcessText step by step.
func mentionsInWord(word []unit) []int {
	if word[0].r == ':' && word[len(word)-1].r == ':' {
		return nil // an emoji like :smile:
	}
	lead := 0
	for lead < len(word) && strings.ContainsRune(":.-_", word[lead].r) {
		lead++
	}
	w := word[lead:]
	for end := len(w); ; end-- {
		if isChannelWide(w[:end]) {
			return []int{lead}
		}
		// Trailing sentence punctuation is dropped one rune at a time.
		if end == 0 || !strings.ContainsRune(".-:_", w[end-1].r) {
			break
		}
	}
	if len(w) > 0 && w[0].r == '@' {
		return nil // someone's @name, possibly with dots or dashes
	}
	var found []int
	piece := 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && !strings.ContainsRune(".-:", w[i].r) {
			continue
		}
		if isChannelWide(w[piece:i]) {
			found = append(found, lead+piece)
		}
		piece = i + 1
	}
	return found
}

func isChannelWide(w []unit) bool {
	if len(w) < len("@all") || len(w) > len("@channel") || w[0].r != '@' {
		return false
	}
	rs := make([]rune, len(w))
	for i, u := range w {
		rs[i] = u.r
	}
	return channelWideMentions[strings.ToLower(string(rs))]
}
