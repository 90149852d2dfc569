package ambitiebot

import (
	"context"
	"time"
)

// CatalogueEventKind says what a CatalogueEvent records.
type CatalogueEventKind string

const (
	// EventTextChanged: the ambition's text (or notes) changed between two
	// runs of the bot; every stored status on it became te herbevestigen.
	EventTextChanged CatalogueEventKind = "text-changed"
	// EventConfirmed: an organisation confirmed its status on the new
	// text without changing it.
	EventConfirmed CatalogueEventKind = "confirmed"
)

// CatalogueEvent is one entry in an ambition's history that is not a
// status change: the catalogue changed, or a status was confirmed. OrgKey
// is empty for EventTextChanged, which concerns every organisation.
type CatalogueEvent struct {
	ID         int64
	AmbitionID string
	OrgKey     string
	Kind       CatalogueEventKind
	UserID     string
	UserName   string
	At         time.Time
}

// CatalogueService keeps the catalogue's versions, so that the agreement
// can grow (afspraak C: the ambitions are sharpened or broadened) without
// a status silently standing for a text nobody confirmed.
type CatalogueService interface {
	// SyncCatalogue stores the version of every ambition in c. When an
	// ambition's stored version differs from Version(), every stored
	// status on it is kept but marked te herbevestigen (Progress.Reconfirm)
	// and an EventTextChanged is recorded. An ambition seen for the first
	// time (a new ambition, or the first run with versions) is only
	// recorded. It returns the ids of the changed ambitions.
	// Errors: EINTERNAL.
	SyncCatalogue(ctx context.Context, c *Catalogue) ([]string, error)

	// FindCatalogueEvents returns an ambition's catalogue events, oldest
	// first; with limit > 0 only the newest limit of them.
	// Errors: EINTERNAL.
	FindCatalogueEvents(ctx context.Context, ambitionID string, limit int) ([]CatalogueEvent, error)
}
