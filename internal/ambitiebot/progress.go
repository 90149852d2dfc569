package ambitiebot

import (
	"context"
	"time"
	"unicode/utf8"
)

// MaxNoteRunes is the hard cap on a toelichting, so that every view and
// post stays under the chat server's limit; the command parser applies the
// (lower) configured limit.
const MaxNoteRunes = 2000

// Progress is an organisation's current status on one ambition. An
// applicable ambition without a stored row is StatusNotStarted with a zero
// UpdatedAt.
type Progress struct {
	OrgKey        string
	AmbitionID    string
	Status        Status
	Note          string
	UpdatedAt     time.Time
	UpdatedBy     string // user id
	UpdatedByName string // username at the time of the change
	// Reconfirm is set when the ambition's text changed after this status
	// was given: it stands until the organisation confirms or changes it.
	Reconfirm bool
}

// Change is one entry in the append-only history.
type Change struct {
	ID         int64
	OrgKey     string
	AmbitionID string
	From       Status
	To         Status
	Note       string
	UserID     string
	UserName   string
	At         time.Time
	// Confirmed reports that the update cleared a te herbevestigen mark.
	// Not stored with the change: the confirmation of an unchanged status
	// is a CatalogueEvent, and a changed status speaks for itself.
	Confirmed bool
}

// Update asks to set an organisation's status on an ambition. Feed holds
// chat deliveries (e.g. the activity-feed post) that are queued in the same
// transaction as the change, so an acknowledged change is never without its
// post; an empty RunKey is filled with "change:<id>@<time>". Once committed,
// SetStatus writes each queued delivery back into its element of Feed, as
// the outbox holds it (ID, RunKey, State, CreatedAt; ID 0 when it was not
// queued: nothing changed, or its (RunKey, Target) existed), so a caller
// must not share Feed's elements between concurrent updates.
//
// With Lease > 0 the Feed is stored already leased to the caller, as
// DeliveryService.DueDeliveries would lease it: hidden from every
// dispatcher until the change's time plus Lease, and marked uncertain.
// The caller then attempts the queued Feed itself, saving a transaction
// to claim it; should it die first, the lease runs out and any dispatcher
// takes the rows, looking for their posts before posting. The elements
// written back carry the state from before the lease, like DueDeliveries.
//
// FeedMessage, when set, writes each Feed message from the change as it
// is committed (Feed's Message may then be empty): the status it changes
// from is known only inside the transaction, and a line such as
// "toelichting bijgewerkt" depends on it. It runs inside the store's
// transaction, so it must only compute.
type Update struct {
	OrgKey      string
	AmbitionID  string
	Status      Status
	Note        string
	User        User
	Feed        []Delivery
	Lease       time.Duration
	FeedMessage func(Change) string
}

// Validate checks what the store can check without the catalogue.
func (u Update) Validate() error {
	switch {
	case u.OrgKey == "" || u.AmbitionID == "":
		return Errorf(EINVALID, "ErrUpdateIncomplete", nil)
	case !u.Status.Valid():
		return Errorf(EINVALID, "ErrUnknownStatus", map[string]any{"Status": string(u.Status)})
	case utf8.RuneCountInString(u.Note) > MaxNoteRunes:
		return Errorf(EINVALID, "ErrNoteTooLong", map[string]any{"Max": MaxNoteRunes})
	case u.Status.NeedsNote() && u.Note == "":
		return Errorf(EINVALID, "ErrNoteRequired", map[string]any{"Status": string(u.Status)})
	case u.User.ID == "":
		return Errorf(EINVALID, "ErrUpdateIncomplete", nil)
	}
	return nil
}

// ProgressFilter narrows FindProgress; empty fields match everything.
type ProgressFilter struct {
	OrgKey     string
	AmbitionID string
}

// ChangeFilter narrows FindChanges; zero fields match everything. Changes
// come oldest first; Limit > 0 keeps the newest Limit of them.
type ChangeFilter struct {
	OrgKey     string
	AmbitionID string
	Since      time.Time // inclusive
	Until      time.Time // exclusive
	Limit      int
}

// ProgressService stores statuses and their history.
type ProgressService interface {
	// SetStatus records u in one transaction: the current status, a
	// history entry and u.Feed (leased when u.Lease > 0). It returns the
	// change once committed, and writes the queued deliveries back into
	// u.Feed's elements.
	// When status and note equal the current ones nothing is written and
	// the returned change has ID 0 and From == To, except that a status
	// marked te herbevestigen is thereby confirmed: the mark is cleared,
	// an EventConfirmed recorded and Confirmed set. Any change clears the
	// mark too.
	// Errors: EINVALID (see Update.Validate), EINTERNAL.
	SetStatus(ctx context.Context, u Update) (Change, error)

	// FindProgress returns the stored statuses that match f, ordered by
	// organisation key and ambition.
	FindProgress(ctx context.Context, f ProgressFilter) ([]Progress, error)

	// FindChanges returns the history entries that match f.
	FindChanges(ctx context.Context, f ChangeFilter) ([]Change, error)
}

// UserLink ties a chat user to an organisation by hand, for users whose
// e-mail address is hidden or on another domain, or who represent more
// than one organisation. A user may have a link to several organisations.
type UserLink struct {
	UserID   string
	OrgKey   string
	LinkedBy string // user id of the project leader
	LinkedAt time.Time
}

// LinkService stores manual user links and their history (who linked or
// unlinked whom to which organisation, and when).
type LinkService interface {
	// LinkUser links l.UserID to l.OrgKey, besides the organisations they
	// are linked to already, and reports whether the link is new; linking
	// again to the same organisation changes nothing.
	// Errors: EINVALID, EINTERNAL.
	LinkUser(ctx context.Context, l UserLink) (bool, error)

	// UnlinkUser removes userID's links to orgKeys, or every link of
	// theirs when orgKeys is empty, recording by (a project leader's user
	// id) in the history, and returns the links it removed.
	// Errors: EINVALID, EINTERNAL.
	UnlinkUser(ctx context.Context, userID, by string, orgKeys []string) ([]UserLink, error)

	// FindUserLinks returns a user's links in the order they were made;
	// none is an empty list, not an error.
	// Errors: EINTERNAL.
	FindUserLinks(ctx context.Context, userID string) ([]UserLink, error)
}
