package workgroup

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// MaxTextBytes caps what the parser looks at; Mattermost itself allows far
// longer commands, but nothing the bot understands needs more.
const MaxTextBytes = 4096

// Kind says what a command asks for.
type Kind int

const (
	KindHelp        Kind = iota + 1
	KindShow             // /ambitie 3.2
	KindSet              // /ambitie [org] 3.2 gereed [toelichting]
	KindMine             // /ambitie mijn
	KindOverview         // /ambitie overzicht [org | thema N | delen]
	KindHistory          // /ambitie historie 3.2 [org]
	KindLink             // /ambitie koppel @user org [org…]
	KindMeeting          // /ambitie vergadering
	KindMessage          // /ambitie bericht [id]
	KindSendMessage      // /ambitie bericht verstuur [id]
	KindReport           // /ambitie rapport [sinds DATE]
	KindEdit             // /ambitie bijwerken [org]
	KindConfirm          // /ambitie [org] 3.2 bevestig
	KindUnlink           // /ambitie ontkoppel @user [org…]
	KindMessageText      // /ambitie bericht tekst [<org>] [id]
)

// Command is a parsed /ambitie command.
type Command struct {
	Kind       Kind
	AmbitionID string
	OrgKey     string // explicit organisation, as typed (lower-cased)
	Status     ambitiebot.Status
	Note       string
	Username   string   // for koppel and ontkoppel, without @
	OrgKeys    []string // for koppel and ontkoppel, as typed (lower-cased), each once
	Theme      int
	MessageID  string
	Since      string // for rapport, as typed (YYYY-MM-DD)
	Share      bool   // overzicht delen: the overview and chart go to the channel

	// keepNote: the same status without a toelichting keeps the stored
	// one, so that giving a status again confirms it rather than erasing
	// its note. Typed commands and menu choices keep; the dialog, whose
	// field shows the stored note, does not (clearing it there removes it).
	keepNote bool
}

// englishWords are the English command words the parser accepts for the
// Dutch ones, which an English user would not guess: the sentences in
// English show these.
var englishWords = map[string]string{
	"gereed": "done", "in-uitvoering": "in-progress", "knelpunt": "blocked", "nvt": "not-applicable",
	"niet-gestart": "not-started", "mijn": "mine", "overzicht": "overview", "historie": "history",
	"vergadering": "meeting", "bericht": "message", "koppel": "link", "ontkoppel": "unlink",
	"rapport": "report", "bijwerken": "update", "bevestig": "confirm", "verstuur": "send",
	"tekst": "text", "sinds": "since", "delen": "share", "thema": "theme",
}

// commandWord is the Dutch command word nl as a user of lang types it.
func commandWord(lang, nl string) string {
	if en, ok := englishWords[nl]; ok && lang == "en" {
		return en
	}
	return nl
}

var keywords = map[string]Kind{
	"help": KindHelp, "hulp": KindHelp, "?": KindHelp,
	"mijn": KindMine, "mine": KindMine,
	"overzicht": KindOverview, "overview": KindOverview,
	"historie": KindHistory, "geschiedenis": KindHistory, "history": KindHistory,
	"koppel": KindLink, "link": KindLink,
	"ontkoppel": KindUnlink, "unlink": KindUnlink,
	"vergadering": KindMeeting, "meeting": KindMeeting,
	"bericht": KindMessage, "message": KindMessage,
	"rapport": KindReport, "report": KindReport,
	"bijwerken": KindEdit, "update": KindEdit,
}

// confirmWords confirm a status marked te herbevestigen: "/ambitie 3.2 bevestig".
var confirmWords = map[string]bool{"bevestig": true, "bevestigen": true, "confirm": true}

func parseErr(id string, data map[string]any) error {
	return ambitiebot.Errorf(ambitiebot.EINVALID, id, data)
}

// DefaultMaxNote is the configured limit on a toelichting unless set.
const DefaultMaxNote = 500

