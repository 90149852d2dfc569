package workgroup_test

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/shared/markdown"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// syncBuffer collects log lines from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixedMeetings has one meeting a week after now and one a week before.
type fixedMeetings struct{ next, prev time.Time }

func (m fixedMeetings) NextMeeting(time.Time) time.Time     { return m.next }
func (m fixedMeetings) PreviousMeeting(time.Time) time.Time { return m.prev }
func (m fixedMeetings) PreviousReport(time.Time) time.Time  { return time.Time{} }

// trustEnv is the working group on a simulated Mattermost: the bot's real
// chat adapter, a real database and the shipped sentences. The project
// leader is pieter (pieter@drenthe.nl); everyone is e-mail-verified
// unless a test changes that.
type trustEnv struct {
	w      *mmsim.World
	chat   *mattermost.Client
	signer *mattermost.Signer
	db     *sqlite.DB
	tr     *i18n.Translator
	conf   workgroup.Config
	app    *workgroup.App
	now    time.Time
}

func newTrustEnv(t *testing.T, change func(*workgroup.Config)) *trustEnv {
	t.Helper()
	w := mmsim.NewWorld("drenthe/werkgroep", nil, []mmsim.Person{
		{Username: "jan", Email: "jan@emmen.nl", Locale: "nl"},
		{Username: "john", Email: "john@emmen.nl", Locale: "en"},
		{Username: "pieter", Email: "pieter@drenthe.nl", Locale: "nl"},
	})
	t.Cleanup(w.Close)
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	signer := mattermost.NewSigner([]byte("test secret of thirty-two bytes!"), func() time.Time { return now })
	// A nanosecond cache: every lookup sees the simulator's users as
	// they are now.
	chat := mattermost.New(w.URL(), w.BotToken, mattermost.Options{
		UserTTL: time.Nanosecond, Logger: slog.New(slog.DiscardHandler),
		ActionURL: "http://bot.example/action", DialogURL: "http://bot.example/dialog", Signer: signer,
	})
	cat, err := ambitiebot.NewCatalogue(
		[]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving"}},
		[]ambitiebot.Ambition{{ID: "3.2", Text: "Bibob-beleid vastgesteld", AppliesTo: []ambitiebot.OrgKind{ambitiebot.KindMunicipality}}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := ambitiebot.NewOrganisations([]ambitiebot.Organisation{
		{Key: "emmen", Name: "Gemeente Emmen", Kind: ambitiebot.KindMunicipality, Domains: []string{"emmen.nl"}},
		{Key: "provincie-drenthe", Name: "Provincie Drenthe", Kind: ambitiebot.KindProvince, Domains: []string{"drenthe.nl"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t)
	db.Now = func() time.Time { return now }
	e := &trustEnv{w: w, chat: chat, signer: signer, db: db, tr: tr, now: now}
	e.conf = workgroup.Config{
		Catalogue: cat, Organisations: orgs, Store: db, Chat: chat, Tr: tr,
		Now: func() time.Time { return now }, Location: time.UTC,
		Calendar:            fixedMeetings{next: now.Add(7 * 24 * time.Hour), prev: now.Add(-7 * 24 * time.Hour)},
		Neutralize:          mattermost.Neutralize,
		Logger:              slog.New(slog.DiscardHandler),
		WorkingGroupChannel: "drenthe/werkgroep", ActivityFeed: true,
		ProjectLeaders: []string{"pieter"},
		// Mattermost never tells the bot whether another user's address
		// is verified: in these worlds users cannot change their address.
		TrustUnverifiedEmail: true,
	}
	if change != nil {
		change(&e.conf)
	}
	e.app = workgroup.New(e.conf)
	return e
}

func (e *trustEnv) person(name string, email string, change func(*model.User)) *model.User {
	u := e.w.AddUser(name, email, "nl")
	e.w.AddMember(e.w.WorkingGroup.Id, u.Id)
	if change != nil {
		e.w.UpdateUser(u.Id, change)
	}
	return u
}

// cmd runs /ambitie text as a user and returns the reply.
func (e *trustEnv) cmd(t *testing.T, userID, text string) string {
	t.Helper()
	resp := e.app.Handle(context.Background(), workgroup.Request{UserID: userID, Text: text})
	return strings.Join(resp.Texts, "\n")
}

func (e *trustEnv) changes(t *testing.T) []ambitiebot.Change {
	t.Helper()
	cs, err := e.db.FindChanges(context.Background(), ambitiebot.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (e *trustEnv) deliveries(t *testing.T, kind string) []ambitiebot.Delivery {
	t.Helper()
	ds, err := e.db.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestMembershipTrustModel: an e-mail domain places a user in an
// organisation only when Mattermost vouches for the address (verified, or
// a single sign-on account), or when the operator trusts unverified
// addresses; a guest's address never; a project leader's link always.
// A refused user is told why and what to ask for.
func TestMembershipTrustModel(t *testing.T) {
	unverified := func(u *model.User) { u.EmailVerified = false }
	for _, trust := range []bool{false, true} {
		e := newTrustEnv(t, func(c *workgroup.Config) { c.TrustUnverifiedEmail = trust })
		// Mattermost shows the auth service to a system admin only.
		e.w.SetSystemAdmin(e.w.Bot.Id, true)
		// jan's address is verified on the server, but no API call tells
		// the bot so (Mattermost drops EmailVerified from every profile
		// but one's own): it counts only as an unverified one.
		verified := e.w.People["jan"]
		sso := e.person("ldapuser", "ldap.user@emmen.nl", func(u *model.User) {
			u.EmailVerified, u.AuthService = false, model.UserAuthServiceLdap
		})
		selfChosen := e.person("mallory", "x@mail.attacker.emmen.nl", unverified)
		guest := e.person("gast", "gast@emmen.nl", func(u *model.User) { u.Roles = model.SystemGuestRoleId })
		linkedGuest := e.person("gast2", "gast2@gmail.com", func(u *model.User) { u.Roles = model.SystemGuestRoleId })

		unverifiedSentence := e.tr.T("nl", "ErrUnverifiedEmail", map[string]any{"Org": "Gemeente Emmen"})
		guestSentence := e.tr.T("nl", "ErrGuestNoOrganisation", nil)
		for _, c := range []struct {
			who  *model.User
			want string // "" means the update is made
		}{
			{verified, map[bool]string{false: unverifiedSentence, true: ""}[trust]},
			{sso, ""},
			{selfChosen, map[bool]string{false: unverifiedSentence, true: ""}[trust]},
			{guest, guestSentence},
		} {
			before := len(e.changes(t))
			got := e.cmd(t, c.who.Id, "3.2 in-uitvoering")
			changed := len(e.changes(t)) > before
			switch {
			case c.want == "" && !changed:
				t.Errorf("trust_unverified_email=%v: %s (%s) was refused: %q", trust, c.who.Username, c.who.Email, got)
			case c.want != "" && (changed || got != c.want):
				t.Errorf("trust_unverified_email=%v: %s (%s): changed=%v, reply %q; want refused with %q", trust, c.who.Username, c.who.Email, changed, got, c.want)
			}
			// Undo, so that the next member's update is a change again.
			if changed {
				e.cmd(t, e.w.People["pieter"].Id, "emmen 3.2 niet-gestart")
			}
		}
		// Naming the organisation does not help a refused member, and
		// asking for their own progress says why too.
		if got := e.cmd(t, guest.Id, "emmen 3.2 gereed"); got != guestSentence {
			t.Errorf("guest naming the organisation: %q", got)
		}
		if got := e.cmd(t, guest.Id, "mijn"); got != guestSentence {
			t.Errorf("guest asking for their progress: %q", got)
		}

		// A project leader's link counts, even for a guest.
		if got := e.cmd(t, e.w.People["pieter"].Id, "koppel @gast2 emmen"); !strings.Contains(got, "gast2") {
			t.Fatalf("link: %q", got)
		}
		before := len(e.changes(t))
		if got := e.cmd(t, linkedGuest.Id, "3.2 gereed"); len(e.changes(t)) != before+1 {
			t.Errorf("linked guest refused: %q", got)
		}

		// The doctor's count: ldapuser is admitted by SSO and gast2 by the
		// link; jan, john, pieter and mallory by an address the bot cannot
		// see verified, so only when unverified addresses are trusted;
		// gast never.
		a, err := e.app.Admissions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := workgroup.Admissions{Link: 1, SSO: 1, Unverified: 4, Guests: 1, Refused: 1, Members: 7, RefusedNames: []string{"gast"}}
		if !trust {
			want.Refused = 5
			want.RefusedNames = []string{"jan", "john", "pieter", "mallory", "gast"}
		}
		slices.Sort(a.RefusedNames)
		slices.Sort(want.RefusedNames)
		if !reflect.DeepEqual(a, want) {
			t.Errorf("trust_unverified_email=%v: Admissions = %+v, want %+v", trust, a, want)
		}
	}
}

// TestProjectLeadersByUserID: project leaders are recognised by the
// account their username had when it was first resolved and checked, not
// by whoever has the name now.
func TestProjectLeadersByUserID(t *testing.T) {
	ctx := context.Background()
	var logs syncBuffer
	e := newTrustEnv(t, func(c *workgroup.Config) {
		c.ProjectLeaders = []string{"pieter", "pl.nieuw"}
		c.ProjectLeadersDomains = []string{"drenthe.nl"}
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.TrustUnverifiedEmail = false
	})
	pieter := e.w.People["pieter"]
	// pieter signs in through SSO, which the bot (a system admin here)
	// can see; an address alone it cannot see verified.
	e.w.SetSystemAdmin(e.w.Bot.Id, true)
	e.w.UpdateUser(pieter.Id, func(u *model.User) { u.AuthService = model.UserAuthServiceSaml })
	isLeader := func(userID string) bool {
		t.Helper()
		// Only a project leader may link someone.
		return !strings.Contains(e.cmd(t, userID, "koppel @jan emmen"), e.tr.T("nl", "ErrLeadersOnly", nil))
	}
	if err := e.app.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	wantStates := func(want ...workgroup.LeaderState) {
		t.Helper()
		got := e.app.Leaders(ctx)
		if len(got) != len(want) {
			t.Fatalf("Leaders = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("Leaders[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
	wantStates(workgroup.LeaderState{Username: "pieter", UserID: pieter.Id},
		workgroup.LeaderState{Username: "pl.nieuw", Problem: workgroup.LeaderNotFound})
	if !isLeader(pieter.Id) {
		t.Fatal("pieter is not a project leader")
	}
	// The missing leader is named in the log, once, not at every refresh.
	if err := e.app.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "username=pl.nieuw"); n != 1 {
		t.Errorf("the missing leader is logged %d times, want once:\n%s", n, logs.String())
	}

	// Someone claims the configured name that has no account yet, with an
	// address of the province that nobody verified: not a leader before
	// the next refresh, nor after it.
	claimer := e.person("pl.nieuw", "pl.nieuw@drenthe.nl", func(u *model.User) { u.EmailVerified = false })
	if isLeader(claimer.Id) {
		t.Fatal("a new account with a leader's name acts as project leader before any refresh")
	}
	if err := e.app.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	if isLeader(claimer.Id) {
		t.Fatal("a claimed leader name with an unverified address became project leader")
	}
	wantStates(workgroup.LeaderState{Username: "pieter", UserID: pieter.Id},
		workgroup.LeaderState{Username: "pl.nieuw", UserID: claimer.Id, Problem: workgroup.LeaderDomain})

	// The real leader renames their account and someone takes the old name,
	// even with a verified address in the right domain: the leader stays
	// the leader, the newcomer gains nothing.
	e.w.UpdateUser(pieter.Id, func(u *model.User) { u.Username = "pieter.old" })
	impostor := e.person("pieter", "p.impostor@drenthe.nl", nil)
	if err := e.app.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	if isLeader(impostor.Id) || !isLeader(pieter.Id) {
		t.Fatalf("after a rename: impostor leader = %v, renamed leader = %v", isLeader(impostor.Id), isLeader(pieter.Id))
	}

	// While Mattermost fails, an accepted leader stays one and a refused
	// one stays refused.
	for _, route := range []string{"GET /api/v4/users/{id}", "GET /api/v4/users/username/{name}"} {
		e.w.Fail(route, 100, http.StatusInternalServerError)
	}
	if err := e.app.RefreshLeaders(ctx); err == nil {
		t.Fatal("RefreshLeaders hides a failing chat server")
	}
	wantStates(workgroup.LeaderState{Username: "pieter", UserID: pieter.Id},
		workgroup.LeaderState{Username: "pl.nieuw", UserID: claimer.Id, Problem: workgroup.LeaderUnreachable})
	for _, route := range []string{"GET /api/v4/users/{id}", "GET /api/v4/users/username/{name}"} {
		e.w.Fail(route, 0, 0)
	}

	// A leader whose account becomes a guest loses the role at the next
	// refresh.
	e.w.UpdateUser(pieter.Id, func(u *model.User) { u.Roles = model.SystemGuestRoleId })
	if err := e.app.RefreshLeaders(ctx); err != nil {
		t.Fatal(err)
	}
	if isLeader(pieter.Id) {
		t.Fatal("a guest account is a project leader")
	}

	// A second App on the same database (a restart) keeps the stored ids.
	e.w.UpdateUser(pieter.Id, func(u *model.User) { u.Roles = model.SystemUserRoleId })
	e.app = workgroup.New(e.conf)
	if isLeader(impostor.Id) || !isLeader(pieter.Id) {
		t.Fatal("after a restart the leader is found by name again")
	}
}

// TestDialogStateIsSingleUse: one opened dialog stores one change,
// however often its state is submitted.
func TestDialogStateIsSingleUse(t *testing.T) {
	ctx := context.Background()
	e := newTrustEnv(t, nil)
	jan := e.w.People["jan"]
	resp := e.app.Handle(ctx, workgroup.Request{UserID: jan.Id, TriggerID: e.w.NewTriggerID(), Text: "bijwerken"})
	opened := e.w.DialogsOpened()
	if len(opened) != 1 {
		t.Fatalf("/ambitie bijwerken opened %d dialogs: %q", len(opened), resp.Texts)
	}
	state, err := e.signer.VerifyState(opened[0].Dialog.State, jan.Id)
	if err != nil {
		t.Fatal(err)
	}
	submission := map[string]string{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: "Wacht op het college"}
	var wg sync.WaitGroup
	results := make([]workgroup.ActionResult, 40)
	for i := range results {
		wg.Go(func() { results[i] = e.app.Submit(ctx, jan.Id, state, submission) })
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		switch {
		case r.Outcome == "ok":
			ok++
		case r.Error != e.tr.T("nl", "ActionsErrDialogUsed", nil):
			t.Errorf("replayed submission: %+v", r)
		}
	}
	if ok != 1 || len(e.changes(t)) != 1 || len(e.deliveries(t, "feed")) != 1 {
		t.Fatalf("40 submissions of one dialog: %d accepted, %d changes, %d feed posts; want 1 each",
			ok, len(e.changes(t)), len(e.deliveries(t, "feed")))
	}

	// A state without a nonce (signed, but not by an opened dialog) counts
	// for nothing.
	delete(state, "nonce")
	if r := e.app.Submit(ctx, jan.Id, state, submission); r.Outcome == "ok" {
		t.Fatalf("state without a nonce accepted: %+v", r)
	}
}

// TestActionsAreRateLimited: clicks and dialog submissions count against
// the same per-user limit as commands.
func TestActionsAreRateLimited(t *testing.T) {
	ctx := context.Background()
	e := newTrustEnv(t, func(c *workgroup.Config) { c.CommandsPerMinute = 3 })
	jan := e.w.People["jan"]
	fields := map[string]string{ambitiebot.ContextUser: jan.Id, ambitiebot.ContextOrg: "emmen", ambitiebot.ContextAmbition: "3.2"}
	var outcomes []string
	for _, st := range []string{"gereed", "in-uitvoering", "gereed", "in-uitvoering"} {
		outcomes = append(outcomes, e.app.Click(ctx, jan.Id, "", fields, st).Outcome)
	}
	state := map[string]string{ambitiebot.ContextUser: jan.Id, ambitiebot.ContextOrg: "emmen", "nonce": "n1"}
	r := e.app.Submit(ctx, jan.Id, state, map[string]string{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "gereed"})
	outcomes = append(outcomes, r.Outcome)
	want := []string{"ok", "ok", "ok", workgroup.OutcomeRateLimited, workgroup.OutcomeRateLimited}
	if strings.Join(outcomes, " ") != strings.Join(want, " ") || len(e.changes(t)) != 3 || r.Error == "" {
		t.Fatalf("outcomes %q, %d changes, dialog error %q; want %q and 3 changes", outcomes, len(e.changes(t)), r.Error, want)
	}
	// Commands share the limit, and a flood over it costs the chat
	// server nothing.
	calls := e.w.Calls()
	for range 20 {
		if resp := e.app.Handle(ctx, workgroup.Request{UserID: jan.Id, Text: "mijn"}); resp.Outcome != workgroup.OutcomeRateLimited {
			t.Fatalf("command over the limit: %+v", resp)
		}
	}
	if n := e.w.Calls() - calls; n != 0 {
		t.Errorf("20 commands over the limit made %d calls to Mattermost", n)
	}
}

// hostile is a toelichting that would render as an image (a tracking
// pixel), a disguised link, bold text and notify a user and a group.
const hostile = "zie ![x](http://e/p.png) en [phish](http://e) **bold** @jan @team-vergunningen"

// checkInert fails when text, as Mattermost renders it, shows the hostile
// toelichting as anything but literal text.
func checkInert(t *testing.T, where, text string) {
	t.Helper()
	if !strings.Contains(text, "phish") {
		t.Fatalf("%s does not show the toelichting: %q", where, text)
	}
	markdown.Inspect(text, func(node any) bool {
		switch node.(type) {
		case *markdown.InlineImage, *markdown.ReferenceImage, *markdown.InlineLink, *markdown.ReferenceLink:
			t.Errorf("%s renders user text as %T: %q", where, node, text)
		}
		return true
	})
	if !strings.Contains(text, `\*\*bold\*\*`) {
		t.Errorf("%s shows **bold** as Markdown: %q", where, text)
	}
	if !strings.Contains(text, "@\u200bjan") || !strings.Contains(text, "@\u200bteam-vergunningen") {
		t.Errorf("%s leaves mentions live: %q", where, text)
	}
}

// TestUserTextIsInertEverywhere: the private confirmation, the reminder
// and the meeting-day summary show a toelichting as the feed does.
func TestUserTextIsInertEverywhere(t *testing.T) {
	ctx := context.Background()
	e := newTrustEnv(t, nil)
	jan := e.w.People["jan"]
	reply := e.cmd(t, jan.Id, "3.2 knelpunt "+hostile)
	checkInert(t, "the confirmation", reply)
	feed := e.deliveries(t, "feed")
	if len(feed) != 1 {
		t.Fatalf("%d feed posts", len(feed))
	}
	checkInert(t, "the feed", feed[0].Message)

	if err := e.app.Reminder(ctx, e.now); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range e.deliveries(t, "reminder") {
		if d.Target == ambitiebot.ChannelTarget("drenthe/werkgroep") {
			found = true
			checkInert(t, "the reminder", d.Message)
		}
	}
	if !found {
		t.Fatal("no reminder in the working-group channel")
	}
	summary, err := e.app.SummaryText(ctx, e.now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkInert(t, "the summary", summary)
}
