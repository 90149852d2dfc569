package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// reminderDM queues the reminder now and returns the direct message the
// dispatcher posted to user.
func (h *harness) reminderDM(user string) *model.Post {
	h.t.Helper()
	ctx := context.Background()
	if _, _, err := h.main.App.RemindNow(ctx, false); err != nil {
		h.t.Fatal(err)
	}
	dm, err := h.main.Chat.DirectChannelID(ctx, h.user(user).Id)
	if err != nil {
		h.t.Fatal(err)
	}
	posts := h.waitPosts(dm, 1)
	if len(posts) != 1 {
		h.t.Fatalf("%s has %d direct messages, want 1", user, len(posts))
	}
	return posts[0]
}

// menu returns the status menu of ambition id in a post.
func (h *harness) menu(p *model.Post, id string) *model.PostAction {
	h.t.Helper()
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			if act.Integration != nil && act.Integration.Context[ambitiebot.ContextAmbition] == id {
				return act
			}
		}
	}
	h.t.Fatalf("post has no menu for %s: %+v", id, p.Attachments())
	return nil
}

// attachmentText returns the text of ambition id's attachment.
func (h *harness) attachmentText(p *model.Post, id string) string {
	h.t.Helper()
	for _, a := range p.Attachments() {
		if strings.HasPrefix(a.Text, "**"+id+"**") {
			return a.Text
		}
	}
	h.t.Fatalf("post has no line for %s", id)
	return ""
}

