package ambitiebot

// Matrix is every organisation's status on every ambition that applies to
// it: the stored progress with the gaps filled as StatusNotStarted. Views,
// charts, reports and reminders all read it.
type Matrix struct {
	Catalogue     *Catalogue
	Organisations *Organisations
	cells         map[string]map[string]Progress
}

// NewMatrix builds the matrix from stored progress. Rows for unknown
// organisations or ambitions, or for ambitions that no longer apply to the
// organisation's kind, are ignored.
func NewMatrix(cat *Catalogue, orgs *Organisations, progress []Progress) *Matrix {
	m := &Matrix{Catalogue: cat, Organisations: orgs, cells: make(map[string]map[string]Progress, orgs.Len())}
	for _, org := range orgs.All() {
		row := make(map[string]Progress)
		for _, a := range cat.ForKind(org.Kind) {
			row[a.ID] = Progress{OrgKey: org.Key, AmbitionID: a.ID, Status: StatusNotStarted}
		}
		m.cells[org.Key] = row
	}
	for _, p := range progress {
		if row, ok := m.cells[p.OrgKey]; ok {
			if _, applies := row[p.AmbitionID]; applies {
				row[p.AmbitionID] = p
			}
		}
	}
	return m
}

// Cell returns an organisation's progress on an ambition, and false when
// the ambition does not apply to it.
func (m *Matrix) Cell(orgKey, ambitionID string) (Progress, bool) {
	p, ok := m.cells[orgKey][ambitionID]
	return p, ok
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
		if p, ok := m.cells[orgKey][a.ID]; ok {
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
			if p, ok := m.cells[org.Key][a.ID]; ok {
				t.add(p)
			}
		}
	}
	return t
}

// OpenAmbitions returns the organisation's applicable ambitions that still
// need work (not gereed, not nvt) or a confirmation (te herbevestigen),
// in catalogue order.
func (m *Matrix) OpenAmbitions(orgKey string) []Progress {
	var out []Progress
	for _, a := range m.Catalogue.Ambitions() {
		if p, ok := m.cells[orgKey][a.ID]; ok && (p.Status.Open() || p.Reconfirm) {
			out = append(out, p)
		}
	}
	return out
}

// Reconfirm returns the organisation's statuses marked te herbevestigen,
// in catalogue order; every organisation's when orgKey is empty.
func (m *Matrix) Reconfirm(orgKey string) []Progress {
	var out []Progress
	for _, org := range m.Organisations.All() {
		if orgKey != "" && org.Key != orgKey {
			continue
		}
		for _, a := range m.Catalogue.Ambitions() {
			if p, ok := m.cells[org.Key][a.ID]; ok && p.Reconfirm {
				out = append(out, p)
			}
		}
	}
	return out
}
