package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/delivery"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

const wg = "drenthe/werkgroep-ondermijning"

type fixture struct {
	t      *testing.T
	clock  *testkit.Clock
	world  *mmsim.World
	orgs   *ambitiebot.Organisations
	dbPath string
	db     *sqlite.DB
	d      *delivery.Dispatcher
}

// newFixture builds a Mattermost with every organisation's channel and a
// dispatcher on a real SQLite file. Organisations named in outside get a
// channel the bot is not a member of.
func newFixture(t *testing.T, outside ...string) *fixture {
	t.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, o := range cfg.Organisations.All() {
		if !contains(outside, o.Key) {
			refs = append(refs, o.Channel)
		}
	}
	f := &fixture{t: t, clock: testkit.NewClock(time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)), orgs: cfg.Organisations}
	f.world = mmsim.NewWorld(wg, refs, []mmsim.Person{{Username: "pieter", Email: "p@drenthe.nl", Locale: "nl"}})
	t.Cleanup(f.world.Close)
	for _, key := range outside {
		f.world.AddChannel(f.world.AddTeam(key), "town-square")
	}
	f.dbPath = filepath.Join(t.TempDir(), "bot.db")
	f.open()
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// open (re)starts the database and a fresh dispatcher, as a restart does.
func (f *fixture) open() {
	t := f.t
	db, err := sqlite.Open(f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = f.clock.Now
	t.Cleanup(func() { _ = db.Close() })
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	f.db = db
	f.d = f.dispatcher(db, tr)
}

// dispatcher is a dispatcher on store, as a serving bot or a CLI run has.
func (f *fixture) dispatcher(store ambitiebot.DeliveryService, tr *i18n.Translator) *delivery.Dispatcher {
	chat := mattermost.New(f.world.URL(), f.world.BotToken, mattermost.Options{Timeout: 500 * time.Millisecond, Now: f.clock.Now})
	return &delivery.Dispatcher{
		Store: store, Chat: chat, Organisations: f.orgs, Tr: tr,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: f.clock.Now,
		Jitter:              func() float64 { return 0.5 },
		WorkingGroupChannel: wg, ProjectLeaders: []string{"pieter"},
	}
}

// broadcast queues one message to every organisation.
func (f *fixture) broadcast(key string) {
	f.t.Helper()
	var ds []ambitiebot.Delivery
	for _, o := range f.orgs.All() {
		ds = append(ds, ambitiebot.Delivery{RunKey: key, Target: o.Target(), Kind: "awareness", OrgKey: o.Key, Message: "Bericht " + key})
	}
	if _, err := f.db.EnqueueDeliveries(context.Background(), ds); err != nil {
		f.t.Fatal(err)
	}
}

// drain runs delivery passes, moving the clock past every backoff, until
// nothing is pending or rounds run out.
func (f *fixture) drain(rounds int) {
	f.t.Helper()
	ctx := context.Background()
	for range rounds {
		if _, err := f.d.DeliverDue(ctx); err != nil {
			f.t.Fatal(err)
		}
		pending, err := f.db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
		if err != nil {
			f.t.Fatal(err)
		}
		if len(pending) == 0 {
			return
		}
		f.clock.Add(3 * time.Minute)
	}
	f.t.Fatalf("deliveries still pending after %d rounds", rounds)
}

// exactlyOnce checks that every organisation's channel has exactly one
// post of the message, carrying the marker.
func (f *fixture) exactlyOnce(key string, except ...string) {
	f.t.Helper()
	for _, o := range f.orgs.All() {
		if contains(except, o.Key) {
			continue
		}
		ch := f.world.Channels[o.Channel]
		n := 0
		for _, p := range f.world.Posts(ch.Id) {
			if p.Message == "Bericht "+key {
				n++
				if p.GetProp(mattermost.MarkerProp) == nil {
					f.t.Errorf("%s: post without marker", o.Channel)
				}
			}
		}
		if n != 1 {
			f.t.Errorf("%s: %d posts of %s, want exactly 1", o.Channel, n, key)
		}
	}
}

func TestBroadcastReachesEveryChannelOnce(t *testing.T) {
	f := newFixture(t)
	f.broadcast("awareness:drugsafval:1")
	f.drain(1)
	f.exactlyOnce("awareness:drugsafval:1")
	// Queuing the same run again adds nothing and posts nothing.
	f.broadcast("awareness:drugsafval:1")
	f.drain(1)
	f.exactlyOnce("awareness:drugsafval:1")
}

func TestBroadcastThroughServerErrors(t *testing.T) {
	f := newFixture(t)
	f.world.Fail("POST /api/v4/posts", 5, 500)
	f.world.Fail("GET /api/v4/teams/name/{team}/channels/name/{channel}", 2, 503)
	f.broadcast("awareness:x:1")
	f.drain(20)
	f.exactlyOnce("awareness:x:1")
}

// "Created, but the reply was lost": the next attempt finds the post by
// its marker instead of posting it again.
func TestLostReplyIsNotPostedTwice(t *testing.T) {
	f := newFixture(t)
	f.world.LoseReply("POST /api/v4/posts", 4)
	f.broadcast("awareness:x:1")
	f.drain(20)
	f.exactlyOnce("awareness:x:1")
	sent, _ := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{State: ambitiebot.DeliverySent})
	withPost := 0
	for _, d := range sent {
		if d.PostID != "" {
			withPost++
		}
	}
	if withPost != f.orgs.Len() {
		t.Errorf("%d of %d deliveries know their post id", withPost, f.orgs.Len())
	}
}

