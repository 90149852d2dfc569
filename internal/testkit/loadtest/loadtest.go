// Package loadtest drives an HTTP endpoint with concurrent clients and
// measures what each request cost end to end, for the benchmarks in
// docs/benchmarks.md. It also provides the floor those benchmarks are
// compared with: a bare net/http handler that commits one SQLite insert per
// request with the bot's own connection settings.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Options describe one load run.
type Options struct {
	// Clients is the number of concurrent clients, each sending its next
	// request only after the previous answer (a closed loop, like people
	// waiting for their reply).
	Clients int
	// Requests is the total number of requests, shared by the clients.
	Requests int
	// NewRequest builds request i (0-based, per client) of client c.
	NewRequest func(c, i int) (*http.Request, error)
	// Check inspects a 200 answer's body; nil accepts every 200.
	Check func(body []byte) error
	// HTTP is the client; nil uses one with keep-alive connections for
	// every client, as Mattermost's own HTTP client keeps them.
	HTTP *http.Client
}

// Result is what a run measured.
type Result struct {
	Requests int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
}

// PerSecond is the throughput: completed requests per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: p50 %v, p99 %v, max %v, %.0f req/s",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.P50, r.P99, r.Max, r.PerSecond())
}

// Run sends the requests and returns the latency percentiles. The first
// failing request (transport error, non-200 status or failed Check) stops
// the run and is returned.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Clients < 1 || o.Requests < 1 || o.NewRequest == nil {
		return Result{}, errors.New("loadtest: Clients, Requests and NewRequest are required")
	}
	hc := o.HTTP
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.Clients
		hc = &http.Client{Transport: tr, Timeout: time.Minute}
		defer tr.CloseIdleConnections()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([][]time.Duration, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range o.Clients {
		n := o.Requests / o.Clients
		if c < o.Requests%o.Clients {
			n++
		}
		lat[c] = make([]time.Duration, 0, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if ctx.Err() != nil {
					return
				}
				d, err := once(ctx, hc, o, c, i)
				if err != nil {
					cancel(fmt.Errorf("loadtest: client %d request %d: %w", c, i, err))
					return
				}
				lat[c] = append(lat[c], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return Result{
		Requests: len(all),
		Elapsed:  elapsed,
		P50:      Percentile(all, 50),
		P99:      Percentile(all, 99),
		Max:      all[len(all)-1],
	}, nil
}

// once sends one request and times it until the whole body was read.
func once(ctx context.Context, hc *http.Client, o Options, c, i int) (time.Duration, error) {
	req, err := o.NewRequest(c, i)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %s: %.200s", resp.Status, body)
	}
	if o.Check != nil {
		if err := o.Check(body); err != nil {
			return 0, err
		}
	}
	return d, nil
}

// Percentile returns the p-th percentile (nearest rank) of sorted
// durations, or 0 for none.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (len(sorted)*p + 99) / 100 // ceil(n·p/100), 1-based
	return sorted[max(rank, 1)-1]
}
