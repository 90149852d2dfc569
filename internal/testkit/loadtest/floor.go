package loadtest

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// maxFormBytes matches the cap the bot's command endpoint puts on a body.
const maxFormBytes = 64 << 10

// Floor is the physical floor for a slash-command round trip: a bare
// net/http handler that parses the form, commits one INSERT on its own
// (durable: WAL, synchronous=FULL, via sqlite.WriteDSN, one write
// connection like the bot's) and answers a small JSON reply. Nothing the
// bot does on top (token check, user lookup, parsing, history, outbox,
// translation) is in it.
type Floor struct {
	db  *sql.DB
	now func() time.Time
}

// NewFloor creates the floor's database file at path.
func NewFloor(path string, now func() time.Time) (*Floor, error) {
	db, err := sql.Open("sqlite3", sqlite.WriteDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS floor (
		id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL)`); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Floor{db: db, now: now}, nil
}

// Close closes the floor's database.
func (f *Floor) Close() error { return f.db.Close() }

// Count returns how many inserts were committed.
func (f *Floor) Count() (int, error) {
	var n int
	err := f.db.QueryRow(`SELECT count(*) FROM floor`).Scan(&n)
	return n, err
}

type floorReply struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func (f *Floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if _, err := f.db.ExecContext(r.Context(), `INSERT INTO floor (user_id, text, at) VALUES (?, ?, ?)`,
		r.Form.Get("user_id"), r.Form.Get("text"), f.now().UTC().Format(time.RFC3339Nano)); err != nil {
		http.Error(w, "insert failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(floorReply{ResponseType: "ephemeral", Text: "ok"})
}
