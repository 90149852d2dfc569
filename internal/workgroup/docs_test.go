package workgroup

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the samples in docs/")

// docsDir holds the chart and report samples the README shows.
const docsDir = "../../docs"

// TestDocs renders the samples in docs/ from the deterministic sample
// data: the chart and report as they stood at the board report of June
// 2025, with the changes since the May meeting. It fails when a committed
// sample is out of date; `go test ./internal/workgroup -run TestDocs
// -update` rewrites them.
func TestDocs(t *testing.T) {
	e := newEnv(t, time.Time{})
	loc := e.cfg.Location
	e.with(func(c *Config) { c.SignedOn, c.Deadline = e.cfg.Agreement.SignedOn, e.cfg.Agreement.Deadline })
	now := time.Date(2025, 6, 17, 8, 30, 0, 0, loc)
	e.seedSample(t, now)
	since := time.Date(2025, 5, 20, 0, 0, 0, 0, loc)
	ctx := context.Background()

	in, err := e.svc.Input(ctx, "nl", since, true)
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string][]byte{"chart.png": in.Chart}
	for name, f := range map[string]Format{"report-sample.md": FormatMarkdown, "report-sample.csv": FormatCSV} {
		var buf bytes.Buffer
		if err := e.svc.Write(ctx, &buf, f, "nl", since); err != nil {
			t.Fatal(err)
		}
		samples[name] = buf.Bytes()
	}
	for name, got := range samples {
		path := filepath.Join(docsDir, name)
		if *update {
			if err := os.MkdirAll(docsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go test ./internal/workgroup -run TestDocs -update", err)
		}
		same := bytes.Equal(got, want)
		if !same && filepath.Ext(name) == ".png" {
			same = samePixels(t, got, want)
		}
		if !same {
			t.Errorf("docs/%s is out of date; run go test ./internal/workgroup -run TestDocs -update", name)
		}
	}
}

// samePixels compares two PNGs by what they show, so that a change in
// the encoder alone does not count.
func samePixels(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return false
	}
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !sameColour(ia, ib, x, y) {
				return false
			}
		}
	}
	return true
}

func sameColour(a, b image.Image, x, y int) bool {
	r1, g1, b1, a1 := a.At(x, y).RGBA()
	r2, g2, b2, a2 := b.At(x, y).RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
