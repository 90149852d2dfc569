package chart

import (
	"image"
	"image/color"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// What the tests of the drawing measure, which the bot itself never asks.

// OrgBar is the track of organisation org's bar (full charts only).
func (l *Layout) OrgBar(org int) image.Rectangle { return l.orgBars[org] }

// KindBar is the track of kind k's bar (aggregated charts only).
func (l *Layout) KindBar(k ambitiebot.OrgKind) image.Rectangle { return l.kindBars[k] }

// ThemeBar is the track of theme n's bar.
func (l *Layout) ThemeBar(n int) image.Rectangle { return l.themeBars[n] }

// BlankColour is the colour of a cell whose ambition does not apply to the
// organisation: the background, so such cells read as holes in the grid.
func BlankColour() color.RGBA { return colourBlank }
