package report_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
	"github.com/drentse-aanpak/ambitiebot/internal/report/reporttest"
)

var (
	ams   = time.FixedZone("CET", 3600)
	now   = time.Date(2027, 1, 4, 9, 30, 0, 0, ams)
	since = time.Date(2026, 12, 1, 0, 0, 0, 0, ams)
)

// nasty is a toelichting with everything that breaks CSV, tables and
// spreadsheets.
const nasty = "Wacht op \"APV\"; raad 12-3\nzie | tabel\n# kop\n```code``` =SOM(A1)"

// fixture is 17 organisations with a few known statuses and a history for
// them, in lang.
func fixture(t testing.TB, lang string) report.Input {
	t.Helper()
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	at := time.Date(2026, 12, 10, 14, 5, 0, 0, ams)
	ps := []ambitiebot.Progress{
		{OrgKey: "gem-1", AmbitionID: "1.1", Status: ambitiebot.StatusDone, Note: "Plan vastgesteld", UpdatedAt: at, UpdatedByName: "anna"},
		{OrgKey: "gem-1", AmbitionID: "2.1", Status: ambitiebot.StatusBlocked, Note: nasty, UpdatedAt: at.Add(time.Hour), UpdatedByName: "anna"},
		{OrgKey: "ws-1", AmbitionID: "4.2", Status: ambitiebot.StatusNA, Note: "=HYPERLINK(\"x\")", UpdatedAt: at, UpdatedByName: "-bert"},
		{OrgKey: "prov-1", AmbitionID: "3.4", Status: ambitiebot.StatusInProgress, UpdatedAt: at, UpdatedByName: "carla"},
	}
	changes := []ambitiebot.Change{
		{ID: 1, OrgKey: "gem-1", AmbitionID: "1.1", From: ambitiebot.StatusNotStarted, To: ambitiebot.StatusInProgress, UserName: "anna", At: at.Add(-48 * time.Hour)},
		{ID: 2, OrgKey: "gem-1", AmbitionID: "1.1", From: ambitiebot.StatusInProgress, To: ambitiebot.StatusDone, Note: "Plan vastgesteld", UserName: "anna", At: at},
		{ID: 3, OrgKey: "gem-1", AmbitionID: "2.1", From: ambitiebot.StatusNotStarted, To: ambitiebot.StatusBlocked, Note: nasty, UserName: "anna", At: at.Add(time.Hour)},
		{ID: 4, OrgKey: "ws-1", AmbitionID: "4.2", From: ambitiebot.StatusNotStarted, To: ambitiebot.StatusNA, Note: "=HYPERLINK(\"x\")", UserName: "-bert", At: at},
		{ID: 5, OrgKey: "prov-1", AmbitionID: "3.4", From: ambitiebot.StatusDone, To: ambitiebot.StatusInProgress, UserName: "carla", At: at},
	}
	return report.Input{
		Matrix: ambitiebot.NewMatrix(cat, orgs, ps), Changes: changes,
		Since: since, Until: now, GeneratedAt: now, Lang: lang, Tr: reporttest.Translator(t),
	}
}

