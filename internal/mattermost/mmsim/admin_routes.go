package mmsim

import (
	"net/http"
	"strconv"

	"github.com/mattermost/mattermost/server/public/model"
)

// registerAdminRoutes adds the routes that setup and doctor tooling call
// besides the bot's own.
func (s *Server) registerAdminRoutes() {
	s.route("GET /api/v4/system/ping", false, s.ping)
	s.route("GET /api/v4/config/client", false, s.clientConfig)
	s.route("GET /api/v4/teams/{id}/members/{user_id}", true, s.getTeamMember)
	s.route("GET /api/v4/channels/{id}/members/{user_id}", true, s.getChannelMember)
}

// SetSystemAdmin gives a user, such as a bot account, the system admin
// role or takes it away, as the System Console can.
func (s *Server) SetSystemAdmin(userID string, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		fatalf("mmsim: SetSystemAdmin: unknown user %q", userID)
	}
	u.Roles = model.SystemUserRoleId
	if admin {
		u.Roles = model.SystemAdminRoleId + " " + model.SystemUserRoleId
	}
}

// SetPostEditTimeLimit sets ServiceSettings.PostEditTimeLimit, as an
// administrator can: seconds after which a post's message may no longer
// be changed, -1 (the default) for no limit. It is reported in the client
// configuration and refuses an action's update that changes the message
// of an older post, as 6.7.2 does.
func (s *Server) SetPostEditTimeLimit(seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.editLimit = seconds
}

// clientConfig answers the part of the client configuration the bot
// reads, in the only format 6.7.2 serves ("old").
func (s *Server) clientConfig(w http.ResponseWriter, r *http.Request, _ *model.User) {
	switch r.URL.Query().Get("format") {
	case "old":
	case "":
		writeError(w, http.StatusNotImplemented, "api.config.client.old_format.app_error", "New format for the client configuration is not supported yet. Please specify format=old in the query string.")
		return
	default:
		badRequest(w, "format")
		return
	}
	// Without a valid session the caller gets the limited configuration,
	// which does not hold the limit.
	cfg := map[string]string{}
	if s.authenticate(r) != nil {
		s.mu.Lock()
		cfg["PostEditTimeLimit"] = strconv.Itoa(s.editLimit)
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, cfg)
}

// ping answers like a healthy server, to anyone.
func (s *Server) ping(w http.ResponseWriter, _ *http.Request, _ *model.User) {
	writeJSON(w, http.StatusOK, map[string]any{"status": model.StatusOk})
}

// getTeamMember answers a team membership to the team's members and
// admins (others get 403, as without view_team), and 404 when the user is
// not in the team.
func (s *Server) getTeamMember(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	teamID, userID := r.PathValue("id"), r.PathValue("user_id")
	switch {
	case !s.teamMembers[teamID][me.Id] && !me.IsSystemAdmin():
		forbidden(w)
	case s.teams[teamID] == nil || !s.teamMembers[teamID][userID]:
		writeError(w, http.StatusNotFound, "app.team.get_member.missing.app_error", "No team member found for that user ID and team ID.")
	default:
		writeJSON(w, http.StatusOK, &model.TeamMember{TeamId: teamID, UserId: userID, Roles: model.TeamUserRoleId, SchemeUser: true})
	}
}

// getChannelMember answers a channel membership to whoever may read the
// channel (others get 403), and 404 when the user is not in the channel.
func (s *Server) getChannelMember(w http.ResponseWriter, r *http.Request, me *model.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[r.PathValue("id")]
	userID := r.PathValue("user_id")
	switch {
	case c == nil:
		notFound(w, "channel")
	case !s.canRead(c, me) && !me.IsSystemAdmin():
		forbidden(w)
	case !s.members[c.Id][userID]:
		writeError(w, http.StatusNotFound, "app.channel.get_member.missing.app_error", "No channel member found for that user ID and channel ID.")
	default:
		writeJSON(w, http.StatusOK, &model.ChannelMember{
			ChannelId: c.Id, UserId: userID, Roles: model.ChannelUserRoleId,
			NotifyProps: model.GetDefaultChannelNotifyProps(), SchemeUser: true,
		})
	}
}
