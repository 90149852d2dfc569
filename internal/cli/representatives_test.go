package cli

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// waterBoards are the four water boards' keys, in configured order.
var waterBoards = []string{"hunze-en-aas", "wdodelta", "vechtstromen", "noorderzijlvest"}

// fourBoards makes Sanne (hunzeenaas.nl) the representative of all four
// water boards, by [[representatives]] and by an organisation's own list.
const fourBoards = `
[[representatives]]
username = "sanne"
organisations = ["wdodelta", "vechtstromen"]

[organisations.noorderzijlvest]
representatives = ["Sanne"]
`

// menuFor returns the status menu of ambition id for organisation org.
func (h *harness) menuFor(p *model.Post, org, id string) *model.PostAction {
	h.t.Helper()
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			c := act.Integration.Context
			if c[ambitiebot.ContextOrg] == org && c[ambitiebot.ContextAmbition] == id {
				return act
			}
		}
	}
	h.t.Fatalf("post has no menu for %s %s", org, id)
	return nil
}

// headings returns the texts of a post's attachments without a menu: the
// organisations' headings.
func headings(p *model.Post) []string {
	var out []string
	for _, a := range p.Attachments() {
		if len(a.Actions) == 0 {
			out = append(out, a.Text)
		}
	}
	return out
}

// A representative of the four water boards updates each of them with
// the organisation first; without it the bot asks which and changes
// nothing, and an organisation they do not represent is refused.
func TestRepresentativeOfFourWaterBoards(t *testing.T) {
	h := newHarness(t, fourBoards)

	ask := h.cmd("sanne", "3.4 gereed")[0]
	for _, want := range []string{"Je vertegenwoordigt meer dan één organisatie", "Waterschap Hunze en Aa's (`hunze-en-aas`)",
		"(`wdodelta`)", "(`vechtstromen`)", "(`noorderzijlvest`)", "`/ambitie hunze-en-aas 3.4 gereed`", "Er is niets gewijzigd"} {
		contains(t, ask, want)
	}
	contains(t, h.cmd("sanne", "bijwerken")[0], "`/ambitie bijwerken hunze-en-aas`")
	if n := h.changes(); n != 0 {
		t.Fatalf("asking which organisation made %d changes", n)
	}

	for _, org := range waterBoards {
		contains(t, h.cmd("sanne", org+" 3.4 gereed")[0], "ambitie 3.4 staat nu op **Gereed**")
		if p, ok := h.progress(org, "3.4"); !ok || p.Status != ambitiebot.StatusDone || p.UpdatedBy != h.user("sanne").Id {
			t.Errorf("%s 3.4 = %+v, %v", org, p, ok)
		}
	}
	refused := h.cmd("sanne", "emmen 3.2 gereed")[0]
	contains(t, refused, "Je vertegenwoordigt Gemeente Emmen niet")
	contains(t, refused, "Er is niets gewijzigd")
	if _, ok := h.progress("emmen", "3.2"); ok {
		t.Error("a representative changed an organisation they do not represent")
	}

	// mijn has a section per water board.
	mine := strings.Join(h.cmd("sanne", "mijn"), "\n")
	for _, name := range []string{"Hunze en Aa's", "Drents Overijsselse Delta", "Vechtstromen", "Noorderzijlvest"} {
		if !strings.Contains(mine, "#### Waterschap "+name+" — 1 van ") {
			t.Errorf("mijn has no section for %s:\n%s", name, mine)
		}
	}
	contains(t, h.cmd("sanne", "help")[0], "Noem de organisatie: `/ambitie hunze-en-aas 3.2 gereed`, `/ambitie bijwerken hunze-en-aas`.")
	contains(t, h.cmd("sanne", "bijwerken")[0], "Noem de organisatie, zoals in `/ambitie bijwerken hunze-en-aas`. Er is niets gewijzigd.")

	// One reminder covers all four, a heading and menus per water board.
	dm := h.reminderDM("sanne")
	contains(t, dm.Message, "Hallo @sanne")
	if hs := headings(dm); len(hs) != 4 || hs[0] != "#### Waterschap Hunze en Aa's" {
		t.Fatalf("headings = %q", hs)
	}
	act := h.menuFor(dm, "wdodelta", "1.1")
	resp := h.choose("sanne", dm.Id, act.Integration.Context, "in-uitvoering")
	contains(t, resp.EphemeralText, "Waterschap Drents Overijsselse Delta: ambitie 1.1 staat nu op **In uitvoering**")
	if p, _ := h.progress("wdodelta", "1.1"); p.Status != ambitiebot.StatusInProgress {
		t.Errorf("wdodelta 1.1 = %+v", p)
	}
	for _, other := range []string{"hunze-en-aas", "vechtstromen", "noorderzijlvest"} {
		if _, ok := h.progress(other, "1.1"); ok {
			t.Errorf("the click also changed %s", other)
		}
	}
	if resp.Update == nil || len(resp.Update.Attachments()) != len(dm.Attachments()) || len(headings(resp.Update)) != 4 {
		t.Fatal("the updated reminder lost organisations")
	}
	if got := h.menuFor(resp.Update, "wdodelta", "1.1"); got.DefaultOption != "in-uitvoering" {
		t.Errorf("updated menu = %+v", got)
	}
	if got := h.menuFor(resp.Update, "vechtstromen", "1.1"); got.DefaultOption != "niet-gestart" {
		t.Errorf("another board's menu changed: %+v", got)
	}

	// The knelpunt dialog carries the organisation of the menu.
	h.choose("sanne", dm.Id, h.menuFor(resp.Update, "vechtstromen", "1.4").Integration.Context, "knelpunt")
	dialogs := h.world.DialogsOpened()
	if len(dialogs) != 1 {
		t.Fatalf("%d dialogs", len(dialogs))
	}
	contains(t, dialogs[0].Dialog.IntroductionText, "Waterschap Vechtstromen")
	r := h.submit("sanne", dialogs[0].Dialog.State, map[string]any{workgroup.FieldAmbition: "1.4", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: "wacht op de jurist"})
	if r.Error != "" || len(r.Errors) != 0 {
		t.Fatalf("submission = %+v", r)
	}
	if p, _ := h.progress("vechtstromen", "1.4"); p.Status != ambitiebot.StatusBlocked || p.Note != "wacht op de jurist" {
		t.Errorf("vechtstromen 1.4 = %+v", p)
	}
	if _, ok := h.progress("hunze-en-aas", "1.4"); ok {
		t.Error("the dialog changed the e-mail domain's organisation")
	}
}

