package mattermost

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// The provisioning that `ambitiebot setup` and `ambitiebot doctor` use:
// which teams and channels the bot needs, what a server lacks (Plan), how
// to bring it in line (Apply) and how to check it with the bot's own
// token (Check). Findings and failed steps are named by message ids in
// locales/, for the command line to say in the operator's language.

const (
	// CommandTrigger is the slash command the bot answers, without '/'.
	CommandTrigger = "ambitie"
	// CommandPath is where the bot takes the slash command.
	CommandPath = "/command"
)

// TeamChannels are the bot's channels in one team.
type TeamChannels struct {
	Team     string
	Channels []string // channel names
}

// Ref is "team/channel" of one of g's channels.
func (g TeamChannels) Ref(channel string) string { return g.Team + "/" + channel }

// BotChannels lists the "team/channel" references the bot posts in: the
// working group's channel, then each organisation's channel (the
// affiliated ones' too) unless the organisation is reached by webhook,
// without repeats.
func BotChannels(workingGroup string, orgs *ambitiebot.Organisations) []string {
	refs := []string{workingGroup}
	for _, o := range orgs.Recipients() {
		if o.Webhook == "" && o.Channel != "" && !slices.Contains(refs, o.Channel) {
			refs = append(refs, o.Channel)
		}
	}
	return refs
}

// ByTeam groups channel references by team, in the order they appear.
func ByTeam(refs []string) []TeamChannels {
	var groups []TeamChannels
	for _, ref := range refs {
		team, channel, _ := strings.Cut(ref, "/")
		i := slices.IndexFunc(groups, func(g TeamChannels) bool { return g.Team == team })
		if i < 0 {
			groups = append(groups, TeamChannels{Team: team})
			i = len(groups) - 1
		}
		groups[i].Channels = append(groups[i].Channels, channel)
	}
	return groups
}

// FindCommand returns the team's /ambitie among cmds.
func FindCommand(cmds []SlashCommand) (SlashCommand, bool) {
	i := slices.IndexFunc(cmds, func(c SlashCommand) bool { return strings.EqualFold(c.Trigger, CommandTrigger) })
	if i < 0 {
		return SlashCommand{}, false
	}
	return cmds[i], true
}

// Status is the HTTP status of a failed Mattermost call, 0 when no
// answer came.
func Status(err error) int {
	if ce, ok := ambitiebot.AsChatError(err); ok {
		return ce.Status
	}
	return 0
}

// IsInternal reports whether a URL's host is a loopback or private
// address, which Mattermost refuses to call unless allowed.
func IsInternal(raw string) bool {
	return hostIs(raw, func(ip net.IP) bool { return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() })
}

// IsLoopback reports whether a URL's host is the machine itself.
func IsLoopback(raw string) bool { return hostIs(raw, net.IP.IsLoopback) }

// hostIs reports whether a URL's host is localhost or an address that
// passes test.
func hostIs(raw string, test func(net.IP) bool) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && test(ip)
}

// StepError is a provisioning call that failed: Action is the message id
// naming what was being done, with Data for it.
type StepError struct {
	Action string
	Data   map[string]any
	Err    error
}

func (e *StepError) Error() string { return e.Action + ": " + e.Err.Error() }

func (e *StepError) Unwrap() error { return e.Err }

func step(err error, action string, data map[string]any) error {
	return &StepError{Action: action, Data: data, Err: err}
}

// Finding is a message id in locales/ with its data.
type Finding struct {
	ID   string
	Data map[string]any
}

// TeamPlan is what Plan found in one team.
type TeamPlan struct {
	Team      Team
	BotMember bool
	Command   *SlashCommand // the existing /ambitie, nil when none
	Channels  []ChannelPlan
}

// ChannelPlan is what Plan found about one channel.
type ChannelPlan struct {
	Ref       string
	Channel   Channel
	BotMember bool
}

