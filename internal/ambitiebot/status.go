package ambitiebot

import "strings"

// Status is where an organisation stands on one ambition. The keys are the
// stable identifiers stored in the database; labels live in locales/.
type Status string

const (
	StatusNotStarted Status = "niet-gestart"
	StatusInProgress Status = "in-uitvoering"
	StatusBlocked    Status = "knelpunt"
	StatusDone       Status = "gereed"
	StatusNA         Status = "nvt"
)

// Statuses lists every status in the order views show them.
var Statuses = []Status{StatusDone, StatusInProgress, StatusBlocked, StatusNotStarted, StatusNA}

var statusAliases = map[string]Status{
	"niet-gestart": StatusNotStarted, "niet gestart": StatusNotStarted, "open": StatusNotStarted, "nieuw": StatusNotStarted,
	"in-uitvoering": StatusInProgress, "in uitvoering": StatusInProgress, "bezig": StatusInProgress, "loopt": StatusInProgress, "gestart": StatusInProgress,
	"knelpunt": StatusBlocked, "vertraagd": StatusBlocked, "geblokkeerd": StatusBlocked,
	"gereed": StatusDone, "klaar": StatusDone, "afgerond": StatusDone, "done": StatusDone,
	"nvt": StatusNA, "n.v.t.": StatusNA, "n.v.t": StatusNA, "niet-van-toepassing": StatusNA, "niet van toepassing": StatusNA,
	// What English-speaking users see in their views, so they can type it.
	"not-started": StatusNotStarted, "not started": StatusNotStarted,
	"in-progress": StatusInProgress, "in progress": StatusInProgress,
	"blocked":        StatusBlocked,
	"not-applicable": StatusNA, "not applicable": StatusNA, "n/a": StatusNA,
}

// ParseStatus returns the status that s names, by key or alias, ignoring
// case and surrounding space.
func ParseStatus(s string) (Status, bool) {
	st, ok := statusAliases[strings.ToLower(strings.TrimSpace(s))]
	return st, ok
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNotStarted, StatusInProgress, StatusBlocked, StatusDone, StatusNA:
		return true
	}
	return false
}

// NeedsNote reports whether a change to s must explain itself: what blocks
// the ambition, or why it does not apply.
func (s Status) NeedsNote() bool { return s == StatusBlocked || s == StatusNA }

// Open reports whether an ambition with status s still needs work.
func (s Status) Open() bool { return s != StatusDone && s != StatusNA }

// LabelID is the locale message id of the status's human label.
func (s Status) LabelID() string { return "Status_" + string(s) }
