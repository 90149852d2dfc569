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
//
// A dispatcher claims a row with a lease before attempting it, unless the
// row was queued already leased to it and handed over in memory (see
// Handoff), and records successful posts in batches. Neither weakens
// "effectively once": a leased row is stored uncertain, so if the process
// dies after posting but before recording, whoever takes the row after its
// lease first looks for the post.
package delivery

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// handoffAge is how long after its lease began a handed-over delivery
	// is still attempted from memory; an older one is left to its lease's
	// end, so that a lease always outlasts the attempt made under it.
	handoffAge = lease / 4
	// maxHanded caps the handed-over deliveries held in memory; beyond it
	// they wait for their lease like any other row.
	maxHanded = 4096
	// markBatch and markDelay bound how many successful posts wait, and
	// for how long, to be recorded in one transaction.
	markBatch = 64
	markDelay = 50 * time.Millisecond
	// giveWayStep and maxGiveWay pace posting while commands wait for the
	// store (see Dispatcher.Busy).
	giveWayStep = 250 * time.Microsecond
	maxGiveWay  = 5 * time.Millisecond
	// minWait is the shortest sleep between passes when a delivery is
	// already due but was not taken (it is leased elsewhere), so that it
	// cannot spin the loop.
	minWait = 100 * time.Millisecond
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
	// Busy, when set, reports whether commands are waiting for the store.
	// Before each attempt the dispatcher then waits, up to maxGiveWay, so
	// that under a burst of commands posting slows down but never stops.
	Busy func() bool

	once        sync.Once
	wake        chan struct{}
	notified    atomic.Bool // Notify was called: the store may hold new rows
	retried     atomic.Bool // a retry was scheduled since Run last asked the store
	mu          sync.Mutex
	pausedUntil time.Time
	handed      []ambitiebot.Delivery // leased to us by their Update, not yet attempted
	posted      []ambitiebot.Delivered
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
	d.notified.Store(true)
	d.wakeUp()
}

func (d *Dispatcher) wakeUp() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Lease is how long deliveries handed to Handoff must have been stored
// leased (ambitiebot.Update.Lease).
func (d *Dispatcher) Lease() time.Duration { return lease }

// Handoff takes deliveries that their caller queued already leased for
// Lease() and committed (ambitiebot.Update with Lease set), so that they
// are attempted without a transaction to claim them. Deliveries that were
// not queued (ID 0) are ignored. It never blocks; whatever this dispatcher
// does not attempt soon after the lease began waits for the lease to end.
func (d *Dispatcher) Handoff(ds []ambitiebot.Delivery) {
	d.init()
	d.mu.Lock()
	for _, dl := range ds {
		if dl.ID != 0 && len(d.handed) < maxHanded {
			d.handed = append(d.handed, dl)
		}
	}
	d.mu.Unlock()
	d.wakeUp()
}

// Run delivers until ctx is cancelled: at once, on every Handoff and
// Notify, when the earliest pending delivery falls due, and at least
// every Poll (which finds rows other processes queued). It records
// successful posts at most markDelay late, and before it returns.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	// fromStore says whether the next pass asks the store for due rows;
	// storeLeft that the last pass that asked stopped before it was done.
	fromStore, storeLeft := true, false
	var record <-chan time.Time
	// next is when the store's earliest pending delivery falls due, so
	// that a retry goes out after its backoff rather than at the next poll.
	var next time.Time
	var haveNext bool
	defer func() {
		stopped := context.WithoutCancel(ctx)
		d.logRecord(d.recordPosted(stopped))
		d.releaseHanded(stopped)
	}()
	for {
		_, drained, err := d.deliver(ctx, fromStore)
		if err != nil && ctx.Err() == nil {
			d.Logger.Error("delivery pass failed", slog.Any("error", err))
		}
		if fromStore {
			storeLeft = !drained
		}
		if record == nil && d.postedCount() > 0 {
			record = d.After(markDelay)
		}
		wait := d.Poll
		if p := d.pause(); p > 0 && p < wait {
			wait = p
		}
		// The store is asked for its next due row only after a pass that
		// read it or scheduled a retry; a pass that only posted handed-over
		// rows (the busy path) cannot have made anything due sooner.
		if retried := d.retried.Swap(false); err == nil && (fromStore || retried) {
			next, haveNext = d.nextAttempt(ctx)
		}
		if haveNext {
			wait = min(wait, max(next.Sub(d.Now()), minWait))
		}
		select {
		case <-ctx.Done():
			return
		case <-record:
			record, fromStore = nil, false
			d.logRecord(d.recordPosted(ctx))
		case <-d.wake:
			// A Handoff alone brings its rows along: the store need
			// not be asked.
			fromStore = d.notified.Swap(false) || storeLeft
			if p := d.pause(); p > 0 {
				select {
				case <-ctx.Done():
					return
				case <-d.After(p):
				}
			}
		case <-d.After(wait):
			fromStore = true
		}
	}
}

