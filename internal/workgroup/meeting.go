package workgroup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Reminder is the job run at each reminder time: it queues the reminder
// for the next meeting under the occurrence's run key.
func (app *App) Reminder(ctx context.Context, scheduledAt time.Time) error {
	ds, err := app.reminderDeliveries(ctx, runKey("reminder", scheduledAt), scheduledAt)
	if err != nil {
		return err
	}
	_, err = app.enqueue(ctx, ds...)
	return err
}

// RemindNow queues the reminder for the next meeting at once, once per
// meeting: a second call queues nothing and returns 0. With dryRun it
// queues nothing and returns the deliveries it would queue.
func (app *App) RemindNow(ctx context.Context, dryRun bool) (int, []ambitiebot.Delivery, error) {
	now := app.now()
	meeting := app.calendar.NextMeeting(now)
	key := "reminder:manual:" + meeting.In(app.location).Format(time.DateOnly)
	ds, err := app.reminderDeliveries(ctx, key, now)
	if err != nil || dryRun {
		return 0, ds, err
	}
	// Someone already reminded for this meeting is not reminded again,
	// not even in part: a reminder in several posts that has grown since
	// would otherwise bring only its new later posts.
	queued, err := app.store.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: key})
	if err != nil {
		return 0, nil, err
	}
	reminded := map[ambitiebot.Target]bool{}
	for _, d := range queued {
		reminded[d.Target] = true
	}
	ds = slices.DeleteFunc(ds, func(d ambitiebot.Delivery) bool { return reminded[d.Target] })
	n, err := app.enqueue(ctx, ds...)
	return n, ds, err
}

