package workgroup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

// A broadcast's period lasts until the next scheduled one: within it a
// request finds the message sent (by the schedule too), after it the next
// message is offered; a confirmation of a message whose turn has passed,
// or by someone who is not a project leader, sends nothing.
func TestBroadcastPeriod(t *testing.T) {
	ctx := context.Background()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC))
	db := sqlitetest.Open(t)
	db.Now = clock.Now
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := ambitiebot.NewOrganisations([]ambitiebot.Organisation{
		{Key: "emmen", Name: "Gemeente Emmen", Kind: ambitiebot.KindMunicipality, Domains: []string{"emmen.nl"}},
		{Key: "riec", Name: "RIEC Noord-Nederland", Kind: ambitiebot.KindAffiliated},
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ambitiebot.NewCatalogue([]ambitiebot.Theme{{Number: 5, Name: "Communicatie"}},
		[]ambitiebot.Ambition{{ID: "5.2", Text: "Bericht", AppliesTo: []ambitiebot.OrgKind{ambitiebot.KindMunicipality}}})
	if err != nil {
		t.Fatal(err)
	}
	schedule, err := calendar.ParseSchedule("1 monday 09:30", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	app := workgroup.New(workgroup.Config{
		Catalogue: cat, Organisations: orgs, Store: db, Tr: tr, Now: clock.Now, Location: time.UTC,
		Chat: chat{users: map[string]ambitiebot.User{
			"jan":    {ID: "jan", Username: "jan", Email: "jan@emmen.nl", EmailVerified: true},
			"pieter": {ID: "pieter", Username: "pieter", Email: "pieter@drenthe.nl", EmailVerified: true},
		}},
		ProjectLeaders: []string{"pieter"}, Awareness: lib, AwarenessSchedule: schedule, OneClick: true,
	})
	ask := func(user, text string) workgroup.Response {
		t.Helper()
		return app.Handle(ctx, workgroup.Request{UserID: user, Text: text})
	}
	queued := func() int {
		t.Helper()
		ds, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{Kind: "awareness"})
		if err != nil {
			t.Fatal(err)
		}
		return len(ds)
	}

	if err := app.AwarenessJob(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := queued(); n != 2 {
		t.Fatalf("the scheduled broadcast queued %d, want one for Emmen and one for the RIEC", n)
	}
	r := ask("pieter", "bericht verstuur")
	if len(r.Attachments) != 0 || !strings.Contains(r.Texts[0], "(`drugsafval`) is al verstuurd volgens het schema op maandag 11 januari 2027 om 09:00.") {
		t.Errorf("within the period: %q %+v", r.Texts, r.Attachments)
	}
	if r := ask("jan", "bericht tekst"); !strings.Contains(r.Texts[0], "‘Drugsafval") {
		t.Errorf("bericht tekst within the period: %q", r.Texts)
	}

	// After the next scheduled time the next message is offered.
	clock.Set(time.Date(2027, 2, 1, 9, 31, 0, 0, time.UTC))
	r = ask("pieter", "bericht verstuur")
	if !strings.Contains(r.Texts[0], "(`schuren`) gaat naar 2 organisaties, waarvan 1 aangesloten.") || len(r.Attachments) != 1 {
		t.Fatalf("after the period: %q %+v", r.Texts, r.Attachments)
	}
	button := r.Attachments[0].Actions[0].Context
	if res := app.Click(ctx, "jan", "", button, ""); !strings.Contains(res.Text, "Dit kan alleen een projectleider") {
		t.Errorf("jan's click: %+v", res)
	}
	if n := queued(); n != 2 {
		t.Fatalf("asking or a refused click queued %d", n-2)
	}
	if res := app.Click(ctx, "pieter", "", button, ""); res.Outcome != "ok" || !strings.Contains(res.Text, "Bericht `schuren` wordt nu naar 2 organisaties verstuurd.") {
		t.Errorf("confirmation: %+v", res)
	}
	if res := app.Click(ctx, "pieter", "", button, ""); !strings.Contains(res.Text, "is al verstuurd door pieter op maandag 1 februari 2027 om 09:31") {
		t.Errorf("second click: %+v", res)
	}

	// A confirmation kept until the next period does not send the next
	// message.
	clock.Set(time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC))
	if res := app.Click(ctx, "pieter", "", button, ""); !strings.Contains(res.Text, "niet meer het bericht dat nu aan de beurt is") {
		t.Errorf("stale confirmation: %+v", res)
	}
	if n := queued(); n != 4 {
		t.Errorf("%d awareness deliveries, want 4", n)
	}
}

// bericht tekst names the organisation given in the footer: one the
// member represents (a project leader any), else their first; the
// organisation may come alone or before an id.
func TestMessageTextForAnOrganisation(t *testing.T) {
	e := newEnvWith(t, func(orgs []ambitiebot.Organisation) {
		orgs[0].Representatives = []string{"john"} // john: Assen by e-mail, Emmen by configuration
	})
	footer := func(user, text string) string {
		t.Helper()
		resp := e.h.Handle(context.Background(), workgroup.Request{UserID: user, Text: text})
		if resp.Outcome != "ok" || len(resp.Texts) != 2 {
			t.Fatalf("/ambitie %s: %s %q", text, resp.Outcome, resp.Texts)
		}
		lines := strings.Split(strings.TrimSuffix(resp.Texts[1], "\n```"), "\n")
		return resp.Texts[0] + "\n" + lines[len(lines)-1]
	}
	for _, c := range []struct{ user, text, want string }{
		{"john", "bericht tekst", "security officer of Gemeente Assen.*"},
		{"john", "bericht tekst emmen", "security officer of Gemeente Emmen.*"},
		{"john", "message text Emmen schuren", "security officer of Gemeente Emmen.*"},
		{"pieter", "bericht tekst assen schuren", "veiligheidsfunctionaris van Gemeente Assen.*"},
	} {
		got := footer(c.user, c.text)
		if !strings.HasSuffix(got, c.want) {
			t.Errorf("%s: /ambitie %s ends\n%s\nwant …%s", c.user, c.text, got, c.want)
		}
		if strings.Contains(c.text, "schuren") != strings.Contains(got, "(`schuren`)") {
			t.Errorf("%s: /ambitie %s gives another message:\n%s", c.user, c.text, got)
		}
	}
	if got, want := e.cmd(t, "jan", "bericht tekst assen"), "Je vertegenwoordigt Gemeente Assen niet, dus die naam kan niet in de voetregel. Kies een van jouw organisaties: Gemeente Emmen (`emmen`)."; got != want {
		t.Errorf("jan for Assen:\n got %q\nwant %q", got, want)
	}
	if got := e.cmd(t, "jan", "bericht tekst atlantis schuren"); !strings.Contains(got, "‘atlantis’ is geen bekende organisatie") {
		t.Errorf("unknown organisation: %q", got)
	}
}
