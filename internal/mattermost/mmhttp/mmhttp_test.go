package mmhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmhttp"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

const token = "mmhttp-test-token-0123456789abcdef"

// recorder stands in for the application layer: it records what the
// endpoints hand over and answers what the test set. The use cases
// themselves are tested in internal/workgroup and end to end in
// internal/cli; here only the translation from and to Mattermost is.
type recorder struct {
	mu       sync.Mutex
	requests []workgroup.Request
	clicks   []map[string]string
	options  []string
	submits  []map[string]string
	refused  []error
	answer   workgroup.Response
}

func (r *recorder) Handle(_ context.Context, req workgroup.Request) workgroup.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
	return r.answer
}

func (r *recorder) Click(_ context.Context, _, _ string, fields map[string]string, option string) workgroup.ActionResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clicks, r.options = append(r.clicks, fields), append(r.options, option)
	return workgroup.ActionResult{Text: "clicked", Outcome: "ok"}
}

func (r *recorder) Submit(_ context.Context, _ string, state, _ map[string]string) workgroup.ActionResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submits = append(r.submits, state)
	return workgroup.ActionResult{Text: "submitted", Outcome: "ok"}
}

func (r *recorder) Refuse(_ context.Context, _ string, err error) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, err)
	return "refused"
}

type fixture struct {
	world  *mmsim.World
	rec    *recorder
	signer *mattermost.Signer
	url    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := mmsim.NewWorld("drenthe/werkgroep", nil, mmsim.SamplePeople)
	t.Cleanup(w.Close)
	f := &fixture{world: w, rec: &recorder{}, signer: mattermost.NewSigner([]byte("secret-secret-secret-secret-0123"), time.Now)}
	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.Handle("POST /command", &mmhttp.CommandHandler{Tokens: []string{"other-team-token", token}, Commands: f.rec, Logger: logger})
	ah := &mmhttp.ActionHandler{Signer: f.signer, Actions: f.rec, Logger: logger,
		Render: func(p ambitiebot.Post) *model.Post { return &model.Post{Message: p.Message} }}
	mux.HandleFunc("POST /action", ah.ServeAction)
	mux.HandleFunc("POST /dialog", ah.ServeDialog)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// A slash command reaches the application with the user, channel, team
// and trigger Mattermost vouches for; the answer comes back ephemeral,
// without Slack-style parsing, one Mattermost response per text.
func TestCommandRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.rec.answer = workgroup.Response{Texts: []string{"first <x|y>", "second"}}
	jan := f.world.People["jan"]
	cr, status, err := f.world.ExecuteCommand(f.url+"/command", token, jan, f.world.WorkingGroup, "3.2 gereed")
	if err != nil || status != http.StatusOK {
		t.Fatalf("command: %d %v", status, err)
	}
	if len(f.rec.requests) != 1 {
		t.Fatalf("%d requests handed over", len(f.rec.requests))
	}
	req := f.rec.requests[0]
	if req.UserID != jan.Id || req.ChannelID != f.world.WorkingGroup.Id || req.TeamID != f.world.WorkingGroup.TeamId ||
		req.Text != "3.2 gereed" || req.TriggerID == "" {
		t.Errorf("request = %+v", req)
	}
	if cr.Text != "first <x|y>" || cr.ResponseType != model.CommandResponseTypeEphemeral || !cr.SkipSlackParsing ||
		len(cr.ExtraResponses) != 1 || cr.ExtraResponses[0].Text != "second" || !cr.ExtraResponses[0].SkipSlackParsing {
		t.Errorf("response = %+v", cr)
	}
}

