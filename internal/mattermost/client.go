// Package mattermost adapts the Mattermost REST API (Client4) to the
// ambitiebot.Chat port. It and its subpackages are the only code that
// imports Mattermost's server/public module.
package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// MarkerProp is the post prop that carries ambitiebot.Post.Marker.
const MarkerProp = "ambitiebot_marker"

// RecentPosts is how many of a channel's newest posts FindPostByMarker
// reads. The search API does not index props, so the marker is looked for
// in the channel itself.
const RecentPosts = 200

// membersPerPage is the page size for channel members; Mattermost caps
// per_page at 200.
const membersPerPage = 200

// Options tune a Client. Zero values get the defaults.
type Options struct {
	Timeout time.Duration    // per HTTP request; default 10s
	UserTTL time.Duration    // how long a looked-up user is trusted; default 60s
	Now     func() time.Time // clock for the user cache; default time.Now
	Logger  *slog.Logger     // default slog.Default()

	// ActionURL and DialogURL are where Mattermost sends clicks and dialog
	// submissions (the bot's public URL + "/action" and "/dialog"); Signer
	// signs what goes there. Without them posts carry their attachments'
	// text but no actions, and OpenDialog fails with EINVALID.
	ActionURL string
	DialogURL string
	Signer    *Signer

	// Rate and Burst, when Rate > 0, pace the client's requests like
	// Mattermost's own rate limiter (a token bucket, per second), so a
	// burst of calls such as setup's stays under the server's limit;
	// RateLimitRetries is how often a 429 is waited out (its Retry-After)
	// and the call made again. The serving bot leaves them zero: its
	// dispatcher pauses all sending on a 429 itself.
	Rate             float64
	Burst            int
	RateLimitRetries int
	// ReadRateLimitRetries is how often a 429 on a call that creates
	// nothing (a lookup, an update) is waited out, when more than
	// RateLimitRetries.
	ReadRateLimitRetries int
}

// Client talks to one Mattermost server as the bot. It is safe for
// concurrent use.
type Client struct {
	api  *model.Client4
	http *http.Client
	opts Options
	ttl  time.Duration
	now  func() time.Time
	log  *slog.Logger

	pacer *pacer // nil: no pacing

	mu       sync.Mutex
	me       *ambitiebot.User
	users    map[string]cachedUser // by user id
	missing  map[string]time.Time  // user ids the server did not know, until when that is trusted
	names    map[string]string     // lower-case username to user id
	channels map[string]string     // "team/channel" to channel id
	warmedAt time.Time             // when the channel cache was last filled at once
	directs  map[string]string     // user id to the bot's direct channel with them
	// editLimit is the server's PostEditTimeLimit as last read (editRead
	// says one was), used until editNext (see PostEditTimeLimit).
	editLimit int
	editRead  bool
	editNext  time.Time
}

// How PostEditTimeLimit reads the limit: a good read is used for
// editLimitTTL, so that an administrator's change reaches the bot within
// that time; after a failed one the last good value stays in use and the
// server is asked again after editRetry. A read, made while a click
// waits, gets editReadTimeout.
const (
	editLimitTTL    = 5 * time.Minute
	editRetry       = 30 * time.Second
	editReadTimeout = 2 * time.Second
)

type cachedUser struct {
	user    ambitiebot.User
	expires time.Time
}

var _ ambitiebot.Chat = (*Client)(nil)

