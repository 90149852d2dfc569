package acceptance

import (
	"bytes"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// (d) A change is posted in the working group exactly once; an unchanged
// repeat posts nothing.
func testFeedOnce(t *testing.T, w *world) {
	got := w.waitPosts(t, w.admin, w.wg.Id, "Gemeente Emmen: 3.2 → Gereed (door @jan.devries)", 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d feed posts for Emmen 3.2, want 1", len(got))
	}
	if !strings.Contains(got[0].Message, "Bibob-beleid vastgesteld door de raad") {
		t.Errorf("feed post = %q", got[0].Message)
	}
	if n := len(postsContaining(w.feed(t), "Gemeente Tynaarlo: 1.2 → Gereed")); n != 1 {
		t.Errorf("%d feed posts for John's change, want 1", n)
	}
}

// files returns the infos and contents of a post's files. Mattermost
// 6.7.2 saves a post before it attaches its files (app/post.go CreatePost,
// then attachFilesToPost), so a post read at once can list file ids whose
// infos do not name it yet: they are asked for until they do, briefly.
func files(t testing.TB, reader *model.Client4, post *model.Post) ([]*model.FileInfo, [][]byte) {
	t.Helper()
	var infos []*model.FileInfo
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var resp *model.Response
		var err error
		infos, resp, err = reader.GetFileInfosForPost(bg(), post.Id, "")
		check(t, "file infos", resp, err)
		if len(infos) >= len(post.FileIds) || time.Now().After(deadline) {
			break
		}
	}
	var data [][]byte
	for _, fi := range infos {
		b, resp, err := reader.GetFile(bg(), fi.Id)
		check(t, "file "+fi.Name, resp, err)
		data = append(data, b)
	}
	return infos, data
}

// (e) /ambitie overzicht answers privately and sends the chart as a PNG
// file to the asker's direct channel with the bot; only /ambitie
// overzicht delen posts the chart in the working group's channel.
func testChart(t *testing.T, w *world) {
	anna := w.person(t, "anna.bakker")
	chartIn := func(channelID string) *model.Post {
		var chart *model.Post
		eventually(t, 30*time.Second, "no chart post in "+channelID, func() bool {
			for _, p := range w.botPosts(t, w.admin, channelID) {
				if len(p.FileIds) > 0 && strings.Contains(p.Message, "Voortgang van alle organisaties") {
					chart = p
				}
			}
			return chart != nil
		})
		return chart
	}
	channelCharts := func() int {
		n := 0
		for _, p := range w.feed(t) {
			if len(p.FileIds) > 0 {
				n++
			}
		}
		return n
	}
	before := channelCharts()
	overview := anna.cmd(t, w, "overzicht")
	contains(t, "overzicht", overview, "| Gemeente Assen |")
	contains(t, "overzicht", overview, "Alleen jij ziet dit overzicht")
	chart := chartIn(anna.dm(t, w).Id)
	infos, data := files(t, w.admin, chart)
	if len(infos) != 1 || !strings.HasSuffix(infos[0].Name, ".png") || infos[0].MimeType != "image/png" ||
		infos[0].Width < 100 || !bytes.HasPrefix(data[0], []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("chart file = %+v", infos)
	}
	w.quietFeed(t)
	if channelCharts() != before {
		t.Errorf("/ambitie overzicht put a chart in the working group's channel")
	}

	contains(t, "overzicht delen", anna.cmd(t, w, "overzicht delen"), "| Gemeente Assen |")
	shared := chartIn(w.wg.Id)
	infos, data = files(t, anna.API, shared)
	if len(infos) != 1 || !strings.HasSuffix(infos[0].Name, ".png") || !bytes.HasPrefix(data[0], []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("shared chart file = %+v", infos)
	}
}