// Plan reads, with an admin token, the teams and channels of groups, the
// bot's memberships and the teams' commands. Teams and channels that do
// not exist are returned as findings, all at once; any other failure is a
// *StepError.
func (a *Admin) Plan(ctx context.Context, groups []TeamChannels, botID string) ([]TeamPlan, []Finding, error) {
	var plans []TeamPlan
	var missing []Finding
	for _, g := range groups {
		teamData := map[string]any{"Team": g.Team}
		team, err := a.Team(ctx, g.Team)
		if Status(err) == http.StatusNotFound {
			refs := make([]string, len(g.Channels))
			for i, c := range g.Channels {
				refs[i] = "‘" + g.Ref(c) + "’"
			}
			missing = append(missing, Finding{"SetupUnknownTeam", map[string]any{"Team": g.Team, "Channels": strings.Join(refs, ", ")}})
			continue
		}
		if err != nil {
			return nil, nil, step(err, "SetupActionTeam", teamData)
		}
		p := TeamPlan{Team: team}
		if p.BotMember, err = a.IsTeamMember(ctx, team.ID, botID); err != nil {
			return nil, nil, step(err, "SetupActionTeamMember", teamData)
		}
		cmds, err := a.Commands(ctx, team.ID)
		if err != nil {
			return nil, nil, step(err, "SetupActionCommands", teamData)
		}
		if c, ok := FindCommand(cmds); ok {
			p.Command = &c
		}
		for _, name := range g.Channels {
			ref := g.Ref(name)
			chData := map[string]any{"Channel": ref}
			ch, err := a.Channel(ctx, g.Team, name)
			if Status(err) == http.StatusNotFound {
				id := "SetupUnknownChannel"
				if Archived(err) {
					id = "SetupChannelArchived"
				}
				missing = append(missing, Finding{id, chData})
				continue
			}
			if err != nil {
				return nil, nil, step(err, "SetupActionChannel", chData)
			}
			member, err := a.IsChannelMember(ctx, ch.ID, botID)
			if err != nil {
				return nil, nil, step(err, "SetupActionChannelMember", chData)
			}
			p.Channels = append(p.Channels, ChannelPlan{Ref: ref, Channel: ch, BotMember: member})
		}
		plans = append(plans, p)
	}
	return plans, missing, nil
}

// Apply brings one team in line with want, the /ambitie it should have,
// and returns its command's token. The bot joins the team before its
// channels, as Mattermost requires. changed is told every change made.
func (a *Admin) Apply(ctx context.Context, p TeamPlan, want SlashCommand, bot ambitiebot.User, changed func(Finding)) (string, error) {
	teamData := map[string]any{"Team": p.Team.Name, "Bot": bot.Username}
	if !p.BotMember {
		if err := a.AddTeamMember(ctx, p.Team.ID, bot.ID); err != nil {
			return "", step(err, "SetupActionAddTeamMember", teamData)
		}
		changed(Finding{"SetupAddedToTeam", teamData})
	}
	cmdData := map[string]any{"Team": p.Team.Name, "URL": want.URL}
	var token string
	switch {
	case p.Command == nil:
		created, err := a.CreateCommand(ctx, want)
		if err != nil {
			return "", step(err, "SetupActionCreateCommand", cmdData)
		}
		token = created.Token
		changed(Finding{"SetupCommandCreated", cmdData})
	case !p.Command.SameSettings(want):
		updated, err := a.UpdateCommand(ctx, p.Command.WithSettings(want))
		if err != nil {
			return "", step(err, "SetupActionUpdateCommand", cmdData)
		}
		token = updated.Token
		changed(Finding{"SetupCommandUpdated", cmdData})
	default:
		token = p.Command.Token
	}
	for _, c := range p.Channels {
		if c.BotMember {
			continue
		}
		chData := map[string]any{"Channel": c.Ref, "Bot": bot.Username}
		if err := a.AddChannelMember(ctx, c.Channel.ID, bot.ID); err != nil {
			return "", step(err, "SetupActionAddChannelMember", chData)
		}
		changed(Finding{"SetupAddedToChannel", chData})
	}
	return token, nil
}

// Reporter is told what Check finds, one finding at a time.
type Reporter interface {
	OK(Finding)
	Problem(Finding)
	NotChecked(Finding)
	// Failed is a call that failed for another reason than the ones a
	// check expects: no answer (status 0) or an unexpected status.
	Failed(action Finding, status int)
}

// CheckSettings is what Check compares the server with.
type CheckSettings struct {
	URL, BotToken, PublicURL string
	CommandTokens            []string
	Groups                   []TeamChannels
}

// Check checks, with the bot's own token, that the server answers, that
// the token is a bot's, that the bot is in every channel it posts in and
// that /ambitie calls this bot in each of their teams: CheckBot, then
// CheckTeams.
func Check(ctx context.Context, bot *Admin, s CheckSettings, r Reporter) {
	if botID, ok := CheckBot(ctx, bot, s, r); ok {
		CheckTeams(ctx, bot, botID, s, r)
	}
}

