package main

import "github.com/drentse-aanpak/ambitiebot/internal/metrics"

// wireMetrics points the components' observation hooks at a fresh
// registry, served on GET /metrics.
func (m *Main) wireMetrics() {
	m.Metrics = metrics.New()
	m.Commands.Observe = m.Metrics.Command
	m.Dispatcher.Observe = m.Metrics.Delivery
	m.Scheduler.ObserveRun, m.Scheduler.ObserveMissed = m.Metrics.JobRun, m.Metrics.JobMissed
}
