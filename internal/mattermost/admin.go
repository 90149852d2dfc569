package mattermost

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Team is a Mattermost team.
type Team struct {
	ID   string
	Name string // the name in the team's URL
}

// Channel is a team's channel.
type Channel struct {
	ID      string
	TeamID  string
	Name    string // the name in the channel's URL
	Private bool
}

// SlashCommand is a team's custom slash command that calls an external URL.
type SlashCommand struct {
	ID               string // "" until created
	TeamID           string
	Trigger          string // without the leading '/'
	Method           string // "P" (POST) or "G" (GET)
	URL              string
	DisplayName      string
	Description      string
	Username         string // the name its answers are shown under
	AutoComplete     bool
	AutoCompleteHint string
	AutoCompleteDesc string
	Token            string // what the server sends with every call; a secret

	// orig is the command as the server returned it, so that an update
	// keeps the settings this type does not carry (icon, creator, ...).
	orig *model.Command
}

// SameSettings reports whether c and o call the same URL in the same way
// and offer the same autocomplete, ignoring ids and tokens.
func (c SlashCommand) SameSettings(o SlashCommand) bool {
	return strings.EqualFold(c.Trigger, o.Trigger) && c.Method == o.Method && c.URL == o.URL &&
		c.DisplayName == o.DisplayName && c.Description == o.Description && c.Username == o.Username &&
		c.AutoComplete == o.AutoComplete && c.AutoCompleteHint == o.AutoCompleteHint &&
		c.AutoCompleteDesc == o.AutoCompleteDesc
}

// WithSettings returns c, the same command with the same token, with the
// settings SameSettings compares taken from o: what UpdateCommand needs.
func (c SlashCommand) WithSettings(o SlashCommand) SlashCommand {
	o.ID, o.TeamID, o.Token, o.orig = c.ID, c.TeamID, c.Token, c.orig
	return o
}

func (c SlashCommand) model() *model.Command {
	m := &model.Command{}
	if c.orig != nil {
		cp := *c.orig
		m = &cp
	}
	m.Id, m.TeamId, m.Trigger, m.Method, m.URL = c.ID, c.TeamID, c.Trigger, c.Method, c.URL
	m.DisplayName, m.Description, m.Username = c.DisplayName, c.Description, c.Username
	m.AutoComplete, m.AutoCompleteHint, m.AutoCompleteDesc = c.AutoComplete, c.AutoCompleteHint, c.AutoCompleteDesc
	return m
}

func toSlashCommand(m *model.Command) SlashCommand {
	cp := *m
	return SlashCommand{
		ID: m.Id, TeamID: m.TeamId, Trigger: m.Trigger, Method: m.Method, URL: m.URL,
		DisplayName: m.DisplayName, Description: m.Description, Username: m.Username,
		AutoComplete: m.AutoComplete, AutoCompleteHint: m.AutoCompleteHint, AutoCompleteDesc: m.AutoCompleteDesc,
		Token: m.Token, orig: &cp,
	}
}

// Admin performs the one-off administration behind `ambitiebot setup` and
// the read-only checks of `ambitiebot doctor`, with whichever access token
// it is given: setup passes an administrator's, doctor the bot's. Its
// errors are *ambitiebot.ChatError; Status tells 401 (bad token), 403 (not
// allowed) and 404 (no such thing) apart.
type Admin struct {
	c *Client
}

// Admin's pace, unless its Options say otherwise: below Mattermost's
// default limit (10 a second, bursts of 100), and a 429 waited out.
const (
	adminRate             = 8
	adminBurst            = 50
	adminRateLimitRetries = 10
)

// NewAdmin returns an Admin for the server at baseURL that authenticates
// with token. The token is sent to the server only, never logged. It
// paces its calls and waits out a 429 (see Options.Rate), so that setup
// finishes on a server whose rate limiter is on.
func NewAdmin(baseURL, token string, opts Options) *Admin {
	if opts.Rate <= 0 {
		opts.Rate, opts.Burst = adminRate, adminBurst
	}
	if opts.RateLimitRetries <= 0 {
		opts.RateLimitRetries = adminRateLimitRetries
	}
	return &Admin{c: New(baseURL, token, opts)}
}

// Ping checks that a Mattermost server answers at the base URL.
func (a *Admin) Ping(ctx context.Context) error {
	cl := call{op: "ping"}
	status, err := run(ctx, a.c, cl, func(ctx context.Context) (map[string]any, *model.Response, error) {
		return a.c.api.GetPingWithOptions(ctx, model.SystemPingOptions{})
	})
	if err != nil {
		return err
	}
	// Another web server may well answer 200 with some JSON.
	if s, _ := status["status"].(string); s != model.StatusOk {
		return a.c.fail(classify(cl, http.StatusOK, nil, errors.New("the answer is not a Mattermost ping"), true, a.c.now()))
	}
	return nil
}

// Me returns the account of the token.
func (a *Admin) Me(ctx context.Context) (ambitiebot.User, error) {
	return a.c.Me(ctx)
}

