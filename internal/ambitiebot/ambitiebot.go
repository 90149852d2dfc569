// Package ambitiebot is the domain of the bot: the ambitions of the Drentse
// aanpak ondermijning, the organisations that signed it, their progress and
// the services that store and deliver it. It imports nothing of ours;
// SQLite, Mattermost, HTTP and the scheduler are adapters around it.
package ambitiebot

import (
	"slices"
	"time"
)

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
	// EmailVerified is whether the chat server verified Email.
	EmailVerified bool
	// AuthService is how the user signs in: "" or "email" for a password,
	// else a single sign-on service such as "ldap", "saml" or "gitlab",
	// whose directory vouches for Email.
	AuthService string
	Roles       []string // the chat server's system roles, e.g. "system_user"
}

// RoleGuest is the system role of a guest account.
const RoleGuest = "system_guest"

// Guest reports whether u is a guest account.
func (u User) Guest() bool { return slices.Contains(u.Roles, RoleGuest) }

// SSO reports whether u signs in through a directory (LDAP, SAML, OAuth),
// which vouches for their address.
func (u User) SSO() bool { return u.AuthService != "" && u.AuthService != "email" }
