package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func (h *harness) run(args ...string) (string, error) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut, h.getenv)
	return out.String() + errOut.String(), err
}

// thirdTuesday is the oracle: walk the month's days.
func thirdTuesday(year int, month time.Month, loc *time.Location) time.Time {
	n := 0
	for d := 1; ; d++ {
		t := time.Date(year, month, d, 10, 0, 0, 0, loc)
		if t.Weekday() == time.Tuesday {
			if n++; n == 3 {
				return t
			}
		}
	}
}

func TestScheduleJSON(t *testing.T) {
	var out bytes.Buffer
	getenv := func(string) (string, bool) { return "", false }
	if err := run(context.Background(), []string{"schedule", "--from", "2027-01-01", "--count", "200", "--json"},
		strings.NewReader(""), &out, &out, getenv); err != nil {
		t.Fatal(err, out.String())
	}
	var events []struct{ Kind, At string }
	if err := json.Unmarshal(out.Bytes(), &events); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	var meetings []time.Time
	var last time.Time
	for _, ev := range events {
		at, err := time.Parse(time.RFC3339, ev.At)
		if err != nil {
			t.Fatalf("%q is not RFC 3339: %v", ev.At, err)
		}
		if at.Before(last) {
			t.Errorf("events out of order at %s", ev.At)
		}
		last = at
		_, offset := at.Zone()
		if _, want := at.In(loc).Zone(); offset != want {
			t.Errorf("%s does not carry the local offset", ev.At)
		}
		if ev.Kind == "meeting" {
			meetings = append(meetings, at)
		}
	}
	if len(meetings) < 24 {
		t.Fatalf("only %d meetings in 200 events", len(meetings))
	}
	for i, m := range meetings {
		month := time.Month(i%12 + 1)
		want := thirdTuesday(2027+i/12, month, loc)
		if !m.Equal(want) {
			t.Errorf("meeting %d = %s, want %s", i, m, want)
		}
	}
}

func TestRemindAndAwarenessCLI(t *testing.T) {
	h := newHarness(t, "")
	h.cmd("jan", "3.2 gereed")
	dry, err := h.run("remind", "--dry-run")
	if err != nil {
		t.Fatal(err, dry)
	}
	if !strings.Contains(dry, "Herinnering: werkgroepvergadering") || !strings.Contains(dry, "===== channel:drenthe/werkgroep-ondermijning =====") {
		t.Errorf("dry run output:\n%s", dry)
	}
	before := len(h.world.Posts(h.world.WorkingGroup.Id))
	out, err := h.run("remind")
	if err != nil || !strings.Contains(out, "gaat nu uit") {
		t.Fatalf("remind: %v\n%s", err, out)
	}
	if got := len(h.world.Posts(h.world.WorkingGroup.Id)); got != before+1 {
		t.Errorf("working group got %d new posts, want 1", got-before)
	}
	out, err = h.run("remind")
	if err != nil || !strings.Contains(out, "is al verstuurd") {
		t.Errorf("second remind: %v\n%s", err, out)
	}
	if got := len(h.world.Posts(h.world.WorkingGroup.Id)); got != before+1 {
		t.Errorf("a second remind posted again")
	}

	list, err := h.run("awareness", "list")
	if err != nil || !strings.Contains(list, "→ drugsafval") {
		t.Errorf("awareness list: %v\n%s", err, list)
	}
	out, err = h.run("awareness", "send")
	if err != nil || !strings.Contains(out, "Bericht drugsafval gaat nu naar 17 van de 17") {
		t.Fatalf("awareness send: %v\n%s", err, out)
	}
	out, err = h.run("awareness", "send", "--id", "drugsafval")
	if err != nil || !strings.Contains(out, "er komt niets dubbel") {
		t.Errorf("second send: %v\n%s", err, out)
	}
	for ref, ch := range h.world.Channels {
		if ref == workingGroup {
			continue
		}
		if n := len(h.world.Posts(ch.Id)); n != 1 {
			t.Errorf("%s has %d posts, want 1", ref, n)
		}
	}
	list, _ = h.run("awareness", "list")
	if !strings.Contains(list, "→ schuren") {
		t.Errorf("rotation did not move on:\n%s", list)
	}
	status, err := h.run("status")
	if err != nil || !strings.Contains(status, "reminder") || !strings.Contains(status, "Berichten in de wachtrij: 0") {
		t.Errorf("status: %v\n%s", err, status)
	}
}

// A few 500s and a 429 do not leave posts for the running bot: awareness
// send keeps delivering as the retries fall due, each post exactly once.
func TestAwarenessSendDeliversThroughFailures(t *testing.T) {
	h := newHarness(t, "")
	h.stop() // only the command line delivers
	h.world.Fail("POST /api/v4/posts", 3, 500)
	h.world.Fail("GET /api/v4/teams/name/{team}/channels/name/{channel}", 1, 429)
	out, err := h.run("awareness", "send", "--wait", "1m")
	if err != nil {
		t.Fatalf("awareness send: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Ronde 2:") || !strings.Contains(out, "Afgeleverd: 17. Er staat niets meer in de wachtrij.") {
		t.Errorf("awareness send did not deliver everything in several passes:\n%s", out)
	}
	for ref, ch := range h.world.Channels {
		if ref == workingGroup {
			continue
		}
		if n := len(h.world.Posts(ch.Id)); n != 1 {
			t.Errorf("%s has %d posts, want 1", ref, n)
		}
	}
}

// A server that keeps failing: remind gives up within its bound and
// names what is left, why and when the running bot tries again.
func TestRemindSaysWhatIsLeft(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	h.world.Fail("POST /api/v4/posts", 1000, 500)
	h.env["AMBITIEBOT_LANG"] = "en"
	start := time.Now()
	out, err := h.run("remind", "--wait", "3s")
	if err != nil {
		t.Fatalf("remind: %v\n%s", err, out)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("remind --wait 3s took %s", took)
	}
	for _, want := range []string{
		"Pass 1: 0 delivered,",
		"Pass 2: 0 delivered,",
		"Delivered: 0. Still queued:",
		"drenthe/werkgroep-ondermijning",
		"create post: HTTP 500; the running bot tries again from ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("remind output lacks %q:\n%s", want, out)
		}
	}
	t.Log(out)
}

// The failure notice says: add the bot and send the message again; only
// what is missing is delivered. Sending again does exactly that.
func TestAwarenessSendAgainDeliversWhatFailed(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	emmen := h.world.Channels["emmen/town-square"]
	h.world.RemoveMember(emmen.Id, h.world.Bot.Id)
	if out, err := h.run("awareness", "send", "--id", "drugsafval", "--wait", "0"); err != nil {
		t.Fatalf("awareness send: %v\n%s", err, out)
	}
	if n := len(h.world.Posts(emmen.Id)); n != 0 {
		t.Fatalf("%d posts in a channel the bot is not in", n)
	}
	h.world.AddMember(emmen.Id, h.world.Bot.Id)
	if out, err := h.run("awareness", "send", "--id", "drugsafval", "--wait", "0"); err != nil {
		t.Fatalf("awareness send again: %v\n%s", err, out)
	}
	for ref, ch := range h.world.Channels {
		if ref == workingGroup {
			continue
		}
		if n := len(h.world.Posts(ch.Id)); n != 1 {
			t.Errorf("%s has %d posts, want 1", ref, n)
		}
	}
}
