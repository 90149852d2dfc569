package mattermost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

type fixture struct {
	srv     *mmsim.Server
	team    *model.Team
	channel *model.Channel
	bot     *model.User
	token   string
	jan     *model.User
	now     time.Time
	logs    *testkit.SyncBuffer
	client  *Client
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	srv := mmsim.New()
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, team: srv.AddTeam("drenthe"), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), logs: &testkit.SyncBuffer{}}
	f.channel = srv.AddChannel(f.team, "werkgroep")
	f.bot, f.token = srv.AddBot("ambitiebot")
	f.jan = srv.AddUser("jan", "jan@emmen.nl", "nl")
	srv.AddMember(f.channel.Id, f.bot.Id)
	srv.AddMember(f.channel.Id, f.jan.Id)
	opts.Now = func() time.Time { return f.now }
	opts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.client = New(srv.URL(), f.token, opts)
	t.Cleanup(func() {
		if strings.Contains(f.logs.String(), f.token) {
			t.Error("the bot token was logged")
		}
	})
	return f
}

func chatError(t *testing.T, err error) *ambitiebot.ChatError {
	t.Helper()
	ce, ok := ambitiebot.AsChatError(err)
	if !ok {
		t.Fatalf("error %v is not a *ChatError", err)
	}
	return ce
}

