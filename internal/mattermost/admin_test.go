package mattermost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
)

func statusOf(t *testing.T, err error) int {
	t.Helper()
	ce, ok := ambitiebot.AsChatError(err)
	if !ok {
		t.Fatalf("error %v is not a *ChatError", err)
	}
	return ce.Status
}

func TestAdminPing(t *testing.T) {
	ctx := context.Background()
	srv := mmsim.New()
	t.Cleanup(srv.Close)
	if err := NewAdmin(srv.URL(), "", Options{}).Ping(ctx); err != nil {
		t.Fatalf("Ping on the fake: %v", err)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"hello":"world"}`))
	}))
	defer other.Close()
	if err := NewAdmin(other.URL, "", Options{}).Ping(ctx); err == nil {
		t.Fatal("Ping on a server that is not Mattermost succeeded")
	}
	srv.Fail("GET /api/v4/system/ping", 1, http.StatusServiceUnavailable)
	if err := NewAdmin(srv.URL(), "", Options{}).Ping(ctx); statusOf(t, err) != http.StatusServiceUnavailable {
		t.Fatalf("Ping during an outage: %v", err)
	}
}

func TestAdminLookupsAndMembership(t *testing.T) {
	ctx := context.Background()
	srv := mmsim.New()
	t.Cleanup(srv.Close)
	team := srv.AddTeam("drenthe")
	open := srv.AddChannel(team, "werkgroep")
	secret := srv.AddPrivateChannel(team, "geheim")
	bot, botToken := srv.AddBot("ambitiebot")
	_, adminToken := srv.AddAdmin("beheer")
	admin := NewAdmin(srv.URL(), adminToken, Options{})

	got, err := admin.Team(ctx, "drenthe")
	if err != nil || got != (Team{ID: team.Id, Name: "drenthe"}) {
		t.Fatalf("Team = %+v, %v", got, err)
	}
	if _, err := admin.Team(ctx, "nergens"); statusOf(t, err) != http.StatusNotFound {
		t.Fatalf("unknown team: %v", err)
	}
	ch, err := admin.Channel(ctx, "drenthe", "geheim")
	if err != nil || ch != (Channel{ID: secret.Id, TeamID: team.Id, Name: "geheim", Private: true}) {
		t.Fatalf("Channel = %+v, %v", ch, err)
	}
	if _, err := admin.Channel(ctx, "drenthe", "nergens"); statusOf(t, err) != http.StatusNotFound {
		t.Fatalf("unknown channel: %v", err)
	}

	if in, err := admin.IsTeamMember(ctx, team.Id, bot.Id); err != nil || in {
		t.Fatalf("IsTeamMember before = %v, %v", in, err)
	}
	if in, err := admin.IsChannelMember(ctx, open.Id, bot.Id); err != nil || in {
		t.Fatalf("IsChannelMember before = %v, %v", in, err)
	}
	if err := admin.AddTeamMember(ctx, team.Id, bot.Id); err != nil {
		t.Fatal(err)
	}
	if err := admin.AddChannelMember(ctx, open.Id, bot.Id); err != nil {
		t.Fatal(err)
	}
	if in, err := admin.IsTeamMember(ctx, team.Id, bot.Id); err != nil || !in {
		t.Fatalf("IsTeamMember after = %v, %v", in, err)
	}
	if in, err := admin.IsChannelMember(ctx, open.Id, bot.Id); err != nil || !in {
		t.Fatalf("IsChannelMember after = %v, %v", in, err)
	}

	// The bot itself may look at the open channel, not the private one.
	asBot := NewAdmin(srv.URL(), botToken, Options{})
	if in, err := asBot.IsChannelMember(ctx, open.Id, bot.Id); err != nil || !in {
		t.Fatalf("bot IsChannelMember = %v, %v", in, err)
	}
	if _, err := asBot.IsChannelMember(ctx, secret.Id, bot.Id); statusOf(t, err) != http.StatusForbidden {
		t.Fatalf("bot on a private channel: %v", err)
	}
	if me, err := asBot.Me(ctx); err != nil || !me.IsBot || me.ID != bot.Id {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if _, err := NewAdmin(srv.URL(), "wrong", Options{}).Me(ctx); statusOf(t, err) != http.StatusUnauthorized {
		t.Fatalf("bad token: %v", err)
	}
}

func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	srv := mmsim.New()
	t.Cleanup(srv.Close)
	team := srv.AddTeam("drenthe")
	_, adminToken := srv.AddAdmin("beheer")
	admin := NewAdmin(srv.URL(), adminToken, Options{})

	want := SlashCommand{
		TeamID: team.Id, Trigger: "ambitie", Method: "P", URL: "https://bot.example.org/command",
		DisplayName: "Ambitiebot", Username: "ambitiebot", AutoComplete: true,
		AutoCompleteHint: "[ambitie] [status]", AutoCompleteDesc: "Voortgang bijwerken",
	}
	created, err := admin.CreateCommand(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || len(created.Token) != 26 || !created.SameSettings(want) {
		t.Fatalf("created = %+v", created)
	}
	list, err := admin.Commands(ctx, team.Id)
	if err != nil || len(list) != 1 || list[0].Token != created.Token || !list[0].SameSettings(want) {
		t.Fatalf("Commands = %+v, %v", list, err)
	}

	other := want
	other.URL = "https://elders.example.org/command"
	other.AutoCompleteHint = "[iets]"
	changed := list[0].WithSettings(other)
	if changed.ID != created.ID || changed.Token != created.Token || !changed.SameSettings(other) {
		t.Fatalf("WithSettings = %+v", changed)
	}
	if changed.SameSettings(want) {
		t.Fatal("SameSettings ignores the URL")
	}
	updated, err := admin.UpdateCommand(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != created.ID || updated.Token != created.Token || !updated.SameSettings(changed) {
		t.Fatalf("updated = %+v", updated)
	}
	stored := srv.Commands()
	if len(stored) != 1 || stored[0].URL != changed.URL || stored[0].CreatorId == "" {
		t.Fatalf("server holds %+v", stored)
	}

	userToken := srv.Token(srv.AddUser("piet", "piet@assen.nl", "nl").Id)
	if _, err := NewAdmin(srv.URL(), userToken, Options{}).Commands(ctx, team.Id); statusOf(t, err) != http.StatusForbidden {
		t.Fatalf("a user lists commands: %v", err)
	}
}
