package chart_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/report/reporttest"
)

var asOf = time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC)

// render renders m and returns the decoded PNG with the layout of the
// same drawing.
func render(t *testing.T, m *ambitiebot.Matrix, opts chart.Options) (image.Image, *chart.Layout) {
	t.Helper()
	tr := reporttest.Translator(t)
	data, err := chart.Render(m, tr, "nl", opts)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	_, layout, err := chart.Draw(m, tr, "nl", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(layout.Width, layout.Height) {
		t.Fatalf("PNG is %v, layout says %dx%d", got, layout.Width, layout.Height)
	}
	return img, layout
}

func rgba(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

// edge is a pixel inside the cell away from its glyph.
func edge(img image.Image, r image.Rectangle) color.RGBA { return rgba(img, r.Min.X+2, r.Min.Y+2) }

// count returns how many pixels of r have colour c.
func count(img image.Image, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if rgba(img, x, y) == c {
				n++
			}
		}
	}
	return n
}

// indices finds an organisation and an ambition by key and id.
func indices(t *testing.T, m *ambitiebot.Matrix, orgKey, ambID string) (int, int) {
	t.Helper()
	oi, ai := -1, -1
	for i, o := range m.Organisations.All() {
		if o.Key == orgKey {
			oi = i
		}
	}
	for i, a := range m.Catalogue.Ambitions() {
		if a.ID == ambID {
			ai = i
		}
	}
	if oi < 0 || ai < 0 {
		t.Fatalf("no %s × %s in the fixture", orgKey, ambID)
	}
	return oi, ai
}

func progress(org, amb string, s ambitiebot.Status) ambitiebot.Progress {
	return ambitiebot.Progress{OrgKey: org, AmbitionID: amb, Status: s, Note: "x", UpdatedAt: asOf}
}

func TestRenderEmpty(t *testing.T) {
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	m := ambitiebot.NewMatrix(cat, orgs, nil)
	img, l := render(t, m, chart.Options{AsOf: asOf})
	if l.Aggregated {
		t.Fatal("17 organisations must get the full matrix")
	}
	if l.Width < 900 || l.Height < 700 || l.Width > 2000 || l.Height > 2000 {
		t.Errorf("unexpected size %dx%d", l.Width, l.Height)
	}
	grey := chart.Colour(ambitiebot.StatusNotStarted)
	for oi, org := range orgs.All() {
		for ai, a := range cat.Ambitions() {
			r := l.CellRect(oi, ai)
			if r.Empty() {
				t.Fatalf("no cell for %s × %s", org.Key, a.ID)
			}
			want := grey
			if !a.AppliesToKind(org.Kind) {
				want = chart.BlankColour()
			}
			if n := count(img, r, want); n != r.Dx()*r.Dy() {
				t.Fatalf("%s × %s: %d of %d pixels are %v", org.Key, a.ID, n, r.Dx()*r.Dy(), want)
			}
		}
		bar := l.OrgBar(oi)
		if n := count(img, bar, chart.Colour(ambitiebot.StatusNotStarted)); n != bar.Dx()*bar.Dy() {
			t.Errorf("%s: the bar of an organisation without progress should be all niet gestart", org.Key)
		}
	}
	// The legend shows every status, glyphs and all.
	for _, s := range ambitiebot.Statuses {
		if count(img, l.Legend, chart.Colour(s)) == 0 {
			t.Errorf("legend lacks %s", s)
		}
	}
}