// A dialog opened instead of a reply is acknowledged with an empty 200.
func TestCommandSilentAnswer(t *testing.T) {
	f := newFixture(t)
	req := f.world.CommandRequest(f.url+"/command", token, f.world.People["jan"], f.world.WorkingGroup, "bijwerken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("silent answer: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// What Mattermost would not send is refused before the application sees
// it: a wrong token, tokens that disagree, no valid user id, a body over
// the limit.
func TestCommandRefusals(t *testing.T) {
	f := newFixture(t)
	jan := f.world.People["jan"]
	send := func(change func(*http.Request)) int {
		t.Helper()
		req := f.world.CommandRequest(f.url+"/command", token, jan, f.world.WorkingGroup, "mijn")
		change(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := func(body string) func(*http.Request) {
		return func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}
	}
	for _, c := range []struct {
		name   string
		change func(*http.Request)
		want   int
	}{
		{"wrong token", func(r *http.Request) {
			r.Header.Set("Authorization", "Token nope")
			form("token=nope&user_id=" + jan.Id)(r)
		}, http.StatusUnauthorized},
		{"no token", func(r *http.Request) { r.Header.Del("Authorization"); form("user_id=" + jan.Id)(r) }, http.StatusUnauthorized},
		{"tokens disagree", func(r *http.Request) { r.Header.Set("Authorization", "Token other-team-token") }, http.StatusUnauthorized},
		{"no user", form("token=" + token + "&user_id=jan"), http.StatusBadRequest},
		{"too large", form("token=" + token + "&text=" + strings.Repeat("x", mmhttp.MaxBodyBytes)), http.StatusRequestEntityTooLarge},
	} {
		if got := send(c.change); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	if len(f.rec.requests) != 0 {
		t.Errorf("refused requests reached the application: %+v", f.rec.requests)
	}
}

func postJSON(t *testing.T, url string, v any) []byte {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, out)
	}
	return out
}

// A menu choice counts only with the bot's signature for the user who
// clicked; the chosen option is taken out of the context before the
// signature is checked and handed over on its own.
func TestActionSignature(t *testing.T) {
	f := newFixture(t)
	jan, anna := f.world.People["jan"], f.world.People["anna"]
	signed := f.signer.SignAction(map[string]string{ambitiebot.ContextUser: jan.Id, ambitiebot.ContextOrg: "emmen", ambitiebot.ContextAmbition: "3.2"})
	click := func(userID string, fields map[string]string) model.PostActionIntegrationResponse {
		ctx := map[string]any{"selected_option": "gereed"}
		for k, v := range fields {
			ctx[k] = v
		}
		var resp model.PostActionIntegrationResponse
		if err := json.Unmarshal(postJSON(t, f.url+"/action", model.PostActionIntegrationRequest{UserId: userID, Context: ctx}), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := click(jan.Id, signed); r.EphemeralText != "clicked" {
		t.Fatalf("signed click: %+v", r)
	}
	if len(f.rec.clicks) != 1 || f.rec.clicks[0][ambitiebot.ContextOrg] != "emmen" || f.rec.options[0] != "gereed" {
		t.Errorf("click handed over %v, option %v", f.rec.clicks, f.rec.options)
	}
	tampered := map[string]string{}
	for k, v := range signed {
		tampered[k] = v
	}
	tampered[ambitiebot.ContextOrg] = "assen"
	for name, c := range map[string]struct {
		user   string
		fields map[string]string
	}{
		"someone else's": {anna.Id, signed},
		"tampered":       {jan.Id, tampered},
		"unsigned":       {jan.Id, map[string]string{ambitiebot.ContextUser: jan.Id, ambitiebot.ContextOrg: "emmen"}},
	} {
		if r := click(c.user, c.fields); r.EphemeralText != "refused" {
			t.Errorf("%s click: %+v", name, r)
		}
	}
	if len(f.rec.clicks) != 1 || len(f.rec.refused) != 3 {
		t.Errorf("%d clicks, %d refusals; want 1, 3", len(f.rec.clicks), len(f.rec.refused))
	}
}

// A dialog counts only with a signed state for the submitter and the
// bot's callback id; a cancelled dialog is acknowledged and nothing else.
func TestDialogSignature(t *testing.T) {
	f := newFixture(t)
	jan := f.world.People["jan"]
	state := f.signer.SignState(map[string]string{ambitiebot.ContextUser: jan.Id, ambitiebot.ContextOrg: "emmen"})
	submit := func(req model.SubmitDialogRequest) model.SubmitDialogResponse {
		var resp model.SubmitDialogResponse
		if out := postJSON(t, f.url+"/dialog", req); len(bytes.TrimSpace(out)) > 0 {
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
		}
		return resp
	}
	ok := model.SubmitDialogRequest{UserId: jan.Id, CallbackId: workgroup.DialogCallback, State: state,
		Submission: map[string]any{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "gereed", workgroup.FieldNote: nil}}
	if r := submit(ok); r.Error != "" {
		t.Fatalf("signed dialog: %+v", r)
	}
	if len(f.rec.submits) != 1 || f.rec.submits[0][ambitiebot.ContextOrg] != "emmen" {
		t.Errorf("submitted state %v", f.rec.submits)
	}
	wrongCallback := ok
	wrongCallback.CallbackId = "something-else"
	otherUser := ok
	otherUser.UserId = f.world.People["anna"].Id
	for name, req := range map[string]model.SubmitDialogRequest{"wrong callback": wrongCallback, "someone else's": otherUser} {
		if r := submit(req); r.Error != "refused" {
			t.Errorf("%s: %+v", name, r)
		}
	}
	cancelled := ok
	cancelled.Cancelled = true
	if r := submit(cancelled); r.Error != "" || len(r.Errors) != 0 {
		t.Errorf("cancelled: %+v", r)
	}
	if len(f.rec.submits) != 1 || len(f.rec.refused) != 2 {
		t.Errorf("%d submits, %d refusals; want 1, 2", len(f.rec.submits), len(f.rec.refused))
	}
}

// An answer's attachments reach Mattermost with their actions signed, so
// that a confirmation button in a command's answer can be clicked.
func TestCommandAttachmentsSigned(t *testing.T) {
	f := newFixture(t)
	jan := f.world.People["jan"]
	chat := mattermost.New(f.world.URL(), f.world.BotToken, mattermost.Options{ActionURL: "https://bot.example.org/action", Signer: f.signer})
	f.rec.answer = workgroup.Response{Texts: []string{"sure?"}, Attachments: []ambitiebot.Attachment{{Actions: []ambitiebot.Action{{
		ID: "confirm", Name: "Versturen", Context: map[string]string{ambitiebot.ContextUser: jan.Id, "do": "x"}}}}}}
	mux := http.NewServeMux()
	mux.Handle("POST /command", &mmhttp.CommandHandler{Tokens: []string{token}, Commands: f.rec, Render: chat.ModelPost, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cr, status, err := f.world.ExecuteCommand(srv.URL+"/command", token, jan, f.world.WorkingGroup, "bericht verstuur")
	if err != nil || status != http.StatusOK {
		t.Fatalf("command: %d %v", status, err)
	}
	if cr.Text != "sure?" || len(cr.Attachments) != 1 || len(cr.Attachments[0].Actions) != 1 {
		t.Fatalf("response = %+v", cr)
	}
	act := cr.Attachments[0].Actions[0]
	fields, _ := mmhttpStrings(act.Integration.Context)
	if act.Name != "Versturen" || act.Integration.URL != "https://bot.example.org/action" {
		t.Errorf("action = %+v", act)
	}
	if got, err := f.signer.VerifyAction(fields, jan.Id); err != nil || got["do"] != "x" {
		t.Errorf("the button's context does not verify: %v %v", got, err)
	}
}

func mmhttpStrings(m map[string]any) (map[string]string, bool) {
	out := map[string]string{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}
