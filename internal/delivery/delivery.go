// Package delivery sends what the outbox holds: every queued post goes to
// its channel, direct message or webhook effectively once. The rows are
// written before anything is sent; this dispatcher only moves them along.
//
// When an attempt's outcome is unknown (a time-out, a dropped connection or
// a 5xx after the request was sent) the next attempt first looks for the
// delivery's marker in the channel's recent posts. A 429 pauses all sending
// for as long as the server asks, 5xx and time-outs back off exponentially
// with jitter, and 403/404 fail for good and are reported once to the
// project leaders in the working-group channel.
package delivery

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Defaults for the retry policy.
const (
	DefaultMinBackoff = 2 * time.Second
	DefaultMaxBackoff = 10 * time.Minute
	DefaultPoll       = 30 * time.Second
	// lease is how long a claimed delivery is hidden from other
	// dispatchers: long enough for any attempt to finish or time out.
	lease = 2 * time.Minute
)

// Dispatcher delivers due rows of the outbox.
type Dispatcher struct {
	Store         ambitiebot.DeliveryService
	Chat          ambitiebot.Chat
	Organisations *ambitiebot.Organisations
	Tr            *i18n.Translator
	Logger        *slog.Logger
	Now           ambitiebot.Clock
	// After waits; tests replace it to drive the loop without sleeping.
	After func(time.Duration) <-chan time.Time
	// Jitter returns a number in [0, 1); tests make it deterministic.
	Jitter func() float64
	// WorkingGroupChannel ("team/channel") receives failure notices.
	WorkingGroupChannel string
	// ProjectLeaders (usernames) are mentioned in failure notices.
	ProjectLeaders []string
	MinBackoff     time.Duration
	MaxBackoff     time.Duration
	Poll           time.Duration
	// Observe, when set, is told each attempt's result: "delivered",
	// "retry", "failed" or "rate_limited" (for metrics).
	Observe func(result string)

	once        sync.Once
	wake        chan struct{}
	mu          sync.Mutex
	pausedUntil time.Time
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.After == nil {
			d.After = time.After
		}
		if d.Jitter == nil {
			d.Jitter = rand.Float64
		}
		if d.MinBackoff == 0 {
			d.MinBackoff = DefaultMinBackoff
		}
		if d.MaxBackoff == 0 {
			d.MaxBackoff = DefaultMaxBackoff
		}
		if d.Poll == 0 {
			d.Poll = DefaultPoll
		}
	})
}

// Notify wakes the dispatcher after new rows were queued. It never blocks.
func (d *Dispatcher) Notify() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled: at once, on every Notify, and at
// least every Poll so that retries come due.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	for {
		if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Error("delivery pass failed", slog.Any("error", err))
		}
		wait := d.Poll
		if p := d.pause(); p > 0 && p < wait {
			wait = p
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
			if p := d.pause(); p > 0 {
				select {
				case <-ctx.Done():
					return
				case <-d.After(p):
				}
			}
		case <-d.After(wait):
		}
	}
}

// pause is how long the server asked us to wait before the next request.
func (d *Dispatcher) pause() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pausedUntil.Sub(d.Now())
}

// DeliverDue delivers due rows until none is left or the server
// rate-limits, and returns how many were delivered. It claims one row at a
// time, so a rate limit leaves nothing else leased, and several
// dispatchers (a serving bot and a CLI run) never take the same row.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	d.init()
	delivered := 0
	for {
		if d.pause() > 0 {
			return delivered, nil
		}
		if err := ctx.Err(); err != nil {
			return delivered, err
		}
		due, err := d.Store.DueDeliveries(ctx, d.Now(), lease, 1)
		if err != nil || len(due) == 0 {
			return delivered, err
		}
		ok, limited, err := d.attempt(ctx, due[0])
		if err != nil {
			return delivered, err
		}
		if ok {
			delivered++
		}
		if limited {
			return delivered, nil
		}
	}
}

// attempt tries one delivery. It returns whether it was delivered and
// whether the server rate-limited us; err is only for store failures.
func (d *Dispatcher) attempt(ctx context.Context, dl ambitiebot.Delivery) (delivered, limited bool, err error) {
	postID, sendErr := d.send(ctx, dl)
	if sendErr == nil {
		d.observe("delivered")
		return true, false, d.Store.MarkDelivered(ctx, dl.ID, postID, d.Now())
	}
	ce, isChat := ambitiebot.AsChatError(sendErr)
	log := d.Logger.With(slog.Int64("delivery", dl.ID), slog.String("run_key", dl.RunKey),
		slog.String("target", string(dl.Target)), slog.Any("error", sendErr))
	switch {
	case isChat && !ce.Temporary:
		log.Warn("delivery failed for good")
		d.observe("failed")
		if err := d.Store.MarkFailed(ctx, dl.ID, failCause(ce)); err != nil {
			return false, false, err
		}
		return false, false, d.report(ctx, dl, ce)
	case isChat && ce.Status == 429:
		wait := ce.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		d.mu.Lock()
		d.pausedUntil = d.Now().Add(wait)
		d.mu.Unlock()
		log.Info("rate limited", slog.Duration("wait", wait))
		d.observe("rate_limited")
		// A 429 was refused before anything was posted.
		return false, true, d.Store.MarkRetry(ctx, dl.ID, failCause(ce), dl.Uncertain, d.Now().Add(wait))
	default:
		uncertain := dl.Uncertain || (isChat && ce.Uncertain)
		next := d.Now().Add(d.backoff(dl.Attempts))
		log.Info("delivery will be retried", slog.Bool("uncertain", uncertain), slog.Time("next", next))
		d.observe("retry")
		return false, false, d.Store.MarkRetry(ctx, dl.ID, failCause(sendErr), uncertain, next)
	}
}

