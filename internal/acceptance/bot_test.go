package acceptance

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// configTOML is the operator's configuration: the default layout (a team
// per organisation, the working group in drenthe/werkgroep-ondermijning)
// with the two project leaders. The suite's users are made by an admin and
// cannot change their address, and Mattermost never shows the bot whether
// an address is verified: the operator trusts the addresses. extra is
// appended (e.g. limits).
func configTOML(extra string) string {
	return fmt.Sprintf("[working_group]\nchannel = %q\nproject_leaders = [%q, %q]\ntrust_unverified_email = true\n%s",
		workingGroupTeam+"/"+workingGroupChannel, projectLeaders[0], projectLeaders[1], extra)
}

// botProc is one `ambitiebot serve` process.
type botProc struct {
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	url    string
}

// botEnv is the environment the operator gives every ambitiebot command,
// on top of PATH and HOME only: nothing of the test's environment leaks in.
func (w *world) botEnv(lang string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir, "TMPDIR=" + os.TempDir(),
		"AMBITIEBOT_MATTERMOST_URL=" + w.srv.URL,
		"AMBITIEBOT_BOT_TOKEN=" + w.botToken,
		"AMBITIEBOT_PUBLIC_URL=" + w.publicURL(),
		"AMBITIEBOT_LISTEN=" + strings.TrimPrefix(w.publicURL(), "http://"),
		"AMBITIEBOT_DB=" + filepath.Join(w.dir, "ambitiebot.db"),
		"AMBITIEBOT_CONFIG=" + w.configFile(),
		"AMBITIEBOT_LANG=" + lang,
	}
	if w.tokens != "" {
		env = append(env, "AMBITIEBOT_COMMAND_TOKEN="+w.tokens)
	}
	return append(env, extra...)
}

var publicPort int

// publicURL is where Mattermost reaches the bot: a loopback port chosen
// once per run, so that the registered command stays valid across
// restarts of the bot.
func (w *world) publicURL() string {
	if publicPort == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		publicPort = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return fmt.Sprintf("http://127.0.0.1:%d", publicPort)
}

func (w *world) configFile() string {
	path := filepath.Join(w.dir, "ambitiebot.toml")
	if _, err := os.Stat(path); err != nil {
		if err := os.WriteFile(path, []byte(configTOML("")), 0o600); err != nil {
			panic(err)
		}
	}
	return path
}

// writeConfig replaces the operator's configuration file.
func (w *world) writeConfig(t testing.TB, extra string) {
	t.Helper()
	if err := os.WriteFile(w.configFile(), []byte(configTOML(extra)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// cli runs `ambitiebot args...` as the operator, in language lang, and
// returns what it printed and how it ended.
func (w *world) cli(t testing.TB, lang string, args ...string) (string, error) {
	t.Helper()
	return w.cliEnv(t, lang, nil, args...)
}

func (w *world) cliEnv(t testing.TB, lang string, extra []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = w.botEnv(lang, extra...)
	cmd.Dir = w.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("$ ambitiebot %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

var tokenLine = regexp.MustCompile(`(?m)^AMBITIEBOT_COMMAND_TOKEN=(\S+)$`)

// setup runs `ambitiebot setup` with the admin token in the environment,
// as the README says, and keeps the command tokens it prints.
func (w *world) setup(t testing.TB) (string, error) {
	t.Helper()
	out, err := w.cliEnv(t, "nl", []string{"AMBITIEBOT_ADMIN_TOKEN=" + w.adminToken}, "setup")
	if m := tokenLine.FindStringSubmatch(out); m != nil {
		w.tokens = m[1]
	}
	return out, err
}

// startBot starts `ambitiebot serve` and waits until /healthz answers.
func (w *world) startBot(t testing.TB) *botProc {
	t.Helper()
	if w.bot != nil {
		t.Fatal("the bot is already running")
	}
	log, err := os.OpenFile(filepath.Join(w.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, "serve")
	cmd.Env = w.botEnv("nl")
	cmd.Dir = w.dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &botProc{cmd: cmd, log: log, exited: make(chan struct{}), url: w.publicURL()}
	go func() { _ = cmd.Wait(); close(b.exited) }()
	w.bot = b
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-b.exited:
			w.bot = nil
			t.Fatalf("ambitiebot serve stopped at start:\n%s", w.serveLog())
		default:
		}
		resp, err := http.Get(b.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ambitiebot serve did not become healthy:\n%s", w.serveLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopBot stops the bot as SIGTERM does.
func (w *world) stopBot(t testing.TB) {
	t.Helper()
	if w.bot == nil {
		return
	}
	if !w.bot.stop() {
		t.Errorf("ambitiebot serve did not stop within 10 s of SIGTERM")
	}
	w.bot = nil
}

// killBot ends the bot with SIGKILL: no shutdown, no flushing.
func (w *world) killBot(t testing.TB) {
	t.Helper()
	if w.bot == nil {
		return
	}
	_ = w.bot.cmd.Process.Signal(syscall.SIGKILL)
	<-w.bot.exited
	w.bot.log.Close()
	w.bot = nil
}

func (b *botProc) stop() bool {
	defer b.log.Close()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		return true
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
		return false
	}
}

// serveLog is the bot's log so far.
func (w *world) serveLog() string {
	data, _ := os.ReadFile(filepath.Join(w.dir, "serve.log"))
	return string(data)
}

// logLines returns the lines of the bot's log that contain all of words.
func (w *world) logLines(words ...string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(w.serveLog()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
next:
	for sc.Scan() {
		for _, word := range words {
			if !strings.Contains(sc.Text(), word) {
				continue next
			}
		}
		out = append(out, sc.Text())
	}
	return out
}
