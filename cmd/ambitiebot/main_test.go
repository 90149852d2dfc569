package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// Every subcommand answers -h with its usage and exit status 0; unknown
// commands and no command are usage errors (exit status 2).
func TestEverySubcommandHasHelp(t *testing.T) {
	getenv := func(string) (string, bool) { return "", false }
	for _, sc := range subcommands() {
		var out bytes.Buffer
		args := []string{sc.name, "-h"}
		if sc.name == "awareness" {
			args = []string{sc.name, "send", "-h"}
		}
		err := run(context.Background(), args, strings.NewReader(""), &out, &out, getenv)
		if sc.run == nil { // help itself
			if err != nil || !strings.Contains(out.String(), "Usage: ambitiebot <command>") {
				t.Errorf("help: %v\n%s", err, out.String())
			}
			continue
		}
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
			t.Errorf("%s -h: %v (exit %d)", sc.name, err, exitCode(err))
		}
		if !strings.Contains(out.String(), "Usage: ambitiebot "+sc.name) {
			t.Errorf("%s -h printed no usage:\n%s", sc.name, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, strings.NewReader(""), &out, &out, getenv); exitCode(err) != 2 {
		t.Errorf("unknown command: %v", err)
	}
	if err := run(context.Background(), nil, strings.NewReader(""), &out, &out, getenv); exitCode(err) != 2 {
		t.Errorf("no command: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &out, getenv); err != nil || !strings.HasPrefix(out.String(), "ambitiebot ") {
		t.Errorf("version: %v %q", err, out.String())
	}
}

// A bad schedule stops start-up with one sentence naming the key, not a
// message id meant for the chat.
func TestBadAwarenessScheduleNamesTheKey(t *testing.T) {
	h := prepareHarness(t, "[awareness]\nschedule = \"elke maandag\"\n")
	var out bytes.Buffer
	err := run(context.Background(), []string{"schedule"}, strings.NewReader(""), &out, &out, h.getenv)
	if err == nil || !strings.Contains(err.Error(), `config: awareness.schedule: "elke maandag" is neither a rule`) ||
		strings.Contains(err.Error(), "CalendarErr") {
		t.Errorf("error = %v", err)
	}
}