// Parse turns the text after /ambitie into a Command, accepting a
// toelichting of at most maxNote runes (DefaultMaxNote when 0). Whether
// organisations exist and who may act is checked by App.Handle, not here.
func Parse(text string, maxNote int) (Command, error) {
	maxNote = noteLimit(maxNote)
	if len(text) > MaxTextBytes {
		return Command{}, parseErr("ErrTextTooLong", map[string]any{"Max": MaxTextBytes})
	}
	if !utf8.ValidString(text) {
		return Command{}, parseErr("ErrGarbage", nil)
	}
	text = strings.TrimSpace(text)
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Command{Kind: KindHelp}, nil
	}
	first := strings.ToLower(fields[0])
	if k, ok := keywords[first]; ok {
		return parseKeyword(k, fields[1:], text)
	}
	if id, ok := ambitiebot.ParseAmbitionID(first); ok {
		return parseAmbition(id, "", fields, text, 1, maxNote)
	}
	if looksLikeAmbition(first) {
		return Command{}, parseErr("ErrBadAmbitionID", map[string]any{"ID": fields[0]})
	}
	// "<org> 3.2 status [note]": a project leader acting for an organisation.
	if len(fields) >= 2 {
		if id, ok := ambitiebot.ParseAmbitionID(fields[1]); ok {
			cmd, err := parseAmbition(id, first, fields, text, 2, maxNote)
			if err == nil && cmd.Kind != KindSet && cmd.Kind != KindConfirm {
				return Command{}, parseErr("ErrStatusMissing", map[string]any{"ID": id})
			}
			return cmd, err
		}
	}
	return Command{}, parseErr("ErrUnknownCommand", map[string]any{"Word": fields[0]})
}

// looksLikeAmbition catches "9.9.9", "3." and "x.2" so the user hears that
// the number is wrong rather than that the command is unknown.
func looksLikeAmbition(s string) bool {
	return strings.ContainsAny(s, ".,") && strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
}

// parseAmbition parses "<id> [status [note]]"; fields[next] is the first
// word after the ambition id.
func parseAmbition(id, org string, fields []string, text string, next, maxNote int) (Command, error) {
	if len(fields) == next {
		return Command{Kind: KindShow, AmbitionID: id}, nil
	}
	if w := strings.ToLower(fields[next]); confirmWords[w] {
		if len(fields) > next+1 {
			return Command{}, parseErr("ErrTooManyWords", nil)
		}
		return Command{Kind: KindConfirm, AmbitionID: id, OrgKey: org}, nil
	}
	status, used, ok := matchStatus(fields[next:])
	if !ok {
		return Command{}, parseErr("ErrUnknownStatusWord", map[string]any{"Word": fields[next]})
	}
	note := restAfter(text, next+used)
	if err := checkNote(status, note, maxNote); err != nil {
		return Command{}, err
	}
	return Command{Kind: KindSet, AmbitionID: id, OrgKey: org, Status: status, Note: note}, nil
}

// noteLimit is the configured limit on a toelichting, within the domain's
// hard cap.
func noteLimit(maxNote int) int {
	if maxNote <= 0 || maxNote > ambitiebot.MaxNoteRunes {
		return DefaultMaxNote
	}
	return maxNote
}

// checkNote applies the toelichting rules of a status change: not longer
// than maxNote runes, and present where the status needs one.
func checkNote(status ambitiebot.Status, note string, maxNote int) error {
	if utf8.RuneCountInString(note) > maxNote {
		return parseErr("ErrNoteTooLong", map[string]any{"Max": maxNote})
	}
	if status.NeedsNote() && note == "" {
		return parseErr("ErrNoteRequired_"+string(status), nil)
	}
	return nil
}

// matchStatus finds the longest status alias at the start of words, so
// "niet van toepassing" and "in uitvoering" work as well as "nvt".
func matchStatus(words []string) (ambitiebot.Status, int, bool) {
	for n := min(3, len(words)); n >= 1; n-- {
		if s, ok := ambitiebot.ParseStatus(strings.Join(words[:n], " ")); ok {
			return s, n, true
		}
	}
	return "", 0, false
}

