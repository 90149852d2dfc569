// Package chart draws the progress chart as a PNG: a matrix of
// organisations (rows, grouped by kind) × ambitions (columns, grouped by
// theme) coloured by status, a legend, and bars with the share gereed per
// organisation and per theme below it.
//
// A full matrix stays readable up to about 60 rows. With more organisations
// (Options.MaxRows) the chart folds them into their kinds: one row per kind
// in which every cell is a stacked column with the share of each status,
// and the bars show each kind instead of each organisation.
package chart

import (
	"bytes"
	"image"
	"image/png"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// DefaultMaxRows is the number of organisations above which the chart is
// aggregated per kind.
const DefaultMaxRows = 60

// Options tune a chart; the zero value is ready to use.
type Options struct {
	// MaxRows is the most organisations drawn as rows of their own
	// (DefaultMaxRows when 0). Above it the chart is aggregated per kind.
	MaxRows int
	// AsOf, when set, is shown in the title as the date of the data.
	AsOf time.Time
}

// Geometry, in pixels.
const (
	margin      = 24
	cellW       = 30
	cellH       = 22
	aggCellH    = 48
	gap         = 2
	themeGap    = 10
	groupGap    = 8
	labelMaxW   = 260
	labelPad    = 12
	barW        = 300
	barH        = 14
	themeBarW   = 320
	swatchW     = 26
	swatchH     = 18
	sectionSkip = 22
)

// Layout is the geometry of a drawn chart, so that tests and callers can
// find what was drawn where.
type Layout struct {
	Width, Height int
	// Aggregated is true when the organisations were folded into kinds
	// because there were more than Options.MaxRows of them.
	Aggregated bool
	// Legend encloses the legend.
	Legend image.Rectangle

	cols      []int // left x of each ambition's column, in catalogue order
	rowH      int
	orgY      map[int]int // top y of each organisation's row, by index in Organisations.All()
	kindY     map[ambitiebot.OrgKind]int
	orgBars   map[int]image.Rectangle
	kindBars  map[ambitiebot.OrgKind]image.Rectangle
	themeBars map[int]image.Rectangle
}

// CellRect is the cell of organisation org (index in Organisations.All())
// on ambition amb (index in Catalogue.Ambitions()); empty when the chart
// is aggregated or an index is out of range.
func (l *Layout) CellRect(org, amb int) image.Rectangle {
	y, ok := l.orgY[org]
	if !ok || amb < 0 || amb >= len(l.cols) {
		return image.Rectangle{}
	}
	return image.Rect(l.cols[amb], y, l.cols[amb]+cellW, y+l.rowH)
}

// KindCellRect is the stacked cell of kind k on ambition amb in an
// aggregated chart; empty otherwise.
func (l *Layout) KindCellRect(k ambitiebot.OrgKind, amb int) image.Rectangle {
	y, ok := l.kindY[k]
	if !ok || amb < 0 || amb >= len(l.cols) {
		return image.Rectangle{}
	}
	return image.Rect(l.cols[amb], y, l.cols[amb]+cellW, y+l.rowH)
}

// Render draws the chart and encodes it as PNG. Renders run one at a
// time: each needs a canvas of several megabytes, and a render is pure
// computation that would take every processor it can get. Under a burst
// of /ambitie overzicht the charts wait their turn (tens of milliseconds
// each) while the other processors stay free for the commands people wait
// on most, status updates, and only one canvas is ever in memory.
func Render(m *ambitiebot.Matrix, tr *i18n.Translator, lang string, opts Options) ([]byte, error) {
	rendering.Lock()
	defer rendering.Unlock()
	img, _, err := Draw(m, tr, lang, opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	// Flat colours compress well even at the fastest level, and speed is
	// what the chat command waits for.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	var out image.Image = img
	if p := paletted(img); p != nil {
		out = p
	}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var rendering sync.Mutex

// Draw draws the chart and returns the image with its layout.
func Draw(m *ambitiebot.Matrix, tr *i18n.Translator, lang string, opts Options) (*image.RGBA, *Layout, error) {
	f, err := newFaces()
	if err != nil {
		return nil, nil, err
	}
	defer f.close()
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	b := &builder{m: m, tr: tr, lang: lang, f: f, l: &Layout{
		Aggregated: m.Organisations.Len() > opts.MaxRows,
		orgY:       map[int]int{}, kindY: map[ambitiebot.OrgKind]int{},
		orgBars: map[int]image.Rectangle{}, kindBars: map[ambitiebot.OrgKind]image.Rectangle{},
		themeBars: map[int]image.Rectangle{},
	}}
	b.plan(opts)
	img := image.NewRGBA(image.Rect(0, 0, b.l.Width, b.l.Height))
	fill(img, img.Bounds(), colourBlank)
	p := &painter{dst: img}
	for _, op := range b.ops {
		op(p)
	}
	return img, b.l, nil
}
