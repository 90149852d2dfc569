package cli

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

// crashChildEnv makes the test binary run a subcommand instead of the
// tests, so that the crash test kills a real bot process, and the sandbox
// test hangs up on a real sandbox, without a separate build. Its value is
// the command line ("serve", "sandbox --files DIR").
const crashChildEnv = "AMBITIEBOT_TEST_SERVE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(serveChild())
	}
	os.Exit(m.Run())
}

func serveChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), Signals()...)
	defer stop()
	if err := run(ctx, strings.Fields(os.Getenv(crashChildEnv)), os.Stdin, os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "ambitiebot:", err)
		return 1
	}
	return 0
}

// crashRounds is how often the bot is killed; the issue asks for 50.
const crashRounds = 50

// crashWorkers send updates concurrently, each to cells of its own
// organisation and one after the other, so that "the last acknowledged
// update of a cell" is well defined.
var crashWorkers = []string{"emmen", "assen", "meppel", "coevorden"}

// crashAmbitions apply to every municipality.
var crashAmbitions = []string{"1.1", "1.2", "1.3", "2.1", "3.2"}

var crashStatuses = []ambitiebot.Status{ambitiebot.StatusInProgress, ambitiebot.StatusBlocked, ambitiebot.StatusDone}

type cell struct{ org, ambition string }

// sentUpdate is one update fired at the bot. seq orders the updates of a
// cell (each cell is written by one worker, one at a time).
type sentUpdate struct {
	cell   cell
	status ambitiebot.Status
	seq    int
	acked  bool
}

// ledger records what was sent and what the bot acknowledged.
type ledger struct {
	mu        sync.Mutex
	seq       int
	sent      map[string]*sentUpdate // by note, which is unique
	lastAcked map[cell]*sentUpdate
	acked     int
}

func (l *ledger) send(c cell, status ambitiebot.Status, note string) *sentUpdate {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	u := &sentUpdate{cell: c, status: status, seq: l.seq}
	l.sent[note] = u
	return u
}

func (l *ledger) ack(u *sentUpdate) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u.acked = true
	l.acked++
	l.lastAcked[u.cell] = u
}

// TestCrashLosesNoAcknowledgedUpdate kills a serving bot with SIGKILL at
// random moments while status updates flow, restarts it on the same
// database, and checks after every kill that the file is intact, that
// every acknowledged update is in the history, and that the history and
// the current status agree.
func TestCrashLosesNoAcknowledgedUpdate(t *testing.T) {
	h := prepareHarness(t, "[limits]\ncommands_per_minute = 1000000\n")
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	l := &ledger{sent: map[string]*sentUpdate{}, lastAcked: map[cell]*sentUpdate{}}
	dbPath := h.env["AMBITIEBOT_DB"]
	start := time.Now()
	for round := range crashRounds {
		child := startChild(t, h)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w, org := range crashWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fireUpdates(ctx, h, child.url, l, round, w, org)
			}()
		}
		time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
		child.kill(t)
		cancel()
		wg.Wait()
		checkCrashState(t, dbPath, l, round)
		if t.Failed() {
			return
		}
	}
	// After the last kill the bot still starts, and stops cleanly.
	child := startChild(t, h)
	child.stop(t)
	checkCrashState(t, dbPath, l, crashRounds)
	t.Logf("%d rounds in %v: %d updates sent, %d acknowledged", crashRounds, time.Since(start).Round(time.Millisecond), len(l.sent), l.acked)
	if l.acked == 0 {
		t.Fatal("no update was acknowledged in any round; the test proved nothing")
	}
}

// fireUpdates sends updates for org's cells one after another until the
// bot stops answering or ctx ends.
func fireUpdates(ctx context.Context, h *harness, url string, l *ledger, round, worker int, org string) {
	pieter := h.world.People["pieter"]
	for i := 0; ctx.Err() == nil; i++ {
		c := cell{org, crashAmbitions[(i+worker)%len(crashAmbitions)]}
		status := crashStatuses[(i+round)%len(crashStatuses)]
		note := fmt.Sprintf("ronde %d werker %d nr %d", round, worker, i)
		u := l.send(c, status, note)
		text := fmt.Sprintf("%s %s %s %s", c.org, c.ambition, status, note)
		resp, code, err := h.world.ExecuteCommand(url+"/command", testCommandToken, pieter, h.world.WorkingGroup, text)
		if err != nil || code != 200 {
			return // killed: this update may or may not have been stored
		}
		if (strings.Contains(resp.Text, "staat nu op") || strings.Contains(resp.Text, "is bijgewerkt")) && strings.Contains(resp.Text, note) {
			l.ack(u)
		}
	}
}