func TestLookups(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	me, err := f.client.Me(ctx)
	if err != nil || me.ID != f.bot.Id || !me.IsBot {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	u, err := f.client.User(ctx, f.jan.Id)
	// jan's address is verified, but Mattermost tells nobody but jan.
	want := ambitiebot.User{ID: f.jan.Id, Username: "jan", Email: "jan@emmen.nl", Locale: "nl", Roles: []string{"system_user"}}
	if err != nil || !reflect.DeepEqual(u, want) {
		t.Fatalf("User = %+v, %v; want %+v", u, err, want)
	}
	if u, err = f.client.UserByUsername(ctx, "@Jan"); err != nil || !reflect.DeepEqual(u, want) {
		t.Fatalf("UserByUsername = %+v, %v", u, err)
	}

	// What the trust model reads comes along; the auth service only for
	// a bot with the system admin role, as on Mattermost.
	f.srv.SetSystemAdmin(f.bot.Id, true)
	f.srv.UpdateUser(f.jan.Id, func(u *model.User) {
		u.EmailVerified, u.AuthService, u.Roles = false, model.UserAuthServiceLdap, "system_guest"
	})
	f.client.ForgetUser(f.jan.Id)
	if u, err = f.client.User(ctx, f.jan.Id); err != nil || u.EmailVerified || !u.SSO() || !u.Guest() {
		t.Errorf("User after unverifying, LDAP and guest role = %+v, %v", u, err)
	}
	f.srv.SetSystemAdmin(f.bot.Id, false)

	// An unknown id is asked once per UserTTL.
	calls := f.srv.Calls()
	for range 5 {
		if _, err := f.client.User(ctx, model.NewId()[:25]+"x"); ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
	}
	ghost := model.NewId()
	for range 5 {
		_, _ = f.client.User(ctx, ghost)
	}
	if n := f.srv.Calls() - calls; n != 6 {
		t.Errorf("%d calls for 5 distinct and 5 repeated unknown ids, want 6", n)
	}

	f.srv.HideEmails(true)
	piet := f.srv.AddUser("piet", "piet@assen.nl", "en")
	if u, err = f.client.User(ctx, piet.Id); err != nil || u.Email != "" || u.Locale != "en" {
		t.Errorf("user with hidden e-mail = %+v, %v", u, err)
	}

	id, err := f.client.ChannelID(ctx, "drenthe/werkgroep")
	if err != nil || id != f.channel.Id {
		t.Fatalf("ChannelID = %q, %v", id, err)
	}
	if id, err = f.client.ChannelID(ctx, f.channel.Id); err != nil || id != f.channel.Id {
		t.Errorf("ChannelID(id) = %q, %v", id, err)
	}
	f.srv.Fail("GET /api/v4/teams/name/{team}/channels/name/{channel}", 1, http.StatusInternalServerError)
	if id, err = f.client.ChannelID(ctx, "drenthe/werkgroep"); err != nil || id != f.channel.Id {
		t.Errorf("cached ChannelID = %q, %v", id, err)
	}
}

func TestChannelMembersPages(t *testing.T) {
	f := newFixture(t, Options{})
	for i := range 230 {
		u := f.srv.AddUser(fmt.Sprintf("lid%03d", i), "", "")
		f.srv.AddMember(f.channel.Id, u.Id)
	}
	members, err := f.client.ChannelMembers(context.Background(), f.channel.Id)
	if err != nil || len(members) != 232 {
		t.Fatalf("ChannelMembers = %d members, %v", len(members), err)
	}
	seen := map[string]bool{}
	for _, m := range members {
		seen[m.ID] = true
	}
	if len(seen) != 232 || !seen[f.jan.Id] || !seen[f.bot.Id] {
		t.Errorf("members are not the channel's %d distinct users", len(seen))
	}
}

func TestUserCache(t *testing.T) {
	f := newFixture(t, Options{UserTTL: time.Minute})
	ctx := context.Background()
	if _, err := f.client.User(ctx, f.jan.Id); err != nil {
		t.Fatal(err)
	}
	// Every further request for the user fails, so a success comes from the cache.
	f.srv.Fail("GET /api/v4/users/{id}", 100, http.StatusInternalServerError)
	f.now = f.now.Add(59 * time.Second)
	if _, err := f.client.User(ctx, f.jan.Id); err != nil {
		t.Errorf("within the TTL: %v", err)
	}
	if _, err := f.client.UserByUsername(ctx, "jan"); err != nil {
		t.Errorf("by username within the TTL: %v", err)
	}
	f.now = f.now.Add(time.Second)
	if _, err := f.client.User(ctx, f.jan.Id); err == nil {
		t.Error("after the TTL the server was not asked")
	}

	f.srv.Fail("GET /api/v4/users/{id}", 0, 0)
	if _, err := f.client.User(ctx, f.jan.Id); err != nil {
		t.Fatal(err)
	}
	f.srv.Fail("GET /api/v4/users/{id}", 1, http.StatusInternalServerError)
	f.client.ForgetUser(f.jan.Id)
	if _, err := f.client.User(ctx, f.jan.Id); err == nil {
		t.Error("after ForgetUser the server was not asked")
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	check := func(name string, err error, msgID string) {
		t.Helper()
		if ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
			t.Errorf("%s: code %q (%v), want not_found", name, ambitiebot.ErrorCode(err), err)
			return
		}
		var de *ambitiebot.Error
		errors.As(err, &de)
		if de.MessageID != msgID {
			t.Errorf("%s: message %q, want %q", name, de.MessageID, msgID)
		}
		if ce, ok := ambitiebot.AsChatError(err); ok && (ce.Status != http.StatusNotFound || ce.Temporary) {
			t.Errorf("%s: chat error %+v", name, ce)
		}
	}
	_, err := f.client.User(ctx, model.NewId())
	check("User", err, MsgUserNotFound)
	chatError(t, err)
	_, err = f.client.UserByUsername(ctx, "niemand")
	check("UserByUsername", err, MsgUsernameNotFound)
	_, err = f.client.ChannelID(ctx, "drenthe/nergens")
	check("ChannelID", err, MsgChannelNotFound)
	chatError(t, err)
	_, err = f.client.ChannelID(ctx, "geen-team")
	check("ChannelID without team", err, MsgChannelNotFound)
	_, err = f.client.FindPostByMarker(ctx, f.channel.Id, "nooit-gepost")
	check("FindPostByMarker", err, MsgPostNotFound)
}

func TestPostsFilesAndMarkers(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	fileID, err := f.client.UploadFile(ctx, f.channel.Id, "overzicht.csv", []byte("org;gereed\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ups := f.srv.Uploads(); len(ups) != 1 || ups[0].Info.Id != fileID || string(ups[0].Data) != "org;gereed\n" {
		t.Fatalf("uploads = %+v", ups)
	}
	id, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: f.channel.Id, Message: "Overzicht", Marker: "feed-42", FileIDs: []string{fileID}})
	if err != nil {
		t.Fatal(err)
	}
	posts := f.srv.Posts(f.channel.Id)
	if len(posts) != 1 || posts[0].Id != id || posts[0].UserId != f.bot.Id || posts[0].GetProp(MarkerProp) != "feed-42" ||
		len(posts[0].FileIds) != 1 || posts[0].FileIds[0] != fileID {
		t.Fatalf("posts = %+v", posts)
	}
	for i := range 5 {
		if _, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: f.channel.Id, Message: "later", Marker: fmt.Sprint("feed-", 100+i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := f.client.FindPostByMarker(ctx, f.channel.Id, "feed-42"); err != nil || got != id {
		t.Errorf("FindPostByMarker = %q, %v; want %q", got, err, id)
	}

	// Anyone can put a marker prop on their own post; only the bot's count.
	jan := model.NewAPIv4Client(f.srv.URL())
	jan.SetToken(f.srv.Token(f.jan.Id))
	forged := &model.Post{ChannelId: f.channel.Id, Message: "nep"}
	forged.AddProp(MarkerProp, "feed-7")
	if _, _, err := jan.CreatePost(ctx, forged); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.FindPostByMarker(ctx, f.channel.Id, "feed-7"); ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
		t.Errorf("someone else's marker was found: %v", err)
	}

	dm, err := f.client.DirectChannelID(ctx, f.jan.Id)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Fail("POST /api/v4/channels/direct", 1, http.StatusInternalServerError)
	if again, err := f.client.DirectChannelID(ctx, f.jan.Id); err != nil || again != dm {
		t.Errorf("second DirectChannelID = %q, %v", again, err)
	}
	if _, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: dm, Message: "privé"}); err != nil {
		t.Errorf("post in direct channel: %v", err)
	}
}

