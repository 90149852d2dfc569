package workgroup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
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
	contextList    = "list"    // the ambition ids the reminder listed, comma-separated (one organisation)
	// contextSections lists, for a reminder of several organisations,
	// each organisation's key and ambition ids: "key=1.1,1.2;key2=3.4".
	contextSections = "sections"
)

// reminderRef is what a reminder's menus carry about the reminder.
type reminderRef struct {
	run     string
	meeting time.Time
}

// reminderSection is one organisation of a reminder and the ambitions it
// lists for it.
type reminderSection struct {
	org  ambitiebot.Organisation
	rows []ambitiebot.Progress
}

func orgsOf(sections []reminderSection) []ambitiebot.Organisation {
	orgs := make([]ambitiebot.Organisation, len(sections))
	for i, sec := range sections {
		orgs[i] = sec.org
	}
	return orgs
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

// menuList renders a reminder with one status menu per listed ambition,
// under a heading per organisation when it covers several. Each menu's
// context names its organisation; the chat adapter signs it and binds it
// to u. several says that u represents more than one organisation, so
// that a command it suggests names the organisation.
func (app *App) menuList(lang string, u ambitiebot.User, ref reminderRef, sections []reminderSection, several bool) (string, []ambitiebot.Attachment) {
	open := 0
	var rows []ambitiebot.Progress
	for _, sec := range sections {
		for _, p := range sec.rows {
			if p.Status.Open() {
				open++
			}
		}
		rows = append(rows, sec.rows...)
	}
	data := map[string]any{"User": u.Username, "Org": sections[0].org.Name, "Date": app.longDate(lang, ref.meeting)}
	done, intro := "ActionsReminderDone", "ActionsReminderIntro"
	if len(sections) > 1 {
		data["Org"] = app.names(lang, orgsOf(sections))
		done, intro = "ActionsReminderDoneMany", "ActionsReminderIntroMany"
	}
	var msg string
	switch {
	case open > 0:
		msg = app.tr.N(lang, intro, open, data)
	case slices.ContainsFunc(rows, func(p ambitiebot.Progress) bool { return p.Reconfirm }):
		// Done or not applicable, but given for an older text.
		msg = app.tr.T(lang, "ReminderReconfirmOnly", data)
	default:
		msg = app.tr.T(lang, done, data)
	}
	if hint := app.reconfirmHint(lang, rows, several); hint != "" {
		msg += "\n\n" + hint
	}
	options := make([]ambitiebot.ActionOption, len(ambitiebot.Statuses))
	for i, st := range ambitiebot.Statuses {
		options[i] = ambitiebot.ActionOption{Text: app.tr.Status(lang, st), Value: string(st)}
	}
	base := map[string]string{
		ambitiebot.ContextUser: u.ID,
		contextRun:             ref.run,
		contextMeeting:         ref.meeting.In(app.location).Format(time.DateOnly),
	}
	if len(sections) == 1 {
		base[contextList] = strings.Join(ambitionIDs(sections[0].rows), ",")
	} else {
		parts := make([]string, len(sections))
		for i, sec := range sections {
			parts[i] = sec.org.Key + "=" + strings.Join(ambitionIDs(sec.rows), ",")
		}
		base[contextSections] = strings.Join(parts, ";")
	}
	var atts []ambitiebot.Attachment
	for n, sec := range sections {
		if len(sections) > 1 {
			atts = append(atts, ambitiebot.Attachment{Text: "#### " + app.userText(sec.org.Name)})
		}
		for _, p := range sec.rows {
			fields := maps.Clone(base)
			fields[ambitiebot.ContextOrg] = sec.org.Key
			fields[ambitiebot.ContextAmbition] = p.AmbitionID
			// Mattermost routes a click by action id: letters and digits,
			// unique within the post.
			id := "status" + strings.ReplaceAll(p.AmbitionID, ".", "x")
			if len(sections) > 1 {
				id += "o" + strconv.Itoa(n)
			}
			atts = append(atts, ambitiebot.Attachment{
				Text: app.reminderLine(lang, p),
				Actions: []ambitiebot.Action{{
					ID:      id,
					Name:    app.tr.T(lang, "ActionsMenu", nil),
					Options: options,
					Default: string(p.Status),
					Context: fields,
				}},
			})
		}
	}
	return msg, atts
}

// ReminderPost renders the reminder that a status menu with context
// fields belongs to again, for u in lang, with the statuses as they are
// now; org is the organisation of the menu. ok is false when fields do
// not come from a reminder.
func (app *App) ReminderPost(ctx context.Context, lang string, org ambitiebot.Organisation, u ambitiebot.User, several bool, fields map[string]string) (post ambitiebot.Post, ok bool, err error) {
	run := fields[contextRun]
	meeting, perr := time.ParseInLocation(time.DateOnly, fields[contextMeeting], app.location)
	lists := map[string]string{org.Key: fields[contextList]}
	keys := []string{org.Key}
	if enc := fields[contextSections]; enc != "" {
		lists, keys = map[string]string{}, nil
		for _, part := range strings.Split(enc, ";") {
			key, list, _ := strings.Cut(part, "=")
			lists[key] = list
			keys = append(keys, key)
		}
	}
	if run == "" || perr != nil || slices.Contains(slices.Collect(maps.Values(lists)), "") {
		return ambitiebot.Post{}, false, nil
	}
	filter := ambitiebot.ProgressFilter{}
	if len(keys) == 1 {
		filter.OrgKey = keys[0]
	}
	progress, err := app.store.FindProgress(ctx, filter)
	if err != nil {
		return ambitiebot.Post{}, false, err
	}
	mx := ambitiebot.NewMatrix(app.catalogue, app.organisations, progress)
	var sections []reminderSection
	for _, key := range keys {
		o, known := app.organisations.ByKey(key)
		if !known {
			continue
		}
		sec := reminderSection{org: o}
		for _, id := range strings.Split(lists[key], ",") {
			if p, ok := mx.Cell(o.Key, id); ok {
				sec.rows = append(sec.rows, p)
			}
		}
		if len(sec.rows) > 0 {
			sections = append(sections, sec)
		}
	}
	if len(sections) == 0 {
		return ambitiebot.Post{}, false, nil
	}
	post.Message, post.Attachments = app.menuList(lang, u, reminderRef{run: run, meeting: meeting}, sections, several)
	post.Marker = ambitiebot.Delivery{RunKey: run, Target: ambitiebot.UserTarget(u.ID)}.Marker()
	return post, true, nil
}
