package ambitiebot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func testOrganisations(t *testing.T) *Organisations {
	t.Helper()
	o, err := NewOrganisations([]Organisation{
		{Key: "waterschap", Name: "Waterschap", Kind: KindWaterBoard, Domains: []string{"water.nl"}, Webhook: "https://elders.example.org/hooks/1"},
		{Key: "Emmen", Name: "Gemeente Emmen", Kind: KindMunicipality, Domains: []string{" @Emmen.NL "}},
		{Key: "provincie", Name: "Provincie Drenthe", Kind: KindProvince, Domains: []string{"drenthe.nl"}, Channel: "drenthe/algemeen"},
		{Key: "rud", Name: "RUD Drenthe", Kind: KindProvince, Domains: []string{"rud.drenthe.nl"}},
		{Key: "assen", Name: "Gemeente Assen", Kind: KindMunicipality, Domains: []string{"assen.nl", "gemeente-assen.nl"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestNewOrganisations(t *testing.T) {
	o := testOrganisations(t)
	if o.Len() != 5 || len(o.All()) != 5 {
		t.Fatalf("Len = %d", o.Len())
	}
	emmen, ok := o.ByKey(" EMMEN ")
	if !ok || emmen.Key != "emmen" || !slices.Equal(emmen.Domains, []string{"emmen.nl"}) {
		t.Errorf("ByKey(EMMEN) = %+v, %v; want key and domain normalised", emmen, ok)
	}
	if emmen.Channel != "emmen/town-square" || emmen.Target() != ChannelTarget("emmen/town-square") {
		t.Errorf("default channel = %q, target %q", emmen.Channel, emmen.Target())
	}
	w, _ := o.ByKey("waterschap")
	if w.Channel != "" || w.Target() != WebhookTarget("waterschap") {
		t.Errorf("webhook organisation: channel %q, target %q", w.Channel, w.Target())
	}
	if kind, value := w.Target().Split(); kind != "webhook" || value != "waterschap" {
		t.Errorf("Split = %s, %s", kind, value)
	}
	if p, _ := o.ByKey("provincie"); p.Target() != ChannelTarget("drenthe/algemeen") {
		t.Errorf("configured channel lost: %+v", p)
	}
	if _, ok := o.ByKey("nope"); ok {
		t.Error("ByKey(nope) found")
	}
	var keys []string
	for _, g := range o.Grouped() {
		keys = append(keys, g.Key)
	}
	if want := []string{"emmen", "assen", "provincie", "rud", "waterschap"}; !slices.Equal(keys, want) {
		t.Errorf("Grouped = %v, want %v", keys, want)
	}
	if o.All()[0].Key != "waterschap" {
		t.Error("Grouped must not reorder All")
	}
}

func TestByEmail(t *testing.T) {
	o := testOrganisations(t)
	for email, want := range map[string]string{
		"jan@emmen.nl":           "emmen",
		"Jan.Smit@EMMEN.NL":      "emmen",
		"jan@zorg.emmen.nl":      "emmen",
		"a@b.c.emmen.nl":         "emmen",
		"piet@drenthe.nl":        "provincie",
		"piet@rud.drenthe.nl":    "rud",
		"piet@x.rud.drenthe.nl":  "rud",
		"piet@post.drenthe.nl":   "provincie",
		"x@gemeente-assen.nl":    "assen",
		"weird\"@local@assen.nl": "assen",
		"  jan@emmen.nl  ":       "emmen",
	} {
		if org, ok := o.ByEmail(email); !ok || org.Key != want {
			t.Errorf("ByEmail(%q) = %q, %v; want %s", email, org.Key, ok, want)
		}
	}
	for _, email := range []string{
		"jan@notemmen.nl", "jan@emmen.nl.example.com", "jan@emmen", "emmen.nl", "", "jan@", "@", "jan@riec.nl", "jan@ssen.nl",
	} {
		if org, ok := o.ByEmail(email); ok {
			t.Errorf("ByEmail(%q) = %s, want no match", email, org.Key)
		}
	}
}

func TestNewOrganisationsErrors(t *testing.T) {
	base := func() Organisation {
		return Organisation{Key: "emmen", Name: "Gemeente Emmen", Kind: KindMunicipality, Domains: []string{"emmen.nl"}}
	}
	with := func(f func(*Organisation)) []Organisation {
		o := base()
		f(&o)
		return []Organisation{o}
	}
	cases := []struct {
		name string
		orgs []Organisation
		id   string
		data map[string]any
	}{
		{"empty", nil, "ConfigListEmpty", map[string]any{"Key": "organisations"}},
		{"bad key", with(func(o *Organisation) { o.Key = "em men" }), "ConfigOrgKey", map[string]any{"Key": "organisations.key", "Got": `"em men"`}},
		{"empty key", with(func(o *Organisation) { o.Key = "" }), "ConfigOrgKey", map[string]any{"Got": `""`}},
		{"dash first", with(func(o *Organisation) { o.Key = "-emmen" }), "ConfigOrgKey", map[string]any{"Got": `"-emmen"`}},
		{"key twice", []Organisation{base(), {Key: "EMMEN", Name: "x", Kind: KindMunicipality}}, "ConfigDuplicate", map[string]any{"Key": "organisations.key", "Got": "emmen"}},
		{"no name", with(func(o *Organisation) { o.Name = " " }), "ConfigMissing", map[string]any{"Key": "organisations.name", "Item": "emmen"}},
		{"kind", with(func(o *Organisation) { o.Kind = "Gemeente" }), "ConfigOrgKind", map[string]any{"Key": "organisations.kind", "Item": "emmen", "Got": `"Gemeente"`}},
		{"channel", with(func(o *Organisation) { o.Channel = "town-square" }), "ConfigChannel", map[string]any{"Key": "organisations.channel", "Item": "emmen", "Got": `"town-square"`}},
		{"channel depth", with(func(o *Organisation) { o.Channel = "a/b/c" }), "ConfigChannel", map[string]any{"Got": `"a/b/c"`}},
		{"channel team", with(func(o *Organisation) { o.Channel = "/b" }), "ConfigChannel", map[string]any{"Got": `"/b"`}},
		{"webhook", with(func(o *Organisation) { o.Webhook = "ftp://hooks.example.org/SECRET" }), "ConfigWebhook", map[string]any{"Key": "organisations.webhook", "Item": "emmen"}},
		{"domain at", with(func(o *Organisation) { o.Domains = []string{"jan@emmen.nl"} }), "ConfigDomain", map[string]any{"Key": "organisations.domains", "Got": `"jan@emmen.nl"`}},
		{"domain space", with(func(o *Organisation) { o.Domains = []string{"em men.nl"} }), "ConfigDomain", map[string]any{"Got": `"em men.nl"`}},
		{"domain empty", with(func(o *Organisation) { o.Domains = []string{" @ "} }), "ConfigDomain", map[string]any{"Item": "emmen"}},
		{"domain twice", []Organisation{base(), {Key: "assen", Name: "Assen", Kind: KindMunicipality, Domains: []string{"EMMEN.nl"}}}, "ConfigDomainTwice", map[string]any{"Got": `"emmen.nl"`, "Item": "emmen", "Other": "assen"}},
	}
	for _, tc := range cases {
		o, err := NewOrganisations(tc.orgs)
		if o != nil {
			t.Errorf("%s: organisations despite the error", tc.name)
		}
		checkConfigError(t, tc.name, err, tc.id, tc.data)
		if err != nil && strings.Contains(fmt.Sprintf("%v %#v", err, err), "SECRET") {
			t.Errorf("%s: error shows the webhook URL: %v", tc.name, err)
		}
	}
}

// An affiliated organisation receives the awareness message but is no
// party: the views' lists and lookups do not see it, Recipients does, and
// its domains keep its staff out of a party with a parent domain.
func TestAffiliatedOrganisations(t *testing.T) {
	o, err := NewOrganisations([]Organisation{
		{Key: "riec", Name: "RIEC Noord-Nederland", Kind: KindAffiliated, Webhook: "https://riec.example.org/hooks/1"},
		{Key: "provincie", Name: "Provincie Drenthe", Kind: KindProvince, Domains: []string{"drenthe.nl"}},
		{Key: "rud", Name: "RUD Drenthe", Kind: KindAffiliated, Domains: []string{"rud.drenthe.nl"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Len() != 1 || len(o.All()) != 1 || len(o.Grouped()) != 1 || o.All()[0].Key != "provincie" {
		t.Errorf("parties = %+v", o.All())
	}
	var keys []string
	for _, r := range o.Recipients() {
		keys = append(keys, r.Key)
	}
	if want := []string{"provincie", "riec", "rud"}; !slices.Equal(keys, want) {
		t.Errorf("Recipients = %v, want %v", keys, want)
	}
	if len(o.Affiliated()) != 2 || !o.Affiliated()[0].Affiliated() {
		t.Errorf("Affiliated = %+v", o.Affiliated())
	}
	if _, ok := o.ByKey("riec"); ok {
		t.Error("ByKey finds an affiliated organisation: it could be updated")
	}
	if r, ok := o.Recipient(" RIEC "); !ok || r.Target() != WebhookTarget("riec") {
		t.Errorf("Recipient(RIEC) = %+v, %v", r, ok)
	}
	if _, ok := o.ByEmail("a@rud.drenthe.nl"); ok {
		t.Error("RUD staff count as members of the province")
	}
	if p, ok := o.ByEmail("a@drenthe.nl"); !ok || p.Key != "provincie" {
		t.Errorf("ByEmail(drenthe.nl) = %+v, %v", p, ok)
	}
	for name, orgs := range map[string][]Organisation{
		"ConfigOrgNoParties": {{Key: "riec", Name: "RIEC", Kind: KindAffiliated}},
		"ConfigDuplicate": {{Key: "riec", Name: "RIEC", Kind: KindAffiliated},
			{Key: "riec", Name: "Gemeente", Kind: KindMunicipality}},
		"ConfigOrgKind": {{Key: "riec", Name: "RIEC", Kind: "partner"}},
	} {
		_, err := NewOrganisations(orgs)
		if e, ok := err.(*Error); !ok || e.MessageID != name {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
