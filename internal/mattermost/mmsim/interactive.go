package mmsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"
)

// What people do in the web app and Mattermost passes on to an
// integration: run a slash command, click a button or choose from a menu,
// submit a dialog. Each answers like Mattermost 6.7.2 (api4/command.go
// executeCommand, api4/integration_action.go doPostAction and
// submitDialog), which internal/acceptance's contract holds both to.
//
// Left out, since the simulator has no WebSocket and no configuration:
// an action's ephemeral_text and a command's ephemeral answer reach no
// client, so a button in an ephemeral post (which 6.7.2 clicks through an
// encrypted action cookie) cannot be clicked here; a command's root_id,
// a response's channel_id and the username and icon overrides are
// ignored; an update or a click is never refused for an archived channel
// (only a new post is).

func (s *Server) registerInteractiveRoutes() {
	s.route("POST /api/v4/commands/execute", true, s.executeCommand)
	s.route("POST /api/v4/posts/{id}/actions/{action_id}", true, s.doPostAction)
	s.route("POST /api/v4/actions/dialogs/submit", true, s.submitDialog)
}

// executeCommand runs a custom slash command for the caller and answers
// with the command's response. The team is the channel's; in a direct or
// group channel, which has none, it is the team_id the client sends, and
// the caller must belong to it. An in_channel response (and each of its
// extra_responses) becomes a post by the caller, marked from_webhook.
func (s *Server) executeCommand(w http.ResponseWriter, r *http.Request, me *model.User) {
	var body model.CommandArgs
	if !decode(w, r, &body) {
		return
	}
	if len(body.Command) <= 1 || !strings.HasPrefix(body.Command, "/") || !model.IsValidId(body.ChannelId) {
		writeError(w, http.StatusBadRequest, "api.command.execute_command.start.app_error", "No command trigger found.")
		return
	}
	s.mu.Lock()
	c := s.channels[body.ChannelId]
	if c == nil || !s.channelRole(c, me) {
		s.mu.Unlock()
		forbidden(w)
		return
	}
	teamID := c.TeamId
	if c.Type == model.ChannelTypeDirect || c.Type == model.ChannelTypeGroup {
		teamID = body.TeamId
		if !s.teamMembers[teamID][me.Id] && !me.IsSystemAdmin() {
			s.mu.Unlock()
			forbidden(w)
			return
		}
	}
	// Mattermost splits at the first white space and passes the rest on
	// as it is.
	trigger, text := body.Command, ""
	if i := strings.IndexFunc(body.Command, unicode.IsSpace); i >= 0 {
		trigger, text = body.Command[:i], body.Command[i+1:]
	}
	trigger = strings.TrimPrefix(strings.ToLower(trigger), "/")
	var cmd *model.Command
	for _, x := range s.commands {
		if x.DeleteAt == 0 && x.TeamId == teamID && x.Trigger == trigger {
			cp := *x
			cmd = &cp
		}
	}
	_, teamKnown := s.teams[teamID]
	s.mu.Unlock()
	if !teamKnown {
		writeError(w, http.StatusNotFound, "app.team.get.find.app_error", "Unable to find the existing team.")
		return
	}
	if cmd == nil {
		writeError(w, http.StatusNotFound, "api.command.execute_command.not_found.app_error", "Command with a trigger of '"+trigger+"' not found.")
		return
	}
	req := s.commandRequest(cmd.URL, cmd.Token, "/"+cmd.Trigger, me, c, teamID, text)
	cr, code, err := s.sendCommand(r.Context(), req)
	if err != nil {
		// As 6.7.2's App.DoCommandRequest tells them apart.
		id := "api.command.execute_command.failed.app_error" // no answer, or no command response
		switch {
		case code != 0 && code != http.StatusOK:
			id = "api.command.execute_command.failed_resp.app_error"
		case errors.Is(err, errEmptyResponse):
			id = "api.command.execute_command.failed_empty.app_error"
		}
		writeError(w, http.StatusInternalServerError, id, "Command with a trigger of '"+trigger+"' failed: "+err.Error()+".")
		return
	}
	s.mu.Lock()
	for _, resp := range append([]*model.CommandResponse{cr}, cr.ExtraResponses...) {
		if resp.ResponseType != model.CommandResponseTypeInChannel {
			continue // an ephemeral answer is sent to the caller's clients only
		}
		post := &model.Post{Id: model.NewId(), ChannelId: c.Id, UserId: me.Id, Type: resp.Type,
			Message: resp.Text, CreateAt: s.millis()}
		post.SetProps(resp.Props)
		post.AddProp(model.PostPropsFromWebhook, "true")
		if resp.Attachments != nil {
			model.ParseMessageAttachment(post, resp.Attachments)
		}
		post.GenerateActionIds()
		post.UpdateAt = post.CreateAt
		s.posts = append(s.posts, post)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cr)
}

