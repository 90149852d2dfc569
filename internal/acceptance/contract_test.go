package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// One contract, two servers. The contract is what the bot relies on from
// Mattermost: what each call it makes returns (status codes, error ids,
// what a post or a user looks like to a bot, the rate limiter's headers),
// and what Mattermost sends the bot when a person runs a slash command,
// clicks a button or submits a dialog. Every scenario writes observations,
// lines without ids or times; the same scenarios run against the real
// server (when one is configured) and against the simulator
// (internal/mattermost/mmsim, always), and both must give the lines in
// testdata/contract.golden, which is recorded from the real server:
//
//	go test ./internal/acceptance -run TestContract/server -update-contract
//
// Where the two disagree, the simulator is wrong and is fixed.

var updateContract = flag.Bool("update-contract", false, "record testdata/contract.golden from the real server")

const contractGolden = "testdata/contract.golden"

func TestContract(t *testing.T) {
	t.Run("simulator", func(t *testing.T) {
		if *updateContract {
			t.Skip("recording from the real server")
		}
		checkContract(t, runContract(t, newSimTarget(t)))
	})
	t.Run("server", func(t *testing.T) {
		srv := needServer(t)
		got := runContract(t, newRealTarget(t, srv))
		if *updateContract {
			if err := os.WriteFile(contractGolden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		checkContract(t, got)
	})
}

func checkContract(t *testing.T, got []string) {
	t.Helper()
	data, err := os.ReadFile(contractGolden)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if slices.Equal(got, want) {
		return
	}
	// The lines either side lacks, in order: scenarios add lines, so a
	// line-by-line comparison would blame every line after the first gap.
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		if count[l] > 0 {
			count[l]--
			continue
		}
		t.Errorf("only this server says: %s", l)
	}
	for _, l := range want {
		if count[l] > 0 {
			count[l]--
			t.Errorf("only the golden file says: %s", l)
		}
	}
	if !t.Failed() {
		t.Errorf("the lines agree but their order differs:\n%s", strings.Join(got, "\n"))
	}
}

// contractWorld is the little world every target builds: a team with the
// working group's channel (the bot, alice and bob in it), a public
// channel and a private channel the bot is not in, an incoming webhook,
// an admin, and a listener standing in for the bot's HTTP endpoints.
type contractWorld struct {
	url        string
	team       *model.Team
	wg         *model.Channel
	outside    *model.Channel
	private    *model.Channel
	alice, bob *model.User
	aliceAPI   *model.Client4
	bobAPI     *model.Client4
	bot        *model.User
	botAPI     *model.Client4
	botToken   string
	admin      *model.Client4
	hook       string
	endpoint   *recorder
}

// target is a Mattermost to hold to the contract: how to build the world
// on it and what only an operator can do there.
type target interface {
	world() *contractWorld
	// limited returns a client, as the bot, that the rate limiter counts
	// alone, and a function that ends the test of the limit.
	limited(t *testing.T) (*model.Client4, func())
	// kick takes the user out of the channel, as an administrator does.
	kick(t *testing.T, channelID, userID string)
	// editLimit sets ServiceSettings.PostEditTimeLimit, as an
	// administrator does, until restore (or the test's end) sets -1.
	editLimit(t *testing.T, seconds int) (restore func())
	// archivedChannel makes a channel "archief" with the bot in it and
	// archives it, as an administrator does.
	archivedChannel(t *testing.T) *model.Channel
}

// recorder is the bot's side of an integration: it records what
// Mattermost sends and answers with a fixed reply per path.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]*http.Request
	raw map[string][][]byte
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{got: map[string][]*http.Request{}, raw: map[string][][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got[req.URL.Path] = append(r.got[req.URL.Path], req)
		r.raw[req.URL.Path] = append(r.raw[req.URL.Path], body)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch req.URL.Path {
		case "/command":
			_, _ = io.WriteString(w, `{"response_type":"ephemeral","text":"pong"}`)
		case "/action":
			_, _ = io.WriteString(w, `{"ephemeral_text":"clicked"}`)
		case "/dialog":
			_, _ = io.WriteString(w, `{}`)
		case "/inchannel":
			// Two posts, the first with a button that replaces its post.
			_, _ = fmt.Fprintf(w, `{"response_type":"in_channel","text":"eins","props":{"contract":"old"},
				"attachments":[{"text":"a","actions":[{"id":"replace","name":"R","integration":{"url":"http://%s/replace"}}]}],
				"extra_responses":[{"response_type":"in_channel","text":"zwei"}]}`, req.Host)
		case "/update":
			_, _ = io.WriteString(w, `{"update":{"message":"updated by a click"}}`)
		case "/same":
			// The same message, other attachments, and a from_webhook the
			// post did not have.
			_, _ = io.WriteString(w, `{"update":{"message":"stays","props":{"from_webhook":"true","attachments":[{"text":"re-rendered"}]}}}`)
		case "/identical":
			_, _ = io.WriteString(w, `{"update":{"message":"stays"}}`)
		case "/replace":
			_, _ = io.WriteString(w, `{"update":{"message":"replaced by a click","props":{"contract":"new"}}}`)
		case "/notjson":
			_, _ = io.WriteString(w, `not json`)
		case "/fail":
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// count returns how many requests path got.
func (r *recorder) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got[path])
}

// last returns the last request to path and its body.
func (r *recorder) last(path string) (*http.Request, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.got[path])
	if n == 0 {
		return nil, nil
	}
	return r.got[path][n-1], r.raw[path][n-1]
}

// status is a call's outcome as a line: the status code, and the error id
// when the server gave one.
func status(resp *model.Response, err error) string {
	code := 0
	if resp != nil {
		code = resp.StatusCode
	}
	var appErr *model.AppError
	if errors.As(err, &appErr) && appErr.Id != "" {
		return fmt.Sprintf("%d %s", code, appErr.Id)
	}
	return fmt.Sprint(code)
}

// runContract runs the scenarios on a target and returns the observations.
func runContract(t *testing.T, tg target) []string {
	w := tg.world()
	var out []string
	say := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	ctx := bg()

	// Who the bot is, and what it sees of people.
	me, resp, err := w.botAPI.GetMe(ctx, "")
	say("bot GET /users/me: %s is_bot=%t", status(resp, err), me != nil && me.IsBot)
	u, resp, err := w.botAPI.GetUser(ctx, w.alice.Id, "")
	if err == nil {
		say("bot GET /users/{alice}: %s email=%t email_verified=%t auth_service=%q locale=%s roles=%s",
			status(resp, err), u.Email == w.alice.Email, u.EmailVerified, u.AuthService, u.Locale, u.Roles)
	} else {
		say("bot GET /users/{alice}: %s", status(resp, err))
	}
	_, resp, err = w.botAPI.GetUser(ctx, model.NewId(), "")
	say("bot GET /users/{unknown}: %s", status(resp, err))
	// The client configuration as Client4 v0.4.4 asks for it (no format),
	// which 6.7.2 does not serve; the adapter asks with format=old.
	_, resp, err = w.botAPI.GetClientConfig(ctx, "")
	say("bot GET /config/client: %s", status(resp, err))
	for _, c := range []struct {
		name, query string
		token       string
	}{{"bot", "format=new", w.botToken}, {"bot", "format=old", w.botToken}, {"anonymous", "format=old", ""}} {
		say("%s GET /config/client?%s: %s", c.name, c.query, clientConfig(w.url+"/api/v4/config/client?"+c.query, c.token))
	}
	u, resp, err = w.botAPI.GetUserByUsername(ctx, w.bob.Username, "")
	say("bot GET /users/username/{bob}: %s locale=%s", status(resp, err), localeOf(u))
	_, resp, err = w.botAPI.GetUserByUsername(ctx, "nobody-"+randomHex(4), "")
	say("bot GET /users/username/{unknown}: %s", status(resp, err))

	// Channels by name and their members.
	for _, c := range []struct {
		name string
		ch   *model.Channel
	}{{"working group", w.wg}, {"public, bot not in it", w.outside}, {"private, bot not in it", w.private}} {
		_, resp, err := w.botAPI.GetChannelByNameForTeamName(ctx, c.ch.Name, w.team.Name, "")
		say("bot GET channel by team and channel name (%s): %s", c.name, status(resp, err))
	}
	_, resp, err = w.botAPI.GetChannelByNameForTeamName(ctx, "no-such-channel", w.team.Name, "")
	say("bot GET channel by team and channel name (unknown): %s", status(resp, err))
	_, resp, err = w.botAPI.GetChannelByNameForTeamName(ctx, "town-square", "no-such-team-"+randomHex(3), "")
	say("bot GET channel by team and channel name (unknown team): %s", status(resp, err))
	users, resp, err := w.botAPI.GetUsersInChannel(ctx, w.wg.Id, 0, 200, "")
	say("bot GET /users?in_channel={wg}: %s %s", status(resp, err), usernames(users, w))
	_, resp, err = w.botAPI.GetUsersInChannel(ctx, w.private.Id, 0, 200, "")
	say("bot GET /users?in_channel={private}: %s", status(resp, err))

	// A direct channel, twice.
	dm, resp, err := w.botAPI.CreateDirectChannel(ctx, w.bot.Id, w.alice.Id)
	say("bot POST /channels/direct: %s type=%s", status(resp, err), typeOf(dm))
	dm2, resp, err := w.botAPI.CreateDirectChannel(ctx, w.bot.Id, w.alice.Id)
	say("bot POST /channels/direct again: %s same=%t", status(resp, err), dm != nil && dm2 != nil && dm.Id == dm2.Id)

	// Posts: what a post returns, where the bot may post, edits.
	marker := "contract-" + randomHex(6)
	post := &model.Post{ChannelId: w.wg.Id, Message: "contract **post**"}
	post.AddProp("ambitiebot_marker", marker)
	model.ParseMessageAttachment(post, []*model.MessageAttachment{{Text: "menu", Actions: []*model.PostAction{{
		Id: "status", Name: "Status", Type: model.PostActionTypeSelect, DataSource: "contract",
		Options:     []*model.PostActionOptions{{Text: "Gereed", Value: "gereed"}, {Text: "Knelpunt", Value: "knelpunt"}},
		Integration: &model.PostActionIntegration{URL: w.endpoint.srv.URL + "/action", Context: map[string]any{"org": "assen"}},
	}, {
		Id: "button", Name: "Klik", Type: model.PostActionTypeButton, DataSource: "contract",
		Integration: &model.PostActionIntegration{URL: w.endpoint.srv.URL + "/action", Context: map[string]any{"org": "emmen"}},
	}}}})
	created, resp, err := w.botAPI.CreatePost(ctx, post)
	say("bot POST /posts: %s", status(resp, err))
	if created != nil {
		say("  returns: id=%t marker=%t message=%q actions=%s", created.Id != "", created.GetProp("ambitiebot_marker") == marker, created.Message, actionsOf(created))
	}
	list, resp, err := w.botAPI.GetPostsForChannel(ctx, w.wg.Id, 0, 60, "", false, false)
	found := list != nil && created != nil && list.Posts[created.Id] != nil
	say("bot GET /channels/{wg}/posts: %s has_post=%t", status(resp, err), found)
	if found {
		p := list.Posts[created.Id]
		say("  the post read back: marker=%t actions=%s", p.GetProp("ambitiebot_marker") == marker, actionsOf(p))
	}
	aliceList, resp, err := w.aliceAPI.GetPostsForChannel(ctx, w.wg.Id, 0, 60, "", false, false)
	if aliceList != nil && created != nil && aliceList.Posts[created.Id] != nil {
		say("alice GET /channels/{wg}/posts: %s actions=%s", status(resp, err), actionsOf(aliceList.Posts[created.Id]))
	} else {
		say("alice GET /channels/{wg}/posts: %s", status(resp, err))
	}
	for _, c := range []struct {
		name string
		ch   *model.Channel
	}{{"public, bot not in it", w.outside}, {"private, bot not in it", w.private}, {"direct with alice", dm}} {
		if c.ch == nil {
			continue
		}
		_, resp, err := w.botAPI.CreatePost(ctx, &model.Post{ChannelId: c.ch.Id, Message: "contract"})
		say("bot POST /posts (%s): %s", c.name, status(resp, err))
	}
	_, resp, err = w.botAPI.CreatePost(ctx, &model.Post{ChannelId: w.wg.Id, Message: strings.Repeat("x", model.PostMessageMaxRunesV2+1)})
	say("bot POST /posts (too long): %s", status(resp, err))
	// A click and a dialog submission: what the integration receives.
	if created != nil {
		observeClicks(t, w, created.Id, say)
	}
	observeDialog(t, w, say)
	if created != nil {
		// The post as the server returned it has lost its integrations
		// (StripActionIntegrations); saved back, so have its buttons.
		edit := created.Clone()
		edit.Message = "contract post, edited"
		edited, resp, err := w.botAPI.UpdatePost(ctx, created.Id, edit)
		say("bot PUT /posts/{own}: %s message=%q", status(resp, err), messageOf(edited))
		resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, created.Id, "status", "gereed", "", nil, "")
		say("alice POST /posts/{id}/actions/status after that edit: %s", status(resp, err))
		_, resp, err = w.aliceAPI.UpdatePost(ctx, created.Id, edit)
		say("alice PUT /posts/{bot's}: %s", status(resp, err))
		_, resp, err = w.botAPI.UpdatePost(ctx, model.NewId(), &model.Post{Id: "x", ChannelId: w.wg.Id, Message: "x"})
		say("bot PUT /posts/{unknown}: %s", status(resp, err))
	}

	// Files.
	if dm != nil {
		fr, resp, err := w.botAPI.UploadFile(ctx, []byte("col\n1\n"), dm.Id, "rapport.csv")
		say("bot POST /files (direct with alice): %s %s", status(resp, err), filesOf(fr))
	}
	_, resp, err = w.botAPI.UploadFile(ctx, []byte("x"), w.outside.Id, "x.csv")
	say("bot POST /files (public, bot not in it): %s", status(resp, err))

	// The incoming webhook.
	say("POST /hooks/{id}: %s", webhook(w.hook, `{"text":"contract via webhook"}`))
	say("POST /hooks/{id} without text: %s", webhook(w.hook, `{"text":""}`))
	say("POST /hooks/{unknown}: %s", webhook(w.url+"/hooks/"+model.NewId(), `{"text":"x"}`))

	// A dialog needs a trigger id the server issued.
	resp, err = w.botAPI.OpenInteractiveDialog(ctx, model.OpenDialogRequest{
		TriggerId: "bad", URL: w.endpoint.srv.URL + "/dialog",
		Dialog: model.Dialog{CallbackId: "cb", Title: "T", Elements: []model.DialogElement{{DisplayName: "N", Name: "n", Type: "text"}}},
	})
	say("bot POST /actions/dialogs/open (bad trigger): %s", status(resp, err))

	observeUpdates(t, w, say)
	observeEditLimit(t, tg, w, say)

	// Slash commands: registration, and what the command's URL receives.
	observeCommands(t, w, say)
	// The bot adapter, as the bot uses it.
	observeAdapter(t, tg, w, say)

	// The rate limiter.
	observeRateLimit(t, tg, say)
	return out
}

