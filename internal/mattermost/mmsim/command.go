package mmsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// CommandTrigger is the slash command the bot answers.
const CommandTrigger = "/ambitie"

// atMention finds possible @username mentions the way Mattermost's
// possibleAtMentions does: '@' and the characters a username may hold.
var atMention = regexp.MustCompile(`\B@([[:alnum:]][[:alnum:]\.\-_:]*)`)

// CommandRequest builds the request Mattermost sends to a custom slash
// command's URL when user types "/ambitie text" in channel: a form POST
// with the command's token in the Authorization header and the form.
func (s *Server) CommandRequest(botURL, token string, user *model.User, channel *model.Channel, text string) *http.Request {
	return s.commandRequest(botURL, token, CommandTrigger, user, channel, channel.TeamId, text)
}

// commandRequest builds a command's request; teamID is the channel's
// team, or for a direct channel the team the client named.
func (s *Server) commandRequest(botURL, token, command string, user *model.User, channel *model.Channel, teamID, text string) *http.Request {
	form := url.Values{}
	s.mu.Lock()
	team := s.teams[teamID]
	teamName := ""
	if team != nil {
		teamName = team.Name
	}
	form.Set("token", token)
	form.Set("team_id", teamID)
	form.Set("team_domain", teamName)
	form.Set("channel_id", channel.Id)
	form.Set("channel_name", channel.Name)
	form.Set("user_id", user.Id)
	form.Set("user_name", user.Username)
	form.Set("command", command)
	form.Set("text", text)
	for k, v := range s.userMentions(text, teamID).ToURLValues() {
		form[k] = v
	}
	for k, v := range s.channelMentions(text, teamID).ToURLValues() {
		form[k] = v
	}
	s.mu.Unlock()
	form.Set("trigger_id", s.NewTriggerID())
	form.Set("response_url", s.url+"/hooks/commands/"+model.NewId())

	req, err := http.NewRequest(http.MethodPost, botURL, strings.NewReader(form.Encode()))
	if err != nil {
		fatalf("mmsim: command request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("User-Agent", "Mattermost-Bot/1.1")
	return req
}

// ExecuteCommand sends CommandRequest and reads the reply as Mattermost
// does: anything but 200 is an error, the body is capped at 1 MiB and
// parsed with model.CommandResponseFromHTTPBody. It returns the HTTP status
// too.
func (s *Server) ExecuteCommand(botURL, token string, user *model.User, channel *model.Channel, text string) (*model.CommandResponse, int, error) {
	return s.sendCommand(context.Background(), s.CommandRequest(botURL, token, user, channel, text))
}

// errEmptyResponse is a command's 200 answer that holds no response.
var errEmptyResponse = errors.New("command answered an empty body")

// sendCommand sends a command request and reads the reply.
func (s *Server) sendCommand(ctx context.Context, req *http.Request) (*model.CommandResponse, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 1<<20)
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(body)
		return nil, resp.StatusCode, fmt.Errorf("command answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	cr, err := model.CommandResponseFromHTTPBody(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if cr == nil {
		return nil, resp.StatusCode, errEmptyResponse
	}
	return cr, resp.StatusCode, nil
}

// userMentions maps the @usernames in text that belong to team members to
// their ids, trimming trailing punctuation as Mattermost does.
func (s *Server) userMentions(text, teamID string) model.UserMentionMap {
	m := model.UserMentionMap{}
	for _, match := range atMention.FindAllStringSubmatch(text, -1) {
		name := strings.ToLower(match[1])
		for name != "" {
			if u := s.userByName(name); u != nil && s.teamMembers[teamID][u.Id] {
				m[name] = u.Id
				break
			}
			if !strings.ContainsAny(name[len(name)-1:], ".-_:") {
				break
			}
			name = name[:len(name)-1]
		}
	}
	return m
}

// channelMentions maps the ~channel names in text that are public channels
// of the team to their ids.
func (s *Server) channelMentions(text, teamID string) model.ChannelMentionMap {
	m := model.ChannelMentionMap{}
	for _, name := range model.ChannelMentions(text) {
		for _, c := range s.channels {
			if c.TeamId == teamID && c.Name == name && c.Type == model.ChannelTypeOpen {
				m[name] = c.Id
			}
		}
	}
	return m
}

func (s *Server) userByName(name string) *model.User {
	for _, u := range s.users {
		if u.Username == name {
			return u
		}
	}
	return nil
}