func TestRenderPartial(t *testing.T) {
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	m := ambitiebot.NewMatrix(cat, orgs, []ambitiebot.Progress{
		progress("gem-1", "1.1", ambitiebot.StatusDone),
		progress("gem-1", "2.1", ambitiebot.StatusBlocked),
		progress("gem-2", "3.10", ambitiebot.StatusInProgress),
		progress("ws-1", "4.2", ambitiebot.StatusNA),
	})
	img, l := render(t, m, chart.Options{})
	cell := func(org, amb string) image.Rectangle {
		oi, ai := indices(t, m, org, amb)
		return l.CellRect(oi, ai)
	}
	white := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	for _, c := range []struct {
		org, amb string
		status   ambitiebot.Status
		glyph    color.RGBA // a colour only the second cue paints
	}{
		{"gem-1", "1.1", ambitiebot.StatusDone, white},
		{"gem-1", "2.1", ambitiebot.StatusBlocked, white},
		{"gem-2", "3.10", ambitiebot.StatusInProgress, color.RGBA{0x0B, 0x2E, 0x45, 0xFF}},
		{"ws-1", "4.2", ambitiebot.StatusNA, color.RGBA{0xB0, 0xA2, 0x00, 0xFF}},
	} {
		r := cell(c.org, c.amb)
		if got := edge(img, r); got != chart.Colour(c.status) {
			t.Errorf("%s × %s: edge colour %v, want %v", c.org, c.amb, got, chart.Colour(c.status))
		}
		if count(img, r, c.glyph) < 4 {
			t.Errorf("%s × %s: the %s cell lacks its second cue", c.org, c.amb, c.status)
		}
	}
	// 1.2 is for municipalities only: blank for a water board.
	if r := cell("ws-1", "1.2"); count(img, r, chart.BlankColour()) != r.Dx()*r.Dy() {
		t.Error("a cell that does not apply must be blank")
	}
	if got := edge(img, cell("gem-3", "1.1")); got != chart.Colour(ambitiebot.StatusNotStarted) {
		t.Errorf("a cell without progress is %v, want niet gestart", got)
	}
	// gem-1 has 1 of its applicable ambitions gereed: the bar starts green
	// and is mostly not green.
	oi, _ := indices(t, m, "gem-1", "1.1")
	bar := l.OrgBar(oi)
	if got := rgba(img, bar.Min.X, bar.Min.Y+1); got != chart.Colour(ambitiebot.StatusDone) {
		t.Errorf("bar of gem-1 starts with %v", got)
	}
	if n := count(img, bar, chart.Colour(ambitiebot.StatusDone)); n == 0 || n > bar.Dx()*bar.Dy()/10 {
		t.Errorf("bar of gem-1 has %d green pixels of %d", n, bar.Dx()*bar.Dy())
	}
}

func TestRenderFull(t *testing.T) {
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	var ps []ambitiebot.Progress
	for _, o := range orgs.All() {
		for _, a := range cat.ForKind(o.Kind) {
			ps = append(ps, progress(o.Key, a.ID, ambitiebot.StatusDone))
		}
	}
	m := ambitiebot.NewMatrix(cat, orgs, ps)
	img, l := render(t, m, chart.Options{})
	green := chart.Colour(ambitiebot.StatusDone)
	for oi := range orgs.All() {
		bar := l.OrgBar(oi)
		if n := count(img, bar, green); n != bar.Dx()*bar.Dy() {
			t.Errorf("org %d: a fully gereed bar has %d of %d green pixels", oi, n, bar.Dx()*bar.Dy())
		}
	}
	for _, th := range cat.Themes() {
		bar := l.ThemeBar(th.Number)
		if bar.Empty() || rgba(img, bar.Max.X-1, bar.Max.Y-1) != green {
			t.Errorf("theme %d: bar not full", th.Number)
		}
	}
}

