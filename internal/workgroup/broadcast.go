package workgroup

import (
	"context"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
)

// The confirmation button of /ambitie bericht verstuur: its context says
// what it does (contextAction) and which run key it confirms (contextRun).
const (
	contextAction   = "do"
	actionBroadcast = "awareness-send"
)

// confirmSend answers /ambitie bericht verstuur without an id: which
// message would go to how many organisations, with a button that sends
// it. When the message of this period went out already it says so, by
// whom and when, and offers nothing.
func (app *App) confirmSend(ctx context.Context, m Member, lang string) (Response, error) {
	msg, key, sent, err := app.current(ctx)
	if err != nil {
		return Response{}, err
	}
	if sent != nil {
		return app.reply(app.alreadySent(lang, msg, *sent))
	}
	total, affiliated := len(app.organisations.Recipients()), len(app.organisations.Affiliated())
	data := map[string]any{"Title": msg.LocalTitle(lang), "ID": msg.ID, "Affiliated": affiliated}
	if !app.oneClick {
		return app.reply(app.tr.N(lang, "MessageConfirmTyped", total, data))
	}
	return Response{
		Texts: []string{app.tr.N(lang, "MessageConfirm", total, data)},
		Attachments: []ambitiebot.Attachment{{Actions: []ambitiebot.Action{{
			ID:   "awarenesssend",
			Name: app.tr.T(lang, "MessageConfirmButton", nil),
			Context: map[string]string{
				ambitiebot.ContextUser: m.User.ID,
				contextAction:          actionBroadcast,
				contextRun:             key,
			},
		}}}},
	}, nil
}

// sendChosen answers /ambitie bericht verstuur <id>: a project leader
// who names the message sends it at once. A message already sent in this
// cycle is not sent again; only what failed for good is tried again.
func (app *App) sendChosen(ctx context.Context, m Member, lang, id string) (Response, error) {
	msg, key, err := app.pick(ctx, id)
	if err != nil {
		return Response{}, err
	}
	rec, n, _, err := app.broadcast(ctx, msg, key, app.byMember(m))
	if err != nil {
		return Response{}, err
	}
	if n == 0 {
		return app.reply(app.alreadySent(lang, msg, rec))
	}
	return app.reply(app.tr.N(lang, "MessageQueued", n, map[string]any{"ID": msg.ID}))
}

// confirmed handles a click on the confirmation button: it sends the
// message it confirms, unless this period's message went out meanwhile
// (then it says by whom and when) or the rotation moved on.
func (app *App) confirmed(ctx context.Context, m Member, lang string, fields map[string]string) ActionResult {
	if !m.ProjectLeader {
		return app.fail(lang, forbidden("ErrLeadersOnly", nil))
	}
	msg, key, sent, err := app.current(ctx)
	if err != nil {
		return app.fail(lang, err)
	}
	if sent != nil {
		return ActionResult{Text: app.alreadySent(lang, msg, *sent), Outcome: "already"}
	}
	if key != fields[contextRun] {
		return ActionResult{Text: app.tr.T(lang, "MessageConfirmChanged", nil), Outcome: ambitiebot.EINVALID}
	}
	rec, n, _, err := app.broadcast(ctx, msg, key, app.byMember(m))
	if err != nil {
		return app.fail(lang, err)
	}
	if n == 0 || rec.UserID != m.User.ID {
		// Someone else's request of the same key was recorded first.
		return ActionResult{Text: app.alreadySent(lang, msg, rec), Outcome: "already"}
	}
	return ActionResult{Text: app.tr.N(lang, "MessageQueued", n, map[string]any{"ID": msg.ID}), Outcome: "ok"}
}

func (app *App) byMember(m Member) ambitiebot.Broadcast {
	return ambitiebot.Broadcast{Via: ambitiebot.BroadcastChat, UserID: m.User.ID, Username: m.User.Username}
}

