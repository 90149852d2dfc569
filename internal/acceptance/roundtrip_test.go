package acceptance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// TestCommandRoundTrip measures what a user feels: the round trip of
// POST /api/v4/commands/execute through the real server, for /ambitie and
// for a built-in command that writes (/away), in the same run, interleaved.
// It runs only with AMBITIEBOT_ROUNDTRIP=N (calls per command, e.g. 300):
//
//	AMBITIEBOT_ROUNDTRIP=300 go test -run TestCommandRoundTrip -v ./internal/acceptance/
//
// The bot runs with commands_per_minute raised, so that its own limiter
// does not answer instead; each call comes from one of 40 loopback
// addresses, so that the server's rate limiter does not delay the caller.
func TestCommandRoundTrip(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("AMBITIEBOT_ROUNDTRIP"))
	if n <= 0 {
		t.Skip("set AMBITIEBOT_ROUNDTRIP=N (calls per command) to measure")
	}
	w := getWorld(t)
	w.ensureSetUp(t)
	if w.bot != nil {
		w.stopBot(t)
	}
	w.writeConfig(t, "[limits]\ncommands_per_minute = 100000\n")
	defer w.writeConfig(t, "")
	w.startBot(t)
	defer w.stopBot(t)
	time.Sleep(11 * time.Second) // let the bot's address get its burst back after setup

	// The floor of any custom slash command: one whose URL answers at
	// once, with the very reply the bot gave to /ambitie 3.2 (Mattermost's
	// work on a reply grows with its length). What /ambitie takes above
	// this is the bot's; what this takes above /away is Mattermost's own
	// work for a custom command (looking the team's commands up, an
	// outgoing HTTP request on a new connection, the ephemeral post).
	var floorReply atomic.Value
	floorReply.Store([]byte(`{"response_type":"ephemeral","text":"Ambitie 3.2"}`))
	floor := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write(floorReply.Load().([]byte))
	}))
	defer floor.Close()
	trigger := "floor" + randomHex(3)
	cmd, resp, err := w.admin.CreateCommand(bg(), &model.Command{
		TeamId: w.teams[workingGroupTeam].Id, Trigger: trigger, Method: model.CommandMethodPost, URL: floor.URL,
	})
	check(t, "floor command", resp, err)
	defer w.admin.DeleteCommand(bg(), cmd.Id)

	jan := w.person(t, "jan.devries")
	clients := make([]*model.Client4, 40)
	for i := range clients {
		clients[i] = newClient(w.srv.URL, jan.API.AuthToken, fmt.Sprintf("127.0.%d.%d", 100+i/200, 1+i%200))
	}
	type probe struct {
		name, command string
		times         []time.Duration
	}
	probes := []*probe{
		{name: "/ambitie 3.2", command: "/ambitie 3.2"},
		{name: "/ambitie 3.2 gereed", command: "/ambitie 3.2 gereed"},
		{name: "/ambitie 3.2 gereed|in-uitvoering (alternating: every call writes)", command: "alternate"},
		{name: "/away (built in)", command: "/away"},
		{name: "a custom command that answers at once (floor)", command: "/" + trigger},
	}
	call := 0
	run := func(p *probe, i int, record bool) {
		command := p.command
		if command == "alternate" {
			command = "/ambitie 3.2 " + []string{"in-uitvoering", "gereed"}[i%2]
		}
		c := clients[call%len(clients)]
		call++
		start := time.Now()
		r, resp, err := c.ExecuteCommand(bg(), w.wg.Id, command)
		elapsed := time.Since(start)
		check(t, command, resp, err)
		if command != "/away" && !strings.Contains(r.Text, "3.2") {
			t.Fatalf("%s answered %q", command, r.Text)
		}
		if command == "/ambitie 3.2" {
			reply, _ := json.Marshal(r)
			floorReply.Store(reply)
		}
		if record {
			p.times = append(p.times, elapsed)
		}
	}
	for i := 0; i < 20; i++ { // warm-up
		for _, p := range probes {
			run(p, i, false)
		}
	}
	for i := 0; i < n; i++ {
		for _, p := range probes {
			run(p, i, true)
		}
	}
	t.Logf("POST /api/v4/commands/execute, %d calls each, interleaved, Mattermost %s:", n, os.Getenv("AMBITIEBOT_MM_VERSION"))
	for _, p := range probes {
		slices.Sort(p.times)
		p50 := p.times[len(p.times)/2]
		p99 := p.times[(len(p.times)*99+99)/100-1]
		t.Logf("| %s | %.1f ms | %.1f ms |", p.name, ms(p50), ms(p99))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
