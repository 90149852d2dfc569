package mmsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// What people do in the web app and Mattermost passes on to an
// integration: run a slash command, click a button or choose from a menu,
// submit a dialog. Each answers like Mattermost 6.7.2 (api4/command.go
// executeCommand, api4/integration_action.go doPostAction and
// submitDialog), which internal/acceptance's contract holds both to.

func (s *Server) registerInteractiveRoutes() {
	s.route("POST /api/v4/commands/execute", true, s.executeCommand)
	s.route("POST /api/v4/posts/{id}/actions/{action_id}", true, s.doPostAction)
	s.route("POST /api/v4/actions/dialogs/submit", true, s.submitDialog)
}

// executeCommand runs a custom slash command of the channel's team for the
// caller and answers with the command's response.
func (s *Server) executeCommand(w http.ResponseWriter, r *http.Request, me *model.User) {
	var body struct {
		ChannelID string `json:"channel_id"`
		Command   string `json:"command"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	c := s.channels[body.ChannelID]
	if c == nil || !s.canRead(c, me) {
		s.mu.Unlock()
		forbidden(w)
		return
	}
	trigger, text, _ := strings.Cut(strings.TrimPrefix(body.Command, "/"), " ")
	var cmd *model.Command
	for _, x := range s.commands {
		if x.DeleteAt == 0 && x.TeamId == c.TeamId && x.Trigger == strings.ToLower(trigger) {
			cp := *x
			cmd = &cp
		}
	}
	s.mu.Unlock()
	if cmd == nil {
		writeError(w, http.StatusNotFound, "api.command.execute_command.not_found.app_error", "Command with a trigger of '"+trigger+"' not found.")
		return
	}
	req := s.commandRequest(cmd.URL, cmd.Token, "/"+cmd.Trigger, me, c, strings.TrimSpace(text))
	cr, _, err := s.sendCommand(r.Context(), req)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "api.command.execute_command.failed_resp.app_error", "Command with a trigger of '"+trigger+"' returned response "+err.Error()+".")
		return
	}
	if cr.ResponseType == model.CommandResponseTypeInChannel && cr.Text != "" {
		s.mu.Lock()
		post := &model.Post{Id: model.NewId(), ChannelId: c.Id, UserId: me.Id, Message: cr.Text, CreateAt: s.millis()}
		post.UpdateAt = post.CreateAt
		post.AddProp(model.PostPropsFromWebhook, "true")
		s.posts = append(s.posts, post)
		s.mu.Unlock()
	}
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
	if i < 0 || !s.canRead(s.channels[s.posts[i].ChannelId], me) {
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
		PostId: post.Id, TriggerId: s.NewTriggerID(), Type: action.Type, DataSource: action.DataSource,
		Context: map[string]any{},
	}
	for k, v := range action.Integration.Context {
		up.Context[k] = v
	}
	if body.SelectedOption != "" {
		up.Context["selected_option"] = body.SelectedOption
	}
	var answer model.PostActionIntegrationResponse
	if err := s.postJSON(r.Context(), action.Integration.URL, up, &answer); err != nil {
		writeError(w, http.StatusBadRequest, "api.post.do_action.action_integration.app_error", "Action integration error.")
		return
	}
	if answer.Update != nil {
		s.mu.Lock()
		if j := slices.IndexFunc(s.posts, func(p *model.Post) bool { return p.Id == post.Id }); j >= 0 {
			stored := s.posts[j]
			stored.Message = answer.Update.Message
			stored.SetProps(answer.Update.GetProps())
			stored.UpdateAt = s.millis()
		}
		s.mu.Unlock()
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
	ok := c != nil && s.canRead(c, me) && (s.teamMembers[submit.TeamId][me.Id] || me.IsSystemAdmin())
	s.mu.Unlock()
	if !ok {
		forbidden(w)
		return
	}
	var answer model.SubmitDialogResponse
	if err := s.postJSON(r.Context(), submit.URL, submit, &answer); err != nil {
		writeError(w, http.StatusInternalServerError, "interactive_message.submit.app_error", "Unable to submit the dialog.")
		return
	}
	writeJSON(w, http.StatusOK, &answer)
}

// postJSON sends v to an integration and reads its JSON answer into out;
// an empty answer leaves out as it is. Anything but 200 is an error.
func (s *Server) postJSON(ctx context.Context, url string, v, out any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
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