// New returns a Client for the server at baseURL that authenticates with
// the bot's personal access token.
func New(baseURL, botToken string, opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.UserTTL <= 0 {
		opts.UserTTL = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	hc := &http.Client{
		Timeout:   opts.Timeout,
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
	api := model.NewAPIv4Client(baseURL)
	api.HTTPClient = hc
	api.SetToken(botToken)
	return &Client{
		pacer:    newPacer(opts.Rate, opts.Burst, opts.Now),
		api:      api,
		http:     hc,
		opts:     opts,
		ttl:      opts.UserTTL,
		now:      opts.Now,
		log:      opts.Logger,
		users:    map[string]cachedUser{},
		missing:  map[string]time.Time{},
		names:    map[string]string{},
		channels: map[string]string{},
		directs:  map[string]string{},
	}
}

// run performs one Client4 call and classifies its failure. When the
// client paces itself (Options.Rate), each call first waits its turn, and
// a 429 is waited out and tried again, up to RateLimitRetries times: a
// refused call did nothing, so repeating it is safe even when it creates.
func run[T any](ctx context.Context, c *Client, cl call, f func(context.Context) (T, *model.Response, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		if err := c.pacer.wait(ctx); err != nil {
			var zero T
			return zero, c.fail(classify(cl, 0, nil, err, false, c.now()))
		}
		var wrote atomic.Bool
		traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(info httptrace.WroteRequestInfo) {
				if info.Err == nil {
					wrote.Store(true)
				}
			},
		})
		v, resp, err := f(traced)
		if err == nil {
			return v, nil
		}
		var zero T
		status, header := 0, http.Header(nil)
		if resp != nil {
			status, header = resp.StatusCode, resp.Header
		}
		ce := classify(cl, status, header, err, wrote.Load(), c.now())
		retries := c.opts.RateLimitRetries
		if !cl.creating {
			retries = max(retries, c.opts.ReadRateLimitRetries)
		}
		if ce.Status != http.StatusTooManyRequests || attempt >= retries {
			return zero, c.fail(ce)
		}
		wait := ce.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		if attempt >= c.opts.RateLimitRetries && wait > maxReadRateLimitWait {
			// Someone is waiting for this lookup's answer: a long pause
			// would outlast Mattermost's own time-out for the command.
			return zero, c.fail(ce)
		}
		c.log.Debug("mattermost rate limit: waiting", "op", ce.Op, "wait", wait)
		if err := sleep(ctx, min(wait, maxRateLimitWait)); err != nil {
			return zero, c.fail(ce)
		}
	}
}

// maxRateLimitWait caps one wait for a 429, whatever the server asks;
// maxReadRateLimitWait is the longest a lookup waits (ReadRateLimitRetries).
const (
	maxRateLimitWait     = 30 * time.Second
	maxReadRateLimitWait = 2 * time.Second
)

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) fail(ce *ambitiebot.ChatError) error {
	c.log.Debug("mattermost request failed", "op", ce.Op, "status", ce.Status,
		"temporary", ce.Temporary, "uncertain", ce.Uncertain, "retry_after", ce.RetryAfter, "err", ce.Err)
	return ce
}

func toUser(u *model.User) ambitiebot.User {
	return ambitiebot.User{
		ID:       u.Id,
		Username: u.Username,
		// Mattermost sends "" when it hides e-mail addresses; that is
		// "unknown", never a domain to match.
		Email:  strings.TrimSpace(u.Email),
		Locale: u.Locale,
		IsBot:  u.IsBot,
		// Mattermost shows these only to some callers (the auth service
		// to admins); what it hides counts as unverified.
		EmailVerified: u.EmailVerified,
		AuthService:   u.AuthService,
		Roles:         strings.Fields(u.Roles),
	}
}

// Me returns the bot's own account; it does not change while running, so
// it is fetched once.
func (c *Client) Me(ctx context.Context) (ambitiebot.User, error) {
	c.mu.Lock()
	me := c.me
	c.mu.Unlock()
	if me != nil {
		return *me, nil
	}
	u, err := run(ctx, c, call{op: "get me"}, func(ctx context.Context) (*model.User, *model.Response, error) {
		return c.api.GetMe(ctx, "")
	})
	if err != nil {
		return ambitiebot.User{}, err
	}
	bot := toUser(u)
	c.mu.Lock()
	c.me = &bot
	c.mu.Unlock()
	return bot, nil
}