func observeCommands(t *testing.T, w *contractWorld, say func(string, ...any)) {
	ctx := bg()
	trigger := "ct" + randomHex(3)
	cmd, resp, err := w.admin.CreateCommand(ctx, &model.Command{
		TeamId: w.team.Id, Trigger: trigger, Method: model.CommandMethodPost,
		URL: w.endpoint.srv.URL + "/command", DisplayName: "contract",
	})
	say("admin POST /commands: %s token=%t", status(resp, err), cmd != nil && cmd.Token != "")
	_, resp, err = w.botAPI.CreateCommand(ctx, &model.Command{
		TeamId: w.team.Id, Trigger: trigger + "x", Method: model.CommandMethodPost, URL: w.endpoint.srv.URL + "/command",
	})
	say("bot POST /commands: %s", status(resp, err))
	if cmd == nil {
		return
	}
	cmds, resp, err := w.admin.ListCommands(ctx, w.team.Id, true)
	n := 0
	for _, c := range cmds {
		if c.Trigger == trigger && c.Token == cmd.Token {
			n++
		}
	}
	say("admin GET /commands?custom_only=true: %s listed=%d", status(resp, err), n)
	_, resp, err = w.botAPI.ListCommands(ctx, w.team.Id, true)
	say("bot GET /commands?custom_only=true: %s", status(resp, err))
	token, resp, err := w.admin.RegenCommandToken(ctx, cmd.Id)
	say("admin PUT /commands/{id}/regen_token: %s new=%t", status(resp, err), token != "" && token != cmd.Token)
	if token != "" {
		cmd.Token = token
	}
	cmd.URL = w.endpoint.srv.URL + "/command"
	cmd.DisplayName = "contract, updated"
	_, resp, err = w.admin.UpdateCommand(ctx, cmd)
	say("admin PUT /commands/{id}: %s", status(resp, err))

	r, resp, err := w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, "/"+trigger+" 3.2 gereed @"+w.bob.Username+" ~"+w.wg.Name)
	say("alice POST /commands/execute: %s text=%q type=%s", status(resp, err), textOf(r), typeOfResponse(r))
	req, body := w.endpoint.last("/command")
	if req == nil {
		say("  the command URL got nothing")
	} else {
		form, _ := parseForm(body)
		say("  the command URL got: %s %s content-type=%s accept=%s user-agent=%s auth=%t", req.Method, req.URL.Path,
			req.Header.Get("Content-Type"), req.Header.Get("Accept"), req.Header.Get("User-Agent"),
			req.Header.Get("Authorization") == "Token "+cmd.Token)
		say("  form: token=%t user_id=%t user_name=%t channel_id=%t channel_name=%t team_id=%t team_domain=%t",
			form.Get("token") == cmd.Token, form.Get("user_id") == w.alice.Id, form.Get("user_name") == w.alice.Username,
			form.Get("channel_id") == w.wg.Id, form.Get("channel_name") == w.wg.Name,
			form.Get("team_id") == w.team.Id, form.Get("team_domain") == w.team.Name)
		keys := make([]string, 0, len(form.v))
		for k := range form.v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		say("  form keys: %s", strings.Join(keys, " "))
		say("  form: command=%t text=%q trigger_id=%t response_url=%t mention_bob=%t channel_mention=%t",
			form.Get("command") == "/"+trigger, strings.ReplaceAll(form.Get("text"), w.bob.Username, "{bob}"),
			form.Get("trigger_id") != "", strings.HasPrefix(form.Get("response_url"), w.url+"/hooks/commands/"),
			mentionOf(form, w.bob.Username) == w.bob.Id, channelMentionOf(form, w.wg.Name) == w.wg.Id)
	}
	_, resp, err = w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, "/no-such-command-"+randomHex(3))
	say("alice POST /commands/execute (unknown trigger): %s", status(resp, err))
	_, resp, err = w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, trigger+" 3.2 gereed")
	say("alice POST /commands/execute (no leading slash): %s", status(resp, err))
	before := w.endpoint.count("/command")
	_, resp, err = w.bobAPI.ExecuteCommand(ctx, w.outside.Id, "/"+trigger+" mijn")
	say("bob POST /commands/execute (a public channel he is not in): %s called=%d", status(resp, err), w.endpoint.count("/command")-before)

	// In a direct channel, which has no team, the team is the one the
	// client names.
	if dm, _, err := w.aliceAPI.CreateDirectChannel(ctx, w.alice.Id, w.bob.Id); err == nil {
		_, resp, err = w.aliceAPI.ExecuteCommandWithTeam(ctx, dm.Id, w.team.Id, "/"+trigger+"  mijn ")
		say("alice POST /commands/execute (direct channel, team named): %s", status(resp, err))
		if req, body := w.endpoint.last("/command"); req != nil {
			form, _ := parseForm(body)
			say("  form: channel_id=%t channel_name=%t team_id=%t team_domain=%t text=%q",
				form.Get("channel_id") == dm.Id, form.Get("channel_name") == dm.Name,
				form.Get("team_id") == w.team.Id, form.Get("team_domain") == w.team.Name, form.Get("text"))
		}
		_, resp, err = w.aliceAPI.ExecuteCommand(ctx, dm.Id, "/"+trigger+" mijn")
		say("alice POST /commands/execute (direct channel, no team): %s", status(resp, err))
	}

	// A command that answers in the channel, twice.
	inChannel, _, err := w.admin.CreateCommand(ctx, &model.Command{
		TeamId: w.team.Id, Trigger: trigger + "i", Method: model.CommandMethodPost, URL: w.endpoint.srv.URL + "/inchannel",
	})
	if err == nil {
		r, resp, err := w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, "/"+inChannel.Trigger)
		say("alice POST /commands/execute (in_channel, two responses): %s text=%q type=%s", status(resp, err), textOf(r), typeOfResponse(r))
		list, _, _ := w.botAPI.GetPostsForChannel(ctx, w.wg.Id, 0, 20, "", false, false)
		var eins *model.Post
		for _, text := range []string{"eins", "zwei"} {
			n := 0
			for _, p := range listPosts(list) {
				if p.Message != text {
					continue
				}
				n++
				if text == "eins" {
					eins = p
				}
				say("  a post %q by %s: from_webhook=%v contract=%v actions=%s", text, who(p.UserId, w),
					p.GetProp(model.PostPropsFromWebhook), p.GetProp("contract"), actionsOf(p))
			}
			if n != 1 {
				say("  %d posts %q", n, text)
			}
		}
		if eins != nil {
			resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, eins.Id, "replace", "", "", nil, "")
			say("alice POST /posts/{eins}/actions/replace (an update with props): %s", status(resp, err))
			if p := readPost(ctx, w, eins.Id); p != nil {
				say("  the post read back: message=%q edited=%t from_webhook=%v contract=%v actions=%s",
					p.Message, p.EditAt != 0, p.GetProp(model.PostPropsFromWebhook), p.GetProp("contract"), actionsOf(p))
			}
		}
	}

	// A command whose URL fails.
	failing, _, err := w.admin.CreateCommand(ctx, &model.Command{
		TeamId: w.team.Id, Trigger: trigger + "f", Method: model.CommandMethodPost, URL: w.endpoint.srv.URL + "/fail",
	})
	if err == nil {
		_, resp, err = w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, "/"+failing.Trigger)
		say("alice POST /commands/execute (the URL answers 500): %s", status(resp, err))
	}
	garbled, _, err := w.admin.CreateCommand(ctx, &model.Command{
		TeamId: w.team.Id, Trigger: trigger + "g", Method: model.CommandMethodPost, URL: w.endpoint.srv.URL + "/notjson",
	})
	if err == nil {
		_, resp, err = w.aliceAPI.ExecuteCommand(ctx, w.wg.Id, "/"+garbled.Trigger)
		say("alice POST /commands/execute (the URL answers JSON that is not): %s", status(resp, err))
	}
}

