// Package metrics exposes the bot's counters and latencies in the
// Prometheus text format on GET /metrics. It uses its own registry rather
// than the process-global one, so that several bots in one test process
// (and the end-to-end tests) each count only their own work.
//
// The other packages know nothing of Prometheus: they call plain
// callbacks (workgroup.Config.Observe, delivery.Dispatcher.Observe,
// scheduler.Scheduler.ObserveRun and ObserveMissed), which the wiring in
// internal/cli (bot.go) points at the methods here.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// commandBuckets cover a slash command's round trip: most answer in a few
// milliseconds, and Mattermost gives up after 30 s.
var commandBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics holds the bot's collectors in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	commands   *prometheus.CounterVec
	latency    prometheus.Histogram
	deliveries *prometheus.CounterVec
	jobRuns    *prometheus.CounterVec
	jobMissed  *prometheus.CounterVec
}

// New returns Metrics with the bot's collectors and the Go runtime and
// process collectors (memory, goroutines, open files) registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ambitiebot_commands_total",
			Help: "Slash commands handled, by outcome (ok, an error code, or rate_limited).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ambitiebot_command_duration_seconds",
			Help:    "Time to handle a slash command, from parsed request to reply.",
			Buckets: commandBuckets,
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ambitiebot_deliveries_total",
			Help: "Delivery attempts, by result (delivered, retry, failed, rate_limited).",
		}, []string{"result"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ambitiebot_job_runs_total",
			Help: "Scheduled job occurrences run, by job and outcome (done, failed).",
		}, []string{"job", "outcome"}),
		jobMissed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ambitiebot_job_missed_total",
			Help: "Scheduled job occurrences missed while the bot was down, by job.",
		}, []string{"job"}),
	}
	m.reg.MustRegister(m.commands, m.latency, m.deliveries, m.jobRuns, m.jobMissed,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Command counts one handled command and its duration.
func (m *Metrics) Command(outcome string, d time.Duration) {
	m.commands.WithLabelValues(outcome).Inc()
	m.latency.Observe(d.Seconds())
}

// Delivery counts one delivery attempt's result.
func (m *Metrics) Delivery(result string) {
	m.deliveries.WithLabelValues(result).Inc()
}

// JobRun counts one run of a scheduled job's occurrence.
func (m *Metrics) JobRun(job, outcome string) {
	m.jobRuns.WithLabelValues(job, outcome).Inc()
}

// JobMissed counts one missed occurrence of job.
func (m *Metrics) JobMissed(job string) {
	m.jobMissed.WithLabelValues(job).Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
