package report

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
)

// XLSX writes the board report: a summary sheet (counts and % gereed per
// organisation and per theme, the date and period, and the chart when
// given), a matrix sheet with every organisation's status per ambition in
// the chart's colours (cells that do not apply stay empty), one sheet per
// theme with the toelichtingen, and the history of the period.
func XLSX(w io.Writer, in Input) error {
	if err := in.check(); err != nil {
		return err
	}
	if len(in.Chart) > 0 {
		if _, err := png.DecodeConfig(bytes.NewReader(in.Chart)); err != nil {
			return fmt.Errorf("report: chart is not a PNG: %w", err)
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &book{f: f, in: in}
	if err := b.newStyles(); err != nil {
		return err
	}
	summary := in.t("ReportSheetSummary", nil)
	if err := f.SetSheetName(f.GetSheetName(0), summary); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return b.summary(summary) },
		b.matrix,
	}
	for _, th := range in.Matrix.Catalogue.Themes() {
		steps = append(steps, func() error { return b.theme(th) })
	}
	steps = append(steps, b.history)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

type book struct {
	f  *excelize.File
	in Input
	// style ids
	title, bold, header, wrap, date int
	status                          map[ambitiebot.Status]int
}

func (b *book) newStyles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	// Dates as their readers write them: 8-12-2026 14:05, 8 Dec 2026 14:05.
	dateFmt := "d-m-yyyy hh:mm"
	if b.in.Lang == "en" {
		dateFmt = "d mmm yyyy hh:mm"
	}
	b.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	b.bold = style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	b.header = style(&excelize.Style{
		Font:   &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#EEEEEE"}},
		Border: []excelize.Border{{Type: "bottom", Color: "#999999", Style: 1}},
	})
	b.wrap = style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	b.date = style(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.status = map[ambitiebot.Status]int{}
	for _, s := range ambitiebot.Statuses {
		b.status[s] = style(&excelize.Style{
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#" + chart.Hex(s)}},
			Alignment: &excelize.Alignment{Vertical: "top"},
		})
	}
	return err
}

// put writes values from cell onwards in one row; a nil value leaves a
// cell empty.
func (b *book) put(sheet string, col, row int, values ...any) error {
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	return b.f.SetSheetRow(sheet, cell, &values)
}

// styleRange applies a style to the cells from (c0, r0) to (c1, r1).
func (b *book) styleRange(sheet string, c0, r0, c1, r1, style int) error {
	from, err := excelize.CoordinatesToCellName(c0, r0)
	if err != nil {
		return err
	}
	to, err := excelize.CoordinatesToCellName(c1, r1)
	if err != nil {
		return err
	}
	return b.f.SetCellStyle(sheet, from, to, style)
}

// header writes a header row, styles it and freezes everything above and
// left of (freezeCol+1, row+1).
func (b *book) headerRow(sheet string, row, freezeCol int, titles ...string) error {
	if err := b.put(sheet, 1, row, toAny(titles)...); err != nil {
		return err
	}
	if err := b.styleRange(sheet, 1, row, len(titles), row, b.header); err != nil {
		return err
	}
	topLeft, err := excelize.CoordinatesToCellName(freezeCol+1, row+1)
	if err != nil {
		return err
	}
	return b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: freezeCol, YSplit: row, TopLeftCell: topLeft, ActivePane: "bottomRight"})
}

func (b *book) cols(sheet string, widths ...float64) error {
	for i, wd := range widths {
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.f.SetColWidth(sheet, name, name, wd); err != nil {
			return err
		}
	}
	return nil
}

// excelTime keeps the wall clock of t: Excel has no time zones, and the
// reader expects the times they saw in chat, not UTC.
func excelTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

func (b *book) countHeaders(first ...string) []string {
	out := slices.Clone(first)
	for _, s := range ambitiebot.Statuses {
		out = append(out, b.in.status(s))
	}
	return append(out, b.in.t("ReportColApplicable", nil), b.in.t("ReportColPercentDone", nil))
}

func countValues(t ambitiebot.Tally, first ...any) []any {
	out := slices.Clone(first)
	for _, s := range ambitiebot.Statuses {
		out = append(out, t.Count(s))
	}
	return append(out, t.Applicable, t.Percent())
}