func observeClicks(t *testing.T, w *contractWorld, postID string, say func(string, ...any)) {
	ctx := bg()
	resp, err := w.aliceAPI.DoPostActionWithCookie(ctx, postID, "status", "knelpunt", "", nil, "")
	say("alice POST /posts/{id}/actions/status: %s", status(resp, err))
	req, body := w.endpoint.last("/action")
	if req == nil {
		say("  the action URL got nothing")
	} else {
		var got model.PostActionIntegrationRequest
		err := json.Unmarshal(body, &got)
		say("  the action URL got: %s content-type=%s decodes=%t", req.Method, req.Header.Get("Content-Type"), err == nil)
		say("  request: user_id=%t user_name=%t channel_id=%t team_id=%t post_id=%t trigger_id=%t type=%q data_source=%q",
			got.UserId == w.alice.Id, got.UserName == w.alice.Username, got.ChannelId == w.wg.Id, got.TeamId == w.team.Id,
			got.PostId == postID, got.TriggerId != "", got.Type, got.DataSource)
		say("  context: %s", contextOf(got.Context))
	}
	resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, postID, "button", "", "", nil, "")
	say("alice POST /posts/{id}/actions/button: %s", status(resp, err))
	if _, body := w.endpoint.last("/action"); body != nil {
		var got model.PostActionIntegrationRequest
		_ = json.Unmarshal(body, &got)
		say("  context: %s", contextOf(got.Context))
	}
	resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, postID, "button", "knelpunt", "", nil, "")
	say("alice POST /posts/{id}/actions/button with a selected option: %s", status(resp, err))
	if _, body := w.endpoint.last("/action"); body != nil {
		var got model.PostActionIntegrationRequest
		_ = json.Unmarshal(body, &got)
		say("  context: %s data_source=%q", contextOf(got.Context), got.DataSource)
	}
	resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, postID, "nosuchaction", "", "", nil, "")
	say("alice POST /posts/{id}/actions/{unknown}: %s", status(resp, err))
	resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, model.NewId(), "status", "gereed", "", nil, "")
	say("alice POST /posts/{unknown}/actions/status: %s", status(resp, err))
}

