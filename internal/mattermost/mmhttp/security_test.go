package mmhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmhttp"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// TestForgedActionsCallNobody: a click or dialog submission without the
// bot's signature is refused before the bot asks Mattermost anything, so
// that a flood of forged posts cannot spend the bot's rate budget there.
// The refusal is in the user's language when the bot knows them already.
func TestForgedActionsCallNobody(t *testing.T) {
	ctx := context.Background()
	w := mmsim.NewWorld("drenthe/werkgroep", nil, []mmsim.Person{
		{Username: "jan", Email: "jan@emmen.nl", Locale: "nl"},
		{Username: "john", Email: "john@emmen.nl", Locale: "en"},
	})
	defer w.Close()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	signer := mattermost.NewSigner([]byte("test secret of thirty-two bytes!"), nil)
	chat := mattermost.New(w.URL(), w.BotToken, mattermost.Options{
		Logger: slog.New(slog.DiscardHandler), Signer: signer,
		ActionURL: "http://bot.example/action", DialogURL: "http://bot.example/dialog",
	})
	cat, err := ambitiebot.NewCatalogue([]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving"}},
		[]ambitiebot.Ambition{{ID: "3.2", Text: "Bibob-beleid vastgesteld", AppliesTo: []ambitiebot.OrgKind{ambitiebot.KindMunicipality}}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := ambitiebot.NewOrganisations([]ambitiebot.Organisation{
		{Key: "emmen", Name: "Gemeente Emmen", Kind: ambitiebot.KindMunicipality, Domains: []string{"emmen.nl"}}})
	if err != nil {
		t.Fatal(err)
	}
	app := workgroup.New(workgroup.Config{
		Catalogue: cat, Organisations: orgs, Store: sqlitetest.Open(t), Chat: chat, Tr: tr,
		Now: time.Now, Location: time.UTC, WorkingGroupChannel: "drenthe/werkgroep",
	})
	h := &mmhttp.ActionHandler{Signer: signer, Actions: app, Render: chat.ModelPost, Logger: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /action", h.ServeAction)
	mux.HandleFunc("POST /dialog", h.ServeDialog)
	bot := httptest.NewServer(mux)
	defer bot.Close()

	// john used the bot before, so the bot knows he reads English.
	john := w.People["john"]
	if resp := app.Handle(ctx, workgroup.Request{UserID: john.Id, Text: "help"}); len(resp.Texts) == 0 {
		t.Fatal("no help")
	}

	post := func(path string, body any) []byte {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(bot.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, out.String())
		}
		return out.Bytes()
	}
	unsignedNL := tr.T("nl", mattermost.MsgUnsigned, nil)
	unsignedEN := tr.T("en", mattermost.MsgUnsigned, nil)
	calls := w.Calls()
	for i := range 100 {
		// Strangers, a known user and a user Mattermost has, unsigned or
		// with a made-up signature.
		userID := model.NewId()
		want := unsignedNL
		switch i % 4 {
		case 1:
			userID, want = john.Id, unsignedEN
		case 2:
			userID = w.People["jan"].Id
		}
		fields := map[string]any{"user": userID, "org": "emmen", "ambition": "3.2"}
		if i%3 == 0 {
			fields["iat"], fields["sig"] = "1700000000", "Zm9yZ2Vk"
		}
		var ar model.PostActionIntegrationResponse
		if err := json.Unmarshal(post("/action", model.PostActionIntegrationRequest{UserId: userID, Context: fields}), &ar); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 && ar.EphemeralText == "" || i%3 != 0 && ar.EphemeralText != want {
			t.Fatalf("forged click %d: %q, want %q", i, ar.EphemeralText, want)
		}
		var dr model.SubmitDialogResponse
		if err := json.Unmarshal(post("/dialog", model.SubmitDialogRequest{UserId: userID, CallbackId: workgroup.DialogCallback,
			State: `{"user":"` + userID + `","org":"emmen"}`, Submission: map[string]any{"status": "gereed"}}), &dr); err != nil {
			t.Fatal(err)
		}
		if dr.Error == "" {
			t.Fatalf("forged dialog %d accepted", i)
		}
	}
	if n := w.Calls() - calls; n != 0 {
		t.Fatalf("200 forged posts made %d calls to Mattermost, want 0", n)
	}
}

// commands answers every command with "ok".
type commands struct{ n int }

func (c *commands) Handle(context.Context, workgroup.Request) workgroup.Response {
	c.n++
	return workgroup.Response{Texts: []string{"ok"}}
}

// TestCommandTokenNotInQuery: the command token counts where Mattermost
// sends it, the Authorization header and the form body, never in the
// URL's query string, which ends up in proxy logs.
func TestCommandTokenNotInQuery(t *testing.T) {
	const token = "abcdefghijklmnopqrstuvwxyz"
	cmds := &commands{}
	bot := httptest.NewServer(&mmhttp.CommandHandler{Tokens: []string{token}, Commands: cmds, Logger: slog.New(slog.DiscardHandler)})
	defer bot.Close()
	form := url.Values{"user_id": {model.NewId()}, "text": {"help"}}
	send := func(method, query string, body url.Values, auth string) int {
		t.Helper()
		u := bot.URL + "/command"
		if query != "" {
			u += "?" + query
		}
		var req *http.Request
		if method == http.MethodGet {
			req, _ = http.NewRequest(method, u+"&"+body.Encode(), nil)
		} else {
			req, _ = http.NewRequest(method, u, strings.NewReader(body.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if auth != "" {
			req.Header.Set("Authorization", "Token "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	withToken := url.Values{"token": {token}}
	for k, v := range form {
		withToken[k] = v
	}
	for _, c := range []struct {
		name          string
		method, query string
		body          url.Values
		auth          string
		want          int
	}{
		{"token in the query of a POST", http.MethodPost, "token=" + token, form, "", http.StatusUnauthorized},
		{"token in the query of a GET", http.MethodGet, "token=" + token, form, "", http.StatusUnauthorized},
		{"token in the form body", http.MethodPost, "", withToken, "", http.StatusOK},
		{"token in the header", http.MethodPost, "", form, token, http.StatusOK},
		{"GET with the header", http.MethodGet, "x=1", form, token, http.StatusOK},
	} {
		if got := send(c.method, c.query, c.body, c.auth); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	if cmds.n != 3 {
		t.Errorf("%d commands run, want 3", cmds.n)
	}
}
