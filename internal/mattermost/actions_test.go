package mattermost

import (
	"context"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func menuPost(channelID, userID string) ambitiebot.Post {
	return ambitiebot.Post{
		ChannelID: channelID, Message: "Herinnering", Marker: "reminder|user:" + userID,
		Attachments: []ambitiebot.Attachment{{
			Text: "**3.2** Niet gestart — <https://x|Bibob>",
			Actions: []ambitiebot.Action{{
				ID: "status3x2", Name: "Status kiezen", Default: "niet-gestart",
				Options: []ambitiebot.ActionOption{{Text: "Gereed", Value: "gereed"}, {Text: "Knelpunt", Value: "knelpunt"}},
				Context: map[string]string{ambitiebot.ContextUser: userID, ambitiebot.ContextAmbition: "3.2"},
			}},
		}},
	}
}

func TestPostWithSignedMenu(t *testing.T) {
	var f *fixture
	signer := NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() time.Time { return f.now })
	f = newFixture(t, Options{ActionURL: "https://bot.example.org/action", DialogURL: "https://bot.example.org/dialog", Signer: signer})
	ctx := context.Background()
	id, err := f.client.CreatePost(ctx, menuPost(f.channel.Id, f.jan.Id))
	if err != nil {
		t.Fatal(err)
	}
	posts := f.srv.Posts(f.channel.Id)
	if len(posts) != 1 || posts[0].Id != id {
		t.Fatalf("posts = %+v", posts)
	}
	atts := posts[0].Attachments()
	if len(atts) != 1 || len(atts[0].Actions) != 1 {
		t.Fatalf("attachments = %+v", atts)
	}
	if atts[0].Text != "**3.2** Niet gestart — <https://x|Bibob>" {
		t.Errorf("attachment text was rewritten: %q", atts[0].Text)
	}
	act := atts[0].Actions[0]
	if act.Id != "status3x2" || act.Type != model.PostActionTypeSelect || act.DefaultOption != "niet-gestart" ||
		len(act.Options) != 2 || act.Options[1].Value != "knelpunt" || act.Integration == nil ||
		act.Integration.URL != "https://bot.example.org/action" {
		t.Fatalf("action = %+v", act)
	}
	// What comes back with a click verifies for the user it was sent to.
	fields := map[string]string{}
	for k, v := range act.Integration.Context {
		fields[k], _ = v.(string)
	}
	got, err := signer.VerifyAction(fields, f.jan.Id)
	if err != nil || got[ambitiebot.ContextAmbition] != "3.2" {
		t.Errorf("VerifyAction = %v, %v", got, err)
	}

	// The update replaces text and menu in place and signs again.
	p := menuPost(f.channel.Id, f.jan.Id)
	p.Attachments[0].Text = "**3.2** Gereed"
	if err := f.client.UpdatePost(ctx, id, p); err != nil {
		t.Fatal(err)
	}
	posts = f.srv.Posts(f.channel.Id)
	if len(posts) != 1 || posts[0].EditAt == 0 || posts[0].Attachments()[0].Text != "**3.2** Gereed" ||
		posts[0].GetProp(MarkerProp) != "reminder|user:"+f.jan.Id {
		t.Errorf("updated post = %+v", posts[0])
	}
	if err := f.client.UpdatePost(ctx, model.NewId(), p); ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
		t.Errorf("UpdatePost of a missing post = %v", err)
	}
}

func TestPostWithoutActionURLKeepsTheText(t *testing.T) {
	f := newFixture(t, Options{})
	if _, err := f.client.CreatePost(context.Background(), menuPost(f.channel.Id, f.jan.Id)); err != nil {
		t.Fatal(err)
	}
	atts := f.srv.Posts(f.channel.Id)[0].Attachments()
	if len(atts) != 1 || atts[0].Text == "" || len(atts[0].Actions) != 0 {
		t.Errorf("attachments = %+v; want the text without actions", atts)
	}
	err := f.client.OpenDialog(context.Background(), f.srv.NewTriggerID(), ambitiebot.Dialog{Title: "x"})
	if ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
		t.Errorf("OpenDialog without a dialog URL = %v", err)
	}
}

func TestOpenDialog(t *testing.T) {
	var f *fixture
	signer := NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() time.Time { return f.now })
	f = newFixture(t, Options{ActionURL: "https://bot.example.org/action", DialogURL: "https://bot.example.org/dialog", Signer: signer})
	ctx := context.Background()
	d := ambitiebot.Dialog{
		CallbackID: "cb", Title: "Status bijwerken", Intro: "Voortgang", SubmitLabel: "Opslaan",
		State: map[string]string{ambitiebot.ContextUser: f.jan.Id, ambitiebot.ContextOrg: "emmen"},
		Elements: []ambitiebot.DialogElement{
			{Name: "status", Label: "Status", Type: ambitiebot.DialogSelect, Default: "knelpunt",
				Options: []ambitiebot.ActionOption{{Text: "Knelpunt", Value: "knelpunt"}}},
			{Name: "toelichting", Label: "Toelichting", Type: ambitiebot.DialogTextarea, Optional: true, MaxLength: 500},
		},
	}
	if err := f.client.OpenDialog(ctx, f.srv.NewTriggerID(), d); err != nil {
		t.Fatal(err)
	}
	opened := f.srv.DialogsOpened()
	if len(opened) != 1 || opened[0].URL != "https://bot.example.org/dialog" {
		t.Fatalf("dialogs = %+v", opened)
	}
	dlg := opened[0].Dialog
	if err := dlg.IsValid(); err != nil {
		t.Errorf("dialog is not valid for Mattermost: %v", err)
	}
	if dlg.CallbackId != "cb" || len(dlg.Elements) != 2 || dlg.Elements[0].Default != "knelpunt" ||
		dlg.Elements[1].Type != "textarea" || dlg.Elements[1].MaxLength != 500 || dlg.Elements[1].Options != nil {
		t.Errorf("dialog = %+v", dlg)
	}
	if state, err := signer.VerifyState(dlg.State, f.jan.Id); err != nil || state[ambitiebot.ContextOrg] != "emmen" {
		t.Errorf("state = %v, %v", state, err)
	}

	// An expired trigger id is Mattermost's 400; a dialog Mattermost
	// would refuse is not sent at all.
	if err := f.client.OpenDialog(ctx, model.NewId(), d); err == nil {
		t.Error("OpenDialog with an unknown trigger id succeeded")
	}
	d.Title = "Een titel die veel te lang is voor Mattermost"
	if err := f.client.OpenDialog(ctx, f.srv.NewTriggerID(), d); err == nil {
		t.Error("an invalid dialog was sent")
	}
	if n := len(f.srv.DialogsOpened()); n != 1 {
		t.Errorf("%d dialogs opened, want 1", n)
	}
}
