package workgroup

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Context keys of a reminder's status menu that only this package reads:
// what it takes to render the reminder again after a choice, since the
// chat server does not hand an integration its own post back.
const (
	contextRun     = "run"     // the reminder's run key; with the user it names the post (Delivery.Marker)
	contextMeeting = "meeting" // the meeting day, YYYY-MM-DD in the service's zone
	contextList    = "list"    // the ambition ids the reminder listed, comma-separated
)

// reminderRef is what a reminder's menus carry about the reminder.
type reminderRef struct {
	run     string
	meeting time.Time
	ids     []string
}

func ambitionIDs(ps []ambitiebot.Progress) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.AmbitionID
	}
	return ids
}

// statusLine is one ambition of a reminder: its number, status and text.
func (app *App) reminderLine(lang string, p ambitiebot.Progress) string {
	a, _ := app.catalogue.Ambition(p.AmbitionID)
	return fmt.Sprintf("**%s** %s%s — %s", a.ID, app.tr.Status(lang, p.Status), app.reconfirmMark(lang, p), clip(a.Localized(lang), 90))
}

// menuList renders a reminder with one status menu per listed ambition.
// The menus' context is signed by the chat adapter and bound to u.
func (app *App) menuList(lang string, org ambitiebot.Organisation, u ambitiebot.User, ref reminderRef, rows []ambitiebot.Progress) (string, []ambitiebot.Attachment) {
	open := 0
	for _, p := range rows {
		if p.Status.Open() {
			open++
		}
	}
	data := map[string]any{"User": u.Username, "Org": org.Name, "Date": app.longDate(lang, ref.meeting)}
	msg := app.tr.T(lang, "ActionsReminderDone", data)
	if open > 0 {
		msg = app.tr.N(lang, "ActionsReminderIntro", open, data)
	}
	if hint := app.reconfirmHint(lang, rows); hint != "" {
		msg += "\n\n" + hint
	}
	options := make([]ambitiebot.ActionOption, len(ambitiebot.Statuses))
	for i, st := range ambitiebot.Statuses {
		options[i] = ambitiebot.ActionOption{Text: app.tr.Status(lang, st), Value: string(st)}
	}
	base := map[string]string{
		ambitiebot.ContextUser: u.ID,
		ambitiebot.ContextOrg:  org.Key,
		contextRun:             ref.run,
		contextMeeting:         ref.meeting.In(app.location).Format(time.DateOnly),
		contextList:            strings.Join(ref.ids, ","),
	}
	atts := make([]ambitiebot.Attachment, 0, len(rows))
	for _, p := range rows {
		fields := maps.Clone(base)
		fields[ambitiebot.ContextAmbition] = p.AmbitionID
		atts = append(atts, ambitiebot.Attachment{
			Text: app.reminderLine(lang, p),
			Actions: []ambitiebot.Action{{
				// Mattermost routes a click by action id: letters and digits.
				ID:      "status" + strings.ReplaceAll(p.AmbitionID, ".", "x"),
				Name:    app.tr.T(lang, "ActionsMenu", nil),
				Options: options,
				Default: string(p.Status),
				Context: fields,
			}},
		})
	}
	return msg, atts
}

// ReminderPost renders the reminder that a status menu with context
// fields belongs to again, for u in lang, with the statuses as they are
// now. ok is false when fields do not come from a reminder.
func (app *App) ReminderPost(ctx context.Context, lang string, org ambitiebot.Organisation, u ambitiebot.User, fields map[string]string) (post ambitiebot.Post, ok bool, err error) {
	run, list := fields[contextRun], fields[contextList]
	meeting, perr := time.ParseInLocation(time.DateOnly, fields[contextMeeting], app.location)
	if run == "" || list == "" || perr != nil {
		return ambitiebot.Post{}, false, nil
	}
	progress, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: org.Key})
	if err != nil {
		return ambitiebot.Post{}, false, err
	}
	mx := ambitiebot.NewMatrix(app.catalogue, app.organisations, progress)
	ref := reminderRef{run: run, meeting: meeting}
	var rows []ambitiebot.Progress
	for _, id := range strings.Split(list, ",") {
		if p, ok := mx.Cell(org.Key, id); ok {
			rows = append(rows, p)
			ref.ids = append(ref.ids, id)
		}
	}
	post.Message, post.Attachments = app.menuList(lang, org, u, ref, rows)
	post.Marker = ambitiebot.Delivery{RunKey: run, Target: ambitiebot.UserTarget(u.ID)}.Marker()
	return post, true, nil
}
