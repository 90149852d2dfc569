package cli

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func contains(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("reply %q\ndoes not contain %q", got, want)
	}
}

func TestSetStatusEndToEnd(t *testing.T) {
	h := newHarness(t, "")
	reply := h.cmd("jan", "3.2 gereed Bibob-beleid vastgesteld door de raad")[0]
	contains(t, reply, "Gemeente Emmen: ambitie 3.2 staat nu op **Gereed** (was: Niet gestart)")
	p, ok := h.progress("emmen", "3.2")
	if !ok || p.Status != ambitiebot.StatusDone || p.Note != "Bibob-beleid vastgesteld door de raad" || p.UpdatedBy != h.user("jan").Id {
		t.Fatalf("stored progress = %+v, %v", p, ok)
	}
	// The activity feed: exactly one post by the bot in the working group.
	// Wait for the first post, then a little longer: a second would show.
	h.waitPosts(h.world.WorkingGroup.Id, 1)
	time.Sleep(100 * time.Millisecond)
	posts := h.world.Posts(h.world.WorkingGroup.Id)
	if len(posts) != 1 {
		t.Fatalf("working group has %d posts, want 1", len(posts))
	}
	if posts[0].UserId != h.world.Bot.Id || posts[0].Message != "Gemeente Emmen: 3.2 → Gereed (door @jan): Bibob-beleid vastgesteld door de raad" {
		t.Errorf("feed post = %q by %s", posts[0].Message, posts[0].UserId)
	}

	// Aliases, "3,2", case: the same cell, a new history entry.
	contains(t, h.cmd("jan", "3,2 BEZIG herziening")[0], "**In uitvoering**")
	if n := h.changes(); n != 2 {
		t.Errorf("history has %d changes, want 2", n)
	}
	// The same status and note again changes nothing.
	contains(t, h.cmd("jan", "3.2 in-uitvoering herziening")[0], "Er is niets gewijzigd")
	if n := h.changes(); n != 2 {
		t.Errorf("an unchanged update was recorded: %d changes", n)
	}
}

func TestViewsEndToEnd(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 gereed")
	h.cmd("anna", "3.2 knelpunt wacht op juridisch advies")
	h.cmd("sanne", "1.1 in-uitvoering")

	// /ambitie 3.2: text, who it applies to, own organisation first, one
	// line per organisation with its Dutch status label.
	show := strings.Join(h.cmd("anna", "3.2"), "\n")
	contains(t, show, "De partijen beschikken over een actueel")
	contains(t, show, "Van toepassing op: gemeenten, de provincie en de waterschappen.")
	lines := strings.Split(show, "\n")
	var orgLines []string
	for _, l := range lines {
		if strings.HasPrefix(l, "- **") {
			orgLines = append(orgLines, l)
		}
	}
	if len(orgLines) != 17 {
		t.Fatalf("%d organisation lines, want 17:\n%s", len(orgLines), show)
	}
	if !strings.HasPrefix(orgLines[0], "- **Gemeente Assen**: Knelpunt — wacht op juridisch advies") {
		t.Errorf("own organisation not first: %q", orgLines[0])
	}
	contains(t, show, "- **Gemeente Emmen**: Gereed")
	contains(t, show, "- **Waterschap Vechtstromen**: Niet gestart")

	// 3.4 applies to the province and the water boards only.
	if n := strings.Count(strings.Join(h.cmd("jan", "3.4"), "\n"), "\n- **"); n != 5 {
		t.Errorf("3.4 lists %d organisations, want 5", n)
	}

	mine := strings.Join(h.cmd("jan", "mijn"), "\n")
	contains(t, mine, "Gemeente Emmen — 1 van 27 ambities gereed (3%)")
	if strings.Contains(mine, "niet van toepassing") {
		t.Errorf("mijn explains a 'niet van toepassing' there is none of:\n%s", mine)
	}

	contains(t, mine, "- **3.2**: Gereed")
	contains(t, mine, "**5. Communicatie**")

	overview := strings.Join(h.cmd("riec", "overzicht"), "\n")
	contains(t, overview, "| Gemeente Emmen | 1 | 0 | 0 | 26 | 0 | 3% |")
	contains(t, overview, "| Waterschap Hunze en Aa's | 0 | 1 | 0 | 18 | 0 | 0% |")
	contains(t, overview, "| 3. Wet- en regelgeving, beleid en handhaving |")
	theme := strings.Join(h.cmd("riec", "overzicht thema 3"), "\n")
	contains(t, theme, "Voortgang thema 3")
	contains(t, h.cmd("riec", "overzicht thema 9")[0], "Thema 9 bestaat niet. De thema's zijn: 1 ")
	contains(t, strings.Join(h.cmd("riec", "overzicht assen"), "\n"), "Gemeente Assen — 0 van 27")

	hist := strings.Join(h.cmd("riec", "historie 3.2"), "\n")
	contains(t, hist, "**Gemeente Assen**: Niet gestart → **Knelpunt** (@anna) — wacht op juridisch advies")
	contains(t, hist, "**Gemeente Emmen**: Niet gestart → **Gereed** (@jan)")
	if strings.Index(hist, "Assen") > strings.Index(hist, "Emmen") {
		t.Error("history is not newest first")
	}
	// A change of only the toelichting says so, instead of "Knelpunt → Knelpunt".
	h.cmd("anna", "3.2 knelpunt advies is aangevraagd")
	hist = strings.Join(h.cmd("riec", "historie 3.2"), "\n")
	contains(t, hist, "**Gemeente Assen**: **Knelpunt**, toelichting bijgewerkt (@anna) — advies is aangevraagd")
	histOrg := strings.Join(h.cmd("riec", "historie 3.2 emmen"), "\n")
	if strings.Contains(histOrg, "Assen") {
		t.Error("historie 3.2 emmen shows another organisation")
	}
}

