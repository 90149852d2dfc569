// Package mmsim is an in-process Mattermost simulator, used by the tests
// and by `ambitiebot sandbox`. It serves the REST routes the bot and its
// setup tooling call, with the JSON of the real model types, records what
// was done, and can fail, lose replies, slow down and rate-limit on
// demand. Its API is plain Go: a seeding mistake (a channel in an unknown
// team, a user twice) is a programming error and panics.
package mmsim

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// Server is a simulated Mattermost server. Seed it with AddTeam, AddChannel,
// AddUser, ...; point a client at URL(). It is safe for concurrent use.
type Server struct {
	srv    *http.Server
	url    string
	mux    *http.ServeMux
	routes map[string]bool

	mu          sync.Mutex
	now         func() time.Time
	teams       map[string]*model.Team
	channels    map[string]*model.Channel
	users       map[string]*model.User
	tokens      map[string]string          // access token to user id
	userTokens  map[string]string          // user id to access token
	teamMembers map[string]map[string]bool // team id to user ids
	members     map[string]map[string]bool // channel id to user ids
	posts       []*model.Post              // in creation order
	uploads     []Upload
	dialogs     []model.OpenDialogRequest
	commands    []*model.Command
	hooks       map[string]hook
	triggers    map[string]time.Time // trigger id to expiry
	hideEmails  bool
	// editLimit is ServiceSettings.PostEditTimeLimit in seconds, -1 for
	// none (see SetPostEditTimeLimit).
	editLimit int
	faults    map[string]*fault
	limiter   *bucket
	calls     int // API requests received
	// stale holds, per user id, the direct channels that user's cached
	// memberships miss (see StaleDirectChannels).
	stale map[string]map[string]bool
}

// Upload is a file received on POST /api/v4/files.
type Upload struct {
	Info *model.FileInfo
	Data []byte
}

type hook struct {
	channelID, creatorID string
}

// New starts a simulator on a free loopback port; Close stops it.
func New() *Server {
	s := &Server{
		mux:         http.NewServeMux(),
		routes:      map[string]bool{},
		now:         time.Now,
		teams:       map[string]*model.Team{},
		channels:    map[string]*model.Channel{},
		users:       map[string]*model.User{},
		tokens:      map[string]string{},
		userTokens:  map[string]string{},
		teamMembers: map[string]map[string]bool{},
		members:     map[string]map[string]bool{},
		hooks:       map[string]hook{},
		triggers:    map[string]time.Time{},
		faults:      map[string]*fault{},
		editLimit:   -1,
	}
	s.registerRoutes()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("mmsim: listen: %v", err))
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s
}

// Close stops the simulator and closes every connection to it.
func (s *Server) Close() { _ = s.srv.Close() }

// URL is the server's base URL, as given to model.NewAPIv4Client.
func (s *Server) URL() string { return s.url }

// fatalf reports a seeding mistake: a programming error.
func fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// SetNow replaces the clock used for timestamps, trigger ids and rate
// limiting (default time.Now).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// HideEmails makes the server blank other users' e-mail addresses, as
// Mattermost does when PrivacySettings.ShowEmailAddress is off. Admins and
// the user themself still see them.
func (s *Server) HideEmails(hide bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideEmails = hide
}

// AddTeam creates an open team; name is the team's URL name.
func (s *Server) AddTeam(name string) *model.Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &model.Team{Id: model.NewId(), Name: name, DisplayName: name, Type: model.TeamOpen, CreateAt: s.millis()}
	s.teams[t.Id] = t
	cp := *t
	return &cp
}

// AddChannel creates a public channel in team.
func (s *Server) AddChannel(team *model.Team, name string) *model.Channel {
	return s.addChannel(team, name, model.ChannelTypeOpen)
}

// AddPrivateChannel creates a private channel in team.
func (s *Server) AddPrivateChannel(team *model.Team, name string) *model.Channel {
	return s.addChannel(team, name, model.ChannelTypePrivate)
}

func (s *Server) addChannel(team *model.Team, name string, typ model.ChannelType) *model.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.teams[team.Id] == nil {
		fatalf("mmsim: AddChannel %q: unknown team %q", name, team.Name)
	}
	c := &model.Channel{Id: model.NewId(), TeamId: team.Id, Name: name, DisplayName: name, Type: typ, CreateAt: s.millis()}
	s.channels[c.Id] = c
	return c.DeepCopy()
}

// AddUser creates a user with an access token (see Token) and a verified
// address, as after an admin verified it; UpdateUser changes that.
func (s *Server) AddUser(username, email, locale string) *model.User {
	u, _ := s.addUser(username, email, locale, model.SystemUserRoleId, false)
	s.UpdateUser(u.Id, func(u *model.User) { u.EmailVerified = true })
	u.EmailVerified = true
	return u
}