// User looks a user up by id, from the cache when it is fresh.
func (c *Client) User(ctx context.Context, id string) (ambitiebot.User, error) {
	if u, ok := c.cachedUser(id); ok {
		return u, nil
	}
	notFound := ambitiebot.Errorf(ambitiebot.ENOTFOUND, MsgUserNotFound, nil)
	if !model.IsValidId(id) || c.knownMissing(id) {
		return ambitiebot.User{}, notFound
	}
	u, err := run(ctx, c, call{op: "get user", notFound: notFound}, func(ctx context.Context) (*model.User, *model.Response, error) {
		return c.api.GetUser(ctx, id, "")
	})
	if err != nil {
		if ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND {
			c.rememberMissing(id)
		}
		return ambitiebot.User{}, err
	}
	return c.remember(u), nil
}

// maxMissing bounds the cache of unknown user ids, which anyone who can
// reach the bot with a valid command token could fill.
const maxMissing = 4096

// knownMissing reports whether the server said recently that id does
// not exist, so that a flood of made-up ids costs one lookup each per
// UserTTL rather than one per request.
func (c *Client) knownMissing(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.missing[id]
	return ok && c.now().Before(until)
}

func (c *Client) rememberMissing(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.missing) >= maxMissing {
		for k, until := range c.missing {
			if !now.Before(until) {
				delete(c.missing, k)
			}
		}
		if len(c.missing) >= maxMissing {
			return
		}
	}
	c.missing[id] = now.Add(c.ttl)
}

// UserByUsername looks a user up by username, with or without '@'.
func (c *Client) UserByUsername(ctx context.Context, username string) (ambitiebot.User, error) {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(username), "@"))
	c.mu.Lock()
	id, known := c.names[name]
	c.mu.Unlock()
	if known {
		if u, ok := c.cachedUser(id); ok {
			return u, nil
		}
	}
	notFound := ambitiebot.Errorf(ambitiebot.ENOTFOUND, MsgUsernameNotFound, map[string]any{"Username": name})
	if name == "" {
		return ambitiebot.User{}, notFound
	}
	u, err := run(ctx, c, call{op: "get user by username", notFound: notFound}, func(ctx context.Context) (*model.User, *model.Response, error) {
		return c.api.GetUserByUsername(ctx, name, "")
	})
	if err != nil {
		return ambitiebot.User{}, err
	}
	return c.remember(u), nil
}

// ForgetUser drops a user from the cache, so the next lookup asks the
// server.
func (c *Client) ForgetUser(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.users, id)
	delete(c.missing, id)
}

func (c *Client) cachedUser(id string) (ambitiebot.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cu, ok := c.users[id]
	if !ok || !c.now().Before(cu.expires) {
		return ambitiebot.User{}, false
	}
	return cu.user, true
}

func (c *Client) remember(mu *model.User) ambitiebot.User {
	u := toUser(mu)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[u.ID] = cachedUser{user: u, expires: c.now().Add(c.ttl)}
	delete(c.missing, u.ID)
	c.names[strings.ToLower(u.Username)] = u.ID
	return u
}

// ChannelID resolves "team/channel" (team and channel names, as in the
// channel's URL) to the channel's id. A channel id is returned as is.
func (c *Client) ChannelID(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if model.IsValidId(ref) {
		return ref, nil
	}
	notFound := ambitiebot.Errorf(ambitiebot.ENOTFOUND, MsgChannelNotFound, map[string]any{"Channel": ref})
	team, name, ok := strings.Cut(ref, "/")
	if !ok || team == "" || name == "" {
		return "", notFound
	}
	if id, known := c.cachedChannel(ref); known {
		return id, nil
	}
	// One listing of every team and channel the bot is in answers the
	// lookups of a whole broadcast in two requests instead of one each,
	// which matters under the server's rate limit.
	if c.warmChannels(ctx) {
		if id, known := c.cachedChannel(ref); known {
			return id, nil
		}
	}
	ch, err := c.channelByName(ctx, team, name, notFound)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.channels[ref] = ch.Id
	c.mu.Unlock()
	return ch.Id, nil
}