func observeDialog(t *testing.T, w *contractWorld, say func(string, ...any)) {
	ctx := bg()
	// The web app sends the user's own id; a forged one is replaced by the
	// server with the session's user.
	r, resp, err := w.aliceAPI.SubmitInteractiveDialog(ctx, model.SubmitDialogRequest{
		Type: "dialog_submission", URL: w.endpoint.srv.URL + "/dialog", CallbackId: "cb", State: "signed-state",
		UserId: w.bob.Id, ChannelId: w.wg.Id, TeamId: w.team.Id, Submission: map[string]any{"note": "wacht op advies"},
	})
	say("alice POST /actions/dialogs/submit (claiming to be bob): %s errors=%d", status(resp, err), errorsOf(r))
	req, body := w.endpoint.last("/dialog")
	if req == nil {
		say("  the dialog URL got nothing")
		return
	}
	var got model.SubmitDialogRequest
	err = json.Unmarshal(body, &got)
	say("  the dialog URL got: %s decodes=%t user=%s channel_id=%t team_id=%t callback=%q state=%q type=%q submission=%v",
		req.Method, err == nil, who(got.UserId, w), got.ChannelId == w.wg.Id, got.TeamId == w.team.Id,
		got.CallbackId, got.State, got.Type, got.Submission)

	// A client that sends no type; the URL is not passed on.
	_, resp, err = w.aliceAPI.SubmitInteractiveDialog(ctx, model.SubmitDialogRequest{
		URL: w.endpoint.srv.URL + "/dialog", CallbackId: "cb2", State: "s",
		ChannelId: w.wg.Id, TeamId: w.team.Id, Submission: map[string]any{},
	})
	say("alice POST /actions/dialogs/submit (no type): %s", status(resp, err))
	if _, body := w.endpoint.last("/dialog"); body != nil {
		var got model.SubmitDialogRequest
		_ = json.Unmarshal(body, &got)
		say("  the dialog URL got: type=%q url=%q callback=%q", got.Type, got.URL, got.CallbackId)
	}
	for _, c := range []struct{ name, path string }{{"the URL answers 500", "/fail"}, {"the URL answers no JSON", "/notjson"}} {
		before := w.endpoint.count(c.path)
		r, resp, err := w.aliceAPI.SubmitInteractiveDialog(ctx, model.SubmitDialogRequest{
			URL: w.endpoint.srv.URL + c.path, CallbackId: "cb", ChannelId: w.wg.Id, TeamId: w.team.Id,
		})
		say("alice POST /actions/dialogs/submit (%s): %s errors=%d called=%d", c.name, status(resp, err), errorsOf(r),
			w.endpoint.count(c.path)-before)
	}
	// Only a member of the channel may submit there: bob is in the team,
	// not in that public channel.
	before := w.endpoint.count("/dialog")
	_, resp, err = w.bobAPI.SubmitInteractiveDialog(ctx, model.SubmitDialogRequest{
		URL: w.endpoint.srv.URL + "/dialog", CallbackId: "cb", ChannelId: w.outside.Id, TeamId: w.team.Id,
	})
	say("bob POST /actions/dialogs/submit (a public channel he is not in): %s called=%d", status(resp, err),
		w.endpoint.count("/dialog")-before)
}

