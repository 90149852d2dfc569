package cli

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

// serveFor runs `ambitiebot serve` with h's environment until its log
// says it serves (then it is stopped) or it returns; it returns the error
// and everything serve wrote.
func serveFor(t *testing.T, h *harness) (error, string) {
	t.Helper()
	return serveUntil(t, h, "ambitiebot is serving")
}

// serveUntil is serveFor until the log holds want.
func serveUntil(t *testing.T, h *harness, want string) (error, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), out, out, h.getenv) }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case err := <-done:
			return err, out.String()
		case <-deadline:
			t.Fatalf("serve neither served nor stopped:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if strings.Contains(out.String(), want) {
			cancel()
			return <-done, out.String()
		}
	}
}

// serve checks at start-up what doctor checks and logs one line per
// problem, but starts.
func TestServeLogsStartupProblems(t *testing.T) {
	h := prepareHarness(t, "")
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	err, out := serveFor(t, h)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, out)
	}
	if n := strings.Count(out, `"msg":"start-up check: AMBITIEBOT_PUBLIC_URL is not set`); n != 1 {
		t.Errorf("%d log lines about the missing public URL:\n%s", n, out)
	}

	// Mattermost elsewhere, unreachable, and buttons pointing at this
	// machine: two problems, and the bot still starts.
	h = prepareHarness(t, "")
	h.env["AMBITIEBOT_MATTERMOST_URL"] = "http://mattermost.invalid"
	h.env["AMBITIEBOT_PUBLIC_URL"] = "http://127.0.0.1:8080"
	err, out = serveFor(t, h)
	if err != nil {
		t.Fatalf("serve with Mattermost unreachable: %v\n%s", err, out)
	}
	for _, want := range []string{
		`"msg":"start-up check: Mattermost cannot be reached at http://mattermost.invalid`,
		`"msg":"start-up check: AMBITIEBOT_PUBLIC_URL is http://127.0.0.1:8080, an address on this machine`,
		`"msg":"ambitiebot is serving"`,
	} {
		if strings.Count(out, want) != 1 {
			t.Errorf("serve log lacks one %q:\n%s", want, out)
		}
	}
}

// The teams, channels and commands are checked while the bot serves: a
// restarting bot answers commands before the paced check of 17
// organisations' channels is done, and a problem found then is logged.
func TestServeChecksChannelsWhileServing(t *testing.T) {
	h := prepareHarness(t, "")
	h.world.RemoveMember(h.world.Channels["emmen/town-square"].Id, h.world.Bot.Id)
	err, out := serveUntil(t, h, `"msg":"start-up check finished"`)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, out)
	}
	serving := strings.Index(out, `"msg":"ambitiebot is serving"`)
	problem := strings.Index(out, `"msg":"start-up check: The bot is not a member of channel ‘emmen/town-square’`)
	if serving < 0 || problem < 0 || problem < serving {
		t.Errorf("serving at %d, the channel problem at %d; want both, serving first:\n%s", serving, problem, out)
	}
	if !strings.Contains(out, `"msg":"start-up check finished","problems":1`) {
		t.Errorf("the end of the check is not logged with its one problem:\n%s", out)
	}
}

// An edit time limit that cannot be read is said at start-up: it decides
// whether reminders are updated after a choice.
func TestServeSaysWhenTheEditTimeLimitIsUnknown(t *testing.T) {
	h := prepareHarness(t, "")
	h.world.Fail("GET /api/v4/config/client", 10, http.StatusInternalServerError)
	err, out := serveFor(t, h)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"msg":"start-up check: The bot could not read how long Mattermost lets posts be changed`) {
		t.Errorf("serve does not say that the edit time limit is unknown:\n%s", out)
	}
}

// A bot token Mattermost refuses is the one problem serve does not start
// with: it says so in a sentence.
func TestServeRefusesAWrongToken(t *testing.T) {
	h := prepareHarness(t, "")
	h.env["AMBITIEBOT_BOT_TOKEN"] = "not-the-bot-token-000000000000"
	h.env["AMBITIEBOT_LANG"] = "en"
	err, out := serveFor(t, h)
	if err == nil || !strings.Contains(err.Error(), "The bot cannot start: Mattermost refuses the bot token") {
		t.Errorf("serve with a wrong token: %v\n%s", err, out)
	}
	if strings.Contains(out, "ambitiebot is serving") {
		t.Errorf("serve started with a wrong token:\n%s", out)
	}
}

// A serving bot whose project leaders and report recipients are all
// configured but none can be found warns at start-up, as doctor does,
// that the board report would go to nobody; with one found it does not.
func TestServeWarnsWhenNobodyGetsTheReport(t *testing.T) {
	const warning = `"msg":"start-up check: None of the project leaders and other recipients (report.recipients) was found on Mattermost`
	for config, want := range map[string]bool{
		"[working_group]\nproject_leaders = [\"pl.onbekend\"]\n[report]\nrecipients = [\"bp.onbekend\"]\n": true,
		"[working_group]\nproject_leaders = [\"pl.onbekend\"]\n[report]\nrecipients = [\"pieter\"]\n":      false,
	} {
		h := prepareHarness(t, "")
		if err := os.WriteFile(h.env["AMBITIEBOT_CONFIG"], []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		h.start()
		// The first lookup runs in the background: wait for the warning,
		// or for the recipient to be found.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && !strings.Contains(h.logs.String(), warning) &&
			(want || h.main.App.BoardReaders(context.Background()) == 0) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := strings.Contains(h.logs.String(), warning); got != want {
			t.Errorf("%s: warned %v, want %v; log:\n%s", config, got, want, h.logs.String())
		}
		h.stop()
	}
}
