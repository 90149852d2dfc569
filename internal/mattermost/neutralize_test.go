package mattermost

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/shared/markdown"
)

// channelWideMentions notify a whole channel.
var channelWideMentions = map[string]bool{"@channel": true, "@all": true, "@here": true}

// serverMentions is the test oracle: the mentions Mattermost's
// notification code could find in a post's message, whatever users and
// groups exist. Like getExplicitMentions it
// walks the Markdown text nodes, joining adjacent ones, and hands each run
// to wordMentions. The message first makes the trip through JSON that every
// post makes, which replaces invalid UTF-8 (on which the Markdown parser
// can panic).
func serverMentions(message string) []string {
	wire, err := json.Marshal(message)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(wire, &message); err != nil {
		panic(err)
	}
	var found []string
	buf := ""
	markdown.Inspect(message, func(node any) bool {
		text, ok := node.(*markdown.Text)
		if !ok {
			if buf != "" {
				found = append(found, wordMentions(buf)...)
			}
			buf = ""
			return true
		}
		buf += text.Text
		return false
	})
	if buf != "" {
		found = append(found, wordMentions(buf)...)
	}
	return found
}

// wordMentions transcribes StandardMentionParser.ProcessText with the
// channel-wide keywords, as Mattermost has them when channel mentions are
// allowed, and every "@name" as the mention of a user or group, since
// anyone can pick a username.
func wordMentions(text string) []string {
	var found []string
	check := func(word string) bool {
		if channelWideMentions[strings.ToLower(word)] || isNameMention(word) {
			found = append(found, word)
			return true
		}
		return false
	}
	for _, word := range strings.FieldsFunc(text, func(c rune) bool {
		return !(c == ':' || c == '.' || c == '-' || c == '_' || c == '@' || unicode.IsLetter(c) || unicode.IsNumber(c))
	}) {
		if word[0] == ':' && word[len(word)-1] == ':' {
			continue
		}
		word = strings.TrimLeft(word, ":.-_")
		if check(word) {
			continue
		}
		foundWithoutSuffix := false
		w := word
		for w != "" && strings.LastIndexAny(w, ".-:_") == len(w)-1 {
			w = w[:len(w)-1]
			if check(w) {
				foundWithoutSuffix = true
				break
			}
		}
		if foundWithoutSuffix {
			continue
		}
		if !channelWideMentions[word] && strings.HasPrefix(word, "@") {
			continue
		} else if strings.ContainsAny(word, ".-:") {
			for _, split := range strings.FieldsFunc(word, func(c rune) bool { return c == '.' || c == '-' || c == ':' }) {
				check(split)
			}
		}
	}
	return found
}

// isNameMention reports whether word is '@' and a name: a username or a
// group name starts with a letter or a digit.
func isNameMention(word string) bool {
	rest, ok := strings.CutPrefix(word, "@")
	if !ok || rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

func TestNeutralize(t *testing.T) {
	zw := zeroWidthSpace
	tests := []struct{ in, want string }{
		{"", ""},
		{"gereed, zie @jan en @allison, @channels, @hereford", "gereed, zie @" + zw + "jan en @" + zw + "allison, @" + zw + "channels, @" + zw + "hereford"},
		{"@team-vergunningen en @Piet.Jan", "@" + zw + "team-vergunningen en @" + zw + "Piet.Jan"},
		{"mail@emmen.nl", "mail@" + zw + "emmen.nl"},
		{"@ los, @. en @_x", "@ los, @. en @_x"},
		{"@1jan", "@" + zw + "1jan"},
		{"@channel", "@" + zw + "channel"},
		{"hoi @ALL en @Here!", "hoi @" + zw + "ALL en @" + zw + "Here!"},
		{"(@channel)", "(@" + zw + "channel)"},
		{"einde @here.", "einde @" + zw + "here."},
		{"__@all__", "__@" + zw + "all__"},
		{"zie x.@channel.y", "zie x.@" + zw + "channel.y"},
		{`x\@all_`, `x\@` + zw + "all_"},
		{":smile:@all_", ":smile:@" + zw + "all_"},
		{"@all.team kan een gebruiker zijn", "@" + zw + "all.team kan een gebruiker zijn"},
		{"&#64;channel", "&#64;" + zw + "channel"},
		{"@&#99;hannel", "@" + zw + "&#99;hannel"},
		{"@al&#108;x", "@" + zw + "al&#108;x"},
		{"@al&#108;&#120;", "@" + zw + "al&#108;&#120;"},
		{"@all&#120;", "@" + zw + "all&#120;"},
		{"&commat;here", "&commat;" + zw + "here"},
		{"@" + zw + "channel", "@" + zw + "channel"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// beforeName reports whether an '@' in s has a letter or digit after it.
func beforeName(s string) bool {
	for i := strings.IndexByte(s, '@'); i >= 0; i = strings.IndexByte(s, '@') {
		s = s[i+1:]
		if r, _ := utf8.DecodeRuneInString(s); unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{
		"@channel", "Hoi @all!", "**@Here**", "x.@channel.y", "@channel.team",
		"a_@all", "_@here_", `y.\@channel.x`, "&#64;all", "@&#x63;hannel",
		"`@channel`", "[@here](https://example.org)", "@jan @piet-jan", ":@all:", "x.@jan.y", "@team-a", "&#64;piet", "mail@emmen.nl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Neutralize(in)
		if m := serverMentions(out); len(m) > 0 {
			t.Fatalf("Neutralize(%q) = %q: Mattermost still finds %q", in, out, m)
		}
		if again := Neutralize(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		if strings.ReplaceAll(out, zeroWidthSpace, "") != strings.ReplaceAll(in, zeroWidthSpace, "") {
			t.Fatalf("Neutralize(%q) = %q changed more than zero-width spaces", in, out)
		}
		// Without escapes or character references the words Mattermost
		// splits come from the literal text.
		if !strings.ContainsAny(in, `\&`) {
			if m := wordMentions(out); len(m) > 0 {
				t.Fatalf("Neutralize(%q) = %q: words still mention %q", in, out, m)
			}
			if !beforeName(in) && out != in {
				t.Fatalf("Neutralize(%q) = %q, want it unchanged", in, out)
			}
		}
	})
}
