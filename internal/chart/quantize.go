package chart

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"slices"
)

// paletted converts an opaque chart to a paletted image, or returns nil
// when it has too many colours to be worth it. PNG's per-row filters,
// which dominate the encoding time of a true-colour image, are skipped for
// paletted ones, and the file gets smaller. A chart has a few hundred
// colours, nearly all flat fills; beyond 256 the rarest (anti-aliased
// edge pixels) take the nearest kept colour.
//
// It reads the image twice (count the colours, then write their palette
// indices) rather than keeping a colour id per pixel in between: that
// would cost two more bytes per pixel, a third of a chart's memory.
func paletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Runs of one colour are long, so the map is consulted only at edges.
	freq := map[uint32]int{}
	tooMany := false
	eachRun(img, w, h, func(c uint32, n int) bool {
		if _, ok := freq[c]; !ok && len(freq) == math.MaxUint16 {
			tooMany = true
			return false
		}
		freq[c] += n
		return true
	})
	if tooMany {
		return nil
	}
	colours := make([]uint32, 0, len(freq))
	for c := range freq {
		colours = append(colours, c)
	}
	// Most frequent first, ties by value, so the palette is deterministic.
	slices.SortFunc(colours, func(a, b uint32) int {
		if d := cmp.Compare(freq[b], freq[a]); d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	kept := colours[:min(len(colours), 256)]
	pal := make(color.Palette, len(kept))
	index := make(map[uint32]uint8, len(colours))
	for i, c := range kept {
		pal[i] = unpack(c)
		index[c] = uint8(i)
	}
	for _, c := range colours[len(kept):] {
		index[c] = uint8(pal.Index(unpack(c)))
	}
	out := image.NewPaletted(b, pal)
	i := 0
	eachRun(img, w, h, func(c uint32, n int) bool {
		p := index[c]
		for end := i + n; i < end; i++ {
			out.Pix[i] = p
		}
		return true
	})
	return out
}

// eachRun calls f for every horizontal run of one colour (RGB, alpha
// ignored: the chart is opaque), row by row, until f returns false.
func eachRun(img *image.RGBA, w, h int, f func(c uint32, n int) bool) {
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		start, prev := 0, pixel(row, 0)
		for x := 1; x < w; x++ {
			if c := pixel(row, x); c != prev {
				if !f(prev, x-start) {
					return
				}
				start, prev = x, c
			}
		}
		if !f(prev, w-start) {
			return
		}
	}
}

func pixel(row []uint8, x int) uint32 {
	return uint32(row[4*x])<<16 | uint32(row[4*x+1])<<8 | uint32(row[4*x+2])
}

func unpack(c uint32) color.RGBA {
	return color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 0xFF}
}
