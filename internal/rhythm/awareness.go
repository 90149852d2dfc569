package rhythm

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
)

// Awareness broadcasts the awareness messages (ambition 5.2) to every
// organisation's channel or webhook.
type Awareness struct {
	Library *awareness.Library
}

// posted returns the awareness message ids broadcast so far, one entry per
// run key in order of first use, as awareness.Next expects.
func (s *Service) posted(ctx context.Context) ([]string, error) {
	ds, err := s.Deliveries.FindDeliveries(ctx, ambitiebot.DeliveryFilter{Kind: "awareness"})
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
		parts := strings.Split(d.RunKey, ":")
		if len(parts) == 3 && parts[0] == "awareness" {
			ids = append(ids, parts[1])
		}
	}
	return ids, nil
}

// pick returns the message to send and its run key: the given id, or the
// next one in the rotation when id is empty.
func (s *Service) pick(ctx context.Context, id string) (awareness.Message, string, error) {
	if s.Awareness == nil || s.Awareness.Library == nil {
		return awareness.Message{}, "", ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotAvailable", nil)
	}
	lib := s.Awareness.Library
	posted, err := s.posted(ctx)
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
func (s *Service) awarenessDeliveries(msg awareness.Message, key string) []ambitiebot.Delivery {
	text := msg.Render("nl", s.Tr)
	ds := make([]ambitiebot.Delivery, 0, s.Organisations.Len())
	for _, org := range s.Organisations.All() {
		ds = append(ds, ambitiebot.Delivery{
			RunKey: key, Target: org.Target(), Kind: "awareness", OrgKey: org.Key, Message: text,
		})
	}
	return ds
}

// AwarenessJob is the scheduled broadcast of the next message.
func (s *Service) AwarenessJob(ctx context.Context, _ time.Time) error {
	_, _, _, err := s.SendAwareness(ctx, "", false)
	return err
}

// SendAwareness queues the message (the next in the rotation when id is
// empty) to every organisation and returns its id, how many deliveries were
// new and the deliveries themselves. A message already sent in this cycle
// adds only what is missing. With dryRun nothing is queued.
func (s *Service) SendAwareness(ctx context.Context, id string, dryRun bool) (string, int, []ambitiebot.Delivery, error) {
	msg, key, err := s.pick(ctx, id)
	if err != nil {
		return "", 0, nil, err
	}
	ds := s.awarenessDeliveries(msg, key)
	if dryRun {
		return msg.ID, 0, ds, nil
	}
	n, err := s.enqueue(ctx, ds)
	return msg.ID, n, ds, err
}

// Preview renders the message (the next in the rotation when id is empty)
// in lang; it implements command.Awareness.
func (s *Service) Preview(ctx context.Context, id, lang string) (string, string, error) {
	msg, _, err := s.pick(ctx, id)
	if err != nil {
		return "", "", err
	}
	title := msg.Title
	if lang == "en" && msg.TitleEN != "" {
		title = msg.TitleEN
	}
	return title, msg.Render(lang, s.Tr), nil
}

// SendNow queues a message now; it implements command.Awareness.
func (s *Service) SendNow(ctx context.Context, id string) (string, int, error) {
	msgID, n, _, err := s.SendAwareness(ctx, id, false)
	return msgID, n, err
}
