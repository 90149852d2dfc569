package workgroup

import (
	"context"
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
		return awareness.Message{}, "", ambitiebot.Errorf(ambitiebot.ENOTFOUND, "AwarenessErrUnknownMessage", map[string]any{"ID": id})
	}
	msg := next
	if id != "" {
		if msg, err = lib.Get(id); err != nil {
			return awareness.Message{}, "", err
		}
	}
	return msg, awareness.RunKey(msg.ID, cycle), nil
}

// awarenessDeliveries is one delivery of msg per organisation.
func (app *App) awarenessDeliveries(msg awareness.Message, key string) []ambitiebot.Delivery {
	text := msg.Render("nl", app.tr)
	ds := make([]ambitiebot.Delivery, 0, app.organisations.Len())
	for _, org := range app.organisations.All() {
		ds = append(ds, ambitiebot.Delivery{
			RunKey: key, Target: org.Target(), Kind: "awareness", OrgKey: org.Key, Message: text,
		})
	}
	return ds
}

// AwarenessJob is the scheduled broadcast of the next message.
func (app *App) AwarenessJob(ctx context.Context, _ time.Time) error {
	_, _, _, err := app.SendAwareness(ctx, "", false)
	return err
}

// SendAwareness queues the message (the next in the rotation when id is
// empty) to every organisation and returns its id, how many deliveries were
// new or queued again and the deliveries themselves. A message already
// sent in this cycle adds only what is missing: what failed for good
// before (the bot was not in a channel) is tried again, as the failure
// notice promises. With dryRun nothing is queued.
func (app *App) SendAwareness(ctx context.Context, id string, dryRun bool) (string, int, []ambitiebot.Delivery, error) {
	msg, key, err := app.pick(ctx, id)
	if err != nil {
		return "", 0, nil, err
	}
	ds := app.awarenessDeliveries(msg, key)
	if dryRun {
		return msg.ID, 0, ds, nil
	}
	n, err := app.enqueue(ctx, ds...)
	if err != nil {
		return msg.ID, n, ds, err
	}
	again, err := app.store.RequeueFailed(ctx, key, app.now())
	if again > 0 && app.dispatcher != nil {
		app.dispatcher.Notify()
	}
	return msg.ID, n + again, ds, err
}

// Preview renders the message (the next in the rotation when id is empty)
// in lang.
func (app *App) Preview(ctx context.Context, id, lang string) (string, string, error) {
	msg, _, err := app.pick(ctx, id)
	if err != nil {
		return "", "", err
	}
	title := msg.Title
	if lang == "en" && msg.TitleEN != "" {
		title = msg.TitleEN
	}
	return title, msg.Render(lang, app.tr), nil
}

// sendNow queues a message now, for /ambitie bericht verstuur.
func (app *App) sendNow(ctx context.Context, id string) (string, int, error) {
	msgID, n, _, err := app.SendAwareness(ctx, id, false)
	return msgID, n, err
}
