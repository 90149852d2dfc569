package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// MaxMarkdownRunes is the most a Mattermost post may hold.
const MaxMarkdownRunes = 16383

// noteRunes caps the toelichting quoted with a new knelpunt.
const noteRunes = 80

// Markdown returns a compact summary for chat: the period and the
// agreement's deadline, % gereed and counts per organisation and per
// theme, and what changed in the period, per theme. It always fits in one
// post: when the organisation table or the list of changes is too long,
// whole lines are left off (never part of a table row) and a closing line
// says how many; the headers, the theme table and the totals always stay.
// It returns "" when in lacks a Matrix or Translator.
func Markdown(in Input) string {
	if err := in.check(); err != nil {
		return ""
	}
	m := in.Matrix
	title := in.t("ReportTitleAsOf", map[string]any{"Date": in.day(in.GeneratedAt)})
	if in.Board {
		title = in.t("ReportBoardTitle", map[string]any{"Date": in.day(in.GeneratedAt)})
	}
	head := []string{"#### " + EscapeCell(title)}
	if in.Board {
		head = append(head, in.t("ReportBoardForward", nil))
	}
	head = append(head, EscapeCell(in.period()))
	if d := in.deadline(); d != "" {
		head = append(head, EscapeCell(d))
	}
	head = append(head, "")

	var orgRows []string
	for _, org := range m.Organisations.Grouped() {
		orgRows = append(orgRows, tallyRow(EscapeCell(org.Name), m.OrgTally(org.Key, 0)))
	}
	orgHead := tableHead(in, in.t("ReportColOrganisation", nil))

	themes := tableHead(in, in.t("ReportColTheme", nil))
	for _, th := range m.Catalogue.Themes() {
		themes = append(themes, tallyRow(EscapeCell(in.themeName(th)), m.ThemeTally(th.Number)))
	}

	moves, done, blocked, regressed := Moves(in.Changes), 0, 0, 0
	for _, mv := range moves {
		done, blocked, regressed = done+len(mv.Done), blocked+len(mv.Blocked), regressed+len(mv.Regressed)
	}
	moveLines := themeMoveLines(in, moves)
	periodLabel := in.t("ReportMDSinceStart", nil)
	if !in.Since.IsZero() {
		periodLabel = in.t("ReportMDSince", map[string]any{"Date": in.day(in.Since)})
	}
	summary := []string{"", "##### " + EscapeCell(in.t("ReportMDWhatMoved", nil)), in.t("ReportMDMoved", map[string]any{
		"Period":    periodLabel,
		"Changes":   in.n("ReportMDChanges", len(in.Changes)),
		"Done":      in.n("ReportMDDone", done),
		"Blocked":   in.n("ReportMDBlocked", blocked),
		"Regressed": in.n("ReportMDRegressed", regressed),
	})}
	if len(moveLines) == 0 {
		summary = append(summary, in.t("ReportMDNoMoves", nil))
	}

	// Fit: the fixed parts first; of the rest the changes may claim up to
	// half, so a long organisation table cannot crowd them out.
	budget := MaxMarkdownRunes - runes(head) - runes(orgHead) - runes(themes) - runes(summary) - 2
	reserved := min(runes(moveLines), budget/2)
	orgRows, left := fitLines(in, orgRows, budget-reserved, "ReportMDMoreOrgs")
	moveLines, _ = fitLines(in, moveLines, left+reserved, "ReportMDMoreMoves")

	var b strings.Builder
	for _, part := range [][]string{head, orgHead, orgRows, {""}, themes, summary, moveLines} {
		for _, l := range part {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// themeMoveLines lists what moved per theme, in catalogue order: the
// theme's name in bold, then a line per organisation (in the usual order)
// with what moved in that theme. Changes to ambitions no longer in the
// catalogue come last, under their theme number.
func themeMoveLines(in Input, moves []Move) []string {
	m := in.Matrix
	order := map[string]int{}
	for i, org := range m.Organisations.Grouped() {
		order[org.Key] = i
	}
	pos := func(key string) int {
		if i, ok := order[key]; ok {
			return i
		}
		return len(order) // history of an organisation no longer configured
	}
	slices.SortStableFunc(moves, func(a, b Move) int { return cmp.Compare(pos(a.OrgKey), pos(b.OrgKey)) })
	var numbers []int
	names := map[int]string{}
	for _, th := range m.Catalogue.Themes() {
		numbers = append(numbers, th.Number)
		names[th.Number] = in.themeName(th)
	}
	for _, mv := range moves {
		for _, ids := range [][]string{mv.Done, mv.Blocked, mv.Unblocked, mv.Regressed} {
			for _, id := range ids {
				if n := themeOf(id); !slices.Contains(numbers, n) {
					numbers = append(numbers, n)
					names[n] = strconv.Itoa(n)
				}
			}
		}
	}
	var lines []string
	for _, n := range numbers {
		var themeLines []string
		for _, mv := range moves {
			if tm := mv.inTheme(n); tm.Moved() {
				themeLines = append(themeLines, moveLine(in, tm))
			}
		}
		if len(themeLines) > 0 {
			// The blank line ends the list above: without it Markdown
			// reads the heading as part of its last item.
			lines = append(lines, "", "**"+EscapeCell(names[n])+"**")
			lines = append(lines, themeLines...)
		}
	}
	return lines
}

// themeOf is the theme number of an ambition id ("3.2" → 3).
func themeOf(id string) int {
	n, _, _ := strings.Cut(id, ".")
	i, _ := strconv.Atoi(n)
	return i
}

// inTheme keeps what moved in theme n.
func (m Move) inTheme(n int) Move {
	keep := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if themeOf(id) == n {
				out = append(out, id)
			}
		}
		return out
	}
	return Move{OrgKey: m.OrgKey, Changes: m.Changes, Done: keep(m.Done), Blocked: keep(m.Blocked),
		Unblocked: keep(m.Unblocked), Regressed: keep(m.Regressed)}
}

func tableHead(in Input, first string) []string {
	cells := []string{EscapeCell(first)}
	align := []string{":--"}
	for _, s := range ambitiebot.Statuses {
		cells = append(cells, EscapeCell(in.status(s)))
		align = append(align, "--:")
	}
	cells = append(cells, EscapeCell(in.t("ReportColPercentDone", nil)))
	align = append(align, "--:")
	return []string{row(cells), row(align)}
}

func tallyRow(label string, t ambitiebot.Tally) string {
	cells := []string{label}
	for _, s := range ambitiebot.Statuses {
		cells = append(cells, strconv.Itoa(t.Count(s)))
	}
	return row(append(cells, strconv.Itoa(t.Percent())+"%"))
}

func row(cells []string) string { return "| " + strings.Join(cells, " | ") + " |" }

// moveLine is "- **Gemeente Emmen**: gereed 1.1, 2.3 · nieuw knelpunt 3.2 (toelichting)".
func moveLine(in Input, mv Move) string {
	var parts []string
	add := func(id string, ambitions []string, withNote bool) {
		if len(ambitions) == 0 {
			return
		}
		items := make([]string, len(ambitions))
		for i, a := range ambitions {
			items[i] = a
			if p, ok := in.Matrix.Cell(mv.OrgKey, a); withNote && ok && p.Status == ambitiebot.StatusBlocked && p.Note != "" {
				items[i] += " (" + EscapeCell(truncate(p.Note, noteRunes)) + ")"
			}
		}
		parts = append(parts, EscapeCell(in.t(id, nil))+" "+strings.Join(items, ", "))
	}
	add("ReportMoveDone", mv.Done, false)
	add("ReportMoveBlocked", mv.Blocked, true)
	add("ReportMoveUnblocked", mv.Unblocked, false)
	add("ReportMoveRegressed", mv.Regressed, false)
	return "- **" + EscapeCell(in.orgName(mv.OrgKey)) + "**: " + strings.Join(parts, " · ")
}

// fitLines keeps the leading lines that fit in budget runes (each plus a
// newline), replacing the rest by one closing line, and returns the
// budget left. With no room even for the closing line it keeps nothing.
func fitLines(in Input, lines []string, budget int, moreID string) ([]string, int) {
	total := runes(lines)
	if total <= budget {
		return lines, budget - total
	}
	more := func(n int) string { return in.n(moreID, n) }
	used := utf8.RuneCountInString(more(len(lines))) + 1
	if used > budget {
		return nil, budget
	}
	kept := 0
	for kept < len(lines) && used+utf8.RuneCountInString(lines[kept])+1 <= budget {
		used += utf8.RuneCountInString(lines[kept]) + 1
		kept++
	}
	return append(lines[:kept:kept], more(len(lines)-kept)), budget - used
}

func runes(lines []string) int {
	n := 0
	for _, l := range lines {
		n += utf8.RuneCountInString(l) + 1
	}
	return n
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}