// channelByName looks a channel up by its team's and its own URL name.
// Mattermost does not find an archived channel by name: then a second
// lookup tells it apart from one that does not exist, and the error says
// it is archived (see Archived).
func (c *Client) channelByName(ctx context.Context, team, name string, notFound *ambitiebot.Error) (*model.Channel, error) {
	ch, err := run(ctx, c, call{op: "get channel", notFound: notFound}, func(ctx context.Context) (*model.Channel, *model.Response, error) {
		return c.api.GetChannelByNameForTeamName(ctx, name, team, "")
	})
	if ce, ok := ambitiebot.AsChatError(err); ok && ce.Status == http.StatusNotFound {
		old, lerr := run(ctx, c, call{op: "get channel"}, func(ctx context.Context) (*model.Channel, *model.Response, error) {
			return c.api.GetChannelByNameForTeamNameIncludeDeleted(ctx, name, team, "")
		})
		ce.Archived = lerr == nil && old.DeleteAt != 0
	}
	return ch, err
}

// Archived reports whether err says that the channel is archived: a post
// in it was refused, or it was looked up by name.
func Archived(err error) bool {
	ce, ok := ambitiebot.AsChatError(err)
	return ok && ce.Archived
}

func (c *Client) cachedChannel(ref string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.channels[ref]
	return id, ok
}

// channelWarmInterval bounds how often a cache miss may list every
// channel again: a channel that is not there stays a single lookup.
const channelWarmInterval = 5 * time.Minute

// warmChannels fills the channel cache with every channel of every team
// the bot is in, at most once per channelWarmInterval, and reports whether
// it did. Failures are left to the single lookup that follows.
func (c *Client) warmChannels(ctx context.Context) bool {
	c.mu.Lock()
	if !c.warmedAt.IsZero() && c.now().Sub(c.warmedAt) < channelWarmInterval {
		c.mu.Unlock()
		return false
	}
	c.warmedAt = c.now()
	c.mu.Unlock()
	me, err := c.Me(ctx)
	if err != nil {
		return false
	}
	teams, err := run(ctx, c, call{op: "get teams"}, func(ctx context.Context) ([]*model.Team, *model.Response, error) {
		return c.api.GetTeamsForUser(ctx, me.ID, "")
	})
	if err != nil {
		return false
	}
	channels, err := run(ctx, c, call{op: "get channels"}, func(ctx context.Context) ([]*model.Channel, *model.Response, error) {
		return c.api.GetChannelsForUserWithLastDeleteAt(ctx, me.ID, 0)
	})
	if err != nil {
		return false
	}
	teamNames := make(map[string]string, len(teams))
	for _, t := range teams {
		teamNames[t.Id] = t.Name
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range channels {
		if team, ok := teamNames[ch.TeamId]; ok && ch.DeleteAt == 0 {
			c.channels[team+"/"+ch.Name] = ch.Id
		}
	}
	return true
}

// ChannelMembers lists every user in a channel, page by page. The users
// also refresh the user cache.
func (c *Client) ChannelMembers(ctx context.Context, channelID string) ([]ambitiebot.User, error) {
	var members []ambitiebot.User
	for page := 0; ; page++ {
		users, err := run(ctx, c, call{op: "get channel members"}, func(ctx context.Context) ([]*model.User, *model.Response, error) {
			return c.api.GetUsersInChannel(ctx, channelID, page, membersPerPage, "")
		})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			members = append(members, c.remember(u))
		}
		if len(users) < membersPerPage {
			return members, nil
		}
	}
}

// DirectChannelID returns the direct channel between the bot and a user;
// Mattermost creates it on first use and returns the same one after.
func (c *Client) DirectChannelID(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	id, known := c.directs[userID]
	c.mu.Unlock()
	if known {
		return id, nil
	}
	me, err := c.Me(ctx)
	if err != nil {
		return "", err
	}
	ch, err := run(ctx, c, call{op: "create direct channel"}, func(ctx context.Context) (*model.Channel, *model.Response, error) {
		return c.api.CreateDirectChannel(ctx, me.ID, userID)
	})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.directs[userID] = ch.Id
	c.mu.Unlock()
	return ch.Id, nil
}