// (e) /ambitie rapport right after the bot first opens a direct channel
// with each project leader: the summary, the workbook and the chart
// arrive as files the server accepts.
func testReport(t *testing.T, w *world) {
	leaders := []*person{w.person(t, "pieter.mulder"), w.person(t, "lisa.brown")}
	want := map[string]string{"pieter.mulder": "Het rapport", "lisa.brown": "The report"}
	var wg sync.WaitGroup
	for _, p := range leaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := p.try(w, "/ambitie rapport"); err != nil || !strings.Contains(r, want[p.Username]) {
				t.Errorf("%s: rapport answered %q, %v", p.Username, r, err)
			}
		}()
	}
	wg.Wait()
	for _, p := range leaders {
		var report *model.Post
		deadline := time.Now().Add(45 * time.Second)
		for report == nil && time.Now().Before(deadline) {
			for _, q := range w.dmPosts(t, p) {
				if len(q.FileIds) > 0 {
					report = q
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
		if report == nil {
			if lines := w.logLines("upload file", "403"); len(lines) > 0 {
				t.Fatalf("the report for %s was not delivered; the bot's upload into the direct channel it had just created got 403 and the membership refresh did not help:\n%s",
					p.Username, strings.Join(lines, "\n"))
			}
			t.Fatalf("no report arrived in %s's direct messages; bot log:\n%s", p.Username, w.serveLog())
		}
		infos, data := files(t, w.admin, report)
		var names []string
		for i, fi := range infos {
			names = append(names, fi.Name)
			switch {
			case strings.HasSuffix(fi.Name, ".xlsx") && !bytes.HasPrefix(data[i], []byte("PK")):
				t.Errorf("%s is not a workbook", fi.Name)
			case strings.HasSuffix(fi.Name, ".png") && !bytes.HasPrefix(data[i], []byte("\x89PNG")):
				t.Errorf("%s is not a PNG", fi.Name)
			}
		}
		joined := strings.Join(names, " ")
		if !strings.Contains(joined, ".xlsx") || !strings.Contains(joined, ".png") {
			t.Errorf("%s's report has files %v, want a workbook and a chart", p.Username, names)
		}
		if !strings.HasPrefix(report.Message, "#### ") || !strings.Contains(report.Message, "| Gemeente Emmen |") {
			t.Errorf("%s's report message = %q", p.Username, report.Message)
		}
	}
}

// reminder returns the bot's reminder in a person's direct messages.
func (w *world) reminder(t testing.TB, p *person) *model.Post {
	t.Helper()
	var got []*model.Post
	eventually(t, 30*time.Second, "no reminder for "+p.Username, func() bool {
		got = nil
		for _, q := range w.dmPosts(t, p) {
			if len(q.Attachments()) > 0 {
				got = append(got, q)
			}
		}
		return len(got) > 0
	})
	if len(got) != 1 {
		t.Fatalf("%s has %d reminders, want 1", p.Username, len(got))
	}
	return got[0]
}

// actionFor returns the id of the menu of ambition id in a reminder, as
// the server gives the post back (without the integration).
func actionFor(t testing.TB, post *model.Post, id string) string {
	t.Helper()
	for _, a := range post.Attachments() {
		if strings.HasPrefix(a.Text, "**"+id+"**") && len(a.Actions) == 1 {
			return a.Actions[0].Id
		}
	}
	t.Fatalf("the reminder has no menu for %s", id)
	return ""
}

func attachmentText(post *model.Post, id string) string {
	for _, a := range post.Attachments() {
		if strings.HasPrefix(a.Text, "**"+id+"**") {
			return a.Text
		}
	}
	return ""
}

// (f) `ambitiebot remind` sends each member one reminder with a status
// menu per open ambition; a choice updates the status, the reminder and
// the feed.
func testReminderMenus(t *testing.T, w *world) {
	out, err := w.cli(t, "nl", "remind")
	if err != nil {
		t.Fatalf("remind: %v", err)
	}
	contains(t, "remind", out, "gaat nu uit")
	jan, john := w.person(t, "jan.devries"), w.person(t, "john.smith")
	dm := w.reminder(t, jan)
	contains(t, "reminder", dm.Message, "Hallo @jan.devries")
	if en := w.reminder(t, john); !strings.Contains(en.Message, "@john.smith") || strings.Contains(en.Message, "Hallo") {
		t.Errorf("John's reminder is not in English: %q", en.Message)
	}
	if n := len(w.dmPosts(t, w.person(t, "kees.jansen"))); n != 0 {
		t.Errorf("someone without an organisation got %d reminders", n)
	}
	again, err := w.cli(t, "nl", "remind")
	if err != nil || !strings.Contains(again, "is al verstuurd") {
		t.Errorf("a second remind: %v\n%s", err, again)
	}

	events := jan.listen(t, w)
	jan.choose(t, dm.Id, actionFor(t, dm, "1.1"), "in-uitvoering")
	events.ephemeral(t, "Gemeente Emmen: ambitie 1.1 staat nu op **In uitvoering**")
	contains(t, "history", jan.cmd(t, w, "historie 1.1 emmen"), "→ **In uitvoering** (@jan.devries)")
	eventually(t, 10*time.Second, "the reminder was not updated", func() bool {
		p, _, err := w.admin.GetPost(bg(), dm.Id, "")
		return err == nil && strings.Contains(attachmentText(p, "1.1"), "In uitvoering")
	})
	if n := len(w.waitPosts(t, w.admin, w.wg.Id, "Gemeente Emmen: 1.1 → In uitvoering (door @jan.devries)", 20*time.Second)); n != 1 {
		t.Errorf("%d feed posts for the menu choice, want 1", n)
	}
	updated, _, _ := w.admin.GetPost(bg(), dm.Id, "")
	jan.choose(t, dm.Id, actionFor(t, updated, "1.1"), "gereed")
	events.ephemeral(t, "Gemeente Emmen: ambitie 1.1 staat nu op **Gereed**")
}

// (g) A knelpunt chosen in the menu opens the dialog over the WebSocket;
// without a toelichting it stays open, with one it is stored. The same
// dialog through /ambitie bijwerken, in English.
func testKnelpuntDialog(t *testing.T, w *world) {
	jan := w.person(t, "jan.devries")
	events := jan.listen(t, w)
	dm := w.reminder(t, jan)
	jan.choose(t, dm.Id, actionFor(t, dm, "1.2"), "knelpunt")
	d := events.dialog(t)
	if d.URL != w.publicURL()+"/dialog" || d.Dialog.CallbackId != workgroup.DialogCallback {
		t.Fatalf("dialog = %+v", d)
	}
	r := jan.submit(t, w, d, map[string]any{workgroup.FieldAmbition: "1.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: " "})
	if r.Errors[workgroup.FieldNote] == "" {
		t.Errorf("a knelpunt without toelichting was accepted: %+v", r)
	}
	r = jan.submit(t, w, d, map[string]any{workgroup.FieldAmbition: "1.2", workgroup.FieldStatus: "knelpunt", workgroup.FieldNote: "wacht op @channel capaciteit"})
	if r.Error != "" || len(r.Errors) != 0 {
		t.Fatalf("submission = %+v", r)
	}
	contains(t, "history", jan.cmd(t, w, "historie 1.2 emmen"), "**Knelpunt** (@jan.devries) — wacht op @\u200bchannel capaciteit")
	feed := w.waitPosts(t, w.admin, w.wg.Id, "Gemeente Emmen: 1.2 → Knelpunt", 20*time.Second)
	if len(feed) != 1 || !strings.Contains(feed[0].Message, "@\u200bchannel") {
		t.Errorf("feed = %v; want one post with the mention neutralised", feed)
	}

	john := w.person(t, "john.smith")
	jevents := john.listen(t, w)
	if r := john.cmd(t, w, "update"); strings.TrimSpace(r) != "" {
		t.Errorf("/ambitie update answered %q; want the dialog only", r)
	}
	jd := jevents.dialog(t)
	if jd.Dialog.Title == "Status bijwerken" {
		t.Errorf("John's dialog is in Dutch")
	}
	r = john.submit(t, w, jd, map[string]any{workgroup.FieldAmbition: "3.2", workgroup.FieldStatus: "in-uitvoering"})
	if r.Error != "" || len(r.Errors) != 0 {
		t.Fatalf("John's submission = %+v", r)
	}
	contains(t, "John's history", john.cmd(t, w, "history 3.2 tynaarlo"), "(@john.smith)")
}

// drain keeps the bot's address (127.0.0.1, no forwarding header) busy at
// about perSecond requests a second, so that the server's rate limiter
// leaves the bot little room, until stop is called.
func (w *world) drain(perSecond int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Empty the bucket first, then keep it empty.
		for i := 0; i < 120; i++ {
			if resp, err := http.Get(w.srv.URL + "/api/v4/system/ping"); err == nil {
				resp.Body.Close()
			}
		}
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if resp, err := http.Get(w.srv.URL + "/api/v4/system/ping"); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// awarenessCounts counts, per organisation, the bot's posts in its
// channel that contain title.
func (w *world) awarenessCounts(t testing.TB, title string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, o := range w.orgs {
		counts[o.Key] = len(postsContaining(w.botPosts(t, w.admin, w.channels[o.Channel].Id), title))
	}
	return counts
}

func reached(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n++
		}
	}
	return n
}

// exactlyOnce fails unless every organisation (but skip) has exactly one.
func exactlyOnce(t testing.TB, counts map[string]int, skip string) {
	t.Helper()
	for org, n := range counts {
		if org != skip && n != 1 {
			t.Errorf("%s has %d awareness posts, want 1", org, n)
		}
	}
}

// (h) /ambitie bericht verstuur: every organisation's channel gets the
// message exactly once, although the bot is killed in the middle of the
// broadcast and started again.
func testAwarenessRestart(t *testing.T, w *world) {
	const id, title = "katvangers", "Katvangers en dekmantelbedrijven"
	pieter := w.person(t, "pieter.mulder")
	stop := w.drain(9)
	defer stop()
	r := pieter.cmd(t, w, "bericht verstuur "+id)
	t.Logf("bericht verstuur: %s", r)
	eventually(t, 60*time.Second, "the broadcast did not start", func() bool { return reached(w.awarenessCounts(t, title)) > 0 })
	if n := reached(w.awarenessCounts(t, title)); n == len(w.orgs) {
		t.Logf("the broadcast finished before the bot could be killed")
	}
	w.killBot(t)
	killedAt := reached(w.awarenessCounts(t, title))
	t.Logf("killed the bot with %d of %d channels reached", killedAt, len(w.orgs))
	// The limiter kept the broadcast slow enough to be killed in the
	// middle; the restarted bot need not crawl (pacing has its own step).
	stop()
	w.startBot(t)
	start := time.Now()
	eventually(t, 3*time.Minute, "the broadcast did not reach every organisation", func() bool {
		return reached(w.awarenessCounts(t, title)) == len(w.orgs)
	})
	t.Logf("the restarted bot reached the other %d in %s", len(w.orgs)-killedAt, time.Since(start).Round(time.Second))
	time.Sleep(3 * time.Second)
	exactlyOnce(t, w.awarenessCounts(t, title), "")
	if killedAt == len(w.orgs) {
		t.Errorf("the kill came after the broadcast finished; the restart in the middle was not tested")
	}
}

// (l) `ambitiebot awareness send` while others use the bot's address: the
// server's rate limiter answers 429, and the broadcast still reaches every
// organisation exactly once, paced as the server asks.
func testAwarenessPaced(t *testing.T, w *world) {
	const id, title = "schuren", "Een lege schuur, een goede huurder?"
	stop := w.drain(8)
	defer stop()
	start := time.Now()
	out, err := w.cli(t, "nl", "awareness", "send", "--id", id)
	if err != nil {
		t.Fatalf("awareness send: %v", err)
	}
	contains(t, "awareness send", out, "Afgeleverd:")
	eventually(t, 3*time.Minute, "the broadcast did not reach every organisation", func() bool {
		return reached(w.awarenessCounts(t, title)) == len(w.orgs)
	})
	stop()
	t.Logf("17 organisations reached in %s while the limiter was kept busy", time.Since(start).Round(time.Second))
	time.Sleep(2 * time.Second)
	exactlyOnce(t, w.awarenessCounts(t, title), "")
	// A rerun delivers only what is missing: nothing.
	again, err := w.cli(t, "nl", "awareness", "send", "--id", id)
	if err != nil || !strings.Contains(again, "er komt niets dubbel") {
		t.Errorf("a second send: %v\n%s", err, again)
	}
	exactlyOnce(t, w.awarenessCounts(t, title), "")
}

// (i) The bot is removed from an organisation's team: the post there fails
// with 403 and the project leaders hear of it once; once the bot is back,
// a rerun delivers only that one.
func testBotRemoved(t *testing.T, w *world) {
	const id, title = "geldezels", "Geldezels en drugsrunners"
	meppel := w.teams["meppel"]
	resp, err := w.admin.RemoveTeamMember(bg(), meppel.Id, w.botUser.Id)
	check(t, "remove the bot from meppel", resp, err)
	out, err := w.cli(t, "nl", "awareness", "send", "--id", id)
	if err != nil {
		t.Fatalf("awareness send: %v", err)
	}
	eventually(t, time.Minute, "the broadcast did not reach the other organisations", func() bool {
		return reached(w.awarenessCounts(t, title)) == len(w.orgs)-1
	})
	w.waitPosts(t, w.admin, w.wg.Id, "meppel/town-square", 30*time.Second)
	time.Sleep(3 * time.Second)
	notices := postsContaining(w.feed(t), "meppel/town-square")
	if len(notices) != 1 {
		t.Errorf("%d notices about meppel/town-square, want 1:\n%s", len(notices), out)
	} else if !strings.Contains(notices[0].Message, "@pieter.mulder") {
		t.Errorf("the notice does not mention the project leaders: %q", notices[0].Message)
	}
	counts := w.awarenessCounts(t, title)
	exactlyOnce(t, counts, "meppel")
	if counts["meppel"] != 0 {
		t.Errorf("meppel has %d posts while the bot is not in its team", counts["meppel"])
	}

	_, resp, err = w.admin.AddTeamMember(bg(), meppel.Id, w.botUser.Id)
	check(t, "add the bot to meppel again", resp, err)
	// Joining a team joins its town-square; adding again is harmless.
	_, _, _ = w.admin.AddChannelMember(bg(), w.channels["meppel/town-square"].Id, w.botUser.Id)
	again, err := w.cli(t, "nl", "awareness", "send", "--id", id)
	if err != nil {
		t.Fatalf("awareness send again: %v", err)
	}
	redelivered := func() bool { return w.awarenessCounts(t, title)["meppel"] > 0 }
	deadline := time.Now().Add(15 * time.Second)
	for !redelivered() && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	if !redelivered() {
		exactlyOnce(t, w.awarenessCounts(t, title), "meppel")
		t.Fatalf("the notice asks to add the bot and send the message again, 'only what is missing is delivered', but the rerun delivered nothing:\n%s", again)
	}
	time.Sleep(2 * time.Second)
	exactlyOnce(t, w.awarenessCounts(t, title), "")
}

// (j) Mattermost stops and starts again while the bot runs: a feed post
// that was waiting arrives once, and commands work again without
// restarting the bot.
func testMattermostRestart(t *testing.T, w *world) {
	if w.srv.Ctl == "" {
		t.Skip(envCtl + " is not set: the suite cannot restart the server")
	}
	anna := w.person(t, "anna.bakker")
	// Anna's first command lets the bot look her up; with the bot's
	// address then kept at its limit, her change is confirmed but its feed
	// post waits, and the server goes down under it.
	anna.cmd(t, w, "4.1")
	stop := w.drain(12)
	contains(t, "set", anna.cmd(t, w, "4.1 in-uitvoering tijdens herstart"), "staat nu op **In uitvoering**")
	w.serverCtl(t, "stop")
	stop()
	time.Sleep(2 * time.Second)
	w.serverCtl(t, "start")
	got := w.waitPosts(t, w.admin, w.wg.Id, "tijdens herstart", 3*time.Minute)
	if len(got) != 1 {
		t.Errorf("%d feed posts for the change made before the restart, want 1", len(got))
	}
	var r string
	eventually(t, time.Minute, "commands do not work after the restart", func() bool {
		var err error
		r, err = anna.try(w, "/ambitie 4.1")
		return err == nil
	})
	contains(t, "after restart", r, "- **Gemeente Assen**: In uitvoering")
}

func (w *world) serverCtl(t testing.TB, action string) {
	t.Helper()
	cmd := exec.Command(w.srv.Ctl, action)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", w.srv.Ctl, action, err, out)
	}
}

// (k) kill -9 of the bot while people are updating: every change that was
// confirmed to someone is in the history after the restart, and its feed
// post appears exactly once.
func testKillDuringUpdates(t *testing.T, w *world) {
	people := []*person{w.person(t, "jan.devries"), w.person(t, "anna.bakker"), w.person(t, "sanne.degroot"), w.person(t, "pieter.mulder")}
	var mu sync.Mutex
	acked := map[string]*person{} // note -> who
	var wg sync.WaitGroup
	killAfter := 12
	killed := make(chan struct{})
	var once sync.Once
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				note := fmt.Sprintf("kill-%s-%d", strings.Split(p.Username, ".")[0], i)
				status := []string{"in-uitvoering", "gereed"}[i%2]
				r, err := p.try(w, "/ambitie 1.5 "+status+" "+note)
				if err == nil && (strings.Contains(r, "staat nu op") || strings.Contains(r, "is now")) {
					mu.Lock()
					acked[note] = p
					n := len(acked)
					mu.Unlock()
					if n >= killAfter {
						once.Do(func() { close(killed) })
					}
				}
			}
		}()
	}
	select {
	case <-killed:
	case <-time.After(2 * time.Minute):
		t.Fatal("the updates did not get going")
	}
	w.killBot(t)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d updates confirmed before and around the kill", len(acked))
	w.startBot(t)
	for note, p := range acked {
		h := p.cmd(t, w, "historie 1.5 "+p.Org)
		if !strings.Contains(h, note) {
			t.Errorf("the confirmed change %q is not in the history", note)
		}
	}
	// A row the killed process had leased is due again as soon as the new
	// process starts (no other process delivers, so the lease is stale):
	// it looks for the post first and sends it if there is none, well
	// within the 2 minutes the lease would otherwise last.
	missing := func() []string {
		feed := w.feed(t)
		var out []string
		for note := range acked {
			if len(postsContaining(feed, note)) == 0 {
				out = append(out, note)
			}
		}
		return out
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("confirmed changes without a feed post a minute after the restart: %v", m)
	}
	time.Sleep(2 * time.Second)
	feed := w.feed(t)
	for note := range acked {
		if n := len(postsContaining(feed, note)); n != 1 {
			t.Errorf("%d feed posts for %q, want 1", n, note)
		}
	}
}

