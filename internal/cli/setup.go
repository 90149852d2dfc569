package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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

// newConsole returns the console for the language the environment asks
// for; a language the bot does not speak is said once on errOut.
func newConsole(getenv env, out, errOut io.Writer) (*console, error) {
	tr, err := i18n.New(locales.FS)
	if err != nil {
		return nil, err
	}
	lang, unknown := cliLang(getenv)
	c := &console{tr: tr, lang: lang, out: out}
	if unknown != "" {
		fmt.Fprintln(errOut, c.t("CLILangUnsupported", map[string]any{"Value": unknown}))
	}
	return c, nil
}

func (c *console) t(id string, data map[string]any) string { return c.tr.T(c.lang, id, data) }

func (c *console) say(id string, data map[string]any) { fmt.Fprintln(c.out, c.t(id, data)) }

// sayN says a sentence with plural forms, chosen by n ({{.Count}}).
func (c *console) sayN(id string, n int, data map[string]any) {
	fmt.Fprintln(c.out, c.tr.N(c.lang, id, n, data))
}

// orgName is an organisation's name as setup and doctor list it: an
// affiliated organisation says it only receives the awareness message.
func (c *console) orgName(o ambitiebot.Organisation) string {
	if o.Affiliated() {
		return c.t("OrgAffiliatedName", map[string]any{"Name": o.Name})
	}
	return o.Name
}

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

// wantCommand is /ambitie as setup registers it in a team.
func wantCommand(tr *i18n.Translator, teamID, publicURL, botUsername string) mattermost.SlashCommand {
	return mattermost.SlashCommand{
		TeamID: teamID, Trigger: mattermost.CommandTrigger, Method: "P", URL: publicURL + mattermost.CommandPath,
		DisplayName:      tr.T(serverLang, "SetupCommandDisplayName", nil),
		Description:      tr.T(serverLang, "SetupCommandDescription", nil),
		Username:         botUsername,
		AutoComplete:     true,
		AutoCompleteHint: tr.T(serverLang, "SetupCommandAutocompleteHint", nil),
		AutoCompleteDesc: tr.T(serverLang, "SetupCommandAutocompleteDesc", nil),
	}
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

	plans, missing, err := s.admin.Plan(ctx, mattermost.ByTeam(mattermost.BotChannels(s.cfg.WorkingGroup.Channel, s.cfg.Organisations)), s.botUser.ID)
	if err != nil {
		return s.explain(err, "SetupAdminTokenInvalid", "", nil)
	}
	if len(missing) > 0 {
		for _, p := range missing {
			s.con.say(p.ID, p.Data)
		}
		return s.con.fail("SetupNothingChanged", nil)
	}
	var tokens []string
	for _, p := range plans {
		want := wantCommand(s.con.tr, p.Team.ID, s.cfg.PublicURL, s.botUser.Username)
		token, err := s.admin.Apply(ctx, p, want, s.botUser, func(f mattermost.Finding) { s.changed(f.ID, f.Data) })
		if err != nil {
			return s.explain(err, "SetupAdminTokenInvalid", "", nil)
		}
		tokens = append(tokens, token)
	}
	if s.changes == 0 {
		s.con.say("SetupNothingToChange", nil)
	} else {
		s.con.sayN("SetupChanges", s.changes, nil)
	}
	// Every channel is now one the bot is in: say where each
	// organisation's awareness post will go.
	s.con.say("SetupDoctorTargets", nil)
	for _, o := range s.cfg.Organisations.Recipients() {
		id := "SetupDoctorTargetChannel"
		if o.Webhook != "" {
			id = "SetupTargetWebhook"
		}
		s.con.say(id, map[string]any{"Org": s.con.orgName(o), "Channel": o.Channel})
	}
	if mattermost.IsInternal(s.cfg.PublicURL) {
		s.con.say("SetupInternalURL", map[string]any{"URL": s.cfg.PublicURL})
	}
	s.printTokens(tokens)
	return nil
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
// error of the server. The action names the step, unless err is a
// *mattermost.StepError, which names its own.
func (s *setup) explain(err error, unauthorized, actionID string, data map[string]any) error {
	var se *mattermost.StepError
	if errors.As(err, &se) {
		actionID, data = se.Action, se.Data
	}
	action := s.con.t(actionID, data)
	switch status := mattermost.Status(err); status {
	case 0:
		return s.con.fail("SetupUnreachable", map[string]any{"URL": s.cfg.MattermostURL})
	case http.StatusUnauthorized:
		return s.con.fail(unauthorized, nil)
	case http.StatusForbidden:
		return s.con.fail("SetupForbidden", map[string]any{"Action": action})
	default:
		return s.con.fail("SetupServerError", map[string]any{"Action": action, "Detail": mattermost.Detail(status)})
	}
}
