package workgroup

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Member answers "who is this user, for the bot": their account, the
// organisations they act for and whether they are a project leader.
type Member struct {
	User ambitiebot.User
	// Orgs are the organisations the member represents: the one of their
	// e-mail domain first (when the trust model admits it), then, in
	// configured order, those a project leader linked them to and those
	// the configuration names them a representative or contact of. Org is
	// the first.
	Orgs          []ambitiebot.Organisation
	Org           ambitiebot.Organisation
	HasOrg        bool
	Linked        bool // a project leader linked them to an organisation
	ProjectLeader bool
	// Rule is the rule of the trust model that admitted the member (a
	// Rule… constant): the e-mail domain's, else a link, else the
	// configuration; "" when they have no organisation.
	Rule string
	// Refused is why the member's e-mail domain did not count (RuleGuest
	// or RuleUnverified), with Claimed the organisation it names.
	Refused string
	Claimed ambitiebot.Organisation
	// contactOnly are the keys of the organisations in Orgs that the
	// member acts for only as the configured contact: they may update
	// them, but the reminder reaches them for such an organisation only
	// when nobody else covers it.
	contactOnly map[string]bool
}

// The rules of the trust model: what places a user in an organisation.
// A project leader's link always counts; an e-mail domain counts for a
// verified address or a single sign-on account, and for an unverified
// address only when the operator trusts those (trust_unverified_email);
// a guest's address never counts.
const (
	RuleLink       = "link"
	RuleConfig     = "config" // representatives or contacts in the configuration
	RuleVerified   = "verified"
	RuleSSO        = "sso"
	RuleUnverified = "unverified" // admitted with trust_unverified_email, refused without
	RuleGuest      = "guest"      // refused
)

// resolver looks users up through the chat server (whose adapter caches
// briefly), the configured representatives and contacts, and the link store (asked every time, so a new link takes
// effect at once; the SQLite store answers from memory). When the chat server fails, the last answer it gave for a user
// is used, so that an update still lands while Mattermost's API is down.
type resolver struct {
	chat            ambitiebot.Chat
	links           ambitiebot.LinkService
	organisations   *ambitiebot.Organisations
	trustUnverified bool
	leaders         *leaders
	// people are the configured representatives and contacts of every
	// organisation, known by user id as the leaders are.
	people *leaders

	mu    sync.Mutex
	known map[string]ambitiebot.User
}

func (r *resolver) user(ctx context.Context, id string) (ambitiebot.User, error) {
	u, err := r.chat.User(ctx, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		if r.known == nil {
			r.known = map[string]ambitiebot.User{}
		}
		r.known[id] = u
		return u, nil
	}
	if ce, ok := ambitiebot.AsChatError(err); ok && ce.Temporary {
		if last, ok := r.known[id]; ok {
			return last, nil
		}
	}
	return ambitiebot.User{}, err
}

// cached is the last answer the chat server gave for a user, without
// asking it: for requests that are refused before anyone is trusted.
func (r *resolver) cached(id string) (ambitiebot.User, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.known[id]
	return u, ok
}

// Resolve returns the member for a user id. The username that a request
// claims is never used: identity comes from the chat server, and project
// leaders are recognised by their user id.
func (r *resolver) Resolve(ctx context.Context, userID string) (Member, error) {
	u, err := r.user(ctx, userID)
	if err != nil {
		return Member{}, err
	}
	m := Member{User: u, ProjectLeader: r.leaders.is(ctx, u.ID)}
	if org, ok := r.organisations.ByEmail(u.Email); ok {
		switch rule := r.emailRule(u); rule {
		case RuleGuest:
			m.Refused, m.Claimed = rule, org
		case RuleUnverified:
			if !r.trustUnverified {
				m.Refused, m.Claimed = rule, org
				break
			}
			fallthrough
		default:
			m.add(org, rule)
		}
	}
	links, err := r.links.FindUserLinks(ctx, userID)
	if err != nil {
		return Member{}, err
	}
	for _, l := range links {
		if org, ok := r.organisations.ByKey(l.OrgKey); ok {
			m.add(org, RuleLink)
			m.Linked = true
		}
	}
	orgs, contact := r.configured(ctx, u.ID)
	for _, org := range orgs {
		if contact[org.Key] && !m.Represents(org.Key) {
			if m.contactOnly == nil {
				m.contactOnly = map[string]bool{}
			}
			m.contactOnly[org.Key] = true
		}
		m.add(org, RuleConfig)
	}
	// After the e-mail domain's organisation, the others in configured
	// order, however they came.
	rest := m.Orgs
	if m.Rule != RuleLink && m.Rule != RuleConfig {
		rest = m.Orgs[min(len(m.Orgs), 1):]
	}
	position := map[string]int{}
	for i, o := range r.organisations.All() {
		position[o.Key] = i
	}
	slices.SortStableFunc(rest, func(a, b ambitiebot.Organisation) int { return position[a.Key] - position[b.Key] })
	if len(m.Orgs) > 0 {
		m.Org = m.Orgs[0]
	}
	if m.HasOrg {
		// A link or the configuration admits them all the same.
		m.Refused, m.Claimed = "", ambitiebot.Organisation{}
	}
	return m, nil
}