func (b *book) summary(sheet string) error {
	in, m := b.in, b.in.Matrix
	if err := b.put(sheet, 1, 1, in.t("ReportTitle", nil)); err != nil {
		return err
	}
	if err := b.styleRange(sheet, 1, 1, 1, 1, b.title); err != nil {
		return err
	}
	if err := b.put(sheet, 1, 2, in.t("ReportGeneratedAt", map[string]any{"Date": in.day(in.GeneratedAt) + " " + in.GeneratedAt.Format("15:04")})); err != nil {
		return err
	}
	if err := b.put(sheet, 1, 3, in.period()); err != nil {
		return err
	}
	if d := in.deadline(); d != "" {
		if err := b.put(sheet, 1, 4, d); err != nil {
			return err
		}
	}
	row := 5
	section := func(title string, headers []string, rows [][]any) error {
		if err := b.put(sheet, 1, row, title); err != nil {
			return err
		}
		if err := b.styleRange(sheet, 1, row, 1, row, b.bold); err != nil {
			return err
		}
		row++
		if err := b.put(sheet, 1, row, toAny(headers)...); err != nil {
			return err
		}
		if err := b.styleRange(sheet, 1, row, len(headers), row, b.header); err != nil {
			return err
		}
		row++
		for _, r := range rows {
			if err := b.put(sheet, 1, row, r...); err != nil {
				return err
			}
			row++
		}
		row++
		return nil
	}
	var orgRows, themeRows [][]any
	for _, org := range m.Organisations.Grouped() {
		orgRows = append(orgRows, countValues(m.OrgTally(org.Key, 0), org.Name, in.kind(org.Kind)))
	}
	for _, th := range m.Catalogue.Themes() {
		themeRows = append(themeRows, countValues(m.ThemeTally(th.Number), in.themeName(th), nil))
	}
	orgHeaders := b.countHeaders(in.t("ReportColOrganisation", nil), in.t("ReportColKind", nil))
	if err := section(in.t("ReportByOrganisation", nil), orgHeaders, orgRows); err != nil {
		return err
	}
	// The theme table keeps the organisation table's columns, so the
	// counts line up; the kind column stays empty.
	if err := section(in.t("ReportByTheme", nil), b.countHeaders(in.t("ReportColTheme", nil), ""), themeRows); err != nil {
		return err
	}
	if err := b.cols(sheet, 48, 12, 10, 13, 10, 12, 19, 14, 10); err != nil {
		return err
	}
	if len(in.Chart) == 0 {
		return nil
	}
	return b.f.AddPictureFromBytes(sheet, "L2", &excelize.Picture{
		Extension: ".png",
		File:      in.Chart,
		Format:    &excelize.GraphicOptions{AltText: in.t("ReportTitle", nil), ScaleX: 0.75, ScaleY: 0.75, LockAspectRatio: true},
	})
}

func (b *book) matrix() error {
	in, m := b.in, b.in.Matrix
	sheet := in.t("ReportSheetMatrix", nil)
	if _, err := b.f.NewSheet(sheet); err != nil {
		return err
	}
	ambitions := m.Catalogue.Ambitions()
	headers := []string{in.t("ReportColOrganisation", nil), in.t("ReportColKind", nil)}
	for _, a := range ambitions {
		headers = append(headers, a.ID)
	}
	if err := b.headerRow(sheet, 1, 2, headers...); err != nil {
		return err
	}
	for i, org := range m.Organisations.Grouped() {
		row := i + 2
		values := []any{org.Name, in.kind(org.Kind)}
		for _, a := range ambitions {
			if p, ok := m.Cell(org.Key, a.ID); ok {
				values = append(values, in.status(p.Status))
			} else {
				values = append(values, nil) // does not apply: left empty
			}
		}
		if err := b.put(sheet, 1, row, values...); err != nil {
			return err
		}
		for j, a := range ambitions {
			if p, ok := m.Cell(org.Key, a.ID); ok {
				if err := b.styleRange(sheet, j+3, row, j+3, row, b.status[p.Status]); err != nil {
					return err
				}
			}
		}
	}
	widths := []float64{34, 12}
	for range ambitions {
		widths = append(widths, 13)
	}
	return b.cols(sheet, widths...)
}

