package workgroup_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

// chat knows the test's users by id; the handler asks it nothing else.
type chat struct {
	ambitiebot.Chat
	users map[string]ambitiebot.User
}

func (c chat) User(_ context.Context, id string) (ambitiebot.User, error) {
	u, ok := c.users[id]
	if !ok {
		return u, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "MattermostUserNotFound", nil)
	}
	return u, nil
}

func (c chat) UserByUsername(_ context.Context, name string) (ambitiebot.User, error) {
	for _, u := range c.users {
		if u.Username == name {
			return u, nil
		}
	}
	return ambitiebot.User{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "MattermostUsernameNotFound", nil)
}

// env is a handler over a real database and the shipped sentences, with
// jan (Gemeente Emmen, Dutch), john (Gemeente Assen, English) and the
// project leader pieter.
type env struct {
	h  *workgroup.App
	db *sqlite.DB
}

func newEnv(t *testing.T) env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the organisations changed by change first.
func newEnvWith(t *testing.T, change func([]ambitiebot.Organisation)) env {
	t.Helper()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t)
	cat, err := ambitiebot.NewCatalogue(
		[]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving", NameEN: "Laws and regulations"}},
		[]ambitiebot.Ambition{{ID: "3.2", Text: "Bibob-beleid vastgesteld", AppliesTo: []ambitiebot.OrgKind{ambitiebot.KindMunicipality}}})
	if err != nil {
		t.Fatal(err)
	}
	list := []ambitiebot.Organisation{
		{Key: "emmen", Name: "Gemeente Emmen", Kind: ambitiebot.KindMunicipality, Domains: []string{"emmen.nl"}},
		{Key: "assen", Name: "Gemeente Assen", Kind: ambitiebot.KindMunicipality, Domains: []string{"assen.nl"}},
	}
	if change != nil {
		change(list)
	}
	orgs, err := ambitiebot.NewOrganisations(list)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	users := chat{users: map[string]ambitiebot.User{
		"jan":    {ID: "jan", Username: "jan", Email: "jan@emmen.nl", Locale: "nl", EmailVerified: true},
		"john":   {ID: "john", Username: "john", Email: "john@assen.nl", Locale: "en", EmailVerified: true},
		"pieter": {ID: "pieter", Username: "pieter", Email: "pieter@drenthe.nl", EmailVerified: true},
	}}
	now := func() time.Time { return time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC) }
	same := func(s string) string { return s }
	h := workgroup.New(workgroup.Config{
		Catalogue: cat, Organisations: orgs, Store: db, Chat: users, Tr: tr,
		ProjectLeaders: []string{"pieter"},
		Now:            now,
		Location:       time.UTC, Neutralize: same, MaxNote: 500,
		WorkingGroupChannel: "drenthe/werkgroep", ActivityFeed: true,
		Logger:    slog.New(slog.DiscardHandler),
		Awareness: lib,
	})
	return env{h: h, db: db}
}

// cmd runs /ambitie text as user and returns the one reply.
func (e env) cmd(t *testing.T, user, text string) string {
	t.Helper()
	resp := e.h.Handle(context.Background(), workgroup.Request{UserID: user, Text: text})
	if len(resp.Texts) != 1 {
		t.Fatalf("/ambitie %s: %d replies, want 1: %q", text, len(resp.Texts), resp.Texts)
	}
	return resp.Texts[0]
}

// feed returns the activity-feed lines queued so far, oldest first.
func (e env) feed(t *testing.T) []string {
	t.Helper()
	ds, err := e.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{Kind: "feed"})
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[len(ds)-1-i] = d.Message
	}
	return lines
}

