package workgroup

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// Format is an export format of `ambitiebot report`.
type Format string

const (
	FormatXLSX     Format = "xlsx"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "md"
)

// Formats lists the export formats.
var Formats = []Format{FormatXLSX, FormatCSV, FormatMarkdown}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// Write exports every organisation's progress, also of those that never
// sent an update, and the history since since, in format and lang. Only
// the workbook carries the chart.
func (app *App) Write(ctx context.Context, w io.Writer, format Format, lang string, since time.Time) error {
	in, err := app.Input(ctx, lang, since, format == FormatXLSX)
	if err != nil {
		return err
	}
	switch format {
	case FormatXLSX:
		return report.XLSX(w, in)
	case FormatCSV:
		return report.CSV(w, in)
	case FormatMarkdown:
		_, err := io.WriteString(w, report.Markdown(in)+"\n")
		return err
	}
	return fmt.Errorf("workgroup: unknown format %q", format)
}
