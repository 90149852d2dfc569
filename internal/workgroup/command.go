package workgroup

import (
	"context"
	"log/slog"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Request is one /ambitie invocation. UserID is the id the chat server
// vouches for; nothing else about the user is taken from the request.
type Request struct {
	UserID    string
	ChannelID string
	TeamID    string
	TriggerID string
	Text      string
}

// Response is what the user sees. Texts holds one or more messages, split
// at line boundaries so that each stays under the chat server's limit;
// Attachments, such as a confirmation button, go with the first.
type Response struct {
	Texts       []string
	Attachments []ambitiebot.Attachment
	InChannel   bool
	Outcome     string // "ok" or the error code, for logs and metrics
}

// Handle runs one command and always returns something to show: failures
// become a sentence in the user's language, their cause goes to the log.
func (app *App) Handle(ctx context.Context, req Request) Response {
	start := app.now()
	lang := "nl"
	resp, err := func() (Response, error) {
		if ok, wait := app.allow(req.UserID); !ok {
			// A flood asks the chat server nothing.
			lang = app.cachedLang(req.UserID)
			return app.limited(lang, wait), nil
		}
		cmd, perr := Parse(req.Text, app.maxNote)
		if cmd.Kind == KindHelp && perr == nil {
			// Help needs no identity, so it works even when the chat
			// server cannot be asked who the user is.
			if m, err := app.members.Resolve(ctx, req.UserID); err == nil {
				lang = i18n.Lang(m.User.Locale)
				return app.help(lang, m), nil
			}
			return app.help(lang, Member{}), nil
		}
		m, err := app.members.Resolve(ctx, req.UserID)
		if err != nil {
			return Response{}, err
		}
		lang = i18n.Lang(m.User.Locale)
		if perr != nil {
			return Response{}, perr
		}
		return app.run(ctx, m, lang, cmd, req)
	}()
	if err != nil {
		resp = Response{Texts: []string{app.tr.Error(lang, err)}, Outcome: ambitiebot.ErrorCode(err)}
	} else if resp.Outcome == "" {
		resp.Outcome = "ok"
	}
	level := slog.LevelInfo
	if resp.Outcome == ambitiebot.EINTERNAL {
		level = slog.LevelError
	}
	took := app.now().Sub(start)
	app.logger.LogAttrs(ctx, level, "command",
		slog.String("user_id", req.UserID),
		slog.String("outcome", resp.Outcome),
		slog.Duration("duration", took),
		slog.Any("error", err))
	if app.observe != nil {
		app.observe(resp.Outcome, took)
	}
	return resp
}

func (app *App) run(ctx context.Context, m Member, lang string, cmd Command, req Request) (Response, error) {
	switch cmd.Kind {
	case KindShow:
		return app.show(ctx, m, lang, cmd.AmbitionID)
	case KindSet:
		cmd.keepNote = true
		return app.set(ctx, m, lang, cmd)
	case KindMine:
		return app.mine(ctx, m, lang)
	case KindOverview:
		return app.overview(ctx, m, lang, cmd, req)
	case KindHistory:
		return app.history(ctx, m, lang, cmd)
	case KindLink:
		return app.link(ctx, m, lang, cmd)
	case KindUnlink:
		return app.unlink(ctx, m, lang, cmd)
	case KindMeeting:
		return app.meeting(lang)
	case KindMessage, KindSendMessage:
		return app.message(ctx, m, lang, cmd)
	case KindMessageText:
		return app.messageText(ctx, m, lang, cmd)
	case KindReport:
		return app.reportRequest(ctx, m, lang, cmd)
	case KindEdit:
		return app.edit(ctx, m, lang, cmd, req)
	case KindConfirm:
		return app.confirm(ctx, m, lang, cmd)
	}
	return Response{}, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
}

func (app *App) reply(texts ...string) (Response, error) {
	return Response{Texts: texts}, nil
}

func forbidden(id string, data map[string]any) error {
	return ambitiebot.Errorf(ambitiebot.EFORBIDDEN, id, data)
}

func invalid(id string, data map[string]any) error {
	return ambitiebot.Errorf(ambitiebot.EINVALID, id, data)
}

// ambition looks up a parsed id in the catalogue.
func (app *App) ambition(id string) (ambitiebot.Ambition, error) {
	a, ok := app.catalogue.Ambition(id)
	if !ok {
		return a, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownAmbition", map[string]any{"ID": id})
	}
	return a, nil
}

// organisation looks up a typed organisation key.
func (app *App) organisation(key string) (ambitiebot.Organisation, error) {
	org, ok := app.organisations.ByKey(key)
	if !ok {
		// An affiliated organisation is known, but nobody represents it
		// and it has no ambitions: say so rather than that it is unknown.
		if aff, ok := app.organisations.Recipient(key); ok && aff.Kind == ambitiebot.KindAffiliated {
			return org, invalid("ErrAffiliatedNoMembers", map[string]any{"Org": app.userText(aff.Name)})
		}
		return org, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownOrganisation", map[string]any{"Key": app.userText(key)})
	}
	return org, nil
}

func (app *App) set(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	a, err := app.ambition(cmd.AmbitionID)
	if err != nil {
		return Response{}, err
	}
	org, err := app.actingFor(m, cmd.OrgKey, func(key string) string {
		return key + " " + a.ID + " " + commandWord(lang, string(cmd.Status))
	})
	if err != nil {
		return Response{}, err
	}
	if !a.AppliesToKind(org.Kind) {
		return Response{}, invalid("ErrNotApplicable", map[string]any{"ID": a.ID, "Org": org.Name})
	}
	if cmd.keepNote && cmd.Note == "" {
		cmd.Note = app.currentNote(ctx, org.Key, a.ID, cmd.Status)
	}
	upd := ambitiebot.Update{OrgKey: org.Key, AmbitionID: a.ID, Status: cmd.Status, Note: cmd.Note, User: m.User}
	if app.activityFeed {
		upd.Feed = []ambitiebot.Delivery{{
			Target: ambitiebot.ChannelTarget(app.workingGroup),
			Kind:   "feed",
			OrgKey: org.Key,
		}}
		upd.FeedMessage = func(c ambitiebot.Change) string { return app.feedText(org, a, m.User, cmd, c.From) }
		upd.Lease = app.lease()
	}
	ch, err := app.store.SetStatus(ctx, upd)
	if err != nil {
		return Response{}, err
	}
	if ch.ID == 0 && ch.Confirmed {
		return app.reply(app.tr.T(lang, "ReconfirmDone", map[string]any{
			"Org": org.Name, "ID": a.ID, "Status": app.tr.Status(lang, ch.To)}))
	}
	if ch.ID == 0 {
		return app.reply(app.tr.T(lang, "SetUnchanged", map[string]any{
			"Org": org.Name, "ID": a.ID, "Status": app.tr.Status(lang, cmd.Status),
			"Note": app.userText(cmd.Note)}))
	}
	app.handoff(upd.Feed)
	id := "SetDone"
	if ch.From == ch.To {
		id = "SetNoteChanged"
	}
	return app.reply(app.tr.T(lang, id, map[string]any{
		"Org": org.Name, "ID": a.ID,
		"Status": app.tr.Status(lang, ch.To), "From": app.tr.Status(lang, ch.From),
		"Note": app.userText(ch.Note)}))
}

// actingFor returns the organisation a member acts for: the one named
// (when they may act for it), else their own. A member of several
// organisations who names none is asked which, with example(key) as the
// words that would name the first of theirs; nothing is guessed.
func (app *App) actingFor(m Member, orgKey string, example func(key string) string) (ambitiebot.Organisation, error) {
	switch {
	case orgKey != "":
		org, err := app.organisation(orgKey)
		if err != nil {
			return org, err
		}
		if !m.CanActFor(org.Key) {
			if !m.HasOrg && m.Refused != "" {
				return org, m.refusal("ErrNoOrganisation")
			}
			if len(m.Orgs) > 1 {
				return org, forbidden("ErrNotRepresented", map[string]any{"Org": org.Name, "Orgs": app.orgList(m.Orgs)})
			}
			return org, forbidden("ErrNotYourOrganisation", map[string]any{"Org": org.Name})
		}
		return org, nil
	case len(m.Orgs) > 1:
		return ambitiebot.Organisation{}, invalid("ErrWhichOrganisation", map[string]any{
			"Orgs": app.orgList(m.Orgs), "Example": example(m.Orgs[0].Key)})
	case m.HasOrg:
		return m.Org, nil
	case m.ProjectLeader:
		return ambitiebot.Organisation{}, invalid("ErrLeaderNeedsOrg", nil)
	default:
		return ambitiebot.Organisation{}, m.refusal("ErrNoOrganisation")
	}
}

// orgList names organisations with the key to type for each:
// "Waterschap Hunze en Aa's (`hunze-en-aas`), …".
func (app *App) orgList(orgs []ambitiebot.Organisation) string {
	parts := make([]string, len(orgs))
	for i, o := range orgs {
		parts[i] = app.userText(o.Name) + " (`" + o.Key + "`)"
	}
	return strings.Join(parts, ", ")
}

// feedText is the working-group channel's line for a change from status
// from, in the channel's language (Dutch). The store calls it inside the
// change's transaction (Update.FeedMessage), where from is certain.
func (app *App) feedText(org ambitiebot.Organisation, a ambitiebot.Ambition, u ambitiebot.User, cmd Command, from ambitiebot.Status) string {
	id := "FeedChange"
	switch {
	case from == cmd.Status:
		id = "FeedNoteChanged"
	case cmd.Note != "":
		id = "FeedChangeNote"
	}
	return app.tr.T("nl", id, map[string]any{
		"Org": org.Name, "ID": a.ID, "Status": app.tr.Status("nl", cmd.Status),
		"User": u.Username, "Note": app.userText(cmd.Note),
	})
}

// link links a user to one or more organisations (koppel @user org…),
// besides those they represent already. Every organisation named must
// exist, or nothing is linked.
func (app *App) link(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	u, orgs, err := app.linkArgs(ctx, m, cmd)
	if err != nil {
		return Response{}, err
	}
	var added []ambitiebot.Organisation
	for _, org := range orgs {
		ok, err := app.store.LinkUser(ctx, ambitiebot.UserLink{UserID: u.ID, OrgKey: org.Key, LinkedBy: m.User.ID, LinkedAt: app.now()})
		if err != nil {
			return Response{}, err
		}
		if ok {
			added = append(added, org)
		}
	}
	id, data := "LinkDone", map[string]any{"User": u.Username, "Org": app.names(lang, added)}
	if len(added) == 0 {
		id, data["Org"] = "LinkUnchanged", app.names(lang, orgs)
	}
	return app.reply(app.tr.T(lang, id, data) + "\n" + app.representsNow(ctx, lang, u))
}

// unlink undoes links (ontkoppel @user [org…]): to the organisations
// named, or all of them. What the e-mail domain or the configuration
// gives stays.
func (app *App) unlink(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	u, orgs, err := app.linkArgs(ctx, m, cmd)
	if err != nil {
		return Response{}, err
	}
	keys := make([]string, len(orgs))
	for i, o := range orgs {
		keys[i] = o.Key
	}
	removed, err := app.store.UnlinkUser(ctx, u.ID, m.User.ID, keys)
	if err != nil {
		return Response{}, err
	}
	if len(removed) == 0 {
		return app.reply(app.tr.T(lang, "UnlinkNothing", map[string]any{"User": u.Username}) + "\n" + app.representsNow(ctx, lang, u))
	}
	var gone []ambitiebot.Organisation
	for _, l := range removed {
		if org, ok := app.organisations.ByKey(l.OrgKey); ok {
			gone = append(gone, org)
		}
	}
	return app.reply(app.tr.T(lang, "UnlinkDone", map[string]any{"User": u.Username, "Org": app.names(lang, gone)}) +
		"\n" + app.representsNow(ctx, lang, u))
}

// linkArgs checks a koppel or ontkoppel: a project leader asks, the user
// exists and every organisation named does.
func (app *App) linkArgs(ctx context.Context, m Member, cmd Command) (ambitiebot.User, []ambitiebot.Organisation, error) {
	if !m.ProjectLeader {
		return ambitiebot.User{}, nil, forbidden("ErrLeadersOnly", nil)
	}
	orgs := make([]ambitiebot.Organisation, 0, len(cmd.OrgKeys))
	for _, key := range cmd.OrgKeys {
		org, err := app.organisation(key)
		if err != nil {
			return ambitiebot.User{}, nil, err
		}
		orgs = append(orgs, org)
	}
	u, err := app.chat.UserByUsername(ctx, cmd.Username)
	if err != nil {
		if ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND {
			return u, nil, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownUser", map[string]any{"User": app.userText(cmd.Username)})
		}
		return u, nil, err
	}
	return u, orgs, nil
}

// representsNow says which organisations a user represents after a
// change to their links; a failed lookup only costs the sentence.
func (app *App) representsNow(ctx context.Context, lang string, u ambitiebot.User) string {
	who, err := app.members.Resolve(ctx, u.ID)
	if err != nil {
		app.logger.Warn("link: member not resolved", slog.String("user_id", u.ID), slog.Any("error", err))
		return ""
	}
	if len(who.Orgs) == 0 {
		return app.tr.T(lang, "RepresentsNone", map[string]any{"User": u.Username})
	}
	return app.tr.T(lang, "RepresentsNow", map[string]any{"User": u.Username, "Orgs": app.names(lang, who.Orgs)})
}

// names lists organisation names as a sentence does: "A, B en C".
func (app *App) names(lang string, orgs []ambitiebot.Organisation) string {
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = app.userText(o.Name) // from the configuration, shown as text all the same
	}
	return app.listAnd(lang, names)
}

func (app *App) meeting(lang string) (Response, error) {
	if app.calendar == nil {
		return Response{}, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	next := app.calendar.NextMeeting(app.now()).In(app.location)
	data := map[string]any{"Date": app.tr.LongDate(lang, next), "Time": next.Format("15:04"), "URL": app.agendaURL}
	if app.agendaURL == "" {
		return app.reply(app.tr.T(lang, "MeetingNext", data))
	}
	return app.reply(app.tr.T(lang, "MeetingNextWithLink", data))
}

func (app *App) message(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	if !m.ProjectLeader {
		return Response{}, forbidden("ErrLeadersOnly", nil)
	}
	if cmd.Kind == KindMessage {
		title, text, err := app.Preview(ctx, cmd.MessageID, lang)
		if err != nil {
			return Response{}, err
		}
		return app.reply(app.tr.T(lang, "MessagePreview", map[string]any{"Title": title}), text)
	}
	if cmd.MessageID == "" {
		return app.confirmSend(ctx, m, lang)
	}
	return app.sendChosen(ctx, m, lang, cmd.MessageID)
}