func (d *Dispatcher) observe(result string) {
	if d.Observe != nil {
		d.Observe(result)
	}
}

// send performs the delivery, first checking for an earlier attempt's post
// when its outcome was unknown.
func (d *Dispatcher) send(ctx context.Context, dl ambitiebot.Delivery) (string, error) {
	kind, value := dl.Target.Split()
	if kind == "webhook" {
		org, ok := d.Organisations.ByKey(value)
		if !ok || org.Webhook == "" {
			return "", &ambitiebot.ChatError{Op: "webhook", Status: 404,
				Err: ambitiebot.Errorf(ambitiebot.ENOTFOUND, "ErrNotFound", nil)}
		}
		// A webhook's channel cannot be read back, so an uncertain
		// attempt is repeated: a possible double beats a certain gap.
		return "", d.Chat.PostWebhook(ctx, org.Webhook, dl.Message)
	}
	var channelID string
	var err error
	switch kind {
	case "channel":
		channelID, err = d.Chat.ChannelID(ctx, value)
	case "user":
		channelID, err = d.Chat.DirectChannelID(ctx, value)
	default:
		err = &ambitiebot.ChatError{Op: "target " + kind, Err: ambitiebot.Errorf(ambitiebot.EINVALID, "ErrNotFound", nil)}
	}
	if err != nil {
		return "", err
	}
	if dl.Uncertain {
		id, err := d.Chat.FindPostByMarker(ctx, channelID, dl.Marker())
		if err == nil {
			return id, nil
		}
		if ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
			return "", err
		}
	}
	post := ambitiebot.Post{ChannelID: channelID, Message: dl.Message, Marker: dl.Marker(), Attachments: dl.Attachments}
	for _, f := range dl.Files {
		id, err := d.Chat.UploadFile(ctx, channelID, f.Name, f.Data)
		if err != nil {
			// An upload without a post is invisible, so a retry simply
			// uploads again; that is never uncertain.
			if ce, ok := ambitiebot.AsChatError(err); ok {
				ce.Uncertain = false
			}
			return "", err
		}
		post.FileIDs = append(post.FileIDs, id)
	}
	return d.Chat.CreatePost(ctx, post)
}

// backoff is capped exponential backoff with full jitter in its upper half.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.MinBackoff
	for i := 0; i < attempts && b < d.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.MaxBackoff)
	return b/2 + time.Duration(d.Jitter()*float64(b/2))
}

// report tells the project leaders once, in the working-group channel,
// that a delivery failed for good. A failure of the working-group channel
// itself can only be logged.
func (d *Dispatcher) report(ctx context.Context, dl ambitiebot.Delivery, ce *ambitiebot.ChatError) error {
	wg := ambitiebot.ChannelTarget(d.WorkingGroupChannel)
	if dl.Kind == "chart" {
		// A chart answers one user's /ambitie overzicht, possibly in a
		// channel the bot may not post in (a direct channel between two
		// people): nothing for the project leaders to fix.
		d.Logger.Info("chart could not be posted in the channel it was asked in", slog.String("target", string(dl.Target)))
		return d.Store.MarkReported(ctx, dl.ID)
	}
	if dl.Target == wg || d.WorkingGroupChannel == "" {
		d.Logger.Error("cannot post in the working-group channel; failure not reported in chat",
			slog.String("channel", d.WorkingGroupChannel), slog.Int("status", ce.Status))
		return d.Store.MarkReported(ctx, dl.ID)
	}
	kind, value := dl.Target.Split()
	where := value
	org := ""
	if o, ok := d.Organisations.ByKey(dl.OrgKey); ok {
		org = o.Name
	}
	id := "DeliveryFailedChannel"
	switch {
	case kind == "webhook":
		id, where = "DeliveryFailedWebhook", ""
	case kind == "user":
		id = "DeliveryFailedUser"
	case ce.Status != 403 && ce.Status != 404:
		id = "DeliveryFailedOther"
	}
	var leaders []string
	for _, pl := range d.ProjectLeaders {
		leaders = append(leaders, "@"+pl)
	}
	msg := d.Tr.T("nl", id, map[string]any{
		"Leaders": strings.Join(leaders, " "), "Org": org, "Where": where, "Kind": dl.Kind, "Status": ce.Status})
	if _, err := d.Store.EnqueueDeliveries(ctx, []ambitiebot.Delivery{{
		RunKey: "notice:" + dl.Marker(), Target: wg, Kind: "notice", Message: msg,
	}}); err != nil {
		return err
	}
	return d.Store.MarkReported(ctx, dl.ID)
}

// failCause is what the outbox remembers about a failure: the status and
// operation, never a URL (webhook URLs are secrets).
func failCause(err error) string {
	if ce, ok := ambitiebot.AsChatError(err); ok {
		return ce.Op + ": HTTP " + strconv.Itoa(ce.Status)
	}
	return "internal error"
}