// restAfter returns text after its first n words, keeping the user's own
// spacing and line breaks inside the rest.
func restAfter(text string, n int) string {
	rest := text
	for range n {
		rest = strings.TrimLeft(rest, " \t\r\n")
		i := strings.IndexAny(rest, " \t\r\n")
		if i < 0 {
			return ""
		}
		rest = rest[i:]
	}
	return strings.TrimSpace(rest)
}

func parseKeyword(k Kind, args []string, text string) (Command, error) {
	cmd := Command{Kind: k}
	switch k {
	case KindHelp, KindMine, KindMeeting:
		if len(args) > 0 && k != KindHelp {
			return Command{}, parseErr("ErrTooManyWords", nil)
		}
	case KindEdit:
		if len(args) > 1 {
			return Command{}, parseErr("ErrTooManyWords", nil)
		}
		if len(args) == 1 {
			cmd.OrgKey = strings.ToLower(args[0])
		}
	case KindOverview:
		switch {
		case len(args) == 0:
		case len(args) == 1 && (strings.EqualFold(args[0], "delen") || strings.EqualFold(args[0], "share")):
			cmd.Share = true
		case len(args) == 2 && (strings.EqualFold(args[0], "thema") || strings.EqualFold(args[0], "theme")):
			n, err := strconv.Atoi(args[1])
			if err != nil || n <= 0 {
				return Command{}, parseErr("ErrBadTheme", map[string]any{"Theme": args[1]})
			}
			cmd.Theme = n
		case len(args) == 1:
			cmd.OrgKey = strings.ToLower(args[0])
		default:
			return Command{}, parseErr("ErrTooManyWords", nil)
		}
	case KindHistory:
		if len(args) == 0 || len(args) > 2 {
			return Command{}, parseErr("ErrHistoryUsage", nil)
		}
		id, ok := ambitiebot.ParseAmbitionID(args[0])
		if !ok {
			return Command{}, parseErr("ErrBadAmbitionID", map[string]any{"ID": args[0]})
		}
		cmd.AmbitionID = id
		if len(args) == 2 {
			cmd.OrgKey = strings.ToLower(args[1])
		}
	case KindLink, KindUnlink:
		usage := "ErrLinkUsage"
		if k == KindUnlink {
			usage = "ErrUnlinkUsage"
		}
		if len(args) == 0 || !strings.HasPrefix(args[0], "@") || len(args[0]) < 2 || (k == KindLink && len(args) < 2) {
			return Command{}, parseErr(usage, nil)
		}
		cmd.Username = strings.ToLower(strings.TrimPrefix(args[0], "@"))
		for _, a := range args[1:] {
			if key := strings.ToLower(a); !slices.Contains(cmd.OrgKeys, key) {
				cmd.OrgKeys = append(cmd.OrgKeys, key)
			}
		}
	case KindMessage:
		if len(args) > 0 && (strings.EqualFold(args[0], "verstuur") || strings.EqualFold(args[0], "send")) {
			cmd.Kind = KindSendMessage
			args = args[1:]
		} else if len(args) > 0 && (strings.EqualFold(args[0], "tekst") || strings.EqualFold(args[0], "text")) {
			cmd.Kind = KindMessageText
			args = args[1:]
		}
		// bericht tekst [<org>] [id]: one word is an organisation or an
		// id, which the handler tells apart by the keys it knows.
		if cmd.Kind == KindMessageText && len(args) == 2 {
			cmd.OrgKey, args = strings.ToLower(args[0]), args[1:]
		}
		if len(args) > 1 {
			return Command{}, parseErr("ErrTooManyWords", nil)
		}
		if len(args) == 1 {
			cmd.MessageID = strings.ToLower(args[0])
		}
	case KindReport:
		switch {
		case len(args) == 0:
		case len(args) == 2 && (strings.EqualFold(args[0], "sinds") || strings.EqualFold(args[0], "since")):
			cmd.Since = args[1]
		default:
			return Command{}, parseErr("ErrReportUsage", nil)
		}
	}
	return cmd, nil
}
