package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit/loadtest"
)

// loadConfigTOML lifts the per-user command limit out of the way: the load
// generator measures the command pipeline, and its few users send far more
// than people do.
const loadConfigTOML = "[limits]\ncommands_per_minute = 1000000\n"

// commandLoad is a running bot plus, per simulated client, whom it acts as
// and which cell it toggles, so that every request is a real change.
type commandLoad struct {
	h     *harness
	users []*model.User
	ids   []string // ambition per client
}

// newCommandLoad starts the bot as `ambitiebot serve` does, with a client
// per (organisation, ambition) cell: 0–27 act as jan (Emmen), 28–55 as anna
// (Assen).
func newCommandLoad(tb testing.TB, clients int) *commandLoad {
	h := newHarness(tb, loadConfigTOML)
	var ids []string
	for _, a := range h.main.Config.Catalogue.ForKind(ambitiebot.KindMunicipality) {
		ids = append(ids, a.ID)
	}
	l := &commandLoad{h: h}
	for c := range clients {
		l.users = append(l.users, h.user([]string{"jan", "anna"}[(c/len(ids))%2]))
		l.ids = append(l.ids, ids[c%len(ids)])
	}
	return l
}

// request is client c's next "/ambitie <id> <status>", alternating
// between two statuses, as Mattermost would send it to url.
func (l *commandLoad) request(url string) func(c, i int) (*http.Request, error) {
	return l.cycle(url, func(c int) []string { return []string{l.ids[c] + " in-uitvoering", l.ids[c] + " gereed"} })
}

// view is client c's "/ambitie <id>": the ambition with every
// organisation's status, a read.
func (l *commandLoad) view(url string) func(c, i int) (*http.Request, error) {
	return l.cycle(url, func(c int) []string { return []string{l.ids[c]} })
}

// cycle sends each client's texts in turn. The requests are built once,
// so that the load generator, which shares the machine with the bot,
// spends its time sending rather than encoding.
func (l *commandLoad) cycle(url string, texts func(c int) []string) func(c, i int) (*http.Request, error) {
	sent := make([]int, len(l.users))
	forms := make([][]*http.Request, len(l.users))
	bodies := make([][][]byte, len(l.users))
	for c := range l.users {
		for _, text := range texts(c) {
			req := l.h.world.CommandRequest(url, testCommandToken, l.users[c], l.h.world.WorkingGroup, text)
			body, err := io.ReadAll(req.Body)
			if err != nil {
				l.h.t.Fatal(err)
			}
			forms[c], bodies[c] = append(forms[c], req), append(bodies[c], body)
		}
	}
	return func(c, _ int) (*http.Request, error) {
		k := sent[c] % len(forms[c])
		sent[c]++
		req := forms[c][k].Clone(context.Background())
		req.Body = io.NopCloser(bytes.NewReader(bodies[c][k]))
		req.ContentLength = int64(len(bodies[c][k]))
		return req, nil
	}
}

// checkReply accepts only a well-formed, non-empty command response.
func checkReply(body []byte) error {
	var r model.CommandResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	if r.Text == "" {
		return errors.New("empty reply")
	}
	return nil
}

// BenchmarkSlashCommand is the slash-command round trip over real HTTP on
// loopback, beside its floor in the same run: for 1 and 50 clients, first
// the floor (a bare handler committing one insert, internal/testkit/loadtest), then
// the bot (token check, parse, user from cache, group-committed update
// with history and activity feed, JSON reply), reporting how many feed
// posts the dispatcher made meanwhile. Run it with a fixed count
// so that the percentiles rest on enough samples:
//
//	go test -run '^$' -bench SlashCommand -benchtime 3000x ./internal/cli
func BenchmarkSlashCommand(b *testing.B) {
	const maxClients = 50
	floor, err := loadtest.NewFloor(filepath.Join(b.TempDir(), "floor.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = floor.Close() })
	floorSrv := httptest.NewServer(floor)
	b.Cleanup(floorSrv.Close)
	l := newCommandLoad(b, maxClients)
	botURL := l.h.main.HTTP.URL() + "/command"
	targets := []struct {
		name string
		next func(c, i int) (*http.Request, error)
	}{{"floor", l.request(floorSrv.URL)}, {"bot", l.request(botURL)}, {"bot-view", l.view(botURL)}}
	for _, clients := range []int{1, maxClients} {
		for _, target := range targets {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, target.name), func(b *testing.B) {
				before := l.h.changes()
				feedBefore := len(l.h.world.Posts(l.h.world.WorkingGroup.Id))
				res, err := loadtest.Run(context.Background(), loadtest.Options{
					Clients: clients, Requests: b.N, NewRequest: target.next, Check: checkReply,
				})
				if err != nil {
					b.Fatal(err)
				}
				if target.name == "bot" {
					// Every request toggles a cell, so each must have
					// left exactly one history entry.
					if got := l.h.changes() - before; got != b.N {
						b.Fatalf("%d changes recorded for %d commands", got, b.N)
					}
					// How much of the activity feed went out while the
					// commands ran; the rest follows after.
					b.ReportMetric(float64(len(l.h.world.Posts(l.h.world.WorkingGroup.Id))-feedBefore), "feed-posts")
				}
				reportLoad(b, res)
			})
		}
	}
}

// reportLoad puts a run's percentiles and throughput beside ns/op.
func reportLoad(b *testing.B, r loadtest.Result) {
	b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(r.PerSecond(), "req/s")
}
