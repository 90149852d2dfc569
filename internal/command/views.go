package command

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/members"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// MaxPostRunes keeps each reply under Mattermost's post limit (16,383
// runes) with room to spare.
const MaxPostRunes = 16000

// historyLimit is how many changes /ambitie historie shows.
const historyLimit = 50

func (h *Handler) help(lang string, m members.Member) Response {
	texts := []string{h.Tr.T(lang, "Help", nil)}
	if m.ProjectLeader {
		texts[0] += "\n\n" + h.Tr.T(lang, "HelpLeader", nil)
	}
	return Response{Texts: texts}
}

func (h *Handler) show(ctx context.Context, m members.Member, lang string, id string) (Response, error) {
	a, err := h.ambition(id)
	if err != nil {
		return Response{}, err
	}
	rows, err := h.Progress.FindProgress(ctx, ambitiebot.ProgressFilter{AmbitionID: a.ID})
	if err != nil {
		return Response{}, err
	}
	mx := ambitiebot.NewMatrix(h.Catalogue, h.Organisations, rows)
	theme, _ := h.Catalogue.Theme(a.Theme)
	var b strings.Builder
	b.WriteString(h.Tr.T(lang, "ShowHeader", map[string]any{"ID": a.ID, "Theme": theme.Localized(lang)}))
	b.WriteString("\n> " + a.Localized(lang) + "\n\n")
	b.WriteString(h.Tr.T(lang, "ShowAppliesTo", map[string]any{"Kinds": h.kinds(lang, a.AppliesTo)}))
	b.WriteString("\n")
	if m.HasOrg && !a.AppliesToKind(m.Org.Kind) {
		b.WriteString("\n" + h.Tr.T(lang, "ShowNotForYou", map[string]any{"Org": m.Org.Name}) + "\n")
	}
	var lines []string
	orgs := h.Organisations.Grouped()
	if m.HasOrg {
		// The user's own organisation comes first.
		for i, o := range orgs {
			if o.Key == m.Org.Key {
				orgs = append(append([]ambitiebot.Organisation{o}, orgs[:i]...), orgs[i+1:]...)
				break
			}
		}
	}
	for _, org := range orgs {
		p, ok := mx.Cell(org.Key, a.ID)
		if !ok {
			continue
		}
		lines = append(lines, h.statusLine(lang, org.Name, p))
	}
	return Response{Texts: split(b.String()+"\n", lines, "")}, nil
}

// statusLine is the one line per organisation that every listing uses:
// name, status label, toelichting and who changed it when.
func (h *Handler) statusLine(lang, name string, p ambitiebot.Progress) string {
	line := "- **" + name + "**: " + h.Tr.Status(lang, p.Status)
	if p.Note != "" {
		line += " — " + h.Neutralize(oneLine(p.Note))
	}
	if !p.UpdatedAt.IsZero() {
		line += " " + h.Tr.T(lang, "ChangedBy", map[string]any{"When": h.date(p.UpdatedAt), "User": p.UpdatedByName})
	}
	return line
}

func (h *Handler) mine(ctx context.Context, m members.Member, lang string) (Response, error) {
	if !m.HasOrg {
		return Response{}, forbidden("ErrNoOrganisationView", nil)
	}
	rows, err := h.Progress.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: m.Org.Key})
	if err != nil {
		return Response{}, err
	}
	return Response{Texts: h.orgDetail(lang, m.Org, ambitiebot.NewMatrix(h.Catalogue, h.Organisations, rows))}, nil
}

// orgDetail lists one organisation's ambitions grouped by theme.
func (h *Handler) orgDetail(lang string, org ambitiebot.Organisation, mx *ambitiebot.Matrix) []string {
	t := mx.OrgTally(org.Key, 0)
	head := h.Tr.T(lang, "OrgHeader", map[string]any{
		"Org": org.Name, "Done": t.Count(ambitiebot.StatusDone), "Total": t.Applicable, "Percent": t.Percent()}) + "\n"
	var lines []string
	for _, th := range h.Catalogue.Themes() {
		first := true
		for _, a := range h.Catalogue.InTheme(th.Number) {
			p, ok := mx.Cell(org.Key, a.ID)
			if !ok {
				continue
			}
			if first {
				lines = append(lines, "", "**"+strconv.Itoa(th.Number)+". "+th.Localized(lang)+"**")
				first = false
			}
			lines = append(lines, h.statusLine(lang, a.ID, p))
		}
	}
	return split(head, lines, "")
}