// AddBot creates a bot account and returns it with its access token.
func (s *Server) AddBot(username string) (*model.User, string) {
	return s.addUser(username, "", "", model.SystemUserRoleId, true)
}

// AddAdmin creates a system admin and returns it with its access token,
// for setup tooling that registers commands.
func (s *Server) AddAdmin(username string) (*model.User, string) {
	return s.addUser(username, username+"@example.org", "", model.SystemAdminRoleId+" "+model.SystemUserRoleId, false)
}

func (s *Server) addUser(username, email, locale, roles string, bot bool) (*model.User, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userByName(strings.ToLower(username)) != nil {
		fatalf("mmsim: user %q exists", username)
	}
	u := &model.User{
		Id: model.NewId(), Username: strings.ToLower(username), Email: email, Locale: locale,
		Roles: roles, IsBot: bot, CreateAt: s.millis(),
	}
	u.UpdateAt = u.CreateAt
	token := model.NewId()
	s.users[u.Id] = u
	s.tokens[token] = u.Id
	s.userTokens[u.Id] = token
	return u.DeepCopy(), token
}

// UpdateUser changes a user as an admin or the user could: rename them,
// verify their address, make them a guest or an SSO account.
func (s *Server) UpdateUser(id string, change func(u *model.User)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		fatalf("mmsim: no user %q", id)
	}
	change(u)
	u.Username = strings.ToLower(u.Username)
	u.UpdateAt = s.millis()
}

// Calls is the number of API requests the server has received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Token returns a user's access token.
func (s *Server) Token(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userTokens[userID]
}

// AddTeamMember puts a user in a team.
func (s *Server) AddTeamMember(teamID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addTeamMember(teamID, userID)
}

func (s *Server) addTeamMember(teamID, userID string) {
	if s.teamMembers[teamID] == nil {
		s.teamMembers[teamID] = map[string]bool{}
	}
	s.teamMembers[teamID][userID] = true
}

// AddMember puts a user in a channel, and in its team.
func (s *Server) AddMember(channelID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil || s.users[userID] == nil {
		fatalf("mmsim: AddMember: unknown channel %q or user %q", channelID, userID)
	}
	s.addMember(c, userID)
}

// RemoveMember takes a user out of a channel, as an administrator who
// removes the bot does; the user stays in the team.
func (s *Server) RemoveMember(channelID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[channelID] == nil {
		fatalf("mmsim: RemoveMember: unknown channel %q", channelID)
	}
	delete(s.members[channelID], userID)
}

// ArchiveChannel archives a channel, as an administrator does: its
// members stay, it is no longer found by name or listed, and posts in it
// are refused (400, as 6.7.2's CreatePostAsUser refuses them).
func (s *Server) ArchiveChannel(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		fatalf("mmsim: ArchiveChannel: unknown channel %q", channelID)
	}
	c.DeleteAt = s.now().UnixMilli()
}

func (s *Server) addMember(c *model.Channel, userID string) {
	s.addTeamMember(c.TeamId, userID)
	if s.members[c.Id] == nil {
		s.members[c.Id] = map[string]bool{}
	}
	s.members[c.Id][userID] = true
}

// AddWebhook creates an incoming webhook that posts in a channel and
// returns its URL.
func (s *Server) AddWebhook(channelID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[channelID] == nil {
		fatalf("mmsim: AddWebhook: unknown channel %q", channelID)
	}
	id := model.NewId()
	s.hooks[id] = hook{channelID: channelID, creatorID: model.NewId()}
	return s.url + "/hooks/" + id
}

// NewTriggerID issues a trigger id, as Mattermost includes in a slash
// command or button click; it opens one dialog within 30 seconds.
func (s *Server) NewTriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := model.NewId()
	s.triggers[id] = s.now().Add(30 * time.Second)
	return id
}

// Posts returns the posts in a channel, oldest first.
func (s *Server) Posts(channelID string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.Post
	for _, p := range s.posts {
		if p.ChannelId == channelID {
			out = append(out, p.Clone())
		}
	}
	return out
}

// AllPosts returns every post, oldest first.
func (s *Server) AllPosts() []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*model.Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = p.Clone()
	}
	return out
}

// Uploads returns the files uploaded, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, len(s.uploads))
	for i, u := range s.uploads {
		info := *u.Info
		out[i] = Upload{Info: &info, Data: slices.Clone(u.Data)}
	}
	return out
}

// DialogsOpened returns the dialog requests received, in order.
func (s *Server) DialogsOpened() []model.OpenDialogRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dialogs)
}

// Commands returns the registered slash commands.
func (s *Server) Commands() []*model.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*model.Command, len(s.commands))
	for i, c := range s.commands {
		cp := *c
		out[i] = &cp
	}
	return out
}

func (s *Server) millis() int64 { return s.now().UnixMilli() }
