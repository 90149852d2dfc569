package sqlite_test

import (
	"context"
	"slices"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func catalogueWith(t *testing.T, text32 string) *ambitiebot.Catalogue {
	t.Helper()
	all := []ambitiebot.OrgKind{ambitiebot.KindMunicipality, ambitiebot.KindProvince, ambitiebot.KindWaterBoard}
	c, err := ambitiebot.NewCatalogue([]ambitiebot.Theme{{Number: 3, Name: "Wet- en regelgeving"}}, []ambitiebot.Ambition{
		{ID: "3.1", Text: "Een APV.", AppliesTo: all},
		{ID: "3.2", Text: text32, AppliesTo: all},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A changed text keeps every stored status on the ambition but marks it
// te herbevestigen, until the organisation gives the same status again
// (confirmed, recorded as an event) or another one (a change).
func TestSyncCatalogueAndConfirm(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	raw := rawDB(t, path)
	changed, err := db.SyncCatalogue(ctx, catalogueWith(t, "Een actueel Bibob-beleid."))
	if err != nil || len(changed) != 0 {
		t.Fatalf("first sync = %v, %v; want nothing changed", changed, err)
	}
	for _, org := range []string{"emmen", "assen"} {
		if _, err := db.SetStatus(ctx, update(org, "3.2", ambitiebot.StatusDone, "vastgesteld")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetStatus(ctx, update("emmen", "3.1", ambitiebot.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	// Spacing alone is no new text.
	if changed, err := db.SyncCatalogue(ctx, catalogueWith(t, "Een  actueel\nBibob-beleid. ")); err != nil || len(changed) != 0 {
		t.Fatalf("respaced sync = %v, %v", changed, err)
	}
	changed, err = db.SyncCatalogue(ctx, catalogueWith(t, "Een actueel Bibob-beleid, ook na de Omgevingswet."))
	if err != nil || !slices.Equal(changed, []string{"3.2"}) {
		t.Fatalf("sync after a change = %v, %v; want [3.2]", changed, err)
	}
	if changed, _ := db.SyncCatalogue(ctx, catalogueWith(t, "Een actueel Bibob-beleid, ook na de Omgevingswet.")); len(changed) != 0 {
		t.Fatalf("a second sync of the same text changed %v", changed)
	}
	marked := func() map[string]bool {
		t.Helper()
		ps, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, p := range ps {
			if p.Reconfirm {
				out[p.OrgKey+" "+p.AmbitionID] = true
			}
			if p.Reconfirm && p.Status != ambitiebot.StatusDone {
				t.Errorf("%s %s lost its status: %s", p.OrgKey, p.AmbitionID, p.Status)
			}
		}
		return out
	}
	if m := marked(); len(m) != 2 || !m["emmen 3.2"] || !m["assen 3.2"] {
		t.Fatalf("marked = %v, want emmen and assen on 3.2", m)
	}

	// The same status and note confirm: no change, the mark goes, an event stays.
	c, err := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, "vastgesteld"))
	if err != nil || c.ID != 0 || !c.Confirmed {
		t.Fatalf("confirming = %+v, %v", c, err)
	}
	// A different status clears it too, as a change.
	c, err = db.SetStatus(ctx, update("assen", "3.2", ambitiebot.StatusInProgress, ""))
	if err != nil || c.ID == 0 || !c.Confirmed {
		t.Fatalf("changing = %+v, %v", c, err)
	}
	if m := marked(); len(m) != 0 {
		t.Fatalf("still marked: %v", m)
	}
	if c, _ := db.SetStatus(ctx, update("emmen", "3.2", ambitiebot.StatusDone, "vastgesteld")); c.Confirmed {
		t.Error("an unmarked status was confirmed again")
	}
	events, err := db.FindCatalogueEvents(ctx, "3.2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Kind != ambitiebot.EventTextChanged || events[0].OrgKey != "" ||
		events[1].Kind != ambitiebot.EventConfirmed || events[1].OrgKey != "emmen" || events[1].UserName != "u1" || events[1].At.IsZero() {
		t.Fatalf("events = %+v", events)
	}
	if last, _ := db.FindCatalogueEvents(ctx, "3.2", 1); len(last) != 1 || last[0].Kind != ambitiebot.EventConfirmed {
		t.Errorf("newest event = %+v", last)
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM changes WHERE ambition_id = '3.2'`); n != 3 {
		t.Errorf("changes on 3.2 = %d, want 3 (two set, one changed; a confirmation is no change)", n)
	}
	if _, err := raw.Exec(`DELETE FROM catalogue_events`); err == nil {
		t.Error("catalogue_events is not append-only")
	}
}