// A time-out after the request was sent is uncertain too: the server
// created the post after the client gave up.
func TestTimeoutIsNotPostedTwice(t *testing.T) {
	f := newFixture(t)
	f.world.Delay("POST /api/v4/posts", time.Second)
	f.broadcast("awareness:x:1")
	if _, err := f.d.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.world.Delay("POST /api/v4/posts", 0)
	time.Sleep(1200 * time.Millisecond) // let the slow server finish what it started
	f.clock.Add(3 * time.Minute)
	f.drain(20)
	f.exactlyOnce("awareness:x:1")
}

func TestRateLimitWaitsAndLosesNothing(t *testing.T) {
	f := newFixture(t)
	f.world.Fail("POST /api/v4/posts", 1, 429)
	f.broadcast("awareness:x:1")
	n, err := f.d.DeliverDue(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("first pass delivered %d (%v); a 429 must pause all sending", n, err)
	}
	if n, _ := f.d.DeliverDue(context.Background()); n != 0 {
		t.Fatalf("delivered %d while paused", n)
	}
	f.clock.Add(2 * time.Second)
	f.drain(5)
	f.exactlyOnce("awareness:x:1")
}

// A channel the bot cannot post in fails for good and is reported once to
// the project leaders, naming the organisation and the channel.
func TestPermanentFailureIsReportedOnce(t *testing.T) {
	f := newFixture(t, "emmen")
	f.broadcast("awareness:x:1")
	f.drain(5)
	f.exactlyOnce("awareness:x:1", "emmen")
	f.broadcast("awareness:x:1") // a rerun adds nothing, reports nothing new
	f.drain(5)
	var notices []string
	for _, p := range f.world.Posts(f.world.WorkingGroup.Id) {
		notices = append(notices, p.Message)
	}
	if len(notices) != 1 {
		t.Fatalf("working group got %d notices, want 1: %q", len(notices), notices)
	}
	for _, want := range []string{"@pieter", "Gemeente Emmen", "emmen/town-square"} {
		if !strings.Contains(notices[0], want) {
			t.Errorf("notice %q does not mention %q", notices[0], want)
		}
	}
	failed, _ := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryFailed})
	if len(failed) != 1 || !failed[0].Reported || failed[0].OrgKey != "emmen" {
		t.Errorf("failed deliveries = %+v", failed)
	}
}

// A restart in the middle of a broadcast, after an attempt whose outcome
// was never recorded, resumes with only the missing channels.
func TestRestartMidBroadcast(t *testing.T) {
	f := newFixture(t)
	f.broadcast("awareness:x:1")
	ctx, cancel := context.WithCancel(context.Background())
	f.d.Chat = &cancelAfter{Chat: f.d.Chat, n: 6, cancel: cancel}
	_, _ = f.d.DeliverDue(ctx) // "crashes" after the sixth post
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.open()
	f.clock.Add(5 * time.Minute) // past the lease of the interrupted attempt
	f.drain(5)
	f.exactlyOnce("awareness:x:1")
}

