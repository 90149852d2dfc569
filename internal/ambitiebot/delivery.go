package ambitiebot

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Target names where a delivery goes: "channel:<team>/<channel>",
// "user:<user id>" (a direct message) or "webhook:<organisation key>". A
// webhook target names the organisation, never its URL, which is a secret.
type Target string

// ChannelTarget, UserTarget and WebhookTarget build targets.
func ChannelTarget(ref string) Target    { return Target("channel:" + ref) }
func UserTarget(userID string) Target    { return Target("user:" + userID) }
func WebhookTarget(orgKey string) Target { return Target("webhook:" + orgKey) }

// Split returns the target's kind ("channel", "user", "webhook") and value.
func (t Target) Split() (kind, value string) {
	kind, value, _ = strings.Cut(string(t), ":")
	return kind, value
}

// DeliveryState is where a delivery stands.
type DeliveryState string

const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed" // permanently; reported once
)

// Delivery is one message to one target for one run. The pair (RunKey,
// Target) is unique: queuing it again is a no-op, which is what makes a
// broadcast effectively once across crashes and restarts.
type Delivery struct {
	ID          int64
	RunKey      string // the run, e.g. "reminder:2027-01-11T08:00:00Z" (JobRun.RunKey) or "awareness:drugsafval:3"
	Target      Target
	Kind        string // "feed", "awareness", "reminder", "summary", "report", "notice"
	OrgKey      string // the organisation the target belongs to, if any
	Message     string // Markdown, already neutralised and localised
	Attachments []Attachment
	Files       []File // uploaded to the target channel before posting
	State       DeliveryState
	Attempts    int
	Uncertain   bool // an earlier attempt may have posted: look for the marker first
	NextAttempt time.Time
	LastError   string
	PostID      string
	CreatedAt   time.Time
	SentAt      time.Time
	Reported    bool // a permanent failure has been reported to the project leaders
}

// PartRunKey is the run key of part n (2, 3, …) of a message too long for
// one post; part 1 has the run's own key.
func PartRunKey(key string, n int) string { return key + "#" + strconv.Itoa(n) }

// MessageRunKey is the run key of the message a delivery is part of: its
// own, without the part number PartRunKey added.
func (d Delivery) MessageRunKey() string {
	if i := strings.LastIndexByte(d.RunKey, '#'); i >= 0 {
		if _, err := strconv.Atoi(d.RunKey[i+1:]); err == nil {
			return d.RunKey[:i]
		}
	}
	return d.RunKey
}

// Marker is the value of the post prop that recognises this delivery's post
// in its channel when an earlier attempt's outcome is unknown.
func (d Delivery) Marker() string { return d.RunKey + "|" + string(d.Target) }

// Delivered is one successful post, as MarkAllDelivered records it.
type Delivered struct {
	ID     int64
	PostID string
	At     time.Time
}

// DeliveryFilter narrows FindDeliveries; zero fields match everything.
type DeliveryFilter struct {
	RunKey string
	Kind   string
	State  DeliveryState
	Limit  int
}

// DeliveryService is the outbox: deliveries are written before anything is
// sent and updated after every attempt.
type DeliveryService interface {
	// EnqueueDeliveries adds ds, skipping any (RunKey, Target) that already
	// exists, and returns how many were added. Errors: EINVALID, EINTERNAL.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error)

	// DueDeliveries returns pending deliveries whose NextAttempt is not
	// after now, oldest first, and leases them when lease > 0: in the same
	// transaction their NextAttempt moves to now+lease and they are stored
	// as uncertain. Another dispatcher (a goroutine or a CLI process) then
	// does not take them, and should this one die mid-send, the next
	// attempt looks for the post before posting again. The returned rows
	// carry the state from before the lease.
	DueDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)

	// MarkDelivered records a successful post. Errors: ENOTFOUND, EINTERNAL.
	MarkDelivered(ctx context.Context, id int64, postID string, at time.Time) error

	// MarkAllDelivered records several successful posts in one
	// transaction, so that a dispatcher can record its outcomes in
	// batches. Every delivery that exists is recorded even when another
	// does not. Errors: ENOTFOUND (some id did not exist), EINTERNAL.
	MarkAllDelivered(ctx context.Context, ds []Delivered) error

	// MarkRetry records a failed attempt that will be tried again at next;
	// uncertain says whether this or an earlier attempt may have posted
	// (the caller carries it over from the delivery it attempted), and is
	// stored as given. Errors: ENOTFOUND, EINTERNAL.
	MarkRetry(ctx context.Context, id int64, cause string, uncertain bool, next time.Time) error

	// MarkFailed records a permanent failure. Errors: ENOTFOUND, EINTERNAL.
	MarkFailed(ctx context.Context, id int64, cause string) error

	// MarkReported records that a permanent failure has been reported.
	MarkReported(ctx context.Context, id int64) error

	// ReleaseDeliveries ends the lease of deliveries that were queued
	// leased (Update.Lease) and never attempted, when their dispatcher
	// stops before it got to them: they become due at now and certain,
	// since nothing can have been posted for them, so that the next
	// dispatcher posts them at once instead of after the lease and a
	// marker lookup. Rows attempted meanwhile (Attempts > 0) or no longer
	// pending are left alone. It returns how many were released.
	// Errors: EINTERNAL.
	ReleaseDeliveries(ctx context.Context, ids []int64, now time.Time) (int, error)

	// RequeueFailed makes the deliveries of runKey that failed for good
	// pending again, due at now and no longer reported, for when the
	// cause was mended (the bot added to a channel) and the message is
	// sent again: only what is missing is delivered. Whether an earlier
	// attempt may have posted is kept, so such a post is looked for
	// first. It returns how many were requeued. Errors: EINTERNAL.
	RequeueFailed(ctx context.Context, runKey string, now time.Time) (int, error)

	// NextAttemptAt returns the earliest NextAttempt among pending
	// deliveries, leased ones included, so that a dispatcher can sleep
	// until the next one falls due; ok is false when nothing is pending.
	// Errors: EINTERNAL.
	NextAttemptAt(ctx context.Context) (next time.Time, ok bool, err error)

	// FindDeliveries lists deliveries, newest first.
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
}
