package mmsim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
)

type world struct {
	srv     *mmsim.Server
	team    *model.Team
	channel *model.Channel
	bot     *model.User
	jan     *model.User
	api     *model.Client4 // as the bot
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := mmsim.New()
	t.Cleanup(srv.Close)
	w := &world{srv: srv, team: srv.AddTeam("drenthe")}
	w.channel = srv.AddChannel(w.team, "werkgroep")
	var token string
	w.bot, token = srv.AddBot("ambitiebot")
	w.jan = srv.AddUser("jan", "jan@emmen.nl", "nl")
	srv.AddMember(w.channel.Id, w.bot.Id)
	srv.AddMember(w.channel.Id, w.jan.Id)
	w.api = client(srv, token)
	return w
}

func client(srv *mmsim.Server, token string) *model.Client4 {
	c := model.NewAPIv4Client(srv.URL())
	c.SetToken(token)
	return c
}

func status(t *testing.T, resp *model.Response) int {
	t.Helper()
	if resp == nil {
		t.Fatal("no response")
	}
	return resp.StatusCode
}

func TestRejectsMissingAndWrongTokens(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for name, token := range map[string]string{"missing": "", "wrong": model.NewId()} {
		_, resp, err := client(w.srv, token).GetMe(ctx, "")
		if err == nil || status(t, resp) != http.StatusUnauthorized {
			t.Errorf("%s token: err %v, want 401", name, err)
		}
	}
	me, _, err := w.api.GetMe(ctx, "")
	if err != nil || me.Id != w.bot.Id || !me.IsBot {
		t.Fatalf("GetMe = %+v, %v", me, err)
	}
	req, _ := http.NewRequest(http.MethodGet, w.srv.URL()+"/api/v4/users/me", nil)
	req.Header.Set("Authorization", "Token "+w.srv.Token(w.jan.Id))
	if code, _ := do(t, req); code != http.StatusOK {
		t.Errorf("Token scheme: status %d", code)
	}
}

// do sends a request outside Client4 and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func postJSON(url, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestUsersTeamsAndChannels(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u, _, err := w.api.GetUser(ctx, w.jan.Id, "")
	if err != nil || u.Username != "jan" || u.Email != "jan@emmen.nl" || u.Locale != "nl" {
		t.Fatalf("GetUser = %+v, %v", u, err)
	}
	w.srv.HideEmails(true)
	if u, _, _ = w.api.GetUserByUsername(ctx, "jan", ""); u.Email != "" {
		t.Errorf("hidden e-mail came through: %q", u.Email)
	}
	if me, _, _ := client(w.srv, w.srv.Token(w.jan.Id)).GetMe(ctx, ""); me.Email != "jan@emmen.nl" {
		t.Errorf("own e-mail hidden: %q", me.Email)
	}
	if _, resp, err := w.api.GetUser(ctx, model.NewId(), ""); err == nil || status(t, resp) != http.StatusNotFound {
		t.Errorf("unknown user: %v", err)
	}
	users, _, err := w.api.GetUsersInChannel(ctx, w.channel.Id, 0, 1, "")
	if err != nil || len(users) != 1 || users[0].Username != "ambitiebot" {
		t.Fatalf("page 0 = %v, %v", users, err)
	}
	users, _, _ = w.api.GetUsersInChannel(ctx, w.channel.Id, 1, 1, "")
	if len(users) != 1 || users[0].Username != "jan" {
		t.Fatalf("page 1 = %v", users)
	}
	team, _, err := w.api.GetTeamByName(ctx, "drenthe", "")
	if err != nil || team.Id != w.team.Id {
		t.Fatalf("GetTeamByName = %v, %v", team, err)
	}
	if team, _, err = w.api.GetTeam(ctx, w.team.Id, ""); err != nil || team.Name != "drenthe" {
		t.Fatalf("GetTeam = %v, %v", team, err)
	}
	ch, _, err := w.api.GetChannelByNameForTeamName(ctx, "werkgroep", "drenthe", "")
	if err != nil || ch.Id != w.channel.Id {
		t.Fatalf("GetChannelByNameForTeamName = %v, %v", ch, err)
	}
	if _, resp, _ := w.api.GetChannelByNameForTeamName(ctx, "nergens", "drenthe", ""); status(t, resp) != http.StatusNotFound {
		t.Errorf("unknown channel: %d", resp.StatusCode)
	}
	if ch, _, err = w.api.GetChannel(ctx, w.channel.Id); err != nil || ch.Name != "werkgroep" {
		t.Fatalf("GetChannel = %v, %v", ch, err)
	}
	teams, _, err := w.api.GetTeamsForUser(ctx, w.bot.Id, "")
	if err != nil || len(teams) != 1 || teams[0].Id != w.team.Id {
		t.Fatalf("GetTeamsForUser = %v, %v", teams, err)
	}
	if _, resp, _ := w.api.GetTeamsForUser(ctx, w.jan.Id, ""); status(t, resp) != http.StatusForbidden {
		t.Errorf("other user's teams: %d", resp.StatusCode)
	}
}

