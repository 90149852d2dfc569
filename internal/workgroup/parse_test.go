package workgroup

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func TestParse(t *testing.T) {
	long := strings.Repeat("x", DefaultMaxNote+1)
	tests := []struct {
		in    string
		want  Command
		errID string
	}{
		{in: "", want: Command{Kind: KindHelp}},
		{in: "   ", want: Command{Kind: KindHelp}},
		{in: "help", want: Command{Kind: KindHelp}},
		{in: "HULP", want: Command{Kind: KindHelp}},
		{in: "3.2", want: Command{Kind: KindShow, AmbitionID: "3.2"}},
		{in: "3,2", want: Command{Kind: KindShow, AmbitionID: "3.2"}},
		{in: "3.10", want: Command{Kind: KindShow, AmbitionID: "3.10"}},
		{in: "3.2 gereed", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone}},
		{in: "3.2 bevestig", want: Command{Kind: KindConfirm, AmbitionID: "3.2"}},
		{in: "3,2 Confirm", want: Command{Kind: KindConfirm, AmbitionID: "3.2"}},
		{in: "Emmen 3.2 bevestigen", want: Command{Kind: KindConfirm, AmbitionID: "3.2", OrgKey: "emmen"}},
		{in: "3.2 bevestig gereed", errID: "ErrTooManyWords"},
		{in: "3.2 GEREED", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone}},
		{in: "3.2 klaar", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone}},
		{in: "3.2 afgerond", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone}},
		{in: "3.2 done", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone}},
		{in: "3.2 open", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNotStarted}},
		{in: "3.2 nieuw", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNotStarted}},
		{in: "3.2 niet-gestart", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNotStarted}},
		{in: "3.2 niet gestart", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNotStarted}},
		{in: "3.2 bezig met het beleid", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusInProgress, Note: "met het beleid"}},
		{in: "3.2 loopt", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusInProgress}},
		{in: "3.2 gestart", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusInProgress}},
		{in: "3.2 in-uitvoering", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusInProgress}},
		{in: "3.2 In Uitvoering concept  klaar", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusInProgress, Note: "concept  klaar"}},
		{in: "3.2 knelpunt wacht op advies", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusBlocked, Note: "wacht op advies"}},
		{in: "3.2 vertraagd capaciteit", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusBlocked, Note: "capaciteit"}},
		{in: "3.2 geblokkeerd x", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusBlocked, Note: "x"}},
		{in: "3.2 nvt geen horeca", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNA, Note: "geen horeca"}},
		{in: "3.2 n.v.t. geen horeca", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNA, Note: "geen horeca"}},
		{in: "3.2 niet-van-toepassing reden", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNA, Note: "reden"}},
		{in: "3.2 niet van toepassing reden", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusNA, Note: "reden"}},
		{in: "3.2 gereed regel 1\nregel 2", want: Command{Kind: KindSet, AmbitionID: "3.2", Status: ambitiebot.StatusDone, Note: "regel 1\nregel 2"}},
		{in: "emmen 3.2 in-uitvoering x", want: Command{Kind: KindSet, AmbitionID: "3.2", OrgKey: "emmen", Status: ambitiebot.StatusInProgress, Note: "x"}},
		{in: "Emmen 3,2 gereed", want: Command{Kind: KindSet, AmbitionID: "3.2", OrgKey: "emmen", Status: ambitiebot.StatusDone}},
		{in: "mijn", want: Command{Kind: KindMine}},
		{in: "overzicht", want: Command{Kind: KindOverview}},
		{in: "overzicht emmen", want: Command{Kind: KindOverview, OrgKey: "emmen"}},
		{in: "overzicht thema 3", want: Command{Kind: KindOverview, Theme: 3}},
		{in: "overzicht delen", want: Command{Kind: KindOverview, Share: true}},
		{in: "overview Share", want: Command{Kind: KindOverview, Share: true}},
		{in: "historie 3.2", want: Command{Kind: KindHistory, AmbitionID: "3.2"}},
		{in: "historie 3,10 Assen", want: Command{Kind: KindHistory, AmbitionID: "3.10", OrgKey: "assen"}},
		{in: "koppel @Jan emmen", want: Command{Kind: KindLink, Username: "jan", OrgKeys: []string{"emmen"}}},
		{in: "koppel @sanne Hunze-en-Aas wdodelta hunze-en-aas", want: Command{Kind: KindLink, Username: "sanne", OrgKeys: []string{"hunze-en-aas", "wdodelta"}}},
		{in: "ontkoppel @sanne wdodelta", want: Command{Kind: KindUnlink, Username: "sanne", OrgKeys: []string{"wdodelta"}}},
		{in: "unlink @sanne", want: Command{Kind: KindUnlink, Username: "sanne"}},
		{in: "bijwerken wdodelta", want: Command{Kind: KindEdit, OrgKey: "wdodelta"}},
		{in: "hunze-en-aas 3.4 gereed", want: Command{Kind: KindSet, AmbitionID: "3.4", OrgKey: "hunze-en-aas", Status: ambitiebot.StatusDone}},
		{in: "vergadering", want: Command{Kind: KindMeeting}},
		{in: "bericht", want: Command{Kind: KindMessage}},
		{in: "bericht drugsafval", want: Command{Kind: KindMessage, MessageID: "drugsafval"}},
		{in: "bericht verstuur", want: Command{Kind: KindSendMessage}},
		{in: "bericht verstuur drugsafval", want: Command{Kind: KindSendMessage, MessageID: "drugsafval"}},
		{in: "bericht tekst", want: Command{Kind: KindMessageText}},
		{in: "message Text Schuren", want: Command{Kind: KindMessageText, MessageID: "schuren"}},
		{in: "bericht tekst Emmen schuren", want: Command{Kind: KindMessageText, OrgKey: "emmen", MessageID: "schuren"}},
		{in: "rapport", want: Command{Kind: KindReport}},
		{in: "rapport sinds 2026-01-01", want: Command{Kind: KindReport, Since: "2026-01-01"}},
		{in: "bijwerken", want: Command{Kind: KindEdit}},

		{in: "9.9.9", errID: "ErrBadAmbitionID"},
		{in: "3.", errID: "ErrBadAmbitionID"},
		{in: "3.2 klaarrr", errID: "ErrUnknownStatusWord"},
		{in: "3.2 knelpunt", errID: "ErrNoteRequired_knelpunt"},
		{in: "3.2 nvt", errID: "ErrNoteRequired_nvt"},
		{in: "3.2 gereed " + long, errID: "ErrNoteTooLong"},
		{in: strings.Repeat("a", MaxTextBytes+1), errID: "ErrTextTooLong"},
		{in: "\xff\xfe", errID: "ErrGarbage"},
		{in: "blabla", errID: "ErrUnknownCommand"},
		{in: "emmen 3.2", errID: "ErrStatusMissing"},
		{in: "overzicht thema x", errID: "ErrBadTheme"},
		{in: "overzicht a b c", errID: "ErrTooManyWords"},
		{in: "historie", errID: "ErrHistoryUsage"},
		{in: "historie x", errID: "ErrBadAmbitionID"},
		{in: "koppel jan emmen", errID: "ErrLinkUsage"},
		{in: "koppel @jan", errID: "ErrLinkUsage"},
		{in: "ontkoppel", errID: "ErrUnlinkUsage"},
		{in: "ontkoppel sanne wdodelta", errID: "ErrUnlinkUsage"},
		{in: "bijwerken emmen assen", errID: "ErrTooManyWords"},
		{in: "mijn extra", errID: "ErrTooManyWords"},
		{in: "rapport gisteren", errID: "ErrReportUsage"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, 0)
		if tt.errID != "" {
			var e *ambitiebot.Error
			if !errors.As(err, &e) || e.MessageID != tt.errID {
				t.Errorf("Parse(%q) = %+v, %v; want error %s", tt.in, got, err, tt.errID)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParse checks that the parser never panics, only returns user-safe
// domain errors, and that what it accepts is consistent.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "3.2 gereed", "emmen 3,10 knelpunt x y", "koppel @a b", "overzicht thema 2", "historie 1.1 emmen", "bericht verstuur x", "3.2 niet van toepassing reden"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, err := Parse(s, 0)
		if err != nil {
			if ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
				t.Fatalf("Parse(%q): error %v is not a user error", s, err)
			}
			return
		}
		if cmd.Kind == 0 {
			t.Fatalf("Parse(%q): no kind", s)
		}
		if cmd.Kind == KindSet {
			if !cmd.Status.Valid() {
				t.Fatalf("Parse(%q): invalid status %q", s, cmd.Status)
			}
			if cmd.Status.NeedsNote() && cmd.Note == "" {
				t.Fatalf("Parse(%q): %s without note", s, cmd.Status)
			}
			if utf8.RuneCountInString(cmd.Note) > DefaultMaxNote {
				t.Fatalf("Parse(%q): note too long", s)
			}
			if _, ok := ambitiebot.ParseAmbitionID(cmd.AmbitionID); !ok {
				t.Fatalf("Parse(%q): bad id %q", s, cmd.AmbitionID)
			}
		}
	})
}

