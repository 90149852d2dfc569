package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// A user who floods the bot gets a clear answer and changes nothing;
// others are not held up, and the bucket refills with time.
func TestRateLimitPerUser(t *testing.T) {
	h := newHarness(t, "[limits]\ncommands_per_minute = 3\n")
	for _, amb := range []string{"1.1", "1.2", "1.3"} {
		contains(t, h.cmd("jan", amb+" gereed")[0], "staat nu op **Gereed**")
	}
	contains(t, h.cmd("jan", "2.1 gereed")[0], "Je stuurt opdrachten te snel achter elkaar: maximaal 3 per minuut. Probeer het over 20 seconden opnieuw; er is niets gewijzigd.")
	if _, ok := h.progress("emmen", "2.1"); ok {
		t.Error("a rate-limited command changed the status")
	}
	contains(t, h.cmd("anna", "2.1 gereed")[0], "Gemeente Assen: ambitie 2.1 staat nu op **Gereed**")
	for range 3 {
		contains(t, h.cmd("john", "help")[0], "progress of the Drentse aanpak ondermijning")
	}
	contains(t, h.cmd("john", "help")[0], "You are sending commands too quickly: at most 3 a minute.")
	h.clock.Set(h.clock.Now().Add(20 * time.Second))
	contains(t, h.cmd("jan", "2.1 gereed")[0], "Gemeente Emmen: ambitie 2.1 staat nu op **Gereed**")
	if n := h.changes(); n != 5 {
		t.Errorf("%d changes, want 5", n)
	}
	if !strings.Contains(h.logs.String(), `"outcome":"rate_limited"`) {
		t.Error("a rate-limited command is not logged as such")
	}
}

// A toelichting full of Markdown cannot break the lists and tables it is
// shown in: it stays on its own line and renders literally.
func TestMarkdownInjectionInToelichting(t *testing.T) {
	h := newHarness(t, "")
	evil := "| kapot | tabel |\n# Kop\n```\ncode blok\n---\n1. lijst *vet* _schuin_ [link](http://x) <b>"
	contains(t, h.cmd("jan", "3.2 knelpunt "+evil)[0], "staat nu op **Knelpunt**")
	h.cmd("anna", "3.2 in-uitvoering `begin code")

	views := map[string]string{
		"overzicht emmen": strings.Join(h.cmd("riec", "overzicht emmen"), "\n"),
		"3.2":             strings.Join(h.cmd("riec", "3.2"), "\n"),
		"historie 3.2":    strings.Join(h.cmd("riec", "historie 3.2"), "\n"),
	}
	for name, text := range views {
		for _, line := range strings.Split(text, "\n") {
			trimmed := strings.TrimSpace(line)
			for _, start := range []string{"# Kop", "```", "---", "| kapot", "1. lijst", "code blok", "`begin"} {
				if strings.HasPrefix(trimmed, start) {
					t.Errorf("%s: the toelichting escaped its line: %q", name, line)
				}
			}
		}
		for _, raw := range []string{"| kapot", "`begin", "*vet*", "_schuin_", "[link]", "<b>"} {
			if regexp.MustCompile(`(^|[^\\])` + regexp.QuoteMeta(raw)).MatchString(text) {
				t.Errorf("%s: %q is not escaped:\n%s", name, raw, text)
			}
		}
		contains(t, text, `\| kapot \| tabel \| \# Kop \`+"`"+`\`+"`"+`\`+"`"+` code blok`)
	}
	// The overview's tables keep seven cells in every row.
	overview := strings.Join(h.cmd("riec", "overzicht"), "\n")
	cell := regexp.MustCompile(`(^|[^\\])\|`)
	rows := 0
	for _, line := range strings.Split(overview, "\n") {
		if strings.HasPrefix(line, "|") {
			rows++
			if n := len(cell.FindAllString(line, -1)); n != 8 {
				t.Errorf("table row with %d separators, want 8: %q", n, line)
			}
		}
	}
	if rows < 17+5 {
		t.Errorf("overview has %d table rows", rows)
	}
}

// GET /metrics serves the Prometheus text format with the bot's counts.
func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, "[limits]\ncommands_per_minute = 2\n")
	h.cmd("jan", "3.2 gereed") // ok, and a feed post
	h.cmd("jan", "9.9 gereed") // not_found
	h.cmd("jan", "3.3 gereed") // rate_limited
	h.cmd("anna", "assen 3.x") // invalid
	h.waitPosts(h.world.WorkingGroup.Id, 1)
	if _, err := h.main.Scheduler.RunNow(context.Background(), "awareness", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// The feed post and the awareness post to all 17 organisations are
	// counted once the dispatcher has recorded them; wait for that.
	const delivered = `ambitiebot_deliveries_total{result="delivered"} 18`
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(h.main.HTTP.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		text = string(body)
		if strings.Contains(text, "\n"+delivered+"\n") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`ambitiebot_commands_total{outcome="ok"} 1`,
		`ambitiebot_commands_total{outcome="not_found"} 1`,
		`ambitiebot_commands_total{outcome="rate_limited"} 1`,
		`ambitiebot_commands_total{outcome="invalid"} 1`,
		`ambitiebot_command_duration_seconds_count 4`,
		delivered,
		`ambitiebot_job_runs_total{job="awareness",outcome="done"} 1`,
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// With AMBITIEBOT_METRICS_TOKEN set, GET /metrics answers only a request
// that carries the token as a bearer token, and the token never reaches
// the log.
func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-for-the-e2e-tests-42"
	h := prepareHarness(t, "")
	h.env["AMBITIEBOT_METRICS_TOKEN"] = token
	h.start()
	h.cmd("jan", "3.2 gereed")
	get := func(auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, h.main.HTTP.URL()+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token[:10], token} {
		if code, body := get(auth); code != http.StatusUnauthorized || strings.Contains(body, "ambitiebot_") {
			t.Errorf("Authorization %q: %d %q, want 401 without metrics", auth, code, body)
		}
	}
	code, body := get("Bearer " + token)
	if code != http.StatusOK || !strings.Contains(body, `ambitiebot_commands_total{outcome="ok"} 1`) {
		t.Errorf("with the token: %d\n%s", code, body)
	}
	if strings.Contains(h.logs.String(), token) {
		t.Error("the metrics token reached the log")
	}
}

// Every command leaves one structured log line with the user id, the
// outcome and the duration, and no secret ever reaches the log.
func TestCommandLogLines(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 gereed")
	h.cmd("jan", "9.9 gereed")
	h.cmd("anna", "help")
	type line struct {
		Msg      string
		Level    string
		UserID   string `json:"user_id"`
		Outcome  string
		Duration *float64
	}
	var got []line
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if l.Msg == "command" {
			got = append(got, l)
		}
	}
	want := []struct{ user, outcome string }{
		{h.user("jan").Id, "ok"}, {h.user("jan").Id, ambitiebot.ENOTFOUND}, {h.user("anna").Id, "ok"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d command log lines, want %d:\n%s", len(got), len(want), h.logs.String())
	}
	for i, w := range want {
		if got[i].UserID != w.user || got[i].Outcome != w.outcome || got[i].Duration == nil {
			t.Errorf("log line %d = %+v, want user %s outcome %s and a duration", i, got[i], w.user, w.outcome)
		}
	}
	for _, secret := range []string{testCommandToken, "other-team-token-abcdefghijklmnop", h.world.BotToken} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("a secret reached the log: %q", secret)
		}
	}
}