// observeUpdates clicks buttons whose integration answers with an update
// of the post: without props the post keeps its own (and its buttons);
// with props they replace the post's, but for from_webhook, which stays
// as the post had it. EditAt is set when the message or the attachments
// change, and only then.
func observeUpdates(t *testing.T, w *contractWorld, say func(string, ...any)) {
	ctx := bg()
	for _, c := range []struct{ name, path, message string }{
		{"an update without props", "/update", "to be updated"},
		{"the same message, other attachments, from_webhook added", "/same", "stays"},
		{"an identical update", "/identical", "stays"},
	} {
		marker := "update-" + randomHex(6)
		post := &model.Post{ChannelId: w.wg.Id, Message: c.message}
		post.AddProp("ambitiebot_marker", marker)
		model.ParseMessageAttachment(post, []*model.MessageAttachment{{Text: "menu", Actions: []*model.PostAction{{
			Id: "update", Name: "Update", Type: model.PostActionTypeButton,
			Integration: &model.PostActionIntegration{URL: w.endpoint.srv.URL + c.path},
		}}}})
		created, resp, err := w.botAPI.CreatePost(ctx, post)
		if err != nil {
			say("bot POST /posts (for %s): %s", c.name, status(resp, err))
			continue
		}
		resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, created.Id, "update", "", "", nil, "")
		say("alice POST /posts/{id}/actions/update (%s): %s", c.name, status(resp, err))
		if p := readPost(ctx, w, created.Id); p != nil {
			say("  the post read back: message=%q edited=%t marker=%t from_webhook=%v actions=%s",
				p.Message, p.EditAt != 0, p.GetProp("ambitiebot_marker") == marker, p.GetProp(model.PostPropsFromWebhook), actionsOf(p))
		}
	}
}

// observeEditLimit clicks, past an edit time limit, a button whose
// integration answers with the post's message changed, and one whose
// integration answers without an update, as the bot does under a limit.
func observeEditLimit(t *testing.T, tg target, w *contractWorld, say func(string, ...any)) {
	ctx := bg()
	var ids []string
	for _, path := range []string{"/update", "/action"} {
		post := &model.Post{ChannelId: w.wg.Id, Message: "old enough"}
		model.ParseMessageAttachment(post, []*model.MessageAttachment{{Text: "menu", Actions: []*model.PostAction{{
			Id: "click", Name: "Klik", Type: model.PostActionTypeButton,
			Integration: &model.PostActionIntegration{URL: w.endpoint.srv.URL + path},
		}}}})
		created, resp, err := w.botAPI.CreatePost(ctx, post)
		if err != nil {
			say("bot POST /posts (for the edit limit): %s", status(resp, err))
			return
		}
		ids = append(ids, created.Id)
	}
	defer tg.editLimit(t, 1)()
	limit, err := mattermost.NewAdmin(w.url, w.botToken, mattermost.Options{}).PostEditTimeLimit(ctx)
	say("with PostEditTimeLimit=1: the adapter reads limit=%d err=%t", limit, err != nil)
	time.Sleep(1500 * time.Millisecond)
	before := w.endpoint.count("/update")
	resp, err := w.aliceAPI.DoPostActionWithCookie(ctx, ids[0], "click", "", "", nil, "")
	say("  alice clicks, 1.5 s later, a button answered with the message changed: %s called=%d", status(resp, err), w.endpoint.count("/update")-before)
	if p := readPost(ctx, w, ids[0]); p != nil {
		say("  the post read back: message=%q edited=%t", p.Message, p.EditAt != 0)
	}
	resp, err = w.aliceAPI.DoPostActionWithCookie(ctx, ids[1], "click", "", "", nil, "")
	say("  alice clicks a button answered without an update: %s", status(resp, err))
}

// readPost finds a post of the working group's channel as the bot reads it.
func readPost(ctx context.Context, w *contractWorld, id string) *model.Post {
	list, _, err := w.botAPI.GetPostsForChannel(ctx, w.wg.Id, 0, 60, "", false, false)
	if err != nil || list == nil {
		return nil
	}
	return list.Posts[id]
}

