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
func paletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// First pass: give every distinct colour an id and count it. Runs of
	// one colour are long, so the map is consulted only at edges.
	ids := make([]uint16, w*h)
	idOf := map[uint32]uint16{}
	var colours []uint32
	var freq []int
	prev, prevID := uint32(math.MaxUint32), uint16(0)
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			c := uint32(row[4*x])<<16 | uint32(row[4*x+1])<<8 | uint32(row[4*x+2])
			if c != prev {
				id, ok := idOf[c]
				if !ok {
					if len(colours) == math.MaxUint16 {
						return nil
					}
					id = uint16(len(colours))
					idOf[c] = id
					colours = append(colours, c)
					freq = append(freq, 0)
				}
				prev, prevID = c, id
			}
			ids[y*w+x] = prevID
			freq[prevID]++
		}
	}
	// Most frequent first, ties by value, so the palette is deterministic.
	order := make([]int, len(colours))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if d := cmp.Compare(freq[b], freq[a]); d != 0 {
			return d
		}
		return cmp.Compare(colours[a], colours[b])
	})
	kept := order[:min(len(order), 256)]
	pal := make(color.Palette, len(kept))
	remap := make([]uint8, len(colours))
	for i, id := range kept {
		pal[i] = unpack(colours[id])
		remap[id] = uint8(i)
	}
	for _, id := range order[len(kept):] {
		remap[id] = uint8(pal.Index(unpack(colours[id])))
	}
	out := image.NewPaletted(b, pal)
	for i, id := range ids {
		out.Pix[i] = remap[id]
	}
	return out
}

func unpack(c uint32) color.RGBA {
	return color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 0xFF}
}
