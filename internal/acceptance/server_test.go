package acceptance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// The environment .ci/mattermost up writes.
const (
	envURL           = "AMBITIEBOT_MM_URL"
	envAdminUser     = "AMBITIEBOT_MM_ADMIN_USER"
	envAdminPassword = "AMBITIEBOT_MM_ADMIN_PASSWORD"
	envCtl           = "AMBITIEBOT_MM_CTL"
	envRequire       = "AMBITIEBOT_REQUIRE_MATTERMOST"
)

// serverEnv is where the test server is and how to reach its admin.
type serverEnv struct {
	URL, AdminUser, AdminPassword string
	Ctl                           string // .ci/mattermost, for restarting the server
}

func readServerEnv() (serverEnv, bool) {
	s := serverEnv{
		URL: os.Getenv(envURL), AdminUser: os.Getenv(envAdminUser),
		AdminPassword: os.Getenv(envAdminPassword), Ctl: os.Getenv(envCtl),
	}
	return s, s.URL != "" && s.AdminUser != "" && s.AdminPassword != ""
}

// needServer skips the test when no server is configured, or fails it
// when AMBITIEBOT_REQUIRE_MATTERMOST=1 says there must be one.
func needServer(t testing.TB) serverEnv {
	t.Helper()
	s, ok := readServerEnv()
	if !ok {
		msg := "no Mattermost server: run `.ci/mattermost up` and load the environment it writes (README, \"Test against a real Mattermost\")"
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg + "; " + envRequire + "=1 requires one")
		}
		t.Skip(msg)
	}
	return s
}

// paced retries a request that the server's rate limiter refused, after
// the time the server asks for. Only the suite's own clients use it: how
// the bot handles a 429 is part of what the suite tests.
type paced struct{ base http.RoundTripper }

func (p paced) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := p.base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt == 40 {
			return resp, err
		}
		wait := retryAfter(resp.Header)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, errors.New("rate limited, and the request body cannot be sent again")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		select {
		case <-time.After(wait):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}

// retryAfter is how long a 429 asks to wait: Retry-After, else
// X-Ratelimit-Reset (both in seconds), else a second.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		if s, err := strconv.Atoi(strings.TrimSpace(h.Get(k))); err == nil && s >= 0 {
			return time.Duration(s)*time.Second + 50*time.Millisecond
		}
	}
	return time.Second
}

// newClient is a Client4 for token whose connections come from the
// loopback address addr (any 127.x.y.z is this machine). The server's rate
// limiter counts per client address, so every person the suite plays has
// an address, and a limit, of their own, as people at their own computers
// do; the bot connects from 127.0.0.1 and is limited there, as it would be
// on its own host.
func newClient(url, token, addr string) *model.Client4 {
	c := model.NewAPIv4Client(url)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialerFrom(addr).DialContext
	c.HTTPClient = &http.Client{Timeout: 90 * time.Second, Transport: paced{tr}}
	if token != "" {
		c.SetToken(token)
	}
	return c
}

// dialerFrom dials from a local address.
func dialerFrom(addr string) *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
}

// check fails t when a call failed, naming the call and the server's answer.
func check(t testing.TB, what string, resp *model.Response, err error) {
	t.Helper()
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("%s: HTTP %d: %v", what, status, err)
	}
}

// callErr is a failed call as an error, for code that returns errors.
func callErr(what string, resp *model.Response, err error) error {
	if err == nil {
		return nil
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return fmt.Errorf("%s: HTTP %d: %w", what, status, err)
}

// eventually polls cond until it holds or the time is up.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func bg() context.Context { return context.Background() }
