package httpserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/fsutil/fsutiltest"
	"github.com/drentse-aanpak/ambitiebot/internal/httpserver"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

type health struct{ err error }

func (h health) CheckHealth(context.Context) error { return h.err }

func open(t *testing.T, timeout time.Duration) *httpserver.Server {
	t.Helper()
	s := httpserver.New("127.0.0.1:0", health{}, slog.New(slog.DiscardHandler))
	if timeout > 0 {
		s.ReadHeaderTimeout = timeout
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestDefaultReadHeaderTimeout(t *testing.T) {
	s := httpserver.New("127.0.0.1:0", health{}, slog.New(slog.DiscardHandler))
	if s.ReadHeaderTimeout != httpserver.ReadHeaderTimeout {
		t.Errorf("ReadHeaderTimeout = %v, want the default %v", s.ReadHeaderTimeout, httpserver.ReadHeaderTimeout)
	}
}

// A client that trickles its headers (slowloris) is cut off once the
// read-header timeout has passed, however steadily it keeps sending, and
// the server goes on answering others.
func TestSlowClientIsCutOff(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := open(t, timeout)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	go func() {
		// One byte every 20 ms of a header that never ends, until the
		// server closes the connection.
		header := "GET /healthz HTTP/1.1\r\nHost: bot\r\nX-Slow: "
		for i := 0; ; i++ {
			b := "a"
			if i < len(header) {
				b = header[i : i+1]
			}
			if _, err := conn.Write([]byte(b)); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	// The server sends nothing before it gives up; the read ends (EOF or
	// a reset) when it closes the connection.
	_ = conn.SetReadDeadline(time.Now().Add(timeout + 3*time.Second))
	_, err = io.Copy(io.Discard, conn)
	took := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a client trickling its headers was still connected after %v", took)
	}
	if took < timeout {
		t.Fatalf("connection closed after %v, before the %v timeout", took, timeout)
	}
	assertServing(t, s)
}

func assertServing(t *testing.T, s *httpserver.Server) {
	t.Helper()
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after a slow client: %d", resp.StatusCode)
	}
}

func TestHealthzReportsTheDatabase(t *testing.T) {
	s := httpserver.New("127.0.0.1:0", health{err: errors.New("disk gone")}, slog.New(slog.DiscardHandler))
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with a failing database: %d, want 503", resp.StatusCode)
	}
}

// On the real store, /healthz fails once the database stops taking
// writes (a full disk), though it still answers reads: a read-only ping
// used to answer 200 then.
func TestHealthzFailsWhenWritesFail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s := httpserver.New("127.0.0.1:0", db, slog.New(slog.DiscardHandler))
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	get := func() int {
		t.Helper()
		resp, err := http.Get(s.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("healthz on a healthy database: %d", code)
	}
	fsutiltest.LimitFileSize(t, path+"-wal")
	db.Now = func() time.Time { return time.Now().Add(time.Minute) } // past the cached answer
	if code := get(); code != http.StatusServiceUnavailable {
		t.Errorf("healthz with writes failing: %d, want 503", code)
	}
}
