package loadtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/testkit/loadtest"
)

func form(base string, c, i int) (*http.Request, error) {
	body := url.Values{"user_id": {"u" + strconv.Itoa(c)}, "text": {"3.2 gereed " + strconv.Itoa(i)}}.Encode()
	req, err := http.NewRequest(http.MethodPost, base, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func TestRunAgainstFloorCommitsEveryRequest(t *testing.T) {
	floor, err := loadtest.NewFloor(filepath.Join(t.TempDir(), "floor.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = floor.Close() })
	srv := httptest.NewServer(floor)
	t.Cleanup(srv.Close)

	res, err := loadtest.Run(context.Background(), loadtest.Options{
		Clients: 4, Requests: 42,
		NewRequest: func(c, i int) (*http.Request, error) { return form(srv.URL, c, i) },
		Check: func(body []byte) error {
			if !strings.Contains(string(body), `"text":"ok"`) {
				return errors.New("unexpected reply " + string(body))
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 42 || res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || res.PerSecond() <= 0 {
		t.Fatalf("implausible result %v", res)
	}
	if n, err := floor.Count(); err != nil || n != 42 {
		t.Fatalf("floor committed %d rows (%v), want 42", n, err)
	}
}

func TestRunStopsAtFirstFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	_, err := loadtest.Run(context.Background(), loadtest.Options{
		Clients: 3, Requests: 30,
		NewRequest: func(c, i int) (*http.Request, error) { return form(srv.URL, c, i) },
	})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want the 401", err)
	}
}

func TestRunRejectsIncompleteOptions(t *testing.T) {
	if _, err := loadtest.Run(context.Background(), loadtest.Options{Clients: 1, Requests: 1}); err == nil {
		t.Fatal("no error without NewRequest")
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i))
	}
	for _, c := range []struct{ p, want int }{{50, 100}, {99, 198}, {100, 200}, {1, 2}} {
		if got := loadtest.Percentile(d, c.p); got != time.Duration(c.want) {
			t.Errorf("p%d = %d, want %d", c.p, got, c.want)
		}
	}
	if loadtest.Percentile(nil, 50) != 0 {
		t.Error("p50 of nothing is not 0")
	}
}
