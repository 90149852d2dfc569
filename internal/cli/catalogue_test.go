package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The agreement's footnotes stand under the ambition they belong to.
func TestAmbitionShowsItsFootnotes(t *testing.T) {
	h := newHarness(t, "")
	nl := strings.Join(h.cmd("jan", "3.3"), "\n")
	contains(t, nl, "**Voetnoten in de afspraken** (wanneer de ambitie gereed is):")
	contains(t, nl, "> 1. Omgevingsvergunning voor de activiteit bouwen — waarbij de bouwsom volgens berekening van het college van B&W meer bedraagt dan € 750.000 exclusief BTW.")
	contains(t, nl, "> 2. De overige toepassingsgebieden in de zin van de Wet Bibob zijn:")
	contains(t, strings.Join(h.cmd("john", "3.3"), "\n"), "exceed € 750,000 excluding VAT")
	contains(t, strings.Join(h.cmd("jan", "3.1"), "\n"), "sluiting van voor het publiek toegankelijke gebouwen")
	contains(t, strings.Join(h.cmd("jan", "4.5"), "\n"), "via inhuur of met een aanstelling voor bepaalde tijd")
	if strings.Contains(strings.Join(h.cmd("jan", "1.1"), "\n"), "Voetno") {
		t.Error("1.1 has no footnote, yet one is announced")
	}
}

// appendConfig adds TOML to the harness's configuration file, for the
// next start.
func (h *harness) appendConfig(extra string) {
	h.t.Helper()
	f, err := os.OpenFile(h.env["AMBITIEBOT_CONFIG"], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n" + extra); err != nil {
		h.t.Fatal(err)
	}
}

// A sharpened ambition (afspraak C: the groeimodel) keeps every status on
// it, marked te herbevestigen in mijn, the overview and the reminder until
// the organisation confirms it; the history says what happened.
func TestChangedTextAsksForReconfirmation(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 gereed Bibob-beleid vastgesteld")
	h.cmd("john", "3.2 in-uitvoering")
	h.cmd("jan", "1.1 gereed")
	contains(t, strings.Join(h.cmd("jan", "mijn"), "\n"), "**3.2**: Gereed —")
	h.stop()
	h.clock.Add(24 * time.Hour)

	h.appendConfig("[ambitions.\"3.2\"]\ntext = \"De partijen beschikken over een actueel Bibob-beleid dat ook subsidies omvat.\"\n")
	h.start()
	p, _ := h.progress("emmen", "3.2")
	if !p.Reconfirm || p.Note != "Bibob-beleid vastgesteld" {
		t.Fatalf("emmen 3.2 after the change = %+v; want kept and marked", p)
	}
	if p, _ := h.progress("emmen", "1.1"); p.Reconfirm {
		t.Error("an unchanged ambition was marked")
	}
	mine := strings.Join(h.cmd("jan", "mijn"), "\n")
	contains(t, mine, "**3.2**: Gereed ⚠️ _te herbevestigen_ — Bibob-beleid vastgesteld")
	contains(t, mine, "Bevestig met `/ambitie 3.2 bevestig`")
	if strings.Contains(mine, "**1.1**: Gereed ⚠️") {
		t.Error("mijn marks 1.1")
	}
	// The reminder lists 3.2 although it is gereed, with the mark.
	dm := h.reminderDM("jan")
	contains(t, h.attachmentText(dm, "3.2"), "**3.2** Gereed ⚠️ _te herbevestigen_")
	contains(t, dm.Message, "`/ambitie 3.2 bevestig`")
	contains(t, strings.Join(h.cmd("jan", "overzicht"), "\n"), "⚠️ _Te herbevestigen_ na een gewijzigde tekst: 3.2 (2 organisaties).")
	contains(t, strings.Join(h.cmd("john", "mine"), "\n"), "In progress ⚠️ _to be reconfirmed_")

	h.clock.Add(time.Hour)
	contains(t, h.cmd("jan", "3.2 bevestig")[0], "Gemeente Emmen: de status **Gereed** van ambitie 3.2 is bevestigd voor de gewijzigde tekst.")
	if p, _ := h.progress("emmen", "3.2"); p.Reconfirm || p.Status != "gereed" || p.Note != "Bibob-beleid vastgesteld" {
		t.Errorf("emmen 3.2 after confirming = %+v", p)
	}
	contains(t, h.cmd("jan", "3.2 bevestig")[0], "hoeft niet herbevestigd te worden")
	if strings.Contains(strings.Join(h.cmd("jan", "mijn"), "\n"), "herbevestigen") {
		t.Error("mijn still asks for a confirmation")
	}
	contains(t, strings.Join(h.cmd("jan", "overzicht"), "\n"), "3.2 (1 organisatie).")
	// Giving the same status again confirms too.
	contains(t, h.cmd("john", "3.2 in-progress")[0], "is confirmed for the changed text")
	if strings.Contains(strings.Join(h.cmd("jan", "overzicht"), "\n"), "Te herbevestigen") {
		t.Error("the overview still lists statuses to reconfirm")
	}

	history := strings.Join(h.cmd("jan", "historie 3.2"), "\n")
	changed := strings.Index(history, "**de tekst van ambitie 3.2 is gewijzigd**")
	confirmed := strings.Index(history, "**Gemeente Emmen**: status bevestigd voor de gewijzigde tekst (@jan)")
	set := strings.Index(history, "**Gemeente Emmen**: Niet gestart → **Gereed**")
	if changed < 0 || confirmed < 0 || set < 0 || !(confirmed < changed && changed < set) {
		t.Errorf("history (newest first) = %s", history)
	}
	own := strings.Join(h.cmd("jan", "historie 3.2 tynaarlo"), "\n")
	contains(t, own, "is gewijzigd")
	if strings.Contains(own, "Emmen") {
		t.Errorf("tynaarlo's history shows Emmen's confirmation: %s", own)
	}

	// The same text at the next start marks nothing again.
	h.stop()
	h.start()
	if p, _ := h.progress("emmen", "3.2"); p.Reconfirm {
		t.Error("a restart with the same text marked 3.2 again")
	}
}