// (h0) /ambitie bericht verstuur without an id only asks: the project
// leader sees which message would go to how many organisations and a
// button. The button sits in a private answer that Mattermost never
// stores, so the click carries the server's encrypted cookie; it reaches
// the bot, which sends the message to every organisation exactly once.
// A second request in the same period says who sent it and sends nothing.
func testBroadcastConfirmation(t *testing.T, w *world) {
	pieter := w.person(t, "pieter.mulder")
	ev := pieter.listen(t, w)
	r := pieter.cmd(t, w, "bericht verstuur")
	contains(t, "bericht verstuur", r, "Versturen")
	post := ev.ephemeralPost(t, "Versturen")
	var action *model.PostAction
	for _, a := range post.Attachments() {
		for _, act := range a.Actions {
			if act.Name == "Versturen" {
				action = act
			}
		}
	}
	if action == nil || action.Cookie == "" {
		t.Fatalf("the question has no button with a cookie: %+v", post.Attachments())
	}
	title, id := between(post.Message, "‘", "’"), between(post.Message, "(`", "`)")
	if title == "" || id == "katvangers" || id == "opzoeken" {
		t.Fatalf("the message to confirm is %q (%q); the scenarios after this one send that one themselves", title, id)
	}
	if n := reached(w.awarenessCounts(t, title)); n != 0 {
		t.Fatalf("asking sent the message to %d organisations", n)
	}
	resp, err := pieter.API.DoPostActionWithCookie(bg(), post.Id, action.Id, "", action.Cookie, nil, "")
	check(t, "click Versturen", resp, err)
	eventually(t, 2*time.Minute, "the confirmed message did not reach every organisation", func() bool {
		return reached(w.awarenessCounts(t, title)) == len(w.orgs)
	})
	time.Sleep(2 * time.Second)
	exactlyOnce(t, w.awarenessCounts(t, title), "")
	again := pieter.cmd(t, w, "bericht verstuur")
	contains(t, "a second bericht verstuur", again, "al verstuurd")
	contains(t, "a second bericht verstuur", again, "pieter")
	resp, err = pieter.API.DoPostActionWithCookie(bg(), post.Id, action.Id, "", action.Cookie, nil, "")
	check(t, "click Versturen again", resp, err)
	time.Sleep(3 * time.Second)
	exactlyOnce(t, w.awarenessCounts(t, title), "")
}

// between returns the text between the first open and the next close.
func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	in, _, ok := strings.Cut(rest, close)
	if !ok {
		return ""
	}
	return in
}