// refreshedDirect answers a 403 in a direct channel that the server gave
// the bot (a post, an upload, or reading its posts for a marker): Mattermost (6.7.2 and later) decides channel permissions from a
// per-user membership cache that a concurrent request of the bot can
// refill without the new direct channel while it is being created; the
// entry then lives 15 minutes, and posts and uploads there get 403 (a
// direct channel has no team to fall back on). Updating the bot's own
// notify props in that channel invalidates the cache and needs no channel
// permission. It reports whether it did so, and the call is worth one more
// try. See docs/mattermost-versions.md.
func (c *Client) refreshedDirect(ctx context.Context, channelID string, err error) bool {
	if !isStatus(err, http.StatusForbidden) || !c.isDirect(channelID) {
		return false
	}
	me, meErr := c.Me(ctx)
	if meErr != nil {
		return false
	}
	_, err = run(ctx, c, call{op: "refresh channel membership"}, func(ctx context.Context) (struct{}, *model.Response, error) {
		resp, err := c.api.UpdateChannelNotifyProps(ctx, channelID, me.ID, map[string]string{})
		return struct{}{}, resp, err
	})
	if err != nil {
		return false
	}
	c.log.Info("a direct channel answered 403; the bot's membership cache on the server was refreshed", "channel_id", channelID)
	return true
}

// isDirect reports whether channelID is a direct channel the server gave
// the bot (DirectChannelID).
func (c *Client) isDirect(channelID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range c.directs {
		if id == channelID {
			return true
		}
	}
	return false
}

// CreatePost posts as the bot, with p.Marker in the MarkerProp prop.
func (c *Client) CreatePost(ctx context.Context, p ambitiebot.Post) (string, error) {
	post := c.toPost(p)
	create := func(ctx context.Context) (*model.Post, *model.Response, error) {
		return c.api.CreatePost(ctx, post)
	}
	created, err := run(ctx, c, call{op: "create post", creating: true}, create)
	if c.refreshedDirect(ctx, p.ChannelID, err) {
		created, err = run(ctx, c, call{op: "create post", creating: true}, create)
	}
	if err != nil {
		return "", err
	}
	return created.Id, nil
}

// UpdatePost replaces the message and attachments of one of the bot's
// posts, such as a reminder whose status menu was used.
func (c *Client) UpdatePost(ctx context.Context, postID string, p ambitiebot.Post) error {
	post := c.toPost(p)
	post.Id = postID
	notFound := ambitiebot.Errorf(ambitiebot.ENOTFOUND, MsgPostNotFound, nil)
	_, err := run(ctx, c, call{op: "update post", notFound: notFound}, func(ctx context.Context) (*model.Post, *model.Response, error) {
		return c.api.UpdatePost(ctx, postID, post)
	})
	return err
}

// ModelPost is p as CreatePost sends it, with its actions signed; an
// action's answer carries it to update the clicked post.
func (c *Client) ModelPost(p ambitiebot.Post) *model.Post { return c.toPost(p) }

func (c *Client) toPost(p ambitiebot.Post) *model.Post {
	post := &model.Post{ChannelId: p.ChannelID, Message: p.Message, FileIds: model.StringArray(p.FileIDs)}
	if p.Marker != "" {
		post.AddProp(MarkerProp, p.Marker)
	}
	if len(p.Attachments) > 0 {
		atts := make([]*model.MessageAttachment, len(p.Attachments))
		for i, a := range p.Attachments {
			atts[i] = c.toAttachment(a)
		}
		// Not model.ParseMessageAttachment: it would turn <url|text> in
		// the (user-influenced) text into links.
		post.Type = model.PostTypeMessageAttachment
		post.AddProp(model.PostPropsAttachments, atts)
	}
	return post
}

