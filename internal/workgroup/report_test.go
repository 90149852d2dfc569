package workgroup

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

func TestSince(t *testing.T) {
	e := newEnv(t, time.Time{})
	loc := e.cfg.Location
	now := time.Date(2025, 6, 17, 8, 30, 0, 0, loc)
	prev := time.Date(2025, 5, 20, 10, 0, 0, 0, loc)
	for text, want := range map[string]time.Time{
		"2025-03-18":   time.Date(2025, 3, 18, 0, 0, 0, 0, loc),
		" 18-03-2025 ": time.Date(2025, 3, 18, 0, 0, 0, 0, loc),
		"2025-06-17":   time.Date(2025, 6, 17, 0, 0, 0, 0, loc),
		"":             {}, // no calendar: the whole history
	} {
		got, err := e.svc.Since(text, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("Since(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	e.with(func(c *Config) { c.Calendar = meetings{prev: prev} })
	if got, err := e.svc.Since("", now); err != nil || !got.Equal(prev) {
		t.Errorf("Since(\"\") = %v, %v; want the previous meeting %v", got, err, prev)
	}
	for text, id := range map[string]string{
		"2025-13-01": "InsightErrBadDate", "18/03/2025": "InsightErrBadDate", "gisteren": "InsightErrBadDate",
		"2025-02-30": "InsightErrBadDate", "2025-06-18": "InsightErrFutureDate",
	} {
		_, err := e.svc.Since(text, now)
		if ue := ambitiebot.UserError(err); ue.Code != ambitiebot.EINVALID || ue.MessageID != id {
			t.Errorf("Since(%q) = %v, want %s", text, err, id)
		}
	}
}

func leader() Member {
	return Member{User: ambitiebot.User{ID: "pl", Username: "pieter"}, ProjectLeader: true}
}

func TestHandleReport(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Time{})
	loc := e.cfg.Location
	e.set(t, time.Date(2025, 3, 4, 10, 0, 0, 0, loc), "emmen", "1.1", ambitiebot.StatusDone, "", "jan")
	e.set(t, time.Date(2025, 6, 2, 10, 0, 0, 0, loc), "assen", "2.1", ambitiebot.StatusBlocked, "Wacht op @channel", "anna")
	e.clock.Set(time.Date(2025, 6, 17, 8, 30, 0, 0, loc))
	notified := 0
	e.with(func(c *Config) {
		c.Neutralize = func(s string) string { return strings.ReplaceAll(s, "@channel", "@\u200bchannel") }
		c.Dispatcher = notifyCounter{&notified}
	})

	refused := []struct {
		name string
		m    Member
		cmd  Command
		code string
	}{
		{"member", Member{User: ambitiebot.User{ID: "jan"}, HasOrg: true}, Command{Kind: KindReport}, ambitiebot.EFORBIDDEN},
		{"bad date", leader(), Command{Kind: KindReport, Since: "17 juni"}, ambitiebot.EINVALID},
		{"future", leader(), Command{Kind: KindReport, Since: "2030-01-01"}, ambitiebot.EINVALID},
	}
	for _, tc := range refused {
		if _, err := e.svc.reportRequest(ctx, tc.m, "nl", tc.cmd); ambitiebot.ErrorCode(err) != tc.code {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
		}
	}
	if ds, _ := e.db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{}); len(ds) != 0 || notified != 0 {
		t.Fatalf("refused requests queued %d deliveries", len(ds))
	}

	resp, err := e.svc.reportRequest(ctx, leader(), "en", Command{Kind: KindReport, Since: "2025-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Texts) != 1 || !strings.Contains(resp.Texts[0], "Sunday 1 June 2025") || !strings.Contains(resp.Texts[0], "direct message") {
		t.Errorf("reply = %q", resp.Texts)
	}
	due, err := e.db.DueDeliveries(ctx, e.clock.Now(), 0, 10)
	if err != nil || len(due) != 1 || notified != 1 {
		t.Fatalf("queued %d deliveries (%v), notified %d; want 1", len(due), err, notified)
	}
	d := due[0]
	if d.Target != ambitiebot.UserTarget("pl") || d.Kind != "report" {
		t.Errorf("delivery to %s, kind %s", d.Target, d.Kind)
	}
	// The summary covers 1 June onwards: Assen's knelpunt, not Emmen's
	// earlier gereed; the echoed note is neutralised.
	for _, want := range []string{"Progress", "1 June 2025", "Gemeente Assen", "@\u200bchannel"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, d.Message)
		}
	}
	if strings.Contains(d.Message, "Gemeente Emmen**") {
		t.Errorf("message lists a move before the period:\n%s", d.Message)
	}
	if len(d.Files) != 2 || d.Files[0].Name != "progress-2025-06-17.png" || d.Files[1].Name != "progress-2025-06-17.xlsx" {
		t.Fatalf("files = %v", names(d.Files))
	}
	checkPNG(t, d.Files[0].Data)
	f := checkXLSX(t, d.Files[1].Data)
	if v, _ := f.GetCellValue("Matrix", "A1"); v == "" {
		t.Error("the matrix sheet is empty")
	}
}

func names(fs []ambitiebot.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func checkPNG(t *testing.T, data []byte) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if cfg.Width < 800 || cfg.Height < 600 {
		t.Errorf("chart is %dx%d", cfg.Width, cfg.Height)
	}
}