func (b *book) theme(th ambitiebot.Theme) error {
	in, m := b.in, b.in.Matrix
	sheet := in.t("ReportSheetTheme", map[string]any{"Number": th.Number})
	if _, err := b.f.NewSheet(sheet); err != nil {
		return err
	}
	if err := b.put(sheet, 1, 1, in.themeName(th)); err != nil {
		return err
	}
	if err := b.styleRange(sheet, 1, 1, 1, 1, b.title); err != nil {
		return err
	}
	if err := b.headerRow(sheet, 2, 1, in.t("ReportColOrganisation", nil), in.t("ReportColAmbition", nil),
		in.t("ReportColAmbitionText", nil), in.t("ReportColStatus", nil), in.t("ReportColNote", nil),
		in.t("ReportColUpdatedAt", nil), in.t("ReportColBy", nil)); err != nil {
		return err
	}
	row := 3
	for _, org := range m.Organisations.Grouped() {
		for _, a := range m.Catalogue.InTheme(th.Number) {
			p, ok := m.Cell(org.Key, a.ID)
			if !ok {
				continue
			}
			if err := b.put(sheet, 1, row, org.Name, a.ID, a.Localized(in.Lang), in.status(p.Status), p.Note,
				excelTime(p.UpdatedAt), p.UpdatedByName); err != nil {
				return err
			}
			if err := b.rowStyles(sheet, row, 4, b.status[p.Status], 6); err != nil {
				return err
			}
			row++
		}
	}
	if err := b.themeNotes(sheet, row+1, th); err != nil {
		return err
	}
	return b.cols(sheet, 34, 9, 60, 14, 60, 17, 20)
}

// themeNotes writes the agreement's footnotes to the theme's ambitions
// from row on, one a row under the ambition's id: they say when an
// ambition counts as done. Nothing when the theme has none.
func (b *book) themeNotes(sheet string, row int, th ambitiebot.Theme) error {
	first := true
	for _, a := range b.in.Matrix.Catalogue.InTheme(th.Number) {
		for _, note := range a.LocalizedNotes(b.in.Lang) {
			if first {
				if err := b.put(sheet, 1, row, b.in.t("ReportNotesTitle", nil)); err != nil {
					return err
				}
				if err := b.styleRange(sheet, 1, row, 1, row, b.bold); err != nil {
					return err
				}
				row++
				first = false
			}
			if err := b.put(sheet, 2, row, a.ID, note); err != nil {
				return err
			}
			if err := b.styleRange(sheet, 2, row, 3, row, b.wrap); err != nil {
				return err
			}
			row++
		}
	}
	return nil
}

// rowStyles wraps a data row's text, colours its status column and
// formats its date column.
func (b *book) rowStyles(sheet string, row, statusCol, statusStyle, dateCol int) error {
	if err := b.styleRange(sheet, 1, row, dateCol+1, row, b.wrap); err != nil {
		return err
	}
	if err := b.styleRange(sheet, statusCol, row, statusCol, row, statusStyle); err != nil {
		return err
	}
	return b.styleRange(sheet, dateCol, row, dateCol, row, b.date)
}

func (b *book) history() error {
	in := b.in
	sheet := in.t("ReportSheetHistory", nil)
	if _, err := b.f.NewSheet(sheet); err != nil {
		return err
	}
	if err := b.put(sheet, 1, 1, in.period()); err != nil {
		return err
	}
	if err := b.headerRow(sheet, 2, 0, in.t("ReportColWhen", nil), in.t("ReportColOrganisation", nil),
		in.t("ReportColAmbition", nil), in.t("ReportColFrom", nil), in.t("ReportColTo", nil),
		in.t("ReportColBy", nil), in.t("ReportColNote", nil)); err != nil {
		return err
	}
	changes := slices.Clone(in.Changes)
	slices.SortStableFunc(changes, func(a, b ambitiebot.Change) int { return a.At.Compare(b.At) })
	if len(changes) == 0 {
		return b.put(sheet, 1, 3, in.t("ReportHistoryEmpty", nil))
	}
	for i, c := range changes {
		row := i + 3
		if err := b.put(sheet, 1, row, excelTime(c.At), in.orgName(c.OrgKey), c.AmbitionID,
			in.status(c.From), in.status(c.To), c.UserName, c.Note); err != nil {
			return err
		}
		if err := b.styleRange(sheet, 2, row, 7, row, b.wrap); err != nil {
			return err
		}
		if err := b.styleRange(sheet, 1, row, 1, row, b.date); err != nil {
			return err
		}
		if err := b.styleRange(sheet, 5, row, 5, row, b.status[c.To]); err != nil {
			return err
		}
	}
	return b.cols(sheet, 17, 34, 9, 14, 14, 20, 60)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
