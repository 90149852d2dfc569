package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

const (
	testCommandToken = "cmd-token-for-the-e2e-tests-0123456789"
	workingGroup     = "drenthe/werkgroep-ondermijning"
)

// harness is a running bot, started the way `ambitiebot serve` starts it,
// against a Mattermost simulator populated with the Drenthe organisations.
type harness struct {
	t     testing.TB
	world *mmsim.World
	clock *testkit.Clock
	main  *Main
	env   map[string]string
	dir   string
	logs  *testkit.SyncBuffer
}

// extraConfig is appended to the test's TOML configuration.
func newHarness(t testing.TB, extraConfig string) *harness {
	t.Helper()
	h := prepareHarness(t, extraConfig)
	h.start()
	return h
}

// prepareHarness builds the Mattermost simulator, configuration and
// environment of a harness without starting the bot.
func prepareHarness(t testing.TB, extraConfig string) *harness {
	t.Helper()
	defaults, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, o := range defaults.Organisations.All() {
		refs = append(refs, o.Channel)
	}
	h := &harness{t: t, dir: t.TempDir(), logs: &testkit.SyncBuffer{},
		clock: testkit.NewClock(time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC))}
	h.world = mmsim.NewWorld(workingGroup, refs, mmsim.SamplePeople)
	t.Cleanup(h.world.Close)
	h.world.SetNow(h.clock.Now)
	cfgFile := filepath.Join(h.dir, "ambitiebot.toml")
	cfg := "[working_group]\nproject_leaders = [\"pieter\"]\ntrust_unverified_email = true\n" + extraConfig
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{
		"AMBITIEBOT_MATTERMOST_URL": h.world.URL(),
		"AMBITIEBOT_BOT_TOKEN":      h.world.BotToken,
		"AMBITIEBOT_COMMAND_TOKEN":  "other-team-token-abcdefghijklmnop," + testCommandToken,
		"AMBITIEBOT_LISTEN":         "127.0.0.1:0",
		"AMBITIEBOT_DB":             filepath.Join(h.dir, "ambitiebot.db"),
		"AMBITIEBOT_PUBLIC_URL":     "https://ambitiebot.example.org",
		"AMBITIEBOT_CONFIG":         cfgFile,
	}
	return h
}

func (h *harness) getenv(k string) (string, bool) { v, ok := h.env[k]; return v, ok }

// start opens the bot as serve does; stop closes it.
func (h *harness) start() {
	h.t.Helper()
	cfg, err := loadConfig("", h.getenv, true)
	if err != nil {
		h.t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(h.logs, nil))
	h.main = NewMain(cfg, logger, h.clock.Now)
	if err := h.main.Open(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(h.stop)
}

func (h *harness) stop() {
	if h.main != nil {
		if err := h.main.Close(); err != nil {
			h.t.Errorf("close: %v", err)
		}
		h.main = nil
	}
}

func (h *harness) user(name string) *model.User {
	u, ok := h.world.People[name]
	if !ok {
		h.t.Fatalf("no user %s", name)
	}
	return u
}

// cmd sends "/ambitie text" as Mattermost would and returns the parsed
// reply's texts (the first and any extra responses).
func (h *harness) cmd(user, text string) []string {
	h.t.Helper()
	resp, status, err := h.world.ExecuteCommand(h.main.HTTP.URL()+"/command", testCommandToken, h.user(user), h.world.WorkingGroup, text)
	if err != nil || status != 200 {
		h.t.Fatalf("/ambitie %s: status %d, %v", text, status, err)
	}
	out := []string{resp.Text}
	for _, r := range resp.ExtraResponses {
		out = append(out, r.Text)
	}
	return out
}

// progress returns the stored status of one cell.
func (h *harness) progress(org, ambition string) (ambitiebot.Progress, bool) {
	h.t.Helper()
	rows, err := h.main.DB.FindProgress(context.Background(), ambitiebot.ProgressFilter{OrgKey: org, AmbitionID: ambition})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(rows) == 0 {
		return ambitiebot.Progress{}, false
	}
	return rows[0], true
}

func (h *harness) changes() int {
	h.t.Helper()
	cs, err := h.main.DB.FindChanges(context.Background(), ambitiebot.ChangeFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(cs)
}

// waitPosts waits until channel has at least n posts and returns them.
func (h *harness) waitPosts(channelID string, n int) []*model.Post {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		posts := h.world.Posts(channelID)
		if len(posts) >= n || time.Now().After(deadline) {
			return posts
		}
		time.Sleep(10 * time.Millisecond)
	}
}
