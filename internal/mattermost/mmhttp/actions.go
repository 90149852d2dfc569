package mmhttp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// selectedOption is the context key in which Mattermost passes a menu's
// choice; Mattermost adds it, so it is not part of the signature.
const selectedOption = "selected_option"

// Actions runs one-click updates; *workgroup.App implements it.
type Actions interface {
	Click(ctx context.Context, userID, triggerID string, fields map[string]string, option string) workgroup.ActionResult
	Submit(ctx context.Context, userID string, state, submission map[string]string) workgroup.ActionResult
	Refuse(ctx context.Context, userID string, err error) string
}

// ActionHandler serves what Mattermost sends for the bot's menus and
// dialogs: POST /action (ServeAction) and POST /dialog (ServeDialog).
// Mattermost sends no credentials with either; a request counts only when
// the context or state in it carries the bot's signature for the user id
// in it. Refusals are answered with 200 and a sentence for the user, so
// that they see why rather than Mattermost's generic failure.
type ActionHandler struct {
	Signer  *mattermost.Signer
	Actions Actions
	// Render turns an updated post into Mattermost's, with its actions
	// signed: (*mattermost.Client).ModelPost.
	Render func(ambitiebot.Post) *model.Post
	Logger *slog.Logger
}

// ServeAction handles a menu choice or button click.
func (h *ActionHandler) ServeAction(w http.ResponseWriter, r *http.Request) {
	var req model.PostActionIntegrationRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !model.IsValidId(req.UserId) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	fields, ok := stringValues(req.Context)
	option := fields[selectedOption]
	delete(fields, selectedOption)
	var err error
	if !ok {
		err = ambitiebot.Errorf(ambitiebot.EFORBIDDEN, mattermost.MsgTampered, nil)
	} else {
		fields, err = h.Signer.VerifyAction(fields, req.UserId)
	}
	if err != nil {
		writeJSON(w, &model.PostActionIntegrationResponse{
			EphemeralText: h.Actions.Refuse(r.Context(), req.UserId, err), SkipSlackParsing: true})
		return
	}
	res := h.Actions.Click(r.Context(), req.UserId, req.TriggerId, fields, option)
	resp := &model.PostActionIntegrationResponse{EphemeralText: res.Text, SkipSlackParsing: true}
	if res.Update != nil {
		resp.Update = h.Render(*res.Update)
	}
	writeJSON(w, resp)
}

// ServeDialog handles a submitted status dialog.
func (h *ActionHandler) ServeDialog(w http.ResponseWriter, r *http.Request) {
	var req model.SubmitDialogRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.Cancelled {
		writeJSON(w, &model.SubmitDialogResponse{})
		return
	}
	if !model.IsValidId(req.UserId) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	state, err := h.Signer.VerifyState(req.State, req.UserId)
	if err == nil && req.CallbackId != workgroup.DialogCallback {
		err = ambitiebot.Errorf(ambitiebot.EFORBIDDEN, mattermost.MsgTampered, nil)
	}
	if err != nil {
		writeJSON(w, &model.SubmitDialogResponse{Error: h.Actions.Refuse(r.Context(), req.UserId, err)})
		return
	}
	// An optional field left empty may come as null or not at all.
	submission, _ := stringValues(req.Submission)
	res := h.Actions.Submit(r.Context(), req.UserId, state, submission)
	writeJSON(w, &model.SubmitDialogResponse{Error: res.Error, Errors: res.Errors})
}

// readJSON decodes a JSON body of at most MaxBodyBytes, answering 413 or
// 400 itself when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return false
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	return true
}

// stringValues keeps the string values of m; ok is false when there were
// others, which the bot never sends.
func stringValues(m map[string]any) (out map[string]string, ok bool) {
	out = make(map[string]string, len(m))
	ok = true
	for k, v := range m {
		switch s := v.(type) {
		case string:
			out[k] = s
		case nil:
		default:
			ok = false
		}
	}
	return out, ok
}
