package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/sandbox"
)

func runSandbox(ctx context.Context, con *console, args []string, std stdio, _ env) error {
	fs := newFlagSet(con, "sandbox", "", std)
	dbPath := fs.String("db", "", con.t("CLIFlagSandboxDB", nil))
	empty := fs.Bool("empty", false, con.t("CLIFlagSandboxEmpty", nil))
	start := fs.String("start", "", con.t("CLIFlagSandboxStart", nil))
	files := fs.String("files", "sandbox-files", con.t("CLIFlagSandboxFiles", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	filesDir, err := filepath.Abs(*files)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ambitiebot-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *dbPath == "" {
		*dbPath = filepath.Join(dir, "ambitiebot.db")
	}

	defaults, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		return err
	}
	loc := defaults.Location
	startAt := time.Now()
	if *start != "" {
		if startAt, err = time.ParseInLocation("2006-01-02 15:04", *start, loc); err != nil {
			return usageError{con.t("CLIUsageSandboxStart", map[string]any{"Value": *start})}
		}
	}
	clock := sandbox.NewClock(startAt, time.Now)

	var refs []string
	for _, o := range defaults.Organisations.All() {
		refs = append(refs, o.Channel)
	}
	world := mmsim.NewWorld(defaults.WorkingGroup.Channel, refs, mmsim.SamplePeople)
	defer world.Close()
	world.SetNow(clock.Now)

	const commandToken = "sandbox-command-token-0000000000000000"
	cfgFile := filepath.Join(dir, "sandbox.toml")
	// Nobody in the sandbox can change their address, so it counts
	// (Mattermost never tells the bot whether an address is verified).
	if err := os.WriteFile(cfgFile, []byte("[working_group]\nproject_leaders = [\"pieter\"]\ntrust_unverified_email = true\n"), 0o600); err != nil {
		return err
	}
	sandboxEnv := map[string]string{
		config.EnvMattermostURL: world.URL(),
		config.EnvBotToken:      world.BotToken,
		config.EnvCommandToken:  commandToken,
		config.EnvListen:        "127.0.0.1:0",
		config.EnvDB:            *dbPath,
		config.EnvPublicURL:     "http://127.0.0.1",
	}
	cfg, err := loadConfig(cfgFile, func(k string) (string, bool) { v, ok := sandboxEnv[k]; return v, ok }, true)
	if err != nil {
		return err
	}
	// The sandbox's own log would drown the conversation: keep warnings.
	logger := slog.New(slog.NewTextHandler(std.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := NewMain(cfg, logger, clock.Now)
	if err := m.Open(); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	if !*empty {
		pl := world.People["pieter"]
		by := ambitiebot.User{ID: pl.Id, Username: pl.Username}
		if err := sandbox.Seed(ctx, m.DB, cfg.Catalogue, cfg.Organisations, by); err != nil {
			return err
		}
	}
	s := &sandbox.Session{
		World: world, Clock: clock, Location: loc, Lang: con.lang, Out: std.out, Files: filesDir,
		Bot: sandbox.Bot{
			CommandURL: m.HTTP.URL() + "/command", CommandToken: commandToken,
			Calendar: m.Calendar, RunJob: m.Scheduler.RunNow, Deliver: m.deliverAll, Tr: m.Tr,
		},
	}
	// At a terminal the arrow keys edit the line and go through the
	// history; a pipe (a script, a test) is read line by line.
	lines := sandbox.PlainLines(std.in, std.out)
	in, inOK := std.in.(*os.File)
	out, outOK := std.out.(*os.File)
	if inOK && outOK {
		if tl, w, restore, ok := sandbox.Terminal(in, out); ok {
			defer restore()
			lines, s.Out = tl, w
		}
	}
	return s.Run(ctx, lines)
}

// deliverAll delivers until the outbox is empty (or two seconds passed),
// also waiting for what the background dispatcher has in hand, so that the
// sandbox prints a command's posts right after its reply.
func (m *Main) deliverAll(ctx context.Context) (int, error) {
	total := 0
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := m.Dispatcher.DeliverDue(ctx)
		total += n
		if err != nil {
			return total, err
		}
		pending, err := m.DB.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
		if err != nil || len(pending) == 0 || time.Now().After(deadline) {
			return total, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
