package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// testClock ticks one second per call, in a non-UTC zone, so that tests see
// distinct times and that the store converts to UTC.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2027, 1, 4, 9, 30, 0, 0, time.FixedZone("CET", 3600))}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// openDB opens a fresh database file in a temporary directory and closes
// it when the test ends.
func openDB(t testing.TB) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ambitiebot.db")
	return openAt(t, path), path
}

func openAt(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = newClock().Now
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// rawDB opens the file directly, with the bot's settings, for checks the
// services do not offer.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", sqlite.WriteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return raw
}

func count(t testing.TB, raw *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := raw.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func user(id string) ambitiebot.User { return ambitiebot.User{ID: id, Username: "u" + id} }

func update(org, ambition string, s ambitiebot.Status, note string) ambitiebot.Update {
	return ambitiebot.Update{OrgKey: org, AmbitionID: ambition, Status: s, Note: note, User: user("1")}
}

// wantCode fails unless err is an *ambitiebot.Error with code and, when
// given, messageID.
func wantCode(t testing.TB, err error, code, messageID string) {
	t.Helper()
	var e *ambitiebot.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *ambitiebot.Error", err)
	}
	if e.Code != code || (messageID != "" && e.MessageID != messageID) {
		t.Fatalf("error = %s/%s, want %s/%s", e.Code, e.MessageID, code, messageID)
	}
}