// add makes the member a representative of org, admitted by rule, unless
// they are already.
func (m *Member) add(org ambitiebot.Organisation, rule string) {
	if m.Represents(org.Key) {
		return
	}
	if !m.HasOrg {
		m.Org, m.HasOrg, m.Rule = org, true, rule
	}
	m.Orgs = append(m.Orgs, org)
}

// Represents reports whether the member represents the organisation
// with key orgKey (a project leader acting for it does not count).
func (m Member) Represents(orgKey string) bool {
	for _, o := range m.Orgs {
		if o.Key == orgKey {
			return true
		}
	}
	return false
}

// configured returns the organisations that name the user with id as a
// representative or contact, in configured order, and the keys of those
// that name them as a contact only.
func (r *resolver) configured(ctx context.Context, id string) ([]ambitiebot.Organisation, map[string]bool) {
	if len(r.people.names) == 0 {
		return nil, nil
	}
	ids := r.people.byName(ctx)
	named := func(names []string) bool {
		return slices.ContainsFunc(names, func(name string) bool { return ids[name] == id })
	}
	var orgs []ambitiebot.Organisation
	contact := map[string]bool{}
	for _, org := range r.organisations.All() {
		switch {
		case named(org.Representatives):
			orgs = append(orgs, org)
		case named(org.Contacts):
			orgs = append(orgs, org)
			contact[org.Key] = true
		}
	}
	return orgs, contact
}

// emailRule is what the chat server vouches for about u's address.
func (r *resolver) emailRule(u ambitiebot.User) string {
	switch {
	case u.Guest():
		return RuleGuest
	case u.EmailVerified:
		return RuleVerified
	case u.SSO():
		return RuleSSO
	}
	return RuleUnverified
}

// trustsEmail reports whether u's address counts, by the trust model.
func (r *resolver) trustsEmail(u ambitiebot.User) bool {
	switch r.emailRule(u) {
	case RuleVerified, RuleSSO:
		return true
	case RuleUnverified:
		return r.trustUnverified
	}
	return false
}

// CanActFor reports whether the member may change org's statuses.
func (m Member) CanActFor(orgKey string) bool {
	return m.ProjectLeader || m.Represents(orgKey)
}

// refusal says why a member without an organisation has none, and what
// to ask for; fallbackID is the sentence for someone whose address names
// no organisation at all.
func (m Member) refusal(fallbackID string) error {
	switch m.Refused {
	case RuleGuest:
		return forbidden("ErrGuestNoOrganisation", nil)
	case RuleUnverified:
		return forbidden("ErrUnverifiedEmail", map[string]any{"Org": m.Claimed.Name})
	}
	return forbidden(fallbackID, nil)
}

// Admissions counts the working-group channel's members by the rule of
// the trust model that admits them, and those it leaves out.
type Admissions struct {
	Link, Verified, SSO int
	Config              int // admitted as a representative or contact in the configuration
	// Unverified are admitted by an unverified address: with
	// trust_unverified_email they count, without it they are refused.
	Unverified int
	Guests     int // refused: a guest's address never counts
	// Refused is how many members have an address of an organisation
	// that does not count (guests and, without trust_unverified_email,
	// unverified addresses): they cannot change anything.
	Refused int
	// RefusedNames are the refused members' usernames, in the channel's
	// order, so that the operator knows whom to link.
	RefusedNames []string
	NoOrg        int // no link and no organisation's domain
	Members      int // people in the channel, bots not counted
}