// toAttachment signs every action's context. Without a public URL and a
// signer nobody could use the actions, so they are left off.
func (c *Client) toAttachment(a ambitiebot.Attachment) *model.MessageAttachment {
	att := &model.MessageAttachment{Text: a.Text, Fallback: a.Text}
	if c.opts.ActionURL == "" || c.opts.Signer == nil {
		return att
	}
	for _, act := range a.Actions {
		pa := &model.PostAction{
			Id:   act.ID,
			Type: model.PostActionTypeButton,
			Name: act.Name,
			Integration: &model.PostActionIntegration{
				URL:     c.opts.ActionURL,
				Context: map[string]any{},
			},
		}
		if len(act.Options) > 0 {
			pa.Type = model.PostActionTypeSelect
			pa.Options = toOptions(act.Options)
			pa.DefaultOption = act.Default
		}
		for k, v := range c.opts.Signer.SignAction(act.Context) {
			pa.Integration.Context[k] = v
		}
		att.Actions = append(att.Actions, pa)
	}
	return att
}

func toOptions(opts []ambitiebot.ActionOption) []*model.PostActionOptions {
	out := make([]*model.PostActionOptions, len(opts))
	for i, o := range opts {
		out[i] = &model.PostActionOptions{Text: o.Text, Value: o.Value}
	}
	return out
}

// OpenDialog opens an interactive dialog for the user who issued
// triggerID, with d.State signed; Mattermost accepts a trigger id for
// about 30 seconds.
func (c *Client) OpenDialog(ctx context.Context, triggerID string, d ambitiebot.Dialog) error {
	if c.opts.DialogURL == "" || c.opts.Signer == nil {
		return ambitiebot.Errorf(ambitiebot.EINVALID, MsgNotAvailable, nil)
	}
	dlg := model.Dialog{
		CallbackId:       d.CallbackID,
		Title:            d.Title,
		IntroductionText: d.Intro,
		SubmitLabel:      d.SubmitLabel,
		State:            c.opts.Signer.SignState(d.State),
	}
	for _, e := range d.Elements {
		el := model.DialogElement{
			DisplayName: e.Label, Name: e.Name, Type: string(e.Type), Default: e.Default,
			Optional: e.Optional, HelpText: e.Help, MaxLength: e.MaxLength,
		}
		if e.Type == ambitiebot.DialogSelect {
			el.Options = toOptions(e.Options)
		}
		dlg.Elements = append(dlg.Elements, el)
	}
	// Mattermost refuses an invalid dialog with a bare 400; saying why
	// in the log is kinder to whoever changes the form.
	if err := dlg.IsValid(); err != nil {
		return c.fail(&ambitiebot.ChatError{Op: "open dialog", Err: err})
	}
	req := model.OpenDialogRequest{TriggerId: triggerID, URL: c.opts.DialogURL, Dialog: dlg}
	_, err := run(ctx, c, call{op: "open dialog"}, func(ctx context.Context) (struct{}, *model.Response, error) {
		resp, err := c.api.OpenInteractiveDialog(ctx, req)
		return struct{}{}, resp, err
	})
	return err
}

// FindPostByMarker looks through the channel's RecentPosts newest posts for
// one of the bot's own that carries marker. Posts by anyone else are
// ignored: any user can set props on their own posts.
func (c *Client) FindPostByMarker(ctx context.Context, channelID, marker string) (string, error) {
	me, err := c.Me(ctx)
	if err != nil {
		return "", err
	}
	notFound := ambitiebot.Errorf(ambitiebot.ENOTFOUND, MsgPostNotFound, nil)
	if marker == "" {
		return "", notFound
	}
	recent := func(ctx context.Context) (*model.PostList, *model.Response, error) {
		return c.api.GetPostsForChannel(ctx, channelID, 0, RecentPosts, "", false, false)
	}
	list, err := run(ctx, c, call{op: "get posts"}, recent)
	if c.refreshedDirect(ctx, channelID, err) {
		list, err = run(ctx, c, call{op: "get posts"}, recent)
	}
	if err != nil {
		return "", err
	}
	for _, id := range list.Order {
		p := list.Posts[id]
		if p == nil || p.UserId != me.ID {
			continue
		}
		if m, _ := p.GetProp(MarkerProp).(string); m == marker {
			return p.Id, nil
		}
	}
	return "", notFound
}