// observeAdapter runs the bot's own Mattermost adapter against the target:
// the calls the bot makes, as it makes them.
func observeAdapter(t *testing.T, tg target, w *contractWorld, say func(string, ...any)) {
	ctx := bg()
	c := mattermost.New(w.url, w.botToken, mattermost.Options{})
	chatErr := func(err error) string {
		if err == nil {
			return "ok"
		}
		if ce, ok := ambitiebot.AsChatError(err); ok {
			return fmt.Sprintf("%s status=%d temporary=%t code=%s", ambitiebot.ErrorCode(err), ce.Status, ce.Temporary, ce.Op)
		}
		return ambitiebot.ErrorCode(err)
	}
	me, err := c.Me(ctx)
	say("adapter Me: %s bot=%t", chatErr(err), me.ID == w.bot.Id)
	limit, err := mattermost.NewAdmin(w.url, w.botToken, mattermost.Options{}).PostEditTimeLimit(ctx)
	say("adapter PostEditTimeLimit: %s limit=%d", chatErr(err), limit)
	u, err := c.User(ctx, w.alice.Id)
	say("adapter User(alice): %s email=%t verified=%t sso=%t guest=%t locale=%s", chatErr(err), u.Email == w.alice.Email, u.EmailVerified, u.SSO(), u.Guest(), u.Locale)
	_, err = c.User(ctx, model.NewId())
	say("adapter User(unknown): %s", chatErr(err))
	u, err = c.UserByUsername(ctx, w.bob.Username)
	say("adapter UserByUsername(bob): %s same=%t", chatErr(err), u.ID == w.bob.Id)
	_, err = c.UserByUsername(ctx, "nobody-"+randomHex(3))
	say("adapter UserByUsername(unknown): %s", chatErr(err))
	for _, ref := range []string{w.team.Name + "/" + w.wg.Name, w.team.Name + "/" + w.outside.Name, w.team.Name + "/" + w.private.Name, w.team.Name + "/nope"} {
		id, err := c.ChannelID(ctx, ref)
		say("adapter ChannelID(%s): %s found=%t", strings.Replace(ref, w.team.Name, "{team}", 1), chatErr(err), id != "")
	}
	members, err := c.ChannelMembers(ctx, w.wg.Id)
	var names []string
	for _, m := range members {
		names = append(names, who(m.ID, w))
	}
	slices.Sort(names)
	say("adapter ChannelMembers(wg): %s %v", chatErr(err), names)
	dm, err := c.DirectChannelID(ctx, w.bob.Id)
	say("adapter DirectChannelID(bob): %s", chatErr(err))
	marker := "adapter-" + randomHex(4)
	id, err := c.CreatePost(ctx, ambitiebot.Post{ChannelID: dm, Message: "hallo @" + w.alice.Username, Marker: marker})
	say("adapter CreatePost(dm bob): %s", chatErr(err))
	found, err := c.FindPostByMarker(ctx, dm, marker)
	say("adapter FindPostByMarker: %s same=%t", chatErr(err), found == id && id != "")
	_, err = c.FindPostByMarker(ctx, dm, "absent")
	say("adapter FindPostByMarker(absent): %s", chatErr(err))
	err = c.UpdatePost(ctx, id, ambitiebot.Post{ChannelID: dm, Message: "bijgewerkt"})
	say("adapter UpdatePost: %s", chatErr(err))
	// The post limit the bot splits long messages under (MaxPostRunes),
	// and what is refused above Mattermost's own.
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: dm, Message: strings.Repeat("é", workgroup.MaxPostRunes)})
	say("adapter CreatePost(dm bob, MaxPostRunes runes): %s", chatErr(err))
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: dm, Message: strings.Repeat("é", model.PostMessageMaxRunesV2+1)})
	say("adapter CreatePost(dm bob, one rune over the limit): %s", chatErr(err))
	fileID, err := c.UploadFile(ctx, dm, "grafiek.png", []byte("\x89PNG\r\n\x1a\n"))
	say("adapter UploadFile(dm bob): %s", chatErr(err))
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: dm, Message: "bijlage", FileIDs: []string{fileID}})
	say("adapter CreatePost with the file: %s", chatErr(err))
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: w.outside.Id, Message: "x"})
	say("adapter CreatePost(public, bot not in it): %s", chatErr(err))
	err = c.PostWebhook(ctx, w.hook, "via de webhook")
	say("adapter PostWebhook: %s", chatErr(err))
	err = c.PostWebhook(ctx, w.url+"/hooks/"+model.NewId(), "x")
	say("adapter PostWebhook(unknown): %s", chatErr(err))
	err = c.OpenDialog(ctx, "bad", ambitiebot.Dialog{CallbackID: "cb", Title: "T", Elements: []ambitiebot.DialogElement{{Name: "n", Label: "N", Type: ambitiebot.DialogTextarea}}})
	say("adapter OpenDialog(bad trigger): %s", chatErr(err))

	// An archived channel is not found by name, and the adapter says it
	// is archived; a post in it is refused as archived.
	arch := tg.archivedChannel(t)
	fresh := mattermost.New(w.url, w.botToken, mattermost.Options{})
	_, err = fresh.ChannelID(ctx, w.team.Name+"/"+arch.Name)
	say("adapter ChannelID({team}/archief): %s archived=%t", chatErr(err), mattermost.Archived(err))
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: arch.Id, Message: "x"})
	say("adapter CreatePost(archived): %s archived=%t", chatErr(err), mattermost.Archived(err))
	_, resp, err := w.botAPI.GetChannelByNameForTeamNameIncludeDeleted(ctx, arch.Name, w.team.Name, "")
	say("bot GET /teams/name/{team}/channels/name/archief?include_deleted=true: %s", status(resp, err))

	// Removed from the working group: posting there is refused for good.
	tg.kick(t, w.wg.Id, w.bot.Id)
	_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: w.wg.Id, Message: "x"})
	say("adapter CreatePost(wg, after the bot was removed): %s", chatErr(err))
}

// observeRateLimit asks until the limiter says no, and records what the
// refusal looks like.
func observeRateLimit(t *testing.T, tg target, say func(string, ...any)) {
	c, done := tg.limited(t)
	defer done()
	for i := 0; i < 400; i++ {
		_, resp, err := c.GetMe(bg(), "")
		if resp == nil {
			say("rate limit: no answer: %v", err)
			return
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			continue
		}
		h := resp.Header
		say("rate limit: 429 after more than 10 requests=%t", i > 10)
		say("  headers: Retry-After=%t X-Ratelimit-Reset=%t X-Ratelimit-Limit=%s X-Ratelimit-Remaining=%s content-type=%s",
			h.Get("Retry-After") != "", h.Get("X-Ratelimit-Reset") != "", h.Get("X-Ratelimit-Limit"), h.Get("X-Ratelimit-Remaining"),
			strings.Split(h.Get("Content-Type"), ";")[0])
		var appErr *model.AppError
		say("  body is an AppError: %t", errors.As(err, &appErr) && appErr.Id != "")
		return
	}
	say("rate limit: never refused")
}

