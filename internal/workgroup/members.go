package workgroup

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Member answers "who is this user, for the bot": their account, the
// organisation they act for and whether they are a project leader.
type Member struct {
	User          ambitiebot.User
	Org           ambitiebot.Organisation
	HasOrg        bool
	Linked        bool // the organisation comes from a project leader's link, not the e-mail domain
	ProjectLeader bool
}

// resolver looks users up through the chat server (whose adapter caches
// briefly) and the link store (asked every time, so a new link takes
// effect at once; the SQLite store answers from memory). When the chat server fails, the last answer it gave for a user
// is used, so that an update still lands while Mattermost's API is down.
type resolver struct {
	chat           ambitiebot.Chat
	links          ambitiebot.LinkService
	organisations  *ambitiebot.Organisations
	projectLeaders []string // usernames, lower-case, without @

	mu    sync.Mutex
	known map[string]ambitiebot.User
}

func (r *resolver) user(ctx context.Context, id string) (ambitiebot.User, error) {
	u, err := r.chat.User(ctx, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		if r.known == nil {
			r.known = map[string]ambitiebot.User{}
		}
		r.known[id] = u
		return u, nil
	}
	if ce, ok := ambitiebot.AsChatError(err); ok && ce.Temporary {
		if last, ok := r.known[id]; ok {
			return last, nil
		}
	}
	return ambitiebot.User{}, err
}

// Resolve returns the member for a user id. The username that a request
// claims is never used: identity comes from the chat server.
func (r *resolver) Resolve(ctx context.Context, userID string) (Member, error) {
	u, err := r.user(ctx, userID)
	if err != nil {
		return Member{}, err
	}
	m := Member{User: u, ProjectLeader: slices.Contains(r.projectLeaders, strings.ToLower(u.Username))}
	link, err := r.links.FindUserLink(ctx, userID)
	switch {
	case err == nil:
		if org, ok := r.organisations.ByKey(link.OrgKey); ok {
			m.Org, m.HasOrg, m.Linked = org, true, true
			return m, nil
		}
	case ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND:
		return Member{}, err
	}
	if org, ok := r.organisations.ByEmail(u.Email); ok {
		m.Org, m.HasOrg = org, true
	}
	return m, nil
}

// CanActFor reports whether the member may change org's statuses.
func (m Member) CanActFor(orgKey string) bool {
	return m.ProjectLeader || (m.HasOrg && m.Org.Key == orgKey)
}
