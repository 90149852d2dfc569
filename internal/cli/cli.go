// Package cli is the command line of ambitiebot: every subcommand
// (serve, sandbox, report, backup, restore, setup, doctor, schedule,
// remind, awareness, status, healthcheck, version), its flags and
// sentences in the operator's language, and Main, the running bot that serve starts and
// the end-to-end tests start the same way.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Signals are the signals that stop a command the way Ctrl-C does, so
// that it cleans up: an interrupt, SIGTERM (docker stop, systemd) and
// SIGHUP (its terminal closed) unless the process was started with SIGHUP
// ignored (nohup), which must keep it running.
func Signals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// version is the build's version, set by Run.
var version = "dev"

// Run runs the command line args of the binary built as ver and returns
// its exit status: 0, 1 for a failure, 2 for a mistake in the command
// line. Errors are printed on errOut.
func Run(ctx context.Context, ver string, args []string, in io.Reader, out, errOut io.Writer, getenv func(string) (string, bool)) int {
	version = ver
	if err := run(ctx, args, in, out, errOut, getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(errOut, "ambitiebot:", err)
		}
		return exitCode(err)
	}
	return 0
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
	name string
	help string // message id of the one-line description in the top-level help
	run  func(ctx context.Context, con *console, args []string, std stdio, getenv env) error
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "CLIHelpServe", runServe},
		{"sandbox", "CLIHelpSandbox", runSandbox},
		{"report", "CLIHelpReport", runReport},
		{"backup", "CLIHelpBackup", runBackup},
		{"restore", "CLIHelpRestore", runRestore},
		{"config", "CLIHelpShowConfig", runConfig},
		{"setup", "CLIHelpSetup", runSetup},
		{"doctor", "CLIHelpDoctor", runDoctor},
		{"schedule", "CLIHelpSchedule", runSchedule},
		{"remind", "CLIHelpRemind", runRemind},
		{"awareness", "CLIHelpAwareness", runAwareness},
		{"status", "CLIHelpStatus", runStatus},
		{"healthcheck", "CLIHelpHealthcheck", runHealthcheck},
		{"version", "CLIHelpVersion", runVersion},
		{"help", "CLIHelpHelp", nil},
	}
}

func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer, getenv env) error {
	std := stdio{in: in, out: out, err: errOut}
	con, err := newConsole(getenv, out, errOut)
	if err != nil {
		return err
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		con.usage(out)
		if len(args) == 0 {
			return usageError{con.t("CLIUsageNoCommand", nil)}
		}
		return nil
	}
	for _, sc := range subcommands() {
		if sc.name == args[0] && sc.run != nil {
			return con.speak(sc.run(ctx, con, args[1:], std, getenv))
		}
	}
	con.usage(errOut)
	return usageError{con.t("CLIUsageUnknownCommand", map[string]any{"Command": args[0]})}
}

// usage is the top-level help.
func (c *console) usage(w io.Writer) {
	fmt.Fprintln(w, c.t("CLIHelpTitle", nil))
	fmt.Fprintln(w, "\n"+c.t("CLIHelpUsage", nil))
	fmt.Fprintln(w, "\n"+c.t("CLIHelpCommands", nil))
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-10s %s\n", sc.name, c.t(sc.help, nil))
	}
	fmt.Fprintln(w, "\n"+c.t("CLIHelpConfig", nil))
}

func runVersion(_ context.Context, con *console, args []string, std stdio, _ env) error {
	fs := newFlagSet(con, "version", "", std)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(std.out, "ambitiebot", version)
	return nil
}

// flagSet is a subcommand's flags in the operator's language: -h prints
// the usage from locales, and a mistake becomes a localised usageError
// instead of the flag package's English.
type flagSet struct {
	*flag.FlagSet
	con       *console
	command   string // as typed after "ambitiebot", e.g. "awareness send"
	argsUsage string // what follows the flags, e.g. the backup FILE
	help      io.Writer
}

func newFlagSet(con *console, command, argsUsage string, std stdio) *flagSet {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	// The flag package would print its English error and usage itself;
	// Parse says both in the operator's language instead.
	fs.SetOutput(io.Discard)
	return &flagSet{FlagSet: fs, con: con, command: command, argsUsage: argsUsage, help: std.err}
}

// Parse parses args: -h prints the usage and returns flag.ErrHelp (exit
// status 0), a bad flag returns a usageError.
func (f *flagSet) Parse(args []string) error {
	err := f.FlagSet.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		f.usage()
		return err
	}
	return f.con.flagError(f.command, err)
}

// usage prints the usage line and every flag with its description, as
// flag.PrintDefaults does but with the default value in words too.
func (f *flagSet) usage() {
	line := f.con.t("CLIUsageCommand", map[string]any{"Command": f.command, "Args": f.argsUsage})
	fmt.Fprintln(f.help, strings.TrimSpace(line))
	f.VisitAll(func(fl *flag.Flag) {
		kind, text := flag.UnquoteUsage(fl)
		fmt.Fprintln(f.help, strings.TrimRight("  "+optionName(fl.Name)+" "+kind, " "))
		if fl.DefValue != "" && fl.DefValue != "false" {
			text += " " + f.con.t("CLIFlagDefault", map[string]any{"Value": fl.DefValue})
		}
		fmt.Fprintln(f.help, "        "+text)
	})
}