func (h *Handler) overview(ctx context.Context, m members.Member, lang string, cmd Command, req Request) (Response, error) {
	var filter ambitiebot.ProgressFilter
	var org ambitiebot.Organisation
	if cmd.OrgKey != "" {
		var err error
		if org, err = h.organisation(cmd.OrgKey); err != nil {
			return Response{}, err
		}
		filter.OrgKey = org.Key
	}
	if cmd.Theme > 0 {
		if _, ok := h.Catalogue.Theme(cmd.Theme); !ok {
			var themes []string
			for _, t := range h.Catalogue.Themes() {
				themes = append(themes, fmt.Sprintf("%d %s", t.Number, t.Localized(lang)))
			}
			return Response{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownTheme",
				map[string]any{"Theme": cmd.Theme, "Themes": strings.Join(themes, ", ")})
		}
	}
	rows, err := h.Progress.FindProgress(ctx, filter)
	if err != nil {
		return Response{}, err
	}
	mx := ambitiebot.NewMatrix(h.Catalogue, h.Organisations, rows)
	if cmd.OrgKey != "" {
		texts := h.orgDetail(lang, org, mx)
		return Response{Texts: texts}, nil
	}
	texts := h.OverviewTables(lang, mx, cmd.Theme)
	if h.Charts != nil && cmd.Theme == 0 {
		// The tables are the answer; a chart that cannot be queued is
		// reported under them instead of failing the whole command.
		if err := h.Charts.PostChart(ctx, mx, lang, req); err != nil {
			h.Logger.Error("overview: chart not queued", slog.Any("error", err))
			texts = append(texts, h.Tr.Error(lang, err))
		}
	}
	return Response{Texts: texts}, nil
}

// OverviewTables renders everyone's progress: a table with a row per
// organisation and one with a row per theme, over one theme when theme > 0.
// The meeting-day summary and the board report reuse it.
func (h *Handler) OverviewTables(lang string, mx *ambitiebot.Matrix, theme int) []string {
	header := h.tableHeader(lang, "ColOrganisation")
	var rows []string
	for _, org := range h.Organisations.Grouped() {
		rows = append(rows, tallyRow(org.Name, mx.OrgTally(org.Key, theme)))
	}
	title := h.Tr.T(lang, "OverviewHeader", nil)
	if theme > 0 {
		th, _ := h.Catalogue.Theme(theme)
		title = h.Tr.T(lang, "OverviewThemeHeader", map[string]any{"Theme": theme, "Name": th.Localized(lang)})
	}
	texts := split(title+"\n\n"+header, rows, "")
	themeHeader := h.tableHeader(lang, "ColTheme")
	var themeRows []string
	for _, th := range h.Catalogue.Themes() {
		if theme > 0 && th.Number != theme {
			continue
		}
		themeRows = append(themeRows, tallyRow(strconv.Itoa(th.Number)+". "+th.Localized(lang), mx.ThemeTally(th.Number)))
	}
	// A blank line ends the first table, or Markdown would read the
	// second table's header as rows of the first.
	themeTexts := split("\n\n"+themeHeader, themeRows, "\n"+h.Tr.T(lang, "OverviewFootnote", nil))
	// Keep the theme table in the last message when it fits.
	last := texts[len(texts)-1]
	if len(themeTexts) == 1 && utf8.RuneCountInString(last)+utf8.RuneCountInString(themeTexts[0]) < MaxPostRunes {
		texts[len(texts)-1] = last + themeTexts[0]
		return texts
	}
	return append(texts, themeTexts...)
}

func (h *Handler) tableHeader(lang, first string) string {
	cols := []string{h.Tr.T(lang, first, nil)}
	for _, s := range tableStatuses {
		cols = append(cols, h.Tr.Status(lang, s))
	}
	cols = append(cols, h.Tr.T(lang, "ColPercentDone", nil))
	return "| " + strings.Join(cols, " | ") + " |\n| --- |" + strings.Repeat(" ---: |", len(cols)-1) + "\n"
}

