package command

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/members"
)

// The status dialog: its callback id and field names.
const (
	DialogCallback = "ambitie-status"
	FieldAmbition  = "ambition"
	FieldStatus    = "status"
	FieldNote      = "toelichting"
)

// Reminders renders a reminder again after one of its status menus was
// used; *rhythm.Service implements it. ok is false when fields do not
// come from a reminder.
type Reminders interface {
	ReminderPost(ctx context.Context, lang string, org ambitiebot.Organisation, u ambitiebot.User, fields map[string]string) (post ambitiebot.Post, ok bool, err error)
}

// Actions serves one-click updates: the status menus in reminders, the
// status dialog and /ambitie bijwerken. What it is given has been checked
// by the chat adapter: the fields were signed by the bot and issued to the
// user who sends them. Who may change what is checked here, by the same
// code as the slash command.
type Actions struct {
	Commands  *Handler
	Chat      ambitiebot.Chat
	Reminders Reminders // optional: without it reminders are not updated in place
}

// ActionResult answers a click or a dialog submission. Errors and Error
// keep a dialog open; Update replaces the clicked post.
type ActionResult struct {
	Text    string            // for the user only
	Update  *ambitiebot.Post  // the clicked reminder, rendered again
	Errors  map[string]string // per dialog field
	Error   string            // for the dialog as a whole
	Outcome string            // "ok" or an error code, for the log
}

// SetStatus sets orgKey's status on an ambition as `/ambitie <org> <id>
// <status> <toelichting>` does, through the same code: the member's
// rights, the catalogue, the history, the activity feed and the reply,
// which it returns.
func (h *Handler) SetStatus(ctx context.Context, m members.Member, lang, orgKey, ambitionID string, status ambitiebot.Status, note string) (string, error) {
	if err := checkNote(status, note, noteLimit(h.MaxNote)); err != nil {
		return "", err
	}
	resp, err := h.set(ctx, m, lang, Command{Kind: KindSet, AmbitionID: ambitionID, OrgKey: orgKey, Status: status, Note: note})
	if err != nil {
		return "", err
	}
	return strings.Join(resp.Texts, "\n"), nil
}

// Click handles a choice from a reminder's status menu. A status that
// needs a toelichting opens the status dialog instead of being set.
func (a *Actions) Click(ctx context.Context, userID, triggerID string, fields map[string]string, option string) ActionResult {
	h := a.Commands
	m, lang, err := a.member(ctx, userID)
	res := func() ActionResult {
		if err != nil {
			return a.fail(lang, err)
		}
		status := ambitiebot.Status(option)
		if !status.Valid() {
			return ActionResult{Text: h.Tr.T(lang, "ActionsErrChoice", nil), Outcome: ambitiebot.EINVALID}
		}
		org, err := h.organisation(fields[ambitiebot.ContextOrg])
		if err != nil {
			return a.fail(lang, err)
		}
		if status.NeedsNote() {
			if !m.CanActFor(org.Key) {
				return a.fail(lang, forbidden("ErrNotYourOrganisation", map[string]any{"Org": org.Name}))
			}
			note := a.currentNote(ctx, org.Key, fields[ambitiebot.ContextAmbition], status)
			if err := a.openDialog(ctx, lang, org, triggerID, fields[ambitiebot.ContextAmbition], status, note, fields); err != nil {
				return a.fail(lang, err)
			}
			return ActionResult{Outcome: "dialog"}
		}
		text, err := h.SetStatus(ctx, m, lang, org.Key, fields[ambitiebot.ContextAmbition], status, "")
		if err != nil {
			return a.fail(lang, err)
		}
		res := ActionResult{Text: text, Outcome: "ok"}
		if post, ok := a.reminder(ctx, m, lang, org, fields); ok {
			res.Update = &post
		}
		return res
	}()
	a.log(ctx, "action", userID, res.Outcome)
	return res
}

