package chart

import (
	"image"
	"image/color"
	"strconv"

	"golang.org/x/image/font"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// builder plans the chart in one pass: it places every element, records
// the geometry in the Layout and queues the drawing, which runs once the
// final size of the image is known.
type builder struct {
	m     *ambitiebot.Matrix
	tr    *i18n.Translator
	lang  string
	f     *faces
	l     *Layout
	ops   []func(*painter)
	right int
}

// group is the organisations of one kind, by index in Organisations.All().
type group struct {
	kind  ambitiebot.OrgKind
	orgs  []int
	label string
}

// barOrder is the order of the segments of a bar: the statuses that count
// towards % gereed. stackOrder adds nvt on top for the aggregated cells.
var (
	barOrder   = []ambitiebot.Status{ambitiebot.StatusDone, ambitiebot.StatusInProgress, ambitiebot.StatusBlocked, ambitiebot.StatusNotStarted}
	stackOrder = append(append([]ambitiebot.Status{}, barOrder...), ambitiebot.StatusNA)
)

func (b *builder) draw(op func(p *painter)) { b.ops = append(b.ops, op) }

func (b *builder) grow(x int) { b.right = max(b.right, x) }

func (b *builder) text(face font.Face, x, y int, s string, c color.Color) {
	b.draw(func(p *painter) { text(p.dst, face, x, y, s, c) })
	b.grow(x + width(face, s))
}

func (b *builder) groups() []group {
	var gs []group
	all := b.m.Organisations.All()
	for _, k := range ambitiebot.OrgKinds {
		g := group{kind: k}
		for i, o := range all {
			if o.Kind == k {
				g.orgs = append(g.orgs, i)
			}
		}
		if len(g.orgs) > 0 {
			g.label = b.tr.N(b.lang, "ReportKindGroup_"+string(k), len(g.orgs), nil)
			gs = append(gs, g)
		}
	}
	return gs
}

func (b *builder) plan(opts Options) {
	l, f, tr, lang := b.l, b.f, b.tr, b.lang
	y := margin
	title := tr.T(lang, "ReportTitle", nil)
	if !opts.AsOf.IsZero() {
		title = tr.T(lang, "ReportTitleAsOf", map[string]any{"Date": tr.Date(lang, opts.AsOf)})
	}
	b.text(f.title, margin, y+18, title, colourText)
	y += 32
	if l.Aggregated {
		b.text(f.small, margin, y+11, tr.N(lang, "ReportChartAggregated", b.m.Organisations.Len(), nil), colourMuted)
		y += 20
	}

	gs := b.groups()
	labelW := 0
	for _, g := range gs {
		labelW = max(labelW, width(f.head, g.label))
		if !l.Aggregated {
			for _, i := range g.orgs {
				labelW = max(labelW, width(f.text, b.m.Organisations.All()[i].Name))
			}
		}
	}
	labelW = min(labelW, labelMaxW) + labelPad
	gridX := margin + labelW

	y = b.columns(gridX, y)
	if l.Aggregated {
		y = b.kindRows(gs, y)
	} else {
		y = b.orgRows(gs, y)
	}
	y = b.legend(y + sectionSkip - groupGap)
	y = b.bars(gs, gridX, y+sectionSkip)
	l.Width = b.right + margin
	l.Height = y + margin
}

// columns places the ambitions' columns, grouped by theme with a header
// and a rule over each theme, and returns the y where rows start.
func (b *builder) columns(gridX, y int) int {
	cat := b.m.Catalogue
	b.l.cols = make([]int, len(cat.Ambitions()))
	index := make(map[string]int, len(cat.Ambitions()))
	for i, a := range cat.Ambitions() {
		index[a.ID] = i
	}
	x := gridX
	for _, th := range cat.Themes() {
		x0 := x
		for _, a := range cat.InTheme(th.Number) {
			b.l.cols[index[a.ID]] = x
			b.text(b.f.small, x+(cellW-width(b.f.small, a.ID))/2, y+34, a.ID, colourText)
			x += cellW + gap
		}
		x1 := x - gap
		if x1 <= x0 {
			continue
		}
		header := b.tr.T(b.lang, "ReportChartTheme", map[string]any{"Number": th.Number})
		if width(b.f.head, header) > x1-x0 {
			header = strconv.Itoa(th.Number)
		}
		b.text(b.f.head, x0+(x1-x0-width(b.f.head, header))/2, y+14, header, colourText)
		rule := image.Rect(x0, y+19, x1, y+21)
		b.draw(func(p *painter) { fill(p.dst, rule, colourRule) })
		b.grow(x1)
		x += themeGap
	}
	return y + 42
}

func (b *builder) orgRows(gs []group, y int) int {
	l, all, cat := b.l, b.m.Organisations.All(), b.m.Catalogue.Ambitions()
	l.rowH = cellH
	for _, g := range gs {
		b.text(b.f.head, margin, y+16, g.label, colourText)
		y += 24
		for _, oi := range g.orgs {
			org := all[oi]
			b.text(b.f.text, margin, y+15, fit(b.f.text, org.Name, labelMaxW), colourText)
			l.orgY[oi] = y
			for ai, a := range cat {
				p, ok := b.m.Cell(org.Key, a.ID)
				if !ok {
					continue // does not apply: the background shows
				}
				r, s := l.CellRect(oi, ai), p.Status
				b.draw(func(p *painter) { p.cell(r, s) })
			}
			y += cellH + gap
		}
		y += groupGap
	}
	return y
}

func (b *builder) kindRows(gs []group, y int) int {
	l, all, cat := b.l, b.m.Organisations.All(), b.m.Catalogue.Ambitions()
	l.rowH = aggCellH
	for _, g := range gs {
		b.text(b.f.head, margin, y+aggCellH/2+5, fit(b.f.head, g.label, labelMaxW), colourText)
		l.kindY[g.kind] = y
		for ai, a := range cat {
			if !a.AppliesToKind(g.kind) {
				continue
			}
			counts := map[ambitiebot.Status]int{}
			for _, oi := range g.orgs {
				if p, ok := b.m.Cell(all[oi].Key, a.ID); ok {
					counts[p.Status]++
				}
			}
			r := l.KindCellRect(g.kind, ai)
			b.draw(func(p *painter) { stack(p, r, counts, stackOrder, len(g.orgs), false) })
		}
		y += aggCellH + gap + groupGap
	}
	return y
}

// legend places one swatch per status plus the blank cell, wrapping at
// the width of the matrix, and returns the y below it.
func (b *builder) legend(y int) int {
	wrap := max(b.right, 640)
	x, top := margin, y
	item := func(label string, paint func(p *painter, r image.Rectangle)) {
		w := swatchW + 6 + width(b.f.text, label) + 18
		if x+w > wrap && x > margin {
			x, y = margin, y+swatchH+8
		}
		r := image.Rect(x, y, x+swatchW, y+swatchH)
		b.draw(func(p *painter) { paint(p, r) })
		b.text(b.f.text, x+swatchW+6, y+14, label, colourText)
		x += w
	}
	for _, s := range ambitiebot.Statuses {
		item(b.tr.Status(b.lang, s), func(p *painter, r image.Rectangle) { p.cell(r, s) })
	}
	item(b.tr.T(b.lang, "ReportChartLegendBlank", nil), func(p *painter, r image.Rectangle) {
		fill(p.dst, r, colourRule)
		fill(p.dst, r.Inset(1), colourBlank)
	})
	y += swatchH
	b.l.Legend = image.Rect(margin, top, max(x, wrap), y)
	return y
}

// bars places the % gereed bars: per organisation (or per kind when
// aggregated) on the left, per theme on the right.
func (b *builder) bars(gs []group, gridX, y int) int {
	l, f := b.l, b.f
	heading := "ReportChartDoneByOrg"
	if l.Aggregated {
		heading = "ReportChartDoneByKind"
	}
	b.text(f.head, margin, y+14, b.tr.T(b.lang, heading, nil), colourText)
	yl := y + 24
	all := b.m.Organisations.All()
	for _, g := range gs {
		if l.Aggregated {
			var t ambitiebot.Tally
			for _, oi := range g.orgs {
				t = sum(t, b.m.OrgTally(all[oi].Key, 0))
			}
			b.text(f.text, margin, yl+12, fit(f.text, g.label, gridX-margin-labelPad), colourText)
			l.kindBars[g.kind] = b.bar(gridX, yl, barW, t)
			yl += barH + 6
			continue
		}
		for _, oi := range g.orgs {
			b.text(f.text, margin, yl+12, fit(f.text, all[oi].Name, gridX-margin-labelPad), colourText)
			l.orgBars[oi] = b.bar(gridX, yl, barW, b.m.OrgTally(all[oi].Key, 0))
			yl += barH + 6
		}
		yl += 4
	}

	rx := gridX + barW + 70
	b.text(f.head, rx, y+14, b.tr.T(b.lang, "ReportChartDoneByTheme", nil), colourText)
	yr := y + 24
	for _, th := range b.m.Catalogue.Themes() {
		name := strconv.Itoa(th.Number) + ". " + th.Localized(b.lang)
		// A theme's name may use the width the matrix above gives it.
		b.text(f.text, rx, yr+12, fit(f.text, name, max(themeBarW+40, b.right-rx)), colourText)
		l.themeBars[th.Number] = b.bar(rx, yr+18, themeBarW, b.m.ThemeTally(th.Number))
		yr += 18 + barH + 12
	}
	return max(yl, yr)
}

// bar draws a stacked bar of t's statuses (nvt left out, so the gereed
// segment is exactly Tally.Percent) and the percentage after it.
func (b *builder) bar(x, y, w int, t ambitiebot.Tally) image.Rectangle {
	r := image.Rect(x, y, x+w, y+barH)
	base := t.Applicable - t.Count(ambitiebot.StatusNA)
	b.draw(func(p *painter) {
		fill(p.dst, r, colourTrack)
		stack(p, r, t.ByStatus, barOrder, base, true)
	})
	label := "–"
	if base > 0 {
		label = strconv.Itoa(t.Percent()) + "%"
	}
	b.text(b.f.small, r.Max.X+8, y+barH-2, label, colourText)
	return r
}

// stack fills r with one segment per status in order, sized by its share
// of total; horizontal bars grow rightwards, vertical ones upwards.
// Cumulative rounding makes the segments fill r exactly.
func stack(p *painter, r image.Rectangle, counts map[ambitiebot.Status]int, order []ambitiebot.Status, total int, horizontal bool) {
	if total <= 0 {
		return
	}
	size := r.Dy()
	if horizontal {
		size = r.Dx()
	}
	cum := 0
	for _, s := range order {
		c := counts[s]
		if c == 0 {
			continue
		}
		from, to := cum*size/total, (cum+c)*size/total
		cum += c
		if horizontal {
			p.plain(image.Rect(r.Min.X+from, r.Min.Y, r.Min.X+to, r.Max.Y), s)
		} else {
			p.plain(image.Rect(r.Min.X, r.Max.Y-to, r.Max.X, r.Max.Y-from), s)
		}
	}
}

// sum adds two tallies.
func sum(a, b ambitiebot.Tally) ambitiebot.Tally {
	out := ambitiebot.Tally{Applicable: a.Applicable + b.Applicable, ByStatus: map[ambitiebot.Status]int{}}
	for _, t := range []ambitiebot.Tally{a, b} {
		for s, n := range t.ByStatus {
			out.ByStatus[s] += n
		}
	}
	return out
}
