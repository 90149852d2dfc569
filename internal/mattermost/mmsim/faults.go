package mmsim

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// fault is what the next calls of one route suffer.
type fault struct {
	fail   int // calls left that answer status
	status int
	lose   int // calls left whose reply is lost after the action
	delay  time.Duration
}

// bucket is a token bucket like Mattermost's rate limiter (throttled).
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// Fail makes the next n calls of route (a pattern such as
// "POST /api/v4/posts") answer status with a Mattermost error body and do
// nothing. A 429 comes with the rate-limit headers.
func (s *Server) Fail(route string, n, status int) {
	s.setFault(route, func(f *fault) { f.fail, f.status = n, status })
}

// LoseReply makes the next n calls of route take effect (the post is
// created, ...) and then close the connection without an answer.
func (s *Server) LoseReply(route string, n int) {
	s.setFault(route, func(f *fault) { f.lose = n })
}

// Delay makes every following call of route wait d before it is handled;
// 0 ends the delay. A client that gives up meanwhile does not stop the
// action, as on a real server.
func (s *Server) Delay(route string, d time.Duration) {
	s.setFault(route, func(f *fault) { f.delay = d })
}

// RateLimit limits all calls together to perSecond with bursts of burst,
// answering 429 with Retry-After and X-Ratelimit-Reset like Mattermost.
func (s *Server) RateLimit(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = &bucket{rate: perSecond, burst: float64(burst), tokens: float64(burst), last: s.now()}
}

// setFault changes a route's faults; an unknown route is a test bug.
func (s *Server) setFault(route string, change func(*fault)) {
	if !s.routes[route] {
		fatalf("mmsim: unknown route %q", route)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[route]
	if f == nil {
		f = &fault{}
		s.faults[route] = f
	}
	change(f)
}

// route registers a handler for pattern.
func (s *Server) route(pattern string, authenticated bool, h func(w http.ResponseWriter, r *http.Request, me *model.User)) {
	s.mux.HandleFunc(pattern, s.handler(pattern, authenticated, h))
}

// handler wraps h with rate limiting, the route's faults and, when
// authenticated is set, the access-token check; h gets the caller's user.
func (s *Server) handler(route string, authenticated bool, h func(w http.ResponseWriter, r *http.Request, me *model.User)) http.HandlerFunc {
	s.routes[route] = true
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls++
		s.mu.Unlock()
		if wait, reset, limit, ok := s.allow(); !ok {
			limited(w, wait, reset, limit)
			return
		}
		status, lose, delay := s.takeFault(route)
		if status != 0 {
			if status == http.StatusTooManyRequests {
				limited(w, 1, 1, defaultRateLimit)
			} else {
				writeError(w, status, "mmsim.injected", "injected failure")
			}
			return
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		}
		var me *model.User
		if authenticated {
			if me = s.authenticate(r); me == nil {
				writeError(w, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
				return
			}
		}
		if !lose {
			h(w, r, me)
			return
		}
		h(discard{header: http.Header{}}, r, me)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

func (s *Server) takeFault(route string) (status int, lose bool, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[route]
	if f == nil {
		return 0, false, 0
	}
	if f.fail > 0 {
		f.fail--
		return f.status, false, 0
	}
	if f.lose > 0 {
		f.lose--
		lose = true
	}
	return 0, lose, f.delay
}

// allow takes a token from the rate limiter; when none is left it returns
// the seconds until one is (Retry-After) and until the whole burst is back
// (X-Ratelimit-Reset), as Mattermost 6.7.2 does (app/ratelimit.go).
func (s *Server) allow() (wait, reset, limit int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.limiter
	if b == nil {
		return 0, 0, 0, true
	}
	now := s.now()
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, 0, 0, true
	}
	return int(math.Ceil((1 - b.tokens) / b.rate)), int(math.Ceil((b.burst - b.tokens) / b.rate)), int(b.burst) + 1, false
}

// defaultRateLimit is X-Ratelimit-Limit under Mattermost's default
// limiter: its burst (100) plus one, as throttled reports it.
const defaultRateLimit = 101

// limited answers like Mattermost's rate limiter: 429, plain text.
func limited(w http.ResponseWriter, retryAfter, reset, limit int) {
	w.Header().Set("X-Ratelimit-Limit", strconv.Itoa(limit))
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(reset))
	w.Header().Set("X-Ratelimit-Remaining", "0")
	http.Error(w, "limit exceeded", http.StatusTooManyRequests)
}

// discard is a ResponseWriter for a reply that will be lost.
type discard struct{ header http.Header }

func (d discard) Header() http.Header       { return d.header }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
