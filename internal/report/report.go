// Package report writes the board report and the exports of the progress
// matrix: an XLSX workbook, a CSV file for Dutch Excel and a Markdown
// summary for chat. Every export lists every organisation, also those that
// never sent an update.
package report

import (
	"errors"
	"strconv"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Input is what every export reads.
type Input struct {
	Matrix *ambitiebot.Matrix
	// Changes is the history of the chosen period, [Since, Until).
	Changes []ambitiebot.Change
	// Since is the start of the period; zero means since the beginning.
	Since time.Time
	// Until is the end of the period; zero means GeneratedAt.
	Until       time.Time
	GeneratedAt time.Time
	Lang        string
	Tr          *i18n.Translator
	// Chart is an optional PNG put on the XLSX summary sheet.
	Chart []byte
	// Board marks the half-yearly board report: its heading says so and
	// that it is ready to forward to the board.
	Board bool
	// SignedOn and Deadline are the agreement's dates; the summary states
	// the deadline when Deadline is set.
	SignedOn, Deadline time.Time
}

func (in Input) check() error {
	if in.Matrix == nil || in.Tr == nil {
		return errors.New("report: Input needs a Matrix and a Translator")
	}
	return nil
}

func (in Input) t(id string, data map[string]any) string { return in.Tr.T(in.Lang, id, data) }

func (in Input) n(id string, count int) string { return in.Tr.N(in.Lang, id, count, nil) }

func (in Input) status(s ambitiebot.Status) string { return in.Tr.Status(in.Lang, s) }

func (in Input) kind(k ambitiebot.OrgKind) string { return in.t("Kind_"+string(k), nil) }

func (in Input) until() time.Time {
	if in.Until.IsZero() {
		return in.GeneratedAt
	}
	return in.Until
}

// period describes [Since, Until) in a sentence.
func (in Input) period() string {
	if in.Since.IsZero() {
		return in.t("ReportPeriodAll", map[string]any{"Until": in.day(in.until())})
	}
	return in.t("ReportPeriod", map[string]any{"Since": in.day(in.Since), "Until": in.day(in.until())})
}

// deadline states the agreement's deadline in a sentence, "" without
// one. The agreement gives the parties two years from its signing; a
// deadline configured otherwise is stated as a date only.
func (in Input) deadline() string {
	if in.Deadline.IsZero() {
		return ""
	}
	data := map[string]any{"Deadline": in.day(in.Deadline), "SignedOn": in.day(in.SignedOn)}
	if !in.SignedOn.IsZero() && in.SignedOn.AddDate(2, 0, 0).Equal(in.Deadline) {
		return in.t("ReportDeadlineTwoYears", data)
	}
	return in.t("ReportDeadline", data)
}

// orgName is the configured name of an organisation, or its key when it
// is no longer configured (history may outlive an organisation).
func (in Input) orgName(key string) string {
	if o, ok := in.Matrix.Organisations.ByKey(key); ok {
		return o.Name
	}
	return key
}

// themeName is "3. Wet- en regelgeving, …" in the input's language.
func (in Input) themeName(th ambitiebot.Theme) string {
	return strconv.Itoa(th.Number) + ". " + th.Localized(in.Lang)
}

// day is a date as the reader writes it ("17 juni 2025"); the data
// columns of the CSV stay ISO (stamp), for sorting and spreadsheets.
func (in Input) day(t time.Time) string { return in.Tr.Date(in.Lang, t) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}