// An ambition and a theme added by configuration are part of every view,
// the chart and the report.
func TestAmbitionAddedByConfiguration(t *testing.T) {
	h := newHarness(t, `
[themes.6]
name = "Samenwerking met ketenpartners"
name_en = "Working with partners"

[ambitions."6.1"]
text = "Partijen delen jaarlijks hun ervaringen met het RIEC."
text_en = "The parties share their experience with the RIEC every year."
applies_to = ["gemeente"]
notes = ["Ervaringen: ook die met de RUD."]
notes_en = ["Experience: with the RUD too."]
`)
	show := strings.Join(h.cmd("jan", "6.1"), "\n")
	contains(t, show, "#### Ambitie 6.1 — Samenwerking met ketenpartners")
	contains(t, show, "> Ervaringen: ook die met de RUD.")
	contains(t, strings.Join(h.cmd("john", "6.1"), "\n"), "> Experience: with the RUD too.")
	contains(t, h.cmd("jan", "6.1 gereed")[0], "ambitie 6.1 staat nu op **Gereed**")
	contains(t, strings.Join(h.cmd("jan", "mijn"), "\n"), "**6. Samenwerking met ketenpartners**")
	overview := strings.Join(h.cmd("jan", "overzicht"), "\n")
	contains(t, overview, "| 6. Samenwerking met ketenpartners | 1 |")
	contains(t, strings.Join(h.cmd("jan", "overzicht thema 6"), "\n"), "Voortgang thema 6: Samenwerking met ketenpartners")
	// Not for the province.
	contains(t, strings.Join(h.cmd("pieter", "provincie-drenthe 6.1 gereed"), "\n"), "niet van toepassing")
	// The overview's chart was rendered with the new theme and sent to
	// the asker.
	dm, err := h.main.Chat.DirectChannelID(context.Background(), h.user("jan").Id)
	if err != nil {
		t.Fatal(err)
	}
	if posts := h.waitPosts(dm, 1); len(posts) < 1 || len(posts[0].FileIds) == 0 {
		t.Errorf("no chart sent: %d posts", len(posts))
	}
	h.stop()

	out := filepath.Join(t.TempDir(), "rapport.xlsx")
	if msg, err := h.run("report", "--out", out); err != nil {
		t.Fatalf("report: %v %s", err, msg)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Thema 6")
	if err != nil {
		t.Fatalf("no sheet for theme 6: %v", f.GetSheetList())
	}
	found := false
	for _, r := range rows {
		if len(r) > 3 && r[0] == "Gemeente Emmen" && r[1] == "6.1" && r[3] == "Gereed" {
			found = true
		}
	}
	if !found || rows[len(rows)-1][2] != "Ervaringen: ook die met de RUD." {
		t.Errorf("theme 6 sheet = %q", rows)
	}
}

// Without a public URL the reminder is plain text: a gereed status that
// waits for confirmation is listed, under its own heading when nothing
// else is open.
func TestPlainReminderListsStatusesToReconfirm(t *testing.T) {
	h := prepareHarness(t, "")
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.allDoneThenChange32()
	dm := h.reminderDM("jan").Message
	contains(t, dm, "Bij deze ambities van Gemeente Emmen is de status te herbevestigen:")
	contains(t, dm, "- **3.2** Gereed ⚠️ _te herbevestigen_ — De partijen beschikken")
	contains(t, dm, "`/ambitie 3.2 bevestig`")
	if strings.Contains(dm, "**3.1**") {
		t.Errorf("the reminder lists a confirmed gereed: %s", dm)
	}
}

// allDoneThenChange32 starts the bot, makes every ambition of Emmen that
// applies to it gereed, and restarts it with a new text for 3.2.
func (h *harness) allDoneThenChange32() {
	h.t.Helper()
	h.start()
	for _, id := range []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
		"3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "4.1", "4.2", "4.3", "4.4", "4.5", "5.1", "5.2"} {
		h.cmd("jan", id+" gereed")
	}
	h.stop()
	h.appendConfig("[ambitions.\"3.2\"]\ntext = \"De partijen beschikken over een actueel Bibob-beleid dat ook subsidies omvat.\"\n")
	h.start()
}

