package workgroup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// MaxPostRunes keeps each reply under Mattermost's post limit (16,383
// runes) with room to spare.
const MaxPostRunes = 16000

// historyLimit is how many changes /ambitie historie shows.
const historyLimit = 50

func (app *App) help(lang string, m Member) Response {
	texts := []string{app.tr.T(lang, "Help", nil)}
	// These lines join the list of commands, which ends at the first
	// blank line.
	lines := app.tr.T(lang, "HelpReconfirm", nil) + "\n" + app.tr.T(lang, "HelpMessageText", nil)
	if i := strings.Index(texts[0], "\n\n"); i >= 0 {
		texts[0] = texts[0][:i] + "\n" + lines + texts[0][i:]
	} else {
		texts[0] += "\n" + lines
	}
	if len(m.Orgs) > 1 {
		texts[0] += "\n\n" + app.tr.T(lang, "HelpSeveral", map[string]any{"Orgs": app.names(lang, m.Orgs), "Key": m.Orgs[0].Key})
	}
	if m.ProjectLeader {
		texts[0] += "\n\n" + app.tr.T(lang, "HelpLeader", nil) + "\n\n" + app.tr.T(lang, "HelpMessageConfirm", nil)
	}
	return Response{Texts: texts}
}

func (app *App) show(ctx context.Context, m Member, lang string, id string) (Response, error) {
	a, err := app.ambition(id)
	if err != nil {
		return Response{}, err
	}
	rows, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{AmbitionID: a.ID})
	if err != nil {
		return Response{}, err
	}
	mx := ambitiebot.NewMatrix(app.catalogue, app.organisations, rows)
	theme, _ := app.catalogue.Theme(a.Theme)
	var b strings.Builder
	b.WriteString(app.tr.T(lang, "ShowHeader", map[string]any{"ID": a.ID, "Theme": theme.Localized(lang)}))
	b.WriteString("\n> " + a.Localized(lang) + "\n\n")
	if notes := app.notes(lang, a); notes != "" {
		b.WriteString(notes + "\n\n")
	}
	b.WriteString(app.tr.T(lang, "ShowAppliesTo", map[string]any{"Kinds": app.kinds(lang, a.AppliesTo)}))
	b.WriteString("\n")
	for _, o := range m.Orgs {
		if !a.AppliesToKind(o.Kind) {
			b.WriteString("\n" + app.tr.T(lang, "ShowNotForYou", map[string]any{"Org": o.Name}) + "\n")
		}
	}
	var lines []string
	// The user's own organisations come first.
	orgs := slices.Concat(m.Orgs, slices.DeleteFunc(slices.Clone(app.organisations.Grouped()), func(o ambitiebot.Organisation) bool {
		return m.Represents(o.Key)
	}))
	for _, org := range orgs {
		p, ok := mx.Cell(org.Key, a.ID)
		if !ok {
			continue
		}
		lines = append(lines, app.statusLine(lang, org.Name, p))
	}
	return Response{Texts: split(b.String()+"\n", lines, "")}, nil
}

// statusLine is the one line per organisation that every listing uses:
// name, status label, toelichting and who changed it when.
func (app *App) statusLine(lang, name string, p ambitiebot.Progress) string {
	line := "- **" + name + "**: " + app.tr.Status(lang, p.Status) + app.reconfirmMark(lang, p)
	if p.Note != "" {
		line += " — " + app.userText(p.Note)
	}
	if !p.UpdatedAt.IsZero() {
		line += " " + app.tr.T(lang, "ChangedBy", map[string]any{"When": app.date(p.UpdatedAt), "User": p.UpdatedByName})
	}
	return line
}

func (app *App) mine(ctx context.Context, m Member, lang string) (Response, error) {
	if !m.HasOrg {
		return Response{}, m.refusal("ErrNoOrganisationView")
	}
	// One section per organisation the member represents, each in
	// messages of its own.
	var texts []string
	for _, org := range m.Orgs {
		rows, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: org.Key})
		if err != nil {
			return Response{}, err
		}
		texts = append(texts, app.orgDetail(lang, org, ambitiebot.NewMatrix(app.catalogue, app.organisations, rows), needsOrg(m, org.Key))...)
	}
	return Response{Texts: texts}, nil
}