// Niet van toepassing is not counted in mijn's percentage, as in the
// overview's, and mijn says so.
func TestMineCountsAsTheOverview(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 gereed")
	h.cmd("jan", "1.1 nvt wordt door de provincie gedaan")
	mine := strings.Join(h.cmd("jan", "mijn"), "\n")
	contains(t, mine, "Gemeente Emmen — 1 van 26 ambities gereed (3%)")
	contains(t, mine, "1 ambitie is niet van toepassing en telt niet mee.")
	contains(t, strings.Join(h.cmd("jan", "overzicht"), "\n"), "| Gemeente Emmen | 1 | 0 | 0 | 25 | 1 | 3% |")
}

func TestEnglishUser(t *testing.T) {
	h := newHarness(t, "")
	contains(t, h.cmd("john", "1.2 done")[0], "Gemeente Tynaarlo: ambition 1.2 is now **Done**")
	contains(t, h.cmd("john", "")[0], "progress of the Drentse aanpak ondermijning")
	contains(t, h.cmd("john", "9.9")[0], "Ambition 9.9 does not exist")
	// English users type the words they see.
	contains(t, h.cmd("john", "1.4 blocked waiting for the RIEC format")[0], "is now **Blocked**")
	contains(t, h.cmd("john", "1.4 in-progress")[0], "is now **In progress**")
	contains(t, h.cmd("john", "1.3 not-applicable no such service here")[0], "is now **Not applicable**")
	help := h.cmd("john", "help")[0]
	for _, word := range []string{"`/ambitie mine`", "`/ambitie overview`", "`/ambitie history 3.2`", "`blocked`", "`not-applicable`"} {
		contains(t, help, word)
	}
}

