package cli

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// command sends "/ambitie text" as Mattermost would and returns the
// whole answer, attachments included.
func (h *harness) command(user, text string) *model.CommandResponse {
	h.t.Helper()
	resp, status, err := h.world.ExecuteCommand(h.main.HTTP.URL()+"/command", testCommandToken, h.user(user), h.world.WorkingGroup, text)
	if err != nil || status != http.StatusOK {
		h.t.Fatalf("/ambitie %s: status %d, %v", text, status, err)
	}
	return resp
}

// press sends what Mattermost sends when user clicks a button whose
// integration context is ctx.
func (h *harness) press(user string, ctx map[string]any) string {
	h.t.Helper()
	req := model.PostActionIntegrationRequest{
		UserId: h.user(user).Id, UserName: user, ChannelId: h.world.WorkingGroup.Id, PostId: model.NewId(),
		TriggerId: h.world.NewTriggerID(), Type: model.PostActionTypeButton, Context: ctx,
	}
	body, _ := json.Marshal(req)
	var resp model.PostActionIntegrationResponse
	if status := h.postJSON("/action", body, &resp); status != http.StatusOK {
		h.t.Fatalf("/action answered %d", status)
	}
	return resp.EphemeralText
}

func (h *harness) awarenessDeliveries() []ambitiebot.Delivery {
	h.t.Helper()
	ds, err := h.main.DB.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{Kind: "awareness"})
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

// confirmButton returns the one button of an answer.
func confirmButton(t *testing.T, resp *model.CommandResponse) *model.PostAction {
	t.Helper()
	if len(resp.Attachments) != 1 || len(resp.Attachments[0].Actions) != 1 {
		t.Fatalf("answer has no single button: %+v", resp.Attachments)
	}
	return resp.Attachments[0].Actions[0]
}

// /ambitie bericht verstuur without an id asks first; the signed button
// sends through the outbox; a second request, by command or by button,
// says who sent it and when and sends nothing; forged, unsigned and
// someone else's confirmations are refused and send nothing.
func TestBerichtVerstuurTwiceSendsOnce(t *testing.T) {
	h := newHarness(t, "")
	ask := h.command("pieter", "bericht verstuur")
	contains(t, ask.Text, "Bericht ‘Drugsafval in de sloot of het bos’ (`drugsafval`) gaat naar 17 organisaties. Er gaat pas iets uit als je op **Versturen** klikt of `/ambitie bericht verstuur drugsafval` typt.")
	button := confirmButton(t, ask)
	if button.Name != "Versturen" || button.Type != model.PostActionTypeButton || button.Integration.URL != "https://ambitiebot.example.org/action" ||
		button.Integration.Context["sig"] == "" || button.Integration.Context[ambitiebot.ContextUser] != h.user("pieter").Id {
		t.Fatalf("button = %+v, context %v", button, button.Integration.Context)
	}
	if n := len(h.awarenessDeliveries()); n != 0 {
		t.Fatalf("asking queued %d deliveries", n)
	}
	contains(t, strings.Join(h.cmd("jan", "bericht verstuur"), "\n"), "Dit kan alleen een projectleider.")

	// Refused before anything is read: nothing goes out.
	unsigned := maps.Clone(button.Integration.Context)
	delete(unsigned, "sig")
	forged := maps.Clone(button.Integration.Context)
	forged["run"] = "awareness:schuren:1"
	for name, c := range map[string]struct {
		user string
		ctx  map[string]any
		want string
	}{
		"unsigned":       {"pieter", unsigned, "komt niet van de ambitiebot"},
		"forged":         {"pieter", forged, "onderweg veranderd"},
		"someone else's": {"anna", button.Integration.Context, "voor iemand anders"},
	} {
		if got := h.press(c.user, c.ctx); !strings.Contains(got, c.want) {
			t.Errorf("%s confirmation: %q, want %q", name, got, c.want)
		}
	}
	if n := len(h.awarenessDeliveries()); n != 0 {
		t.Fatalf("a refused confirmation queued %d deliveries", n)
	}

	contains(t, h.press("pieter", button.Integration.Context), "Bericht `drugsafval` wordt nu naar 17 organisaties verstuurd.")
	for ref, ch := range h.world.Channels {
		if ref != workingGroup && len(h.waitPosts(ch.Id, 1)) != 1 {
			t.Errorf("%s did not get the message once", ref)
		}
	}

	const already = "Bericht ‘Drugsafval in de sloot of het bos’ (`drugsafval`) is al verstuurd door pieter op maandag 11 januari 2027 om 15:00. Er is niets opnieuw verstuurd."
	again := h.command("pieter", "bericht verstuur")
	contains(t, again.Text, already)
	if len(again.Attachments) != 0 {
		t.Errorf("a second request offers a button again: %+v", again.Attachments)
	}
	contains(t, h.press("pieter", button.Integration.Context), already)
	if n := len(h.awarenessDeliveries()); n != 17 {
		t.Errorf("%d awareness deliveries, want 17", n)
	}
	for ref, ch := range h.world.Channels {
		if n := len(h.world.Posts(ch.Id)); ref != workingGroup && n != 1 {
			t.Errorf("%s has %d posts, want 1", ref, n)
		}
	}
	b, ok, err := h.main.DB.FindBroadcast(context.Background(), "awareness:drugsafval:1")
	if err != nil || !ok || b.Via != ambitiebot.BroadcastChat || b.UserID != h.user("pieter").Id || b.Username != "pieter" {
		t.Errorf("recorded broadcast = %+v %v %v", b, ok, err)
	}

	// An English project leader would read it in English; the sender is
	// said the same way for a message named by id.
	contains(t, strings.Join(h.cmd("pieter", "bericht verstuur drugsafval"), "\n"), already)
}