// orgDetail lists one organisation's ambitions grouped by theme; withOrg
// puts the organisation in the commands it suggests.
func (app *App) orgDetail(lang string, org ambitiebot.Organisation, mx *ambitiebot.Matrix, withOrg bool) []string {
	t := mx.OrgTally(org.Key, 0)
	// The percentage is the overview's: done out of the ambitions that
	// apply and are not "niet van toepassing"; the header says so.
	na := t.Count(ambitiebot.StatusNA)
	head := app.tr.T(lang, "OrgHeader", map[string]any{
		"Org": org.Name, "Done": t.Count(ambitiebot.StatusDone), "Total": t.Applicable - na, "Percent": t.Percent()}) + "\n"
	if na > 0 {
		head += app.tr.N(lang, "OrgHeaderNA", na, nil) + "\n"
	}
	if hint := app.reconfirmHint(lang, mx.Reconfirm(org.Key), withOrg); hint != "" {
		head += hint + "\n"
	}
	var lines []string
	for _, th := range app.catalogue.Themes() {
		first := true
		for _, a := range app.catalogue.InTheme(th.Number) {
			p, ok := mx.Cell(org.Key, a.ID)
			if !ok {
				continue
			}
			if first {
				lines = append(lines, "", "**"+strconv.Itoa(th.Number)+". "+th.Localized(lang)+"**")
				first = false
			}
			lines = append(lines, app.statusLine(lang, a.ID, p))
		}
	}
	return split(head, lines, "")
}

func (app *App) overview(ctx context.Context, m Member, lang string, cmd Command, req Request) (Response, error) {
	var filter ambitiebot.ProgressFilter
	var org ambitiebot.Organisation
	if cmd.OrgKey != "" {
		var err error
		if org, err = app.organisation(cmd.OrgKey); err != nil {
			return Response{}, err
		}
		filter.OrgKey = org.Key
	}
	if cmd.Theme > 0 {
		if _, ok := app.catalogue.Theme(cmd.Theme); !ok {
			var themes []string
			for _, t := range app.catalogue.Themes() {
				themes = append(themes, fmt.Sprintf("%d %s", t.Number, t.Localized(lang)))
			}
			return Response{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownTheme",
				map[string]any{"Theme": cmd.Theme, "Themes": strings.Join(themes, ", ")})
		}
	}
	rows, err := app.store.FindProgress(ctx, filter)
	if err != nil {
		return Response{}, err
	}
	mx := ambitiebot.NewMatrix(app.catalogue, app.organisations, rows)
	if cmd.OrgKey != "" {
		texts := app.orgDetail(lang, org, mx, needsOrg(m, org.Key))
		return Response{Texts: texts}, nil
	}
	texts := app.OverviewTables(lang, mx, cmd.Theme)
	if cmd.Theme > 0 {
		return Response{Texts: texts}, nil
	}
	// Looking is private: the tables answer the asker alone and the
	// chart goes to their direct channel with the bot. Only "delen"
	// shows both to everyone in the channel.
	target, note := ambitiebot.UserTarget(m.User.ID), app.tr.T(lang, "OverviewChartPrivate", nil)
	if cmd.Share {
		target, note = ambitiebot.ChannelTarget(req.ChannelID), ""
	}
	// The tables are the answer; a chart that cannot be queued is
	// reported under them instead of failing the whole command.
	if err := app.postChart(ctx, mx, lang, req.UserID, target); err != nil {
		app.logger.Error("overview: chart not queued", slog.Any("error", err))
		note = app.tr.Error(lang, err)
	}
	if note != "" {
		texts = append(texts, note)
	}
	return Response{Texts: texts, InChannel: cmd.Share}, nil
}

// OverviewTables renders everyone's progress: a table with a row per
// organisation and one with a row per theme, over one theme when theme > 0.
// The meeting-day summary and the board report reuse it.
func (app *App) OverviewTables(lang string, mx *ambitiebot.Matrix, theme int) []string {
	header := app.tableHeader(lang, "ColOrganisation")
	var rows []string
	for _, org := range app.organisations.Grouped() {
		rows = append(rows, tallyRow(org.Name, mx.OrgTally(org.Key, theme)))
	}
	title := app.tr.T(lang, "OverviewHeader", nil)
	if theme > 0 {
		th, _ := app.catalogue.Theme(theme)
		title = app.tr.T(lang, "OverviewThemeHeader", map[string]any{"Theme": theme, "Name": th.Localized(lang)})
	}
	texts := split(title+"\n\n"+header, rows, "")
	themeHeader := app.tableHeader(lang, "ColTheme")
	var themeRows []string
	for _, th := range app.catalogue.Themes() {
		if theme > 0 && th.Number != theme {
			continue
		}
		themeRows = append(themeRows, tallyRow(strconv.Itoa(th.Number)+". "+th.Localized(lang), mx.ThemeTally(th.Number)))
	}
	// A blank line ends the first table, or Markdown would read the
	// second table's header as rows of the first.
	foot := "\n" + app.tr.T(lang, "OverviewFootnote", nil)
	if s := app.reconfirmSummary(lang, mx, theme); s != "" {
		foot += "\n\n" + s
	}
	themeTexts := split("\n\n"+themeHeader, themeRows, foot)
	// Keep the theme table in the last message when it fits.
	last := texts[len(texts)-1]
	if len(themeTexts) == 1 && utf8.RuneCountInString(last)+utf8.RuneCountInString(themeTexts[0]) < MaxPostRunes {
		texts[len(texts)-1] = last + themeTexts[0]
		return texts
	}
	return append(texts, themeTexts...)
}

