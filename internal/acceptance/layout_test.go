package acceptance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// Another server layout, as README's configuration section shows it: one
// team with a channel per organisation (working_group.organisation_channel)
// and one organisation on a server of its own, reached by an incoming
// webhook ([organisations.<key>] webhook). The operator changes the
// configuration, runs setup, and the awareness message reaches every
// organisation's new place exactly once.
func testChannelPerOrganisationAndWebhook(t *testing.T, w *world) {
	const id, title = "opzoeken", "Even opzoeken? Alleen voor je werk"
	const byWebhook = "wdodelta"
	ctx := context.Background()
	w.stopBot(t)
	team := w.teams[workingGroupTeam]
	places := map[string]*model.Channel{}
	for _, o := range w.orgs {
		name := "org-" + o.Key
		if o.Key == byWebhook {
			name = "buiten-" + o.Key // the organisation's own server, here
		}
		ch, resp, err := w.admin.CreateChannel(ctx, &model.Channel{TeamId: team.Id, Name: name, DisplayName: name, Type: model.ChannelTypeOpen})
		check(t, "create channel "+name, resp, err)
		places[o.Key] = ch
	}
	hook, resp, err := w.admin.CreateIncomingWebhook(ctx, &model.IncomingWebhook{ChannelId: places[byWebhook].Id, DisplayName: "ambitiebot"})
	check(t, "create incoming webhook", resp, err)
	hookURL := w.srv.URL + "/hooks/" + hook.Id
	w.writeConfig(t, "organisation_channel = \""+workingGroupTeam+"/org-{key}\"\n\n[organisations."+byWebhook+"]\nwebhook = \""+hookURL+"\"\n")

	out, err := w.setup(t)
	if err != nil {
		t.Fatalf("setup for the new layout: %v\n%s", err, out)
	}
	if strings.Contains(out, hook.Id) {
		t.Error("setup printed the webhook URL, a secret")
	}
	contains(t, "setup", out, "Gemeente Emmen: kanaal ‘drenthe/org-emmen’")
	shown, err := w.cli(t, "en", "config")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, shown)
	}
	if strings.Contains(shown, hook.Id) {
		t.Error("ambitiebot config printed the webhook URL, a secret")
	}
	contains(t, "config", shown, `organisations.emmen.channel`)
	contains(t, "config", shown, `"drenthe/org-emmen"`)

	if out, err := w.cli(t, "nl", "awareness", "send", "--id", id, "--wait", "1m"); err != nil {
		t.Fatalf("awareness send: %v\n%s", err, out)
	}
	count := func() map[string]int {
		counts := map[string]int{}
		for key, ch := range places {
			posts, resp, err := w.admin.GetPostsForChannel(ctx, ch.Id, 0, 100, "", false, false)
			check(t, "read "+ch.Name, resp, err)
			for _, p := range posts.Posts {
				if strings.Contains(p.Message, title) {
					counts[key]++
				}
			}
		}
		return counts
	}
	eventually(t, time.Minute, "the message did not reach every organisation's new place", func() bool {
		return reached(count()) == len(w.orgs)
	})
	time.Sleep(2 * time.Second)
	exactlyOnce(t, count(), "")
}
