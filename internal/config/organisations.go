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
}

// fileOrgChange is a table [organisations.<key>]: each key it gives
// replaces that organisation's value; a nil field keeps it.
type fileOrgChange struct {
	Name    *string   `toml:"name"`
	Kind    *string   `toml:"kind"`
	Domains *[]string `toml:"domains"`
	Channel *string   `toml:"channel"`
	Webhook *string   `toml:"webhook"`
}

// orgFields are an organisation's settings, as named in the file.
var orgFields = []string{"name", "kind", "domains", "channel", "webhook"}

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

// organisationsList finds the list form in a file, as an array of
// tables or an inline array.
var organisationsList = regexp.MustCompile(`(?m)^[ \t]*(\[\[[ \t]*organisations[ \t]*\]\]|organisations[ \t]*=)`)

// mixedOrganisations reports whether the decoder refused the file because
// it gives the organisations both as a list and as changes by key, which
// TOML cannot hold in one file.
func mixedOrganisations(data string, err error) bool {
	var pe toml.ParseError
	return errors.As(err, &pe) && strings.Contains(pe.Message, "'organisations'") && organisationsList.MatchString(data)
}

// listWithChanges reports whether the file gives the list and, after it,
// a table [organisations.<key>]: TOML reads that table as part of the
// list's last entry, where it is an unknown key.
func listWithChanges(md toml.MetaData, undecoded []toml.Key) bool {
	for _, k := range undecoded {
		if len(k) == 2 && k[0] == "organisations" && md.Type(k...) == "Hash" {
			return true
		}
	}
	return false
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
			known := make([]string, len(orgs))
			for j, o := range orgs {
				known[j] = normaliseKey(o.Key)
			}
			return nil, invalid("ConfigOrgUnknown", map[string]any{"Key": "organisations." + name, "Got": strconv.Quote(name), "Known": strings.Join(known, ", ")})
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
