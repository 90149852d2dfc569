package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestMetricsText(t *testing.T) {
	m := metrics.New()
	m.Command("ok", 3*time.Millisecond)
	m.Command("ok", 40*time.Millisecond)
	m.Command("rate_limited", time.Millisecond)
	m.Delivery("delivered")
	m.Delivery("retry")
	m.Delivery("retry")
	m.JobRun("reminder", "done")
	m.JobMissed("summary")
	text := scrape(t, m)
	for _, want := range []string{
		`ambitiebot_commands_total{outcome="ok"} 2`,
		`ambitiebot_commands_total{outcome="rate_limited"} 1`,
		`ambitiebot_command_duration_seconds_bucket{le="0.005"} 2`,
		`ambitiebot_command_duration_seconds_bucket{le="0.05"} 3`,
		`ambitiebot_command_duration_seconds_count 3`,
		`ambitiebot_deliveries_total{result="delivered"} 1`,
		`ambitiebot_deliveries_total{result="retry"} 2`,
		`ambitiebot_job_runs_total{job="reminder",outcome="done"} 1`,
		`ambitiebot_job_missed_total{job="summary"} 1`,
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("metrics lack the line %q", want)
		}
	}
	if !strings.Contains(text, "\ngo_goroutines ") {
		t.Error("the Go runtime collector is missing")
	}
}

// Two bots in one process keep separate counts: nothing is registered
// globally.
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.Command("ok", time.Millisecond)
	if strings.Contains(scrape(t, b), `ambitiebot_commands_total{outcome="ok"}`) {
		t.Error("a command counted in one registry shows in another")
	}
}