func TestPostWebhook(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	hook := f.srv.AddWebhook(f.channel.Id)
	if err := f.client.PostWebhook(ctx, hook, "Emmen: 3.2 → Gereed"); err != nil {
		t.Fatal(err)
	}
	if posts := f.srv.Posts(f.channel.Id); len(posts) != 1 || posts[0].Message != "Emmen: 3.2 → Gereed" {
		t.Fatalf("posts = %+v", posts)
	}
	unknown := f.srv.URL() + "/hooks/" + model.NewId()
	err := f.client.PostWebhook(ctx, unknown, "x")
	if ce := chatError(t, err); ce.Status != http.StatusBadRequest || ce.Temporary || strings.Contains(err.Error(), unknown) {
		t.Errorf("unknown hook: %+v (%v)", ce, err)
	}
	f.srv.Fail("POST /hooks/{id}", 1, http.StatusBadGateway)
	if ce := chatError(t, f.client.PostWebhook(ctx, hook, "x")); !ce.Temporary || !ce.Uncertain {
		t.Errorf("502: %+v", ce)
	}
	f.srv.LoseReply("POST /hooks/{id}", 1)
	err = f.client.PostWebhook(ctx, hook, "verloren")
	if ce := chatError(t, err); !ce.Temporary || !ce.Uncertain || strings.Contains(err.Error(), hook) {
		t.Errorf("lost reply: %+v (%v)", ce, err)
	}
	if strings.Contains(f.logs.String(), hook) || strings.Contains(f.logs.String(), unknown) {
		t.Error("a webhook URL was logged")
	}
}

