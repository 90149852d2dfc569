package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

const (
	// envAdminToken holds the admin token for setup; it is read, used and
	// forgotten.
	envAdminToken = "AMBITIEBOT_ADMIN_TOKEN"
	// commandTrigger is the slash command the bot answers, without '/'.
	commandTrigger = "ambitie"
	// commandPath is where serve takes the slash command.
	commandPath = "/command"
	// serverLang is the language of what setup stores on the server, which
	// every member of the working group sees.
	serverLang = "nl"
)

// console writes the CLI's sentences in the operator's language.
type console struct {
	tr   *i18n.Translator
	lang string
	out  io.Writer
}

func newConsole(getenv env, out io.Writer) (*console, error) {
	tr, err := i18n.New(locales.FS)
	if err != nil {
		return nil, err
	}
	return &console{tr: tr, lang: cliLang(getenv), out: out}, nil
}

func (c *console) t(id string, data map[string]any) string { return c.tr.T(c.lang, id, data) }

func (c *console) say(id string, data map[string]any) { fmt.Fprintln(c.out, c.t(id, data)) }

// fail is an error whose text is the sentence id, for main to print.
func (c *console) fail(id string, data map[string]any) error { return errors.New(c.t(id, data)) }

// noArguments refuses positional arguments after the flags.
func (c *console) noArguments(command string, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usageError{c.t("SetupNoArguments", map[string]any{"Command": command})}
}

// mattermostOptions keeps the adapter's logging quiet: the CLI says what
// went wrong in its own sentences.
func mattermostOptions() mattermost.Options {
	return mattermost.Options{Logger: slog.New(slog.DiscardHandler)}
}

// botChannels lists the "team/channel" references the bot posts in: the
// working group's channel, then each organisation's channel unless the
// organisation is reached by webhook, without repeats.
func botChannels(cfg *config.Config) []string {
	refs := []string{cfg.WorkingGroup.Channel}
	for _, o := range cfg.Organisations.All() {
		if o.Webhook == "" && o.Channel != "" && !slices.Contains(refs, o.Channel) {
			refs = append(refs, o.Channel)
		}
	}
	return refs
}

// teamChannels are the bot's channels in one team.
type teamChannels struct {
	team     string
	channels []string // channel names
}

func (g teamChannels) ref(channel string) string { return g.team + "/" + channel }

// byTeam groups channel references by team, in the order they appear.
func byTeam(refs []string) []teamChannels {
	var groups []teamChannels
	for _, ref := range refs {
		team, channel, _ := strings.Cut(ref, "/")
		i := slices.IndexFunc(groups, func(g teamChannels) bool { return g.team == team })
		if i < 0 {
			groups = append(groups, teamChannels{team: team})
			i = len(groups) - 1
		}
		groups[i].channels = append(groups[i].channels, channel)
	}
	return groups
}

// chatStatus is the HTTP status of a failed Mattermost call, 0 when no
// answer came.
func chatStatus(err error) int {
	if ce, ok := ambitiebot.AsChatError(err); ok {
		return ce.Status
	}
	return 0
}

// wantCommand is /ambitie as setup registers it in a team.
func wantCommand(tr *i18n.Translator, teamID, publicURL, botUsername string) mattermost.SlashCommand {
	return mattermost.SlashCommand{
		TeamID: teamID, Trigger: commandTrigger, Method: "P", URL: publicURL + commandPath,
		DisplayName:      tr.T(serverLang, "SetupCommandDisplayName", nil),
		Description:      tr.T(serverLang, "SetupCommandDescription", nil),
		Username:         botUsername,
		AutoComplete:     true,
		AutoCompleteHint: tr.T(serverLang, "SetupCommandAutocompleteHint", nil),
		AutoCompleteDesc: tr.T(serverLang, "SetupCommandAutocompleteDesc", nil),
	}
}

// findCommand returns the team's /ambitie among cmds.
func findCommand(cmds []mattermost.SlashCommand) (mattermost.SlashCommand, bool) {
	i := slices.IndexFunc(cmds, func(c mattermost.SlashCommand) bool { return strings.EqualFold(c.Trigger, commandTrigger) })
	if i < 0 {
		return mattermost.SlashCommand{}, false
	}
	return cmds[i], true
}

