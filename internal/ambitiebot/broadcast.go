package ambitiebot

import (
	"context"
	"time"
)

// How an awareness broadcast was started (Broadcast.Via).
const (
	BroadcastChat     = "chat"     // a project leader confirmed it with /ambitie bericht verstuur
	BroadcastSchedule = "schedule" // the [awareness] schedule
	BroadcastCLI      = "cli"      // ambitiebot awareness send
)

// Broadcast records who started the awareness broadcast of one run key
// and when, so that a second request can say it was sent and by whom.
// The first request of a run key makes the record; later ones only add
// deliveries that are missing.
type Broadcast struct {
	RunKey   string
	Via      string // BroadcastChat, BroadcastSchedule or BroadcastCLI; "" for a broadcast from before they were recorded
	UserID   string // with BroadcastChat: who confirmed it
	Username string
	At       time.Time
}

// BroadcastService records the awareness broadcasts.
type BroadcastService interface {
	// EnqueueBroadcast records b unless its run key has a record, and
	// queues ds as EnqueueDeliveries does, in one transaction. It
	// returns the record that stands (b, or the one made first) and how
	// many deliveries were added. b.At is set to the store's clock.
	// Errors: EINVALID, EINTERNAL.
	EnqueueBroadcast(ctx context.Context, b Broadcast, ds []Delivery) (Broadcast, int, error)

	// FindBroadcast returns the record of a run key. Errors: EINTERNAL.
	FindBroadcast(ctx context.Context, runKey string) (Broadcast, bool, error)

	// LatestBroadcast returns the record made last. Errors: EINTERNAL.
	LatestBroadcast(ctx context.Context) (Broadcast, bool, error)
}