func webhook(url, body string) string {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return "error " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return fmt.Sprintf("%d %q", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var appErr model.AppError
	if json.Unmarshal(b, &appErr) == nil && appErr.Id != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, appErr.Id)
	}
	return fmt.Sprint(resp.StatusCode)
}

func localeOf(u *model.User) string {
	if u == nil {
		return ""
	}
	return u.Locale
}

func typeOf(c *model.Channel) model.ChannelType {
	if c == nil {
		return ""
	}
	return c.Type
}

func messageOf(p *model.Post) string {
	if p == nil {
		return ""
	}
	return p.Message
}

func textOf(r *model.CommandResponse) string {
	if r == nil {
		return ""
	}
	return r.Text
}

func typeOfResponse(r *model.CommandResponse) string {
	if r == nil {
		return ""
	}
	return r.ResponseType
}

func errorsOf(r *model.SubmitDialogResponse) int {
	if r == nil {
		return -1
	}
	return len(r.Errors)
}

// actionsOf describes a post's attachment actions: id, type, whether the
// integration (URL and context) is there and what it holds.
func actionsOf(p *model.Post) string {
	var parts []string
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			s := act.Id + ":" + act.Type
			if act.Integration != nil {
				s += fmt.Sprintf(" url=%t context=%s", act.Integration.URL != "", contextOf(act.Integration.Context))
			} else {
				s += " no-integration"
			}
			s += fmt.Sprintf(" options=%d cookie=%t", len(act.Options), act.Cookie != "")
			parts = append(parts, s)
		}
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func contextOf(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}

func filesOf(fr *model.FileUploadResponse) string {
	if fr == nil || len(fr.FileInfos) == 0 {
		return "no files"
	}
	f := fr.FileInfos[0]
	return fmt.Sprintf("name=%s extension=%s size=%d id=%t", f.Name, f.Extension, f.Size, f.Id != "")
}

// who names a user id of the world.
func who(id string, w *contractWorld) string {
	switch id {
	case w.alice.Id:
		return "alice"
	case w.bob.Id:
		return "bob"
	case w.bot.Id:
		return "bot"
	case "":
		return "(none)"
	}
	return "someone else"
}

func usernames(users []*model.User, w *contractWorld) []string {
	var out []string
	for _, u := range users {
		out = append(out, who(u.Id, w))
	}
	slices.Sort(out)
	return out
}

