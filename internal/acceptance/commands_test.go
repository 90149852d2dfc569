package acceptance

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains(t testing.TB, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: reply\n%s\ndoes not contain %q", what, got, want)
	}
}

// (c) Every /ambitie command, as a Dutch-speaking member types it.
func testCommandsDutch(t *testing.T, w *world) {
	jan := w.person(t, "jan.devries")
	contains(t, "help", jan.cmd(t, w, "help"), "/ambitie 3.2 gereed")
	contains(t, "no arguments", jan.cmd(t, w, ""), "/ambitie mijn")

	contains(t, "set", jan.cmd(t, w, "3.2 gereed Bibob-beleid vastgesteld door de raad"),
		"Gemeente Emmen: ambitie 3.2 staat nu op **Gereed** (was: Niet gestart)")
	contains(t, "same again", jan.cmd(t, w, "3,2 GEREED Bibob-beleid vastgesteld door de raad"), "Er is niets gewijzigd")

	show := jan.cmd(t, w, "3.2")
	contains(t, "3.2", show, "De partijen beschikken over een actueel Bibob-beleid.")
	contains(t, "3.2", show, "- **Gemeente Emmen**: Gereed")
	if n := strings.Count(show, "\n- **"); n != 17 {
		t.Errorf("/ambitie 3.2 lists %d organisations, want 17", n)
	}
	contains(t, "mijn", jan.cmd(t, w, "mijn"), "Gemeente Emmen — 1 van 27 ambities gereed")
	overview := jan.cmd(t, w, "overzicht")
	contains(t, "overzicht", overview, "| Gemeente Emmen | 1 |")
	contains(t, "overzicht thema 3", jan.cmd(t, w, "overzicht thema 3"), "thema 3")
	contains(t, "overzicht assen", jan.cmd(t, w, "overzicht assen"), "Gemeente Assen — 0 van 27")
	contains(t, "historie", jan.cmd(t, w, "historie 3.2"), "**Gemeente Emmen**: Niet gestart → **Gereed** (@jan.devries)")
	contains(t, "geschiedenis", jan.cmd(t, w, "geschiedenis 3.2 emmen"), "(@jan.devries)")
	contains(t, "vergadering", jan.cmd(t, w, "vergadering"), w.publicURL()+"/agenda.ics")

	// A project leader acts for another organisation, links a user,
	// previews the awareness message.
	pieter := w.person(t, "pieter.mulder")
	contains(t, "leader sets", pieter.cmd(t, w, "assen 1.1 in-uitvoering plan in de maak"),
		"Gemeente Assen: ambitie 1.1 staat nu op **In uitvoering**")
	contains(t, "koppel", pieter.cmd(t, w, "koppel @ruud.visser meppel"), "Gemeente Meppel")
	ruud := w.person(t, "ruud.visser")
	contains(t, "linked user sets", ruud.cmd(t, w, "2.1 bezig"), "Gemeente Meppel: ambitie 2.1 staat nu op **In uitvoering**")
	contains(t, "bericht", pieter.cmd(t, w, "bericht"), "")
}

// (c) The same in English: replies in the user's Mattermost language.
func testCommandsEnglish(t *testing.T, w *world) {
	john := w.person(t, "john.smith")
	contains(t, "help", john.cmd(t, w, "help"), "progress of the Drentse aanpak ondermijning")
	contains(t, "set", john.cmd(t, w, "1.2 done"), "Gemeente Tynaarlo: ambition 1.2 is now **Done**")
	contains(t, "mine", john.cmd(t, w, "mine"), "Gemeente Tynaarlo")
	contains(t, "overview", john.cmd(t, w, "overview"), "| Gemeente Tynaarlo |")
	contains(t, "history", john.cmd(t, w, "history 1.2"), "(@john.smith)")
	contains(t, "meeting", john.cmd(t, w, "meeting"), "The next working-group meeting is on")
	contains(t, "show", john.cmd(t, w, "1.2"), "In raising awareness of and countering subversive crime")
}