// checkCrashState reads the database file as the next start would find
// it and compares it with the ledger.
func checkCrashState(t *testing.T, path string, l *ledger, round int) {
	t.Helper()
	db, err := sql.Open("sqlite3", sqlite.WriteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	history, current := readHistory(t, db, fmt.Sprintf("round %d", round))
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	for c, changes := range history {
		for _, ch := range changes {
			u, ok := l.sent[ch.Note]
			if !ok || u.cell != c || u.status != ch.To {
				t.Errorf("round %d: change %+v was never sent", round, ch)
			}
			if seen[ch.Note] {
				t.Errorf("round %d: update %q is stored twice", round, ch.Note)
			}
			seen[ch.Note] = true
		}
	}
	for note, u := range l.sent {
		if u.acked && !seen[note] {
			t.Errorf("round %d: acknowledged update %q (%v) is lost", round, note, u.cell)
		}
	}
	for c, last := range l.lastAcked {
		p, ok := current[c]
		if !ok {
			t.Errorf("round %d: %v has no current status, last acknowledged %q", round, c, last.status)
			continue
		}
		// An update sent after the last acknowledged one may have been
		// committed just before the kill; an older one may not win.
		if u := l.sent[p.Note]; u == nil || u.seq < last.seq {
			t.Errorf("round %d: %v is at %q (%s), older than the acknowledged seq %d", round, c, p.Note, p.Status, last.seq)
		}
	}
}

// readHistory checks the file's integrity and that every cell's current
// status is where its history leads, and returns both.
func readHistory(t *testing.T, db *sql.DB, what string) (map[cell][]ambitiebot.Change, map[cell]ambitiebot.Progress) {
	t.Helper()
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("%s: integrity_check = %q, %v", what, integrity, err)
	}
	history := map[cell][]ambitiebot.Change{}
	rows, err := db.Query(`SELECT org_key, ambition_id, from_status, to_status, note FROM changes ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ch ambitiebot.Change
		if err := rows.Scan(&ch.OrgKey, &ch.AmbitionID, &ch.From, &ch.To, &ch.Note); err != nil {
			t.Fatal(err)
		}
		c := cell{ch.OrgKey, ch.AmbitionID}
		history[c] = append(history[c], ch)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	current := map[cell]ambitiebot.Progress{}
	rows, err = db.Query(`SELECT org_key, ambition_id, status, note FROM progress`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p ambitiebot.Progress
		if err := rows.Scan(&p.OrgKey, &p.AmbitionID, &p.Status, &p.Note); err != nil {
			t.Fatal(err)
		}
		current[cell{p.OrgKey, p.AmbitionID}] = p
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for c, changes := range history {
		from := ambitiebot.StatusNotStarted
		for _, ch := range changes {
			if ch.From != from {
				t.Errorf("%s: %v: a change from %q follows one to %q", what, c, ch.From, from)
			}
			from = ch.To
		}
		last := changes[len(changes)-1]
		if p, ok := current[c]; !ok || p.Status != last.To || p.Note != last.Note {
			t.Errorf("%s: %v: current status %+v disagrees with the last change %+v", what, c, p, last)
		}
	}
	for c := range current {
		if len(history[c]) == 0 {
			t.Errorf("%s: %v has a current status but no history", what, c)
		}
	}
	return history, current
}

// child is a bot process started from the test binary.
type child struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when its log is drained
	logs *testkit.SyncBuffer
}

// startChild runs `ambitiebot serve` in a new process with h's
// environment and waits until it serves.
func startChild(t *testing.T, h *harness) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=serve")
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{}), logs: &testkit.SyncBuffer{}}
	t.Cleanup(func() {
		if cmd.ProcessState == nil { // a failed test left it running
			_ = cmd.Process.Kill()
			<-c.done
			_ = cmd.Wait()
		}
	})
	serving := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			_, _ = c.logs.Write(append(sc.Bytes(), '\n'))
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ambitiebot is serving" {
				serving <- line.Addr
			}
		}
	}()
	select {
	case c.url = <-serving:
		return c
	case <-c.done:
		_ = cmd.Wait()
		t.Fatalf("the bot exited before serving:\n%s", c.logs)
	case <-time.After(30 * time.Second):
		c.kill(t)
		t.Fatalf("the bot did not start serving within 30 s:\n%s", c.logs)
	}
	return nil
}

// kill ends the process with SIGKILL: no deferred code, no shutdown.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done
	_ = c.cmd.Wait() // "signal: killed" is the expected outcome
}

// stop ends the process with SIGTERM and expects exit status 0 within
// ten seconds.
func (c *child) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-c.done
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("the bot did not stop cleanly: %v\n%s", err, c.logs)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the bot took %s to stop after SIGTERM", took)
	}
}