// nextAttempt asks the store when its earliest pending delivery falls
// due; ok is false when nothing is pending or the store cannot say.
func (d *Dispatcher) nextAttempt(ctx context.Context) (time.Time, bool) {
	next, ok, err := d.Store.NextAttemptAt(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.Logger.Error("reading when the next delivery is due failed", slog.Any("error", err))
		}
		return time.Time{}, false
	}
	return next, ok
}

func (d *Dispatcher) logRecord(err error) {
	if err != nil {
		d.Logger.Error("recording delivered posts failed; their rows stay leased and uncertain", slog.Any("error", err))
	}
}

// pause is how long the server asked us to wait before the next request.
func (d *Dispatcher) pause() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pausedUntil.Sub(d.Now())
}

// DeliverDue delivers handed-over and due rows until none is left or the
// server rate-limits, records the outcomes, and returns how many were
// delivered. It claims one row at a time, so a rate limit leaves nothing
// else leased, and several dispatchers (a serving bot and a CLI run) never
// take the same row.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	d.init()
	n, _, err := d.deliver(ctx, true)
	// Posts made are recorded even when ctx ended meanwhile.
	return n, errors.Join(err, d.recordPosted(context.WithoutCancel(ctx)))
}

// Drain delivers what falls due, waiting through backoffs and rate
// limits, until nothing is pending, the next attempt would come after
// until, or ctx ends; a command-line run uses it so that a 500 or a 429
// does not leave its posts for the serving bot's next poll. progress,
// when set, is told after every pass how many were delivered so far and
// how many are pending. It returns the deliveries still pending.
func (d *Dispatcher) Drain(ctx context.Context, until time.Time, progress func(delivered, pending int)) (int, []ambitiebot.Delivery, error) {
	d.init()
	delivered := 0
	for {
		n, err := d.DeliverDue(ctx)
		delivered += n
		if err != nil {
			return delivered, nil, err
		}
		pending, err := d.Store.FindDeliveries(ctx, ambitiebot.DeliveryFilter{State: ambitiebot.DeliveryPending})
		if err != nil {
			return delivered, nil, err
		}
		if progress != nil {
			progress(delivered, len(pending))
		}
		if len(pending) == 0 {
			return delivered, nil, nil
		}
		next, ok := d.nextAttempt(ctx)
		if !ok {
			return delivered, pending, nil
		}
		if p := d.Now().Add(d.pause()); p.After(next) {
			next = p
		}
		if next.After(until) {
			return delivered, pending, nil
		}
		select {
		case <-ctx.Done():
			return delivered, pending, nil
		case <-d.After(max(next.Sub(d.Now()), minWait)):
		}
	}
}

// deliver attempts handed-over rows and then, when fromStore, due rows of
// the store, as DeliverDue describes, leaving up to markBatch successful
// posts unrecorded. drained says it stopped because nothing was left.
func (d *Dispatcher) deliver(ctx context.Context, fromStore bool) (delivered int, drained bool, err error) {
	for {
		if d.pause() > 0 {
			return delivered, false, nil
		}
		if err := ctx.Err(); err != nil {
			return delivered, false, err
		}
		dl, ok := d.nextHanded()
		if !ok {
			if !fromStore {
				return delivered, true, nil
			}
			// Recording first means a row posted here is never due
			// again, even when the clock has passed its lease.
			if err := d.recordPosted(ctx); err != nil {
				return delivered, false, err
			}
			due, err := d.Store.DueDeliveries(ctx, d.Now(), lease, 1)
			if err != nil || len(due) == 0 {
				return delivered, err == nil, err
			}
			dl = due[0]
		}
		d.giveWay(ctx)
		ok, limited, err := d.attempt(ctx, dl)
		if err != nil {
			return delivered, false, err
		}
		if ok {
			delivered++
		}
		if limited {
			return delivered, false, nil
		}
		if d.postedCount() >= markBatch {
			if err := d.recordPosted(ctx); err != nil {
				return delivered, false, err
			}
		}
	}
}

