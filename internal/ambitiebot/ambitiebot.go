// Package ambitiebot is the domain of the bot: the ambitions of the Drentse
// aanpak ondermijning, the organisations that signed it, their progress and
// the services that store and deliver it. It imports nothing of ours;
// SQLite, Mattermost, HTTP and the scheduler are adapters around it.
package ambitiebot

import "time"

// Clock returns the current time. Every component takes one so that
// schedules and histories are testable.
type Clock func() time.Time

// User is a chat user as the bot knows them: always looked up by id from the
// chat server, never taken from what a request claims.
type User struct {
	ID       string
	Username string
	Email    string
	Locale   string // "nl", "en", ... (empty means the default, Dutch)
	IsBot    bool
}
