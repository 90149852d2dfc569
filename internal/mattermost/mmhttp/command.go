// Package mmhttp serves the HTTP endpoints that the Mattermost server
// calls: the slash command, menu clicks and dialog submissions. It turns
// Mattermost's wire format into workgroup.Requests and back.
package mmhttp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// MaxBodyBytes caps what the bot reads from Mattermost: a slash command's
// form is a few hundred bytes.
const MaxBodyBytes = 64 << 10

// Commands runs a parsed command; *workgroup.App implements it.
type Commands interface {
	Handle(ctx context.Context, req workgroup.Request) workgroup.Response
}

// CommandHandler serves POST /command for the /ambitie slash command.
type CommandHandler struct {
	// Tokens are the command tokens Mattermost issued, one per team's
	// registration; each is a separate secret.
	Tokens   []string
	Commands Commands
	// Render turns an answer's attachments into Mattermost's, with their
	// actions signed (the chat client's ModelPost); without it they are
	// left off.
	Render func(ambitiebot.Post) *model.Post
	Logger *slog.Logger
}

func (h *CommandHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "POST, GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !h.validToken(r) {
		h.Logger.Warn("slash command with a missing or wrong token", slog.String("remote", r.RemoteAddr))
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	userID := r.Form.Get("user_id")
	if !model.IsValidId(userID) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	resp := h.Commands.Handle(r.Context(), workgroup.Request{
		UserID:    userID,
		ChannelID: r.Form.Get("channel_id"),
		TeamID:    r.Form.Get("team_id"),
		TriggerID: r.Form.Get("trigger_id"),
		Text:      r.Form.Get("text"),
	})
	if len(resp.Texts) == 0 {
		// Nothing to say, e.g. a dialog was opened: an empty plain-text
		// answer is Mattermost's silent acknowledgement.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		return
	}
	out := commandResponse(resp)
	if len(resp.Attachments) > 0 && h.Render != nil {
		out.Attachments = h.Render(ambitiebot.Post{Attachments: resp.Attachments}).Attachments()
	}
	writeJSON(w, out)
}

// validToken compares the request's token with every configured token in
// constant time. Mattermost sends it as an "Authorization: Token …"
// header and, for a POST command, as a field of the form body; either may
// be checked, both must not disagree. A token in the URL's query string
// (where a GET command's form goes) is never accepted: URLs end up in
// proxy and access logs.
func (h *CommandHandler) validToken(r *http.Request) bool {
	token := r.PostForm.Get("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Token ") {
		if token != "" && token != strings.TrimPrefix(auth, "Token ") {
			return false
		}
		token = strings.TrimPrefix(auth, "Token ")
	}
	if token == "" {
		return false
	}
	ok := 0
	for _, t := range h.Tokens {
		ok |= subtle.ConstantTimeCompare([]byte(token), []byte(t))
	}
	return ok == 1
}

// commandResponse maps a workgroup.Response onto Mattermost's. Slack-style
// parsing is off so that echoed user text like <url|x> stays literal.
func commandResponse(r workgroup.Response) *model.CommandResponse {
	out := &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, SkipSlackParsing: true}
	if r.InChannel {
		out.ResponseType = model.CommandResponseTypeInChannel
	}
	for i, t := range r.Texts {
		if i == 0 {
			out.Text = t
			continue
		}
		out.ExtraResponses = append(out.ExtraResponses, &model.CommandResponse{
			ResponseType: out.ResponseType, Text: t, SkipSlackParsing: true})
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
