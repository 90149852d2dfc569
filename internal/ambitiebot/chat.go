package ambitiebot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Post is a message the bot posts as itself.
type Post struct {
	ChannelID   string
	Message     string
	Marker      string   // stored as a post prop, to recognise the post later
	FileIDs     []string // uploaded with Chat.UploadFile
	Attachments []Attachment
}

// Attachment is a block under a post that offers one-click actions.
type Attachment struct {
	Text    string
	Actions []Action
}

// Action is a button, or a menu when Options are set. Context comes back
// with a click; the chat adapter signs it, because the chat server does
// not authenticate clicks.
type Action struct {
	ID      string // unique within the post; letters and digits
	Name    string
	Options []ActionOption
	Context map[string]string
}

// ActionOption is one choice of a menu.
type ActionOption struct {
	Text  string
	Value string
}

// File is a file attached to a post, such as a chart or a report.
type File struct {
	Name string
	Data []byte
}

// Chat is what the bot needs from the chat server. The Mattermost adapter
// implements it; its errors are *ChatError when the server answered or the
// request failed on the wire.
type Chat interface {
	// Me returns the bot's own account.
	Me(ctx context.Context) (User, error)
	// User looks a user up by id. Errors: ENOTFOUND.
	User(ctx context.Context, id string) (User, error)
	// UserByUsername looks a user up by username (without @). Errors: ENOTFOUND.
	UserByUsername(ctx context.Context, username string) (User, error)
	// ChannelID resolves "team/channel" to the channel's id. Errors: ENOTFOUND.
	ChannelID(ctx context.Context, ref string) (string, error)
	// ChannelMembers lists the users in a channel.
	ChannelMembers(ctx context.Context, channelID string) ([]User, error)
	// DirectChannelID returns the direct channel between the bot and a user.
	DirectChannelID(ctx context.Context, userID string) (string, error)
	// CreatePost posts as the bot and returns the post's id.
	CreatePost(ctx context.Context, p Post) (string, error)
	// FindPostByMarker looks through the channel's recent posts for one
	// carrying marker and returns its id. Errors: ENOTFOUND.
	FindPostByMarker(ctx context.Context, channelID, marker string) (string, error)
	// UploadFile uploads data to a channel and returns the file id.
	UploadFile(ctx context.Context, channelID, name string, data []byte) (string, error)
	// PostWebhook posts text to an incoming webhook.
	PostWebhook(ctx context.Context, url, text string) error
}

// ChatError describes a failed call to the chat server in the terms a
// sender needs to decide what to do next.
type ChatError struct {
	Op         string        // e.g. "create post"
	Status     int           // HTTP status, 0 when none was received
	Temporary  bool          // worth retrying: 429, 5xx, time-outs, connection errors
	Uncertain  bool          // the request may have taken effect (sent, no clear answer)
	RetryAfter time.Duration // what a 429 asked to wait, 0 when unknown
	Err        error
}

func (e *ChatError) Error() string {
	return fmt.Sprintf("mattermost: %s: status %d: %v", e.Op, e.Status, e.Err)
}

func (e *ChatError) Unwrap() error { return e.Err }

// AsChatError returns the *ChatError in err's chain, if any.
func AsChatError(err error) (*ChatError, bool) {
	var ce *ChatError
	ok := errors.As(err, &ce)
	return ce, ok
}