// reminderDeliveries builds the working-group post and one direct message
// per working-group member who belongs to an organisation.
func (app *App) reminderDeliveries(ctx context.Context, key string, at time.Time) ([]ambitiebot.Delivery, error) {
	meeting := app.calendar.NextMeeting(at)
	previous := app.calendar.PreviousMeeting(meeting)
	mx, err := app.matrix(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := app.store.FindChanges(ctx, ambitiebot.ChangeFilter{Since: previous})
	if err != nil {
		return nil, err
	}
	updated := map[string]bool{}
	for _, c := range changes {
		updated[c.OrgKey] = true
	}
	const lang = "nl" // the working-group channel reads Dutch
	var b strings.Builder
	b.WriteString(app.tr.T(lang, "ReminderHeader", map[string]any{
		"Date": app.longDate(lang, meeting), "Time": meeting.In(app.location).Format("15:04")}))
	b.WriteString("\n\n")
	var stale []string
	for _, org := range app.organisations.Grouped() {
		if !updated[org.Key] {
			stale = append(stale, "- "+org.Name)
		}
	}
	if len(stale) == 0 {
		b.WriteString(app.tr.T(lang, "ReminderAllUpdated", nil) + "\n")
	} else {
		b.WriteString(app.tr.T(lang, "ReminderNotUpdated", map[string]any{"Since": app.longDate(lang, previous)}) + "\n")
		b.WriteString(strings.Join(stale, "\n") + "\n")
	}
	b.WriteString("\n" + app.blockedList(lang, mx))
	ds := []ambitiebot.Delivery{{
		RunKey: key, Target: ambitiebot.ChannelTarget(app.workingGroup), Kind: "reminder",
		Message: strings.TrimSpace(b.String()),
	}}
	dms, err := app.reminderDMs(ctx, key, meeting, mx)
	if err != nil {
		return nil, err
	}
	return append(ds, dms...), nil
}

// blockedList lists the open knelpunten, one organisation and ambition a
// line.
func (app *App) blockedList(lang string, mx *ambitiebot.Matrix) string {
	var lines []string
	for _, org := range app.organisations.Grouped() {
		for _, a := range app.catalogue.Ambitions() {
			if p, ok := mx.Cell(org.Key, a.ID); ok && p.Status == ambitiebot.StatusBlocked {
				lines = append(lines, fmt.Sprintf("- **%s** — %s: %s", org.Name, a.ID, app.userText(p.Note)))
			}
		}
	}
	if len(lines) == 0 {
		return app.tr.T(lang, "ReminderNoBlocked", nil)
	}
	return app.tr.T(lang, "ReminderBlocked", nil) + "\n" + strings.Join(lines, "\n")
}

// reminderDMs writes to every member of the working-group channel who
// represents an organisation, in their own language, and to the contacts
// of an organisation that has no member there: one message per person,
// with a section per organisation.
func (app *App) reminderDMs(ctx context.Context, key string, meeting time.Time, mx *ambitiebot.Matrix) ([]ambitiebot.Delivery, error) {
	recipients, _, err := app.reminderRecipients(ctx)
	if err != nil {
		return nil, err
	}
	var ds []ambitiebot.Delivery
	for _, r := range recipients {
		lang := i18n.Lang(r.user.Locale)
		var sections []reminderSection
		for _, org := range r.orgs {
			if open := mx.OpenAmbitions(org.Key); len(open) > 0 {
				sections = append(sections, reminderSection{org: org, rows: open})
			}
		}
		d := ambitiebot.Delivery{RunKey: key, Target: ambitiebot.UserTarget(r.user.ID), Kind: "reminder", OrgKey: r.orgs[0].Key}
		switch {
		case len(sections) == 0 && !app.thankYou:
			continue
		case len(sections) == 0:
			d.Message = app.tr.T(lang, "ReminderThanks", map[string]any{"Org": app.names(lang, r.orgs), "Date": app.longDate(lang, meeting)})
		case app.oneClick:
			d.Message, d.Attachments = app.menuList(lang, r.user, reminderRef{run: key, meeting: meeting}, sections, r.several)
		default:
			// Without menus every line is text: many organisations can
			// outgrow one post, and then come in several.
			for i, msg := range app.openLists(lang, r.user, meeting, sections, r.several) {
				p := d
				p.Message = msg
				if i > 0 {
					p.RunKey = ambitiebot.PartRunKey(key, i+1)
				}
				ds = append(ds, p)
			}
			continue
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// openLists is the reminder without menus in as few posts as fit under
// Mattermost's post limit, each a whole number of organisations' sections
// (the agreement's 28 ambitions for one organisation fit in one post).
func (app *App) openLists(lang string, u ambitiebot.User, meeting time.Time, sections []reminderSection, several bool) []string {
	part := func(secs []reminderSection) string { return app.openList(lang, u, meeting, secs, several) }
	whole := part(sections)
	if utf8.RuneCountInString(whole) <= MaxPostRunes {
		return []string{whole}
	}
	var parts []string
	var cur []reminderSection
	for _, sec := range sections {
		if len(cur) > 0 && utf8.RuneCountInString(part(append(slices.Clip(cur), sec))) > MaxPostRunes {
			parts = append(parts, part(cur))
			cur = nil
		}
		cur = append(cur, sec)
	}
	return append(parts, part(cur))
}

// recipient is a person a reminder goes to and the organisations it
// covers for them.
type recipient struct {
	user ambitiebot.User
	orgs []ambitiebot.Organisation
	// several: they represent more than one organisation (not only those
	// of the reminder), so a command they type names the organisation.
	several bool
}

// reminderRecipients are the people the reminder goes to: every member of the
// working-group channel who represents an organisation, and the contacts
// of each organisation that no member represents (a contact in the
// channel too), each once. nobody are
// the organisations neither reaches.
func (app *App) reminderRecipients(ctx context.Context) (rs []recipient, nobody []ambitiebot.Organisation, err error) {
	channelID, err := app.chat.ChannelID(ctx, app.workingGroup)
	if err != nil {
		return nil, nil, err
	}
	users, err := app.chat.ChannelMembers(ctx, channelID)
	if err != nil {
		return nil, nil, err
	}
	index := map[string]int{} // user id → position in rs
	covered := map[string]bool{}
	for _, u := range users {
		if u.IsBot {
			continue
		}
		m, err := app.members.Resolve(ctx, u.ID)
		if err != nil {
			app.logger.Warn("reminder: cannot resolve member", slog.String("user_id", u.ID), slog.Any("error", err))
			continue
		}
		// An organisation they are only the contact of comes below, when
		// nobody else covers it.
		own := slices.DeleteFunc(slices.Clone(m.Orgs), func(o ambitiebot.Organisation) bool { return m.contactOnly[o.Key] })
		if len(own) == 0 {
			continue
		}
		index[u.ID] = len(rs)
		rs = append(rs, recipient{user: m.User, orgs: own, several: len(m.Orgs) > 1})
		for _, o := range own {
			covered[o.Key] = true
		}
	}
	contacts := app.members.people.byName(ctx)
	for _, org := range app.organisations.Grouped() {
		if covered[org.Key] {
			continue
		}
		reached := false
		for _, name := range org.Contacts {
			id, ok := contacts[name]
			if !ok {
				continue
			}
			i, known := index[id]
			if !known {
				c, err := app.members.Resolve(ctx, id)
				if err != nil {
					app.logger.Warn("reminder: cannot look up contact", slog.String("user_id", id), slog.Any("error", err))
					continue
				}
				i, index[id] = len(rs), len(rs)
				rs = append(rs, recipient{user: c.User, several: len(c.Orgs) > 1})
			}
			if !slices.ContainsFunc(rs[i].orgs, func(o ambitiebot.Organisation) bool { return o.Key == org.Key }) {
				rs[i].orgs = append(rs[i].orgs, org)
			}
			reached = true
		}
		if !reached {
			nobody = append(nobody, org)
		}
	}
	return rs, nobody, nil
}

// Unrepresented returns the organisations that nobody represents: no
// member of the working-group channel acts for them and they have no
// contact, so no reminder reaches them (for ambitiebot doctor and the
// meeting-day summary).
func (app *App) Unrepresented(ctx context.Context) ([]ambitiebot.Organisation, error) {
	_, nobody, err := app.reminderRecipients(ctx)
	return nobody, err
}

// openList is a reminder without menus: per organisation the ambitions
// that are not done, and how to update them (with the organisation first
// when u represents several).
func (app *App) openList(lang string, u ambitiebot.User, meeting time.Time, sections []reminderSection, several bool) string {
	var b strings.Builder
	if len(sections) == 1 {
		open, org := sections[0].rows, sections[0].org
		data := map[string]any{"User": u.Username, "Org": org.Name, "Date": app.longDate(lang, meeting)}
		// The list also holds statuses te herbevestigen, which may be gereed.
		if n := len(slices.DeleteFunc(slices.Clone(open), func(p ambitiebot.Progress) bool { return !p.Status.Open() })); n > 0 {
			b.WriteString(app.tr.N(lang, "ReminderOpen", n, data))
		} else {
			b.WriteString(app.tr.T(lang, "ReminderReconfirmOnly", data))
		}
		b.WriteString("\n")
		for _, p := range open {
			b.WriteString("- " + app.reminderLine(lang, p) + "\n")
		}
		howTo := "ReminderHowTo"
		if several {
			howTo = "ReminderHowToOrg"
		}
		b.WriteString("\n" + app.tr.T(lang, howTo, map[string]any{"Org": org.Key, "ID": open[0].AmbitionID}))
		if hint := app.reconfirmHint(lang, open, several); hint != "" {
			b.WriteString("\n" + hint)
		}
		return b.String()
	}
	b.WriteString(app.tr.T(lang, "ReminderOpenMany", map[string]any{
		"User": u.Username, "Orgs": app.names(lang, orgsOf(sections)), "Date": app.longDate(lang, meeting)}))
	b.WriteString("\n")
	var all []ambitiebot.Progress
	for _, sec := range sections {
		b.WriteString("\n#### " + app.userText(sec.org.Name) + "\n")
		for _, p := range sec.rows {
			b.WriteString("- " + app.reminderLine(lang, p) + "\n")
		}
		all = append(all, sec.rows...)
	}
	b.WriteString("\n" + app.tr.T(lang, "ReminderHowToOrg", map[string]any{"Org": sections[0].org.Key, "ID": sections[0].rows[0].AmbitionID}))
	if hint := app.reconfirmHint(lang, all, true); hint != "" {
		b.WriteString("\n" + hint)
	}
	return b.String()
}

// Summary is the meeting-morning job: what changed since the previous
// meeting, the new knelpunten and the days left to the deadline.
func (app *App) Summary(ctx context.Context, scheduledAt time.Time) error {
	msg, err := app.SummaryText(ctx, scheduledAt)
	if err != nil {
		return err
	}
	_, err = app.enqueue(ctx, ambitiebot.Delivery{
		RunKey: runKey("summary", scheduledAt), Target: ambitiebot.ChannelTarget(app.workingGroup),
		Kind: "summary", Message: msg,
	})
	return err
}

// SummaryText renders the meeting-day summary for the meeting on or after at.
func (app *App) SummaryText(ctx context.Context, at time.Time) (string, error) {
	// The summary runs on the meeting morning, before the meeting itself.
	meeting := app.calendar.NextMeeting(at.Add(-time.Second))
	previous := app.calendar.PreviousMeeting(meeting)
	changes, err := app.store.FindChanges(ctx, ambitiebot.ChangeFilter{Since: previous, Until: at})
	if err != nil {
		return "", err
	}
	const lang = "nl"
	var b strings.Builder
	b.WriteString(app.tr.T(lang, "SummaryHeader", map[string]any{"Since": app.longDate(lang, previous)}) + "\n\n")
	b.WriteString(app.deadlineLine(lang, at) + "\n\n")
	byOrg := map[string][]ambitiebot.Change{}
	var blocked []string
	for _, c := range changes {
		byOrg[c.OrgKey] = append(byOrg[c.OrgKey], c)
		if c.To == ambitiebot.StatusBlocked && c.From != ambitiebot.StatusBlocked {
			blocked = append(blocked, fmt.Sprintf("- **%s** — %s: %s", app.orgName(c.OrgKey), c.AmbitionID, app.userText(c.Note)))
		}
	}
	if len(changes) == 0 {
		b.WriteString(app.tr.T(lang, "SummaryNoChanges", nil) + "\n")
	} else {
		b.WriteString(app.tr.T(lang, "SummaryChanges", nil) + "\n")
		var quiet []string
		for _, org := range app.organisations.Grouped() {
			cs := byOrg[org.Key]
			if len(cs) == 0 {
				quiet = append(quiet, org.Name)
				continue
			}
			b.WriteString("- **" + org.Name + "**: " + app.moves(lang, cs) + "\n")
		}
		if len(quiet) > 0 {
			b.WriteString("\n" + app.tr.T(lang, "SummaryQuiet", map[string]any{"Orgs": strings.Join(quiet, ", ")}) + "\n")
		}
	}
	if len(blocked) > 0 {
		b.WriteString("\n" + app.tr.T(lang, "SummaryNewBlocked", nil) + "\n" + strings.Join(blocked, "\n") + "\n")
	}
	if nobody := app.unrepresented(ctx); len(nobody) > 0 {
		b.WriteString("\n" + app.tr.T(lang, "SummaryUnrepresented", map[string]any{"Orgs": app.names(lang, nobody)}) + "\n")
	}
	return strings.TrimSpace(b.String()), nil
}

// moves lists an organisation's changes as "3.2 → Gereed, 1.1 → In
// uitvoering", keeping only the latest change per ambition.
func (app *App) moves(lang string, cs []ambitiebot.Change) string {
	last := map[string]ambitiebot.Change{}
	for _, c := range cs {
		last[c.AmbitionID] = c
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, ambitiebot.CompareAmbitionIDs)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + " → " + app.tr.Status(lang, last[id].To)
	}
	return strings.Join(parts, ", ")
}

// deadlineLine says how many days are left to the agreement's deadline,
// or how far past it we are.
func (app *App) deadlineLine(lang string, at time.Time) string {
	days := app.daysBetween(at, app.deadline)
	data := map[string]any{"Deadline": app.longDate(lang, app.deadline)}
	switch {
	case days > 0:
		return app.tr.N(lang, "DeadlineLeft", days, data)
	case days == 0:
		return app.tr.T(lang, "DeadlineToday", data)
	default:
		return app.tr.N(lang, "DeadlinePassed", -days, data)
	}
}

// unrepresented is Unrepresented for the summary, where a chat server
// that cannot be asked only costs the line.
func (app *App) unrepresented(ctx context.Context) []ambitiebot.Organisation {
	if app.chat == nil {
		return nil
	}
	nobody, err := app.Unrepresented(ctx)
	if err != nil {
		app.logger.Warn("summary: representation not checked", slog.Any("error", err))
		return nil
	}
	return nobody
}
