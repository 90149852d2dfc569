package workgroup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// changeText marks every stored status on 3.2 te herbevestigen, as a new
// text at start-up does.
func changeText(t *testing.T, e env) {
	t.Helper()
	cat, err := ambitiebot.NewCatalogue(
		[]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving"}},
		[]ambitiebot.Ambition{{ID: "3.2", Text: "Bibob-beleid vastgesteld, ook na de Omgevingswet", AppliesTo: []ambitiebot.OrgKind{ambitiebot.KindMunicipality}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.h.SyncCatalogue(context.Background()); err != nil { // records the current version
		t.Fatal(err)
	}
	if changed, err := e.db.SyncCatalogue(context.Background(), cat); err != nil || len(changed) != 1 {
		t.Fatalf("sync = %v, %v", changed, err)
	}
}

// Only who may act for an organisation confirms its status; a project
// leader names the organisation. A refusal changes nothing.
func TestConfirmRights(t *testing.T) {
	e := newEnv(t)
	e.cmd(t, "jan", "3.2 knelpunt wacht op advies")
	changeText(t, e)
	if got := e.cmd(t, "john", "emmen 3.2 confirm"); !strings.Contains(got, "Gemeente Emmen") || strings.Contains(got, "confirmed") {
		t.Errorf("john confirming for Emmen: %q", got)
	}
	if got := e.cmd(t, "john", "3.2 confirm"); got != "Gemeente Assen: the status of ambition 3.2 needs no reconfirmation. Nothing was changed." {
		t.Errorf("john, nothing stored: %q", got)
	}
	if got := e.cmd(t, "pieter", "3.2 bevestig"); !strings.Contains(got, "emmen 3.2") {
		t.Errorf("a leader without an organisation: %q", got)
	}
	ps, _ := e.db.FindProgress(context.Background(), ambitiebot.ProgressFilter{OrgKey: "emmen"})
	if len(ps) != 1 || !ps[0].Reconfirm {
		t.Fatalf("refusals confirmed: %+v", ps)
	}
	want := "Gemeente Emmen: de status **Knelpunt** van ambitie 3.2 is bevestigd voor de gewijzigde tekst."
	if got := e.cmd(t, "pieter", "emmen 3.2 bevestig"); got != want {
		t.Errorf("leader confirming:\n got %q\nwant %q", got, want)
	}
	ps, _ = e.db.FindProgress(context.Background(), ambitiebot.ProgressFilter{OrgKey: "emmen"})
	if ps[0].Reconfirm || ps[0].Status != ambitiebot.StatusBlocked || ps[0].Note != "wacht op advies" {
		t.Errorf("after confirming: %+v", ps[0])
	}
	if n := len(e.feed(t)); n != 1 {
		t.Errorf("a confirmation posted to the feed: %d lines", n)
	}
}

// mijn marks a status that waits for confirmation and says how to confirm.
func TestMineListsStatusesToReconfirm(t *testing.T) {
	e := newEnv(t)
	e.cmd(t, "jan", "3.2 gereed")
	changeText(t, e)
	resp := e.h.Handle(context.Background(), workgroup.Request{UserID: "jan", Text: "mijn"})
	mine := strings.Join(resp.Texts, "\n")
	if !strings.Contains(mine, "**3.2**: Gereed ⚠️ _te herbevestigen_") || !strings.Contains(mine, "`/ambitie 3.2 bevestig`") {
		t.Errorf("mijn = %s", mine)
	}
}

// Choosing the stored status again from a reminder's menu, or typing it
// without a toelichting, confirms a status te herbevestigen and keeps its
// toelichting: nothing is removed, the history and the feed stay as they
// were.
func TestSameStatusWithoutNoteConfirmsAndKeepsTheNote(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"menu", "typed"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t)
			e.cmd(t, "jan", "3.2 gereed klaar in mei")
			changeText(t, e)
			changes, _ := e.db.FindChanges(ctx, ambitiebot.ChangeFilter{OrgKey: "emmen"})
			feed := len(e.feed(t))
			var got string
			if how == "menu" {
				fields := map[string]string{ambitiebot.ContextUser: "jan", ambitiebot.ContextOrg: "emmen", ambitiebot.ContextAmbition: "3.2"}
				res := e.h.Click(ctx, "jan", "", fields, "gereed")
				if res.Outcome != "ok" {
					t.Fatalf("click: %+v", res)
				}
				got = res.Text
			} else {
				got = e.cmd(t, "jan", "3.2 gereed")
			}
			want := "Gemeente Emmen: de status **Gereed** van ambitie 3.2 is bevestigd voor de gewijzigde tekst."
			if got != want {
				t.Errorf("reply\n got %q\nwant %q", got, want)
			}
			ps, _ := e.db.FindProgress(ctx, ambitiebot.ProgressFilter{OrgKey: "emmen"})
			if len(ps) != 1 || ps[0].Reconfirm || ps[0].Note != "klaar in mei" {
				t.Errorf("after confirming: %+v", ps)
			}
			after, _ := e.db.FindChanges(ctx, ambitiebot.ChangeFilter{OrgKey: "emmen"})
			if len(after) != len(changes) || len(e.feed(t)) != feed {
				t.Errorf("a confirmation recorded a change: %d → %d changes, %d → %d feed lines", len(changes), len(after), feed, len(e.feed(t)))
			}
		})
	}
}
