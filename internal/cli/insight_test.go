package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/xuri/excelize/v2"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
)

// insightBot is a harness for the chart and the report: no public URL,
// and a clock that runs from a quiet Wednesday afternoon, away from every
// scheduled job, so that two requests never share a run key.
type insightBot struct {
	m      *Main
	w      *mmsim.World
	token  string
	getenv env
}

func startInsightBot(t *testing.T) *insightBot {
	t.Helper()
	h := prepareHarness(t, "")
	delete(h.env, "AMBITIEBOT_PUBLIC_URL")
	h.clock.Set(time.Date(2025, 6, 25, 14, 0, 0, 0, mustLocation(t)))
	h.clock.Run()
	h.start()
	return &insightBot{m: h.main, w: h.world, token: testCommandToken, getenv: h.getenv}
}

// mustLocation is the working group's zone.
func mustLocation(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func (b *insightBot) command(t *testing.T, user string, channel *model.Channel, text string) string {
	t.Helper()
	cr, status, err := b.w.ExecuteCommand(b.m.HTTP.URL()+"/command", b.token, b.w.People[user], channel, text)
	if err != nil || status != 200 {
		t.Fatalf("/ambitie %s: %d %v", text, status, err)
	}
	texts := []string{cr.Text}
	for _, x := range cr.ExtraResponses {
		texts = append(texts, x.Text)
	}
	return strings.Join(texts, "\n")
}

// waitForFilePost waits for the bot's post with files in a channel.
func (b *insightBot) waitForFilePost(t *testing.T, channelID string) *model.Post {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range b.w.Posts(channelID) {
			if len(p.FileIds) > 0 {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no post with files in channel %s", channelID)
	return nil
}

// waitPosts waits until a channel has at least n posts and returns them.
func (b *insightBot) waitPosts(t *testing.T, channelID string, n int) []*model.Post {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if posts := b.w.Posts(channelID); len(posts) >= n || time.Now().After(deadline) {
			return posts
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// upload returns the uploaded file with id.
func (b *insightBot) upload(t *testing.T, id string) mmsim.Upload {
	t.Helper()
	for _, u := range b.w.Uploads() {
		if u.Info.Id == id {
			return u
		}
	}
	t.Fatalf("no upload %s", id)
	return mmsim.Upload{}
}

// /ambitie overzicht answers the asker alone: the tables ephemeral, the
// chart in their direct channel with the bot. Only "overzicht delen"
// (English "overview share") shows both in the channel.
func TestOverviewChartGoesToTheAskerUnlessShared(t *testing.T) {
	b := startInsightBot(t)
	wg := b.w.WorkingGroup
	if reply := b.command(t, "jan", wg, "1.1 gereed"); !strings.Contains(reply, "Gereed") {
		t.Fatalf("set: %s", reply)
	}
	feed := len(b.waitPosts(t, wg.Id, 1)) // the activity feed's post of the update
	cr, status, err := b.w.ExecuteCommand(b.m.HTTP.URL()+"/command", b.token, b.w.People["jan"], wg, "overzicht")
	if err != nil || status != 200 {
		t.Fatalf("overzicht: %d %v", status, err)
	}
	if cr.ResponseType != model.CommandResponseTypeEphemeral {
		t.Errorf("overzicht answered %q, want ephemeral", cr.ResponseType)
	}
	reply := cr.Text
	for _, x := range cr.ExtraResponses {
		reply += "\n" + x.Text
	}
	if !strings.Contains(reply, "Gemeente Emmen") || !strings.Contains(reply, b.m.Tr.T("nl", "OverviewChartPrivate", nil)) {
		t.Fatalf("the private overview: %s", reply)
	}
	dm, err := b.m.Chat.DirectChannelID(context.Background(), b.w.People["jan"].Id)
	if err != nil {
		t.Fatal(err)
	}
	p := b.waitForFilePost(t, dm)
	if p.UserId != b.w.Bot.Id || len(p.FileIds) != 1 || p.Message == "" {
		t.Fatalf("chart post = %+v", p)
	}
	u := b.upload(t, p.FileIds[0])
	if u.Info.ChannelId != dm || !strings.HasSuffix(u.Info.Name, ".png") {
		t.Errorf("upload = %+v", u.Info)
	}
	img, err := png.Decode(bytes.NewReader(u.Data))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() < 800 || r.Dy() < 600 {
		t.Errorf("chart is %v", r)
	}
	if n := len(b.w.Posts(wg.Id)); n != feed {
		t.Errorf("looking at the overview put %d posts in the working group's channel", n-feed)
	}
	// An overview of one organisation is text only.
	b.command(t, "jan", wg, "overzicht emmen")
	time.Sleep(200 * time.Millisecond)
	if n := len(b.w.Uploads()); n != 1 {
		t.Errorf("%d uploads after an organisation's overview, want 1", n)
	}

	// Sharing posts the chart in the channel and answers in the channel.
	for i, text := range []string{"overzicht delen", "overview share"} {
		cr, status, err := b.w.ExecuteCommand(b.m.HTTP.URL()+"/command", b.token, b.w.People["jan"], wg, text)
		if err != nil || status != 200 {
			t.Fatalf("%s: %d %v", text, status, err)
		}
		if cr.ResponseType != model.CommandResponseTypeInChannel || !strings.Contains(cr.Text, "| Gemeente Emmen |") ||
			strings.Contains(cr.Text+fmt.Sprint(cr.ExtraResponses), "Alleen jij") {
			t.Errorf("%s answered %q: %q", text, cr.ResponseType, cr.Text)
		}
		deadline := time.Now().Add(10 * time.Second)
		var charts []*model.Post
		for len(charts) < i+1 && time.Now().Before(deadline) {
			charts = nil
			for _, p := range b.w.Posts(wg.Id) {
				if len(p.FileIds) > 0 && p.UserId == b.w.Bot.Id {
					charts = append(charts, p)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(charts) != i+1 {
			t.Fatalf("after %q the channel has %d charts, want %d", text, len(charts), i+1)
		}
		if u := b.upload(t, charts[i].FileIds[0]); u.Info.ChannelId != wg.Id {
			t.Errorf("shared chart uploaded to %s", u.Info.ChannelId)
		}
	}
}

func TestReportCommand(t *testing.T) {
	b := startInsightBot(t)
	ctx := context.Background()
	wg := b.w.WorkingGroup
	if reply := b.command(t, "jan", wg, "1.1 knelpunt wacht op budget"); !strings.Contains(reply, "Knelpunt") {
		t.Fatalf("set: %s", reply)
	}

	leadersOnly := b.m.Tr.T("nl", "ErrLeadersOnly", nil)
	if reply := b.command(t, "jan", wg, "rapport"); reply != leadersOnly {
		t.Errorf("member: %q, want %q", reply, leadersOnly)
	}
	if reply := b.command(t, "pieter", wg, "rapport sinds 31-02-2025"); reply != b.m.Tr.T("nl", "InsightErrBadDate", nil) {
		t.Errorf("bad date: %q", reply)
	}
	if ds, err := b.m.DB.FindDeliveries(ctx, ambitiebot.DeliveryFilter{Kind: "report"}); err != nil || len(ds) != 0 {
		t.Fatalf("refused requests queued %d reports (%v)", len(ds), err)
	}

	reply := b.command(t, "pieter", wg, "rapport sinds 2025-06-01")
	if !strings.Contains(reply, "direct bericht") {
		t.Errorf("leader: %q", reply)
	}
	dm, err := b.m.Chat.DirectChannelID(ctx, b.w.People["pieter"].Id)
	if err != nil {
		t.Fatal(err)
	}
	p := b.waitForFilePost(t, dm)
	if p.UserId != b.w.Bot.Id || !strings.Contains(p.Message, "Voortgang Drentse aanpak ondermijning") ||
		!strings.Contains(p.Message, "1 juni 2025") || !strings.Contains(p.Message, "nieuw knelpunt 1.1 (wacht op budget)") {
		t.Errorf("report message:\n%s", p.Message)
	}
	var exts []string
	for _, id := range p.FileIds {
		u := b.upload(t, id)
		exts = append(exts, filepath.Ext(u.Info.Name))
		if filepath.Ext(u.Info.Name) == ".xlsx" {
			f, err := excelize.OpenReader(bytes.NewReader(u.Data))
			if err != nil {
				t.Fatalf("workbook: %v", err)
			}
			if v, _ := f.GetCellValue("Historie", "A1"); !strings.Contains(v, "1 juni 2025") {
				t.Errorf("history period = %q", v)
			}
			_ = f.Close()
		}
	}
	if !slices.Equal(exts, []string{".png", ".xlsx"}) {
		t.Errorf("files = %v", exts)
	}
}

func TestBoardReportCarriesFiles(t *testing.T) {
	b := startInsightBot(t)
	at := time.Date(2025, 6, 17, 8, 30, 0, 0, b.m.Config.Location)
	ds, err := b.m.App.ReportDeliveries(context.Background(), "report:test", at)
	if err != nil || len(ds) == 0 {
		t.Fatalf("%d deliveries, %v", len(ds), err)
	}
	if len(ds[0].Files) != 2 || !strings.HasSuffix(ds[0].Files[0].Name, ".png") || !strings.HasSuffix(ds[0].Files[1].Name, ".xlsx") {
		t.Errorf("first part's files = %d", len(ds[0].Files))
	}
	for _, d := range ds[1:] {
		if len(d.Files) != 0 {
			t.Errorf("part %s carries files too", d.RunKey)
		}
	}
}

func TestReportCLI(t *testing.T) {
	b := startInsightBot(t)
	if reply := b.command(t, "jan", b.w.WorkingGroup, "1.1 gereed"); !strings.Contains(reply, "Gereed") {
		t.Fatalf("set: %s", reply)
	}
	// The CLI reads the database while the bot serves, as it would in
	// production.
	ctx := context.Background()
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"report"}, args...), strings.NewReader(""), &out, &errOut, b.getenv)
		return out.String(), err
	}
	dir := t.TempDir()
	book := filepath.Join(dir, "rapport.xlsx")
	if _, err := cli("--format", "xlsx", "--out", book, "--since", "2025-01-01"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.GetRows("Matrix"); len(rows) < 18 {
		t.Errorf("matrix has %d rows, want a header and 17 organisations", len(rows))
	}
	_ = f.Close()

	out, err := cli("--format", "csv", "--lang", "en")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(out, "\uFEFF")
	if !ok {
		t.Fatal("CSV has no BOM")
	}
	r := csv.NewReader(strings.NewReader(body))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]bool{}
	for _, row := range rows[1:] {
		orgs[row[0]] = true
	}
	if len(orgs) != 17 || !orgs["westerveld"] || rows[0][1] != "Organisation" {
		t.Errorf("CSV: %d organisations, header %v", len(orgs), rows[0])
	}

	if out, err = cli("--format", "md"); err != nil || !strings.Contains(out, "Gemeente Westerveld") || !strings.Contains(out, "| Gemeente Emmen | 1 |") {
		t.Errorf("md (%v):\n%s", err, out)
	}
	for _, args := range [][]string{{"--format", "pdf"}, {"--lang", "de"}, {"--since", "morgen"}, {"--since", "2999-01-01"}, {"extra"}} {
		if _, err := cli(args...); exitCode(err) != 2 {
			t.Errorf("report %v: %v, want a usage error", args, err)
		}
	}
	missing := func(k string) (string, bool) {
		if k == "AMBITIEBOT_DB" {
			return filepath.Join(dir, "nothing.db"), true
		}
		return b.getenv(k)
	}
	var out2, errOut bytes.Buffer
	if err := run(ctx, []string{"report"}, strings.NewReader(""), &out2, &errOut, missing); err == nil || !strings.Contains(err.Error(), "Er is geen database op") {
		t.Errorf("missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nothing.db")); err == nil {
		t.Error("the report created a database")
	}
}