// A reminder without menus lists each organisation under its heading
// and says to put the organisation first.
func TestReminderWithoutMenusCoversEveryOrganisation(t *testing.T) {
	h := prepareHarness(t, fourBoards)
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.start()
	dm := h.reminderDM("sanne")
	for _, want := range []string{"Dit staat nog open bij Waterschap Hunze en Aa's, ", "#### Waterschap Noorderzijlvest", "`/ambitie hunze-en-aas 1.1 gereed`"} {
		contains(t, dm.Message, want)
	}
}

// contactConfig makes bram the contact of orgs.
func contactConfig(orgs ...string) string {
	var b strings.Builder
	for _, k := range orgs {
		b.WriteString("[organisations." + k + "]\ncontacts = [\"bram\"]\n")
	}
	return b.String()
}

// remindContact starts a bot without menus (no public URL) in which bram,
// not in the working-group channel, is the contact of orgs, reminds and
// delivers, and returns bram's direct channel.
func remindContact(t *testing.T, orgs ...string) (*harness, string) {
	t.Helper()
	h := prepareHarness(t, contactConfig(orgs...))
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	bram := h.world.AddUser("bram", "bram@example.org", "nl")
	h.world.People["bram"] = bram
	h.start()
	ctx := context.Background()
	if _, _, err := h.main.App.RemindNow(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	dm, err := h.main.Chat.DirectChannelID(ctx, bram.Id)
	if err != nil {
		t.Fatal(err)
	}
	return h, dm
}

// A reminder without menus for many organisations (a contact of nine
// municipalities with nobody in the channel) outgrows one Mattermost post:
// it comes in several, each under the limit and each organisation in
// exactly one, instead of being refused as a whole.
func TestLongReminderWithoutMenusComesInSeveralPosts(t *testing.T) {
	orgs := []string{"aa-en-hunze", "borger-odoorn", "coevorden", "de-wolden", "hoogeveen", "meppel", "midden-drenthe", "noordenveld", "westerveld"}
	h, dm := remindContact(t, orgs...)
	posts := h.world.Posts(dm)
	if len(posts) < 2 {
		t.Fatalf("bram got %d posts, want the reminder in several; working group:\n%v", len(posts), h.world.Posts(h.world.WorkingGroup.Id))
	}
	var all strings.Builder
	for _, p := range posts {
		if n := utf8.RuneCountInString(p.Message); n > workgroup.MaxPostRunes {
			t.Errorf("a post has %d runes, over %d", n, workgroup.MaxPostRunes)
		}
		contains(t, p.Message, "Hallo @bram")
		all.WriteString(p.Message)
	}
	for _, k := range orgs {
		o, _ := h.main.Config.Organisations.ByKey(k)
		if n := strings.Count(all.String(), "#### "+o.Name+"\n"); n != 1 {
			t.Errorf("%s is in %d posts, want 1", o.Name, n)
		}
	}
	for _, p := range h.world.Posts(h.world.WorkingGroup.Id) {
		if strings.Contains(p.Message, "⚠️") {
			t.Errorf("the project leaders were told of a failure: %s", p.Message)
		}
	}
}

// remind a second time for the same meeting sends nothing to someone
// already reminded, also when their reminder has since grown from one post
// to several (five more organisations for the contact): the later posts
// would otherwise come alone, and the new organisations in the first post
// never.
func TestRemindAgainAfterTheReminderGrew(t *testing.T) {
	h, dm := remindContact(t, "aa-en-hunze", "borger-odoorn", "coevorden", "de-wolden")
	ctx := context.Background()
	if n := len(h.world.Posts(dm)); n != 1 {
		t.Fatalf("bram got %d posts, want the reminder in one", n)
	}
	h.stop()
	h.appendConfig(contactConfig("hoogeveen", "meppel", "midden-drenthe", "noordenveld", "westerveld"))
	h.start()
	n, ds, err := h.main.App.RemindNow(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	if n != 0 || len(ds) != 0 {
		t.Errorf("the second remind queued %d posts (%d listed), want none", n, len(ds))
	}
	if n := len(h.world.Posts(dm)); n != 1 {
		t.Errorf("bram has %d posts after the second remind, want 1", n)
	}
}

// An organisation with nobody in the working-group channel reaches its
// contact; one that has a member there does not bother the contact; the
// meeting-day summary names the organisations nobody represents.
func TestContactGetsTheReminderOfAnOrganisationWithNobody(t *testing.T) {
	h := prepareHarness(t, `
[organisations.noorderzijlvest]
contacts = ["bram"]

[organisations.emmen]
contacts = ["bram"]
`)
	bram := h.world.AddUser("bram", "bram@example.org", "nl")
	h.world.People["bram"] = bram // not a member of the working-group channel
	h.start()
	dm := h.reminderDM("bram")
	contains(t, dm.Message, "Hallo @bram")
	contains(t, dm.Message, "Waterschap Noorderzijlvest")
	if strings.Contains(dm.Message, "Emmen") {
		t.Errorf("Emmen has Jan in the channel, yet its contact got its reminder:\n%s", dm.Message)
	}
	resp := h.choose("bram", dm.Id, h.menuFor(dm, "noorderzijlvest", "1.1").Integration.Context, "gereed")
	contains(t, resp.EphemeralText, "Waterschap Noorderzijlvest: ambitie 1.1 staat nu op **Gereed**")
	if p, _ := h.progress("noorderzijlvest", "1.1"); p.Status != ambitiebot.StatusDone || p.UpdatedBy != bram.Id {
		t.Errorf("noorderzijlvest 1.1 = %+v", p)
	}

	summary, err := h.main.App.SummaryText(context.Background(), h.clock.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, summary, "Niemand vertegenwoordigt ")
	nobody, err := h.main.App.Unrepresented(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range nobody {
		keys = append(keys, o.Key)
		contains(t, summary, o.Name)
	}
	for _, covered := range []string{"emmen", "assen", "tynaarlo", "provincie", "hunze-en-aas", "noorderzijlvest"} {
		for _, k := range keys {
			if k == covered {
				t.Errorf("%s is said to have nobody: %v", covered, keys)
			}
		}
	}
	if len(keys) == 0 || !strings.Contains(strings.Join(keys, ","), "wdodelta") {
		t.Errorf("unrepresented = %v, want wdodelta among them", keys)
	}
}

// koppel links to several organisations at once, ontkoppel undoes one
// or all, and only a project leader may do either.
func TestLinkSeveralAndUnlink(t *testing.T) {
	h := newHarness(t, "")
	linked := h.cmd("pieter", "koppel @kees meppel assen")[0]
	contains(t, linked, "@kees is gekoppeld aan Gemeente Meppel en Gemeente Assen")
	contains(t, linked, "@kees vertegenwoordigt nu Gemeente Assen en Gemeente Meppel.")
	contains(t, h.cmd("pieter", "koppel @kees assen")[0], "@kees was al gekoppeld aan Gemeente Assen")
	contains(t, h.cmd("pieter", "koppel @kees assen atlantis")[0], "‘atlantis’ is geen bekende organisatie")
	contains(t, h.cmd("kees", "3.2 gereed")[0], "Je vertegenwoordigt meer dan één organisatie")
	contains(t, h.cmd("kees", "assen 3.2 gereed")[0], "Gemeente Assen: ambitie 3.2 staat nu op **Gereed**")

	contains(t, h.cmd("jan", "ontkoppel @kees")[0], "Dit kan alleen een projectleider")
	contains(t, h.cmd("pieter", "ontkoppel")[0], "Gebruik: `/ambitie ontkoppel @gebruiker")
	contains(t, h.cmd("pieter", "ontkoppel @kees emmen")[0], "@kees had geen koppeling die vervalt")
	unlinked := h.cmd("pieter", "ontkoppel @kees assen")[0]
	contains(t, unlinked, "@kees is ontkoppeld van Gemeente Assen")
	contains(t, unlinked, "@kees vertegenwoordigt nu Gemeente Meppel.")
	contains(t, h.cmd("kees", "3.2 gereed")[0], "Gemeente Meppel: ambitie 3.2 staat nu op **Gereed**")
	contains(t, h.cmd("kees", "assen 3.3 gereed")[0], "Je mag alleen de voortgang van je eigen organisatie bijwerken")
	contains(t, h.cmd("pieter", "ontkoppel @kees")[0], "@kees vertegenwoordigt nu geen organisatie.")
	contains(t, h.cmd("kees", "3.2 gereed")[0], "niet aan een deelnemende organisatie gekoppeld")

	// A link adds to the e-mail domain's organisation; unlinking leaves it.
	contains(t, h.cmd("pieter", "koppel @jan coevorden")[0], "@jan vertegenwoordigt nu Gemeente Emmen en Gemeente Coevorden.")
	contains(t, h.cmd("pieter", "ontkoppel @jan")[0], "@jan vertegenwoordigt nu Gemeente Emmen.")
}

// An English representative of several organisations is asked in English.
func TestEnglishRepresentativeIsAskedInEnglish(t *testing.T) {
	h := newHarness(t, "[organisations.assen]\nrepresentatives = [\"john\"]\n")
	ask := h.cmd("john", "1.2 done")[0]
	contains(t, ask, "You represent more than one organisation: Gemeente Tynaarlo (`tynaarlo`), Gemeente Assen (`assen`)")
	contains(t, ask, "Nothing was changed")
	contains(t, h.cmd("john", "assen 1.2 done")[0], "Gemeente Assen: ambition 1.2 is now **Done**")
	contains(t, h.cmd("john", "emmen 1.2 done")[0], "You do not represent Gemeente Emmen")
}

// Someone who represents several organisations is told to type commands
// with the organisation first, also when a reminder has one section left
// (the others are done) and when it asks to confirm a changed text; a
// command without the organisation would be refused.
func TestReminderOfOneSectionNamesTheOrganisationForSeveral(t *testing.T) {
	h := prepareHarness(t, "[organisations.hunze-en-aas]\nrepresentatives = [\"jan\"]\n")
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.start()
	defaults, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range defaults.Catalogue.ForKind(ambitiebot.KindWaterBoard) {
		contains(t, h.cmd("jan", "hunze-en-aas "+a.ID+" gereed")[0], "staat nu op **Gereed**")
	}
	h.cmd("jan", "emmen 3.1 gereed")
	h.stop()
	h.appendConfig("[ambitions.\"3.1\"]\ntext = \"Het integrale afwegingskader is vastgesteld en wordt gebruikt.\"\n")
	h.start()
	dm := h.reminderDM("jan").Message
	contains(t, dm, "Gemeente Emmen")
	if strings.Contains(dm, "Hunze") {
		t.Errorf("the reminder lists the done water board:\n%s", dm)
	}
	contains(t, dm, "`/ambitie emmen 1.1 gereed`")
	contains(t, dm, "`/ambitie emmen 3.1 bevestig`")
	for _, bare := range []string{"`/ambitie 1.1 ", "`/ambitie 3.1 bevestig`"} {
		if strings.Contains(dm, bare) {
			t.Errorf("the reminder suggests %s…, which is refused to a representative of several:\n%s", bare, dm)
		}
	}
	mine := strings.Join(h.cmd("jan", "mijn"), "\n")
	contains(t, mine, "`/ambitie emmen 3.1 bevestig`")
	contains(t, h.cmd("jan", "emmen 3.1 bevestig")[0], "is bevestigd")
}

// A contact who is in the working-group channel gets an organisation's
// reminder only when no member there covers it, yet may always update it.
func TestContactInTheChannelOnlyForOrganisationsNobodyCovers(t *testing.T) {
	h := newHarness(t, `
[organisations.noorderzijlvest]
contacts = ["kees"]

[organisations.emmen]
contacts = ["kees"]
`)
	dm := h.reminderDM("kees").Message
	contains(t, dm, "Waterschap Noorderzijlvest")
	if strings.Contains(dm, "Emmen") {
		t.Errorf("Emmen has Jan in the channel, yet its contact in the channel got its reminder:\n%s", dm)
	}
	contains(t, h.cmd("kees", "emmen 1.1 gereed")[0], "Gemeente Emmen: ambitie 1.1 staat nu op **Gereed**")

	// Covered everywhere: no reminder at all.
	h = newHarness(t, "[organisations.emmen]\ncontacts = [\"kees\"]\n")
	_, ds, err := h.main.App.RemindNow(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Target == ambitiebot.UserTarget(h.user("kees").Id) {
			t.Errorf("the contact of a covered organisation gets a reminder: %s", d.Message)
		}
		if d.Target == ambitiebot.UserTarget(h.user("jan").Id) && !strings.Contains(d.Message, "Gemeente Emmen") {
			t.Errorf("jan's reminder: %s", d.Message)
		}
	}
	contains(t, h.cmd("kees", "1.2 gereed")[0], "Gemeente Emmen: ambitie 1.2 staat nu op **Gereed**")
}

// Organisation names come from the configuration, yet a heading or a list
// of them in a reminder or the meeting-day summary shows them as text:
// escaped, unable to mention anyone.
func TestOrganisationNamesAreEscapedInHeadingsAndLists(t *testing.T) {
	const names = `
[organisations.noorderzijlvest]
name = "Waterschap @all *Noorderzijlvest*"

[organisations.vechtstromen]
name = "Waterschap @here _Vechtstromen_"

[[representatives]]
username = "sanne"
organisations = ["noorderzijlvest"]
`
	const shown = "Waterschap @\u200ball \\*Noorderzijlvest\\*"
	check := func(where, text string) {
		t.Helper()
		contains(t, text, shown)
		if strings.Contains(text, "@all") || strings.Contains(text, "*Noorderzijlvest*") {
			t.Errorf("%s shows the name unescaped:\n%s", where, text)
		}
	}
	h := newHarness(t, names)
	dm := h.reminderDM("sanne")
	check("the menu reminder's intro", dm.Message)
	if hs := headings(dm); len(hs) != 2 || hs[1] != "#### "+shown {
		t.Errorf("headings = %q", hs)
	}
	summary, err := h.main.App.SummaryText(context.Background(), h.clock.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, summary, "Waterschap @\u200bhere \\_Vechtstromen\\_")
	if strings.Contains(summary, "@here") {
		t.Errorf("the summary shows a name unescaped:\n%s", summary)
	}

	// The footer of bericht tekst is the channel's: mentions neutralised.
	text := strings.Join(h.cmd("sanne", "bericht tekst noorderzijlvest"), "\n")
	contains(t, text, "Waterschap @\u200ball *Noorderzijlvest*.*")
	if strings.Contains(text, "@all") {
		t.Errorf("bericht tekst names the organisation unescaped:\n%s", text)
	}

	h = prepareHarness(t, names)
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.start()
	plain := h.reminderDM("sanne").Message
	check("the plain reminder", plain)
	contains(t, plain, "\n#### "+shown+"\n")
}
