package command

import (
	"context"
	"log/slog"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/members"
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
// at line boundaries so that each stays under the chat server's limit.
type Response struct {
	Texts     []string
	InChannel bool
	Outcome   string // "ok" or the error code, for logs and metrics
}

// Meetings tells the handler about the meeting calendar.
type Meetings interface {
	NextMeeting(after time.Time) time.Time
}

// Awareness previews and sends awareness messages for project leaders.
type Awareness interface {
	// Preview returns the rendered next message (or the one with id).
	Preview(ctx context.Context, id, lang string) (title, text string, err error)
	// SendNow queues the message (or the next one) to every organisation
	// and returns its id and how many deliveries were newly queued.
	SendNow(ctx context.Context, id string) (msgID string, queued int, err error)
}

// Charts posts the progress chart as the bot under an overview of every
// organisation, in the channel where it was asked.
type Charts interface {
	PostChart(ctx context.Context, mx *ambitiebot.Matrix, lang string, req Request) error
}

// Dispatcher is the delivery dispatcher running in this process, which
// takes a change's activity-feed post straight from the command.
type Dispatcher interface {
	// Lease is how long the post is stored leased to the dispatcher.
	Lease() time.Duration
	// Handoff takes the post once queued leased and committed.
	Handoff(ds []ambitiebot.Delivery)
}

// Handler executes commands. Every field but the optional extensions
// (Meetings, Awareness, Charts, Extra, Dispatcher) is required.
type Handler struct {
	Catalogue     *ambitiebot.Catalogue
	Organisations *ambitiebot.Organisations
	Progress      ambitiebot.ProgressService
	Links         ambitiebot.LinkService
	Members       *members.Resolver
	Tr            *i18n.Translator
	Now           ambitiebot.Clock
	Location      *time.Location
	// Neutralize makes @channel-style mentions in echoed user text inert.
	Neutralize func(string) string
	// WorkingGroupChannel is "team/channel" of the working group.
	WorkingGroupChannel string
	ActivityFeed        bool
	// MaxNote is the configured limit on a toelichting, in runes.
	MaxNote int
	// Notify wakes the delivery dispatcher after deliveries were queued.
	Notify func()
	// Dispatcher, when set, gets a change's feed post queued already
	// leased to it, which saves it a transaction to claim the post.
	Dispatcher Dispatcher
	Logger     *slog.Logger
	Meetings   Meetings
	AgendaURL  string
	Awareness  Awareness
	Charts     Charts
	// Extra handles kinds this package only parses (rapport, bijwerken),
	// supplied by the packages that implement them.
	Extra map[Kind]func(ctx context.Context, m members.Member, lang string, cmd Command, req Request) (Response, error)
	// Limiter caps each user's commands per minute; nil means no limit.
	Limiter *RateLimiter
	// Observe, when set, is told every command's outcome and duration
	// (for metrics).
	Observe func(outcome string, d time.Duration)
}

// Handle runs one command and always returns something to show: failures
// become a sentence in the user's language, their cause goes to the log.
func (h *Handler) Handle(ctx context.Context, req Request) Response {
	start := h.Now()
	lang := "nl"
	resp, err := func() (Response, error) {
		if ok, wait := h.allow(req.UserID); !ok {
			if m, err := h.Members.Resolve(ctx, req.UserID); err == nil {
				lang = i18n.Lang(m.User.Locale)
			}
			return h.limited(lang, wait), nil
		}
		cmd, perr := Parse(req.Text, h.MaxNote)
		if cmd.Kind == KindHelp && perr == nil {
			// Help needs no identity, so it works even when the chat
			// server cannot be asked who the user is.
			if m, err := h.Members.Resolve(ctx, req.UserID); err == nil {
				lang = i18n.Lang(m.User.Locale)
				return h.help(lang, m), nil
			}
			return h.help(lang, members.Member{}), nil
		}
		m, err := h.Members.Resolve(ctx, req.UserID)
		if err != nil {
			return Response{}, err
		}
		lang = i18n.Lang(m.User.Locale)
		if perr != nil {
			return Response{}, perr
		}
		return h.run(ctx, m, lang, cmd, req)
	}()
	if err != nil {
		resp = Response{Texts: []string{h.Tr.Error(lang, err)}, Outcome: ambitiebot.ErrorCode(err)}
	} else if resp.Outcome == "" {
		resp.Outcome = "ok"
	}
	level := slog.LevelInfo
	if resp.Outcome == ambitiebot.EINTERNAL {
		level = slog.LevelError
	}
	took := h.Now().Sub(start)
	h.Logger.LogAttrs(ctx, level, "command",
		slog.String("user_id", req.UserID),
		slog.String("outcome", resp.Outcome),
		slog.Duration("duration", took),
		slog.Any("error", err))
	if h.Observe != nil {
		h.Observe(resp.Outcome, took)
	}
	return resp
}

func (h *Handler) run(ctx context.Context, m members.Member, lang string, cmd Command, req Request) (Response, error) {
	switch cmd.Kind {
	case KindShow:
		return h.show(ctx, m, lang, cmd.AmbitionID)
	case KindSet:
		return h.set(ctx, m, lang, cmd)
	case KindMine:
		return h.mine(ctx, m, lang)
	case KindOverview:
		return h.overview(ctx, m, lang, cmd, req)
	case KindHistory:
		return h.history(ctx, m, lang, cmd)
	case KindLink:
		return h.link(ctx, m, lang, cmd)
	case KindMeeting:
		return h.meeting(lang)
	case KindMessage, KindSendMessage:
		return h.message(ctx, m, lang, cmd)
	}
	if f, ok := h.Extra[cmd.Kind]; ok {
		return f(ctx, m, lang, cmd, req)
	}
	return Response{}, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
}

func (h *Handler) reply(texts ...string) (Response, error) {
	return Response{Texts: texts}, nil
}

func forbidden(id string, data map[string]any) error {
	return ambitiebot.Errorf(ambitiebot.EFORBIDDEN, id, data)
}

func invalid(id string, data map[string]any) error {
	return ambitiebot.Errorf(ambitiebot.EINVALID, id, data)
}

// ambition looks up a parsed id in the catalogue.
func (h *Handler) ambition(id string) (ambitiebot.Ambition, error) {
	a, ok := h.Catalogue.Ambition(id)
	if !ok {
		return a, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownAmbition", map[string]any{"ID": id})
	}
	return a, nil
}

// organisation looks up a typed organisation key.
func (h *Handler) organisation(key string) (ambitiebot.Organisation, error) {
	org, ok := h.Organisations.ByKey(key)
	if !ok {
		return org, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownOrganisation", map[string]any{"Key": h.Neutralize(key)})
	}
	return org, nil
}

func (h *Handler) set(ctx context.Context, m members.Member, lang string, cmd Command) (Response, error) {
	a, err := h.ambition(cmd.AmbitionID)
	if err != nil {
		return Response{}, err
	}
	org, err := h.actingFor(m, cmd.OrgKey)
	if err != nil {
		return Response{}, err
	}
	if !a.AppliesToKind(org.Kind) {
		return Response{}, invalid("ErrNotApplicable", map[string]any{"ID": a.ID, "Org": org.Name})
	}
	upd := ambitiebot.Update{OrgKey: org.Key, AmbitionID: a.ID, Status: cmd.Status, Note: cmd.Note, User: m.User}
	if h.ActivityFeed {
		upd.Feed = []ambitiebot.Delivery{{
			Target: ambitiebot.ChannelTarget(h.WorkingGroupChannel),
			Kind:   "feed",
			OrgKey: org.Key,
		}}
		upd.FeedMessage = func(c ambitiebot.Change) string { return h.feedText(org, a, m.User, cmd, c.From) }
		if h.Dispatcher != nil {
			upd.Lease = h.Dispatcher.Lease()
		}
	}
	ch, err := h.Progress.SetStatus(ctx, upd)
	if err != nil {
		return Response{}, err
	}
	if ch.ID == 0 {
		return h.reply(h.Tr.T(lang, "SetUnchanged", map[string]any{
			"Org": org.Name, "ID": a.ID, "Status": h.Tr.Status(lang, cmd.Status),
			"Note": h.Neutralize(cmd.Note)}))
	}
	switch {
	case len(upd.Feed) == 0:
	case h.Dispatcher != nil:
		h.Dispatcher.Handoff(upd.Feed)
	case h.Notify != nil:
		h.Notify()
	}
	id := "SetDone"
	if ch.From == ch.To {
		id = "SetNoteChanged"
	}
	return h.reply(h.Tr.T(lang, id, map[string]any{
		"Org": org.Name, "ID": a.ID,
		"Status": h.Tr.Status(lang, ch.To), "From": h.Tr.Status(lang, ch.From),
		"Note": h.Neutralize(ch.Note)}))
}

// actingFor returns the organisation a member acts for: the one named
// (when they may act for it), else their own.
func (h *Handler) actingFor(m members.Member, orgKey string) (ambitiebot.Organisation, error) {
	switch {
	case orgKey != "":
		org, err := h.organisation(orgKey)
		if err != nil {
			return org, err
		}
		if !m.CanActFor(org.Key) {
			return org, forbidden("ErrNotYourOrganisation", map[string]any{"Org": org.Name})
		}
		return org, nil
	case m.HasOrg:
		return m.Org, nil
	case m.ProjectLeader:
		return ambitiebot.Organisation{}, invalid("ErrLeaderNeedsOrg", nil)
	default:
		return ambitiebot.Organisation{}, forbidden("ErrNoOrganisation", nil)
	}
}

// currentStatus is an organisation's stored status on an ambition, the
// one SetStatus will change from.

// feedText is the working-group channel's line for a change from status
// from, in the channel's language (Dutch). The store calls it inside the
// change's transaction (Update.FeedMessage), where from is certain.
func (h *Handler) feedText(org ambitiebot.Organisation, a ambitiebot.Ambition, u ambitiebot.User, cmd Command, from ambitiebot.Status) string {
	id := "FeedChange"
	switch {
	case from == cmd.Status:
		id = "FeedNoteChanged"
	case cmd.Note != "":
		id = "FeedChangeNote"
	}
	return h.Tr.T("nl", id, map[string]any{
		"Org": org.Name, "ID": a.ID, "Status": h.Tr.Status("nl", cmd.Status),
		"User": u.Username, "Note": h.Neutralize(oneLine(cmd.Note)),
	})
}

func (h *Handler) link(ctx context.Context, m members.Member, lang string, cmd Command) (Response, error) {
	if !m.ProjectLeader {
		return Response{}, forbidden("ErrLeadersOnly", nil)
	}
	org, err := h.organisation(cmd.OrgKey)
	if err != nil {
		return Response{}, err
	}
	u, err := h.Members.Chat.UserByUsername(ctx, cmd.Username)
	if err != nil {
		if ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND {
			return Response{}, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrUnknownUser", map[string]any{"User": h.Neutralize(cmd.Username)})
		}
		return Response{}, err
	}
	if err := h.Links.LinkUser(ctx, ambitiebot.UserLink{UserID: u.ID, OrgKey: org.Key, LinkedBy: m.User.ID, LinkedAt: h.Now()}); err != nil {
		return Response{}, err
	}
	return h.reply(h.Tr.T(lang, "LinkDone", map[string]any{"User": u.Username, "Org": org.Name}))
}

func (h *Handler) meeting(lang string) (Response, error) {
	if h.Meetings == nil {
		return Response{}, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	next := h.Meetings.NextMeeting(h.Now()).In(h.Location)
	data := map[string]any{"Date": h.Tr.LongDate(lang, next), "Time": next.Format("15:04"), "URL": h.AgendaURL}
	if h.AgendaURL == "" {
		return h.reply(h.Tr.T(lang, "MeetingNext", data))
	}
	return h.reply(h.Tr.T(lang, "MeetingNextWithLink", data))
}

func (h *Handler) message(ctx context.Context, m members.Member, lang string, cmd Command) (Response, error) {
	if !m.ProjectLeader {
		return Response{}, forbidden("ErrLeadersOnly", nil)
	}
	if h.Awareness == nil {
		return Response{}, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	if cmd.Kind == KindMessage {
		title, text, err := h.Awareness.Preview(ctx, cmd.MessageID, lang)
		if err != nil {
			return Response{}, err
		}
		return h.reply(h.Tr.T(lang, "MessagePreview", map[string]any{"Title": title}), text)
	}
	id, queued, err := h.Awareness.SendNow(ctx, cmd.MessageID)
	if err != nil {
		return Response{}, err
	}
	if h.Notify != nil {
		h.Notify()
	}
	if queued == 0 {
		return h.reply(h.Tr.T(lang, "MessageAlreadySent", map[string]any{"ID": id}))
	}
	return h.reply(h.Tr.N(lang, "MessageQueued", queued, map[string]any{"ID": id}))
}