// openXLSX writes in as XLSX and reopens it with the same library.
func openXLSX(t *testing.T, in report.Input) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := report.XLSX(&buf, in); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func TestXLSX(t *testing.T) {
	in := fixture(t, "nl")
	png, err := chart.Render(in.Matrix, in.Tr, in.Lang, chart.Options{AsOf: now})
	if err != nil {
		t.Fatal(err)
	}
	in.Chart = png
	f := openXLSX(t, in)

	want := []string{"Samenvatting", "Matrix", "Thema 1", "Thema 2", "Thema 3", "Thema 4", "Thema 5", "Historie"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	fillOf := func(sheet, ref string) string {
		t.Helper()
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) == 0 {
			return ""
		}
		return strings.TrimPrefix(strings.ToUpper(st.Fill.Color[0]), "#")
	}

	// Summary: title, date, period, then every organisation with its counts.
	if got := cell("Samenvatting", "A1"); got != "Voortgang Drentse aanpak ondermijning" {
		t.Errorf("A1 = %q", got)
	}
	if got := cell("Samenvatting", "A2"); !strings.Contains(got, "4 januari 2027 09:30") {
		t.Errorf("A2 = %q, want the generation time", got)
	}
	if got := cell("Samenvatting", "A3"); !strings.Contains(got, "1 december 2026") || !strings.Contains(got, "4 januari 2027") {
		t.Errorf("A3 = %q, want the period", got)
	}
	rows, err := f.GetRows("Samenvatting")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string][]string{}
	for _, r := range rows {
		if len(r) > 0 {
			seen[r[0]] = r
		}
	}
	for _, org := range in.Matrix.Organisations.All() {
		if _, ok := seen[org.Name]; !ok {
			t.Errorf("summary lacks %s", org.Name)
		}
	}
	// gem-1: 1 gereed, 1 knelpunt; headers: name, kind, 5 statuses, applicable, %.
	if r := seen["Gemeente Voorbeeld 1"]; len(r) < 9 || r[1] != "Gemeente" || r[2] != "1" || r[4] != "1" || r[7] != "27" || r[8] != "3" {
		t.Errorf("summary row of gem-1 = %v", r)
	}
	if pics, err := f.GetPictures("Samenvatting", "L2"); err != nil || len(pics) != 1 {
		t.Errorf("chart on the summary sheet: %d pictures, err %v", len(pics), err)
	}

	// Matrix: organisations by kind (municipalities first), ambitions in
	// catalogue order from column C; colours from the chart's palette.
	if got := cell("Matrix", "A2"); got != "Gemeente Voorbeeld 1" {
		t.Errorf("Matrix A2 = %q", got)
	}
	if got := cell("Matrix", "C1"); got != "1.1" {
		t.Errorf("Matrix C1 = %q", got)
	}
	if got, fill := cell("Matrix", "C2"), fillOf("Matrix", "C2"); got != "Gereed" || fill != "009E73" {
		t.Errorf("gem-1 × 1.1 = %q fill %q, want Gereed 009E73", got, fill)
	}
	// 2.1 is the 7th ambition: column I.
	if got, fill := cell("Matrix", "I2"), fillOf("Matrix", "I2"); got != "Knelpunt" || fill != "D55E00" {
		t.Errorf("gem-1 × 2.1 = %q fill %q, want Knelpunt D55E00", got, fill)
	}
	matrix, _ := f.GetRows("Matrix")
	if len(matrix) != 1+17 {
		t.Errorf("matrix has %d rows, want a header and 17 organisations", len(matrix))
	}
	// Water boards come last; 1.2 is for municipalities only: empty, no fill.
	last := len(matrix)
	if got := cell("Matrix", "A"+strconv.Itoa(last)); !strings.HasPrefix(got, "Waterschap") {
		t.Errorf("last row is %q, want a water board", got)
	}
	if got, fill := cell("Matrix", "D"+strconv.Itoa(last)), fillOf("Matrix", "D"+strconv.Itoa(last)); got != "" || fill != "" {
		t.Errorf("a cell that does not apply holds %q with fill %q", got, fill)
	}
	if got, fill := cell("Matrix", "D2"), fillOf("Matrix", "D2"); got != "Niet gestart" || fill != "BBBBBB" {
		t.Errorf("a municipality without progress on 1.2: %q fill %q", got, fill)
	}
	panes, err := f.GetPanes("Matrix")
	if err != nil || !panes.Freeze || panes.XSplit != 2 || panes.YSplit != 1 {
		t.Errorf("matrix panes = %+v, %v; want the header row and name columns frozen", panes, err)
	}

	// Theme 2 holds gem-1's toelichting on 2.1 verbatim.
	found := false
	theme2, _ := f.GetRows("Thema 2")
	for _, r := range theme2 {
		if len(r) > 4 && r[0] == "Gemeente Voorbeeld 1" && r[1] == "2.1" {
			found = true
			if r[3] != "Knelpunt" || r[4] != nasty || r[6] != "anna" {
				t.Errorf("theme 2 row = %q", r)
			}
		}
	}
	if !found {
		t.Error("theme 2 lacks gem-1 × 2.1")
	}

	// History: the period's changes, oldest first, with local times.
	history, _ := f.GetRows("Historie")
	if len(history) != 2+len(in.Changes) {
		t.Fatalf("history has %d rows, want %d", len(history), 2+len(in.Changes))
	}
	if r := history[2]; r[0] != "8-12-2026 14:05" || r[1] != "Gemeente Voorbeeld 1" || r[3] != "Niet gestart" || r[4] != "In uitvoering" {
		t.Errorf("first history row = %q", r)
	}
}

// English readers get their own date format, with the month's name.
func TestXLSXEnglishDates(t *testing.T) {
	f := openXLSX(t, fixture(t, "en"))
	if v, _ := f.GetCellValue("History", "A3"); v != "8 Dec 2026 14:05" {
		t.Errorf("first change's date = %q", v)
	}
}

