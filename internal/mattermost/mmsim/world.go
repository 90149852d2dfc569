package mmsim

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Person is a user to create in a World.
type Person struct {
	Username, Email, Locale string
}

// SamplePeople are the working-group members the sandbox and the
// end-to-end tests use: members of a municipality, the province (the
// project leader in the sample configuration) and a water board, an
// English-speaking member, and two people without an organisation.
var SamplePeople = []Person{
	{"jan", "jan.devries@emmen.nl", "nl"},
	{"anna", "anna.bakker@Assen.nl", "nl"},
	{"john", "john.smith@gemeente.tynaarlo.nl", "en"},
	{"pieter", "pieter.mulder@drenthe.nl", "nl"},
	{"sanne", "sanne.degroot@hunzeenaas.nl", "nl"},
	{"riec", "r.visser@riec.nl", "nl"},
	{"kees", "kees.jansen@gmail.com", "nl"},
}

// World is a simulated Mattermost populated for the bot: every channel the
// bot posts in, its bot account as a member of all of them, and people
// who are members of the working-group channel.
type World struct {
	*Server
	Bot          *model.User
	BotToken     string
	WorkingGroup *model.Channel
	Channels     map[string]*model.Channel // by "team/channel"
	People       map[string]*model.User    // by username
}

// NewWorld creates the teams and channels named by refs ("team/channel"),
// with workingGroup among them, the bot and people. Close stops it.
func NewWorld(workingGroup string, refs []string, people []Person) *World {
	w := &World{Server: New(), Channels: map[string]*model.Channel{}, People: map[string]*model.User{}}
	w.Bot, w.BotToken = w.AddBot("ambitiebot")
	teams := map[string]*model.Team{}
	for _, ref := range append([]string{workingGroup}, refs...) {
		if _, ok := w.Channels[ref]; ok {
			continue
		}
		teamName, channelName, _ := strings.Cut(ref, "/")
		team, ok := teams[teamName]
		if !ok {
			team = w.AddTeam(teamName)
			teams[teamName] = team
		}
		ch := w.AddChannel(team, channelName)
		w.AddMember(ch.Id, w.Bot.Id)
		w.Channels[ref] = ch
	}
	w.WorkingGroup = w.Channels[workingGroup]
	for _, p := range people {
		u := w.AddUser(p.Username, p.Email, p.Locale)
		w.AddMember(w.WorkingGroup.Id, u.Id)
		w.People[u.Username] = u
	}
	return w
}

// Channel returns a channel by id, direct channels included.
func (s *Server) Channel(id string) (*model.Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return nil, false
	}
	return c.DeepCopy(), true
}
