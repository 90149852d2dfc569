package ambitiebot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Organisation is one signatory of the agreement, or an affiliated
// organisation (Kind KindAffiliated) that only receives the awareness
// message.
type Organisation struct {
	Key     string // stable, lower-case, e.g. "emmen"
	Name    string // "Gemeente Emmen"
	Kind    OrgKind
	Domains []string // e-mail domains of its staff, lower-case
	Channel string   // "team/channel" where its staff get the awareness post
	Webhook string   // incoming-webhook URL used instead of Channel; a secret
	// Representatives are the usernames (lower-case, without @) of the
	// people who act for the organisation by configuration, besides
	// those its e-mail domains and a project leader's links place there.
	Representatives []string
	// Contacts are the usernames of the people who get the organisation's
	// reminder when no member of it is in the working-group channel; they
	// act for it as its representatives do.
	Contacts []string
}

// Target is where the organisation's staff are reached: its webhook when
// it has one, else its channel.
func (o Organisation) Target() Target {
	if o.Webhook != "" {
		return WebhookTarget(o.Key)
	}
	return ChannelTarget(o.Channel)
}

var orgKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Affiliated reports whether the organisation is an affiliated one, not a
// party to the agreement.
func (o Organisation) Affiliated() bool { return o.Kind == KindAffiliated }

// Organisations is the validated list of signatories (the parties) and of
// the affiliated organisations. All, Len, Grouped, ByKey and ByEmail see
// only the parties: an affiliated organisation has no ambitions and no
// members who update. Recipients and Recipient see both, for the
// awareness message that goes to every one of them.
type Organisations struct {
	list       []Organisation // the parties
	affiliated []Organisation
	byKey      map[string]int // parties by key
	affByKey   map[string]int // affiliated organisations by key
}

// NewOrganisations validates orgs: unique keys, known kinds, a channel or
// webhook each, and no e-mail domain claimed twice. Its error is an
// EINVALID *Error naming the offending entry by its configuration key
// (organisations.*); a webhook URL, a secret, is never in it.
func NewOrganisations(orgs []Organisation) (*Organisations, error) {
	if len(orgs) == 0 {
		return nil, invalidConfig("ConfigListEmpty", "organisations", nil)
	}
	o := &Organisations{byKey: make(map[string]int, len(orgs)), affByKey: map[string]int{}}
	domains := map[string]string{}
	for _, org := range orgs {
		raw := org.Key
		org.Key = strings.ToLower(strings.TrimSpace(org.Key))
		if !orgKeyPattern.MatchString(org.Key) {
			return nil, invalidConfig("ConfigOrgKey", "organisations.key", map[string]any{"Got": strconv.Quote(raw)})
		}
		if _, dup := o.Recipient(org.Key); dup {
			return nil, invalidConfig("ConfigDuplicate", "organisations.key", map[string]any{"Got": org.Key})
		}
		if strings.TrimSpace(org.Name) == "" {
			return nil, invalidConfig("ConfigMissing", "organisations.name", map[string]any{"Item": org.Key})
		}
		if !org.Kind.ValidForOrganisation() {
			return nil, invalidConfig("ConfigOrgKind", "organisations.kind", map[string]any{"Item": org.Key, "Got": strconv.Quote(string(org.Kind))})
		}
		if org.Channel == "" && org.Webhook == "" {
			org.Channel = org.Key + "/town-square"
		}
		if org.Channel != "" && !ValidChannelRef(org.Channel) {
			return nil, invalidConfig("ConfigChannel", "organisations.channel", map[string]any{"Item": org.Key, "Got": strconv.Quote(org.Channel)})
		}
		if org.Webhook != "" && !strings.HasPrefix(org.Webhook, "https://") && !strings.HasPrefix(org.Webhook, "http://") {
			return nil, invalidConfig("ConfigWebhook", "organisations.webhook", map[string]any{"Item": org.Key})
		}
		org.Domains = slices.Clone(org.Domains)
		for j, d := range org.Domains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			if d == "" || strings.ContainsAny(d, "@ /") {
				return nil, invalidConfig("ConfigDomain", "organisations.domains", map[string]any{"Item": org.Key, "Got": strconv.Quote(org.Domains[j])})
			}
			if other, dup := domains[d]; dup {
				return nil, invalidConfig("ConfigDomainTwice", "organisations.domains", map[string]any{"Got": strconv.Quote(d), "Item": other, "Other": org.Key})
			}
			domains[d] = org.Key
			org.Domains[j] = d
		}
		if org.Affiliated() {
			o.affByKey[org.Key] = len(o.affiliated)
			o.affiliated = append(o.affiliated, org)
			continue
		}
		o.byKey[org.Key] = len(o.list)
		o.list = append(o.list, org)
	}
	if len(o.list) == 0 {
		return nil, invalidConfig("ConfigOrgNoParties", "organisations", nil)
	}
	return o, nil
}

// ValidChannelRef reports whether ref looks like "team/channel".
func ValidChannelRef(ref string) bool {
	team, ch, ok := strings.Cut(ref, "/")
	return ok && team != "" && ch != "" && !strings.Contains(ch, "/")
}

// All returns every party in configured order.
func (o *Organisations) All() []Organisation { return o.list }

// Len returns the number of parties.
func (o *Organisations) Len() int { return len(o.list) }

// Affiliated returns the affiliated organisations in configured order.
func (o *Organisations) Affiliated() []Organisation { return o.affiliated }

// Recipients returns every organisation that receives the awareness
// message: the parties, then the affiliated organisations.
func (o *Organisations) Recipients() []Organisation {
	return append(slices.Clone(o.list), o.affiliated...)
}

// ByKey finds a party by key, ignoring case.
func (o *Organisations) ByKey(key string) (Organisation, bool) {
	i, ok := o.byKey[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return Organisation{}, false
	}
	return o.list[i], true
}

// Recipient finds a party or an affiliated organisation by key, ignoring
// case.
func (o *Organisations) Recipient(key string) (Organisation, bool) {
	if org, ok := o.ByKey(key); ok {
		return org, true
	}
	i, ok := o.affByKey[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return Organisation{}, false
	}
	return o.affiliated[i], true
}

// ByEmail finds the party whose domain matches the address's domain or a
// parent of it (subdomains count), ignoring case. The most specific domain
// wins, affiliated organisations' domains included: staff of the RUD at
// rud.drenthe.nl are not members of the province at drenthe.nl.
func (o *Organisations) ByEmail(email string) (Organisation, bool) {
	var best Organisation
	bestLen := 0
	for _, org := range o.Recipients() {
		if d, ok := MatchDomain(email, org.Domains); ok && len(d) > bestLen {
			best, bestLen = org, len(d)
		}
	}
	if bestLen == 0 || best.Affiliated() {
		return Organisation{}, false
	}
	return best, true
}

// MatchDomain returns the longest of domains (lower-case) that the
// address's domain equals or is a subdomain of, ignoring case.
func MatchDomain(email string, domains []string) (string, bool) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", false
	}
	host := strings.ToLower(strings.TrimSpace(email[at+1:]))
	best := ""
	for _, d := range domains {
		if (host == d || strings.HasSuffix(host, "."+d)) && len(d) > len(best) {
			best = d
		}
	}
	return best, best != ""
}

// Grouped returns the organisations ordered by kind (municipalities, the
// province, water boards), keeping configured order within a kind.
func (o *Organisations) Grouped() []Organisation {
	out := slices.Clone(o.list)
	slices.SortStableFunc(out, func(a, b Organisation) int {
		return slices.Index(OrgKinds, a.Kind) - slices.Index(OrgKinds, b.Kind)
	})
	return out
}
