package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/delivery"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

// cli is what the rhythm commands share: the console they speak through,
// the configuration and, when they need the database, a wired Main.
type cli struct {
	*console
	cfg *config.Config
}

func newCLI(con *console, cfgFile string, getenv env) (*cli, error) {
	cfg, err := loadConfig(cfgFile, getenv, false)
	if err != nil {
		return nil, err
	}
	return &cli{console: con, cfg: cfg}, nil
}

// wire opens the bot's database and pieces, as serve does, without
// serving. needChat says the command talks to Mattermost.
func (c *cli) wire(needChat bool, std stdio) (*Main, error) {
	if needChat && (c.cfg.MattermostURL == "" || c.cfg.BotToken == "") {
		return nil, c.fail("CLINeedsMattermost", nil)
	}
	// The command says how delivery went in its own sentences; the log
	// keeps only warnings, so that retries do not bury them.
	logger := slog.New(slog.NewJSONHandler(std.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := NewMain(c.cfg, logger, time.Now)
	if err := m.Wire(); err != nil {
		_ = m.Close()
		return nil, err
	}
	return m, nil
}

// defaultDeliveryWait is how long remind and awareness send keep
// delivering through server errors and rate limits before they leave
// what is left to the running bot.
const defaultDeliveryWait = 2 * time.Minute

// deliveryWait adds the --wait flag of the commands that deliver.
func deliveryWait(fs *flagSet) *time.Duration {
	return fs.Duration("wait", defaultDeliveryWait, fs.con.t("CLIFlagDeliveryWait", nil))
}

// deliverNow sends what the command queued, keeping at it for up to wait
// as retries and rate limits fall due (0: one pass), with a line after
// every pass; then it says what is left, why, and when the running bot
// tries again.
func (c *cli) deliverNow(ctx context.Context, m *Main, wait time.Duration) error {
	pass := 0
	n, pending, err := m.Dispatcher.Drain(ctx, m.Now().Add(wait), func(delivered, pending int) {
		pass++
		c.say("CLIDeliveryPass", map[string]any{"Pass": pass, "Delivered": delivered, "Pending": pending})
	})
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		c.say("CLIDeliveredAll", map[string]any{"Delivered": n})
		return nil
	}
	c.say("CLIDelivered", map[string]any{"Delivered": n, "Pending": len(pending)})
	now := m.Now()
	for _, d := range pending {
		where := string(d.Target)
		if org, ok := c.cfg.Organisations.Recipient(d.OrgKey); ok {
			where = org.Name + " (" + where + ")"
		}
		why := d.LastError
		if why == "" {
			why = c.t("CLIDeliveryNotTried", nil)
		}
		data := map[string]any{"Where": where, "Why": why,
			"Seconds": int(delivery.DefaultPoll.Seconds()), "At": d.NextAttempt.In(c.cfg.Location).Format("15:04:05")}
		if d.NextAttempt.After(now) {
			c.say("CLIDeliveryLeftAt", data)
		} else {
			c.say("CLIDeliveryLeftDue", data)
		}
	}
	return nil
}

func runSchedule(_ context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "schedule", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	from := fs.String("from", "", con.t("CLIFlagScheduleFrom", nil))
	count := fs.Int("count", 12, con.t("CLIFlagScheduleCount", nil))
	asJSON := fs.Bool("json", false, con.t("CLIFlagScheduleJSON", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *count <= 0 || *count > 10000 {
		return usageError{con.t("CLIUsageScheduleCount", map[string]any{"Value": *count})}
	}
	c, err := newCLI(con, *cfgFile, getenv)
	if err != nil {
		return err
	}
	cal, err := newCalendar(c.cfg)
	if err != nil {
		return err
	}
	start := time.Now().In(c.cfg.Location)
	if *from != "" {
		d, err := calendar.ParseDate(*from)
		if err != nil {
			return usageError{con.t("CLIUsageScheduleFrom", map[string]any{"Value": *from})}
		}
		start = calendar.LocalTime(d, 0, 0, c.cfg.Location)
	}
	events := cal.Events(start, *count)
	if *asJSON {
		type event struct {
			Kind calendar.Kind `json:"kind"`
			At   string        `json:"at"`
		}
		out := make([]event, len(events))
		for i, ev := range events {
			out[i] = event{Kind: ev.Kind, At: ev.At.In(c.cfg.Location).Format(time.RFC3339)}
		}
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, ev := range events {
		at := ev.At.In(c.cfg.Location)
		fmt.Fprintf(std.out, "%s %s  %s\n", c.tr.LongDate(c.lang, at), at.Format("15:04"),
			c.tr.T(c.lang, "CalendarKind_"+string(ev.Kind), nil))
	}
	return nil
}

func runRemind(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "remind", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	dryRun := fs.Bool("dry-run", false, con.t("CLIFlagDryRun", nil))
	wait := deliveryWait(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wait < 0 {
		return usageError{con.t("CLIUsageWait", map[string]any{"Value": wait.String()})}
	}
	c, err := newCLI(con, *cfgFile, getenv)
	if err != nil {
		return err
	}
	m, err := c.wire(true, std)
	if err != nil {
		return err
	}
	defer m.Close()
	n, ds, err := m.App.RemindNow(ctx, *dryRun)
	if err != nil {
		return err
	}
	meeting := m.Calendar.NextMeeting(time.Now()).In(c.cfg.Location)
	data := map[string]any{"Date": c.tr.LongDate(c.lang, meeting), "Count": n}
	switch {
	case *dryRun:
		printDeliveries(std.out, ds)
		return nil
	case n == 0:
		c.say("CLIRemindAlreadySent", data)
		return nil
	}
	c.sayN("CLIRemindQueued", n, data)
	return c.deliverNow(ctx, m, *wait)
}

func runAwareness(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(std.err, con.t("CLIUsageAwareness", nil))
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] == "export" {
		return runAwarenessExport(ctx, con, args[1:], std, getenv)
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "send") {
		fmt.Fprintln(std.err, con.t("CLIUsageAwareness", nil))
		return usageError{con.t("CLIUsageAwarenessAction", nil)}
	}
	fs := newFlagSet(con, "awareness "+args[0], "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	// Only send takes a message and a dry run; list shows them all.
	var id *string
	var dryRun *bool
	var wait *time.Duration
	if args[0] == "send" {
		id = fs.String("id", "", con.t("CLIFlagAwarenessID", nil))
		dryRun = fs.Bool("dry-run", false, con.t("CLIFlagDryRun", nil))
		wait = deliveryWait(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if wait != nil && *wait < 0 {
		return usageError{con.t("CLIUsageWait", map[string]any{"Value": wait.String()})}
	}
	c, err := newCLI(con, *cfgFile, getenv)
	if err != nil {
		return err
	}
	if args[0] == "list" {
		return c.listAwareness(ctx, std)
	}
	m, err := c.wire(!*dryRun, std)
	if err != nil {
		return err
	}
	defer m.Close()
	msgID, n, ds, err := m.App.SendAwareness(ctx, *id, *dryRun)
	if err != nil {
		return err
	}
	if *dryRun {
		printDeliveries(std.out, ds)
		return nil
	}
	data := map[string]any{"ID": msgID, "Count": n, "Total": len(ds)}
	if n == 0 {
		c.say("CLIAwarenessAlreadyQueued", data)
	} else {
		c.say("CLIAwarenessQueued", data)
	}
	return c.deliverNow(ctx, m, *wait)
}

// listAwareness shows every message, what is next in the rotation and
// what has been sent in the current round.
func (c *cli) listAwareness(ctx context.Context, std stdio) error {
	m, err := c.wire(false, std)
	if err != nil {
		return err
	}
	defer m.Close()
	lib, err := awareness.Load(messages.FS, c.cfg.Awareness.Dir)
	if err != nil {
		return err
	}
	preview, _, err := m.App.Preview(ctx, "", c.lang)
	if err != nil {
		return err
	}
	for _, msg := range lib.All() {
		title := msg.Title
		if c.lang == "en" && msg.TitleEN != "" {
			title = msg.TitleEN
		}
		mark := " "
		if title == preview {
			mark = "→"
		}
		fmt.Fprintf(std.out, "%s %-14s %-13s %s\n", mark, msg.ID, msg.Theme, title)
	}
	c.say("CLIAwarenessNextMark", nil)
	return nil
}

func runStatus(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "status", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newCLI(con, *cfgFile, getenv)
	if err != nil {
		return err
	}
	m, err := c.wire(false, std)
	if err != nil {
		return err
	}
	defer m.Close()
	loc := c.cfg.Location
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	jobs, err := m.Scheduler.Status(ctx)
	if err != nil {
		return err
	}
	c.say("CLIStatusJobs", nil)
	for _, j := range jobs {
		last, state := "—", ""
		if j.LastRun != nil {
			last, state = stamp(j.LastRun.ScheduledAt), c.tr.T(c.lang, "CLIJobState_"+string(j.LastRun.State), nil)
		}
		fmt.Fprintf(std.out, "  %-34s %s %-16s %s %s\n", c.jobName(j.Name),
			c.tr.T(c.lang, "CLIStatusLast", nil), last+" "+state, c.tr.T(c.lang, "CLIStatusNext", nil), stamp(j.Next))
	}
	runs, err := m.DB.FindJobRuns(ctx, "", 0)
	if err != nil {
		return err
	}
	var missed []ambitiebot.JobRun
	for _, r := range runs {
		if r.State == ambitiebot.JobMissed {
			missed = append(missed, r)
		}
	}
	c.say("CLIStatusMissed", map[string]any{"Count": len(missed)})
	for _, r := range missed {
		fmt.Fprintf(std.out, "  %-34s %s\n", c.jobName(r.Job), stamp(r.ScheduledAt))
	}
	for _, state := range []ambitiebot.DeliveryState{ambitiebot.DeliveryPending, ambitiebot.DeliveryFailed} {
		ds, err := m.DB.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: state})
		if err != nil {
			return err
		}
		c.say("CLIStatusDeliveries_"+string(state), map[string]any{"Count": len(ds)})
		for _, d := range ds {
			fmt.Fprintf(std.out, "  %-40s %-36s %s %s\n", d.RunKey, d.Target, d.LastError, stamp(d.NextAttempt))
		}
	}
	return nil
}

// printDeliveries prints the exact Markdown of each delivery, headed by
// its target.
func printDeliveries(w io.Writer, ds []ambitiebot.Delivery) {
	for _, d := range ds {
		fmt.Fprintf(w, "===== %s =====\n%s\n\n", d.Target, d.Message)
	}
}

// jobName is a job as the schedule calls it, with the name the log and
// the job_runs table use: "Herinnering (reminder)".
func (c *cli) jobName(job string) string {
	return c.tr.T(c.lang, "CalendarKind_"+job, nil) + " (" + job + ")"
}