// Submit handles the status dialog. Missing or wrong fields keep it open
// with a sentence at the field; a set status updates the reminder the
// dialog was opened from, if any.
func (a *Actions) Submit(ctx context.Context, userID string, state, submission map[string]string) ActionResult {
	h := a.Commands
	m, lang, err := a.member(ctx, userID)
	res := func() ActionResult {
		if err != nil {
			return ActionResult{Error: h.Tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		status := ambitiebot.Status(submission[FieldStatus])
		note := strings.TrimSpace(submission[FieldNote])
		errs := map[string]string{}
		switch {
		case !status.Valid():
			errs[FieldStatus] = h.Tr.T(lang, "ActionsErrChoice", nil)
		case status.NeedsNote() && note == "":
			errs[FieldNote] = h.Tr.T(lang, "ActionsNoteRequired_"+string(status), nil)
		}
		if limit := noteLimit(h.MaxNote); utf8.RuneCountInString(note) > limit {
			errs[FieldNote] = h.Tr.T(lang, "ErrNoteTooLong", map[string]any{"Max": limit})
		}
		if len(errs) > 0 {
			return ActionResult{Errors: errs, Outcome: ambitiebot.EINVALID}
		}
		org, err := h.organisation(state[ambitiebot.ContextOrg])
		if err != nil {
			return ActionResult{Error: h.Tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		text, err := h.SetStatus(ctx, m, lang, org.Key, submission[FieldAmbition], status, note)
		if err != nil {
			return ActionResult{Error: h.Tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
		}
		if post, ok := a.reminder(ctx, m, lang, org, state); ok {
			a.updateReminder(ctx, m.User.ID, post)
		}
		return ActionResult{Text: text, Outcome: "ok"}
	}()
	a.log(ctx, "dialog", userID, res.Outcome)
	return res
}

// Refuse renders why a click or submission was refused before it could
// be read (unsigned, tampered, stale, someone else's), in the user's
// language when they can be looked up.
func (a *Actions) Refuse(ctx context.Context, userID string, err error) string {
	_, lang, _ := a.member(ctx, userID)
	a.log(ctx, "refused", userID, ambitiebot.ErrorCode(err), slog.Any("error", err))
	return a.Commands.Tr.Error(lang, err)
}

// Edit opens the status dialog for /ambitie bijwerken; it is the
// Handler's Extra for KindEdit. The answer to the command itself is
// silent: the dialog is the answer.
func (a *Actions) Edit(ctx context.Context, m members.Member, lang string, _ Command, req Request) (Response, error) {
	org, err := a.Commands.actingFor(m, "")
	if err != nil {
		return Response{}, err
	}
	state := map[string]string{ambitiebot.ContextUser: m.User.ID, ambitiebot.ContextOrg: org.Key}
	if err := a.openDialog(ctx, lang, org, req.TriggerID, "", "", "", state); err != nil {
		return Response{}, err
	}
	return Response{}, nil
}

func (a *Actions) member(ctx context.Context, userID string) (members.Member, string, error) {
	m, err := a.Commands.Members.Resolve(ctx, userID)
	if err != nil {
		return m, "nl", err
	}
	return m, i18n.Lang(m.User.Locale), nil
}

func (a *Actions) fail(lang string, err error) ActionResult {
	return ActionResult{Text: a.Commands.Tr.Error(lang, err), Outcome: ambitiebot.ErrorCode(err)}
}

func (a *Actions) log(ctx context.Context, what, userID, outcome string, attrs ...slog.Attr) {
	level := slog.LevelInfo
	if outcome == ambitiebot.EINTERNAL {
		level = slog.LevelError
	}
	attrs = append(attrs, slog.String("user_id", userID), slog.String("outcome", outcome))
	a.Commands.Logger.LogAttrs(ctx, level, what, attrs...)
}

// currentNote is the stored toelichting when the ambition already has the
// chosen status, so that a correction starts from what is there.
func (a *Actions) currentNote(ctx context.Context, orgKey, ambitionID string, status ambitiebot.Status) string {
	ps, err := a.Commands.Progress.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: orgKey, AmbitionID: ambitionID})
	if err != nil || len(ps) == 0 || ps[0].Status != status {
		return ""
	}
	return ps[0].Note
}

// openDialog shows the status dialog for org: the ambitions that apply
// to it, the five statuses and the toelichting, pre-filled where known.
func (a *Actions) openDialog(ctx context.Context, lang string, org ambitiebot.Organisation, triggerID, ambitionID string, status ambitiebot.Status, note string, state map[string]string) error {
	h := a.Commands
	if triggerID == "" {
		return invalid("ErrNotAvailable", nil)
	}
	var ambitions []ambitiebot.ActionOption
	preset := ""
	for _, am := range h.Catalogue.ForKind(org.Kind) {
		ambitions = append(ambitions, ambitiebot.ActionOption{Text: am.ID + " " + clip(am.Localized(lang), 70), Value: am.ID})
		if am.ID == ambitionID {
			preset = am.ID
		}
	}
	statuses := make([]ambitiebot.ActionOption, len(ambitiebot.Statuses))
	for i, st := range ambitiebot.Statuses {
		statuses[i] = ambitiebot.ActionOption{Text: h.Tr.Status(lang, st), Value: string(st)}
	}
	return a.Chat.OpenDialog(ctx, triggerID, ambitiebot.Dialog{
		CallbackID:  DialogCallback,
		Title:       h.Tr.T(lang, "ActionsDialogTitle", nil),
		Intro:       h.Tr.T(lang, "ActionsDialogIntro", map[string]any{"Org": org.Name}),
		SubmitLabel: h.Tr.T(lang, "ActionsDialogSubmit", nil),
		State:       state,
		Elements: []ambitiebot.DialogElement{
			{Name: FieldAmbition, Label: h.Tr.T(lang, "ActionsFieldAmbition", nil), Type: ambitiebot.DialogSelect, Options: ambitions, Default: preset},
			{Name: FieldStatus, Label: h.Tr.T(lang, "ActionsFieldStatus", nil), Type: ambitiebot.DialogSelect, Options: statuses, Default: string(status)},
			{Name: FieldNote, Label: h.Tr.T(lang, "ActionsFieldNote", nil), Type: ambitiebot.DialogTextarea, Optional: true,
				MaxLength: noteLimit(h.MaxNote), Default: note, Help: h.Tr.T(lang, "ActionsFieldNoteHelp", nil)},
		},
	})
}

// reminder renders the reminder that fields came from again; a failure
// only costs the in-place update, so it is logged, not shown.
func (a *Actions) reminder(ctx context.Context, m members.Member, lang string, org ambitiebot.Organisation, fields map[string]string) (ambitiebot.Post, bool) {
	if a.Reminders == nil {
		return ambitiebot.Post{}, false
	}
	post, ok, err := a.Reminders.ReminderPost(ctx, lang, org, m.User, fields)
	if err != nil {
		a.Commands.Logger.Warn("reminder not rendered again", slog.String("user_id", m.User.ID), slog.Any("error", err))
	}
	return post, ok && err == nil
}

// updateReminder replaces a reminder after a dialog, which, unlike a
// click, cannot answer with the post. The post is found by its marker in
// the user's own direct channel rather than by an id from the request, so
// that nobody can point the update at another post.
func (a *Actions) updateReminder(ctx context.Context, userID string, post ambitiebot.Post) {
	err := func() error {
		channelID, err := a.Chat.DirectChannelID(ctx, userID)
		if err != nil {
			return err
		}
		postID, err := a.Chat.FindPostByMarker(ctx, channelID, post.Marker)
		if err != nil {
			return err
		}
		post.ChannelID = channelID
		return a.Chat.UpdatePost(ctx, postID, post)
	}()
	if err != nil {
		a.Commands.Logger.Warn("reminder not updated", slog.String("user_id", userID), slog.Any("error", err))
	}
}

// clip cuts s to n runes, marking the cut, so that a menu stays readable.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + "…"
	}
	return s
}
