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
	Default string // the menu's preselected option value, if any
	Context map[string]string
}

// Keys of the Context of a status menu and of a status dialog's State
// that more than one package reads. ContextUser is the user the action or
// dialog was issued to: the chat adapter binds its signature to them, so
// only they can use it.
const (
	ContextUser     = "user"
	ContextOrg      = "org"
	ContextAmbition = "ambition"
)

// Dialog is a form the chat server shows a user. State comes back with
// the submission; the chat adapter signs it like an action's Context.
type Dialog struct {
	CallbackID  string
	Title       string
	Intro       string
	SubmitLabel string
	State       map[string]string
	Elements    []DialogElement
}

// DialogElement is one field of a Dialog.
type DialogElement struct {
	Name      string
	Label     string
	Type      DialogElementType
	Options   []ActionOption // for DialogSelect
	Default   string
	Optional  bool
	MaxLength int // for DialogTextarea; 0 means the chat server's default
	Help      string
}

// DialogElementType is the kind of a dialog field.
type DialogElementType string

const (
	DialogSelect   DialogElementType = "select"
	DialogTextarea DialogElementType = "textarea"
)

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
	// UpdatePost replaces the message and attachments of one of the bot's
	// own posts. Errors: ENOTFOUND.
	UpdatePost(ctx context.Context, postID string, p Post) error
	// OpenDialog shows d to the user whose click or command issued
	// triggerID. Errors: EINVALID when dialogs are not configured.
	OpenDialog(ctx context.Context, triggerID string, d Dialog) error
	// PostEditTimeLimit returns how many seconds after posting the server
	// still lets a post's message change, -1 for no limit. Past it, the
	// server refuses a changed message, also the update a click answers
	// with.
	PostEditTimeLimit(ctx context.Context) (int, error)
}

// ChatError describes a failed call to the chat server in the terms a
// sender needs to decide what to do next.
type ChatError struct {
	Op         string        // e.g. "create post"
	Status     int           // HTTP status, 0 when none was received
	Temporary  bool          // worth retrying: 429, 5xx, time-outs, connection errors
	Uncertain  bool          // the request may have taken effect (sent, no clear answer)
	RetryAfter time.Duration // what a 429 asked to wait, 0 when unknown
	Archived   bool          // the channel is archived: every post in it is refused
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