func runSetup(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "setup", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	adminFlag := fs.String("admin-token", "", con.t("SetupFlagAdminToken", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := con.noArguments("setup", fs.Args()); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return con.fail("CLIConfigInvalid", map[string]any{"Reason": con.sentence(err)})
	}
	adminToken := strings.TrimSpace(*adminFlag)
	if adminToken == "" {
		v, _ := getenv(envAdminToken)
		adminToken = strings.TrimSpace(v)
	}
	switch {
	case cfg.MattermostURL == "":
		return con.fail("SetupNeedMattermostURL", nil)
	case cfg.PublicURL == "":
		return con.fail("SetupNeedPublicURL", nil)
	case cfg.BotToken == "":
		return con.fail("SetupNeedBotToken", nil)
	case adminToken == "":
		return con.fail("SetupNeedAdminToken", nil)
	}
	s := &setup{
		con:   con,
		cfg:   cfg,
		admin: mattermost.NewAdmin(cfg.MattermostURL, adminToken, mattermostOptions()),
		bot:   mattermost.NewAdmin(cfg.MattermostURL, cfg.BotToken, mattermostOptions()),
	}
	return s.run(ctx)
}

// setup connects the bot to a Mattermost server: it first reads all it
// needs, and changes something only when every team and channel exists
// and the admin token may read them.
type setup struct {
	con        *console
	cfg        *config.Config
	admin, bot *mattermost.Admin
	botUser    ambitiebot.User
	changes    int
}

// teamPlan is what setup found in one team.
type teamPlan struct {
	team      mattermost.Team
	botMember bool
	command   *mattermost.SlashCommand // the existing /ambitie, nil when none
	channels  []channelPlan
}

type channelPlan struct {
	ref       string
	channel   mattermost.Channel
	botMember bool
}

func (s *setup) run(ctx context.Context) error {
	var err error
	if s.botUser, err = s.bot.Me(ctx); err != nil {
		return s.explain(err, "SetupBotTokenInvalid", "SetupActionBot", nil)
	}
	if !s.botUser.IsBot {
		return s.con.fail("SetupNotABot", map[string]any{"User": s.botUser.Username})
	}
	s.con.say("SetupBotOK", map[string]any{"User": s.botUser.Username})
	adminUser, err := s.admin.Me(ctx)
	if err != nil {
		return s.explain(err, "SetupAdminTokenInvalid", "SetupActionAdmin", nil)
	}
	s.con.say("SetupAdminAs", map[string]any{"User": adminUser.Username})

	plans, problems, err := s.plan(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(s.con.out, p)
		}
		return s.con.fail("SetupNothingChanged", nil)
	}
	var tokens []string
	for _, p := range plans {
		token, err := s.apply(ctx, p)
		if err != nil {
			return err
		}
		tokens = append(tokens, token)
	}
	if s.changes == 0 {
		s.con.say("SetupNothingToChange", nil)
	} else {
		fmt.Fprintln(s.con.out, s.con.tr.N(s.con.lang, "SetupChanges", s.changes, nil))
	}
	if isInternal(s.cfg.PublicURL) {
		s.con.say("SetupInternalURL", map[string]any{"URL": s.cfg.PublicURL})
	}
	s.printTokens(tokens)
	return nil
}

// plan reads the teams, channels, memberships and commands. Teams and
// channels that do not exist are problems to report all at once; any
// other failure stops setup.
func (s *setup) plan(ctx context.Context) ([]teamPlan, []string, error) {
	var plans []teamPlan
	var problems []string
	for _, g := range byTeam(botChannels(s.cfg)) {
		teamData := map[string]any{"Team": g.team}
		team, err := s.admin.Team(ctx, g.team)
		if chatStatus(err) == http.StatusNotFound {
			refs := make([]string, len(g.channels))
			for i, c := range g.channels {
				refs[i] = "‘" + g.ref(c) + "’"
			}
			problems = append(problems, s.con.t("SetupUnknownTeam", map[string]any{"Team": g.team, "Channels": strings.Join(refs, ", ")}))
			continue
		}
		if err != nil {
			return nil, nil, s.explain(err, "SetupAdminTokenInvalid", "SetupActionTeam", teamData)
		}
		p := teamPlan{team: team}
		if p.botMember, err = s.admin.IsTeamMember(ctx, team.ID, s.botUser.ID); err != nil {
			return nil, nil, s.explain(err, "SetupAdminTokenInvalid", "SetupActionTeamMember", teamData)
		}
		cmds, err := s.admin.Commands(ctx, team.ID)
		if err != nil {
			return nil, nil, s.explain(err, "SetupAdminTokenInvalid", "SetupActionCommands", teamData)
		}
		if c, ok := findCommand(cmds); ok {
			p.command = &c
		}
		for _, name := range g.channels {
			ref := g.ref(name)
			chData := map[string]any{"Channel": ref}
			ch, err := s.admin.Channel(ctx, g.team, name)
			if chatStatus(err) == http.StatusNotFound {
				problems = append(problems, s.con.t("SetupUnknownChannel", chData))
				continue
			}
			if err != nil {
				return nil, nil, s.explain(err, "SetupAdminTokenInvalid", "SetupActionChannel", chData)
			}
			member, err := s.admin.IsChannelMember(ctx, ch.ID, s.botUser.ID)
			if err != nil {
				return nil, nil, s.explain(err, "SetupAdminTokenInvalid", "SetupActionChannelMember", chData)
			}
			p.channels = append(p.channels, channelPlan{ref: ref, channel: ch, botMember: member})
		}
		plans = append(plans, p)
	}
	return plans, problems, nil
}

