package ambitiebot

// Matrix is every organisation's status on every ambition that applies to
// it: the stored progress with the gaps filled as StatusNotStarted. Views,
// charts, reports and reminders all read it.
type Matrix struct {
	Catalogue     *Catalogue
	Organisations *Organisations
	stored        map[cell]Progress // only the cells with stored progress
}

type cell struct{ org, ambition string }

// NewMatrix builds the matrix from stored progress. Rows for unknown
// organisations or ambitions, or for ambitions that no longer apply to the
// organisation's kind, are ignored. Cells without stored progress are not
// built: Cell makes them when asked, so that a view of one ambition does
// not pay for all 17 × 28.
func NewMatrix(cat *Catalogue, orgs *Organisations, progress []Progress) *Matrix {
	m := &Matrix{Catalogue: cat, Organisations: orgs, stored: make(map[cell]Progress, len(progress))}
	for _, p := range progress {
		if m.applies(p.OrgKey, p.AmbitionID) {
			m.stored[cell{p.OrgKey, p.AmbitionID}] = p
		}
	}
	return m
}

// applies reports whether the ambition applies to the organisation, both
// known.
func (m *Matrix) applies(orgKey, ambitionID string) bool {
	org, ok := m.Organisations.ByKey(orgKey)
	if !ok || org.Key != orgKey {
		return false
	}
	a, ok := m.Catalogue.Ambition(ambitionID)
	return ok && a.AppliesToKind(org.Kind)
}

// Cell returns an organisation's progress on an ambition, and false when
// the ambition does not apply to it.
func (m *Matrix) Cell(orgKey, ambitionID string) (Progress, bool) {
	if p, ok := m.stored[cell{orgKey, ambitionID}]; ok {
		return p, true
	}
	if !m.applies(orgKey, ambitionID) {
		return Progress{}, false
	}
	return Progress{OrgKey: orgKey, AmbitionID: ambitionID, Status: StatusNotStarted}, true
}

// Tally counts statuses over a set of applicable cells.
type Tally struct {
	Applicable int
	ByStatus   map[Status]int
}

// Count returns the number of cells with status s.
func (t Tally) Count(s Status) int { return t.ByStatus[s] }

// Percent is the share of gereed among the applicable ambitions that were
// not declared not applicable, rounded down; 0 when there are none.
func (t Tally) Percent() int {
	base := t.Applicable - t.ByStatus[StatusNA]
	if base <= 0 {
		return 0
	}
	return t.ByStatus[StatusDone] * 100 / base
}

func (t *Tally) add(p Progress) {
	if t.ByStatus == nil {
		t.ByStatus = make(map[Status]int, len(Statuses))
	}
	t.Applicable++
	t.ByStatus[p.Status]++
}

// OrgTally counts an organisation's statuses, over one theme when theme > 0.
func (m *Matrix) OrgTally(orgKey string, theme int) Tally {
	var t Tally
	for _, a := range m.Catalogue.Ambitions() {
		if theme > 0 && a.Theme != theme {
			continue
		}
		if p, ok := m.Cell(orgKey, a.ID); ok {
			t.add(p)
		}
	}
	return t
}

// ThemeTally counts every organisation's statuses on one theme.
func (m *Matrix) ThemeTally(theme int) Tally {
	var t Tally
	for _, org := range m.Organisations.All() {
		for _, a := range m.Catalogue.InTheme(theme) {
			if p, ok := m.Cell(org.Key, a.ID); ok {
				t.add(p)
			}
		}
	}
	return t
}

// OpenAmbitions returns the organisation's applicable ambitions that still
// need work (not gereed, not nvt), in catalogue order.
func (m *Matrix) OpenAmbitions(orgKey string) []Progress {
	var out []Progress
	for _, a := range m.Catalogue.Ambitions() {
		if p, ok := m.Cell(orgKey, a.ID); ok && p.Status.Open() {
			out = append(out, p)
		}
	}
	return out
}
