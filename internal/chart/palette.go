package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// The palette is Okabe–Ito, chosen to stay distinguishable for the common
// forms of colour blindness. Because gereed and knelpunt are close in
// lightness, every status except niet gestart also carries a second cue
// (a glyph or a hatch) so the legend still works in grayscale.
var (
	colourDone       = color.RGBA{0x00, 0x9E, 0x73, 0xFF} // bluish green, white check mark
	colourInProgress = color.RGBA{0x56, 0xB4, 0xE9, 0xFF} // sky blue, dark triangle
	colourBlocked    = color.RGBA{0xD5, 0x5E, 0x00, 0xFF} // vermillion, white exclamation mark
	colourNotStarted = color.RGBA{0xBB, 0xBB, 0xBB, 0xFF} // grey, plain
	colourNA         = color.RGBA{0xF0, 0xE4, 0x42, 0xFF} // yellow, diagonal hatch
	colourHatch      = color.RGBA{0xB0, 0xA2, 0x00, 0xFF}
	colourGlyphDark  = color.RGBA{0x0B, 0x2E, 0x45, 0xFF}
	colourBlank      = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF} // does not apply: the background itself
	colourText       = color.RGBA{0x22, 0x22, 0x22, 0xFF}
	colourMuted      = color.RGBA{0x66, 0x66, 0x66, 0xFF}
	colourRule       = color.RGBA{0x99, 0x99, 0x99, 0xFF}
	colourTrack      = color.RGBA{0xEE, 0xEE, 0xEE, 0xFF}
)

// Colour returns the fill colour of status s in the chart and the report.
func Colour(s ambitiebot.Status) color.RGBA {
	switch s {
	case ambitiebot.StatusDone:
		return colourDone
	case ambitiebot.StatusInProgress:
		return colourInProgress
	case ambitiebot.StatusBlocked:
		return colourBlocked
	case ambitiebot.StatusNA:
		return colourNA
	default:
		return colourNotStarted
	}
}

// Hex returns Colour(s) as "RRGGBB", the form spreadsheets take.
func Hex(s ambitiebot.Status) string {
	c := Colour(s)
	return fmt.Sprintf("%02X%02X%02X", c.R, c.G, c.B)
}

func fill(dst *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// hatch darkens every sixth diagonal of r, counted from r's corner so a
// cell looks the same wherever it is drawn.
func hatch(dst *image.RGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if (x-r.Min.X+y-r.Min.Y)%6 == 5 {
				dst.SetRGBA(x, y, colourHatch)
			}
		}
	}
}

// painter draws status swatches; it reuses one rasterizer for the glyphs.
type painter struct {
	dst *image.RGBA
	ras vector.Rasterizer
}

// cell paints a status swatch with its glyph. Glyphs stay inside the
// middle of r, so the fill colour shows at the cell's edges.
func (p *painter) cell(r image.Rectangle, s ambitiebot.Status) {
	fill(p.dst, r, Colour(s))
	w, h := float32(r.Dx()), float32(r.Dy())
	switch s {
	case ambitiebot.StatusNA:
		hatch(p.dst, r)
	case ambitiebot.StatusDone:
		t := h * 0.13
		p.ras.Reset(r.Dx(), r.Dy())
		p.segment(w*0.30, h*0.52, w*0.45, h*0.72, t)
		p.segment(w*0.45, h*0.72, w*0.72, h*0.28, t)
		p.ras.Draw(p.dst, r, image.NewUniform(color.White), image.Point{})
	case ambitiebot.StatusBlocked:
		t := h * 0.15
		p.ras.Reset(r.Dx(), r.Dy())
		p.segment(w/2, h*0.20, w/2, h*0.50, t)
		p.segment(w/2, h*0.74, w/2, h*0.76, t)
		p.ras.Draw(p.dst, r, image.NewUniform(color.White), image.Point{})
	case ambitiebot.StatusInProgress:
		p.ras.Reset(r.Dx(), r.Dy())
		p.ras.MoveTo(w*0.38, h*0.28)
		p.ras.LineTo(w*0.66, h*0.50)
		p.ras.LineTo(w*0.38, h*0.72)
		p.ras.ClosePath()
		p.ras.Draw(p.dst, r, image.NewUniform(colourGlyphDark), image.Point{})
	}
}

// plain paints a status colour without glyph, for bar segments; nvt keeps
// its hatch because that is its only cue in grayscale.
func (p *painter) plain(r image.Rectangle, s ambitiebot.Status) {
	if r.Empty() {
		return
	}
	fill(p.dst, r, Colour(s))
	if s == ambitiebot.StatusNA {
		hatch(p.dst, r)
	}
}

// segment adds a thick line as a quadrilateral. The normal is always the
// direction turned the same way, so every quad winds alike and overlapping
// segments add up instead of cancelling.
func (p *painter) segment(x0, y0, x1, y1, thick float32) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 {
		dx, dy, l = 0, 1, 1
	}
	nx, ny := -dy/l*thick/2, dx/l*thick/2
	// Extend the ends by half the thickness so joints close.
	ex, ey := dx/l*thick/2, dy/l*thick/2
	p.ras.MoveTo(x0+nx-ex, y0+ny-ey)
	p.ras.LineTo(x1+nx+ex, y1+ny+ey)
	p.ras.LineTo(x1-nx+ex, y1-ny+ey)
	p.ras.LineTo(x0-nx-ex, y0-ny-ey)
	p.ras.ClosePath()
}