func TestRenderAggregatesManyOrganisations(t *testing.T) {
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(400)
	var ps []ambitiebot.Progress
	for _, o := range orgs.All() {
		if o.Kind == ambitiebot.KindWaterBoard {
			for _, a := range cat.ForKind(o.Kind) {
				ps = append(ps, progress(o.Key, a.ID, ambitiebot.StatusDone))
			}
		}
	}
	m := ambitiebot.NewMatrix(cat, orgs, ps)
	img, l := render(t, m, chart.Options{})
	if !l.Aggregated {
		t.Fatal("400 organisations must be aggregated")
	}
	if l.Height > 1000 {
		t.Errorf("aggregated chart is %d pixels high; it should not grow with the organisations", l.Height)
	}
	if !l.CellRect(0, 0).Empty() || !l.OrgBar(0).Empty() {
		t.Error("an aggregated chart has no organisation cells or bars")
	}
	_, a11 := indices(t, m, "ws-1", "1.1")
	_, a12 := indices(t, m, "ws-1", "1.2")
	ws := l.KindCellRect(ambitiebot.KindWaterBoard, a11)
	if n := count(img, ws, chart.Colour(ambitiebot.StatusDone)); n != ws.Dx()*ws.Dy() {
		t.Errorf("all water boards gereed on 1.1, but the cell has %d of %d green pixels", n, ws.Dx()*ws.Dy())
	}
	gm := l.KindCellRect(ambitiebot.KindMunicipality, a11)
	if n := count(img, gm, chart.Colour(ambitiebot.StatusNotStarted)); n != gm.Dx()*gm.Dy() {
		t.Errorf("no municipality started 1.1, but the cell has %d of %d grey pixels", n, gm.Dx()*gm.Dy())
	}
	blank := l.KindCellRect(ambitiebot.KindWaterBoard, a12)
	if count(img, blank, chart.BlankColour()) != blank.Dx()*blank.Dy() {
		t.Error("1.2 does not apply to water boards: the cell must be blank")
	}
	kb := l.KindBar(ambitiebot.KindWaterBoard)
	if count(img, kb, chart.Colour(ambitiebot.StatusDone)) != kb.Dx()*kb.Dy() {
		t.Error("the water boards' bar should be full")
	}
}

func TestMaxRows(t *testing.T) {
	tr := reporttest.Translator(t)
	cat := reporttest.Catalogue()
	for _, c := range []struct {
		orgs, maxRows int
		aggregated    bool
	}{
		{17, 0, false}, {60, 0, false}, {61, 0, true}, {17, 10, true}, {400, 500, false},
	} {
		m := ambitiebot.NewMatrix(cat, reporttest.Organisations(c.orgs), nil)
		_, l, err := chart.Draw(m, tr, "en", chart.Options{MaxRows: c.maxRows})
		if err != nil {
			t.Fatal(err)
		}
		if l.Aggregated != c.aggregated {
			t.Errorf("%d organisations, MaxRows %d: aggregated = %v", c.orgs, c.maxRows, l.Aggregated)
		}
	}
}

// The same data renders to the same bytes, concurrently too (each render
// has its own font faces).
func TestRenderDeterministicAndConcurrent(t *testing.T) {
	tr := reporttest.Translator(t)
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	m := ambitiebot.NewMatrix(cat, orgs, reporttest.Progress(cat, orgs, 0.7, 3, asOf))
	want, err := chart.Render(m, tr, "nl", chart.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := chart.Render(m, tr, "nl", chart.Options{AsOf: asOf})
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("a concurrent render differs (err %v)", err)
			}
		})
	}
	wg.Wait()
}

func benchmarkRender(b *testing.B, n int, opts chart.Options) {
	tr := reporttest.Translator(b)
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(n)
	m := ambitiebot.NewMatrix(cat, orgs, reporttest.Progress(cat, orgs, 0.7, 1, asOf))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chart.Render(m, tr, "nl", opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender17x28(b *testing.B) { benchmarkRender(b, 17, chart.Options{AsOf: asOf}) }

// BenchmarkRender400x28 measures the national scale: the aggregated chart
// the bot posts, and for comparison the full matrix nobody could read.
func BenchmarkRender400x28(b *testing.B) {
	b.Run("aggregated", func(b *testing.B) { benchmarkRender(b, 400, chart.Options{AsOf: asOf}) })
	b.Run("full", func(b *testing.B) { benchmarkRender(b, 400, chart.Options{AsOf: asOf, MaxRows: 400}) })
}
