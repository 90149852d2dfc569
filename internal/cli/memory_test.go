package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/testkit/loadtest"
)

// envSlow enables tests that build the binary or run for minutes; they
// are left out of the default `go test ./...`.
const envSlow = "AMBITIEBOT_SLOW"

// memoryLimit is the resident set the bot must stay under after 10,000
// commands (issue 5): 60 MB read the strict way, as decimal megabytes
// (57.2 MiB).
const memoryLimit = 60_000_000

// TestResidentSetAfter10000Commands builds the binary as the Dockerfile
// does (stripped), runs `ambitiebot serve` as a child process against the
// Mattermost simulator, sends 10,000 commands of every everyday kind from 8
// clients and reads the child's VmRSS from /proc.
//
//	AMBITIEBOT_SLOW=1 go test -run ResidentSet -v ./internal/cli
func TestResidentSetAfter10000Commands(t *testing.T) {
	if os.Getenv(envSlow) != "1" {
		t.Skipf("builds the binary and runs for about a minute; set %s=1 to run it", envSlow)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ambitiebot")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "../../cmd/ambitiebot")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if st, err := os.Stat(bin); err == nil {
		t.Logf("binary (-ldflags \"-s -w\"): %.1f MiB", float64(st.Size())/(1<<20))
	}

	// The harness's Mattermost simulator and environment, with the bot in a
	// child process instead of in this one.
	h := prepareHarness(t, loadConfigTOML)
	world := h.world
	addr := freeAddr(t)
	child := exec.Command(bin, "serve")
	child.Env = os.Environ()
	for k, v := range h.env {
		child.Env = append(child.Env, k+"="+v)
	}
	child.Env = append(child.Env, "AMBITIEBOT_LISTEN="+addr)
	logFile, err := os.Create(filepath.Join(dir, "bot.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	child.Stdout, child.Stderr = logFile, logFile
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = child.Process.Signal(os.Interrupt)
		_ = child.Wait()
	})
	base := "http://" + addr
	waitHealthy(t, base+"/healthz")
	t.Logf("after start: %s", memStatus(t, child.Process.Pid))

	// Most commands are updates; the rest read, and a few draw the chart.
	texts := func(c, i int) string {
		switch i % 20 {
		case 0:
			return "overzicht"
		case 1, 2:
			return "mijn"
		case 3:
			return "historie 3.2"
		case 4:
			return "3.2"
		}
		return fmt.Sprintf("%d.%d %s", c%5+1, i%3+1, []string{"in-uitvoering", "gereed"}[(i/20)%2])
	}
	users := []string{"jan", "anna", "john", "sanne"}
	res, err := loadtest.Run(context.Background(), loadtest.Options{
		Clients: 8, Requests: 10_000, Check: checkReply,
		NewRequest: func(c, i int) (*http.Request, error) {
			return world.CommandRequest(base+"/command", testCommandToken, world.People[users[c%len(users)]],
				world.WorkingGroup, texts(c, i)), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 commands: %v", res)
	rss := memValue(t, child.Process.Pid, "VmRSS")
	t.Logf("after 10,000 commands: %s", memStatus(t, child.Process.Pid))
	if rss >= memoryLimit {
		t.Errorf("resident set %.1f MiB (%.1f MB), want under %.1f MB", float64(rss)/(1<<20), float64(rss)/1e6, float64(memoryLimit)/1e6)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 20s", url)
}

// memValue reads one "Vm…: N kB" line of /proc/pid/status, in bytes.
func memValue(t *testing.T, pid int, key string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

func memStatus(t *testing.T, pid int) string {
	return fmt.Sprintf("VmRSS %.1f MiB, VmHWM (peak) %.1f MiB",
		float64(memValue(t, pid, "VmRSS"))/(1<<20), float64(memValue(t, pid, "VmHWM"))/(1<<20))
}