// Without a public URL there is no button: the answer says how to send
// by naming the message.
func TestBerichtVerstuurWithoutButtons(t *testing.T) {
	h := prepareHarness(t, "")
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.start()
	resp := h.command("pieter", "bericht verstuur")
	contains(t, resp.Text, "Er is nog niets verstuurd: typ `/ambitie bericht verstuur drugsafval` om het te versturen.")
	if len(resp.Attachments) != 0 || len(h.awarenessDeliveries()) != 0 {
		t.Errorf("attachments %+v, deliveries %d", resp.Attachments, len(h.awarenessDeliveries()))
	}
}

// Affiliated organisations (kind = "aangesloten") get the awareness
// message exactly once, by channel or webhook, with their name in the
// footer, and appear in the export; they are in no matrix, overview or
// reminder and cannot be updated.
func TestAffiliatedOrganisations(t *testing.T) {
	h := prepareHarness(t, "")
	riecTeam := h.world.AddTeam("riec")
	riec := h.world.AddChannel(riecTeam, "town-square")
	h.world.AddMember(riec.Id, h.world.Bot.Id)
	rudTeam := h.world.AddTeam("rud")
	rud := h.world.AddChannel(rudTeam, "medewerkers")
	hook := h.world.AddWebhook(rud.Id)
	cfg, err := os.ReadFile(h.env["AMBITIEBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, []byte(`
[organisations.riec]
name = "RIEC Noord-Nederland"
kind = "aangesloten"
domains = ["riec.nl"]

[organisations.rud-drenthe]
name = "RUD Drenthe"
kind = "aangesloten"
webhook = "`+hook+`"
`)...)
	if err := os.WriteFile(h.env["AMBITIEBOT_CONFIG"], cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	h.start()

	ask := h.command("pieter", "bericht verstuur")
	contains(t, ask.Text, "gaat naar 19 organisaties, waarvan 2 aangesloten.")
	contains(t, h.press("pieter", confirmButton(t, ask).Integration.Context), "wordt nu naar 19 organisaties verstuurd")
	for name, ch := range map[string]string{"RIEC Noord-Nederland": riec.Id, "RUD Drenthe": rud.Id} {
		posts := h.waitPosts(ch, 1)
		if len(posts) != 1 || !strings.Contains(posts[0].Message, "veiligheidsfunctionaris van "+name+".") {
			t.Errorf("%s: posts %d, %v", name, len(posts), posts)
		}
	}
	contains(t, strings.Join(h.cmd("pieter", "bericht verstuur drugsafval"), "\n"), "is al verstuurd")
	if n := len(h.awarenessDeliveries()); n != 19 {
		t.Errorf("%d awareness deliveries, want 19", n)
	}
	if n := len(h.world.Posts(riec.Id)) + len(h.world.Posts(rud.Id)); n != 2 {
		t.Errorf("the affiliated organisations got %d posts, want 2", n)
	}

	// Not a party: no matrix, overview, updates or reminders.
	overview := strings.Join(h.cmd("pieter", "overzicht"), "\n")
	if strings.Contains(overview, "RIEC") || strings.Contains(overview, "RUD") {
		t.Errorf("the overview lists an affiliated organisation:\n%s", overview)
	}
	contains(t, strings.Join(h.cmd("pieter", "riec 3.2 gereed"), "\n"), "RIEC Noord-Nederland is een aangesloten organisatie")
	contains(t, strings.Join(h.cmd("pieter", "overzicht rud-drenthe"), "\n"), "RUD Drenthe is een aangesloten organisatie")
	contains(t, strings.Join(h.cmd("pieter", "koppel @kees riec"), "\n"), "RIEC Noord-Nederland is een aangesloten organisatie")
	contains(t, strings.Join(h.cmd("riec", "3.2 gereed"), "\n"), "niet aan een deelnemende organisatie gekoppeld")
	if n := h.changes(); n != 0 {
		t.Errorf("%d changes stored", n)
	}
	for _, format := range []string{"csv", "md"} {
		report, err := h.run("report", "--format", format)
		if err != nil || strings.Contains(report, "RIEC") || strings.Contains(report, "RUD Drenthe") || !strings.Contains(report, "Gemeente Emmen") {
			t.Errorf("%s report: %v\n%s", format, err, report)
		}
	}
	if _, _, err := h.main.App.RemindNow(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	ds, err := h.main.DB.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Kind != "awareness" && (d.OrgKey == "riec" || d.OrgKey == "rud-drenthe") {
			t.Errorf("an affiliated organisation got a %s: %+v", d.Kind, d)
		}
	}

	// The export has a file for each, with its name in the footer.
	dir := t.TempDir()
	out, err := h.run("awareness", "export", "--format", "txt", "--out", dir)
	if err != nil {
		t.Fatalf("awareness export: %v\n%s", err, out)
	}
	contains(t, out, "Bericht drugsafval staat in 19 bestanden")
	data, err := os.ReadFile(filepath.Join(dir, "drugsafval-riec.txt"))
	if err != nil || !strings.Contains(string(data), "veiligheidsfunctionaris van RIEC Noord-Nederland.") {
		t.Errorf("RIEC's file: %v\n%s", err, data)
	}
	config, _ := h.run("config")
	contains(t, config, "organisations.riec.kind")
	doctor, _ := h.run("doctor")
	contains(t, doctor, "RIEC Noord-Nederland (aangesloten, ontvangt alleen het bewustwordingsbericht): kanaal ‘riec/town-square’")
}

// awareness export writes the message of the current period, one file
// per organisation, 0600, never over a file without --force and never
// through a symbolic link; without --out it prints the generic version.
func TestAwarenessExport(t *testing.T) {
	h := newHarness(t, "")
	out, err := h.run("awareness", "export", "--format", "html")
	if err != nil {
		t.Fatalf("export to stdout: %v\n%s", err, out)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<h1>Drugsafval in de sloot of het bos</h1>", "<li>", "van je eigen organisatie."} {
		contains(t, out, want)
	}
	out, err = h.run("awareness", "export", "--id", "schuren", "--org", "emmen", "--lang", "en", "--format", "txt")
	if err != nil || !strings.Contains(out, "security officer of Gemeente Emmen.") || strings.Contains(out, "**") {
		t.Errorf("one organisation's text: %v\n%s", err, out)
	}

	dir := t.TempDir()
	out, err = h.run("awareness", "export", "--format", "md", "--out", dir)
	if err != nil {
		t.Fatalf("export to a folder: %v\n%s", err, out)
	}
	contains(t, out, "Bericht drugsafval staat in 17 bestanden, één per organisatie")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 17 {
		t.Fatalf("%d files, %v", len(entries), err)
	}
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil || fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
			t.Errorf("%s: mode %v, %v", e.Name(), fi.Mode(), err)
		}
	}
	emmen, _ := os.ReadFile(filepath.Join(dir, "drugsafval-emmen.md"))
	if !strings.HasPrefix(string(emmen), "### Drugsafval in de sloot of het bos\n") || !strings.Contains(string(emmen), "veiligheidsfunctionaris van Gemeente Emmen.*") {
		t.Errorf("Emmen's file:\n%s", emmen)
	}

	one := t.TempDir()
	out, err = h.run("awareness", "export", "--format", "md", "--org", "emmen", "--out", one)
	if err != nil {
		t.Fatalf("export of one organisation to a folder: %v\n%s", err, out)
	}
	contains(t, out, "Bericht drugsafval staat in 1 bestand, alleen voor jou leesbaar (0600).")

	// Again: refused, nothing changed; with --force replaced.
	if err := os.WriteFile(filepath.Join(dir, "drugsafval-assen.md"), []byte("eigen tekst"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = h.run("awareness", "export", "--format", "md", "--out", dir)
	if err == nil || !strings.Contains(err.Error(), "bestaat al en wordt niet overschreven") {
		t.Errorf("second export: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "drugsafval-assen.md")); string(b) != "eigen tekst" {
		t.Error("a refused export changed a file")
	}
	if out, err = h.run("awareness", "export", "--format", "md", "--out", dir, "--force"); err != nil {
		t.Errorf("export --force: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "drugsafval-assen.md")); !strings.Contains(string(b), "Gemeente Assen") {
		t.Error("--force did not replace the file")
	}

	// A symbolic link, as the folder or as a file in it, is not followed.
	target := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	out, err = h.run("awareness", "export", "--out", link)
	if err == nil || !strings.Contains(err.Error(), "symbolische koppeling") {
		t.Errorf("export into a linked folder: %v\n%s", err, out)
	}
	fresh := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(fresh, "drugsafval-emmen.md")); err != nil {
		t.Fatal(err)
	}
	out, err = h.run("awareness", "export", "--out", fresh, "--force")
	if err == nil || !strings.Contains(err.Error(), "symbolische koppeling") || out != "" {
		t.Errorf("export over a link: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Error("the export wrote through a symbolic link")
	}
	for _, c := range []struct{ args []string }{
		{[]string{"awareness", "export", "--format", "pdf"}},
		{[]string{"awareness", "export", "--org", "atlantis"}},
		{[]string{"awareness", "export", "--id", "bestaatniet"}},
		{[]string{"awareness", "export", "--out", filepath.Join(dir, "drugsafval-emmen.md")}},
	} {
		if out, err := h.run(c.args...); err == nil {
			t.Errorf("%v succeeded:\n%s", c.args, out)
		}
	}
}

// /ambitie bericht tekst gives the message to copy in the user's
// language, with their organisation in the footer.
func TestBerichtTekst(t *testing.T) {
	h := newHarness(t, "")
	jan := h.cmd("jan", "bericht tekst")
	if len(jan) != 2 {
		t.Fatalf("answer = %q", jan)
	}
	contains(t, jan[0], "Het bewustwordingsbericht ‘Drugsafval in de sloot of het bos’ (`drugsafval`) om te kopiëren")
	if !strings.HasPrefix(jan[1], "```markdown\n### Drugsafval in de sloot of het bos\n") || !strings.HasSuffix(jan[1], "veiligheidsfunctionaris van Gemeente Emmen.*\n```") {
		t.Errorf("text block:\n%s", jan[1])
	}
	john := h.cmd("john", "bericht text schuren")
	contains(t, john[0], "to copy into your intranet or newsletter")
	contains(t, john[1], "security officer of Gemeente Tynaarlo.*")
	contains(t, strings.Join(h.cmd("jan", "bericht tekst bestaatniet"), "\n"), "Er is geen bewustwordingsbericht met het id ‘bestaatniet’")
	if n := len(h.awarenessDeliveries()); n != 0 {
		t.Errorf("bericht tekst queued %d deliveries", n)
	}
}

// An unknown message id is the user's own text: the answer shows it
// escaped, unable to mention the channel.
func TestUnknownMessageIDCannotMention(t *testing.T) {
	h := newHarness(t, "")
	for _, text := range []string{"bericht tekst @channel", "bericht @channel", "bericht verstuur @channel"} {
		got := strings.Join(h.cmd("pieter", text), "\n")
		contains(t, got, "Er is geen bewustwordingsbericht met het id ‘@\u200bchannel’")
		if strings.Contains(got, "@channel") {
			t.Errorf("/ambitie %s echoes a mention: %q", text, got)
		}
	}
}