// Admissions tells the operator (ambitiebot doctor) how many
// working-group members each rule admits, so that a setting that would
// lock members out shows before they notice.
func (app *App) Admissions(ctx context.Context) (Admissions, error) {
	var a Admissions
	channelID, err := app.chat.ChannelID(ctx, app.workingGroup)
	if err != nil {
		return a, err
	}
	users, err := app.chat.ChannelMembers(ctx, channelID)
	if err != nil {
		return a, err
	}
	for _, u := range users {
		if u.IsBot {
			continue
		}
		m, err := app.members.Resolve(ctx, u.ID)
		if err != nil {
			return a, err
		}
		a.Members++
		if m.Refused != "" {
			a.Refused++
			a.RefusedNames = append(a.RefusedNames, u.Username)
		}
		switch rule := m.Rule + m.Refused; rule {
		case RuleLink:
			a.Link++
		case RuleConfig:
			a.Config++
		case RuleVerified:
			a.Verified++
		case RuleSSO:
			a.SSO++
		case RuleUnverified:
			a.Unverified++
		case RuleGuest:
			a.Guests++
		default:
			a.NoOrg++
		}
	}
	return a, nil
}

// leaders are the project leaders, known by user id. Each configured
// username is resolved to an account once, when that account exists and
// passes the checks, and the id is stored: a later rename keeps the
// leader, and a new account that takes a leader's old name gains nothing.
//
// The board report's other recipients (report.recipients) and the
// organisations' configured representatives and contacts are resolved the
// same way, under their own settings keys and without the domain rule.
type leaders struct {
	names    []string // usernames, lower-case, without @
	prefix   string   // of the settings key under which an id is stored
	role     string   // what they are, for the log
	domains  []string // when set, a leader's address must be in one of them
	chat     ambitiebot.Chat
	settings Settings
	trusts   func(ambitiebot.User) bool
	logger   *slog.Logger

	refresh sync.Mutex // one refresh at a time

	mu     sync.Mutex
	ids    map[string]bool
	states []LeaderState
	loaded bool
}

// LeaderState is what the last refresh found for a configured project
// leader, representative or contact.
type LeaderState struct {
	Username string
	UserID   string // the stored account's id; "" when none was accepted yet
	// Problem is why the leader is not a project leader now: "" (they
	// are), LeaderNotFound, LeaderGone, LeaderGuest, LeaderDomain or
	// LeaderUnreachable.
	Problem string
}

// Why a configured project leader is refused.
const (
	LeaderNotFound    = "not_found"   // no account has the username
	LeaderGone        = "gone"        // the stored account no longer exists
	LeaderGuest       = "guest"       // the account is a guest
	LeaderDomain      = "domain"      // the address is not (trusted and) in project_leaders_domains
	LeaderUnreachable = "unreachable" // the chat server could not be asked, and the leader was not accepted before
)

// Prefixes of the settings keys under which the user ids are stored.
const (
	leaderPrefix    = "project_leader:"
	recipientPrefix = "report_recipient:"
	personPrefix    = "person:" // representatives and contacts
)

// key is the settings key under which name's user id is stored.
func (l *leaders) key(name string) string { return l.prefix + name }

// RefreshLeaders resolves the configured project leaders to user ids
// again: a leader whose account did not exist yet is found, a leader
// whose account no longer passes the checks loses the role. Serve calls
// it at start-up and every few minutes; until the first call the first
// lookup of a user calls it.
// The board report's other recipients and the organisations'
// representatives and contacts are looked up again with them.
func (app *App) RefreshLeaders(ctx context.Context) error {
	return errors.Join(app.members.leaders.update(ctx), app.recipients.update(ctx), app.members.people.update(ctx))
}

// ReportRecipients is what the last refresh found for each configured
// recipient of the board report besides the project leaders
// (report.recipients), in configured order; Problem is never
// LeaderDomain.
func (app *App) ReportRecipients(ctx context.Context) []LeaderState {
	return app.recipients.list(ctx)
}

// Leaders is what the last refresh found for each configured project
// leader, in configured order (for ambitiebot doctor).
func (app *App) Leaders(ctx context.Context) []LeaderState {
	return app.members.leaders.list(ctx)
}

// People is what the last refresh found for each configured
// representative and contact, in configured order (for ambitiebot
// doctor, which names the usernames that have no account).
func (app *App) People(ctx context.Context) []LeaderState {
	return app.members.people.list(ctx)
}