// (c) Bad input is answered in the user's language and changes nothing.
func testBadInput(t *testing.T, w *world) {
	jan, john, anna := w.person(t, "jan.devries"), w.person(t, "john.smith"), w.person(t, "anna.bakker")
	kees := w.person(t, "kees.jansen")
	before := jan.cmd(t, w, "historie 3.3")
	// What earlier steps asked for (a chart) may still be on its way.
	feedBefore := w.quietFeed(t)
	cases := []struct {
		p          *person
		text, want string
	}{
		{jan, "9.9 gereed", "Ambitie 9.9 bestaat niet."},
		{john, "9.9 done", "Ambition 9.9 does not exist."},
		{jan, "3.3 knelpunt", "Bij een knelpunt hoort een toelichting"},
		{john, "3.3 knelpunt", "A blocked ambition needs an explanation"},
		{jan, "3.3 vliegt", "‘vliegt’ is geen status."},
		{john, "3.3 flies", "‘flies’ is not a status."},
		{jan, "fietsen", "‘fietsen’ ken ik niet."},
		{john, "cycling", "I do not know ‘cycling’."},
		{jan, "assen 3.3 gereed", "Je mag alleen de voortgang van je eigen organisatie bijwerken"},
		{anna, "rapport", "Dit kan alleen een projectleider."},
		{kees, "3.3 gereed", "niet aan een deelnemende organisatie gekoppeld"},
		{john, "report", "Only a project leader can do this."},
		{jan, "3.3 gereed " + strings.Repeat("x", 600), "De toelichting is te lang"},
	}
	for _, c := range cases {
		contains(t, c.p.Username+" /ambitie "+c.text[:min(len(c.text), 20)], c.p.cmd(t, w, c.text), c.want)
	}
	if after := jan.cmd(t, w, "historie 3.3"); after != before {
		t.Errorf("bad input changed the history of 3.3:\n%s", after)
	}
	time.Sleep(time.Second)
	if feed := w.feed(t); len(feed) != feedBefore {
		var msgs []string
		for _, p := range feed[feedBefore:] {
			msgs = append(msgs, p.Message)
		}
		t.Errorf("bad input made %d feed posts: %q", len(feed)-feedBefore, msgs)
	}
}

// A command while the bot's own address is at the server's rate limit
// (during a broadcast, say) is still answered, in the user's language.
func testCommandRateLimited(t *testing.T, w *world) {
	// Neither has used the bot yet: it must look them up.
	asks := []struct{ user, want string }{
		{"lisa.brown", "- **Waterschap Vechtstromen**: Not started"},
		{"sanne.degroot", "- **Waterschap Hunze en Aa's**: Niet gestart"},
	}
	// Empty the bot's bucket, as a broadcast from the bot's host does:
	// the bot's first lookup gets 429, waits out Retry-After and answers.
	for range 120 {
		if resp, err := http.Get(w.srv.URL + "/api/v4/system/ping"); err == nil {
			resp.Body.Close()
		}
	}
	var failed []string
	for _, a := range asks {
		r := w.person(t, a.user).cmd(t, w, "1.1")
		if strings.Contains(r, "Er ging iets mis") || strings.Contains(r, "Something went wrong") {
			failed = append(failed, a.user)
			continue
		}
		contains(t, a.user+" 1.1 while limited", r, a.want)
	}
	// The bot's address gets room again for the scenarios after this.
	time.Sleep(11 * time.Second)
	if len(failed) > 0 {
		lines := w.logLines("429", "command")
		if len(lines) > 2 {
			lines = lines[:2]
		}
		t.Errorf("%v got the internal-error sentence because the bot's lookup got HTTP 429, instead of waiting the second the server asks for:\n%s",
			failed, strings.Join(lines, "\n"))
	}
}

// quietFeed waits until no new post has come into the working-group
// channel for two seconds, and returns how many there are.
func (w *world) quietFeed(t testing.TB) int {
	t.Helper()
	n, since := len(w.feed(t)), time.Now()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		if m := len(w.feed(t)); m != n {
			n, since = m, time.Now()
		} else if time.Since(since) >= 2*time.Second {
			return n
		}
	}
	return n
}