func TestMembership(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	emmen := w.srv.AddTeam("emmen")
	square := w.srv.AddChannel(emmen, "town-square")
	if _, resp, _ := w.api.AddChannelMember(ctx, square.Id, w.bot.Id); status(t, resp) != http.StatusBadRequest {
		t.Errorf("channel member outside the team: %d", resp.StatusCode)
	}
	if _, _, err := w.api.AddTeamMember(ctx, emmen.Id, w.bot.Id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.api.AddChannelMember(ctx, square.Id, w.bot.Id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.api.CreatePost(ctx, &model.Post{ChannelId: square.Id, Message: "hallo"}); err != nil {
		t.Errorf("post after joining: %v", err)
	}
}

func TestPosts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other := w.srv.AddChannel(w.team, "elders")
	if _, resp, _ := w.api.CreatePost(ctx, &model.Post{ChannelId: other.Id, Message: "x"}); status(t, resp) != http.StatusForbidden {
		t.Errorf("post as non-member: %d", resp.StatusCode)
	}
	var ids []string
	for _, msg := range []string{"een", "twee", "drie"} {
		p := &model.Post{ChannelId: w.channel.Id, Message: msg}
		p.AddProp("ambitiebot_marker", msg)
		created, resp, err := w.api.CreatePost(ctx, p)
		if err != nil || status(t, resp) != http.StatusCreated || created.UserId != w.bot.Id {
			t.Fatalf("CreatePost = %+v, %v", created, err)
		}
		ids = append(ids, created.Id)
	}
	list, _, err := w.api.GetPostsForChannel(ctx, w.channel.Id, 0, 2, "", false, false)
	if err != nil || len(list.Order) != 2 || list.Order[0] != ids[2] || list.Order[1] != ids[1] {
		t.Fatalf("page 0 = %v, %v", list, err)
	}
	if got := list.Posts[ids[2]].GetProp("ambitiebot_marker"); got != "drie" {
		t.Errorf("marker prop = %v", got)
	}
	list, _, _ = w.api.GetPostsForChannel(ctx, w.channel.Id, 1, 2, "", false, false)
	if len(list.Order) != 1 || list.Order[0] != ids[0] {
		t.Errorf("page 1 = %v", list.Order)
	}

	upd := &model.Post{Id: ids[0], ChannelId: w.channel.Id, Message: "één"}
	if p, _, err := w.api.UpdatePost(ctx, ids[0], upd); err != nil || p.Message != "één" || p.EditAt == 0 {
		t.Fatalf("UpdatePost = %+v, %v", p, err)
	}
	jan := client(w.srv, w.srv.Token(w.jan.Id))
	if _, resp, _ := jan.UpdatePost(ctx, ids[0], upd); status(t, resp) != http.StatusForbidden {
		t.Errorf("update by someone else: %d", resp.StatusCode)
	}
	if got := w.srv.Posts(w.channel.Id); len(got) != 3 || got[0].Message != "één" {
		t.Errorf("recorded posts = %v", got)
	}

	dm, _, err := w.api.CreateDirectChannel(ctx, w.bot.Id, w.jan.Id)
	if err != nil || dm.Type != model.ChannelTypeDirect {
		t.Fatalf("CreateDirectChannel = %v, %v", dm, err)
	}
	again, _, _ := jan.CreateDirectChannel(ctx, w.jan.Id, w.bot.Id)
	if again.Id != dm.Id {
		t.Errorf("second direct channel %s, want %s", again.Id, dm.Id)
	}
	if _, _, err := w.api.CreatePost(ctx, &model.Post{ChannelId: dm.Id, Message: "privé"}); err != nil {
		t.Errorf("post in direct channel: %v", err)
	}
	if n := len(w.srv.AllPosts()); n != 4 {
		t.Errorf("AllPosts has %d posts, want 4", n)
	}
}

func TestUploadFile(t *testing.T) {
	w := newWorld(t)
	resp, _, err := w.api.UploadFile(context.Background(), []byte("a;b\n1;2\n"), w.channel.Id, "overzicht.csv")
	if err != nil || len(resp.FileInfos) != 1 {
		t.Fatalf("UploadFile = %+v, %v", resp, err)
	}
	ups := w.srv.Uploads()
	if len(ups) != 1 || ups[0].Info.Id != resp.FileInfos[0].Id || ups[0].Info.Name != "overzicht.csv" ||
		string(ups[0].Data) != "a;b\n1;2\n" || ups[0].Info.ChannelId != w.channel.Id {
		t.Errorf("uploads = %+v", ups)
	}
}

func TestDialogs(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w.srv.SetNow(func() time.Time { return now })
	req := model.OpenDialogRequest{TriggerId: w.srv.NewTriggerID(), URL: "http://bot/dialog", Dialog: model.Dialog{Title: "Toelichting"}}
	if _, err := w.api.OpenInteractiveDialog(ctx, req); err != nil {
		t.Fatal(err)
	}
	if resp, _ := w.api.OpenInteractiveDialog(ctx, req); status(t, resp) != http.StatusBadRequest {
		t.Errorf("trigger used twice: %d", resp.StatusCode)
	}
	late := model.OpenDialogRequest{TriggerId: w.srv.NewTriggerID(), URL: "http://bot/dialog"}
	now = now.Add(31 * time.Second)
	if resp, _ := w.api.OpenInteractiveDialog(ctx, late); status(t, resp) != http.StatusBadRequest {
		t.Errorf("expired trigger: %d", resp.StatusCode)
	}
	if got := w.srv.DialogsOpened(); len(got) != 1 || got[0].Dialog.Title != "Toelichting" {
		t.Errorf("dialogs = %+v", got)
	}
}

func TestCommands(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, adminToken := w.srv.AddAdmin("beheer")
	admin := client(w.srv, adminToken)
	cmd := &model.Command{TeamId: w.team.Id, Trigger: "ambitie", Method: model.CommandMethodPost, URL: "http://bot:8080/command", AutoComplete: true}
	if _, resp, _ := w.api.CreateCommand(ctx, cmd); status(t, resp) != http.StatusForbidden {
		t.Errorf("bot created a command: %d", resp.StatusCode)
	}
	created, _, err := admin.CreateCommand(ctx, cmd)
	if err != nil || created.Token == "" || created.Id == "" {
		t.Fatalf("CreateCommand = %+v, %v", created, err)
	}
	if _, resp, _ := admin.CreateCommand(ctx, cmd); status(t, resp) != http.StatusBadRequest {
		t.Errorf("duplicate trigger: %d", resp.StatusCode)
	}
	list, _, err := admin.ListCommands(ctx, w.team.Id, true)
	if err != nil || len(list) != 1 || list[0].Id != created.Id {
		t.Fatalf("ListCommands = %v, %v", list, err)
	}
	created.URL = "http://bot:9090/command"
	updated, _, err := admin.UpdateCommand(ctx, created)
	if err != nil || updated.URL != "http://bot:9090/command" || updated.Token != created.Token {
		t.Fatalf("UpdateCommand = %+v, %v", updated, err)
	}
	token, _, err := admin.RegenCommandToken(ctx, created.Id)
	if err != nil || token == created.Token || w.srv.Commands()[0].Token != token {
		t.Fatalf("RegenCommandToken = %q, %v", token, err)
	}
}

func TestIncomingWebhook(t *testing.T) {
	w := newWorld(t)
	hook := w.srv.AddWebhook(w.channel.Id)
	if code, body := do(t, postJSON(hook, `{"text":"Emmen: 3.2 → Gereed"}`)); code != http.StatusOK || body != "ok" {
		t.Fatalf("webhook answered %d %q", code, body)
	}
	posts := w.srv.Posts(w.channel.Id)
	if len(posts) != 1 || posts[0].Message != "Emmen: 3.2 → Gereed" || posts[0].GetProp(model.PostPropsFromWebhook) != "true" {
		t.Errorf("posts = %+v", posts)
	}
	if code, _ := do(t, postJSON(w.srv.URL()+"/hooks/"+model.NewId(), `{"text":"x"}`)); code != http.StatusBadRequest {
		t.Errorf("unknown hook answered %d", code)
	}
	if code, _ := do(t, postJSON(hook, `{"text":""}`)); code != http.StatusBadRequest {
		t.Errorf("empty text answered %d", code)
	}
}

func TestFaults(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	post := func() (*model.Response, error) {
		_, resp, err := w.api.CreatePost(ctx, &model.Post{ChannelId: w.channel.Id, Message: "x"})
		return resp, err
	}

	w.srv.Fail("POST /api/v4/posts", 2, http.StatusServiceUnavailable)
	for range 2 {
		if resp, _ := post(); status(t, resp) != http.StatusServiceUnavailable {
			t.Errorf("injected failure: %d", resp.StatusCode)
		}
	}
	if _, err := post(); err != nil {
		t.Fatalf("after the failures: %v", err)
	}

	w.srv.LoseReply("POST /api/v4/posts", 1)
	if resp, err := post(); err == nil || resp != nil {
		t.Errorf("lost reply: resp %v, err %v", resp, err)
	}
	if n := len(w.srv.Posts(w.channel.Id)); n != 2 {
		t.Errorf("%d posts, want 2: the lost reply's post exists", n)
	}

	w.srv.Delay("GET /api/v4/users/me", 300*time.Millisecond)
	slow := model.NewAPIv4Client(w.srv.URL())
	slow.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
	slow.SetToken(w.srv.Token(w.bot.Id))
	if _, _, err := slow.GetMe(ctx, ""); err == nil {
		t.Error("delayed call did not time out")
	}
	w.srv.Delay("GET /api/v4/users/me", 0)
	if _, _, err := slow.GetMe(ctx, ""); err != nil {
		t.Errorf("after the delay: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w.srv.SetNow(func() time.Time { return now })
	w.srv.RateLimit(0.5, 2)
	for range 2 {
		if _, _, err := w.api.GetMe(ctx, ""); err != nil {
			t.Fatalf("within the burst: %v", err)
		}
	}
	_, resp, err := w.api.GetMe(ctx, "")
	if err == nil || status(t, resp) != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %v", err)
	}
	// Like Mattermost: Retry-After until the next request is allowed,
	// X-Ratelimit-Reset until the whole burst is back.
	if resp.Header.Get("Retry-After") != "2" || resp.Header.Get("X-Ratelimit-Reset") != "4" {
		t.Errorf("headers = %v", resp.Header)
	}
	now = now.Add(2 * time.Second)
	if _, _, err := w.api.GetMe(ctx, ""); err != nil {
		t.Errorf("after waiting: %v", err)
	}
}

func TestCommandRequest(t *testing.T) {
	w := newWorld(t)
	w.srv.AddUser("piet", "piet@assen.nl", "en")
	w.srv.AddMember(w.channel.Id, w.srv.AddUser("anna", "anna@assen.nl", "nl").Id)
	var got *http.Request
	var form url.Values
	bot := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got = r
		_ = r.ParseForm()
		form = r.PostForm
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(&model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: "Gereed"})
	}))
	defer bot.Close()

	cr, code, err := w.srv.ExecuteCommand(bot.URL+"/command", "cmdtoken", w.jan, w.channel, "koppel @anna. ~werkgroep")
	if err != nil || code != http.StatusOK || cr.Text != "Gereed" {
		t.Fatalf("ExecuteCommand = %+v, %d, %v", cr, code, err)
	}
	if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		got.Header.Get("Accept") != "application/json" || got.Header.Get("Authorization") != "Token cmdtoken" ||
		got.Header.Get("User-Agent") != "Mattermost-Bot/1.1" {
		t.Errorf("request = %s %v", got.Method, got.Header)
	}
	want := map[string]string{
		"token": "cmdtoken", "team_id": w.team.Id, "team_domain": "drenthe", "channel_id": w.channel.Id,
		"channel_name": "werkgroep", "user_id": w.jan.Id, "user_name": "jan", "command": "/ambitie",
		"text": "koppel @anna. ~werkgroep", "user_mentions": "anna", "channel_mentions": "werkgroep",
		"channel_mentions_ids": w.channel.Id,
	}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
		}
	}
	for _, k := range []string{"trigger_id", "response_url", "user_mentions_ids"} {
		if form.Get(k) == "" {
			t.Errorf("form %s is empty", k)
		}
	}
}

func TestExecuteCommandReplies(t *testing.T) {
	w := newWorld(t)
	answer := func(status int, contentType, body string) string {
		bot := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
			rw.Header().Set("Content-Type", contentType)
			rw.WriteHeader(status)
			_, _ = io.WriteString(rw, body)
		}))
		t.Cleanup(bot.Close)
		return bot.URL
	}
	if cr, _, err := w.srv.ExecuteCommand(answer(200, "text/plain", ""), "t", w.jan, w.channel, ""); err != nil || cr.Text != "" {
		t.Errorf("silent acknowledgement = %+v, %v", cr, err)
	}
	if _, _, err := w.srv.ExecuteCommand(answer(200, "application/json", ""), "t", w.jan, w.channel, ""); err == nil {
		t.Error("empty JSON body accepted")
	}
	if _, code, err := w.srv.ExecuteCommand(answer(401, "text/plain", "nee"), "t", w.jan, w.channel, ""); err == nil || code != 401 {
		t.Errorf("401 = %d, %v", code, err)
	}
}
