package loadtest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/delivery"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/report/reporttest"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// EnvSlow enables the tests that take minutes (the national broadcast
// against a rate-limited server). They are left out of the default
// `go test ./...`.
const EnvSlow = "AMBITIEBOT_SLOW"

const nationalWG = "landelijk/werkgroep-ondermijning"

// Every Dutch municipality (342 in 2024), water board (21) and province
// (12) is 375; the national run uses 400 for headroom, the extra ones as
// municipalities.
const (
	nationalProvinces   = 12
	nationalWaterBoards = 21
	nationalOrgs        = 400
)

// nationalOrganisations returns 400 organisations with synthetic keys, each
// with its own team's town square, as the Drenthe configuration has.
func nationalOrganisations(tb testing.TB) *ambitiebot.Organisations {
	tb.Helper()
	var list []ambitiebot.Organisation
	add := func(kind ambitiebot.OrgKind, prefix, name string, n int) {
		for i := 1; i <= n; i++ {
			key := fmt.Sprintf("%s-%03d", prefix, i)
			list = append(list, ambitiebot.Organisation{Key: key, Name: fmt.Sprintf("%s %03d", name, i), Kind: kind,
				Domains: []string{key + ".example.nl"}, Channel: key + "/town-square"})
		}
	}
	add(ambitiebot.KindMunicipality, "gem", "Gemeente", nationalOrgs-nationalProvinces-nationalWaterBoards)
	add(ambitiebot.KindProvince, "prov", "Provincie", nationalProvinces)
	add(ambitiebot.KindWaterBoard, "ws", "Waterschap", nationalWaterBoards)
	orgs, err := ambitiebot.NewOrganisations(list)
	if err != nil {
		tb.Fatal(err)
	}
	return orgs
}

// nationalMatrix is the 400 × 28 matrix with 70% of the cells filled.
func nationalMatrix(tb testing.TB) (*ambitiebot.Matrix, *workgroup.App, *i18n.Translator) {
	tb.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := i18n.New(locales.FS)
	if err != nil {
		tb.Fatal(err)
	}
	orgs := nationalOrganisations(tb)
	at := time.Date(2027, 1, 11, 12, 0, 0, 0, time.UTC)
	mx := ambitiebot.NewMatrix(cfg.Catalogue, orgs, reporttest.Progress(cfg.Catalogue, orgs, 0.7, 1, at))
	return mx, workgroup.New(workgroup.Config{Catalogue: cfg.Catalogue, Organisations: orgs, Tr: tr, Location: cfg.Location,
		Neutralize: mattermost.Neutralize}), tr
}

// TestNationalOverview checks that the overview of 400 organisations is
// split into posts under Mattermost's limit, each repeating the table
// header, with every organisation exactly once.
func TestNationalOverview(t *testing.T) {
	mx, h, _ := nationalMatrix(t)
	texts := h.OverviewTables("nl", mx, 0)
	if len(texts) < 2 {
		t.Fatalf("%d message(s) for 400 organisations; the tables cannot fit one post", len(texts))
	}
	all := strings.Join(texts, "\n")
	for i, text := range texts {
		if n := utf8.RuneCountInString(text); n > workgroup.MaxPostRunes {
			t.Errorf("message %d has %d runes, over %d", i, n, workgroup.MaxPostRunes)
		}
		if !strings.Contains(text, "| ---: |") {
			t.Errorf("message %d has no table header", i)
		}
	}
	for _, o := range mx.Organisations.All() {
		if n := strings.Count(all, "| "+o.Name+" |"); n != 1 {
			t.Errorf("%s appears %d times", o.Name, n)
		}
	}
	t.Logf("400 organisations: %d posts of at most %d runes", len(texts), workgroup.MaxPostRunes)
}

