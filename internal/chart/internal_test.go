package chart

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/report/reporttest"
)

// Renders run one at a time: while one holds the turn, another waits,
// and it goes ahead once the turn is free.
func TestRendersTakeTurns(t *testing.T) {
	tr := reporttest.Translator(t)
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	m := ambitiebot.NewMatrix(cat, orgs, nil)
	rendering.Lock()
	done := make(chan error, 1)
	go func() {
		_, err := Render(m, tr, "nl", Options{})
		done <- err
	}()
	select {
	case <-done:
		rendering.Unlock()
		t.Fatal("a render ran while another held the turn")
	case <-time.After(200 * time.Millisecond):
	}
	rendering.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// opaque returns a w×h image whose pixel (x, y) has colour c(x, y).
func opaque(w, h int, c func(x, y int) color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c(x, y))
		}
	}
	return img
}

func sameColour(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2
}

// With at most 256 colours the paletted image is the same picture, runs
// crossing row ends included.
func TestPalettedIsExactUpTo256Colours(t *testing.T) {
	img := opaque(37, 23, func(x, y int) color.RGBA {
		return color.RGBA{uint8((x / 3) * 7), uint8(y % 4 * 11), uint8((x + y) % 2 * 200), 0xFF}
	})
	p := paletted(img)
	if p == nil {
		t.Fatal("nil for a small palette")
	}
	for y := range 23 {
		for x := range 37 {
			if !sameColour(p.At(x, y), img.At(x, y)) {
				t.Fatalf("(%d,%d) = %v, want %v", x, y, p.At(x, y), img.At(x, y))
			}
		}
	}
}

// Beyond 256 colours the most frequent stay exact and a rare one takes
// the nearest kept colour.
func TestPalettedMapsRareColoursToTheNearest(t *testing.T) {
	// 300 colours: column x (0–299) is grey level x/2 in red, with the
	// first 256 columns three rows tall and the last 44 one pixel each.
	img := opaque(300, 3, func(x, y int) color.RGBA {
		if x >= 256 && y > 0 {
			return color.RGBA{0, 0, 0, 0xFF}
		}
		return color.RGBA{uint8(x * 255 / 299), uint8(x % 7), 0x40, 0xFF}
	})
	p := paletted(img)
	if p == nil || len(p.Palette) != 256 {
		t.Fatalf("palette = %v", p)
	}
	if !sameColour(p.At(10, 0), img.At(10, 0)) {
		t.Errorf("a frequent colour changed: %v, want %v", p.At(10, 0), img.At(10, 0))
	}
	rare := img.RGBAAt(299, 0)
	if got := p.At(299, 0); !sameColour(got, p.Palette[p.Palette.Index(rare)]) {
		t.Errorf("rare colour %v became %v, want the nearest kept one", rare, got)
	}
}

// A photo-like image with too many colours stays true-colour.
func TestPalettedGivesUpOnTooManyColours(t *testing.T) {
	img := opaque(256, 256, func(x, y int) color.RGBA { return color.RGBA{uint8(x), uint8(y), 0, 0xFF} })
	if p := paletted(img); p != nil {
		t.Fatalf("paletted an image of 65,536 colours")
	}
}
