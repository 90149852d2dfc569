package workgroup_test

import (
	"context"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite/sqlitetest"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// TestReminderPostIntro checks the sentence above a one-click reminder's
// menus as it is rendered again after a choice: the number still open,
// and a thank-you once none of the listed ambitions is.
func TestReminderPostIntro(t *testing.T) {
	ctx := context.Background()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	db := sqlitetest.Open(t)
	municipality := []ambitiebot.OrgKind{ambitiebot.KindMunicipality}
	cat, err := ambitiebot.NewCatalogue(
		[]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving"}},
		[]ambitiebot.Ambition{
			{ID: "3.1", Text: "Integraal afwegingskader", AppliesTo: municipality},
			{ID: "3.2", Text: "Bibob-beleid vastgesteld", AppliesTo: municipality},
		})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := ambitiebot.NewOrganisations([]ambitiebot.Organisation{
		{Key: "emmen", Name: "Gemeente Emmen", Kind: ambitiebot.KindMunicipality}})
	if err != nil {
		t.Fatal(err)
	}
	s := workgroup.New(workgroup.Config{Catalogue: cat, Organisations: orgs, Store: db, Tr: tr, Location: time.UTC})
	emmen, _ := orgs.ByKey("emmen")
	jan := ambitiebot.User{ID: "jan", Username: "jan"}
	fields := map[string]string{"run": "reminder:2027-01-18T09:00:00Z", "meeting": "2027-01-19", "list": "3.1,3.2"}
	intro := func(lang string) string {
		t.Helper()
		post, ok, err := s.ReminderPost(ctx, lang, emmen, jan, false, fields)
		if err != nil || !ok {
			t.Fatalf("ReminderPost: %v, %v", ok, err)
		}
		return post.Message
	}
	set := func(id string) {
		t.Helper()
		if _, err := db.SetStatus(ctx, ambitiebot.Update{OrgKey: "emmen", AmbitionID: id, Status: ambitiebot.StatusDone, User: jan}); err != nil {
			t.Fatal(err)
		}
	}

	for _, c := range []struct {
		done, lang, want string
	}{
		{"", "nl", "Hallo @jan, op dinsdag 19 januari 2027 vergadert de werkgroep. Gemeente Emmen heeft nog 2 ambities die niet gereed zijn. Kies hieronder bij elke ambitie de actuele status; bij een knelpunt of ‘niet van toepassing’ vraag ik om een toelichting."},
		{"3.1", "nl", "Hallo @jan, op dinsdag 19 januari 2027 vergadert de werkgroep. Gemeente Emmen heeft nog 1 ambitie die niet gereed is. Kies hieronder bij elke ambitie de actuele status; bij een knelpunt of ‘niet van toepassing’ vraag ik om een toelichting."},
		{"", "en", "Hello @jan, the working group meets on Tuesday 19 January 2027. Gemeente Emmen still has 1 ambition that is not done. Choose the current status of each one below; for a blocked or not-applicable ambition I will ask for an explanation."},
		{"3.2", "nl", "Hallo @jan, op dinsdag 19 januari 2027 vergadert de werkgroep. De ambities van Gemeente Emmen hieronder zijn nu allemaal gereed of niet van toepassing. Dank je wel!"},
	} {
		if c.done != "" {
			set(c.done)
		}
		if got := intro(c.lang); got != c.want {
			t.Errorf("after %q (%s):\n got %q\nwant %q", c.done, c.lang, got, c.want)
		}
	}
}
