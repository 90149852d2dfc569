package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return loc
}()

func local(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, amsterdam)
}

// runJob runs a scheduled job's occurrence as the scheduler would at that
// time, and waits until the outbox is delivered.
func (h *harness) runJob(job string, at time.Time) {
	h.t.Helper()
	h.clock.Set(at)
	ran, err := h.main.Scheduler.RunNow(context.Background(), job, at)
	if err != nil || !ran {
		h.t.Fatalf("%s at %s: ran %v, %v", job, at, ran, err)
	}
	h.deliverAll()
}

func (h *harness) deliverAll() {
	h.t.Helper()
	if _, err := h.main.deliverAll(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// postsSince returns the posts not yet in seen, and adds them to it.
func postsSince(h *harness, seen map[string]bool) []*model.Post {
	var out []*model.Post
	for _, p := range h.world.AllPosts() {
		if !seen[p.Id] {
			seen[p.Id] = true
			out = append(out, p)
		}
	}
	return out
}

// The meeting rhythm, driven by the injected clock end to end: the
// reminder before the January meeting, the summary on its morning, the
// awareness post, and the board report in June.
func TestMeetingRhythmEndToEnd(t *testing.T) {
	h := newHarness(t, "")
	seen := map[string]bool{}
	// Before the December meeting (15 December 2026): Emmen and Assen.
	h.clock.Set(local(2026, 12, 10, 12, 0))
	h.cmd("jan", "3.2 gereed")
	h.cmd("anna", "1.1 knelpunt geen capaciteit")
	// After it: only Emmen moves again.
	h.clock.Set(local(2027, 1, 5, 12, 0))
	h.cmd("jan", "3.3 knelpunt wacht op de raad")
	h.deliverAll()
	postsSince(h, seen)

	h.runJob("reminder", local(2027, 1, 12, 9, 0))
	var wgPost string
	dms := map[string]string{}
	for _, p := range postsSince(h, seen) {
		if p.ChannelId == h.world.WorkingGroup.Id {
			wgPost = p.Message
			continue
		}
		ch, _ := h.world.Channel(p.ChannelId)
		for name, u := range h.world.People {
			if strings.Contains(ch.Name, u.Id) {
				dms[name] = p.Message
			}
		}
	}
	contains(t, wgPost, "werkgroepvergadering dinsdag 19 januari 2027 om 10:00")
	contains(t, wgPost, "Nog niets bijgewerkt sinds de vorige vergadering (dinsdag 15 december 2026)")
	contains(t, wgPost, "- Gemeente Assen")
	if strings.Contains(wgPost, "- Gemeente Emmen") {
		t.Errorf("Emmen updated after the previous meeting but is listed as stale:\n%s", wgPost)
	}
	contains(t, wgPost, "- **Gemeente Assen** — 1.1: geen capaciteit")
	contains(t, wgPost, "- **Gemeente Emmen** — 3.3: wacht op de raad")
	for _, who := range []string{"jan", "anna", "john", "pieter", "sanne"} {
		if dms[who] == "" {
			t.Errorf("%s got no reminder DM", who)
		}
	}
	for _, who := range []string{"riec", "kees"} {
		if dms[who] != "" {
			t.Errorf("%s, without an organisation, got a reminder DM", who)
		}
	}
	contains(t, dms["jan"], "Gemeente Emmen")
	contains(t, dms["john"], "Tuesday 19 January 2027")

	// The same occurrence again does nothing.
	if ran, _ := h.main.Scheduler.RunNow(context.Background(), "reminder", local(2027, 1, 12, 9, 0)); ran {
		t.Error("a reminder occurrence ran twice")
	}

	h.runJob("summary", local(2027, 1, 19, 8, 30))
	var summary []string
	for _, p := range postsSince(h, seen) {
		summary = append(summary, p.Message)
	}
	if len(summary) != 1 {
		t.Fatalf("summary posts: %d", len(summary))
	}
	contains(t, summary[0], "wat is er veranderd sinds dinsdag 15 december 2026")
	contains(t, summary[0], "- **Gemeente Emmen**: 3.3 → Knelpunt")
	contains(t, summary[0], "Nieuwe knelpunten")
	// The agreement's deadline (2 February 2026) lies behind us.
	contains(t, summary[0], "is 351 dagen geleden verstreken")

	h.runJob("awareness", local(2027, 2, 1, 9, 30))
	perChannel := map[string]int{}
	for _, p := range postsSince(h, seen) {
		perChannel[p.ChannelId]++
	}
	for _, o := range h.main.Config.Organisations.All() {
		if n := perChannel[h.world.Channels[o.Channel].Id]; n != 1 {
			t.Errorf("%s got %d awareness posts", o.Channel, n)
		}
	}

	h.runJob("report", local(2027, 6, 15, 8, 30))
	report := postsSince(h, seen)
	if len(report) == 0 {
		t.Fatal("no board report")
	}
	contains(t, report[0].Message, "Voortgangsrapportage Drentse aanpak ondermijning")
	if ch, _ := h.world.Channel(report[0].ChannelId); !strings.Contains(ch.Name, h.user("pieter").Id) {
		t.Errorf("the board report did not go to the project leader")
	}
}

// After downtime, the latest occurrence missed within the grace window
// runs once on start-up; older ones are recorded as missed and shown by
// `ambitiebot status`.
func TestCatchUpAfterDowntime(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	// Down from before the 7-day reminder (12 January 09:00) until two
	// hours after the 1-day reminder (18 January 09:00).
	h.clock.Set(local(2027, 1, 18, 11, 0))
	h.start()
	deadline := time.Now().Add(5 * time.Second)
	var runs []ambitiebot.JobRun
	for time.Now().Before(deadline) {
		var err error
		if runs, err = h.main.DB.FindJobRuns(context.Background(), "reminder", 0); err != nil {
			t.Fatal(err)
		}
		if len(runs) == 2 && runs[0].State == ambitiebot.JobDone {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := map[string]ambitiebot.JobState{}
	for _, r := range runs {
		got[r.ScheduledAt.In(amsterdam).Format("01-02 15:04")] = r.State
	}
	if got["01-18 09:00"] != ambitiebot.JobDone || got["01-12 09:00"] != ambitiebot.JobMissed || len(got) != 2 {
		t.Fatalf("reminder runs after downtime = %v", got)
	}
	h.deliverAll()
	if n := len(h.world.Posts(h.world.WorkingGroup.Id)); n != 1 {
		t.Errorf("working group got %d reminders after catching up, want 1", n)
	}
	out, err := h.run("status")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, out, "Gemiste uitvoeringen (de bot was te lang uit): 1")
	// Jobs are named as the schedule names them, with their id.
	contains(t, out, "Herinnering (reminder)")
	contains(t, out, "Bewustwordingsbericht (awareness)")
}