// apply brings one team in line and returns its command's token. The bot
// joins the team before its channels, as Mattermost requires.
func (s *setup) apply(ctx context.Context, p teamPlan) (string, error) {
	teamData := map[string]any{"Team": p.team.Name, "Bot": s.botUser.Username}
	if !p.botMember {
		if err := s.admin.AddTeamMember(ctx, p.team.ID, s.botUser.ID); err != nil {
			return "", s.explain(err, "SetupAdminTokenInvalid", "SetupActionAddTeamMember", teamData)
		}
		s.changed("SetupAddedToTeam", teamData)
	}
	want := wantCommand(s.con.tr, p.team.ID, s.cfg.PublicURL, s.botUser.Username)
	cmdData := map[string]any{"Team": p.team.Name, "URL": want.URL}
	var token string
	switch {
	case p.command == nil:
		created, err := s.admin.CreateCommand(ctx, want)
		if err != nil {
			return "", s.explain(err, "SetupAdminTokenInvalid", "SetupActionCreateCommand", cmdData)
		}
		token = created.Token
		s.changed("SetupCommandCreated", cmdData)
	case !p.command.SameSettings(want):
		updated, err := s.admin.UpdateCommand(ctx, p.command.WithSettings(want))
		if err != nil {
			return "", s.explain(err, "SetupAdminTokenInvalid", "SetupActionUpdateCommand", cmdData)
		}
		token = updated.Token
		s.changed("SetupCommandUpdated", cmdData)
	default:
		token = p.command.Token
	}
	for _, c := range p.channels {
		if c.botMember {
			continue
		}
		chData := map[string]any{"Channel": c.ref, "Bot": s.botUser.Username}
		if err := s.admin.AddChannelMember(ctx, c.channel.ID, s.botUser.ID); err != nil {
			return "", s.explain(err, "SetupAdminTokenInvalid", "SetupActionAddChannelMember", chData)
		}
		s.changed("SetupAddedToChannel", chData)
	}
	return token, nil
}

func (s *setup) changed(id string, data map[string]any) {
	s.changes++
	s.con.say(id, data)
}

// printTokens shows the command tokens unless the configuration already
// has exactly them: the one place the CLI prints a secret, on purpose.
func (s *setup) printTokens(tokens []string) {
	have, want := slices.Clone(s.cfg.CommandTokens), slices.Clone(tokens)
	slices.Sort(have)
	slices.Sort(want)
	if slices.Equal(have, slices.Compact(want)) {
		s.con.say("SetupTokensConfigured", nil)
		return
	}
	s.con.say("SetupTokensPrint", nil)
	fmt.Fprintf(s.con.out, "%s=%s\n", config.EnvCommandToken, strings.Join(tokens, ","))
}

// explain turns a failed call into one sentence with its fix: no answer,
// a refused token (unauthorized names which), no permission, or another
// error of the server.
func (s *setup) explain(err error, unauthorized, action string, data map[string]any) error {
	switch status := chatStatus(err); status {
	case 0:
		return s.con.fail("SetupUnreachable", map[string]any{"URL": s.cfg.MattermostURL})
	case http.StatusUnauthorized:
		return s.con.fail(unauthorized, nil)
	case http.StatusForbidden:
		return s.con.fail("SetupForbidden", map[string]any{"Action": s.con.t(action, data)})
	default:
		return s.con.fail("SetupServerError", map[string]any{"Action": s.con.t(action, data), "Detail": fmt.Sprintf("HTTP %d", status)})
	}
}

// isInternal reports whether a URL's host is a loopback or private
// address, which Mattermost refuses to call unless allowed.
func isInternal(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}