// A reminder with menus that lists only statuses to reconfirm says so,
// not that everything is done; once confirmed with a click, it is.
func TestMenuReminderListsStatusesToReconfirm(t *testing.T) {
	h := prepareHarness(t, "")
	h.allDoneThenChange32()
	dm := h.reminderDM("jan")
	contains(t, dm.Message, "Bij deze ambities van Gemeente Emmen is de status te herbevestigen:")
	if strings.Contains(dm.Message, "Dank je wel") {
		t.Errorf("a reminder with a status to reconfirm says all is done:\n%s", dm.Message)
	}
	resp := h.choose("jan", dm.Id, h.menu(dm, "3.2").Integration.Context, "gereed")
	if resp.Update == nil {
		t.Fatalf("the click did not update the reminder: %+v", resp)
	}
	contains(t, resp.Update.Message, "De ambities van Gemeente Emmen hieronder zijn nu allemaal gereed of niet van toepassing. Dank je wel!")
}

// The status dialog shows the chosen ambition's footnotes above the form,
// or, opened without one, which ambitions have any.
func TestDialogShowsFootnotes(t *testing.T) {
	h := newHarness(t, "")
	dm := h.reminderDM("jan")
	h.choose("jan", dm.Id, h.menu(dm, "3.3").Integration.Context, "knelpunt")
	h.cmd("jan", "bijwerken")
	h.cmd("sanne", "bijwerken")
	dialogs := h.world.DialogsOpened()
	if len(dialogs) != 3 {
		t.Fatalf("%d dialogs opened, want 3", len(dialogs))
	}
	for _, d := range dialogs {
		if err := d.Dialog.IsValid(); err != nil {
			t.Errorf("Mattermost would refuse the dialog: %v", err)
		}
	}
	intro := dialogs[0].Dialog.IntroductionText
	contains(t, intro, "**Ambitie 3.3**\n**Voetnoten in de afspraken** (wanneer de ambitie gereed is):\n> 1. Omgevingsvergunning voor de activiteit bouwen")
	contains(t, intro, "€ 750.000 exclusief BTW")
	contains(t, dialogs[1].Dialog.IntroductionText, "Bij 3.1, 3.2, 3.3 en 4.5 zeggen voetnoten in de afspraken wanneer de ambitie gereed is; `/ambitie 3.1` toont ze.")
	// A water board: 3.1 and 3.3 are the municipalities'.
	contains(t, dialogs[2].Dialog.IntroductionText, "Bij 3.2 en 4.5 zeggen voetnoten")
}
