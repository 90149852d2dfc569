package cli

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/report/reporttest"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// rawDB opens the running bot's database file beside it, with its settings,
// to seed data faster than commands could.
func rawDB(tb testing.TB, h *harness) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", sqlite.WriteDSN(h.main.Config.DBPath))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// seedMatrix fills every applicable cell of the 17 × 28 matrix.
func seedMatrix(tb testing.TB, h *harness) {
	tb.Helper()
	cfg := h.main.Config
	raw := rawDB(tb, h)
	for _, p := range reporttest.Progress(cfg.Catalogue, cfg.Organisations, 1, 7, h.clock.Now()) {
		if _, err := raw.Exec(`INSERT INTO progress (org_key, ambition_id, status, note, updated_at, updated_by, updated_by_name)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.OrgKey, p.AmbitionID, p.Status, p.Note,
			p.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z"), p.UpdatedBy, p.UpdatedByName); err != nil {
			tb.Fatal(err)
		}
	}
}

// handle runs one command through the handler as jan (Gemeente Emmen) and
// fails on an error reply.
func handle(b *testing.B, h *harness, hd *workgroup.App, text string) workgroup.Response {
	resp := hd.Handle(context.Background(), workgroup.Request{
		UserID: h.user("jan").Id, ChannelID: h.world.WorkingGroup.Id, TeamID: h.world.WorkingGroup.TeamId, Text: text})
	if resp.Outcome != "ok" {
		b.Fatalf("/ambitie %s: %s: %s", text, resp.Outcome, strings.Join(resp.Texts, " / "))
	}
	return resp
}

// BenchmarkOverview17x28 separates rendering from the rest of
// /ambitie overzicht:
//
//   - tables: App.OverviewTables from an already loaded Matrix (the
//     rendering alone);
//
//   - command: the whole command as shipped, user lookup and the read of
//     the matrix from SQLite included, which also draws the chart PNG and
//     queues it.
//
//     go test -run '^$' -bench Overview17x28 ./internal/cli
func BenchmarkOverview17x28(b *testing.B) {
	h := newHarness(b, loadConfigTOML)
	seedMatrix(b, h)
	rows, err := h.main.DB.FindProgress(context.Background(), ambitiebot.ProgressFilter{})
	if err != nil {
		b.Fatal(err)
	}
	mx := ambitiebot.NewMatrix(h.main.Config.Catalogue, h.main.Config.Organisations, rows)
	b.Run("tables", func(b *testing.B) {
		for b.Loop() {
			if texts := h.main.App.OverviewTables("nl", mx, 0); len(texts) != 1 {
				b.Fatalf("%d messages, want 1", len(texts))
			}
		}
	})
	b.Run("command", func(b *testing.B) {
		for b.Loop() {
			handle(b, h, h.main.App, "overzicht")
		}
	})
}

// BenchmarkHistory100k runs /ambitie historie through the handler on a
// database holding 100,000 changes of the 17 × 28 cells.
//
//	go test -run '^$' -bench History100k ./internal/cli
func BenchmarkHistory100k(b *testing.B) {
	h := newHarness(b, loadConfigTOML)
	seedHistory(b, h, 100_000)
	for _, text := range []string{"historie 3.2", "historie 3.2 emmen"} {
		b.Run(strings.ReplaceAll(text, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if resp := handle(b, h, h.main.App, text); !strings.Contains(resp.Texts[len(resp.Texts)-1], "50") {
					b.Fatalf("reply does not say it shows the last 50: %q", resp.Texts)
				}
			}
		})
	}
}

// seedHistory writes n changes spread over every organisation and
// ambition, a minute apart, in one transaction.
func seedHistory(tb testing.TB, h *harness, n int) {
	tb.Helper()
	cfg := h.main.Config
	var cells [][2]string
	for _, o := range cfg.Organisations.All() {
		for _, a := range cfg.Catalogue.ForKind(o.Kind) {
			cells = append(cells, [2]string{o.Key, a.ID})
		}
	}
	raw := rawDB(tb, h)
	tx, err := raw.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.Prepare(`INSERT INTO changes (org_key, ambition_id, from_status, to_status, note, user_id, user_name, at)
		VALUES (?, ?, 'in-uitvoering', 'gereed', ?, 'u1', 'jan', ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	t0 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := cells[i%len(cells)]
		at := t0.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000000000Z")
		if _, err := stmt.Exec(c[0], c[1], fmt.Sprint("toelichting ", i), at); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