// postJSON sends body to one of the bot's endpoints as Mattermost does.
func (h *harness) postJSON(path string, body []byte, out any) int {
	h.t.Helper()
	resp, err := http.Post(h.main.HTTP.URL()+path, "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			h.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// choose sends what Mattermost sends when user picks option in a menu
// whose integration context is ctx.
func (h *harness) choose(user string, postID string, ctx map[string]any, option string) *model.PostActionIntegrationResponse {
	h.t.Helper()
	c := map[string]any{}
	for k, v := range ctx {
		c[k] = v
	}
	c["selected_option"] = option
	req := model.PostActionIntegrationRequest{
		UserId: h.user(user).Id, UserName: user, ChannelId: model.NewId(), PostId: postID,
		TriggerId: h.world.NewTriggerID(), Type: model.PostActionTypeSelect, Context: c,
	}
	body, _ := json.Marshal(req)
	var resp model.PostActionIntegrationResponse
	if status := h.postJSON("/action", body, &resp); status != http.StatusOK {
		h.t.Fatalf("/action answered %d", status)
	}
	return &resp
}

// submit sends a dialog submission as Mattermost does.
func (h *harness) submit(user, state string, submission map[string]any) *model.SubmitDialogResponse {
	h.t.Helper()
	req := model.SubmitDialogRequest{
		Type: "dialog_submission", CallbackId: workgroup.DialogCallback, State: state,
		UserId: h.user(user).Id, ChannelId: model.NewId(), TeamId: model.NewId(), Submission: submission,
	}
	body, _ := json.Marshal(req)
	var resp model.SubmitDialogResponse
	if status := h.postJSON("/dialog", body, &resp); status != http.StatusOK {
		h.t.Fatalf("/dialog answered %d", status)
	}
	return &resp
}

// feedPosts returns the activity-feed lines in the working group.
func (h *harness) feedPosts() []string {
	var out []string
	for _, p := range h.world.Posts(h.world.WorkingGroup.Id) {
		if strings.Contains(p.Message, "→") {
			out = append(out, p.Message)
		}
	}
	return out
}

func (h *harness) waitFeed(n int) []string {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.feedPosts()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return h.feedPosts()
}

func TestReminderMenuClickUpdatesStatusAndDM(t *testing.T) {
	h := newHarness(t, "")
	dm := h.reminderDM("jan")
	if !strings.Contains(dm.Message, "Hallo @jan") {
		t.Errorf("reminder message = %q", dm.Message)
	}
	act := h.menu(dm, "1.1")
	if act.Type != model.PostActionTypeSelect || len(act.Options) != 5 || act.DefaultOption != "niet-gestart" ||
		act.Integration.URL != "https://ambitiebot.example.org/action" ||
		act.Integration.Context[ambitiebot.ContextUser] != h.user("jan").Id || act.Integration.Context[ambitiebot.ContextOrg] != "emmen" {
		t.Fatalf("menu = %+v, context %v", act, act.Integration.Context)
	}
	if act.Options[0].Text != "Gereed" {
		t.Errorf("options are not localised: %+v", act.Options[0])
	}

	resp := h.choose("jan", dm.Id, act.Integration.Context, "in-uitvoering")
	contains(t, resp.EphemeralText, "Gemeente Emmen: ambitie 1.1 staat nu op **In uitvoering** (was: Niet gestart)")
	if p, ok := h.progress("emmen", "1.1"); !ok || p.Status != ambitiebot.StatusInProgress || p.UpdatedBy != h.user("jan").Id {
		t.Fatalf("stored progress = %+v, %v", p, ok)
	}
	// The DM is updated in place: Mattermost applies the answer's update
	// to the clicked post.
	if resp.Update == nil {
		t.Fatal("the answer does not update the reminder")
	}
	contains(t, h.attachmentText(resp.Update, "1.1"), "In uitvoering")
	if got := h.menu(resp.Update, "1.1"); got.DefaultOption != "in-uitvoering" || got.Integration.Context["sig"] == "" {
		t.Errorf("updated menu = %+v", got)
	}
	if len(resp.Update.Attachments()) != len(dm.Attachments()) || resp.Update.GetProp("ambitiebot_marker") != dm.GetProp("ambitiebot_marker") {
		t.Errorf("the update lost attachments or the marker")
	}
	if feed := h.waitFeed(1); len(feed) != 1 || feed[0] != "Gemeente Emmen: 1.1 → In uitvoering (door @jan)" {
		t.Errorf("feed = %q", feed)
	}

	// The updated menu works too.
	again := h.choose("jan", dm.Id, h.menu(resp.Update, "1.1").Integration.Context, "gereed")
	contains(t, again.EphemeralText, "**Gereed**")
	if p, _ := h.progress("emmen", "1.1"); p.Status != ambitiebot.StatusDone {
		t.Errorf("status after the second choice = %s", p.Status)
	}
}

// With an edit time limit, Mattermost refuses the reminder update a click
// answers with once the reminder is older than the limit, and the click
// then fails in the user's client although the status is saved: the bot
// confirms the choice and leaves the reminder as it is.
func TestReminderClickUnderAnEditTimeLimit(t *testing.T) {
	h := newHarness(t, "")
	h.world.SetPostEditTimeLimit(300)
	dm := h.reminderDM("jan")
	resp := h.choose("jan", dm.Id, h.menu(dm, "1.1").Integration.Context, "in-uitvoering")
	contains(t, resp.EphemeralText, "Gemeente Emmen: ambitie 1.1 staat nu op **In uitvoering** (was: Niet gestart)")
	if resp.Update != nil {
		t.Errorf("the answer updates the reminder, which Mattermost would refuse: %q", resp.Update.Message)
	}
	if p, ok := h.progress("emmen", "1.1"); !ok || p.Status != ambitiebot.StatusInProgress {
		t.Fatalf("stored progress = %+v, %v", p, ok)
	}
}

func TestBlockedChoiceOpensDialog(t *testing.T) {
	h := newHarness(t, "")
	dm := h.reminderDM("jan")
	resp := h.choose("jan", dm.Id, h.menu(dm, "1.2").Integration.Context, "knelpunt")
	if resp.EphemeralText != "" || resp.Update != nil {
		t.Errorf("answer = %+v; want a dialog and nothing else", resp)
	}
	if n := h.changes(); n != 0 {
		t.Fatalf("a knelpunt without toelichting was stored (%d changes)", n)
	}
	dialogs := h.world.DialogsOpened()
	if len(dialogs) != 1 {
		t.Fatalf("%d dialogs opened, want 1", len(dialogs))
	}
	d := dialogs[0]
	if d.URL != "https://ambitiebot.example.org/dialog" || d.Dialog.CallbackId != workgroup.DialogCallback {
		t.Errorf("dialog request = %+v", d)
	}
	if err := d.Dialog.IsValid(); err != nil {
		t.Errorf("Mattermost would refuse the dialog: %v", err)
	}
	defaults := map[string]string{}
	for _, e := range d.Dialog.Elements {
		defaults[e.Name] = e.Default
	}
	if defaults[workgroup.FieldAmbition] != "1.2" || defaults[workgroup.FieldStatus] != "knelpunt" || defaults[workgroup.FieldNote] != "" {
		t.Errorf("dialog defaults = %v", defaults)
	}

	// Without a toelichting the dialog stays open with a field error.
	r := h.submit("jan", d.Dialog.State, map[string]any{workgroup.FieldAmbition: "1.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: "  "})
	if r.Errors[workgroup.FieldNote] != "Beschrijf wat de ambitie tegenhoudt." || r.Error != "" {
		t.Errorf("submission without toelichting = %+v", r)
	}
	r = h.submit("jan", d.Dialog.State, map[string]any{workgroup.FieldAmbition: "1.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: nil})
	if r.Errors[workgroup.FieldNote] == "" {
		t.Errorf("submission with a null toelichting = %+v", r)
	}
	if n := h.changes(); n != 0 {
		t.Fatalf("an incomplete dialog was stored (%d changes)", n)
	}

	r = h.submit("jan", d.Dialog.State, map[string]any{workgroup.FieldAmbition: "1.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: "wacht op @channel capaciteit"})
	if r.Error != "" || len(r.Errors) != 0 {
		t.Fatalf("submission = %+v", r)
	}
	p, ok := h.progress("emmen", "1.2")
	if !ok || p.Status != ambitiebot.StatusBlocked || p.Note != "wacht op @channel capaciteit" {
		t.Fatalf("stored progress = %+v, %v", p, ok)
	}
	// The reminder is updated through the API, found by its marker.
	deadline := time.Now().Add(5 * time.Second)
	var updated *model.Post
	for updated == nil && time.Now().Before(deadline) {
		for _, q := range h.world.Posts(dm.ChannelId) {
			if q.Id == dm.Id && q.EditAt != 0 {
				updated = q
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if updated == nil {
		t.Fatal("the reminder was not updated")
	}
	contains(t, h.attachmentText(updated, "1.2"), "Knelpunt")
	if feed := h.waitFeed(1); len(feed) != 1 || !strings.Contains(feed[0], "1.2 → Knelpunt (door @jan): wacht op @\u200bchannel capaciteit") {
		t.Errorf("feed = %q", feed)
	}

	// Choosing knelpunt again starts from the stored toelichting.
	h.choose("jan", dm.Id, h.menu(updated, "1.2").Integration.Context, "knelpunt")
	if ds := h.world.DialogsOpened(); len(ds) != 2 || ds[1].Dialog.Elements[2].Default != "wacht op @channel capaciteit" {
		t.Errorf("second dialog = %+v", ds)
	}
}

func TestForgedActionsChangeNothing(t *testing.T) {
	h := newHarness(t, "")
	dm := h.reminderDM("jan")
	signed := h.menu(dm, "1.1").Integration.Context
	copyWith := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range signed {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	annaChannel := h.reminderDM("anna")
	tests := []struct {
		name, user string
		ctx        map[string]any
		want       string
	}{
		{"unsigned", "jan", map[string]any{"user": h.user("jan").Id, "org": "emmen", "ambition": "1.1"}, "komt niet van de ambitiebot"},
		{"signature removed", "jan", copyWith("sig", nil), "komt niet van de ambitiebot"},
		{"other ambition", "jan", copyWith("ambition", "1.2"), "onderweg veranderd"},
		{"other organisation", "jan", copyWith("org", "assen"), "onderweg veranderd"},
		{"not a string", "jan", copyWith("org", 7), "onderweg veranderd"},
		{"someone else's menu", "anna", signed, "voor iemand anders bedoeld"},
		{"someone else's menu, user rewritten", "anna", copyWith("user", h.user("anna").Id), "onderweg veranderd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.choose(tt.user, annaChannel.Id, tt.ctx, "gereed")
			contains(t, resp.EphemeralText, tt.want)
			contains(t, resp.EphemeralText, "er is niets gewijzigd")
			if resp.Update != nil {
				t.Error("a refused click updates a post")
			}
		})
	}

	// A genuine click replayed after the menus expired.
	h.clock.Set(h.clock.Now().Add(31 * 24 * time.Hour))
	resp := h.choose("jan", dm.Id, signed, "gereed")
	contains(t, resp.EphemeralText, "ouder dan 30 dagen")

	// An English user hears it in English.
	john := h.choose("john", dm.Id, signed, "gereed")
	contains(t, john.EphemeralText, "meant for someone else")

	if n := h.changes(); n != 0 {
		t.Errorf("a refused click changed %d statuses", n)
	}
	if len(h.world.DialogsOpened()) != 0 {
		t.Error("a refused click opened a dialog")
	}
	for _, p := range h.world.AllPosts() {
		if p.EditAt != 0 {
			t.Errorf("a refused click edited post %s", p.Id)
		}
	}
	if strings.Contains(h.logs.String(), "sig\":") {
		t.Error("a signature was logged")
	}
}

func TestActionEndpointsRefuseBadBodies(t *testing.T) {
	h := newHarness(t, "")
	for _, path := range []string{"/action", "/dialog"} {
		big := append([]byte(`{"user_id":"`), bytes.Repeat([]byte("a"), 70<<10)...)
		if status := h.postJSON(path, append(big, `"}`...), nil); status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with 70 KiB answered %d, want 413", path, status)
		}
		if status := h.postJSON(path, []byte("user_id=x"), nil); status != http.StatusBadRequest {
			t.Errorf("%s with a form answered %d, want 400", path, status)
		}
		if status := h.postJSON(path, []byte(`{"user_id":"../../etc"}`), nil); status != http.StatusBadRequest {
			t.Errorf("%s with a bad user id answered %d, want 400", path, status)
		}
	}
	resp, err := http.Get(h.main.HTTP.URL() + "/action")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /action answered %d", resp.StatusCode)
	}
}

func TestEditCommandOpensDialog(t *testing.T) {
	h := newHarness(t, "")
	if reply := h.cmd("jan", "bijwerken"); len(reply) != 1 || reply[0] != "" {
		t.Errorf("reply = %q; want a silent acknowledgement", reply)
	}
	dialogs := h.world.DialogsOpened()
	if len(dialogs) != 1 {
		t.Fatalf("%d dialogs opened, want 1", len(dialogs))
	}
	d := dialogs[0].Dialog
	if err := d.IsValid(); err != nil {
		t.Errorf("Mattermost would refuse the dialog: %v", err)
	}
	emmen, _ := h.main.Config.Organisations.ByKey("emmen")
	applicable := h.main.Config.Catalogue.ForKind(emmen.Kind)
	if d.Title != "Status bijwerken" || len(d.Elements) != 3 || len(d.Elements[0].Options) != len(applicable) ||
		d.Elements[0].Options[0].Value != applicable[0].ID || len(d.Elements[1].Options) != 5 || d.Elements[2].Type != "textarea" {
		t.Fatalf("dialog = %+v", d)
	}
	r := h.submit("jan", d.State, map[string]any{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "gereed"})
	if r.Error != "" || len(r.Errors) != 0 {
		t.Fatalf("submission = %+v", r)
	}
	if p, _ := h.progress("emmen", "3.2"); p.Status != ambitiebot.StatusDone {
		t.Errorf("status = %s", p.Status)
	}

	// A state is bound to its user and expires after an hour.
	r = h.submit("anna", d.State, map[string]any{workgroup.FieldAmbition: "3.3", workgroup.FieldStatus: "gereed"})
	contains(t, r.Error, "voor iemand anders bedoeld")
	tampered := strings.Replace(d.State, "emmen", "assen", 1)
	contains(t, h.submit("jan", tampered, map[string]any{workgroup.FieldAmbition: "3.3", workgroup.FieldStatus: "gereed"}).Error, "onderweg veranderd")
	h.clock.Set(h.clock.Now().Add(61 * time.Minute))
	contains(t, h.submit("jan", d.State, map[string]any{workgroup.FieldAmbition: "3.4", workgroup.FieldStatus: "gereed"}).Error, "langer dan 60 minuten")
	if n := h.changes(); n != 1 {
		t.Errorf("%d changes, want 1 (the valid submission)", n)
	}

	// A dialog submission passes the slash command's checks: an ambition
	// that does not apply, a status that does not exist.
	h.cmd("jan", "bijwerken")
	d = h.world.DialogsOpened()[1].Dialog
	if r := h.submit("jan", d.State, map[string]any{workgroup.FieldAmbition: "9.9", workgroup.FieldStatus: "gereed"}); r.Error == "" {
		t.Errorf("an unknown ambition was accepted")
	}
	if r := h.submit("jan", d.State, map[string]any{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "klaar!"}); r.Errors[workgroup.FieldStatus] == "" {
		t.Errorf("an unknown status was accepted: %+v", r)
	}

	// Someone without an organisation is told so, and no dialog opens.
	contains(t, h.cmd("kees", "bijwerken")[0], "niet aan een deelnemende organisatie gekoppeld")
	if n := len(h.world.DialogsOpened()); n != 2 {
		t.Errorf("%d dialogs opened, want 2", n)
	}
}

func TestGeneratedActionSecretIsKept(t *testing.T) {
	h := newHarness(t, "")
	dm := h.reminderDM("jan")
	ctx := h.menu(dm, "1.1").Integration.Context
	stored, ok, err := h.main.DB.Setting(context.Background(), actionSecretSetting)
	if err != nil || !ok || len(stored) != 64 {
		t.Fatalf("stored secret: %d characters, %v, %v", len(stored), ok, err)
	}
	if strings.Contains(h.logs.String(), stored) {
		t.Error("the action secret was logged")
	}
	// After a restart the reminder's menus still work.
	h.stop()
	h.start()
	contains(t, h.choose("jan", dm.Id, ctx, "gereed").EphemeralText, "**Gereed**")

	// A configured secret wins; menus signed with the old one are refused.
	h.stop()
	h.env["AMBITIEBOT_ACTION_SECRET"] = strings.Repeat("k", 40)
	h.start()
	contains(t, h.choose("jan", dm.Id, ctx, "in-uitvoering").EphemeralText, "onderweg veranderd")
}

func TestWithoutPublicURLRemindersArePlain(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.start()
	dm := h.reminderDM("jan")
	if len(dm.Attachments()) != 0 || !strings.Contains(dm.Message, "/ambitie") {
		t.Errorf("reminder without a public URL = %q with %d attachments", dm.Message, len(dm.Attachments()))
	}
	contains(t, h.cmd("jan", "bijwerken")[0], "niet beschikbaar")
}