func TestXLSXEnglishWithoutChartOrHistory(t *testing.T) {
	in := fixture(t, "en")
	in.Changes, in.Since = nil, time.Time{}
	f := openXLSX(t, in)
	if got := f.GetSheetList(); got[0] != "Summary" || got[len(got)-1] != "History" {
		t.Errorf("sheets = %v", got)
	}
	if v, _ := f.GetCellValue("History", "A3"); v != "No changes in this period." {
		t.Errorf("empty history says %q", v)
	}
	if v, _ := f.GetCellValue("Summary", "A3"); !strings.Contains(v, "all changes") {
		t.Errorf("period without a start = %q", v)
	}
}

func TestXLSXRejectsNonPNGChart(t *testing.T) {
	in := fixture(t, "nl")
	in.Chart = []byte("GIF89a not a png")
	if err := report.XLSX(&bytes.Buffer{}, in); err == nil {
		t.Error("a chart that is not a PNG must be refused")
	}
}

func TestCSV(t *testing.T) {
	in := fixture(t, "nl")
	var buf bytes.Buffer
	if err := report.CSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	data, ok := bytes.CutPrefix(buf.Bytes(), []byte("\uFEFF"))
	if !ok {
		t.Fatal("no UTF-8 byte-order mark")
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("rows should end in CRLF for Excel")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"Organisatiecode", "Organisatie", "Soort", "Ambitie", "Thema", "Statuscode", "Status", "Toelichting", "Laatst gewijzigd", "Door"}
	if !slices.Equal(records[0], wantHeader) {
		t.Errorf("header = %q", records[0])
	}
	applicable, orgs := 0, map[string]bool{}
	for _, org := range in.Matrix.Organisations.All() {
		applicable += len(in.Matrix.Catalogue.ForKind(org.Kind))
	}
	if len(records) != 1+applicable {
		t.Fatalf("%d rows, want a header and %d applicable cells", len(records), applicable)
	}
	byCell := map[string][]string{}
	for _, rec := range records[1:] {
		orgs[rec[0]] = true
		byCell[rec[0]+"×"+rec[3]] = rec
	}
	if len(orgs) != 17 {
		t.Errorf("%d organisations in the CSV, want all 17", len(orgs))
	}
	if got := byCell["gem-1×2.1"]; !slices.Equal(got, []string{"gem-1", "Gemeente Voorbeeld 1", "Gemeente", "2.1", "2",
		"knelpunt", "Knelpunt", nasty, "2026-12-10 15:05", "anna"}) {
		t.Errorf("gem-1 × 2.1 = %q", got)
	}
	if got := byCell["gem-2×1.1"]; got[5] != "niet-gestart" || got[7] != "" || got[8] != "" {
		t.Errorf("a cell without progress = %q", got)
	}
	// Formula-looking free text is defused; keys and ids are not touched.
	if got := byCell["ws-1×4.2"]; got[7] != "'=HYPERLINK(\"x\")" || got[9] != "'-bert" {
		t.Errorf("formula injection not defused: %q", got)
	}
	if _, ok := byCell["ws-1×1.2"]; ok {
		t.Error("an ambition that does not apply must not get a row")
	}
}

func TestMarkdown(t *testing.T) {
	in := fixture(t, "nl")
	md := report.Markdown(in)
	for _, want := range []string{
		"#### Voortgang Drentse aanpak ondermijning — stand 4 januari 2027",
		"| Gemeente Voorbeeld 1 | 1 | 0 | 1 | 25 | 0 | 3% |",
		"Periode: van 1 december 2026 tot 4 januari 2027",
		"Sinds 1 december 2026: 5 wijzigingen, 1 ambitie gereed, 1 nieuw knelpunt, 1 teruggezet.",
		// What changed, per theme.
		"##### Wat is er veranderd\nSinds 1 december 2026: 5 wijzigingen, 1 ambitie gereed, 1 nieuw knelpunt, 1 teruggezet.\n\n**1\\. ",
		"**1\\. Verhogen bewustwording bij het bestuur en ambtelijke organisatie**\n- **Gemeente Voorbeeld 1**: gereed 1.1\n\n" +
			"**2\\. Informatiepositie en -huishouding**\n- **Gemeente Voorbeeld 1**: nieuw knelpunt 2.1 (",
		"**3\\. Wet- en regelgeving, beleid en handhaving**\n- **Provincie Voorbeeld 1**: teruggezet 3.4",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Deadline") || strings.Contains(md, "Bestuurlijk Veiligheidsoverleg") {
		t.Errorf("a summary without the agreement's dates states them:\n%s", md)
	}
	// ws-1 only declared something not applicable: a change, not a move.
	if strings.Contains(md, "**Waterschap Voorbeeld 1**") {
		t.Error("a change to nvt is no move")
	}
	assertSafeMarkdown(t, md)
}

