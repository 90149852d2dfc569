package sandbox

import (
	"context"
	"hash/fnv"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// sampleNotes explain the statuses that need a toelichting.
var sampleNotes = map[ambitiebot.Status][]string{
	ambitiebot.StatusBlocked: {"wacht op capaciteit bij juridische zaken", "afstemming met de RUD loopt nog", "budget pas na de voorjaarsnota"},
	ambitiebot.StatusNA:      {"geen eigen toezichthouders in dienst", "valt onder de gemeenschappelijke regeling"},
}

// Seed fills the store with plausible progress, the same every time, so
// the sandbox's views, chart and reminders have something to show. by
// names the user recorded as having made the changes.
func Seed(ctx context.Context, store ambitiebot.ProgressService, cat *ambitiebot.Catalogue, orgs *ambitiebot.Organisations, by ambitiebot.User) error {
	statuses := []ambitiebot.Status{
		ambitiebot.StatusDone, ambitiebot.StatusDone, ambitiebot.StatusDone, ambitiebot.StatusInProgress,
		ambitiebot.StatusInProgress, ambitiebot.StatusNotStarted, ambitiebot.StatusNotStarted,
		ambitiebot.StatusBlocked, ambitiebot.StatusNA,
	}
	for _, org := range orgs.All() {
		for _, a := range cat.ForKind(org.Kind) {
			h := fnv.New32a()
			_, _ = h.Write([]byte(org.Key + "|" + a.ID))
			n := int(h.Sum32())
			st := statuses[n%len(statuses)]
			if st == ambitiebot.StatusNotStarted {
				continue
			}
			note := ""
			if notes := sampleNotes[st]; notes != nil {
				note = notes[n/7%len(notes)]
			}
			u := ambitiebot.Update{OrgKey: org.Key, AmbitionID: a.ID, Status: st, Note: note, User: by}
			if _, err := store.SetStatus(ctx, u); err != nil {
				return err
			}
		}
	}
	return nil
}