func parseForm(body []byte) (formValues, error) {
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return formValues{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	err = req.ParseForm()
	return formValues{req.PostForm}, err
}

type formValues struct{ v map[string][]string }

func (f formValues) Get(k string) string {
	if vs := f.v[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// mentionOf and channelMentionOf read the mention maps Mattermost adds to
// a command's form (user_mentions/user_mention_ids and the channel pair).
func mentionOf(f formValues, name string) string {
	return pairOf(f, "user_mentions", "user_mentions_ids", name)
}

func channelMentionOf(f formValues, name string) string {
	return pairOf(f, "channel_mentions", "channel_mentions_ids", name)
}

func pairOf(f formValues, keys, ids, name string) string {
	k, v := f.v[keys], f.v[ids]
	for i := range k {
		if k[i] == name && i < len(v) {
			return v[i]
		}
	}
	return ""
}

// --- the simulator ---

type simTarget struct {
	s *mmsim.Server
	w *contractWorld
}

func newSimTarget(t *testing.T) *simTarget {
	s := mmsim.New()
	t.Cleanup(s.Close)
	client := func(token string) *model.Client4 {
		c := model.NewAPIv4Client(s.URL())
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
		c.SetToken(token)
		return c
	}
	team := s.AddTeam("contract")
	w := &contractWorld{url: s.URL(), team: team, endpoint: newRecorder(t)}
	w.wg = s.AddChannel(team, "werkgroep")
	w.outside = s.AddChannel(team, "buiten")
	w.private = s.AddPrivateChannel(team, "besloten")
	w.bot, w.botToken = s.AddBot("ctbot")
	w.botAPI = client(w.botToken)
	w.alice = s.AddUser("alice", "alice@assen.nl", "nl")
	w.bob = s.AddUser("bob", "bob@emmen.nl", "en")
	for _, u := range []*model.User{w.bot, w.alice, w.bob} {
		s.AddMember(w.wg.Id, u.Id)
	}
	s.AddMember(w.outside.Id, w.alice.Id)
	s.AddMember(w.private.Id, w.alice.Id)
	w.aliceAPI, w.bobAPI = client(s.Token(w.alice.Id)), client(s.Token(w.bob.Id))
	// The admin made the channels, and so is in them, as on the server.
	admin, token := s.AddAdmin("sysadmin")
	for _, c := range []*model.Channel{w.wg, w.outside, w.private} {
		s.AddMember(c.Id, admin.Id)
	}
	w.admin = client(token)
	w.hook = s.AddWebhook(w.wg.Id)
	return &simTarget{s: s, w: w}
}

func (st *simTarget) world() *contractWorld { return st.w }

func (st *simTarget) limited(t *testing.T) (*model.Client4, func()) {
	st.s.RateLimit(10, 100)
	return st.w.botAPI, func() { st.s.RateLimit(1e9, 1e9) }
}

func (st *simTarget) editLimit(t *testing.T, seconds int) (restore func()) {
	st.s.SetPostEditTimeLimit(seconds)
	restore = func() { st.s.SetPostEditTimeLimit(-1) }
	t.Cleanup(restore)
	return restore
}

func (st *simTarget) kick(t *testing.T, channelID, userID string) {
	st.s.RemoveMember(channelID, userID)
}

func (st *simTarget) archivedChannel(t *testing.T) *model.Channel {
	c := st.s.AddChannel(st.w.team, "archief")
	st.s.AddMember(c.Id, st.w.bot.Id)
	st.s.ArchiveChannel(c.Id)
	return c
}

// --- the real server ---

type realTarget struct {
	w     *contractWorld
	admin *model.Client4
	addr  string
}

// newRealTarget builds the world on the real server under names of its
// own, so that it neither meets the acceptance world nor an earlier run.
// Its clients connect from addresses of their own (127.0.3.x), which the
// rate limiter counts apart from the acceptance suite's.
func newRealTarget(t *testing.T, srv serverEnv) *realTarget {
	suffix := randomHex(3)
	admin := newClient(srv.URL, "", "127.0.3.1")
	_, resp, err := admin.Login(bg(), srv.AdminUser, srv.AdminPassword)
	check(t, "log in as the admin", resp, err)
	w := &contractWorld{url: srv.URL, admin: admin, endpoint: newRecorder(t)}
	w.team, resp, err = admin.CreateTeam(bg(), &model.Team{Name: "contract-" + suffix, DisplayName: "Contract " + suffix, Type: model.TeamOpen})
	check(t, "team", resp, err)
	channel := func(name string, typ model.ChannelType) *model.Channel {
		c, resp, err := admin.CreateChannel(bg(), &model.Channel{TeamId: w.team.Id, Name: name, DisplayName: name, Type: typ})
		check(t, "channel "+name, resp, err)
		return c
	}
	w.wg = channel("werkgroep", model.ChannelTypeOpen)
	w.outside = channel("buiten", model.ChannelTypeOpen)
	w.private = channel("besloten", model.ChannelTypePrivate)
	person := func(name, email, locale, addr string) (*model.User, *model.Client4) {
		password := "Pw1!" + randomHex(12)
		u, resp, err := admin.CreateUser(bg(), &model.User{Username: name + "-" + suffix, Email: email, Password: password, Locale: locale})
		check(t, "user "+name, resp, err)
		_, resp, err = admin.AddTeamMember(bg(), w.team.Id, u.Id)
		check(t, "team member "+name, resp, err)
		c := newClient(srv.URL, "", addr)
		_, resp, err = c.Login(bg(), u.Username, password)
		check(t, "log in as "+name, resp, err)
		return u, c
	}
	w.alice, w.aliceAPI = person("alice", "alice-"+suffix+"@assen.nl", "nl", "127.0.3.2")
	w.bob, w.bobAPI = person("bob", "bob-"+suffix+"@emmen.nl", "en", "127.0.3.3")
	bot, resp, err := admin.CreateBot(bg(), &model.Bot{Username: "ctbot-" + suffix, DisplayName: "Contract bot"})
	check(t, "bot", resp, err)
	w.bot, resp, err = admin.GetUser(bg(), bot.UserId, "")
	check(t, "bot user", resp, err)
	tok, resp, err := admin.CreateUserAccessToken(bg(), bot.UserId, "contract", 0)
	check(t, "bot token", resp, err)
	w.botToken = tok.Token
	w.botAPI = newClient(srv.URL, w.botToken, "127.0.3.4")
	_, resp, err = admin.AddTeamMember(bg(), w.team.Id, bot.UserId)
	check(t, "bot in the team", resp, err)
	for _, u := range []*model.User{w.bot, w.alice, w.bob} {
		_, resp, err = admin.AddChannelMember(bg(), w.wg.Id, u.Id)
		check(t, "working group member", resp, err)
	}
	_, resp, err = admin.AddChannelMember(bg(), w.outside.Id, w.alice.Id)
	check(t, "alice in the public channel", resp, err)
	_, resp, err = admin.AddChannelMember(bg(), w.private.Id, w.alice.Id)
	check(t, "alice in the private channel", resp, err)
	hook, resp, err := admin.CreateIncomingWebhook(bg(), &model.IncomingWebhook{ChannelId: w.wg.Id, DisplayName: "contract"})
	check(t, "webhook", resp, err)
	w.hook = srv.URL + "/hooks/" + hook.Id
	return &realTarget{w: w, admin: admin}
}

func (rt *realTarget) world() *contractWorld { return rt.w }

// limited is the bot from an address nobody else uses, without the
// suite's pacing, so the server's limiter meets it with a full bucket.
func (rt *realTarget) limited(t *testing.T) (*model.Client4, func()) {
	c := model.NewAPIv4Client(rt.w.url)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialerFrom("127.0.3.5").DialContext
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	c.SetToken(rt.w.botToken)
	return c, func() {}
}

func (rt *realTarget) kick(t *testing.T, channelID, userID string) {
	resp, err := rt.admin.RemoveUserFromChannel(bg(), channelID, userID)
	check(t, "remove from channel", resp, err)
}

func (rt *realTarget) archivedChannel(t *testing.T) *model.Channel {
	c, resp, err := rt.admin.CreateChannel(bg(), &model.Channel{TeamId: rt.w.team.Id, Name: "archief", DisplayName: "archief", Type: model.ChannelTypeOpen})
	check(t, "channel archief", resp, err)
	_, resp, err = rt.admin.AddChannelMember(bg(), c.Id, rt.w.bot.Id)
	check(t, "bot in archief", resp, err)
	resp, err = rt.admin.DeleteChannel(bg(), c.Id)
	check(t, "archive archief", resp, err)
	return c
}

func (rt *realTarget) editLimit(t *testing.T, seconds int) (restore func()) {
	set := func(n int) {
		cfg, resp, err := rt.admin.GetConfig(bg())
		check(t, "read the configuration", resp, err)
		cfg.ServiceSettings.PostEditTimeLimit = model.NewPointer(n)
		_, resp, err = rt.admin.UpdateConfig(bg(), cfg)
		check(t, "set PostEditTimeLimit", resp, err)
	}
	set(seconds)
	var once sync.Once
	restore = func() { once.Do(func() { set(-1) }) }
	t.Cleanup(restore)
	return restore
}

// clientConfig asks for the client configuration with a token (or none)
// and says what came back: the status and error id, or whether the edit
// time limit is in it.
func clientConfig(url, token string) string {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	if token != "" {
		req.Header.Set(model.HeaderAuth, model.HeaderBearer+" "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var appErr model.AppError
		_ = json.Unmarshal(body, &appErr)
		return fmt.Sprintf("%d %s", resp.StatusCode, appErr.Id)
	}
	var cfg map[string]string
	err = json.Unmarshal(body, &cfg)
	_, has := cfg["PostEditTimeLimit"]
	return fmt.Sprintf("%d decodes=%t PostEditTimeLimit=%t", resp.StatusCode, err == nil, has)
}

// listPosts is a post list's posts, newest first.
func listPosts(list *model.PostList) []*model.Post {
	if list == nil {
		return nil
	}
	out := make([]*model.Post, 0, len(list.Order))
	for _, id := range list.Order {
		if p := list.Posts[id]; p != nil {
			out = append(out, p)
		}
	}
	return out
}