// doPostAction passes a click on one of a post's actions to the action's
// integration, with the context the post holds (which clients never see)
// and the option chosen from a menu.
func (s *Server) doPostAction(w http.ResponseWriter, r *http.Request, me *model.User) {
	var body model.DoPostActionRequest
	if r.ContentLength != 0 && !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.posts, func(p *model.Post) bool { return p.Id == r.PathValue("id") && p.DeleteAt == 0 })
	if i < 0 || !s.channelRole(s.channels[s.posts[i].ChannelId], me) {
		s.mu.Unlock()
		forbidden(w)
		return
	}
	post := deepCopy(s.posts[i])
	c := s.channels[post.ChannelId].DeepCopy()
	teamName := ""
	if t := s.teams[c.TeamId]; t != nil {
		teamName = t.Name
	}
	s.mu.Unlock()
	action := post.GetAction(r.PathValue("action_id"))
	if action == nil || action.Integration == nil {
		writeError(w, http.StatusNotFound, "api.post.do_action.action_id.app_error", "Invalid action id.")
		return
	}
	up := model.PostActionIntegrationRequest{
		UserId: me.Id, UserName: me.Username, ChannelId: c.Id, ChannelName: c.Name, TeamId: c.TeamId, TeamName: teamName,
		PostId: post.Id, TriggerId: s.NewTriggerID(), Type: action.Type,
		Context: map[string]any{},
	}
	for k, v := range action.Integration.Context {
		up.Context[k] = v
	}
	// A chosen option and the menu's data source are passed on for a
	// menu only.
	if action.Type == model.PostActionTypeSelect && body.SelectedOption != "" {
		up.Context["selected_option"] = body.SelectedOption
		up.DataSource = action.DataSource
	}
	var answer model.PostActionIntegrationResponse
	if err := s.postJSON(r.Context(), action.Integration.URL, up, &answer); err != nil {
		writeError(w, http.StatusBadRequest, "api.post.do_action.action_integration.app_error", "Action integration error.")
		return
	}
	if answer.Update != nil {
		s.mu.Lock()
		refused := false
		if j := slices.IndexFunc(s.posts, func(p *model.Post) bool { return p.Id == post.Id }); j >= 0 {
			stored := s.posts[j]
			// App.UpdatePost: past the edit time limit a changed message
			// is refused, and the click fails.
			refused = s.editLimit != -1 && s.millis() > stored.CreateAt+int64(s.editLimit)*1000 &&
				answer.Update.Message != stored.Message
			if !refused {
				s.applyActionUpdate(stored, answer.Update)
			}
		}
		s.mu.Unlock()
		if refused {
			writeError(w, http.StatusBadRequest, "api.post.update_post.permissions_time_limit.app_error", "Edit time limit exceeded.")
			return
		}
	}
	writeJSON(w, http.StatusOK, &model.PostActionAPIResponse{Status: "OK", TriggerId: up.TriggerId})
}

// submitDialog passes a dialog's submission to its URL. The user is the
// session's, whatever the request claims.
func (s *Server) submitDialog(w http.ResponseWriter, r *http.Request, me *model.User) {
	var submit model.SubmitDialogRequest
	if !decode(w, r, &submit) {
		return
	}
	if submit.URL == "" {
		badRequest(w, "url")
		return
	}
	submit.UserId = me.Id
	s.mu.Lock()
	c := s.channels[submit.ChannelId]
	ok := c != nil && s.channelRole(c, me) && submit.TeamId != "" && (s.teamMembers[submit.TeamId][me.Id] || me.IsSystemAdmin())
	s.mu.Unlock()
	if !ok {
		forbidden(w)
		return
	}
	// The integration gets the submission without the URL it is sent to,
	// typed as a submission whatever the client said.
	url := submit.URL
	submit.URL = ""
	submit.Type = "dialog_submission"
	var answer model.SubmitDialogResponse
	if err := s.postJSON(r.Context(), url, submit, &answer); err != nil {
		var ie *integrationError
		if !errors.As(err, &ie) && !isTransport(err) {
			// An answer that is not JSON counts as an empty one.
			writeJSON(w, http.StatusOK, &model.SubmitDialogResponse{})
			return
		}
		writeError(w, http.StatusBadRequest, "api.post.do_action.action_integration.app_error", "Action integration error.")
		return
	}
	writeJSON(w, http.StatusOK, &answer)
}

// applyActionUpdate saves the post an action's integration sent back over
// stored, as Mattermost 6.7.2 does (App.DoPostActionWithCookie and
// UpdatePost): without props the stored ones stay (buttons included);
// with props they replace the stored ones except from_webhook and the
// overrides, which stay as they were. Pinning and reactions stay, the
// files are the update's, and EditAt is set when the message or the
// attachments change.
func (s *Server) applyActionUpdate(stored, update *model.Post) {
	old := deepCopy(stored)
	if update.GetProps() == nil {
		update.SetProps(old.GetProps())
	} else {
		for _, key := range model.PostActionRetainPropKeys {
			if v, ok := old.GetProps()[key]; ok {
				update.AddProp(key, v)
			} else {
				update.DelProp(key)
			}
		}
	}
	now := s.millis()
	if stored.Message != update.Message {
		stored.Message = update.Message
		stored.EditAt = now
	}
	stored.FileIds = update.FileIds
	stored.SetProps(update.GetProps())
	if stored.EditAt == old.EditAt && (!old.FileIds.Equals(stored.FileIds) || !old.AttachmentsEqual(stored)) {
		stored.EditAt = now
	}
	stored.UpdateAt = now
}

// channelRole reports whether user has what a channel's member role
// grants (use_slash_commands, read_channel): in 6.7.2 neither team_user
// nor system_user has those, so a team member who is not in a public
// channel may read it but not run a command, click or submit a dialog
// there. A system admin may.
func (s *Server) channelRole(c *model.Channel, u *model.User) bool {
	return s.canPost(c, u) || u.IsSystemAdmin()
}

// postJSON sends v to an integration and reads its JSON answer into out;
// an empty answer leaves out as it is. Anything but 200 is an
// integrationError, a failed exchange a transportError.
func (s *Server) postJSON(ctx context.Context, url string, v, out any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return &transportError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &transportError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &transportError{err}
	}
	if resp.StatusCode != http.StatusOK {
		return &integrationError{status: resp.StatusCode}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return json.Unmarshal(body, out)
}

type integrationError struct{ status int }

func (e *integrationError) Error() string { return http.StatusText(e.status) }

type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func isTransport(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}