// UploadFile uploads data as a file in a channel, to be attached to a post
// with Post.FileIDs.
func (c *Client) UploadFile(ctx context.Context, channelID, name string, data []byte) (string, error) {
	cl := call{op: "upload file", creating: true}
	upload := func(ctx context.Context) (*model.FileUploadResponse, *model.Response, error) {
		return c.api.UploadFile(ctx, data, channelID, name)
	}
	resp, err := run(ctx, c, cl, upload)
	if c.refreshedDirect(ctx, channelID, err) {
		resp, err = run(ctx, c, cl, upload)
	}
	if err != nil {
		return "", err
	}
	if len(resp.FileInfos) == 0 || resp.FileInfos[0] == nil {
		return "", c.fail(classify(cl, http.StatusCreated, nil, errors.New("upload answered without a file"), true, c.now()))
	}
	return resp.FileInfos[0].Id, nil
}

// PostWebhook posts text to a Mattermost incoming webhook. The URL is a
// secret: it is never logged nor put in an error.
func (c *Client) PostWebhook(ctx context.Context, hookURL, text string) error {
	cl := call{op: "post webhook", creating: true}
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return c.fail(&ambitiebot.ChatError{Op: cl.op, Err: err})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return c.fail(&ambitiebot.ChatError{Op: cl.op, Err: errors.New("invalid webhook URL")})
	}
	req.Header.Set("Content-Type", "application/json")
	_, err = run(ctx, c, cl, func(ctx context.Context) (struct{}, *model.Response, error) {
		resp, err := c.http.Do(req.WithContext(ctx))
		if err != nil {
			return struct{}{}, nil, err
		}
		defer resp.Body.Close()
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusOK {
			return struct{}{}, model.BuildResponse(resp), fmt.Errorf("webhook answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
		}
		return struct{}{}, nil, nil
	})
	return err
}

// PostEditTimeLimit returns the server's ServiceSettings.PostEditTimeLimit
// in seconds, -1 for none (see ambitiebot.Chat), read from the client
// configuration that every user may read and kept for editLimitTTL (see
// there for failed reads).
// Mattermost refuses to change the message of a post older than a limit,
// also when an action's integration answers a click with the post
// updated: the click then fails in the user's client. 6.7.2 serves the
// configuration only with format=old (Client4.GetClientConfig v0.4.4
// sends none and gets 501).
func (c *Client) PostEditTimeLimit(ctx context.Context) (int, error) {
	c.mu.Lock()
	if c.now().Before(c.editNext) {
		limit, read := c.editLimit, c.editRead
		c.mu.Unlock()
		if !read {
			return 0, c.fail(classify(call{op: "get client config"}, 0, nil, errors.New("not read yet"), false, c.now()))
		}
		return limit, nil
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, editReadTimeout)
	defer cancel()
	limit, err := c.readPostEditTimeLimit(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.editNext = c.now().Add(editRetry)
		if c.editRead {
			c.log.Warn("edit time limit not read again; the last one read stays in use", slog.Int("limit", c.editLimit), slog.Any("error", err))
			return c.editLimit, nil
		}
		return 0, err
	}
	c.editLimit, c.editRead, c.editNext = limit, true, c.now().Add(editLimitTTL)
	return limit, nil
}

func (c *Client) readPostEditTimeLimit(ctx context.Context) (int, error) {
	cl := call{op: "get client config"}
	cfg, err := run(ctx, c, cl, func(ctx context.Context) (map[string]string, *model.Response, error) {
		r, err := c.api.DoAPIGet(ctx, "/config/client?format=old", "")
		if err != nil {
			return nil, model.BuildResponse(r), err
		}
		return model.DecodeJSONFromResponse[map[string]string](r)
	})
	if err != nil {
		return 0, err
	}
	// Anonymous callers get a configuration without it: an invalid token
	// is not refused here.
	v, ok := cfg["PostEditTimeLimit"]
	n, perr := strconv.Atoi(v)
	if !ok || perr != nil {
		return 0, c.fail(classify(cl, http.StatusOK, nil, fmt.Errorf("client configuration: PostEditTimeLimit %q", v), true, c.now()))
	}
	return n, nil
}
