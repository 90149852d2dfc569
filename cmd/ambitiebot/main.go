// Command ambitiebot is the Mattermost bot of the Drentse aanpak
// ondermijning. main only starts the command line; everything it runs is
// built in internal/ (internal/cli wires the bot) and can be started from
// a test the way main starts it.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/drentse-aanpak/ambitiebot/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), cli.Signals()...)
	code := cli.Run(ctx, version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}