// PostEditTimeLimit reads the server's edit time limit (see
// Client.PostEditTimeLimit), uncached.
func (a *Admin) PostEditTimeLimit(ctx context.Context) (int, error) {
	return a.c.readPostEditTimeLimit(ctx)
}

// Team looks a team up by its URL name.
func (a *Admin) Team(ctx context.Context, name string) (Team, error) {
	t, err := run(ctx, a.c, call{op: "get team"}, func(ctx context.Context) (*model.Team, *model.Response, error) {
		return a.c.api.GetTeamByName(ctx, name, "")
	})
	if err != nil {
		return Team{}, err
	}
	return Team{ID: t.Id, Name: t.Name}, nil
}

// Channel looks a channel up by its team's and its own URL name. A private
// channel the token's user may not read is not found, as on the server; an
// archived one is not found either, and the error says so (Archived).
func (a *Admin) Channel(ctx context.Context, teamName, channelName string) (Channel, error) {
	ch, err := a.c.channelByName(ctx, teamName, channelName, nil)
	if err != nil {
		return Channel{}, err
	}
	return Channel{ID: ch.Id, TeamID: ch.TeamId, Name: ch.Name, Private: ch.Type == model.ChannelTypePrivate}, nil
}

// IsTeamMember reports whether a user belongs to a team. Mattermost keeps
// the membership of someone who left, marked deleted; that is no member.
func (a *Admin) IsTeamMember(ctx context.Context, teamID, userID string) (bool, error) {
	m, err := run(ctx, a.c, call{op: "get team member"}, func(ctx context.Context) (*model.TeamMember, *model.Response, error) {
		return a.c.api.GetTeamMember(ctx, teamID, userID, "")
	})
	if isStatus(err, http.StatusNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.DeleteAt == 0, nil
}

// IsChannelMember reports whether a user is in a channel.
func (a *Admin) IsChannelMember(ctx context.Context, channelID, userID string) (bool, error) {
	_, err := run(ctx, a.c, call{op: "get channel member"}, func(ctx context.Context) (*model.ChannelMember, *model.Response, error) {
		return a.c.api.GetChannelMember(ctx, channelID, userID, "")
	})
	if isStatus(err, http.StatusNotFound) {
		return false, nil
	}
	return err == nil, err
}

// AddTeamMember puts a user in a team.
func (a *Admin) AddTeamMember(ctx context.Context, teamID, userID string) error {
	_, err := run(ctx, a.c, call{op: "add team member", creating: true}, func(ctx context.Context) (*model.TeamMember, *model.Response, error) {
		return a.c.api.AddTeamMember(ctx, teamID, userID)
	})
	return err
}

// AddChannelMember puts a user, who must be in the channel's team, in a
// channel.
func (a *Admin) AddChannelMember(ctx context.Context, channelID, userID string) error {
	_, err := run(ctx, a.c, call{op: "add channel member", creating: true}, func(ctx context.Context) (*model.ChannelMember, *model.Response, error) {
		return a.c.api.AddChannelMember(ctx, channelID, userID)
	})
	return err
}

// Commands lists a team's custom slash commands, tokens included. It needs
// the right to manage the team's slash commands (403 otherwise).
func (a *Admin) Commands(ctx context.Context, teamID string) ([]SlashCommand, error) {
	list, err := run(ctx, a.c, call{op: "list commands"}, func(ctx context.Context) ([]*model.Command, *model.Response, error) {
		return a.c.api.ListCommands(ctx, teamID, true)
	})
	if err != nil {
		return nil, err
	}
	out := make([]SlashCommand, 0, len(list))
	for _, m := range list {
		if m != nil && m.DeleteAt == 0 {
			out = append(out, toSlashCommand(m))
		}
	}
	return out, nil
}

// CreateCommand registers c in its team and returns it as created, with
// its id and token.
func (a *Admin) CreateCommand(ctx context.Context, c SlashCommand) (SlashCommand, error) {
	m, err := run(ctx, a.c, call{op: "create command", creating: true}, func(ctx context.Context) (*model.Command, *model.Response, error) {
		return a.c.api.CreateCommand(ctx, c.model())
	})
	if err != nil {
		return SlashCommand{}, err
	}
	return toSlashCommand(m), nil
}

// UpdateCommand changes the settings of the existing command c.ID to those
// of c; its token stays the same.
func (a *Admin) UpdateCommand(ctx context.Context, c SlashCommand) (SlashCommand, error) {
	m, err := run(ctx, a.c, call{op: "update command"}, func(ctx context.Context) (*model.Command, *model.Response, error) {
		return a.c.api.UpdateCommand(ctx, c.model())
	})
	if err != nil {
		return SlashCommand{}, err
	}
	return toSlashCommand(m), nil
}

func isStatus(err error, status int) bool {
	ce, ok := ambitiebot.AsChatError(err)
	return ok && ce.Status == status
}
