package mattermost

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Message ids of the not-found errors, in locales/mattermost.*.toml.
const (
	MsgUserNotFound     = "MattermostUserNotFound"
	MsgUsernameNotFound = "MattermostUsernameNotFound"
	MsgChannelNotFound  = "MattermostChannelNotFound"
	MsgPostNotFound     = "MattermostPostNotFound"
)

// call describes one request for classify.
type call struct {
	op       string
	creating bool // the request creates something, so a lost answer leaves it unknown whether it did
	notFound *ambitiebot.Error
}

// classify turns the outcome of a request that failed into a
// *ambitiebot.ChatError. status and header come from the response, if one
// arrived; wrote tells whether the request had been sent in full.
func classify(c call, status int, header http.Header, err error, wrote bool, now time.Time) *ambitiebot.ChatError {
	// *url.Error repeats the request URL, which for a webhook is a secret.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	ce := &ambitiebot.ChatError{Op: c.op, Status: status, Err: err}
	switch {
	case status == http.StatusTooManyRequests:
		ce.Temporary = true
		ce.RetryAfter = retryAfter(header, now)
	case status >= 500:
		ce.Temporary = true
		ce.Uncertain = c.creating
	case status == http.StatusNotFound && c.notFound != nil:
		nf := *c.notFound
		nf.Err = err
		ce.Err = &nf
	case status >= 200 && status < 300:
		// The server said yes but the answer could not be read.
		ce.Temporary = true
		ce.Uncertain = c.creating
	case status == http.StatusBadRequest && appErrorID(err) == archivedChannel:
		ce.Archived = true
	case status != 0:
		// Other 4xx: the request itself is wrong or not allowed.
	case errors.Is(err, syscall.ECONNREFUSED):
		ce.Temporary = true
	default:
		// Time-outs, resets, a cancelled context: the server may have
		// acted on a request it received in full.
		ce.Temporary = true
		ce.Uncertain = c.creating && wrote
	}
	return ce
}

// archivedChannel is the error id with which Mattermost (6.7.2
// app.CreatePostAsUser) refuses a post in an archived channel.
const archivedChannel = "api.post.create_post.can_not_post_to_deleted.error"

// appErrorID is the id of the Mattermost error in err's chain, if any.
func appErrorID(err error) string {
	var ae *model.AppError
	if errors.As(err, &ae) {
		return ae.Id
	}
	return ""
}

// retryAfter reads how long a 429 asked to wait: Retry-After (seconds or a
// date), else X-Ratelimit-Reset (seconds), as Mattermost sends both.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if s, err := strconv.Atoi(h.Get("X-Ratelimit-Reset")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
