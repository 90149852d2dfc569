package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSV writes one row per organisation and applicable ambition, after a
// header row in the input's language: organisation key, name, kind,
// ambition, theme number, status key, status label, toelichting, time of
// the last change and who made it.
//
// The file is made for Dutch Excel, which is how the working group opens
// it: UTF-8 with a byte-order mark (without it Excel reads the file as
// Windows-1252 and garbles ë and —), ';' as separator (Dutch Excel's list
// separator, because ',' is the decimal comma) and CRLF line ends. No
// "sep=;" line is written: Excel then ignores the BOM. Fields with ';',
// '"' or line breaks are quoted the RFC 4180 way. Free text that starts
// with = + - @ or a tab gets a leading apostrophe so that Excel does not
// run it as a formula (CSV injection).
func CSV(w io.Writer, in Input) error {
	if err := in.check(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	header := []string{}
	for _, id := range []string{"ReportColOrgKey", "ReportColOrganisation", "ReportColKind", "ReportColAmbition",
		"ReportColTheme", "ReportColStatusKey", "ReportColStatus", "ReportColNote", "ReportColUpdatedAt", "ReportColBy"} {
		header = append(header, in.t(id, nil))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	m := in.Matrix
	for _, org := range m.Organisations.Grouped() {
		for _, a := range m.Catalogue.Ambitions() {
			p, ok := m.Cell(org.Key, a.ID)
			if !ok {
				continue
			}
			if err := cw.Write([]string{
				org.Key, noFormula(org.Name), in.kind(org.Kind), a.ID, strconv.Itoa(a.Theme),
				string(p.Status), in.status(p.Status), noFormula(p.Note), stamp(p.UpdatedAt), noFormula(p.UpdatedByName),
			}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// noFormula defuses text that a spreadsheet would evaluate.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