// giveWay waits in short steps while Busy reports waiting commands, at
// most maxGiveWay.
func (d *Dispatcher) giveWay(ctx context.Context) {
	for waited := time.Duration(0); d.Busy != nil && waited < maxGiveWay && d.Busy(); waited += giveWayStep {
		select {
		case <-ctx.Done():
			return
		case <-d.After(giveWayStep):
		}
	}
}

// nextHanded takes the oldest handed-over delivery still young enough to
// be attempted under its lease; older ones are dropped from memory and
// left to their lease's end.
func (d *Dispatcher) nextHanded() (ambitiebot.Delivery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.handed) > 0 {
		dl := d.handed[0]
		d.handed[0] = ambitiebot.Delivery{}
		d.handed = d.handed[1:]
		if age := d.Now().Sub(dl.CreatedAt); age >= 0 && age < handoffAge {
			return dl, true
		}
		d.Logger.Info("handed-over delivery left to its lease", slog.Int64("delivery", dl.ID))
	}
	return ambitiebot.Delivery{}, false
}

// releaseHanded gives the store back the handed-over deliveries this
// dispatcher stops without attempting, so that after a restart they go out
// at once rather than after their lease. Only those young enough to be
// attempted from memory are released: their lease is far from over, so no
// other dispatcher can have taken them.
func (d *Dispatcher) releaseHanded(ctx context.Context) {
	d.mu.Lock()
	var ids []int64
	for _, dl := range d.handed {
		if age := d.Now().Sub(dl.CreatedAt); age >= 0 && age < handoffAge {
			ids = append(ids, dl.ID)
		}
	}
	d.handed = nil
	d.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	n, err := d.Store.ReleaseDeliveries(ctx, ids, d.Now())
	if err != nil {
		d.Logger.Error("releasing handed-over deliveries failed; they wait for their lease", slog.Any("error", err))
		return
	}
	d.Logger.Info("handed-over deliveries released for the next start", slog.Int("released", n))
}

// recordPosted records the successful posts not yet recorded, in one
// transaction. On failure they stay leased and uncertain in the store, so
// whoever takes them after the lease finds their posts.
func (d *Dispatcher) recordPosted(ctx context.Context) error {
	d.mu.Lock()
	posted := d.posted
	d.posted = nil
	d.mu.Unlock()
	return d.Store.MarkAllDelivered(ctx, posted)
}

func (d *Dispatcher) postedCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.posted)
}

// attempt tries one delivery. It returns whether it was delivered and
// whether the server rate-limited us; err is only for store failures.
func (d *Dispatcher) attempt(ctx context.Context, dl ambitiebot.Delivery) (delivered, limited bool, err error) {
	postID, sendErr := d.send(ctx, dl)
	if sendErr == nil {
		d.observe("delivered")
		d.mu.Lock()
		d.posted = append(d.posted, ambitiebot.Delivered{ID: dl.ID, PostID: postID, At: d.Now()})
		d.mu.Unlock()
		return true, false, nil
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
		d.retried.Store(true)
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
		org, ok := d.Organisations.Recipient(value)
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
	if o, ok := d.Organisations.Recipient(dl.OrgKey); ok {
		org = o.Name
	}
	id := "DeliveryFailedChannel"
	switch {
	case kind == "webhook":
		id, where = "DeliveryFailedWebhook", ""
	case ce.Archived:
		id = "DeliveryFailedArchived"
	case ce.Status != 403 && ce.Status != 404 && kind == "user":
		// Not a refusal of the user (a post Mattermost will not take):
		// the log has the cause.
		id = "DeliveryFailedUserOther"
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
		// One notice per message and target: the parts of a message in
		// several posts fail together and are said once.
		RunKey: "notice:" + ambitiebot.Delivery{RunKey: dl.MessageRunKey(), Target: dl.Target}.Marker(), Target: wg, Kind: "notice", Message: msg,
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