var tableStatuses = []ambitiebot.Status{ambitiebot.StatusDone, ambitiebot.StatusInProgress, ambitiebot.StatusBlocked, ambitiebot.StatusNotStarted, ambitiebot.StatusNA}

func tallyRow(name string, t ambitiebot.Tally) string {
	cols := []string{name}
	for _, s := range tableStatuses {
		cols = append(cols, strconv.Itoa(t.Count(s)))
	}
	cols = append(cols, strconv.Itoa(t.Percent())+"%")
	return "| " + strings.Join(cols, " | ") + " |"
}

func (h *Handler) history(ctx context.Context, m members.Member, lang string, cmd Command) (Response, error) {
	a, err := h.ambition(cmd.AmbitionID)
	if err != nil {
		return Response{}, err
	}
	f := ambitiebot.ChangeFilter{AmbitionID: a.ID, Limit: historyLimit}
	title := h.Tr.T(lang, "HistoryHeader", map[string]any{"ID": a.ID})
	if cmd.OrgKey != "" {
		org, err := h.organisation(cmd.OrgKey)
		if err != nil {
			return Response{}, err
		}
		f.OrgKey = org.Key
		title = h.Tr.T(lang, "HistoryHeaderOrg", map[string]any{"ID": a.ID, "Org": org.Name})
	}
	changes, err := h.Progress.FindChanges(ctx, f)
	if err != nil {
		return Response{}, err
	}
	if len(changes) == 0 {
		return h.reply(title + "\n\n" + h.Tr.T(lang, "HistoryEmpty", nil))
	}
	lines := make([]string, 0, len(changes))
	for i := len(changes) - 1; i >= 0; i-- { // newest first
		c := changes[i]
		name := c.OrgKey
		if org, ok := h.Organisations.ByKey(c.OrgKey); ok {
			name = org.Name
		}
		id := "HistoryLine"
		if c.From == c.To {
			id = "HistoryLineNote" // only the toelichting changed
		}
		line := h.Tr.T(lang, id, map[string]any{
			"When": h.dateTime(c.At), "Org": name, "User": c.UserName,
			"From": h.Tr.Status(lang, c.From), "To": h.Tr.Status(lang, c.To)})
		if c.Note != "" {
			line += " — " + h.Neutralize(oneLine(c.Note))
		}
		lines = append(lines, "- "+line)
	}
	footer := ""
	if len(changes) == historyLimit {
		footer = "\n" + h.Tr.T(lang, "HistoryTruncated", map[string]any{"N": historyLimit})
	}
	return Response{Texts: split(title+"\n\n", lines, footer)}, nil
}

func (h *Handler) kinds(lang string, ks []ambitiebot.OrgKind) string {
	var names []string
	for _, k := range ambitiebot.OrgKinds {
		for _, x := range ks {
			if x == k {
				names = append(names, h.Tr.T(lang, "KindPlural_"+string(k), nil))
			}
		}
	}
	return strings.Join(names, ", ")
}

func (h *Handler) date(t time.Time) string     { return t.In(h.Location).Format("02-01-2006") }
func (h *Handler) dateTime(t time.Time) string { return t.In(h.Location).Format("02-01-2006 15:04") }

// oneLine folds a toelichting onto one line and escapes its Markdown, so
// that it cannot end the list item or table row it is shown in, start a
// heading or open a code block that swallows what follows.
func oneLine(s string) string {
	return report.EscapeCell(strings.Join(strings.Fields(s), " "))
}

// split packs head, lines and foot into as few messages as fit under
// MaxPostRunes, breaking only between lines. A table header in head is
// repeated at the top of every following message.
func split(head string, lines []string, foot string) []string {
	var out []string
	repeat := ""
	if i := strings.Index(head, "\n|"); i >= 0 {
		repeat = head[i+1:]
	}
	cur := head
	for _, l := range lines {
		if utf8.RuneCountInString(cur)+utf8.RuneCountInString(l)+1 > MaxPostRunes && cur != head {
			out = append(out, strings.TrimRight(cur, "\n"))
			cur = repeat
		}
		cur += l + "\n"
	}
	if utf8.RuneCountInString(cur)+utf8.RuneCountInString(foot) > MaxPostRunes {
		out = append(out, strings.TrimRight(cur, "\n"))
		cur = ""
	}
	cur += foot
	return append(out, strings.TrimRight(cur, "\n"))
}
