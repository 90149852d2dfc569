// Command ambitiebot is the Mattermost bot of the Drentse aanpak
// ondermijning. main only wires: every piece is built in internal/ and can
// be started from a test the way main starts it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ambitiebot:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// env looks up an environment variable; tests pass their own.
type env func(string) (string, bool)

type subcommand struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, io stdio, getenv env) error
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "run the bot: HTTP endpoints, reminders and broadcasts", runServe},
		{"sandbox", "try the bot against a simulated Mattermost, in your terminal", runSandbox},
		{"report", "write the board report (xlsx, csv or md) from the database", runReport},
		{"backup", "write a consistent copy of the database to FILE, also while serving", runBackup},
		{"setup", "connect the bot to Mattermost: slash command, teams, channels (admin token once)", runSetup},
		{"doctor", "check a configuration and its Mattermost setup, read-only", runDoctor},
		{"schedule", "list the coming meetings, reminders, reports and awareness posts", runSchedule},
		{"remind", "send the reminder for the next meeting now (once per meeting)", runRemind},
		{"awareness", "list the awareness messages, or send one now: awareness list | send", runAwareness},
		{"status", "last and next run of every job, missed runs, pending and failed deliveries", runStatus},
		{"version", "print the version", runVersion},
		{"help", "show this help", nil},
	}
}

func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer, getenv env) error {
	std := stdio{in: in, out: out, err: errOut}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out)
		if len(args) == 0 {
			return usageError{"no command given"}
		}
		return nil
	}
	for _, sc := range subcommands() {
		if sc.name == args[0] && sc.run != nil {
			return sc.run(ctx, args[1:], std, getenv)
		}
	}
	usage(errOut)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ambitiebot — Mattermost bot for the Drentse aanpak ondermijning")
	fmt.Fprintln(w, "\nUsage: ambitiebot <command> [flags]   (every command takes -h)")
	fmt.Fprintln(w, "\nCommands:")
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-10s %s\n", sc.name, sc.short)
	}
	fmt.Fprintln(w, "\nConfiguration comes from AMBITIEBOT_* environment variables and an optional")
	fmt.Fprintln(w, "TOML file (--config FILE or AMBITIEBOT_CONFIG); see README.md.")
}

func runVersion(_ context.Context, args []string, std stdio, _ env) error {
	fs := newFlagSet("version", "", std)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(std.out, "ambitiebot", version)
	return nil
}

// newFlagSet returns a flag set whose -h prints a usage line and flags.
func newFlagSet(name, argsUsage string, std stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(std.err)
	fs.Usage = func() {
		fmt.Fprintf(std.err, "Usage: ambitiebot %s [flags] %s\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}
