package mmsim

import (
	"encoding/json"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
)

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, me *model.User) {
	writeJSON(w, http.StatusOK, me)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[r.PathValue("id")]
	if u == nil {
		writeError(w, http.StatusNotFound, "app.user.missing_account.const", "Unable to find the user.")
		return
	}
	writeJSON(w, http.StatusOK, s.view(u, me))
}

func (s *Server) getUserByUsername(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userByName(strings.ToLower(r.PathValue("name"))); u != nil {
		writeJSON(w, http.StatusOK, s.view(u, me))
		return
	}
	writeError(w, http.StatusNotFound, "app.user.get_by_username.app_error", "Unable to find an existing account matching your username for this team.")
}

// getUsers lists users, sorted by username; in_channel narrows them to a
// channel's members.
func (s *Server) getUsers(w http.ResponseWriter, r *http.Request, me *model.User) {
	page, perPage, ok := paging(r)
	if !ok {
		badRequest(w, "page")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var users []*model.User
	if id := r.URL.Query().Get("in_channel"); id != "" {
		c := s.channels[id]
		if c == nil || !s.canRead(c, me) {
			forbidden(w)
			return
		}
		for uid := range s.members[id] {
			users = append(users, s.users[uid])
		}
	} else {
		for _, u := range s.users {
			users = append(users, u)
		}
	}
	slices.SortFunc(users, func(a, b *model.User) int { return strings.Compare(a.Username, b.Username) })
	out := []*model.User{}
	for _, u := range pageOf(users, page, perPage) {
		out = append(out, s.view(u, me))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTeamsForUser(w http.ResponseWriter, r *http.Request, me *model.User) {
	id := r.PathValue("id")
	if id != me.Id && !me.IsSystemAdmin() {
		forbidden(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.Team{}
	for tid, members := range s.teamMembers {
		if members[id] {
			t := *s.teams[tid]
			out = append(out, &t)
		}
	}
	slices.SortFunc(out, func(a, b *model.Team) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, out)
}

// getChannelsForUser lists the channels of every team the user is in, as
// GET /api/v4/users/{id}/channels does (direct channels included).
func (s *Server) getChannelsForUser(w http.ResponseWriter, r *http.Request, me *model.User) {
	id := r.PathValue("id")
	if id != me.Id && !me.IsSystemAdmin() {
		forbidden(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	deleted := r.URL.Query().Get("include_deleted") == "true"
	out := []*model.Channel{}
	for cid, members := range s.members {
		if members[id] && (s.channels[cid].DeleteAt == 0 || deleted) {
			out = append(out, s.channels[cid].DeepCopy())
		}
	}
	slices.SortFunc(out, func(a, b *model.Channel) int { return strings.Compare(a.Id, b.Id) })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeTeam(w, s.teams[r.PathValue("id")], me)
}

func (s *Server) getTeamByName(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeTeam(w, s.teamByName(r.PathValue("team")), me)
}

func (s *Server) writeTeam(w http.ResponseWriter, t *model.Team, me *model.User) {
	switch {
	case t == nil:
		notFound(w, "team")
	case !s.teamMembers[t.Id][me.Id] && !me.IsSystemAdmin() && t.Type != model.TeamOpen:
		forbidden(w)
	default:
		cp := *t
		writeJSON(w, http.StatusOK, &cp)
	}
}

func (s *Server) teamByName(name string) *model.Team {
	for _, t := range s.teams {
		if t.Name == strings.ToLower(name) {
			return t
		}
	}
	return nil
}

func (s *Server) addTeamMemberRoute(w http.ResponseWriter, r *http.Request, me *model.User) {
	var m model.TeamMember
	if !decode(w, r, &m) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.teams[r.PathValue("id")]
	switch {
	case t == nil:
		notFound(w, "team")
	case m.TeamId != t.Id || s.users[m.UserId] == nil:
		badRequest(w, "team_member")
	case m.UserId != me.Id && !me.IsSystemAdmin():
		forbidden(w)
	default:
		s.addTeamMember(t.Id, m.UserId)
		writeJSON(w, http.StatusCreated, &model.TeamMember{TeamId: t.Id, UserId: m.UserId, Roles: model.TeamUserRoleId, SchemeUser: true})
	}
}

// getChannelByName answers 404 for a channel the caller may not read, as
// Mattermost does, so that private channels do not leak.
func (s *Server) getChannelByName(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.teamByName(r.PathValue("team"))
	if t == nil {
		writeError(w, http.StatusNotFound, "app.team.get_by_name.missing.app_error", "Unable to find the existing team.")
		return
	}
	// An archived channel is found only when asked for (6.7.2:
	// include_deleted, as GetChannelByNameForTeamNameIncludeDeleted asks).
	deleted := r.URL.Query().Get("include_deleted") == "true"
	for _, c := range s.channels {
		if c.TeamId == t.Id && c.Name == strings.ToLower(r.PathValue("channel")) && (c.DeleteAt == 0 || deleted) && (s.canRead(c, me) || me.IsSystemAdmin()) {
			writeJSON(w, http.StatusOK, c.DeepCopy())
			return
		}
	}
	writeError(w, http.StatusNotFound, "app.channel.get_by_name.missing.app_error", "Unable to find the existing channel.")
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[r.PathValue("id")]
	switch {
	case c == nil:
		notFound(w, "channel")
	case !s.canRead(c, me) && !me.IsSystemAdmin():
		forbidden(w)
	default:
		writeJSON(w, http.StatusOK, c.DeepCopy())
	}
}

// createDirectChannel returns the direct channel of two users, creating it
// the first time.
func (s *Server) createDirectChannel(w http.ResponseWriter, r *http.Request, me *model.User) {
	var ids []string
	if !decode(w, r, &ids) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ids) != 2 || s.users[ids[0]] == nil || s.users[ids[1]] == nil {
		badRequest(w, "user_ids")
		return
	}
	if !slices.Contains(ids, me.Id) && !me.IsSystemAdmin() {
		forbidden(w)
		return
	}
	name := model.GetDMNameFromIds(ids[0], ids[1])
	for _, c := range s.channels {
		if c.Type == model.ChannelTypeDirect && c.Name == name {
			writeJSON(w, http.StatusCreated, c.DeepCopy())
			return
		}
	}
	c := &model.Channel{Id: model.NewId(), Name: name, Type: model.ChannelTypeDirect, CreateAt: s.millis()}
	s.channels[c.Id] = c
	if s.stale[me.Id]["next"] {
		s.stale[me.Id][c.Id] = true
	}
	writeJSON(w, http.StatusCreated, c.DeepCopy())
}

func (s *Server) addChannelMember(w http.ResponseWriter, r *http.Request, me *model.User) {
	var body struct {
		UserID string `json:"user_id"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[r.PathValue("id")]
	switch {
	case c == nil || c.Type == model.ChannelTypeDirect:
		notFound(w, "channel")
	case s.users[body.UserID] == nil || !s.teamMembers[c.TeamId][body.UserID]:
		badRequest(w, "user_id")
	case !me.IsSystemAdmin() && !s.members[c.Id][me.Id] && !(c.Type == model.ChannelTypeOpen && body.UserID == me.Id):
		forbidden(w)
	default:
		s.addMember(c, body.UserID)
		writeJSON(w, http.StatusCreated, &model.ChannelMember{
			ChannelId: c.Id, UserId: body.UserID, Roles: model.ChannelUserRoleId,
			NotifyProps: model.GetDefaultChannelNotifyProps(), SchemeUser: true,
		})
	}
}

// getPosts answers a page of a channel's posts, newest first, as a
// model.PostList.
func (s *Server) getPosts(w http.ResponseWriter, r *http.Request, me *model.User) {
	page, perPage, ok := paging(r)
	if !ok {
		badRequest(w, "page")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[r.PathValue("id")]
	if c == nil || !s.canRead(c, me) {
		forbidden(w)
		return
	}
	var newest []*model.Post
	for _, p := range slices.Backward(s.posts) {
		if p.ChannelId == c.Id && p.DeleteAt == 0 {
			newest = append(newest, p)
		}
	}
	list := model.NewPostList()
	for _, p := range pageOf(newest, page, perPage) {
		list.AddPost(forClient(p))
		list.AddOrder(p.Id)
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request, me *model.User) {
	var p model.Post
	if !decode(w, r, &p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[p.ChannelId]
	switch {
	case c == nil || !s.canPost(c, me):
		forbidden(w)
	case c.DeleteAt != 0:
		writeError(w, http.StatusBadRequest, "api.post.create_post.can_not_post_to_deleted.error", "Can not post to deleted channel.")
	case utf8.RuneCountInString(p.Message) > model.PostMessageMaxRunesV2:
		tooLong(w)
	default:
		post := p.Clone()
		post.Id = model.NewId()
		post.UserId = me.Id
		post.CreateAt = s.millis()
		post.UpdateAt = post.CreateAt
		s.posts = append(s.posts, post)
		writeJSON(w, http.StatusCreated, forClient(post))
	}
}

// forClient is a post as Mattermost returns it to any client, the bot
// that made it included: its actions lose their integrations (URL and
// context; 6.7.2 model.Post.StripActionIntegrations), so that a client
// cannot read or replay them. Saving such a post back removes its buttons.
func forClient(p *model.Post) *model.Post {
	cp := deepCopy(p)
	cp.StripActionIntegrations()
	return cp
}

// deepCopy copies a stored post through JSON, so that nothing done to the
// copy (stripping its integrations) reaches the stored post through
// shared attachment pointers.
func deepCopy(p *model.Post) *model.Post {
	data, err := json.Marshal(p)
	if err != nil {
		fatalf("mmsim: post %s: %v", p.Id, err)
	}
	var cp model.Post
	if err := json.Unmarshal(data, &cp); err != nil {
		fatalf("mmsim: post %s: %v", p.Id, err)
	}
	return &cp
}

func tooLong(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "model.post.is_valid.msg.app_error", "Invalid Message.")
}

// updatePost replaces a post's message, props and files; only its author
// may.
func (s *Server) updatePost(w http.ResponseWriter, r *http.Request, me *model.User) {
	var p model.Post
	if !decode(w, r, &p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.posts, func(q *model.Post) bool { return q.Id == r.PathValue("id") })
	switch {
	case p.Id != r.PathValue("id"):
		writeError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing id in request body.")
	case i < 0 || s.posts[i].DeleteAt != 0:
		notFound(w, "post")
	case s.posts[i].UserId != me.Id:
		forbidden(w)
	case utf8.RuneCountInString(p.Message) > model.PostMessageMaxRunesV2:
		tooLong(w)
	default:
		post := s.posts[i]
		post.Message = p.Message
		post.SetProps(p.GetProps())
		post.FileIds = p.FileIds
		post.UpdateAt = s.millis()
		post.EditAt = post.UpdateAt
		writeJSON(w, http.StatusOK, forClient(post))
	}
}

// uploadFiles takes the multipart form Client4.UploadFile sends: a
// channel_id field, then one or more "files" parts.
func (s *Server) uploadFiles(w http.ResponseWriter, r *http.Request, me *model.User) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		badRequest(w, "multipart")
		return
	}
	channelID := r.FormValue("channel_id")
	files := r.MultipartForm.File["files"]
	var uploads []Upload
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			badRequest(w, "files")
			return
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			badRequest(w, "files")
			return
		}
		uploads = append(uploads, Upload{Info: &model.FileInfo{
			Id: model.NewId(), CreatorId: me.Id, ChannelId: channelID, Name: fh.Filename,
			Extension: strings.TrimPrefix(path.Ext(fh.Filename), "."), Size: int64(len(data)),
			MimeType: http.DetectContentType(data),
		}, Data: data})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	switch {
	case len(uploads) == 0:
		badRequest(w, "files")
	case c == nil || !s.canPost(c, me):
		forbidden(w)
	default:
		resp := &model.FileUploadResponse{ClientIds: []string{}}
		for _, u := range uploads {
			u.Info.CreateAt = s.millis()
			u.Info.UpdateAt = u.Info.CreateAt
			s.uploads = append(s.uploads, u)
			info := *u.Info
			resp.FileInfos = append(resp.FileInfos, &info)
		}
		writeJSON(w, http.StatusCreated, resp)
	}
}

// openDialog records a dialog; its trigger id must be one the server
// issued less than 30 seconds ago, and opens one dialog.
func (s *Server) openDialog(w http.ResponseWriter, r *http.Request, _ *model.User) {
	var req model.OpenDialogRequest
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expires, ok := s.triggers[req.TriggerId]
	switch {
	case !ok:
		// Mattermost's trigger ids are signed, base64-encoded records; one
		// it did not issue fails to decode.
		writeError(w, http.StatusBadRequest, "interactive_message.decode_trigger_id.base64_decode_failed", "Failed to decode base64 for trigger ID for interactive dialog.")
	case !s.now().Before(expires):
		writeError(w, http.StatusBadRequest, "interactive_message.decode_trigger_id.expired", "Trigger ID for interactive dialog is expired.")
	case req.URL == "":
		badRequest(w, "url")
	default:
		delete(s.triggers, req.TriggerId)
		s.dialogs = append(s.dialogs, req)
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
	}
}

// listCommands lists a team's custom commands to admins; others see only
// the built-in ones, which the fake does not have.
func (s *Server) listCommands(w http.ResponseWriter, r *http.Request, me *model.User) {
	teamID := r.URL.Query().Get("team_id")
	customOnly := r.URL.Query().Get("custom_only") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.Command{}
	if !me.IsSystemAdmin() {
		if customOnly {
			forbidden(w)
			return
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	for _, c := range s.commands {
		if c.TeamId == teamID && c.DeleteAt == 0 {
			cp := *c
			out = append(out, &cp)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// adminCommand reads the command of a create or update, which only admins
// may do.
func adminCommand(w http.ResponseWriter, r *http.Request, me *model.User) (model.Command, bool) {
	var cmd model.Command
	if !decode(w, r, &cmd) {
		return cmd, false
	}
	if !me.IsSystemAdmin() {
		forbidden(w)
		return cmd, false
	}
	cmd.Trigger = strings.ToLower(cmd.Trigger)
	return cmd, true
}

func (s *Server) createCommand(w http.ResponseWriter, r *http.Request, me *model.User) {
	cmd, ok := adminCommand(w, r, me)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd.Id, cmd.Token, cmd.CreatorId = model.NewId(), model.NewId(), me.Id
	cmd.CreateAt = s.millis()
	cmd.UpdateAt = cmd.CreateAt
	if s.teams[cmd.TeamId] == nil || cmd.IsValid() != nil {
		badRequest(w, "command")
		return
	}
	for _, c := range s.commands {
		if c.TeamId == cmd.TeamId && c.Trigger == cmd.Trigger && c.DeleteAt == 0 {
			writeError(w, http.StatusBadRequest, "api.command.duplicate_trigger.app_error", "This trigger word is already in use.")
			return
		}
	}
	s.commands = append(s.commands, &cmd)
	cp := cmd
	writeJSON(w, http.StatusCreated, &cp)
}

// updateCommand replaces a command's settings; id, token, creator, team
// and creation time stay.
func (s *Server) updateCommand(w http.ResponseWriter, r *http.Request, me *model.User) {
	cmd, ok := adminCommand(w, r, me)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.command(r.PathValue("id"))
	switch {
	case cmd.Id != r.PathValue("id"):
		badRequest(w, "command_id")
		return
	case old == nil:
		notFound(w, "command")
		return
	}
	cmd.Token, cmd.CreatorId, cmd.TeamId, cmd.CreateAt = old.Token, old.CreatorId, old.TeamId, old.CreateAt
	cmd.UpdateAt = s.millis()
	if cmd.IsValid() != nil {
		badRequest(w, "command")
		return
	}
	*old = cmd
	writeJSON(w, http.StatusOK, &cmd)
}

func (s *Server) regenCommandToken(w http.ResponseWriter, r *http.Request, me *model.User) {
	if !me.IsSystemAdmin() {
		forbidden(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.command(r.PathValue("id"))
	if c == nil {
		notFound(w, "command")
		return
	}
	c.Token = model.NewId()
	writeJSON(w, http.StatusOK, map[string]string{"token": c.Token})
}

func (s *Server) command(id string) *model.Command {
	for _, c := range s.commands {
		if c.Id == id && c.DeleteAt == 0 {
			return c
		}
	}
	return nil
}

// incomingWebhook posts a webhook's text in its channel. It takes JSON, or
// a form with the JSON in "payload", and answers "ok" in plain text.
func (s *Server) incomingWebhook(w http.ResponseWriter, r *http.Request, _ *model.User) {
	var body io.Reader = r.Body
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body = strings.NewReader(r.FormValue("payload"))
	}
	req, appErr := model.IncomingWebhookRequestFromJSON(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hooks[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, http.StatusBadRequest, "web.incoming_webhook.invalid.app_error", "Invalid webhook.")
	case appErr != nil:
		writeError(w, http.StatusBadRequest, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
	case req.Text == "" && len(req.Attachments) == 0:
		writeError(w, http.StatusBadRequest, "web.incoming_webhook.text.app_error", "No text specified.")
	default:
		post := &model.Post{
			Id: model.NewId(), ChannelId: h.channelID, UserId: h.creatorID, Message: req.Text,
			CreateAt: s.millis(),
		}
		post.UpdateAt = post.CreateAt
		post.AddProp(model.PostPropsFromWebhook, "true")
		s.posts = append(s.posts, post)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok")
	}
}
