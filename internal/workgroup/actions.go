package workgroup

import (
	"context"
	"crypto/rand"
	"log/slog"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// The status dialog: its callback id and field names.
const (
	DialogCallback = "ambitie-status"
	FieldAmbition  = "ambition"
	FieldStatus    = "status"
	FieldNote      = "toelichting"
)

// ActionResult answers a click or a dialog submission. Errors and Error
// keep a dialog open; Update replaces the clicked post.
type ActionResult struct {
	Text    string            // for the user only
	Update  *ambitiebot.Post  // the clicked reminder, rendered again
	Errors  map[string]string // per dialog field
	Error   string            // for the dialog as a whole
	Outcome string            // "ok" or an error code, for the log
}

// setStatus sets orgKey's status on an ambition as `/ambitie <org> <id>
// <status> <toelichting>` does, through the same code: the member's
// rights, the catalogue, the history, the activity feed and the reply,
// which it returns. keepNote keeps the stored toelichting when note is
// empty and the status is the stored one (see Command.keepNote).
func (app *App) setStatus(ctx context.Context, m Member, lang, orgKey, ambitionID string, status ambitiebot.Status, note string, keepNote bool) (string, error) {
	if err := checkNote(status, note, noteLimit(app.maxNote)); err != nil {
		return "", err
	}
	resp, err := app.set(ctx, m, lang, Command{Kind: KindSet, AmbitionID: ambitionID, OrgKey: orgKey, Status: status, Note: note, keepNote: keepNote})
	if err != nil {
		return "", err
	}
	return strings.Join(resp.Texts, "\n"), nil
}

// Click handles a choice from a reminder's status menu. A status that
// needs a toelichting opens the status dialog instead of being set.
func (app *App) Click(ctx context.Context, userID, triggerID string, fields map[string]string, option string) ActionResult {
	if ok, wait := app.allow(userID); !ok {
		res := ActionResult{Text: app.limited(app.cachedLang(userID), wait).Texts[0], Outcome: OutcomeRateLimited}
		app.log(ctx, "action", userID, res.Outcome)
		return res
	}
	m, lang, err := app.member(ctx, userID)
	res := func() ActionResult {
		if err != nil {
			return app.fail(lang, err)
		}
		if fields[contextAction] == actionBroadcast {
			return app.confirmed(ctx, m, lang, fields)
		}
		status := ambitiebot.Status(option)
		if !status.Valid() {
			return ActionResult{Text: app.tr.T(lang, "ActionsErrChoice", nil), Outcome: ambitiebot.EINVALID}
		}
		org, err := app.organisation(fields[ambitiebot.ContextOrg])
		if err != nil {
			return app.fail(lang, err)
		}
		if status.NeedsNote() {
			if _, err := app.actingFor(m, org.Key, nil); err != nil {
				return app.fail(lang, err)
			}
			note := app.currentNote(ctx, org.Key, fields[ambitiebot.ContextAmbition], status)
			if err := app.openDialog(ctx, lang, org, triggerID, fields[ambitiebot.ContextAmbition], status, note, fields); err != nil {
				return app.fail(lang, err)
			}
			return ActionResult{Outcome: "dialog"}
		}
		text, err := app.setStatus(ctx, m, lang, org.Key, fields[ambitiebot.ContextAmbition], status, "", true)
		if err != nil {
			return app.fail(lang, err)
		}
		res := ActionResult{Text: text, Outcome: "ok"}
		if post, ok := app.reminder(ctx, m, lang, org, fields); ok && app.remindersEditable(ctx) {
			res.Update = &post
		}
		return res
	}()
	app.log(ctx, "action", userID, res.Outcome)
	return res
}

// Submit handles the status dialog. Missing or wrong fields keep it open
// with a sentence at the field; a set status updates the reminder the
// dialog was opened from, if any.
func (app *App) Submit(ctx context.Context, userID string, state, submission map[string]string) ActionResult {
	if ok, wait := app.allow(userID); !ok {
		res := ActionResult{Error: app.limited(app.cachedLang(userID), wait).Texts[0], Outcome: OutcomeRateLimited}
		app.log(ctx, "dialog", userID, res.Outcome)
		return res
	}
	m, lang, err := app.member(ctx, userID)
	res := func() ActionResult {
		if err != nil {
			return ActionResult{Error: app.tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		status := ambitiebot.Status(submission[FieldStatus])
		note := strings.TrimSpace(submission[FieldNote])
		errs := map[string]string{}
		switch {
		case !status.Valid():
			errs[FieldStatus] = app.tr.T(lang, "ActionsErrChoice", nil)
		case status.NeedsNote() && note == "":
			errs[FieldNote] = app.tr.T(lang, "ActionsNoteRequired_"+string(status), nil)
		}
		if limit := noteLimit(app.maxNote); utf8.RuneCountInString(note) > limit {
			errs[FieldNote] = app.tr.T(lang, "ErrNoteTooLong", map[string]any{"Max": limit})
		}
		if len(errs) > 0 {
			return ActionResult{Errors: errs, Outcome: ambitiebot.EINVALID}
		}
		org, err := app.organisation(state[ambitiebot.ContextOrg])
		if err == nil {
			err = app.useDialog(ctx, state)
		}
		if err != nil {
			return ActionResult{Error: app.tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		text, err := app.setStatus(ctx, m, lang, org.Key, submission[FieldAmbition], status, note, false)
		if err != nil {
			return ActionResult{Error: app.tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		if post, ok := app.reminder(ctx, m, lang, org, state); ok && app.remindersEditable(ctx) {
			app.updateReminder(ctx, m.User.ID, post)
		}
		return ActionResult{Text: text, Outcome: "ok"}
	}()
	app.log(ctx, "dialog", userID, res.Outcome)
	return res
}

// Refuse renders why a click or submission was refused before it could
// be read (unsigned, tampered, stale, someone else's). It asks the chat
// server nothing, so that forged requests cannot spend the bot's budget
// there: the sentence is in the user's language when the bot knows them
// already, else in Dutch.
func (app *App) Refuse(ctx context.Context, userID string, err error) string {
	app.log(ctx, "refused", userID, ambitiebot.ErrorCode(err), slog.Any("error", err))
	return app.tr.Error(app.cachedLang(userID), err)
}

// cachedLang is the language of a user the bot has looked up before,
// Dutch for anyone else; it asks the chat server nothing.
func (app *App) cachedLang(userID string) string {
	if u, ok := app.members.cached(userID); ok {
		return i18n.Lang(u.Locale)
	}
	return "nl"
}

// contextNonce is the dialog state's single-use token: a submission
// stores it, so the same dialog cannot be submitted twice.
const contextNonce = "nonce"

// usedDialogLife is how long a used nonce is remembered: longer than a
// dialog state's signature is valid (an hour, and some clock skew).
const usedDialogLife = 2 * time.Hour

// useDialog marks a dialog state used; a state used before, or one
// without a nonce, is refused.
func (app *App) useDialog(ctx context.Context, state map[string]string) error {
	nonce := state[contextNonce]
	if nonce == "" {
		return forbidden("ActionsErrDialogUsed", nil)
	}
	first, err := app.store.UseOnce(ctx, "dialog:"+nonce, app.now().Add(usedDialogLife))
	if err != nil {
		return err
	}
	if !first {
		return forbidden("ActionsErrDialogUsed", nil)
	}
	return nil
}

// edit opens the status dialog for /ambitie bijwerken [org]. The answer to the
// command itself is silent: the dialog is the answer.
func (app *App) edit(ctx context.Context, m Member, lang string, cmd Command, req Request) (Response, error) {
	org, err := app.actingFor(m, cmd.OrgKey, func(key string) string { return commandWord(lang, "bijwerken") + " " + key })
	if err != nil {
		return Response{}, err
	}
	state := map[string]string{ambitiebot.ContextUser: m.User.ID, ambitiebot.ContextOrg: org.Key}
	if err := app.openDialog(ctx, lang, org, req.TriggerID, "", "", "", state); err != nil {
		return Response{}, err
	}
	return Response{}, nil
}

func (app *App) member(ctx context.Context, userID string) (Member, string, error) {
	m, err := app.members.Resolve(ctx, userID)
	if err != nil {
		return m, "nl", err
	}
	return m, i18n.Lang(m.User.Locale), nil
}

func (app *App) fail(lang string, err error) ActionResult {
	return ActionResult{Text: app.tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
}

func (app *App) log(ctx context.Context, what, userID, outcome string, attrs ...slog.Attr) {
	level := slog.LevelInfo
	if outcome == ambitiebot.EINTERNAL {
		level = slog.LevelError
	}
	attrs = append(attrs, slog.String("user_id", userID), slog.String("outcome", outcome))
	app.logger.LogAttrs(ctx, level, what, attrs...)
}

// currentNote is the stored toelichting when the ambition already has the
// chosen status, so that a correction starts from what is there.
func (app *App) currentNote(ctx context.Context, orgKey, ambitionID string, status ambitiebot.Status) string {
	ps, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: orgKey, AmbitionID: ambitionID})
	if err != nil || len(ps) == 0 || ps[0].Status != status {
		return ""
	}
	return ps[0].Note
}

// openDialog shows the status dialog for org: the ambitions that apply
// to it, the five statuses and the toelichting, pre-filled where known.
func (app *App) openDialog(ctx context.Context, lang string, org ambitiebot.Organisation, triggerID, ambitionID string, status ambitiebot.Status, note string, state map[string]string) error {
	if triggerID == "" {
		return invalid("ErrNotAvailable", nil)
	}
	var ambitions []ambitiebot.ActionOption
	preset := ""
	for _, am := range app.catalogue.ForKind(org.Kind) {
		ambitions = append(ambitions, ambitiebot.ActionOption{Text: am.ID + " " + clip(am.Localized(lang), 70), Value: am.ID})
		if am.ID == ambitionID {
			preset = am.ID
		}
	}
	statuses := make([]ambitiebot.ActionOption, len(ambitiebot.Statuses))
	for i, st := range ambitiebot.Statuses {
		statuses[i] = ambitiebot.ActionOption{Text: app.tr.Status(lang, st), Value: string(st)}
	}
	state = maps.Clone(state)
	state[contextNonce] = rand.Text()
	return app.chat.OpenDialog(ctx, triggerID, ambitiebot.Dialog{
		CallbackID:  DialogCallback,
		Title:       app.tr.T(lang, "ActionsDialogTitle", nil),
		Intro:       app.dialogIntro(lang, org, preset),
		SubmitLabel: app.tr.T(lang, "ActionsDialogSubmit", nil),
		State:       state,
		Elements: []ambitiebot.DialogElement{
			{Name: FieldAmbition, Label: app.tr.T(lang, "ActionsFieldAmbition", nil), Type: ambitiebot.DialogSelect, Options: ambitions, Default: preset},
			{Name: FieldStatus, Label: app.tr.T(lang, "ActionsFieldStatus", nil), Type: ambitiebot.DialogSelect, Options: statuses, Default: string(status)},
			{Name: FieldNote, Label: app.tr.T(lang, "ActionsFieldNote", nil), Type: ambitiebot.DialogTextarea, Optional: true,
				MaxLength: noteLimit(app.maxNote), Default: note, Help: app.tr.T(lang, "ActionsFieldNoteHelp", nil)},
		},
	})
}

// dialogIntro introduces the status dialog. The agreement's footnotes say
// when an ambition counts as done, so they stand above the form: the
// preset ambition's in full (the dialog's introduction has room, a field's
// help text only 150 characters), else which ambitions have any.
func (app *App) dialogIntro(lang string, org ambitiebot.Organisation, preset string) string {
	intro := app.tr.T(lang, "ActionsDialogIntro", map[string]any{"Org": org.Name})
	if a, ok := app.catalogue.Ambition(preset); ok {
		if notes := app.notes(lang, a); notes != "" {
			return intro + "\n\n" + app.tr.T(lang, "DialogNotesFor", map[string]any{"ID": a.ID}) + "\n" + notes
		}
		return intro
	}
	var ids []string
	for _, a := range app.catalogue.ForKind(org.Kind) {
		if len(a.Notes) > 0 {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return intro
	}
	return intro + "\n\n" + app.tr.T(lang, "DialogNotesWhich", map[string]any{"IDs": app.listAnd(lang, ids), "ID": ids[0]})
}

// reminder renders the reminder that fields came from again; a failure
// only costs the in-place update, so it is logged, not shown.
func (app *App) reminder(ctx context.Context, m Member, lang string, org ambitiebot.Organisation, fields map[string]string) (ambitiebot.Post, bool) {
	post, ok, err := app.ReminderPost(ctx, lang, org, m.User, len(m.Orgs) > 1, fields)
	if err != nil {
		app.logger.Warn("reminder not rendered again", slog.String("user_id", m.User.ID), slog.Any("error", err))
	}
	return post, ok && err == nil
}

// remindersEditable reports whether Mattermost lets a reminder be
// re-rendered after a choice. With an edit time limit it refuses a changed
// message on a post older than the limit, and a click whose answer it
// refuses fails in the user's client although the status was saved; the
// bot then leaves reminders as they are and only confirms the choice.
// When the limit cannot be read, the reminder is updated as usual.
func (app *App) remindersEditable(ctx context.Context) bool {
	limit, err := app.chat.PostEditTimeLimit(ctx)
	if err != nil {
		app.logger.Warn("edit time limit not read; the reminder is updated", slog.Any("error", err))
		return true
	}
	return limit == -1
}

// updateReminder replaces a reminder after a dialog, which, unlike a
// click, cannot answer with the post. The post is found by its marker in
// the user's own direct channel rather than by an id from the request, so
// that nobody can point the update at another post.
func (app *App) updateReminder(ctx context.Context, userID string, post ambitiebot.Post) {
	err := func() error {
		channelID, err := app.chat.DirectChannelID(ctx, userID)
		if err != nil {
			return err
		}
		postID, err := app.chat.FindPostByMarker(ctx, channelID, post.Marker)
		if err != nil {
			return err
		}
		post.ChannelID = channelID
		return app.chat.UpdatePost(ctx, postID, post)
	}()
	if err != nil {
		app.logger.Warn("reminder not updated", slog.String("user_id", userID), slog.Any("error", err))
	}
}

// clip cuts s to n runes, marking the cut, so that a menu stays readable.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + "…"
	}
	return s
}
