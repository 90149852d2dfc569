package workgroup

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
)

// posted returns the awareness message ids broadcast so far, one entry per
// run key in order of first use, as awareness.Next expects.
func (app *App) posted(ctx context.Context) ([]string, error) {
	ds, err := app.store.FindDeliveries(ctx, ambitiebot.DeliveryFilter{Kind: "awareness"})
	if err != nil {
		return nil, err
	}
	// FindDeliveries lists newest first; the history runs oldest first.
	slices.SortStableFunc(ds, func(a, b ambitiebot.Delivery) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	seen := map[string]bool{}
	var ids []string
	for _, d := range ds {
		if seen[d.RunKey] {
			continue
		}
		seen[d.RunKey] = true
		if id, ok := awareness.MessageID(d.RunKey); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// pick returns the message to send and its run key: the given id, or the
// next one in the rotation when id is empty.
func (app *App) pick(ctx context.Context, id string) (awareness.Message, string, error) {
	if app.library == nil {
		return awareness.Message{}, "", ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	lib := app.library
	posted, err := app.posted(ctx)
	if err != nil {
		return awareness.Message{}, "", err
	}
	next, cycle := awareness.Next(lib, posted)
	if cycle == 0 {
		return awareness.Message{}, "", ambitiebot.Errorf(ambitiebot.ENOTFOUND, "AwarenessErrUnknownMessage", map[string]any{"ID": app.userText(id)})
	}
	msg := next
	if id != "" {
		if msg, err = lib.Get(id); err != nil {
			// The id is the user's own text: shown escaped, unable to
			// mention anyone.
			var e *ambitiebot.Error
			if errors.As(err, &e) && e.MessageID == "AwarenessErrUnknownMessage" {
				data := maps.Clone(e.Data)
				data["ID"] = app.userText(id)
				err = ambitiebot.Errorf(e.Code, e.MessageID, data)
			}
			return awareness.Message{}, "", err
		}
	}
	return msg, awareness.RunKey(msg.ID, cycle), nil
}

// awarenessDeliveries is one delivery of msg per organisation, the
// affiliated ones included, each with a footer that names it (a name
// from the configuration, made unable to mention anyone all the same).
func (app *App) awarenessDeliveries(msg awareness.Message, key string) []ambitiebot.Delivery {
	orgs := app.organisations.Recipients()
	ds := make([]ambitiebot.Delivery, 0, len(orgs))
	for _, org := range orgs {
		ds = append(ds, ambitiebot.Delivery{
			RunKey: key, Target: org.Target(), Kind: "awareness", OrgKey: org.Key,
			Message: msg.RenderFor("nl", app.neutralize(org.Name), app.tr),
		})
	}
	return ds
}

// AwarenessJob is the scheduled broadcast of the next message.
func (app *App) AwarenessJob(ctx context.Context, _ time.Time) error {
	_, _, _, err := app.sendAwareness(ctx, "", false, ambitiebot.Broadcast{Via: ambitiebot.BroadcastSchedule})
	return err
}

// SendAwareness queues the message (the next in the rotation when id is
// empty) to every organisation, for `ambitiebot awareness send`, and
// returns its id, how many deliveries were new or queued again and the
// deliveries themselves. A message already sent in this cycle adds only
// what is missing: what failed for good before (the bot was not in a
// channel) is tried again, as the failure notice promises. With dryRun
// nothing is queued.
func (app *App) SendAwareness(ctx context.Context, id string, dryRun bool) (string, int, []ambitiebot.Delivery, error) {
	return app.sendAwareness(ctx, id, dryRun, ambitiebot.Broadcast{Via: ambitiebot.BroadcastCLI})
}

func (app *App) sendAwareness(ctx context.Context, id string, dryRun bool, by ambitiebot.Broadcast) (string, int, []ambitiebot.Delivery, error) {
	msg, key, err := app.pick(ctx, id)
	if err != nil {
		return "", 0, nil, err
	}
	if dryRun {
		return msg.ID, 0, app.awarenessDeliveries(msg, key), nil
	}
	_, n, ds, err := app.broadcast(ctx, msg, key, by)
	return msg.ID, n, ds, err
}

// broadcast queues msg under key to every organisation and records who
// asked (by), unless an earlier request of the key was recorded first. It
// returns the record that stands, how many deliveries were new or queued
// again after failing for good, and the deliveries.
func (app *App) broadcast(ctx context.Context, msg awareness.Message, key string, by ambitiebot.Broadcast) (ambitiebot.Broadcast, int, []ambitiebot.Delivery, error) {
	ds := app.awarenessDeliveries(msg, key)
	by.RunKey = key
	rec, n, err := app.store.EnqueueBroadcast(ctx, by, ds)
	if err != nil {
		return rec, 0, ds, err
	}
	again, err := app.store.RequeueFailed(ctx, key, app.now())
	if n+again > 0 && app.dispatcher != nil {
		app.dispatcher.Notify()
	}
	return rec, n + again, ds, err
}

// current returns the message of the current broadcast period with its
// run key, and the record of its broadcast when it has gone out. The
// period of a broadcast lasts until the next scheduled one is due (or,
// without an [awareness] schedule, the next meeting): within it, the
// message last broadcast is the current one, after it the next in the
// rotation. So a second request in the same period finds the first
// rather than sending another message.
func (app *App) current(ctx context.Context) (awareness.Message, string, *ambitiebot.Broadcast, error) {
	if app.library == nil {
		return awareness.Message{}, "", nil, ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	last, ok, err := app.store.LatestBroadcast(ctx)
	if err != nil {
		return awareness.Message{}, "", nil, err
	}
	if ok && app.inPeriod(last.At) {
		if id, ok := awareness.MessageID(last.RunKey); ok {
			if msg, err := app.library.Get(id); err == nil {
				return msg, last.RunKey, &last, nil
			}
		}
	}
	msg, key, err := app.pick(ctx, "")
	return msg, key, nil, err
}

// inPeriod reports whether the broadcast period that began at at is
// still running: no scheduled broadcast (or, without a schedule, no
// meeting) has come due since.
func (app *App) inPeriod(at time.Time) bool {
	var end time.Time
	switch {
	case app.awarenessSchedule != nil:
		end = app.awarenessSchedule.Next(at)
	case app.calendar != nil:
		end = app.calendar.NextMeeting(at)
	}
	return end.IsZero() || app.now().Before(end)
}

// Preview renders the message (the next in the rotation when id is empty)
// in lang.
func (app *App) Preview(ctx context.Context, id, lang string) (string, string, error) {
	msg, _, err := app.pick(ctx, id)
	if err != nil {
		return "", "", err
	}
	return msg.LocalTitle(lang), msg.Render(lang, app.tr), nil
}