// list is what the last refresh found, in configured order.
func (l *leaders) list(ctx context.Context) []LeaderState {
	l.ensure(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.states)
}

// ensure loads the leaders once, when nothing has yet.
func (l *leaders) ensure(ctx context.Context) {
	l.mu.Lock()
	loaded := l.loaded
	l.mu.Unlock()
	if !loaded {
		_ = l.load(ctx, true)
	}
}

func (l *leaders) is(ctx context.Context, userID string) bool {
	l.ensure(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[userID]
}

// byName returns the accepted accounts' user ids by username.
func (l *leaders) byName(ctx context.Context) map[string]string {
	l.ensure(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make(map[string]string, len(l.states))
	for _, s := range l.states {
		if s.Problem == "" {
			ids[s.Username] = s.UserID
		}
	}
	return ids
}

// accepted returns the ids of the accepted accounts, in configured order.
func (l *leaders) accepted(ctx context.Context) []string {
	l.ensure(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, s := range l.states {
		if s.Problem == "" {
			ids = append(ids, s.UserID)
		}
	}
	return ids
}

func (l *leaders) update(ctx context.Context) error { return l.load(ctx, false) }

// load resolves the leaders; with once, only when no refresh has run yet
// (also not one that a concurrent call has just finished).
func (l *leaders) load(ctx context.Context, once bool) error {
	if l.chat == nil {
		l.mu.Lock()
		l.loaded = true
		l.mu.Unlock()
		return nil
	}
	l.refresh.Lock()
	defer l.refresh.Unlock()
	l.mu.Lock()
	if once && l.loaded {
		l.mu.Unlock()
		return nil
	}
	previous := map[string]LeaderState{}
	for _, s := range l.states {
		previous[s.Username] = s
	}
	wasLeader := l.ids
	l.mu.Unlock()

	var firstErr error
	ids := map[string]bool{}
	states := make([]LeaderState, 0, len(l.names))
	for _, name := range l.names {
		s, err := l.resolve(ctx, name)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			// The chat server could not be asked: what was known holds.
			prev, ok := previous[name]
			if !ok {
				prev = LeaderState{Username: name}
			}
			if prev.Problem == "" && wasLeader[prev.UserID] {
				s = prev
			} else {
				s = LeaderState{Username: name, UserID: prev.UserID, Problem: LeaderUnreachable}
			}
		}
		if s.Problem == "" {
			ids[s.UserID] = true
		} else if previous[name] != s {
			// Said once per change, not at every refresh.
			l.logger.Warn(l.role+" refused", slog.String("username", name),
				slog.String("user_id", s.UserID), slog.String("problem", s.Problem), slog.Any("error", err))
		}
		states = append(states, s)
	}
	l.mu.Lock()
	l.ids, l.states, l.loaded = ids, states, true
	l.mu.Unlock()
	return firstErr
}

// resolve finds a configured person's account: the stored one, else the
// one that has the username now, which is stored only when it passes
// the checks. The error is a failure to ask, never a refusal.
func (l *leaders) resolve(ctx context.Context, name string) (LeaderState, error) {
	s := LeaderState{Username: name}
	id, stored, err := l.settings.Setting(ctx, l.key(name))
	if err != nil {
		return s, err
	}
	var u ambitiebot.User
	if stored {
		s.UserID = id
		if u, err = l.chat.User(ctx, id); err != nil {
			if ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND {
				s.Problem = LeaderGone
				return s, nil
			}
			return s, err
		}
	} else if u, err = l.chat.UserByUsername(ctx, name); err != nil {
		if ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND {
			s.Problem = LeaderNotFound
			return s, nil
		}
		return s, err
	}
	s.UserID = u.ID
	switch {
	case u.Guest():
		s.Problem = LeaderGuest
	case len(l.domains) > 0 && !l.inDomains(u):
		s.Problem = LeaderDomain
	}
	if stored || s.Problem != "" {
		return s, nil
	}
	// The first account accepted for a name keeps it, also when two
	// refreshes race.
	if s.UserID, err = l.settings.SetSettingIfAbsent(ctx, l.key(name), u.ID); err != nil {
		return LeaderState{Username: name}, err
	}
	if s.UserID != u.ID {
		return l.resolve(ctx, name)
	}
	return s, nil
}

func (l *leaders) inDomains(u ambitiebot.User) bool {
	_, ok := ambitiebot.MatchDomain(u.Email, l.domains)
	return ok && l.trusts(u)
}