func TestProjectLeaderActsAndLinks(t *testing.T) {
	h := newHarness(t, "")
	// Kees's e-mail is on another domain: he can read but not write.
	contains(t, h.cmd("kees", "3.2 gereed")[0], "niet aan een deelnemende organisatie gekoppeld")
	contains(t, h.cmd("jan", "koppel @kees emmen")[0], "Dit kan alleen een projectleider")
	contains(t, h.cmd("pieter", "koppel @kees meppel")[0], "@kees is gekoppeld aan Gemeente Meppel")
	contains(t, h.cmd("kees", "3.2 gereed")[0], "Gemeente Meppel: ambitie 3.2 staat nu op **Gereed**")
	// The project leader acts for any organisation, and for their own.
	contains(t, h.cmd("pieter", "coevorden 1.3 in-uitvoering via de driehoek")[0], "Gemeente Coevorden: ambitie 1.3")
	if p, _ := h.progress("coevorden", "1.3"); p.Status != ambitiebot.StatusInProgress || p.UpdatedByName != "pieter" {
		t.Errorf("coevorden 1.3 = %+v", p)
	}
	contains(t, h.cmd("pieter", "3.4 gereed")[0], "Provincie Drenthe: ambitie 3.4")
	contains(t, h.cmd("pieter", "help")[0], "Voor projectleiders")
}

// Bad input gets a clear answer in the user's language and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t, "")
	cases := []struct{ user, text, want string }{
		{"jan", "9.9 gereed", "Ambitie 9.9 bestaat niet"},
		{"jan", "3.4 gereed", "Ambitie 3.4 is niet van toepassing op Gemeente Emmen"},
		{"jan", "3.2 klaarrr", "‘klaarrr’ is geen status. Kies uit:"},
		{"jan", "3.2 knelpunt", "Bij een knelpunt hoort een toelichting"},
		{"jan", "3.2 nvt", "Bij ‘niet van toepassing’ hoort een toelichting"},
		{"pieter", "atlantis 3.2 gereed", "‘atlantis’ is geen bekende organisatie"},
		{"jan", "assen 3.2 gereed", "Je mag alleen de voortgang van je eigen organisatie bijwerken"},
		{"riec", "3.2 gereed", "niet aan een deelnemende organisatie gekoppeld"},
		{"jan", "3.2 gereed " + strings.Repeat("lang ", 200), "De toelichting is te lang: maximaal 500 tekens"},
		{"jan", strings.Repeat("x", 5000), "Dat is te veel tekst voor één opdracht"},
		{"jan", "hallo wereld", "‘hallo’ ken ik niet"},
		{"jan", "3.x", "is geen ambitienummer"},
		{"pieter", "koppel @niemand emmen", "Gebruiker @niemand is niet gevonden"},
		{"pieter", "bericht verstuur bestaatniet", "bestaatniet"},
	}
	for _, c := range cases {
		got := strings.Join(h.cmd(c.user, c.text), "\n")
		contains(t, got, c.want)
		if strings.Contains(got, "sqlite") || strings.Contains(got, "mattermost:") {
			t.Errorf("raw error reached the user: %q", got)
		}
	}
	if n := h.changes(); n != 0 {
		t.Errorf("bad input made %d changes", n)
	}
	if ds, _ := h.main.DB.FindDeliveries(context.Background(), ambitiebot.DeliveryFilter{}); len(ds) != 0 {
		t.Errorf("bad input queued %d deliveries", len(ds))
	}
}

