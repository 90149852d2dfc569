package mmsim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

func (s *Server) registerRoutes() {
	s.route("GET /api/v4/users/me", true, s.getMe)
	s.route("GET /api/v4/users/{id}", true, s.getUser)
	s.route("GET /api/v4/users", true, s.getUsers)
	// ServeMux cannot hold both of these patterns, so one shared pattern
	// hands each request to its own route (with its own faults).
	byName := s.handler("GET /api/v4/users/username/{name}", true, s.getUserByUsername)
	teams := s.handler("GET /api/v4/users/{id}/teams", true, s.getTeamsForUser)
	channels := s.handler("GET /api/v4/users/{id}/channels", true, s.getChannelsForUser)
	s.mux.HandleFunc("GET /api/v4/users/{a}/{b}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.PathValue("a") == "username":
			r.SetPathValue("name", r.PathValue("b"))
			byName(w, r)
		case r.PathValue("b") == "teams":
			r.SetPathValue("id", r.PathValue("a"))
			teams(w, r)
		case r.PathValue("b") == "channels":
			r.SetPathValue("id", r.PathValue("a"))
			channels(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	s.route("GET /api/v4/teams/{id}", true, s.getTeam)
	s.route("GET /api/v4/teams/name/{team}", true, s.getTeamByName)
	s.route("POST /api/v4/teams/{id}/members", true, s.addTeamMemberRoute)
	s.route("GET /api/v4/teams/name/{team}/channels/name/{channel}", true, s.getChannelByName)
	s.route("GET /api/v4/channels/{id}", true, s.getChannel)
	s.route("POST /api/v4/channels/direct", true, s.createDirectChannel)
	s.route("POST /api/v4/channels/{id}/members", true, s.addChannelMember)
	s.route("PUT /api/v4/channels/{id}/members/{user_id}/notify_props", true, s.updateNotifyProps)
	s.route("GET /api/v4/channels/{id}/posts", true, s.getPosts)
	s.route("POST /api/v4/posts", true, s.createPost)
	s.route("PUT /api/v4/posts/{id}", true, s.updatePost)
	s.route("POST /api/v4/files", true, s.uploadFiles)
	s.route("POST /api/v4/actions/dialogs/open", true, s.openDialog)
	s.route("GET /api/v4/commands", true, s.listCommands)
	s.route("POST /api/v4/commands", true, s.createCommand)
	s.route("PUT /api/v4/commands/{id}", true, s.updateCommand)
	s.route("PUT /api/v4/commands/{id}/regen_token", true, s.regenCommandToken)
	s.route("POST /hooks/{id}", false, s.incomingWebhook)
	s.registerAdminRoutes()
	s.registerInteractiveRoutes()
}

// authenticate finds the user of the request's access token. Client4 sends
// "BEARER <token>"; Mattermost also takes "Token <token>", in any case.
func (s *Server) authenticate(r *http.Request) *model.User {
	scheme, token, ok := strings.Cut(r.Header.Get(model.HeaderAuth), " ")
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[s.tokens[strings.TrimSpace(token)]]; u != nil {
		return u.DeepCopy()
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with a model.AppError, as Mattermost does.
func writeError(w http.ResponseWriter, status int, id, message string) {
	e := &model.AppError{Id: id, Message: message, StatusCode: status, Where: "mmsim"}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, e.ToJSON())
}

// badRequest answers as 6.7.2's Context.SetInvalidParam does.
func badRequest(w http.ResponseWriter, what string) {
	writeError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing "+what+" in request body.")
}

func forbidden(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
}

func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, "app."+what+".missing.app_error", "Unable to find the existing "+what+".")
}

// decode reads a JSON body, answering 400 when it is not valid.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		badRequest(w, "body")
		return false
	}
	return true
}

// paging reads page and per_page the way Mattermost does: per_page
// defaults to 60 and is capped at 200.
func paging(r *http.Request) (page, perPage int, ok bool) {
	page, perPage = 0, 60
	var err error
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			return 0, 0, false
		}
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 0 {
			return 0, 0, false
		}
	}
	return page, min(perPage, 200), true
}

func pageOf[T any](items []T, page, perPage int) []T {
	start := min(page*perPage, len(items))
	return items[start:min(start+perPage, len(items))]
}

// view is a user as viewer may see them. Like Mattermost (6.7.2
// api4/user.go getUser → App.SanitizeProfile → model.User.SanitizeProfile),
// another user's profile never says whether the address is verified
// (ClearNonProfileFields), shows the auth service to a system admin only,
// and hides the address when the server hides e-mail addresses.
func (s *Server) view(u, viewer *model.User) *model.User {
	cp := u.DeepCopy()
	if viewer.Id == u.Id {
		return cp
	}
	admin := viewer.IsSystemAdmin()
	cp.EmailVerified = false
	if !admin {
		cp.AuthService = ""
	}
	if s.hideEmails && !admin {
		cp.Email = ""
	}
	return cp
}

// canRead reports whether user may read a channel: members, and for a
// public channel everyone in its team. Direct channels are read by their
// two users.
func (s *Server) canRead(c *model.Channel, u *model.User) bool {
	switch {
	case s.canPost(c, u):
		return true
	case c.Type == model.ChannelTypeOpen:
		return s.teamMembers[c.TeamId][u.Id]
	default:
		return false
	}
}

// canPost reports whether user may post in a channel: only its members,
// as far as the user's cached memberships know (StaleDirectChannels).
func (s *Server) canPost(c *model.Channel, u *model.User) bool {
	if c.Type == model.ChannelTypeDirect {
		return slices.Contains(strings.Split(c.Name, "__"), u.Id) && !s.stale[u.Id][c.Id]
	}
	return s.members[c.Id][u.Id]
}

// StaleDirectChannels makes the next direct channels that user creates
// missing from the user's cached memberships, as a real Mattermost leaves
// them when another request of the user refilled its cache during the
// creation (6.7.2: SqlChannelStore.SaveDirectChannel does not invalidate,
// App.handleCreationEvent does, afterwards; the entry lives 15 minutes).
// Posts and uploads there answer 403 until something invalidates the
// user's cache, such as updating their notify props in a channel.
func (s *Server) StaleDirectChannels(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stale == nil {
		s.stale = map[string]map[string]bool{}
	}
	if s.stale[userID] == nil {
		s.stale[userID] = map[string]bool{}
	}
	s.stale[userID]["next"] = true
}

// updateNotifyProps is PUT /api/v4/channels/{id}/members/{user_id}/notify_props:
// a user may change only their own, in a channel they are in; like
// Mattermost it invalidates the user's cached memberships.
func (s *Server) updateNotifyProps(w http.ResponseWriter, r *http.Request, me *model.User) {
	if r.PathValue("user_id") != me.Id {
		writeError(w, http.StatusForbidden, "api.context.permissions.app_error", "not your notify props")
		return
	}
	s.mu.Lock()
	c, ok := s.channels[r.PathValue("id")]
	member := ok && (s.members[c.Id][me.Id] || (c.Type == model.ChannelTypeDirect && slices.Contains(strings.Split(c.Name, "__"), me.Id)))
	if member {
		delete(s.stale, me.Id)
	}
	s.mu.Unlock()
	if !member {
		writeError(w, http.StatusNotFound, "app.channel.get_member.missing.app_error", "no member")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}
