package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The README's "try it" command: a scripted sandbox session sees replies,
// the activity feed, and the reminders that fall due when the clock moves.
func TestSandboxSession(t *testing.T) {
	script := strings.Join([]string{
		"/ambitie 3.2 in-uitvoering concept ligt bij de raad",
		"/ambitie bijwerken",
		":als anna",
		"/ambitie 3.2",
		":als pieter",
		"/ambitie bericht",
		":tijd 2027-01-18 09:30",
		":als nobody",
		"iets",
		":stop",
	}, "\n")
	var out, errOut bytes.Buffer
	getenv := func(k string) (string, bool) { return "", false }
	err := run(context.Background(), []string{"sandbox", "--start", "2027-01-11 14:00"}, strings.NewReader(script), &out, &errOut, getenv)
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"Welkom in de zandbak",
		"Gemeente Emmen: ambitie 3.2 staat nu op **In uitvoering**",
		"[drenthe/werkgroep-ondermijning]",
		"Gemeente Emmen: 3.2 → In uitvoering (door @jan): concept ligt bij de raad",
		"[formulier: ",
		"In Mattermost opent hier een formulier",
		"▸ ",
		"Je bent nu @anna",
		"- **Gemeente Assen**:",
		"Voorbeeld van het bewustwordingsbericht",
		"⏰ 2027-01-12 09:00: Herinnering",
		"⏰ 2027-01-18 09:00: Herinnering",
		"Herinnering: werkgroepvergadering dinsdag 19 januari 2027 om 10:00",
		"direct bericht aan @jan",
		"Het is nu 2027-01-18 09:30.",
		"Gebruiker ‘nobody’ bestaat niet",
		"‘iets’ ken ik niet",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sandbox output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