// Wrong or missing tokens get 401 and change nothing; big bodies 413.
func TestSlashEndpointSecurity(t *testing.T) {
	h := newHarness(t, "")
	endpoint := h.main.HTTP.URL() + "/command"
	send := func(token, text string, header bool) int {
		req := h.world.CommandRequest(endpoint, token, h.user("jan"), h.world.WorkingGroup, text)
		if !header {
			req.Header.Del("Authorization")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, token := range map[string]string{
		"missing": "", "wrong": "cmd-token-for-the-e2e-tests-0123456780", "short": "cmd", "long": testCommandToken + "x",
	} {
		if got := send(token, "3.2 gereed", true); got != http.StatusUnauthorized {
			t.Errorf("%s token: status %d, want 401", name, got)
		}
	}
	if h.changes() != 0 {
		t.Error("a request with a bad token changed something")
	}
	if strings.Contains(h.logs.String(), testCommandToken) {
		t.Error("the command token was logged")
	}
	// The form field alone (without the header) is accepted too.
	if got := send(testCommandToken, "3.2 gereed", false); got != http.StatusOK {
		t.Errorf("form token: status %d", got)
	}
	// An oversized body is refused before anything is parsed.
	form := url.Values{"token": {testCommandToken}, "user_id": {h.user("jan").Id}, "text": {strings.Repeat("a", 70<<10)}}
	resp, err := http.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", resp.StatusCode)
	}
	// Health check answers while the database does.
	resp, err = http.Get(h.main.HTTP.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

// When Mattermost's API fails, the update is still stored and confirmed,
// and the feed post is retried until it is delivered.
func TestMattermostDownKeepsTheUpdate(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "help") // Jan's account is now known to the bot
	// Past the user cache's lifetime: the bot must ask Mattermost again,
	// which fails, and fall back to what it last heard.
	h.clock.Set(h.clock.Now().Add(5 * time.Minute))
	h.world.Fail("GET /api/v4/users/{id}", 100, 503)
	h.world.Fail("POST /api/v4/posts", 3, 502)
	contains(t, h.cmd("jan", "1.1 gereed")[0], "staat nu op **Gereed**")
	if p, _ := h.progress("emmen", "1.1"); p.Status != ambitiebot.StatusDone {
		t.Fatalf("update not stored: %+v", p)
	}
	// Drive the dispatcher past its backoff without waiting for real time.
	for i := 0; i < 20 && len(h.world.Posts(h.world.WorkingGroup.Id)) == 0; i++ {
		h.clock.Set(h.clock.Now().Add(time.Minute))
		if _, err := h.main.Dispatcher.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if posts := h.world.Posts(h.world.WorkingGroup.Id); len(posts) != 1 {
		t.Fatalf("feed posts after recovery: %d, want exactly 1", len(posts))
	}
}

// Echoed user text cannot make the bot notify a whole channel.
func TestMentionsAreNeutralised(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 knelpunt @channel @ALL en @here kijk even")
	posts := h.waitPosts(h.world.WorkingGroup.Id, 1)
	if len(posts) != 1 {
		t.Fatalf("feed posts: %d", len(posts))
	}
	for _, m := range []string{"@channel", "@all", "@here"} {
		if strings.Contains(strings.ToLower(posts[0].Message), m) {
			t.Errorf("feed post %q still mentions %s", posts[0].Message, m)
		}
	}
	show := strings.ToLower(strings.Join(h.cmd("anna", "3.2"), "\n"))
	if strings.Contains(show, "@channel") {
		t.Errorf("view echoes a live @channel: %q", show)
	}
}

func TestShutdownIsGraceful(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "2.1 gereed")
	done := make(chan error, 1)
	go func() { done <- h.main.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close took longer than 10 s")
	}
	h.main = nil
	h.start() // the same database opens again with the update in it
	if p, _ := h.progress("emmen", "2.1"); p.Status != ambitiebot.StatusDone {
		t.Errorf("update lost across a restart: %+v", p)
	}
}

// /ambitie vergadering names the next meeting and the calendar link, and
// the link serves the meetings for calendar apps.
func TestMeetingAndCalendarFeed(t *testing.T) {
	h := newHarness(t, "[meeting]\ncancelled = [2027-02-16]\n")
	reply := h.cmd("jan", "vergadering")[0]
	contains(t, reply, "dinsdag 19 januari 2027 om 10:00")
	contains(t, reply, "https://ambitiebot.example.org/agenda.ics")
	contains(t, h.cmd("john", "vergadering")[0], "Tuesday 19 January 2027 at 10:00")

	resp, err := http.Get(h.main.HTTP.URL() + "/agenda.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	ics := string(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("agenda.ics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "BEGIN:VTIMEZONE", "TZID:Europe/Amsterdam",
		"DTSTART;TZID=Europe/Amsterdam:20270119T100000", "STATUS:CANCELLED"} {
		if !strings.Contains(ics, want) {
			t.Errorf("agenda.ics lacks %q", want)
		}
	}
}
