package config

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// fileOrganisation is one entry of the list [[organisations]].
type fileOrganisation struct {
	Key     string   `toml:"key"`
	Name    string   `toml:"name"`
	Kind    string   `toml:"kind"`
	Domains []string `toml:"domains"`
	Channel string   `toml:"channel"`
	Webhook string   `toml:"webhook"`
	// Representatives and Contacts are usernames.
	Representatives []string `toml:"representatives"`
	Contacts        []string `toml:"contacts"`
}

// fileOrgChange is a table [organisations.<key>]: each key it gives
// replaces that organisation's value; a nil field keeps it.
type fileOrgChange struct {
	Name    *string   `toml:"name"`
	Kind    *string   `toml:"kind"`
	Domains *[]string `toml:"domains"`
	Channel *string   `toml:"channel"`
	Webhook *string   `toml:"webhook"`

	Representatives *[]string `toml:"representatives"`
	Contacts        *[]string `toml:"contacts"`
}

// orgFields are an organisation's settings, as named in the file.
var orgFields = []string{"name", "kind", "domains", "channel", "webhook", "representatives", "contacts"}

// decodeOrganisations decodes the organisations the file gives: a table
// of tables is a set of changes by key, anything else must be the list.
func (fc *fileConfig) decodeOrganisations(md toml.MetaData) error {
	if !md.IsDefined("organisations") {
		return nil
	}
	switch md.Type("organisations") {
	case "Hash", "": // "" is the table that [organisations.<key>] implies
		fc.orgChanges = map[string]fileOrgChange{}
		return md.PrimitiveDecode(fc.Organisations, &fc.orgChanges)
	}
	// Not nil, so that an empty list replaces the built-in one and is refused.
	fc.orgList = []fileOrganisation{}
	return md.PrimitiveDecode(fc.Organisations, &fc.orgList)
}

// listKeys are the settings that a file gives either as a list (replacing
// the built-in one) or as tables of changes by key; TOML cannot hold both
// forms of one key in one file.
var listKeys = []string{"organisations", "themes", "ambitions"}

// listForm finds the list form of each of listKeys in a file, as an array
// of tables or an inline array.
var listForm = func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	for _, k := range listKeys {
		out[k] = regexp.MustCompile(`(?m)^[ \t]*(\[\[[ \t]*` + k + `[ \t]*\]\]|` + k + `[ \t]*=)`)
	}
	return out
}()

// mixedList names the key whose list and changes by key the file mixes,
// when that is why the decoder refused it; "" otherwise.
func mixedList(data string, err error) string {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return ""
	}
	for _, k := range listKeys {
		if strings.Contains(pe.Message, "'"+k+"'") && listForm[k].MatchString(data) {
			return k
		}
	}
	return ""
}

// listWithChanges names the key whose list the file gives with, after
// it, a table [<key>.<name>]: TOML reads that table as part of the list's
// last entry, where it is an unknown key. "" when there is none.
func listWithChanges(md toml.MetaData, undecoded []toml.Key) string {
	for _, k := range undecoded {
		if len(k) == 2 && slices.Contains(listKeys, k[0]) && md.Type(k...) == "Hash" {
			return k[0]
		}
	}
	return ""
}

// mixedError is the sentence for a file that mixes the two forms of key.
func mixedError(key, file string) error {
	id := "ConfigListMixed"
	if key == "organisations" {
		id = "ConfigOrganisationsMixed"
	}
	return invalid(id, map[string]any{"Key": key, "File": file})
}