// CheckBot checks that the server answers and that the token is a bot's.
// It returns the bot's user id, and false when there is nothing more to
// check with this token (no answer, no token, a token refused).
func CheckBot(ctx context.Context, bot *Admin, s CheckSettings, r Reporter) (botID string, ok bool) {
	if err := bot.Ping(ctx); err != nil {
		r.Problem(Finding{"SetupUnreachable", map[string]any{"URL": s.URL}})
		return "", false
	}
	r.OK(Finding{"SetupDoctorReachable", map[string]any{"URL": s.URL}})
	if s.BotToken == "" {
		r.Problem(Finding{"SetupNeedBotToken", nil})
		return "", false
	}
	me, err := bot.Me(ctx)
	switch {
	case Status(err) == http.StatusUnauthorized:
		r.Problem(Finding{"SetupBotTokenInvalid", nil})
		return "", false
	case err != nil:
		r.Failed(Finding{"SetupActionBot", nil}, Status(err))
		return "", false
	case !me.IsBot:
		r.Problem(Finding{"SetupNotABot", map[string]any{"User": me.Username}})
	default:
		r.OK(Finding{"SetupDoctorBotOK", map[string]any{"User": me.Username}})
	}
	// A click in a reminder answers with the reminder updated; with an
	// edit time limit (any value but -1; 0 or less: none at all) the
	// server refuses that for older reminders, so the bot leaves them.
	switch limit, err := bot.PostEditTimeLimit(ctx); {
	case err != nil:
		r.NotChecked(Finding{"SetupDoctorEditTimeLimitNotChecked", nil})
	case limit > 0:
		r.Problem(Finding{"SetupDoctorEditTimeLimit", map[string]any{"Seconds": limit}})
	case limit != -1:
		r.Problem(Finding{"SetupDoctorNoEdits", map[string]any{"Seconds": limit}})
	}
	return me.ID, true
}

// CheckTeams checks, for the bot botID, every team and channel of s and
// the /ambitie command of each team.
func CheckTeams(ctx context.Context, bot *Admin, botID string, s CheckSettings, r Reporter) {
	c := checker{bot: bot, botID: botID, s: s, r: r}
	for _, g := range s.Groups {
		c.team(ctx, g)
	}
}

type checker struct {
	bot   *Admin
	botID string
	s     CheckSettings
	r     Reporter
}

func (c checker) team(ctx context.Context, g TeamChannels) {
	teamData := map[string]any{"Team": g.Team}
	team, err := c.bot.Team(ctx, g.Team)
	if !c.found(err, "SetupDoctorTeamMissing", "SetupActionTeam", teamData) {
		return
	}
	in, err := c.bot.IsTeamMember(ctx, team.ID, c.botID)
	c.member(in, err, "SetupDoctorNotInTeam", "SetupActionTeamMember", teamData)
	for _, name := range g.Channels {
		c.channel(ctx, g.Team, name, g.Ref(name))
	}
	cmds, err := c.bot.Commands(ctx, team.ID)
	switch {
	case Status(err) == http.StatusForbidden:
		c.r.NotChecked(Finding{"SetupDoctorCommandsNotChecked", teamData})
		return
	case err != nil:
		c.r.Failed(Finding{"SetupActionCommands", teamData}, Status(err))
		return
	}
	cmd, found := FindCommand(cmds)
	want := c.s.PublicURL + CommandPath
	switch {
	case !found:
		c.r.Problem(Finding{"SetupDoctorCommandMissing", teamData})
	case c.s.PublicURL != "" && cmd.URL != want:
		c.r.Problem(Finding{"SetupDoctorCommandWrongURL", map[string]any{"Team": g.Team, "Got": cmd.URL, "Want": want}})
	case !slices.Contains(c.s.CommandTokens, cmd.Token):
		c.r.Problem(Finding{"SetupDoctorCommandTokenMissing", teamData})
	default:
		c.r.OK(Finding{"SetupDoctorCommandOK", map[string]any{"Team": g.Team, "URL": cmd.URL}})
	}
}

func (c checker) channel(ctx context.Context, team, name, ref string) {
	data := map[string]any{"Channel": ref}
	ch, err := c.bot.Channel(ctx, team, name)
	if !c.found(err, "SetupDoctorChannelMissing", "SetupActionChannel", data) {
		return
	}
	in, err := c.bot.IsChannelMember(ctx, ch.ID, c.botID)
	if c.member(in, err, "SetupDoctorNotInChannel", "SetupActionChannelMember", data) {
		c.r.OK(Finding{"SetupDoctorChannelOK", data})
	}
}

// found reports whether a lookup with the bot token succeeded. Not found
// and not allowed both mean the bot cannot see the thing: missing.
func (c checker) found(err error, missing, action string, data map[string]any) bool {
	switch status := Status(err); {
	case err == nil:
		return true
	case Archived(err):
		c.r.Problem(Finding{"SetupChannelArchived", data})
	case status == http.StatusNotFound || status == http.StatusForbidden:
		c.r.Problem(Finding{missing, data})
	default:
		c.r.Failed(Finding{action, data}, status)
	}
	return false
}

// member reports whether a membership check found the bot a member; a
// 403 means it is not one.
func (c checker) member(in bool, err error, notIn, action string, data map[string]any) bool {
	switch {
	case err != nil && Status(err) != http.StatusForbidden:
		c.r.Failed(Finding{action, data}, Status(err))
	case !in:
		c.r.Problem(Finding{notIn, data})
	default:
		return true
	}
	return false
}

// Detail is how a failed call's status is shown.
func Detail(status int) string { return fmt.Sprintf("HTTP %d", status) }