func TestParseNoteLimit(t *testing.T) {
	note := strings.Repeat("é", 800)
	if _, err := Parse("3.2 gereed "+note, 0); ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
		t.Errorf("800 runes accepted under the default limit: %v", err)
	}
	cmd, err := Parse("3.2 gereed "+note, 1000)
	if err != nil || cmd.Note != note {
		t.Errorf("800 runes refused under a limit of 1000: %v", err)
	}
}

func TestSplit(t *testing.T) {
	var rows []string
	for range 2000 {
		rows = append(rows, "| "+strings.Repeat("x", 20)+" |")
	}
	head := "title\n\n| h |\n| --- |\n"
	texts := split(head, rows, "foot")
	if len(texts) < 2 {
		t.Fatalf("expected several messages, got %d", len(texts))
	}
	total := 0
	for i, s := range texts {
		if n := utf8.RuneCountInString(s); n > MaxPostRunes {
			t.Errorf("message %d has %d runes", i, n)
		}
		if !strings.HasPrefix(s, "| h |\n| --- |") && i > 0 {
			t.Errorf("message %d does not repeat the table header", i)
		}
		total += strings.Count(s, "| xxxxxxxxxxxxxxxxxxxx |")
	}
	if total != len(rows) {
		t.Errorf("rows lost or doubled: %d of %d", total, len(rows))
	}
	if !strings.HasSuffix(texts[len(texts)-1], "foot") {
		t.Error("footer missing")
	}
}