// organisations builds the signatories: the list (built in, or the
// file's), each organisation changed by the file's [organisations.<key>],
// and every organisation without a channel or webhook given the
// working group's organisation_channel. It records where each value came
// from; ambitiebot.NewOrganisations checks the result and names the
// offending key and entry. c.WorkingGroup must be set.
func (c *Config) organisations(fc fileConfig) (*ambitiebot.Organisations, error) {
	listOrigin := Origin{Source: SourceBuiltIn}
	if fc.orgListInFile {
		listOrigin = Origin{Source: SourceFile}
	}
	orgs := make([]ambitiebot.Organisation, len(fc.orgList))
	index := make(map[string]int, len(fc.orgList))
	for i, o := range fc.orgList {
		orgs[i] = ambitiebot.Organisation{
			Key:     o.Key,
			Name:    strings.TrimSpace(o.Name),
			Kind:    orgKind(o.Kind),
			Domains: o.Domains,
			Channel: strings.TrimSpace(o.Channel),
			Webhook: strings.TrimSpace(o.Webhook),

			Representatives: o.Representatives,
			Contacts:        o.Contacts,
		}
		key := normaliseKey(o.Key)
		if _, dup := index[key]; !dup {
			index[key] = i
		}
		for _, f := range orgFields {
			c.setOrigin(orgSetting(key, f), listOrigin)
		}
	}
	orgs, err := c.changeOrganisations(orgs, index, fc.orgChanges)
	if err != nil {
		return nil, err
	}
	if err := c.people(orgs, index, fc.Representatives); err != nil {
		return nil, err
	}
	pattern := c.WorkingGroup.OrganisationChannel
	patternOrigin := c.Origin("working_group.organisation_channel")
	patternOrigin.Via = "working_group.organisation_channel"
	for i, o := range orgs {
		if o.Channel != "" || o.Webhook != "" {
			continue
		}
		key := normaliseKey(o.Key)
		if pattern == "" {
			// ambitiebot.NewOrganisations gives it <key>/town-square.
			c.setOrigin(orgSetting(key, "channel"), Origin{Source: SourceBuiltIn})
			continue
		}
		orgs[i].Channel = strings.ReplaceAll(pattern, "{key}", key)
		c.setOrigin(orgSetting(key, "channel"), patternOrigin)
	}
	return ambitiebot.NewOrganisations(orgs)
}

// changeOrganisations applies the file's changes by key to orgs, whose
// positions index holds by normalised key, and returns the result. A
// change for a new key that says kind = "aangesloten" adds that affiliated
// organisation, so that the RIEC or the RUD can be added without copying
// the whole list; any other change for a key that names no organisation
// is an error that lists the keys there are.
func (c *Config) changeOrganisations(orgs []ambitiebot.Organisation, index map[string]int, changes map[string]fileOrgChange) ([]ambitiebot.Organisation, error) {
	changed := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		key := normaliseKey(name)
		i, ok := index[key]
		if !ok && changes[name].Kind != nil && orgKind(*changes[name].Kind) == ambitiebot.KindAffiliated {
			i, ok = len(orgs), true
			index[key] = i
			orgs = append(orgs, ambitiebot.Organisation{Key: key})
			for _, f := range orgFields {
				c.setOrigin(orgSetting(key, f), Origin{Source: SourceBuiltIn})
			}
		}
		if !ok {
			return nil, invalid("ConfigOrgUnknown", map[string]any{"Key": "organisations." + name, "Got": strconv.Quote(name), "Known": knownKeys(orgs)})
		}
		if changed[key] {
			return nil, invalid("ConfigDuplicate", map[string]any{"Key": "organisations", "Got": key})
		}
		changed[key] = true
		ch, o := changes[name], &orgs[i]
		set := func(field string) { c.setOrigin(orgSetting(key, field), Origin{Source: SourceFile}) }
		if ch.Name != nil {
			o.Name = strings.TrimSpace(*ch.Name)
			set("name")
		}
		if ch.Kind != nil {
			o.Kind = orgKind(*ch.Kind)
			set("kind")
		}
		if ch.Domains != nil {
			o.Domains = *ch.Domains
			set("domains")
		}
		if ch.Channel != nil {
			o.Channel = strings.TrimSpace(*ch.Channel)
			set("channel")
		}
		if ch.Webhook != nil {
			o.Webhook = strings.TrimSpace(*ch.Webhook)
			set("webhook")
		}
		if ch.Representatives != nil {
			o.Representatives = *ch.Representatives
			set("representatives")
		}
		if ch.Contacts != nil {
			o.Contacts = *ch.Contacts
			set("contacts")
		}
	}
	return orgs, nil
}

