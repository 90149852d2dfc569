package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// clients is the number of concurrent clients in the parallel benchmarks:
// RunParallel starts parallelism × GOMAXPROCS goroutines.
const clients = 50

// Run the SetStatus and BareInsert benchmarks together to compare them
// with their floor:
//
//	go test -run '^$' -bench 'SetStatus|BareInsert' ./internal/sqlite
func BenchmarkSetStatus(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		db, _ := openDB(b)
		for i := 0; b.Loop(); i++ {
			if _, err := db.SetStatus(ctx, benchUpdate(i%100, i/100)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db, _ := openDB(b)
		runParallel(b, func(client, i int) error {
			_, err := db.SetStatus(ctx, benchUpdate(client, i))
			return err
		})
	})
}

// BenchmarkBareInsert is the floor: one plain INSERT, committed on its own,
// per operation, with the same pragmas and the same single write
// connection as the store.
func BenchmarkBareInsert(b *testing.B) {
	ctx := context.Background()
	open := func(b *testing.B) *sql.DB {
		raw, err := sql.Open("sqlite3", sqlite.WriteDSN(filepath.Join(b.TempDir(), "bare.db")))
		if err != nil {
			b.Fatal(err)
		}
		raw.SetMaxOpenConns(1)
		b.Cleanup(func() { _ = raw.Close() })
		if _, err := raw.Exec(`CREATE TABLE bare (id INTEGER PRIMARY KEY, org_key TEXT, ambition_id TEXT,
			status TEXT, note TEXT, user_id TEXT, at TEXT)`); err != nil {
			b.Fatal(err)
		}
		return raw
	}
	insert := func(raw *sql.DB, client, i int) error {
		_, err := raw.ExecContext(ctx, `INSERT INTO bare (org_key, ambition_id, status, note, user_id, at)
			VALUES (?, ?, ?, '', ?, ?)`, fmt.Sprint("org-", client), "3.2", "gereed", "u1",
			time.Date(2027, 1, 4, 0, 0, i, 0, time.UTC).Format(time.RFC3339Nano))
		return err
	}
	b.Run("serial", func(b *testing.B) {
		raw := open(b)
		for i := 0; b.Loop(); i++ {
			if err := insert(raw, 0, i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		raw := open(b)
		runParallel(b, func(client, i int) error { return insert(raw, client, i) })
	})
}

// benchUpdate alternates a client's own cell between two statuses, so that
// every update is a real change.
func benchUpdate(client, i int) ambitiebot.Update {
	s := ambitiebot.StatusInProgress
	if i%2 == 1 {
		s = ambitiebot.StatusDone
	}
	return ambitiebot.Update{OrgKey: fmt.Sprint("org-", client), AmbitionID: "3.2", Status: s,
		User: ambitiebot.User{ID: "u1", Username: "jan"}}
}

// runParallel runs op from clients goroutines and reports the latency
// percentiles beside ns/op.
func runParallel(b *testing.B, op func(client, i int) error) {
	var (
		next int64
		mu   sync.Mutex
		all  []time.Duration
	)
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := int(atomic.AddInt64(&next, 1))
		var mine []time.Duration
		for i := 0; pb.Next(); i++ {
			start := time.Now()
			if err := op(client, i); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkFindChanges100k queries a history of 100,000 changes (17
// organisations × 28 ambitions), seeded once, as /ambitie historie does.
func BenchmarkFindChanges100k(b *testing.B) {
	ctx := context.Background()
	db, path := openDB(b)
	seedChanges(b, path, 100_000)
	for _, bc := range []struct {
		name string
		f    ambitiebot.ChangeFilter
	}{
		{"cell", ambitiebot.ChangeFilter{OrgKey: "org-7", AmbitionID: "3.2", Limit: 50}},
		{"ambition", ambitiebot.ChangeFilter{AmbitionID: "3.2", Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				cs, err := db.FindChanges(ctx, bc.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(cs) != 50 {
					b.Fatalf("%d changes, want 50", len(cs))
				}
			}
		})
	}
}

func seedChanges(b *testing.B, path string, n int) {
	raw := rawDB(b, path)
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO changes (org_key, ambition_id, from_status, to_status, note, user_id, user_name, at)
		VALUES (?, ?, 'in-uitvoering', 'gereed', 'toelichting', 'u1', 'jan', ?)`)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		cell := i % (17 * 28)
		org, amb := cell/28, cell%28
		at := t0.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000000000Z")
		if _, err := stmt.Exec(fmt.Sprint("org-", org), fmt.Sprintf("%d.%d", amb/6+1, amb%6+1), at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFindProgress reads the whole 17 × 28 matrix, as every overview
// does.
func BenchmarkFindProgress(b *testing.B) {
	ctx := context.Background()
	db, path := openDB(b)
	raw := rawDB(b, path)
	for org := range 17 {
		for amb := range 28 {
			if _, err := raw.Exec(`INSERT INTO progress (org_key, ambition_id, status, note, updated_at, updated_by)
				VALUES (?, ?, 'gereed', 'toelichting', '2027-01-04T08:30:00.000000000Z', 'u1')`,
				fmt.Sprint("org-", org), fmt.Sprintf("%d.%d", amb/6+1, amb%6+1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		ps, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
		if err != nil {
			b.Fatal(err)
		}
		if len(ps) != 17*28 {
			b.Fatalf("%d rows, want %d", len(ps), 17*28)
		}
	}
}