// assertSafeMarkdown checks that user text could not break the layout:
// every table row has as many cells as its table's header, no line starts
// a heading other than ours, and no code fence appears.
func assertSafeMarkdown(t *testing.T, md string) {
	t.Helper()
	cells := -1
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "|"):
			n := unescapedPipes(line)
			if cells < 0 {
				cells = n
			} else if n != cells {
				t.Errorf("table row with %d cells instead of %d: %q", n, cells, line)
			}
		default:
			cells = -1
		}
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "#### ") && !strings.HasPrefix(line, "##### ") {
			t.Errorf("a line starts a heading: %q", line)
		}
		if strings.Contains(line, "```") {
			t.Errorf("a code fence got through: %q", line)
		}
	}
}

func unescapedPipes(s string) int {
	n, backslashes := 0, 0
	for _, r := range s {
		switch {
		case r == '\\':
			backslashes++
			continue
		case r == '|' && backslashes%2 == 0:
			n++
		}
		backslashes = 0
	}
	return n
}

// The half-yearly board report says so, and states its period and the
// agreement's deadline, in the reader's language; so does the workbook.
func TestBoardSummaryStatesPeriodAndDeadline(t *testing.T) {
	for lang, want := range map[string][]string{
		"nl": {"#### Voortgangsrapportage Drentse aanpak ondermijning — 4 januari 2027\nKlaar om door te sturen naar het Bestuurlijk Veiligheidsoverleg Drenthe.\n" +
			"Periode: van 1 december 2026 tot 4 januari 2027\n" +
			"Deadline: 2 februari 2026. De partijen realiseren de ambities die voor hen gelden binnen twee jaar na de ondertekening van de overeenkomst op 2 februari 2024.\n"},
		"en": {"Period: from 1 December 2026 to 4 January 2027", "Deadline: 2 February 2026.", "signing the agreement on 2 February 2024"},
	} {
		in := fixture(t, lang)
		in.Board = true
		in.SignedOn, in.Deadline = time.Date(2024, 2, 2, 0, 0, 0, 0, ams), time.Date(2026, 2, 2, 0, 0, 0, 0, ams)
		md := report.Markdown(in)
		for _, w := range want {
			if !strings.Contains(md, w) {
				t.Errorf("%s board summary lacks %q:\n%s", lang, w, md)
			}
		}
		assertSafeMarkdown(t, md)
		if lang == "nl" {
			cell, err := openXLSX(t, in).GetCellValue("Samenvatting", "A4")
			if err != nil || !strings.HasPrefix(cell, "Deadline: 2 februari 2026.") {
				t.Errorf("workbook summary A4 = %q, %v", cell, err)
			}
		}
		// A deadline configured otherwise is stated as a date only.
		in.Deadline = time.Date(2026, 7, 1, 0, 0, 0, 0, ams)
		if md := report.Markdown(in); !strings.Contains(md, map[string]string{
			"nl": "Deadline van de overeenkomst (ondertekend op 2 februari 2024): 1 juli 2026.",
			"en": "Deadline of the agreement (signed on 2 February 2024): 1 July 2026."}[lang]) {
			t.Errorf("%s: configured deadline:\n%s", lang, md)
		}
	}
}

func TestMarkdownFitsOnePostAtNationalScale(t *testing.T) {
	tr := reporttest.Translator(t)
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(400)
	ps := reporttest.Progress(cat, orgs, 0.8, 7, now)
	for i := range ps {
		ps[i].Note = nasty
	}
	in := report.Input{Matrix: ambitiebot.NewMatrix(cat, orgs, ps), Changes: reporttest.Changes(ps),
		Since: since, GeneratedAt: now, Lang: "nl", Tr: tr}
	md := report.Markdown(in)
	if n := len([]rune(md)); n > report.MaxMarkdownRunes {
		t.Fatalf("%d runes, more than one post holds", n)
	}
	if !strings.Contains(md, "organisaties; zie het rapport.") {
		t.Error("a cut list must say how much was left off")
	}
	for _, th := range cat.Themes() {
		if !strings.Contains(md, "| "+report.EscapeCell(strconv.Itoa(th.Number)+". "+th.Name)+" |") {
			t.Errorf("theme %d is missing from the summary", th.Number)
		}
	}
	assertSafeMarkdown(t, md)
}