// validChannelPattern reports whether p names one channel per
// organisation: team/channel with {key} in it and no other placeholder.
func validChannelPattern(p string) bool {
	ref := strings.ReplaceAll(p, "{key}", "k")
	return ref != p && !strings.ContainsAny(ref, "{} ") && ambitiebot.ValidChannelRef(ref)
}

func normaliseKey(key string) string { return strings.ToLower(strings.TrimSpace(key)) }

// orgSetting names an organisation's setting: organisations.emmen.channel.
func orgSetting(key, field string) string { return "organisations." + key + "." + field }

// fileRepresentative is one entry of [[representatives]]: a person who
// acts for the organisations listed.
type fileRepresentative struct {
	Username      string   `toml:"username"`
	Organisations []string `toml:"organisations"`
}

// people checks the usernames of every organisation's representatives
// and contacts and adds the file's [[representatives]] to the
// organisations they name, so that each organisation holds its
// representatives whichever way the file gives them.
func (c *Config) people(orgs []ambitiebot.Organisation, index map[string]int, reps []fileRepresentative) error {
	for i := range orgs {
		key := normaliseKey(orgs[i].Key)
		var err error
		if orgs[i].Representatives, err = usernames(orgSetting(key, "representatives"), orgs[i].Representatives); err != nil {
			return err
		}
		if orgs[i].Contacts, err = usernames(orgSetting(key, "contacts"), orgs[i].Contacts); err != nil {
			return err
		}
		// An affiliated organisation only receives ambition 5.2's message:
		// nobody updates it and no reminder goes to it, so people named
		// for it would be ignored without a word.
		if orgs[i].Kind == ambitiebot.KindAffiliated {
			field := ""
			switch {
			case len(orgs[i].Representatives) > 0:
				field = "representatives"
			case len(orgs[i].Contacts) > 0:
				field = "contacts"
			}
			if field != "" {
				return invalid("ConfigAffiliatedPeople", map[string]any{"Key": orgSetting(key, field), "Org": key})
			}
		}
	}
	for _, r := range reps {
		name, err := usernames("representatives.username", []string{r.Username})
		if err != nil {
			return err
		}
		if len(r.Organisations) == 0 {
			return invalid("ConfigRepresentativeNoOrgs", map[string]any{"Key": "representatives.organisations", "User": name[0]})
		}
		for _, k := range r.Organisations {
			key := normaliseKey(k)
			i, ok := index[key]
			if !ok {
				return invalid("ConfigOrgUnknown", map[string]any{"Key": "representatives.organisations", "Got": strconv.Quote(k), "Known": knownKeys(orgs)})
			}
			if orgs[i].Kind == ambitiebot.KindAffiliated {
				return invalid("ConfigAffiliatedPeople", map[string]any{"Key": "representatives.organisations", "Org": key})
			}
			if !slices.Contains(orgs[i].Representatives, name[0]) {
				orgs[i].Representatives = append(orgs[i].Representatives, name[0])
			}
			o := c.Origin(orgSetting(key, "representatives"))
			if o.Source != SourceFile || o.Via == "" {
				c.setOrigin(orgSetting(key, "representatives"), Origin{Source: SourceFile, Via: "representatives"})
			}
		}
	}
	return nil
}

// knownKeys lists the organisations' keys for an error that names a key
// that is not among them.
func knownKeys(orgs []ambitiebot.Organisation) string {
	known := make([]string, len(orgs))
	for i, o := range orgs {
		known[i] = normaliseKey(o.Key)
	}
	return strings.Join(known, ", ")
}