// cancelAfter cancels the context right after the n-th post was created,
// as if the process died before recording it.
type cancelAfter struct {
	ambitiebot.Chat
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) CreatePost(ctx context.Context, p ambitiebot.Post) (string, error) {
	id, err := c.Chat.CreatePost(ctx, p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 {
		c.cancel()
		return "", context.Canceled
	}
	return id, err
}

func TestWebhookDelivery(t *testing.T) {
	f := newFixture(t)
	hookChannel := f.world.AddChannel(f.world.AddTeam("elders"), "iedereen")
	url := f.world.AddWebhook(hookChannel.Id)
	orgs, err := ambitiebot.NewOrganisations([]ambitiebot.Organisation{
		{Key: "meppel", Name: "Gemeente Meppel", Kind: ambitiebot.KindMunicipality, Webhook: url},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.d.Organisations = orgs
	if _, err := f.db.EnqueueDeliveries(context.Background(), []ambitiebot.Delivery{{
		RunKey: "awareness:x:1", Target: orgs.All()[0].Target(), Kind: "awareness", OrgKey: "meppel", Message: "Via de webhook",
	}}); err != nil {
		t.Fatal(err)
	}
	f.drain(3)
	posts := f.world.Posts(hookChannel.Id)
	if len(posts) != 1 || posts[0].Message != "Via de webhook" {
		t.Errorf("webhook channel posts = %v", posts)
	}
	ds, _ := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{})
	for _, d := range ds {
		if strings.Contains(d.LastError, url) || strings.Contains(string(d.Target), url) {
			t.Errorf("the webhook URL, a secret, was stored: %+v", d)
		}
	}
}

// A chart asked for in a channel the bot cannot post in is not worth a
// notice to the project leaders.
func TestFailedChartIsNotReported(t *testing.T) {
	f := newFixture(t, "emmen")
	if _, err := f.db.EnqueueDeliveries(context.Background(), []ambitiebot.Delivery{{
		RunKey: "chart:u1:1", Target: ambitiebot.ChannelTarget("emmen/town-square"), Kind: "chart", Message: "Voortgang",
	}}); err != nil {
		t.Fatal(err)
	}
	f.drain(3)
	if posts := f.world.Posts(f.world.WorkingGroup.Id); len(posts) != 0 {
		t.Errorf("working group got a notice for a chart: %q", posts[0].Message)
	}
	failed, _ := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryFailed})
	if len(failed) != 1 || !failed[0].Reported {
		t.Errorf("failed chart = %+v", failed)
	}
}

// feedChange commits a status change whose feed post is queued leased to
// f.d, and hands the post over, as a status update in workgroup does.
func (f *fixture) feedChange(message string) ambitiebot.Delivery {
	f.t.Helper()
	u := ambitiebot.Update{
		OrgKey: "emmen", AmbitionID: "3.2", Status: ambitiebot.StatusDone,
		User:  ambitiebot.User{ID: "u1", Username: "jan"},
		Feed:  []ambitiebot.Delivery{{Target: ambitiebot.ChannelTarget(wg), Kind: "feed", OrgKey: "emmen", Message: message}},
		Lease: f.d.Lease(),
	}
	if _, err := f.db.SetStatus(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	f.d.Handoff(u.Feed)
	return u.Feed[0]
}

// feedPosts counts the working group's posts of message.
func (f *fixture) feedPosts(message string) int {
	n := 0
	for _, p := range f.world.Posts(f.world.WorkingGroup.Id) {
		if p.Message == message {
			n++
		}
	}
	return n
}

// claims counts the rows a dispatcher claimed from the store, and can fail
// recording posts as if the process died before it got that far.
type claims struct {
	ambitiebot.DeliveryService
	mu         sync.Mutex
	claimed    int
	failRecord bool
}

func (c *claims) DueDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ambitiebot.Delivery, error) {
	ds, err := c.DeliveryService.DueDeliveries(ctx, now, lease, limit)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claimed += len(ds)
	return ds, err
}