func (app *App) tableHeader(lang, first string) string {
	cols := []string{app.tr.T(lang, first, nil)}
	for _, s := range tableStatuses {
		cols = append(cols, app.tr.Status(lang, s))
	}
	cols = append(cols, app.tr.T(lang, "ColPercentDone", nil))
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

func (app *App) history(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	a, err := app.ambition(cmd.AmbitionID)
	if err != nil {
		return Response{}, err
	}
	f := ambitiebot.ChangeFilter{AmbitionID: a.ID, Limit: historyLimit}
	title := app.tr.T(lang, "HistoryHeader", map[string]any{"ID": a.ID})
	if cmd.OrgKey != "" {
		org, err := app.organisation(cmd.OrgKey)
		if err != nil {
			return Response{}, err
		}
		f.OrgKey = org.Key
		title = app.tr.T(lang, "HistoryHeaderOrg", map[string]any{"ID": a.ID, "Org": org.Name})
	}
	changes, err := app.store.FindChanges(ctx, f)
	if err != nil {
		return Response{}, err
	}
	events, err := app.store.FindCatalogueEvents(ctx, a.ID, historyLimit)
	if err != nil {
		return Response{}, err
	}
	// A text change concerns every organisation; a confirmation only its own.
	events = slices.DeleteFunc(events, func(e ambitiebot.CatalogueEvent) bool {
		return f.OrgKey != "" && e.OrgKey != "" && e.OrgKey != f.OrgKey
	})
	if len(changes) == 0 && len(events) == 0 {
		return app.reply(title + "\n\n" + app.tr.T(lang, "HistoryEmpty", nil))
	}
	lines := make([]string, 0, len(changes)+len(events))
	e := len(events) - 1
	for i := len(changes) - 1; i >= 0; i-- { // newest first
		c := changes[i]
		for ; e >= 0 && !events[e].At.Before(c.At); e-- { // at the same instant, the event is the later
			lines = append(lines, "- "+app.historyEvent(lang, events[e]))
		}
		name := c.OrgKey
		if org, ok := app.organisations.ByKey(c.OrgKey); ok {
			name = org.Name
		}
		id := "HistoryLine"
		if c.From == c.To {
			id = "HistoryLineNote" // only the toelichting changed
		}
		line := app.tr.T(lang, id, map[string]any{
			"When": app.dateTime(c.At), "Org": name, "User": c.UserName,
			"From": app.tr.Status(lang, c.From), "To": app.tr.Status(lang, c.To)})
		if c.Note != "" {
			line += " — " + app.userText(c.Note)
		}
		lines = append(lines, "- "+line)
	}
	for ; e >= 0; e-- {
		lines = append(lines, "- "+app.historyEvent(lang, events[e]))
	}
	footer := ""
	if len(changes) == historyLimit {
		footer = "\n" + app.tr.T(lang, "HistoryTruncated", map[string]any{"N": historyLimit})
	}
	return Response{Texts: split(title+"\n\n", lines, footer)}, nil
}

func (app *App) kinds(lang string, ks []ambitiebot.OrgKind) string {
	var names []string
	for _, k := range ambitiebot.OrgKinds {
		for _, x := range ks {
			if x == k {
				names = append(names, app.tr.T(lang, "KindPlural_"+string(k), nil))
			}
		}
	}
	// "gemeenten, de provincie en de waterschappen"
	return app.listAnd(lang, names)
}

// listAnd joins items as a sentence does: "a, b en c".
func (app *App) listAnd(lang string, items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return app.tr.T(lang, "ListAnd", map[string]any{
		"Head": strings.Join(items[:len(items)-1], ", "), "Last": items[len(items)-1]})
}

func (app *App) date(t time.Time) string     { return t.In(app.location).Format("02-01-2006") }
func (app *App) dateTime(t time.Time) string { return t.In(app.location).Format("02-01-2006 15:04") }

// userText is user text (a toelichting, a name someone typed) as every
// post and reply shows it: on one line, its Markdown escaped and its
// mentions inert.
func (app *App) userText(s string) string { return app.neutralize(oneLine(s)) }

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
