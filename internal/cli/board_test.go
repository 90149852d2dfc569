package cli

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

// The board report goes out on the dates [report] configures, not on the
// June and December meeting days, and reaches the configured recipient
// (the bestuurlijk portefeuillehouder) besides the project leader. Its
// summary states the period since the previous report date and the
// agreement's deadline, and lists what changed per theme. The scheduler
// runs it from the configured schedule: the bot is down over the report
// date and catches the occurrence up within the grace period.
func TestBoardReportReachesTheRecipientOnTheConfiguredDate(t *testing.T) {
	h := prepareHarness(t, "[report]\nrecipients = [\"@B.vanOosterhout\"]\ndates = [\"11-30\", \"05-28\"]\n")
	bp := h.world.AddUser("b.vanoosterhout", "b.vanoosterhout@emmen.nl", "nl")
	h.clock.Set(local(2026, 11, 20, 12, 0))
	h.start()
	var reportDays []string
	for _, e := range h.main.Calendar.Events(local(2027, 1, 1, 0, 0), 200) {
		if e.Kind == calendar.KindReport && e.At.Year() == 2027 {
			reportDays = append(reportDays, e.At.Format("2006-01-02 15:04"))
		}
	}
	if want := []string{"2027-05-28 08:30", "2027-11-30 08:30"}; !slices.Equal(reportDays, want) {
		t.Errorf("report days in 2027 = %v, want %v", reportDays, want)
	}
	// Before the previous report date (30 November 2026): not in the period.
	h.cmd("jan", "1.1 gereed")
	h.clock.Set(local(2027, 1, 5, 12, 0))
	h.cmd("jan", "3.2 gereed")
	h.cmd("anna", "2.1 knelpunt geen capaciteit")
	h.deliverAll()
	h.stop()

	h.clock.Set(local(2027, 5, 28, 9, 0))
	h.start()
	ctx := context.Background()
	report := func(userID string) *model.Post {
		t.Helper()
		dm, err := h.main.Chat.DirectChannelID(ctx, userID)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for _, p := range h.world.Posts(dm) {
				if strings.Contains(p.Message, "Voortgangsrapportage") {
					return p
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no board report in the direct channel of %s; log:\n%s", userID, h.logs.String())
		return nil
	}
	p := report(bp.Id)
	for _, want := range []string{
		"#### Voortgangsrapportage Drentse aanpak ondermijning — 28 mei 2027\nKlaar om door te sturen naar het Bestuurlijk Veiligheidsoverleg Drenthe.",
		"Periode: van 30 november 2026 tot 28 mei 2027",
		"Deadline: 2 februari 2026. De partijen realiseren de ambities die voor hen gelden binnen twee jaar na de ondertekening van de overeenkomst op 2 februari 2024.",
		"| Gemeente Emmen | 2 |",
		"##### Wat is er veranderd\nSinds 30 november 2026: 2 wijzigingen, 1 ambitie gereed, 1 nieuw knelpunt, 0 teruggezet.",
		"**2\\. Informatiepositie en -huishouding**\n- **Gemeente Assen**: nieuw knelpunt 2.1 (geen capaciteit)",
		"**3\\. Wet- en regelgeving, beleid en handhaving**\n- **Gemeente Emmen**: gereed 3.2",
	} {
		contains(t, p.Message, want)
	}
	if strings.Contains(p.Message, "gereed 1.1") {
		t.Errorf("a change before the period is in the report:\n%s", p.Message)
	}
	var names []string
	for _, id := range p.FileIds {
		for _, u := range h.world.Uploads() {
			if u.Info.Id == id {
				names = append(names, filepath.Ext(u.Info.Name))
			}
		}
	}
	if !slices.Equal(names, []string{".png", ".xlsx"}) {
		t.Errorf("the report's files = %v", names)
	}
	// The project leader gets it too, and nobody gets it twice.
	report(h.user("pieter").Id)
	if n := len(h.world.Posts(p.ChannelId)); n != 1 {
		t.Errorf("the portefeuillehouder has %d posts, want 1", n)
	}
}

// The board report asks Mattermost for each reader's language only: when
// Mattermost does not answer that question at report time, the report
// still goes to every reader, in the default language, instead of being
// left out for good (the job is not run again).
func TestBoardReportSurvivesAMattermostHiccup(t *testing.T) {
	h := newHarness(t, "[report]\nrecipients = [\"bp\"]\n")
	bp := h.world.AddUser("bp", "bp@emmen.nl", "en")
	ctx := context.Background()
	if err := h.main.App.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.main.App.BoardReaders(ctx); n != 2 {
		t.Fatalf("board readers = %d, want the project leader and the BP", n)
	}
	h.clock.Set(h.clock.Now().Add(10 * time.Minute)) // past the user cache
	h.world.Fail("GET /api/v4/users/{id}", 1000, 503)
	if err := h.main.App.Report(ctx, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.world.Fail("GET /api/v4/users/{id}", 0, 0)
	h.deliverAll()
	for _, u := range []*model.User{h.user("pieter"), bp} {
		dm, err := h.main.Chat.DirectChannelID(ctx, u.Id)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, p := range h.world.Posts(dm) {
			if strings.Contains(p.Message, "#### Voortgangsrapportage Drentse aanpak ondermijning") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s got %d board reports, want 1 (in Dutch); log:\n%s", u.Username, n, h.logs.String())
		}
	}
	contains(t, h.logs.String(), "report: recipient's language unknown, sending in the default language")
}