func TestEscapeCell(t *testing.T) {
	for in, want := range map[string]string{
		"gewoon tekst":       "gewoon tekst",
		"a | b":              `a \| b`,
		"regel 1\nregel 2":   "regel 1 regel 2",
		"# kop":              `\# kop`,
		"```go\nx```":        "\\`\\`\\`go x\\`\\`\\`",
		"- lijst":            `\- lijst`,
		"12. genummerd":      `12\. genummerd`,
		"3.2 blijft staan":   "3.2 blijft staan",
		`al \| ge-escaped`:   `al \\\| ge-escaped`,
		"*vet* _schuin_ ~x~": `\*vet\* \_schuin\_ \~x\~`,
		"[link](http://x)":   `\[link\](http://x)`,
		"![img](x)":          `\!\[img\](x)`,
		"<b>html</b>":        `\<b\>html\</b\>`,
		"  \t spaties \r\n ": "spaties",
	} {
		if got := report.EscapeCell(in); got != want {
			t.Errorf("EscapeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscapeCell checks the properties the views rely on: one line, and no
// pipe, backtick or heading that Markdown would act on.
func FuzzEscapeCell(f *testing.F) {
	for _, s := range []string{nasty, "|", "\\|", "#", "a\u2028b", "1) x", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := report.EscapeCell(s)
		if strings.ContainsAny(out, "\n\r\u2028\u2029") {
			t.Fatalf("line break in %q", out)
		}
		if strings.HasPrefix(out, "#") {
			t.Fatalf("heading in %q", out)
		}
		backslashes := 0
		for _, r := range out {
			if (r == '|' || r == '`') && backslashes%2 == 0 {
				t.Fatalf("unescaped %q in %q", r, out)
			}
			if r == '\\' {
				backslashes++
			} else {
				backslashes = 0
			}
		}
	})
}

func BenchmarkXLSX17x28(b *testing.B) {
	tr := reporttest.Translator(b)
	cat, orgs := reporttest.Catalogue(), reporttest.Organisations(17)
	ps := reporttest.Progress(cat, orgs, 0.7, 1, now)
	m := ambitiebot.NewMatrix(cat, orgs, ps)
	png, err := chart.Render(m, tr, "nl", chart.Options{AsOf: now})
	if err != nil {
		b.Fatal(err)
	}
	in := report.Input{Matrix: m, Changes: reporttest.Changes(ps), Since: since, GeneratedAt: now, Lang: "nl", Tr: tr, Chart: png}
	b.ReportAllocs()
	for b.Loop() {
		if err := report.XLSX(&bytes.Buffer{}, in); err != nil {
			b.Fatal(err)
		}
	}
}

// A theme sheet ends with the agreement's footnotes to its ambitions, in
// the reader's language, verbatim (a note is data, not a formula).
func TestXLSXThemeSheetNotes(t *testing.T) {
	base := reporttest.Catalogue()
	var ambitions []ambitiebot.Ambition
	for _, a := range base.Ambitions() {
		if a.ID == "3.3" {
			a.Notes = []string{"Bouwsom meer dan € 750.000 exclusief BTW.", "=Overige toepassingsgebieden"}
			a.NotesEN = []string{"Building costs over € 750,000 excluding VAT.", "=Other areas"}
		}
		ambitions = append(ambitions, a)
	}
	cat, err := ambitiebot.NewCatalogue(base.Themes(), ambitions)
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"nl": {"Thema 3", "Voetnoten in de afspraken: wanneer een ambitie gereed is", "Bouwsom meer dan € 750.000 exclusief BTW.", "=Overige toepassingsgebieden"},
		"en": {"Theme 3", "Footnotes in the agreement: when an ambition is done", "Building costs over € 750,000 excluding VAT.", "=Other areas"},
	} {
		in := fixture(t, lang)
		in.Matrix = ambitiebot.NewMatrix(cat, in.Matrix.Organisations, nil)
		f := openXLSX(t, in)
		rows, err := f.GetRows(want[0])
		if err != nil {
			t.Fatal(err)
		}
		n := len(rows)
		if n < 3 || rows[n-3][0] != want[1] || !slices.Equal(rows[n-2], []string{"", "3.3", want[2]}) || !slices.Equal(rows[n-1], []string{"", "3.3", want[3]}) {
			t.Errorf("%s: last rows = %q", lang, rows[max(0, n-3):])
		}
		if formula, _ := f.GetCellFormula(want[0], "C"+strconv.Itoa(n)); formula != "" {
			t.Errorf("%s: a note became a formula: %q", lang, formula)
		}
		other, _ := f.GetRows(strings.Replace(want[0], "3", "2", 1))
		for _, r := range other {
			if len(r) > 0 && r[0] == want[1] {
				t.Errorf("%s: theme 2 has a footnote section without footnotes", lang)
			}
		}
	}
}