// alreadySent says that msg went out, how and when, and that nothing was
// sent again.
func (app *App) alreadySent(lang string, msg awareness.Message, b ambitiebot.Broadcast) string {
	at := b.At.In(app.location)
	data := map[string]any{"User": app.userText(b.Username), "Date": app.tr.LongDate(lang, at), "Time": at.Format("15:04")}
	by := "MessageSentByUnknown"
	switch b.Via {
	case ambitiebot.BroadcastChat, ambitiebot.BroadcastSchedule, ambitiebot.BroadcastCLI:
		by = "MessageSentBy_" + b.Via
	}
	return app.tr.T(lang, "MessageAlreadySentBy", map[string]any{
		"Title": msg.LocalTitle(lang), "ID": msg.ID, "By": app.tr.T(lang, by, data)})
}

// messageText answers /ambitie bericht tekst [<org>] [id]: the message
// (this period's when no id is given) in the user's language, with a
// footer that names the organisation given (one they represent; a
// project leader any, the affiliated ones too) or else their first, as
// Markdown in a code block that Mattermost offers to copy, for an
// intranet or a newsletter.
func (app *App) messageText(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	// One word is a message's id, else an organisation's key (the
	// message riec and the affiliated RIEC may both exist).
	if cmd.OrgKey == "" && cmd.MessageID != "" && app.library != nil {
		if _, err := app.library.Get(cmd.MessageID); err != nil {
			if _, ok := app.organisations.Recipient(cmd.MessageID); ok {
				cmd.OrgKey, cmd.MessageID = cmd.MessageID, ""
			}
		}
	}
	org := ""
	if m.HasOrg {
		org = app.neutralize(m.Org.Name)
	}
	if cmd.OrgKey != "" {
		o, ok := app.organisations.Recipient(cmd.OrgKey)
		if !ok {
			return Response{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownOrganisation", map[string]any{"Key": app.userText(cmd.OrgKey)})
		}
		if !m.ProjectLeader && !m.Represents(o.Key) {
			return Response{}, forbidden("MessageTextNotYours", map[string]any{"Org": app.userText(o.Name), "Orgs": app.orgList(m.Orgs)})
		}
		org = app.neutralize(o.Name) // as in the channel's footer
	}
	msg, err := app.awarenessMessage(ctx, cmd.MessageID)
	if err != nil {
		return Response{}, err
	}
	text := msg.RenderFor(lang, org, app.tr)
	fence := codeFence(text)
	return app.reply(app.tr.T(lang, "MessageText", map[string]any{"Title": msg.LocalTitle(lang), "ID": msg.ID}),
		fence+"markdown\n"+text+"\n"+fence)
}

// codeFence is a run of backticks longer than any in text, so that the
// text cannot close its code block.
func codeFence(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// AwarenessFile is an awareness message exported for one organisation,
// or the generic version when Org is the zero Organisation.
type AwarenessFile struct {
	Org  ambitiebot.Organisation
	Data []byte
}

// ExportAwareness renders a message (this period's when id is empty) in
// format f and lang, ready to paste into an intranet or a newsletter:
// for the organisation orgKey when given, for every organisation that
// receives it (the affiliated ones too) with perOrg, else the generic
// version. It returns the message's id.
// Errors: ENOTFOUND (message, organisation), EINTERNAL.
func (app *App) ExportAwareness(ctx context.Context, id, orgKey, lang string, f awareness.Format, perOrg bool) (string, []AwarenessFile, error) {
	msg, err := app.awarenessMessage(ctx, id)
	if err != nil {
		return "", nil, err
	}
	var orgs []ambitiebot.Organisation
	switch {
	case orgKey != "":
		org, ok := app.organisations.Recipient(orgKey)
		if !ok {
			return "", nil, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownOrganisation", map[string]any{"Key": orgKey})
		}
		orgs = []ambitiebot.Organisation{org}
	case perOrg:
		orgs = app.organisations.Recipients()
	default:
		return msg.ID, []AwarenessFile{{Data: msg.Export(f, lang, "", app.tr)}}, nil
	}
	files := make([]AwarenessFile, len(orgs))
	for i, org := range orgs {
		files[i] = AwarenessFile{Org: org, Data: msg.Export(f, lang, org.Name, app.tr)}
	}
	return msg.ID, files, nil
}

// awarenessMessage is the awareness message with id, or this period's
// when id is empty.
func (app *App) awarenessMessage(ctx context.Context, id string) (awareness.Message, error) {
	if id == "" {
		msg, _, _, err := app.current(ctx)
		return msg, err
	}
	msg, _, err := app.pick(ctx, id)
	return msg, err
}
