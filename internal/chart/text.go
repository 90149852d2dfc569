package chart

import (
	"image"
	"image/color"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The Go fonts are embedded in the binary: the chart never depends on the
// fonts of the machine it runs on.
var parsedFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(gobold.TTF)
	return [2]*opentype.Font{regular, bold}, err
})

// faces holds the font faces of one render; a face is not safe for
// concurrent use, so each render makes its own.
type faces struct {
	title, head, text, small font.Face
}

func newFaces() (*faces, error) {
	fs, err := parsedFonts()
	if err != nil {
		return nil, err
	}
	f := &faces{}
	for _, spec := range []struct {
		dst  *font.Face
		font *opentype.Font
		size float64
	}{
		{&f.title, fs[1], 20}, {&f.head, fs[1], 13}, {&f.text, fs[0], 13}, {&f.small, fs[0], 11},
	} {
		face, err := opentype.NewFace(spec.font, &opentype.FaceOptions{Size: spec.size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			f.close()
			return nil, err
		}
		*spec.dst = face
	}
	return f, nil
}

func (f *faces) close() {
	for _, face := range []font.Face{f.title, f.head, f.text, f.small} {
		if face != nil {
			_ = face.Close()
		}
	}
}

func width(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }

// fit shortens s with an ellipsis until it is at most maxW pixels wide.
func fit(face font.Face, s string, maxW int) string {
	if width(face, s) <= maxW {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if t := string(r) + "…"; width(face, t) <= maxW {
			return t
		}
	}
	return ""
}

// text draws s with its baseline at y.
func text(dst *image.RGBA, face font.Face, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