func (c *claims) MarkAllDelivered(ctx context.Context, ds []ambitiebot.Delivered) error {
	if c.failRecord && len(ds) > 0 {
		return context.Canceled
	}
	return c.DeliveryService.MarkAllDelivered(ctx, ds)
}

// A feed post handed over by its change is posted once without being
// claimed again, and another dispatcher (a CLI run) leaves it alone.
func TestHandedOverPostNeedsNoClaim(t *testing.T) {
	f := newFixture(t)
	store := &claims{DeliveryService: f.db}
	f.d.Store = store
	dl := f.feedChange("Emmen: 3.2 gereed")
	cli := f.dispatcher(f.db, f.d.Tr)
	if n, err := cli.DeliverDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("another dispatcher delivered %d (%v) of a leased post", n, err)
	}
	if n, err := f.d.DeliverDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("handed-over post: delivered %d, %v", n, err)
	}
	if store.claimed != 0 {
		t.Errorf("%d rows claimed; the handed-over post needs no claim", store.claimed)
	}
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	got, err := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{RunKey: dl.RunKey})
	if err != nil || len(got) != 1 || got[0].State != ambitiebot.DeliverySent || got[0].PostID == "" || got[0].Uncertain {
		t.Errorf("recorded = %+v, %v", got, err)
	}
}

// The process dies after posting a handed-over post but before recording
// it: once the lease runs out, the post is found by its marker, not
// posted again.
func TestCrashBetweenHandedOverPostAndRecord(t *testing.T) {
	f := newFixture(t)
	f.d.Store = &claims{DeliveryService: f.db, failRecord: true}
	dl := f.feedChange("Emmen: 3.2 gereed")
	if _, err := f.d.DeliverDue(context.Background()); err == nil {
		t.Fatal("recording did not fail")
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.open()
	f.drain(5) // the first round finds the post still leased
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Fatalf("%d posts, want exactly 1", n)
	}
	got, err := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{RunKey: dl.RunKey})
	posts := f.world.Posts(f.world.WorkingGroup.Id)
	if err != nil || len(got) != 1 || got[0].State != ambitiebot.DeliverySent || got[0].PostID != posts[0].Id {
		t.Errorf("recorded = %+v, %v; want the existing post", got, err)
	}
}

// A handed-over post that waited in memory too long is not attempted under
// a lease that might run out mid-attempt; it waits for the lease to end.
func TestStaleHandOverWaitsForItsLease(t *testing.T) {
	f := newFixture(t)
	f.feedChange("Emmen: 3.2 gereed")
	f.clock.Add(time.Minute)
	if n, err := f.d.DeliverDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("stale hand-over: delivered %d, %v", n, err)
	}
	f.clock.Add(2 * time.Minute)
	f.drain(2)
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// A dispatcher that stops before it got to a handed-over post gives it
// back: after the restart it goes out at once, once, with no wait for its
// lease and no marker lookup.
func TestStopReleasesHandedOverPosts(t *testing.T) {
	f := newFixture(t)
	dl := f.feedChange("Emmen: 3.2 gereed")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stopping before the first pass, as a shutdown right after a command can
	f.d.Run(ctx)
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 0 {
		t.Fatalf("%d posts before the restart", n)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.open()
	if n, err := f.d.DeliverDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("after the restart, at the same moment: delivered %d, %v; want the released post", n, err)
	}
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	got, err := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{RunKey: dl.RunKey})
	if err != nil || len(got) != 1 || got[0].State != ambitiebot.DeliverySent || got[0].Attempts != 1 {
		t.Errorf("recorded = %+v, %v", got, err)
	}
}

