// Package config loads ambitiebot's configuration: environment variables,
// an optional TOML file and the embedded defaults, which include the
// catalogue of the Drentse aanpak ondermijning and its 17 signatories.
//
// Errors are for administrators: each is an *ambitiebot.Error whose
// sentence in locales/ names the key. Secrets (tokens, the action secret,
// webhook URLs) never appear in them.
package config

import (
	"strings"
	"time"

	// The meeting calendar depends on the time zone; embedding its data
	// keeps the bot correct on hosts and images without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

// Config is the validated configuration. Fields set from the environment
// win over the file; everything else has a default.
type Config struct {
	File string // the TOML file read, "" when none

	MattermostURL string   // AMBITIEBOT_MATTERMOST_URL, without trailing slash
	BotToken      string   // AMBITIEBOT_BOT_TOKEN(_FILE); secret
	CommandTokens []string // AMBITIEBOT_COMMAND_TOKEN(_FILE); each a secret
	Listen        string   // AMBITIEBOT_LISTEN
	DBPath        string   // AMBITIEBOT_DB
	PublicURL     string   // AMBITIEBOT_PUBLIC_URL, without trailing slash
	ActionSecret  string   // AMBITIEBOT_ACTION_SECRET(_FILE); secret; "" = generate and store
	MetricsToken  string   // AMBITIEBOT_METRICS_TOKEN(_FILE); secret; "" = GET /metrics is open

	Location      *time.Location // timezone, or AMBITIEBOT_TIMEZONE
	WorkingGroup  WorkingGroup
	Agreement     Agreement
	Meeting       Meeting
	Report        Report
	Awareness     Awareness
	Limits        Limits
	Catalogue     *ambitiebot.Catalogue
	Organisations *ambitiebot.Organisations

	// Where the values came from (see Origin): the settings the
	// environment gave or the loader derived, and the keys the file gave.
	origins  map[string]Origin
	fileKeys map[string]bool
}

// WorkingGroup is the provincial working group's channel and leaders.
type WorkingGroup struct {
	Channel        string   // "team/channel"
	ProjectLeaders []string // usernames, lower-case, without @
	ActivityFeed   bool     // post every status change in Channel
	// OrganisationChannel is the "team/channel" pattern, with {key} for
	// an organisation's key, of every organisation that names no channel
	// of its own; "" when there is none.
	OrganisationChannel string
	// TrustUnverifiedEmail lets an unverified e-mail address place a
	// member in an organisation, for servers where users cannot change
	// their own address.
	TrustUnverifiedEmail bool
	// ProjectLeadersDomains, when set, are the only e-mail domains a
	// project leader's account may have (lower-case).
	ProjectLeadersDomains []string
}

// Agreement holds the agreement's dates, at midnight in Config.Location.
type Agreement struct {
	SignedOn time.Time
	Deadline time.Time
}

// Report says who gets the half-yearly board report besides the project
// leaders. Its dates (report.dates) are in Meeting.ReportDates, where the
// calendar takes them.
type Report struct {
	Recipients []string // usernames, lower-case, without @ (e.g. the bestuurlijk portefeuillehouder)
}

// Meeting describes the working group's monthly meeting and the jobs
// around it: the rhythm as the calendar takes it (in Config.Location;
// SkipMonths and Cancelled sorted, without duplicates) and what the bot
// does around it.
type Meeting struct {
	calendar.MeetingConfig
	ThankYou bool // thank members whose organisation is up to date
	Grace    time.Duration
}

// Awareness configures the rotation of awareness posts.
type Awareness struct {
	Schedule string // a robfig cron spec or an Nth-weekday rule, parsed by the calendar
	Dir      string // extra message files, "" when none
}

// Limits protect the bot and the chat from floods.
type Limits struct {
	CommandsPerMinute int // per user
	MaxNote           int // runes in a toelichting
}

// Environment variable names.
const (
	EnvConfig            = "AMBITIEBOT_CONFIG"
	EnvMattermostURL     = "AMBITIEBOT_MATTERMOST_URL"
	EnvBotToken          = "AMBITIEBOT_BOT_TOKEN"
	EnvBotTokenFile      = "AMBITIEBOT_BOT_TOKEN_FILE"
	EnvCommandToken      = "AMBITIEBOT_COMMAND_TOKEN"
	EnvCommandTokenFile  = "AMBITIEBOT_COMMAND_TOKEN_FILE"
	EnvListen            = "AMBITIEBOT_LISTEN"
	EnvDB                = "AMBITIEBOT_DB"
	EnvPublicURL         = "AMBITIEBOT_PUBLIC_URL"
	EnvActionSecret      = "AMBITIEBOT_ACTION_SECRET"
	EnvActionSecretFile  = "AMBITIEBOT_ACTION_SECRET_FILE"
	EnvMetricsToken      = "AMBITIEBOT_METRICS_TOKEN"
	EnvMetricsTokenFile  = "AMBITIEBOT_METRICS_TOKEN_FILE"
	EnvTimezone          = "AMBITIEBOT_TIMEZONE"
	defaultListen        = ":8080"
	defaultDB            = "ambitiebot.db"
	minActionSecretBytes = 32
)

// Load reads the configuration from the environment (through getenv, e.g.
// os.LookupEnv) and, when file is not empty, from that TOML file. The
// environment wins over the file and the file over the embedded defaults.
// Load checks every value; Validate says whether the result can serve.
func Load(getenv func(string) (string, bool), file string) (*Config, error) {
	var data []byte
	if file != "" {
		var err error
		// The file comes from --config or from AMBITIEBOT_CONFIG; the
		// sentence names both, since only the caller knows which.
		if data, err = readFile("--config / "+EnvConfig, file); err != nil {
			return nil, err
		}
	}
	return load(getenv, file, data)
}

func load(getenv func(string) (string, bool), name string, data []byte) (*Config, error) {
	fc, err := decodeWithDefaults(name, data)
	if err != nil {
		return nil, err
	}
	env := environment(getenv)
	c := &Config{File: name, origins: map[string]Origin{}, fileKeys: fc.defined}
	if err := c.readEnv(env); err != nil {
		return nil, err
	}
	tz, tzKey := fc.Timezone, "timezone"
	if v := env.get(EnvTimezone); v != "" {
		tz, tzKey = v, EnvTimezone
		c.setOrigin("timezone", Origin{Source: SourceEnvironment, Via: EnvTimezone})
	}
	if c.Location, err = loadLocation(tzKey, tz); err != nil {
		return nil, err
	}
	if err := c.applyFile(fc); err != nil {
		return nil, err
	}
	if !fc.defined["agreement.deadline"] {
		o := c.Origin("agreement.signed_on")
		o.Via = "agreement.signed_on"
		c.setOrigin("agreement.deadline", o)
	}
	return c, nil
}

// Validate checks that c is complete. A server (forServe) also needs the
// Mattermost URL, the bot token and at least one command token; the other
// commands (schedule, report, ...) work without them.
func (c *Config) Validate(forServe bool) error {
	switch {
	case c.Location == nil:
		return invalid("ConfigNotSet", map[string]any{"Key": "timezone"})
	case c.Catalogue == nil:
		return invalid("ConfigNotSet", map[string]any{"Key": "ambitions"})
	case c.Organisations == nil:
		return invalid("ConfigNotSet", map[string]any{"Key": "organisations"})
	case !forServe:
		return nil
	case c.MattermostURL == "":
		return invalid("ConfigRequiredToServe", map[string]any{"Key": EnvMattermostURL})
	case c.BotToken == "":
		return invalid("ConfigRequiredToServeOr", map[string]any{"Key": EnvBotToken, "Other": EnvBotTokenFile})
	case len(c.CommandTokens) == 0:
		return invalid("ConfigRequiredToServeOr", map[string]any{"Key": EnvCommandToken, "Other": EnvCommandTokenFile})
	}
	return nil
}

func normaliseUsername(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}