func TestSetRepliesAndFeed(t *testing.T) {
	e := newEnv(t)
	steps := []struct {
		user, text, reply string
		feed              string // the line queued by this step; "" when none
	}{
		{"jan", "3.2 knelpunt wacht op advies",
			"Gemeente Emmen: ambitie 3.2 staat nu op **Knelpunt** (was: Niet gestart). Toelichting: wacht op advies",
			"Gemeente Emmen: 3.2 → Knelpunt (door @jan): wacht op advies"},
		{"jan", "3.2 knelpunt wacht op advies",
			"Gemeente Emmen: ambitie 3.2 stond al op **Knelpunt** met deze toelichting. Er is niets gewijzigd.", ""},
		{"jan", "3.2 knelpunt wacht op juridisch advies",
			"Gemeente Emmen: de toelichting bij ambitie 3.2 (**Knelpunt**) is bijgewerkt: wacht op juridisch advies",
			"Gemeente Emmen: 3.2 (Knelpunt) toelichting bijgewerkt (door @jan): wacht op juridisch advies"},
		{"jan", "3.2 gereed",
			"Gemeente Emmen: ambitie 3.2 staat nu op **Gereed** (was: Knelpunt).",
			"Gemeente Emmen: 3.2 → Gereed (door @jan)"},
		{"jan", "3.2 gereed",
			"Gemeente Emmen: ambitie 3.2 stond al op **Gereed**. Er is niets gewijzigd.", ""},
		{"jan", "3.2 gereed raadsbesluit 2027-01",
			"Gemeente Emmen: de toelichting bij ambitie 3.2 (**Gereed**) is bijgewerkt: raadsbesluit 2027-01",
			"Gemeente Emmen: 3.2 (Gereed) toelichting bijgewerkt (door @jan): raadsbesluit 2027-01"},
		{"jan", "3.2 gereed",
			"Gemeente Emmen: ambitie 3.2 stond al op **Gereed** met deze toelichting. Er is niets gewijzigd.", ""},
		{"john", "3.2 niet-gestart",
			"Gemeente Assen: ambition 3.2 was already **Not started**. Nothing was changed.", ""},
		{"john", "3.2 niet-gestart waiting for the council",
			"Gemeente Assen: the explanation of ambition 3.2 (**Not started**) was updated: waiting for the council",
			"Gemeente Assen: 3.2 (Niet gestart) toelichting bijgewerkt (door @john): waiting for the council"},
		{"john", "3.2 niet-gestart waiting for the council",
			"Gemeente Assen: ambition 3.2 was already **Not started** with this explanation. Nothing was changed.", ""},
	}
	var want []string
	for _, s := range steps {
		if got := e.cmd(t, s.user, s.text); got != s.reply {
			t.Errorf("%s: /ambitie %s\n got %q\nwant %q", s.user, s.text, got, s.reply)
		}
		if s.feed != "" {
			want = append(want, s.feed)
		}
		if got := e.feed(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after %s: /ambitie %s the feed is\n%s\nwant\n%s", s.user, s.text, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestMessageUnknownIDListsTheIDs(t *testing.T) {
	e := newEnv(t)
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range lib.All() {
		ids = append(ids, m.ID)
	}
	known := strings.Join(ids, ", ")
	if !strings.HasPrefix(known, "drugsafval, schuren, ") {
		t.Fatalf("shipped ids in rotation order: %s", known)
	}
	for _, text := range []string{"bericht 02", "bericht verstuur 02"} {
		want := "Er is geen bewustwordingsbericht met het id ‘02’. Wel beschikbaar: " + known + "."
		if got := e.cmd(t, "pieter", text); got != want {
			t.Errorf("/ambitie %s\n got %q\nwant %q", text, got, want)
		}
	}
	resp := e.h.Handle(context.Background(), workgroup.Request{UserID: "pieter", Text: "bericht schuren"})
	if resp.Outcome != "ok" || len(resp.Texts) != 2 || !strings.Contains(resp.Texts[0], "‘Een lege schuur") {
		t.Errorf("/ambitie bericht schuren: %s %q", resp.Outcome, resp.Texts)
	}
}

// A representative by configuration acts for the organisation besides
// their e-mail domain's; naming none, they are asked which, in their
// language, and nothing changes. A configured name without an account is
// said, not guessed.
func TestRepresentativesByConfiguration(t *testing.T) {
	e := newEnvWith(t, func(orgs []ambitiebot.Organisation) {
		orgs[0].Representatives = []string{"john", "ghost"}
	})
	// The e-mail domain's organisation comes first.
	want := "You represent more than one organisation: Gemeente Assen (`assen`), Gemeente Emmen (`emmen`). " +
		"Name the organisation, as in `/ambitie assen 3.2 done`. Nothing was changed."
	if got := e.cmd(t, "john", "3.2 gereed"); got != want {
		t.Errorf("no organisation named:\n got %q\nwant %q", got, want)
	}
	if cs, _ := e.db.FindChanges(context.Background(), ambitiebot.ChangeFilter{}); len(cs) != 0 {
		t.Fatalf("asking changed %d statuses", len(cs))
	}
	if got := e.cmd(t, "john", "emmen 3.2 gereed"); !strings.HasPrefix(got, "Gemeente Emmen: ambition 3.2 is now **Done**") {
		t.Errorf("emmen 3.2 gereed: %q", got)
	}
	if got := e.cmd(t, "jan", "assen 3.2 gereed"); !strings.Contains(got, "niet die van Gemeente Assen") {
		t.Errorf("jan acts for assen: %q", got)
	}
	people := e.h.People(context.Background())
	if len(people) != 2 || people[0].Username != "john" || people[0].Problem != "" || people[0].UserID != "john" ||
		people[1].Username != "ghost" || people[1].Problem != workgroup.LeaderNotFound {
		t.Errorf("people = %+v", people)
	}
}

// help lists every command in one list, before the paragraph about the
// statuses, in both languages.
func TestHelpListsTheCommandsTogether(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		user, statuses string
		lines          []string
	}{
		{"jan", "\n\nStatussen:", []string{"- `/ambitie 3.2 bevestig`", "- `/ambitie bericht tekst [<org>] [id]`"}},
		{"john", "\n\nStatuses:", []string{"- `/ambitie 3.2 confirm`", "- `/ambitie message text [<org>] [id]`"}},
	} {
		user := c.user
		help := e.cmd(t, user, "help")
		end := strings.Index(help, c.statuses)
		if end < 0 {
			t.Fatalf("%s: no statuses paragraph in\n%s", user, help)
		}
		for _, line := range c.lines {
			if i := strings.Index(help, line); i < 0 || i > end || !strings.HasPrefix(help[i-1:], "\n- ") {
				t.Errorf("%s: %q is not in the list of commands:\n%s", user, line, help)
			}
		}
	}
}

// An affiliated organisation is known: naming it where a party is meant
// says what it is, not that it is unknown, and changes nothing.
func TestAffiliatedOrganisationIsNamedAsSuch(t *testing.T) {
	e := newEnvWith(t, func(orgs []ambitiebot.Organisation) {
		orgs[1] = ambitiebot.Organisation{Key: "riec", Name: "RIEC Noord-Nederland", Kind: ambitiebot.KindAffiliated}
	})
	want := "RIEC Noord-Nederland is een aangesloten organisatie: die ontvangt alleen het bewustwordingsbericht, heeft geen ambities en niemand vertegenwoordigt haar. Er is niets gewijzigd."
	for _, text := range []string{"koppel @jan riec", "ontkoppel @jan riec", "riec 3.2 gereed"} {
		if got := e.cmd(t, "pieter", text); got != want {
			t.Errorf("/ambitie %s\n got %q\nwant %q", text, got, want)
		}
	}
	if links, _ := e.db.FindUserLinks(context.Background(), "jan"); len(links) != 0 {
		t.Errorf("links = %+v", links)
	}
	if got := e.cmd(t, "pieter", "koppel @jan atlantis"); !strings.Contains(got, "‘atlantis’ is geen bekende organisatie") {
		t.Errorf("unknown: %q", got)
	}
}
