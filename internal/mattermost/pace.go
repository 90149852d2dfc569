package mattermost

import (
	"context"
	"sync"
	"time"
)

// pacer is a token bucket: up to burst calls at once, then rate calls a
// second. Each call reserves its token, so concurrent callers queue in
// order instead of racing for the next one.
type pacer struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu     sync.Mutex
	tokens float64 // may be negative: tokens reserved ahead
	last   time.Time
}

// newPacer returns nil, which paces nothing, unless rate > 0.
func newPacer(rate float64, burst int, now func() time.Time) *pacer {
	if rate <= 0 {
		return nil
	}
	b := float64(max(burst, 1))
	return &pacer{rate: rate, burst: b, now: now, tokens: b}
}

// wait takes a token, waiting until it is due or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	if d := p.reserve(); d > 0 {
		return sleep(ctx, d)
	}
	return nil
}

// reserve takes the next token and returns how long until it is due.
func (p *pacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.last.IsZero() {
		p.tokens = min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	}
	p.last = now
	p.tokens--
	if p.tokens >= 0 {
		return 0
	}
	return time.Duration(-p.tokens / p.rate * float64(time.Second))
}