// Run posts a handed-over post at once and records it soon after, without
// waiting for its poll.
func TestRunPostsHandedOverAndRecords(t *testing.T) {
	f := newFixture(t)
	f.d.Poll = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	dl := f.feedChange("Emmen: 3.2 gereed")
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{RunKey: dl.RunKey})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && got[0].State == ambitiebot.DeliverySent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recorded within 5s: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// While commands wait for the store the dispatcher gives way before each
// post, for a bounded time, and then posts all the same.
func TestGivesWayToCommandsButPosts(t *testing.T) {
	f := newFixture(t)
	var waits int
	f.d.After = func(time.Duration) <-chan time.Time {
		waits++
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
	busy := true
	f.d.Busy = func() bool { return busy }
	f.feedChange("Emmen: 3.2 gereed")
	if n, err := f.d.DeliverDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("while busy: delivered %d, %v", n, err)
	}
	if waits == 0 || waits > 100 {
		t.Errorf("gave way %d times while busy, want a bounded few", waits)
	}
	busy, waits = false, 0
	f.broadcast("awareness:x:1")
	f.drain(1)
	if waits != 0 {
		t.Errorf("gave way %d times while idle", waits)
	}
	if n := f.feedPosts("Emmen: 3.2 gereed"); n != 1 {
		t.Errorf("%d feed posts, want 1", n)
	}
	f.exactlyOnce("awareness:x:1")
}

// After a server error the retry goes out when its backoff ends, not at
// the next poll: Run sleeps until the store's earliest pending delivery.
// Here a poll-long sleep never ends, so only a wake at the backoff can
// deliver the post.
func TestRunRetriesAtBackoffNotPoll(t *testing.T) {
	f := newFixture(t)
	f.d.Poll = time.Hour
	var mu sync.Mutex
	var waits []time.Duration
	f.d.After = func(d time.Duration) <-chan time.Time {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		c := make(chan time.Time, 1)
		if d < f.d.Poll {
			f.clock.Add(d)
			c <- f.clock.Now()
		}
		return c
	}
	f.world.Fail("POST /api/v4/posts", 2, 500)
	f.broadcast("awareness:x:1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("%d deliveries still pending; the dispatcher slept %v", len(pending), waits)
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.exactlyOnce("awareness:x:1")
	mu.Lock()
	defer mu.Unlock()
	var backoffs int
	for _, w := range waits {
		if w >= time.Second && w <= 4*time.Second {
			backoffs++
		}
	}
	if backoffs == 0 {
		t.Errorf("never slept for a backoff (1-4 s); slept %v", waits)
	}
}

// fastForward makes f's dispatcher sleep on the test clock: every wait
// moves the clock and ends at once. It returns the waits asked for.
func (f *fixture) fastForward() *[]time.Duration {
	var waits []time.Duration
	f.d.After = func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		f.clock.Add(d)
		c := make(chan time.Time, 1)
		c <- f.clock.Now()
		return c
	}
	return &waits
}

// A command-line run keeps delivering through 500s and 429s until
// everything is posted, once, within its time.
func TestDrainWaitsThroughErrorsAndRateLimits(t *testing.T) {
	for _, status := range []int{500, 429} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFixture(t)
			f.fastForward()
			f.world.Fail("POST /api/v4/posts", 3, status)
			f.broadcast("awareness:x:1")
			var passes int
			n, pending, err := f.d.Drain(context.Background(), f.clock.Now().Add(2*time.Minute), func(int, int) { passes++ })
			if err != nil {
				t.Fatal(err)
			}
			if n != f.orgs.Len() || len(pending) != 0 {
				t.Fatalf("delivered %d, %d pending; want all %d and none left", n, len(pending), f.orgs.Len())
			}
			if passes < 2 {
				t.Errorf("%d progress reports; want one per pass", passes)
			}
			f.exactlyOnce("awareness:x:1")
		})
	}
}

