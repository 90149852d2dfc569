package workgroup

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// SyncCatalogue compares the catalogue with the versions the store kept
// from the previous run: a status on an ambition whose text changed is
// kept but marked te herbevestigen. The serving bot calls it at start-up.
func (app *App) SyncCatalogue(ctx context.Context) error {
	changed, err := app.store.SyncCatalogue(ctx, app.catalogue)
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		app.logger.Info("catalogue: ambition texts changed; their statuses are te herbevestigen",
			slog.String("ambitions", strings.Join(changed, ", ")))
	}
	return nil
}

// confirm handles /ambitie [org] 3.2 bevestig: the organisation's status
// stands for the changed text. It is the same status given again, so it
// takes the path of every update (rights, history, the store's commit).
func (app *App) confirm(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	a, err := app.ambition(cmd.AmbitionID)
	if err != nil {
		return Response{}, err
	}
	org, err := app.actingFor(m, cmd.OrgKey, func(key string) string { return key + " " + a.ID + " " + commandWord(lang, "bevestig") })
	if err != nil {
		return Response{}, err
	}
	if !a.AppliesToKind(org.Kind) {
		return Response{}, invalid("ErrNotApplicable", map[string]any{"ID": a.ID, "Org": org.Name})
	}
	ps, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: org.Key, AmbitionID: a.ID})
	if err != nil {
		return Response{}, err
	}
	if len(ps) == 0 || !ps[0].Reconfirm {
		return app.reply(app.tr.T(lang, "ReconfirmNothing", map[string]any{"Org": org.Name, "ID": a.ID}))
	}
	return app.set(ctx, m, lang, Command{Kind: KindSet, AmbitionID: a.ID, OrgKey: org.Key, Status: ps[0].Status, Note: ps[0].Note})
}

// reconfirmMark follows a status that waits for confirmation.
func (app *App) reconfirmMark(lang string, p ambitiebot.Progress) string {
	if !p.Reconfirm {
		return ""
	}
	return " " + app.tr.T(lang, "ReconfirmMark", nil)
}

// reconfirmSummary lists, under the overview, the ambitions whose text
// changed with how many organisations still have to confirm; "" when none.
func (app *App) reconfirmSummary(lang string, mx *ambitiebot.Matrix, theme int) string {
	count := map[string]int{}
	for _, p := range mx.Reconfirm("") {
		count[p.AmbitionID]++
	}
	var parts []string
	for _, a := range app.catalogue.Ambitions() {
		if n := count[a.ID]; n > 0 && (theme == 0 || a.Theme == theme) {
			parts = append(parts, app.tr.N(lang, "ReconfirmOverviewItem", n, map[string]any{"ID": a.ID}))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return app.tr.T(lang, "ReconfirmOverview", map[string]any{"List": strings.Join(parts, ", ")})
}

// reconfirmHint tells an organisation how to confirm, naming the first
// ambition that waits; "" when none does. withOrg puts the ambition's
// organisation first in the example, as someone who acts for several
// organisations (or for another one) has to type it.
func (app *App) reconfirmHint(lang string, rows []ambitiebot.Progress, withOrg bool) string {
	i := slices.IndexFunc(rows, func(p ambitiebot.Progress) bool { return p.Reconfirm })
	if i < 0 {
		return ""
	}
	n := 0
	for _, p := range rows {
		if p.Reconfirm {
			n++
		}
	}
	if withOrg {
		return app.tr.N(lang, "ReconfirmHintOrg", n, map[string]any{"ID": rows[i].AmbitionID, "Org": rows[i].OrgKey})
	}
	return app.tr.N(lang, "ReconfirmHint", n, map[string]any{"ID": rows[i].AmbitionID})
}

// needsOrg reports whether m has to name orgKey in a command that acts
// for it: unless it is the one organisation they represent.
func needsOrg(m Member, orgKey string) bool {
	return len(m.Orgs) != 1 || m.Orgs[0].Key != orgKey
}

// notes renders an ambition's footnotes as quoted lines, escaped like
// user text (they come from the configuration file), or "" without any.
func (app *App) notes(lang string, a ambitiebot.Ambition) string {
	notes := a.LocalizedNotes(lang)
	if len(notes) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(app.tr.N(lang, "NotesHeader", len(notes), nil))
	for i, n := range notes {
		b.WriteString("\n> ")
		if len(notes) > 1 {
			b.WriteString(strconv.Itoa(i+1) + ". ")
		}
		b.WriteString(app.userText(n))
	}
	return b.String()
}

// historyEvent renders a catalogue event as a history line.
func (app *App) historyEvent(lang string, e ambitiebot.CatalogueEvent) string {
	if e.Kind == ambitiebot.EventTextChanged {
		return app.tr.T(lang, "HistoryTextChanged", map[string]any{"When": app.dateTime(e.At), "ID": e.AmbitionID})
	}
	return app.tr.T(lang, "HistoryConfirmed", map[string]any{"When": app.dateTime(e.At), "Org": app.orgName(e.OrgKey), "User": e.UserName})
}