func TestErrorClassification(t *testing.T) {
	ctx := context.Background()
	post := func(f *fixture) error {
		_, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: f.channel.Id, Message: "x", Marker: "m-1"})
		return err
	}

	t.Run("429 honours Retry-After", func(t *testing.T) {
		f := newFixture(t, Options{})
		f.srv.Fail("POST /api/v4/posts", 1, http.StatusTooManyRequests)
		ce := chatError(t, post(f))
		if ce.Status != 429 || !ce.Temporary || ce.Uncertain || ce.RetryAfter != time.Second {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("429 from the rate limiter", func(t *testing.T) {
		f := newFixture(t, Options{})
		f.srv.SetNow(func() time.Time { return f.now })
		f.srv.RateLimit(0.2, 1)
		if _, err := f.client.Me(ctx); err != nil {
			t.Fatal(err)
		}
		ce := chatError(t, post(f))
		if ce.Status != 429 || !ce.Temporary || ce.RetryAfter != 5*time.Second {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("500 on a post is uncertain", func(t *testing.T) {
		f := newFixture(t, Options{})
		f.srv.Fail("POST /api/v4/posts", 1, http.StatusInternalServerError)
		if ce := chatError(t, post(f)); ce.Status != 500 || !ce.Temporary || !ce.Uncertain {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("500 on a lookup is not uncertain", func(t *testing.T) {
		f := newFixture(t, Options{})
		f.srv.Fail("GET /api/v4/users/{id}", 1, http.StatusServiceUnavailable)
		_, err := f.client.User(ctx, f.jan.Id)
		if ce := chatError(t, err); ce.Status != 503 || !ce.Temporary || ce.Uncertain {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("lost reply is uncertain and the marker finds the post", func(t *testing.T) {
		f := newFixture(t, Options{})
		f.srv.LoseReply("POST /api/v4/posts", 1)
		ce := chatError(t, post(f))
		if ce.Status != 0 || !ce.Temporary || !ce.Uncertain {
			t.Errorf("%+v", ce)
		}
		id, err := f.client.FindPostByMarker(ctx, f.channel.Id, "m-1")
		if posts := f.srv.Posts(f.channel.Id); err != nil || len(posts) != 1 || posts[0].Id != id {
			t.Errorf("FindPostByMarker = %q, %v; posts %v", id, err, posts)
		}
	})
	t.Run("timeout is uncertain", func(t *testing.T) {
		f := newFixture(t, Options{Timeout: 50 * time.Millisecond})
		f.srv.Delay("POST /api/v4/posts", 300*time.Millisecond)
		if ce := chatError(t, post(f)); ce.Status != 0 || !ce.Temporary || !ce.Uncertain {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("403 is permanent", func(t *testing.T) {
		f := newFixture(t, Options{})
		elders := f.srv.AddChannel(f.team, "elders")
		_, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: elders.Id, Message: "x"})
		if ce := chatError(t, err); ce.Status != 403 || ce.Temporary || ce.Uncertain {
			t.Errorf("%+v", ce)
		}
	})
	t.Run("connection refused is temporary and certain", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := New("http://"+addr, "token", Options{})
		_, err = c.CreatePost(ctx, ambitiebot.Post{ChannelID: model.NewId(), Message: "x"})
		if ce := chatError(t, err); ce.Status != 0 || !ce.Temporary || ce.Uncertain {
			t.Errorf("%+v", ce)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		header http.Header
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"3"}, "X-Ratelimit-Reset": {"9"}}, 3 * time.Second},
		{http.Header{"Retry-After": {now.Add(4 * time.Second).Format(http.TimeFormat)}}, 4 * time.Second},
		{http.Header{"X-Ratelimit-Reset": {"7"}}, 7 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// A cache miss lists every channel of the bot's teams once, so that a
// broadcast to many channels does not cost a lookup per channel; a channel
// that is not in the listing still gets its own lookup.
func TestChannelCacheWarmsAtOnce(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	var refs []string
	ids := map[string]string{}
	for _, name := range []string{"emmen", "assen", "meppel"} {
		team := f.srv.AddTeam(name)
		ch := f.srv.AddChannel(team, "town-square")
		f.srv.AddMember(ch.Id, f.bot.Id)
		refs = append(refs, name+"/town-square")
		ids[name+"/town-square"] = ch.Id
	}
	if id, err := f.client.ChannelID(ctx, refs[0]); err != nil || id != ids[refs[0]] {
		t.Fatalf("ChannelID = %q, %v", id, err)
	}
	// From now on, a per-channel lookup would fail: the others must come
	// from the listing.
	f.srv.Fail("GET /api/v4/teams/name/{team}/channels/name/{channel}", 100, http.StatusInternalServerError)
	for _, ref := range refs[1:] {
		if id, err := f.client.ChannelID(ctx, ref); err != nil || id != ids[ref] {
			t.Errorf("ChannelID(%s) = %q, %v", ref, id, err)
		}
	}
	// A channel the bot is not in is not listed: one lookup, which fails here.
	f.srv.AddChannel(f.srv.AddTeam("hoogeveen"), "town-square")
	if _, err := f.client.ChannelID(ctx, "hoogeveen/town-square"); err == nil {
		t.Error("a channel outside the listing did not fall back to its own lookup")
	}
}

// Mattermost can cache the bot's memberships without a direct channel it
// has just created, and then answers 403 there for up to 15 minutes: the
// client refreshes that cache once and the upload and the post go through.
func TestStaleDirectChannelMembership(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.srv.StaleDirectChannels(f.bot.Id)
	ch, err := f.client.DirectChannelID(ctx, f.jan.Id)
	if err != nil {
		t.Fatal(err)
	}
	fileID, err := f.client.UploadFile(ctx, ch, "rapport.xlsx", []byte("werkmap"))
	if err != nil {
		t.Fatalf("upload into a fresh direct channel: %v", err)
	}
	if _, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: ch, Message: "Rapportage", FileIDs: []string{fileID}}); err != nil {
		t.Fatalf("post into a fresh direct channel: %v", err)
	}
	// Reading a fresh direct channel for a marker, as a retry of an
	// uncertain delivery does, gets past the stale cache too.
	piet := f.srv.AddUser("piet", "piet@assen.nl", "nl")
	f.srv.StaleDirectChannels(f.bot.Id)
	ch2, err := f.client.DirectChannelID(ctx, piet.Id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.FindPostByMarker(ctx, ch2, "awareness:x:1|user:"+piet.Id); ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
		t.Errorf("looking for a marker in a fresh direct channel: %v, want not found", err)
	}
	// A 403 in a channel that is no direct channel of the bot stays final.
	other := f.srv.AddChannel(f.team, "elders")
	if _, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: other.Id, Message: "x"}); !isStatus(err, 403) {
		t.Errorf("post in a channel the bot is not in: %v, want 403", err)
	}
}

// A lookup refused by the server's rate limiter is waited out when the
// client is told to (the serving bot is), and not otherwise; a post is
// never retried here (the dispatcher pauses all sending instead).
func TestLookupWaitsOutARateLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{ReadRateLimitRetries: 2})
	f.srv.Fail("GET /api/v4/users/{id}", 1, 429)
	if _, err := f.client.User(ctx, f.jan.Id); err != nil {
		t.Fatalf("lookup after one 429: %v", err)
	}
	f.srv.Fail("POST /api/v4/posts", 1, 429)
	if _, err := f.client.CreatePost(ctx, ambitiebot.Post{ChannelID: f.channel.Id, Message: "x"}); !isStatus(err, 429) {
		t.Errorf("post after a 429: %v, want the 429 for the dispatcher", err)
	}
	// A long pause is not waited out by a lookup someone waits for.
	h := newFixture(t, Options{ReadRateLimitRetries: 3})
	h.srv.RateLimit(0.2, 1) // after one call, the next in 5 s
	_, _ = h.client.User(ctx, h.jan.Id)
	start := time.Now()
	if _, err := h.client.User(ctx, h.bot.Id); !isStatus(err, 429) || time.Since(start) > 2*time.Second {
		t.Errorf("lookup under a 5 s pause: %v after %v, want a 429 at once", err, time.Since(start))
	}
	g := newFixture(t, Options{})
	g.srv.Fail("GET /api/v4/users/{id}", 1, 429)
	if _, err := g.client.User(ctx, g.jan.Id); !isStatus(err, 429) {
		t.Errorf("lookup without retries: %v, want 429", err)
	}
}

// The edit time limit is read once per editLimitTTL. A failed refresh keeps
// the last good value (a limit must not flip to "none" because the server
// hiccuped) and is tried again after editRetry; a first read that fails is
// an error, also without asking again within editRetry.
func TestPostEditTimeLimitIsCached(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	const route = "GET /api/v4/config/client"
	f.srv.Fail(route, 1, http.StatusInternalServerError)
	if _, err := f.client.PostEditTimeLimit(ctx); err == nil {
		t.Fatal("a failed first read gave a limit")
	}
	calls := f.srv.Calls()
	if _, err := f.client.PostEditTimeLimit(ctx); err == nil || f.srv.Calls() != calls {
		t.Fatalf("within editRetry: %v, %d more calls", err, f.srv.Calls()-calls)
	}
	f.now = f.now.Add(editRetry)
	f.srv.SetPostEditTimeLimit(300)
	if limit, err := f.client.PostEditTimeLimit(ctx); err != nil || limit != 300 {
		t.Fatalf("limit = %d, %v; want 300", limit, err)
	}
	f.srv.SetPostEditTimeLimit(-1)
	calls = f.srv.Calls()
	if limit, _ := f.client.PostEditTimeLimit(ctx); limit != 300 || f.srv.Calls() != calls {
		t.Fatalf("within editLimitTTL: limit %d, %d more calls", limit, f.srv.Calls()-calls)
	}
	f.now = f.now.Add(editLimitTTL)
	f.srv.Fail(route, 1, http.StatusInternalServerError)
	if limit, err := f.client.PostEditTimeLimit(ctx); err != nil || limit != 300 {
		t.Fatalf("a failed refresh: limit %d, %v; want the last good 300", limit, err)
	}
	f.now = f.now.Add(editRetry)
	if limit, err := f.client.PostEditTimeLimit(ctx); err != nil || limit != -1 {
		t.Fatalf("after the retry pause: limit %d, %v; want the new -1", limit, err)
	}
}