// When the server keeps failing, Drain stops once the next attempt lies
// beyond its time and returns what is left, with the cause.
func TestDrainIsBounded(t *testing.T) {
	f := newFixture(t)
	waits := f.fastForward()
	f.world.Fail("POST /api/v4/posts", 1000, 502)
	f.broadcast("awareness:x:1")
	start := f.clock.Now()
	until := start.Add(time.Minute)
	n, pending, err := f.d.Drain(context.Background(), until, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || len(pending) != f.orgs.Len() {
		t.Fatalf("delivered %d, %d pending; want 0 and all %d", n, len(pending), f.orgs.Len())
	}
	for _, p := range pending {
		if !strings.Contains(p.LastError, "502") || !p.NextAttempt.After(until) {
			t.Errorf("%s: cause %q, next %v; want the 502 and a next attempt after %v", p.Target, p.LastError, p.NextAttempt, until)
		}
	}
	if f.clock.Now().After(until) {
		t.Errorf("slept until %v, past its bound %v (waits %v)", f.clock.Now(), until, *waits)
	}
}

// A direct message Mattermost refuses for another reason than the user
// (here a message over its post limit: 400) is reported as such, not as
// a user the bot may not write to.
func TestRefusedDirectMessageIsReportedWithItsStatus(t *testing.T) {
	f := newFixture(t)
	anna := f.world.AddUser("anna", "anna@emmen.nl", "nl")
	if _, err := f.db.EnqueueDeliveries(context.Background(), []ambitiebot.Delivery{{
		RunKey: "reminder:x", Target: ambitiebot.UserTarget(anna.Id), Kind: "reminder", OrgKey: "emmen",
		Message: strings.Repeat("x", 17000),
	}}); err != nil {
		t.Fatal(err)
	}
	f.drain(5)
	posts := f.world.Posts(f.world.WorkingGroup.Id)
	if len(posts) != 1 {
		t.Fatalf("working group got %d notices, want 1", len(posts))
	}
	for _, want := range []string{"@pieter", "Gemeente Emmen", "Mattermost weigerde het (HTTP 400)"} {
		if !strings.Contains(posts[0].Message, want) {
			t.Errorf("notice %q does not say %q", posts[0].Message, want)
		}
	}
}

// An organisation's channel archived in Mattermost refuses every post
// (400): the project leaders are told that it is archived and what to do,
// once, and the other organisations get the message.
func TestArchivedChannelIsReportedAsArchived(t *testing.T) {
	f := newFixture(t)
	o, _ := f.orgs.ByKey("emmen")
	f.world.ArchiveChannel(f.world.Channels[o.Channel].Id)
	f.broadcast("awareness:x:1")
	f.drain(5)
	f.exactlyOnce("awareness:x:1", "emmen")
	posts := f.world.Posts(f.world.WorkingGroup.Id)
	if len(posts) != 1 {
		t.Fatalf("working group got %d notices, want 1", len(posts))
	}
	for _, want := range []string{"@pieter", "Gemeente Emmen", "`" + o.Channel + "`: dat kanaal is gearchiveerd. Haal het kanaal in Mattermost uit het archief"} {
		if !strings.Contains(posts[0].Message, want) {
			t.Errorf("notice %q does not say %q", posts[0].Message, want)
		}
	}

	// Archived after the bot knew it: the post itself is refused.
	a, _ := f.orgs.ByKey("assen")
	f.world.ArchiveChannel(f.world.Channels[a.Channel].Id)
	f.broadcast("awareness:x:2")
	f.drain(5)
	var assen int
	posts = f.world.Posts(f.world.WorkingGroup.Id)
	for _, p := range posts {
		if strings.Contains(p.Message, "Gemeente Assen kon niet worden geplaatst in `"+a.Channel+"`: dat kanaal is gearchiveerd") {
			assen++
		}
	}
	if len(posts) != 3 || assen != 1 {
		t.Errorf("after archiving Assen's channel: %d notices, %d for Assen; want 3 and 1", len(posts), assen)
	}
}

// The parts of a message too long for one post fail together when the
// person cannot be written to, and the project leaders hear of it once.
func TestFailedPartsAreReportedOnce(t *testing.T) {
	f := newFixture(t)
	gone := ambitiebot.UserTarget(strings.Repeat("x", 26)) // no such user
	var ds []ambitiebot.Delivery
	for i := 1; i <= 3; i++ {
		key := "reminder:x"
		if i > 1 {
			key = ambitiebot.PartRunKey(key, i)
		}
		ds = append(ds, ambitiebot.Delivery{RunKey: key, Target: gone, Kind: "reminder", OrgKey: "emmen", Message: "deel " + strconv.Itoa(i)})
	}
	if _, err := f.db.EnqueueDeliveries(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	f.drain(5)
	failed, _ := f.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryFailed})
	if len(failed) != 3 {
		t.Fatalf("%d parts failed, want 3", len(failed))
	}
	if posts := f.world.Posts(f.world.WorkingGroup.Id); len(posts) != 1 {
		t.Errorf("working group got %d notices for one person's reminder, want 1", len(posts))
	}
}
