package workgroup

import (
	"math"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// sweepAt is the number of tracked users above which Allow forgets users
// whose bucket has filled up again, so that the map stays small.
const sweepAt = 1024

// RateLimiter is a token bucket per user: each user may send PerMinute
// commands in a burst, and one more every 60/PerMinute seconds after that.
// It keeps one user's flood from slowing the bot down for the others.
type RateLimiter struct {
	perMinute int
	now       ambitiebot.Clock

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewRateLimiter returns a limiter of perMinute commands per user that
// reads time from now; perMinute below 1 means no limit.
func NewRateLimiter(perMinute int, now ambitiebot.Clock) *RateLimiter {
	return &RateLimiter{perMinute: perMinute, now: now, buckets: map[string]*bucket{}}
}

// PerMinute is the configured limit.
func (l *RateLimiter) PerMinute() int { return l.perMinute }

// Allow takes a token from userID's bucket. When none is left it returns
// false and how long until the next one.
func (l *RateLimiter) Allow(userID string) (bool, time.Duration) {
	if l.perMinute < 1 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > sweepAt {
		for id, b := range l.buckets {
			if l.refill(b, now) >= float64(l.perMinute) {
				delete(l.buckets, id)
			}
		}
	}
	b, ok := l.buckets[userID]
	if !ok {
		b = &bucket{tokens: float64(l.perMinute), at: now}
		l.buckets[userID] = b
	}
	if now.After(b.at) {
		b.tokens, b.at = l.refill(b, now), now
	}
	if b.tokens < 1 {
		perToken := time.Minute / time.Duration(l.perMinute)
		return false, time.Duration((1 - b.tokens) * float64(perToken))
	}
	b.tokens--
	return true, 0
}

// refill is b's token count at now. A clock that went back adds nothing.
func (l *RateLimiter) refill(b *bucket, now time.Time) float64 {
	elapsed := max(now.Sub(b.at), 0)
	return math.Min(float64(l.perMinute), b.tokens+elapsed.Minutes()*float64(l.perMinute))
}

// OutcomeRateLimited is the Outcome of a command refused by the Limiter.
const OutcomeRateLimited = "rate_limited"

// allow applies the Limiter, if any, to userID.
func (app *App) allow(userID string) (bool, time.Duration) {
	if app.limiter == nil {
		return true, 0
	}
	return app.limiter.Allow(userID)
}

// limited is the answer to a command over the limit: it says how long to
// wait, and that nothing was done.
func (app *App) limited(lang string, wait time.Duration) Response {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	text := app.tr.N(lang, "LimitsTooManyCommands", secs, map[string]any{"PerMinute": app.limiter.PerMinute()})
	return Response{Texts: []string{text}, Outcome: OutcomeRateLimited}
}