// checkXLSX opens a workbook and checks that its summary sheet carries
// the chart.
func checkXLSX(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	sheets := f.GetSheetList()
	if len(sheets) < 4 {
		t.Fatalf("sheets = %v", sheets)
	}
	found := false
	cells, err := f.GetPictureCells(sheets[0])
	if err == nil && len(cells) > 0 {
		found = true
	}
	if !found {
		t.Errorf("no chart on sheet %s (%v)", sheets[0], err)
	}
	return f
}

func TestPostChart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Date(2025, 6, 17, 8, 30, 0, 0, time.UTC))
	in, err := e.svc.Input(ctx, "nl", time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	target := ambitiebot.ChannelTarget("abcdefghijklmnopqrstuvwxyz")
	if err := e.svc.postChart(ctx, in.Matrix, "nl", "u1", target); err != nil {
		t.Fatal(err)
	}
	// A second request a moment later posts again.
	e.clock.Set(e.clock.Now().Add(time.Millisecond))
	if err := e.svc.postChart(ctx, in.Matrix, "nl", "u1", target); err != nil {
		t.Fatal(err)
	}
	ds, err := e.db.DueDeliveries(ctx, e.clock.Now(), 0, 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("queued %d (%v), want 2", len(ds), err)
	}
	for _, d := range ds {
		if d.Target != target || d.Kind != "chart" || !strings.HasPrefix(d.RunKey, "chart:u1:") ||
			len(d.Files) != 1 || !strings.HasSuffix(d.Files[0].Name, ".png") || !strings.Contains(d.Message, "17 juni 2025") {
			t.Errorf("delivery = %+v", d)
		}
		checkPNG(t, d.Files[0].Data)
	}
	if ds[0].RunKey == ds[1].RunKey {
		t.Error("two requests share a run key")
	}
}

// The board report's period runs from the previous report date; before
// the first one it covers the whole history.
func TestBoardInputPeriod(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Time{})
	loc := e.cfg.Location
	december := time.Date(2024, 12, 1, 8, 30, 0, 0, loc)
	june := time.Date(2025, 6, 15, 8, 30, 0, 0, loc)
	e.set(t, time.Date(2024, 11, 5, 10, 0, 0, 0, loc), "emmen", "1.1", ambitiebot.StatusInProgress, "", "jan")
	e.set(t, time.Date(2025, 2, 5, 10, 0, 0, 0, loc), "emmen", "1.1", ambitiebot.StatusDone, "", "jan")
	e.set(t, time.Date(2025, 3, 5, 10, 0, 0, 0, loc), "assen", "1.1", ambitiebot.StatusInProgress, "", "anna")
	e.clock.Set(june)
	history := func() (report.Input, int) {
		in, err := e.svc.BoardInput(ctx, "nl", june)
		if err != nil {
			t.Fatal(err)
		}
		if !in.Board || len(in.Chart) == 0 {
			t.Errorf("board input: Board %v, chart %d bytes", in.Board, len(in.Chart))
		}
		files, err := e.svc.files(in)
		if err != nil || len(files) != 2 {
			t.Fatalf("files = %v, %v", names(files), err)
		}
		checkPNG(t, files[0].Data)
		rows, err := checkXLSX(t, files[1].Data).GetRows("Historie")
		if err != nil {
			t.Fatal(err)
		}
		return in, len(rows) - 2 // the period and the header
	}
	if in, n := history(); n != 3 || !in.Since.IsZero() {
		t.Errorf("without a previous report date: %d changes since %v, want the whole history (3)", n, in.Since)
	}
	e.with(func(c *Config) { c.Calendar = meetings{prevReport: december} })
	in, n := history()
	if n != 2 || !in.Since.Equal(december) {
		t.Errorf("%d changes since %v, want those since the December report (2)", n, in.Since)
	}
	md := report.Markdown(in)
	for _, want := range []string{"Periode: van 1 december 2024 tot 15 juni 2025", "Voortgangsrapportage Drentse aanpak ondermijning — 15 juni 2025"} {
		if !strings.Contains(md, want) {
			t.Errorf("board summary lacks %q:\n%s", want, md)
		}
	}
}

func TestWrite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Time{})
	loc := e.cfg.Location
	e.set(t, time.Date(2025, 3, 4, 10, 0, 0, 0, loc), "emmen", "1.1", ambitiebot.StatusBlocked, "Wacht; op \"budget\"\nna de zomer", "jan")
	e.clock.Set(time.Date(2025, 6, 17, 8, 30, 0, 0, loc))
	out := map[Format][]byte{}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := e.svc.Write(ctx, &buf, f, "nl", time.Time{}); err != nil {
			t.Fatal(f, err)
		}
		out[f] = buf.Bytes()
	}
	checkXLSX(t, out[FormatXLSX])
	body, ok := bytes.CutPrefix(out[FormatCSV], []byte("\uFEFF"))
	if !ok {
		t.Fatal("CSV has no BOM")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]bool{}
	for _, row := range rows[1:] {
		orgs[row[0]] = true
		if row[0] == "emmen" && row[3] == "1.1" && row[7] != "Wacht; op \"budget\"\nna de zomer" {
			t.Errorf("toelichting = %q", row[7])
		}
	}
	if len(orgs) != 17 {
		t.Errorf("CSV lists %d organisations, want all 17", len(orgs))
	}
	md := string(out[FormatMarkdown])
	if !strings.Contains(md, "Gemeente Westerveld") || !strings.Contains(md, "Gemeente Emmen") {
		t.Errorf("summary lacks organisations:\n%s", md)
	}
	if _, ok := ParseFormat("pdf"); ok {
		t.Error("ParseFormat(pdf) accepted")
	}
	if f, ok := ParseFormat("md"); !ok || f != FormatMarkdown {
		t.Error("ParseFormat(md) rejected")
	}
}