// The runtime image's last stage runs as a non-root user.
func TestDockerImageRunsAsNonRoot(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var user string
	stages := 0
	for _, raw := range strings.Split(string(data), "\n") {
		fields := strings.Fields(raw)
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			stages++
			user = "" // each stage starts as its base image's user
			if strings.HasSuffix(fields[1], ":nonroot") {
				user = "nonroot"
			}
		case "USER":
			user = fields[1]
		}
	}
	if stages == 0 {
		t.Fatal("no FROM in the Dockerfile")
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q, want a non-root USER", user)
	}
}

// Only serve, setup and sandbox create a database: every other command
// run where there is none says where it looked and creates nothing (the
// awareness message is not sent again from an empty outbox).
func TestReadOnlyCommandsCreateNoDatabase(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	path := f.env["AMBITIEBOT_DB"]
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	want := f.nl("SqliteErrNotFound", map[string]any{"Path": abs})
	for _, args := range [][]string{
		{"status"},
		{"awareness", "list"},
		{"awareness", "send", "--dry-run"},
		{"awareness", "send"},
		{"awareness", "export"},
		{"remind", "--dry-run"},
		{"report"},
		{"backup", filepath.Join(f.dir, "copy.db")},
	} {
		out, err := f.cli(args...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ambitiebot %s: %v\n%s\nwant %q", strings.Join(args, " "), err, out, want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("ambitiebot %s created the database: %v", strings.Join(args, " "), err)
		}
	}
}

// A report holds every organisation's toelichtingen: it is written 0600,
// never through a symlink, and over an existing file only with --force.
func TestReportFileIsPrivateAndNotOverwritten(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	out := filepath.Join(h.dir, "rapport.md")
	if o, err := h.run("report", "--format", "md", "--out", out); err != nil {
		t.Fatalf("report: %v\n%s", err, o)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("report file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if o, err := h.run("report", "--format", "md", "--out", out); err == nil {
		t.Errorf("report over an existing file without --force succeeded:\n%s", o)
	}
	if o, err := h.run("report", "--format", "md", "--out", out, "--force"); err != nil {
		t.Errorf("report --force: %v\n%s", err, o)
	}
	target := filepath.Join(h.dir, "elders.txt")
	if err := os.WriteFile(target, []byte("niet overschrijven"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(h.dir, "link.md")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if o, err := h.run("report", "--format", "md", "--out", link, "--force"); err == nil {
		t.Errorf("report through a symlink succeeded:\n%s", o)
	}
	if b, _ := os.ReadFile(target); string(b) != "niet overschrijven" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	if o, err := h.run("report", "--format", "md", "--out", h.dir); err == nil || !strings.Contains(err.Error(), h.dir) {
		t.Errorf("report to a directory: %v\n%s", err, o)
	}
}