// TestNationalChartIsAggregated checks that the chart for 400 organisations
// shows a row per kind (a 400-row matrix is unreadable in chat) and stays
// small enough to post.
func TestNationalChartIsAggregated(t *testing.T) {
	mx, _, tr := nationalMatrix(t)
	_, layout, err := chart.Draw(mx, tr, "nl", chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !layout.Aggregated {
		t.Fatal("the 400-organisation chart is not aggregated per kind")
	}
	png, err := chart.Render(mx, tr, "nl", chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("aggregated chart: %d bytes", len(png))
}

// BenchmarkNationalOverview renders the overview tables of 400 × 28 from
// a loaded matrix.
//
//	go test -run '^$' -bench NationalOverview ./internal/testkit/loadtest
func BenchmarkNationalOverview(b *testing.B) {
	mx, h, _ := nationalMatrix(b)
	for b.Loop() {
		h.OverviewTables("nl", mx, 0)
	}
}

// requestCounter is a proxy in front of the Mattermost simulator that counts
// every request the bot makes, by route and by answer.
type requestCounter struct {
	mu      sync.Mutex
	byRoute map[string]int
	limited int // answered 429
}

func (c *requestCounter) reset() (routes map[string]int, limited int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	routes, limited = c.byRoute, c.limited
	c.byRoute, c.limited = map[string]int{}, 0
	return routes, limited
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (c *requestCounter) proxy(tb testing.TB, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(rec, r)
		route := r.Method + " " + r.URL.Path
		if strings.HasPrefix(r.URL.Path, "/api/v4/teams/name/") {
			route = r.Method + " channel by name"
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if rec.status == http.StatusTooManyRequests {
			c.limited++
			return
		}
		c.byRoute[route]++
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// TestNationalBroadcast sends one message to 400 channels through the real
// dispatcher against a Mattermost simulator that allows 10 requests/s with a
// burst of 100, twice: first with an empty channel cache (a freshly started
// bot resolves each "team/channel" once), then warm. Every channel must get
// each message exactly once, and each round must end within 1.2× of the
// time the rate limit allows for the requests the round needed.
//
//	AMBITIEBOT_SLOW=1 go test -run NationalBroadcast -v ./internal/testkit/loadtest
func TestNationalBroadcast(t *testing.T) {
	if os.Getenv(EnvSlow) != "1" {
		t.Skipf("takes about two minutes; set %s=1 to run it", EnvSlow)
	}
	const (
		rate  = 10.0
		burst = 100
	)
	orgs := nationalOrganisations(t)
	var refs []string
	for _, o := range orgs.All() {
		refs = append(refs, o.Channel)
	}
	world := mmsim.NewWorld(nationalWG, refs, []mmsim.Person{{Username: "pl", Email: "pl@example.nl", Locale: "nl"}})
	t.Cleanup(world.Close)
	counter := &requestCounter{byRoute: map[string]int{}}
	mmURL := counter.proxy(t, world.URL())

	db := sqlitetest.Open(t)
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &delivery.Dispatcher{
		Store: db, Chat: mattermost.New(mmURL, world.BotToken, mattermost.Options{Logger: logger}),
		Organisations: orgs, Tr: tr, Logger: logger, Now: time.Now,
		WorkingGroupChannel: nationalWG, ProjectLeaders: []string{"pl"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	for round, name := range []string{"cold", "warm"} {
		if round > 0 {
			// Let the bucket fill up again, so that each round starts
			// with the full burst.
			time.Sleep(time.Duration(float64(burst)/rate*float64(time.Second)) + 500*time.Millisecond)
		}
		world.RateLimit(rate, burst)
		counter.reset()
		msg := "Landelijk bericht " + name
		var ds []ambitiebot.Delivery
		for _, o := range orgs.All() {
			ds = append(ds, ambitiebot.Delivery{RunKey: "national-" + name, Target: o.Target(), Kind: "awareness",
				OrgKey: o.Key, Message: msg})
		}
		start := time.Now()
		if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		d.Notify()
		waitForPosts(t, world, orgs, msg, start.Add(5*time.Minute))
		elapsed := time.Since(start)
		routes, limited := counter.reset()
		ok := 0
		for _, n := range routes {
			ok += n
		}
		allowed := time.Duration(float64(max(0, ok-burst)) / rate * float64(time.Second))
		t.Logf("%s: %d posts in %v; %d requests answered (%v), %d refused with 429; the limit allows them in %v (ratio %.2f)",
			name, len(orgs.All()), elapsed.Round(10*time.Millisecond), ok, routes, limited,
			allowed, elapsed.Seconds()/allowed.Seconds())
		if routes["POST /api/v4/posts"] != len(orgs.All()) {
			t.Errorf("%s: %d posts created, want %d", name, routes["POST /api/v4/posts"], len(orgs.All()))
		}
		if float64(elapsed) > 1.2*float64(allowed) {
			t.Errorf("%s: took %v, more than 1.2 × %v", name, elapsed, allowed)
		}
	}
}

// waitForPosts waits until every organisation's channel holds msg; it
// fails when a channel holds it twice.
func waitForPosts(t *testing.T, world *mmsim.World, orgs *ambitiebot.Organisations, msg string, deadline time.Time) {
	t.Helper()
	for {
		missing := 0
		for _, o := range orgs.All() {
			n := 0
			for _, p := range world.Posts(world.Channels[o.Channel].Id) {
				if p.Message == msg {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("%s got %q %d times", o.Key, msg, n)
			}
			if n == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d channels still lack %q", missing, orgs.Len(), msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
