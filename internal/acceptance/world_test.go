package acceptance

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
)

const (
	workingGroupTeam    = "drenthe"
	workingGroupChannel = "werkgroep-ondermijning"
	botUsername         = "ambitiebot"
)

// member is a person of the working group as the suite creates them.
type member struct {
	Username, Email, Locale string
	Org                     string // organisation key; "" for none
}

// members: Dutch and English speakers, two project leaders (one of each
// language), and two people without an organisation (the RIEC, a guest).
var members = []member{
	{"jan.devries", "jan.devries@emmen.nl", "nl", "emmen"},
	{"anna.bakker", "anna.bakker@assen.nl", "nl", "assen"},
	{"john.smith", "john.smith@gemeente.tynaarlo.nl", "en", "tynaarlo"},
	{"pieter.mulder", "pieter.mulder@drenthe.nl", "nl", "provincie-drenthe"},
	{"lisa.brown", "lisa.brown@vechtstromen.nl", "en", "vechtstromen"},
	{"sanne.degroot", "sanne.degroot@hunzeenaas.nl", "nl", "hunze-en-aas"},
	{"ruud.visser", "r.visser@riec.nl", "nl", ""},
	{"kees.jansen", "kees.jansen@gmail.com", "nl", ""},
}

var projectLeaders = []string{"pieter.mulder", "lisa.brown"}

// person is a member logged in to Mattermost from an address of their own.
type person struct {
	member
	User *model.User
	API  *model.Client4
	Addr string
}

// world is the test server laid out as the bot's configuration expects,
// with people, the bot account and a built ambitiebot binary. One world
// serves the whole package run.
type world struct {
	srv        serverEnv
	since      int64 // posts made before this (earlier runs) are not counted
	dir        string
	admin      *model.Client4
	adminUser  *model.User
	adminToken string // a personal access token, as the README asks for setup
	orgs       []ambitiebot.Organisation
	teams      map[string]*model.Team    // by name
	channels   map[string]*model.Channel // by "team/channel"
	wg         *model.Channel
	people     map[string]*person
	botUser    *model.User
	botToken   string
	bin        string
	bot        *botProc // the running `ambitiebot serve`, if any
	tokens     string   // AMBITIEBOT_COMMAND_TOKEN as setup printed it
	setupDone  bool
}

var (
	worldOnce sync.Once
	theWorld  *world
	worldErr  error
)

// getWorld provisions the server and builds the bot once per run.
func getWorld(t testing.TB) *world {
	t.Helper()
	srv := needServer(t)
	worldOnce.Do(func() { theWorld, worldErr = newWorld(srv) })
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return theWorld
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theWorld != nil {
		theWorld.close()
	}
	os.Exit(code)
}

func (w *world) close() {
	if w.bot != nil {
		w.bot.stop()
	}
	if os.Getenv("AMBITIEBOT_KEEP_ACCEPTANCE") == "" {
		os.RemoveAll(w.dir)
	} else {
		fmt.Fprintln(os.Stderr, "acceptance: kept", w.dir)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func newWorld(srv serverEnv) (*world, error) {
	dir, err := os.MkdirTemp("", "ambitiebot-acceptance-")
	if err != nil {
		return nil, err
	}
	w := &world{
		srv: srv, since: model.GetMillis(), dir: dir,
		teams: map[string]*model.Team{}, channels: map[string]*model.Channel{}, people: map[string]*person{},
	}
	cfg, err := config.Load(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		return nil, err
	}
	w.orgs = cfg.Organisations.All()
	steps := []func() error{w.loginAdmin, w.makeTeams, w.makePeople, w.makeBot, w.buildBot}
	for _, step := range steps {
		if err := step(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return w, nil
}

func (w *world) loginAdmin() error {
	w.admin = newClient(w.srv.URL, "", "127.0.2.1")
	u, resp, err := w.admin.Login(bg(), w.srv.AdminUser, w.srv.AdminPassword)
	if err != nil {
		return callErr("log in as "+w.srv.AdminUser, resp, err)
	}
	w.adminUser = u
	tok, resp, err := w.admin.CreateUserAccessToken(bg(), u.Id, "ambitiebot setup (acceptance)", 0)
	if err != nil {
		return callErr("admin access token", resp, err)
	}
	w.adminToken = tok.Token
	return nil
}

// makeTeams creates a team per organisation (with its town-square) and the
// working group's team and channel, as internal/config/defaults.toml
// expects them.
func (w *world) makeTeams() error {
	refs := []string{workingGroupTeam + "/" + workingGroupChannel}
	for _, o := range w.orgs {
		refs = append(refs, o.Channel)
	}
	for _, ref := range refs {
		teamName, channelName, _ := strings.Cut(ref, "/")
		team, ok := w.teams[teamName]
		if !ok {
			display := teamName
			for _, o := range w.orgs {
				if o.Key == teamName {
					display = o.Name
				}
			}
			var err error
			if team, err = w.team(teamName, display); err != nil {
				return err
			}
			w.teams[teamName] = team
		}
		ch, resp, err := w.admin.GetChannelByName(bg(), channelName, team.Id, "")
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			ch, resp, err = w.admin.CreateChannel(bg(), &model.Channel{
				TeamId: team.Id, Name: channelName, DisplayName: "Werkgroep ondermijning", Type: model.ChannelTypeOpen,
			})
		}
		if err != nil {
			return callErr("channel "+ref, resp, err)
		}
		w.channels[ref] = ch
	}
	w.wg = w.channels[workingGroupTeam+"/"+workingGroupChannel]
	return nil
}

func (w *world) team(name, display string) (*model.Team, error) {
	team, resp, err := w.admin.GetTeamByName(bg(), name, "")
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		team, resp, err = w.admin.CreateTeam(bg(), &model.Team{Name: name, DisplayName: display, Type: model.TeamOpen})
	}
	return team, callErr("team "+name, resp, err)
}

// makePeople creates (or resets) the members, puts them in the working
// group's team and channel and their organisation's team, and logs each
// in from an address of their own.
func (w *world) makePeople() error {
	for i, m := range members {
		password := "Pw1!" + randomHex(12)
		u, resp, err := w.admin.GetUserByUsername(bg(), m.Username, "")
		switch {
		case resp != nil && resp.StatusCode == http.StatusNotFound:
			u, resp, err = w.admin.CreateUser(bg(), &model.User{Username: m.Username, Email: m.Email, Password: password, Locale: m.Locale})
			if err != nil {
				return callErr("create user "+m.Username, resp, err)
			}
		case err != nil:
			return callErr("user "+m.Username, resp, err)
		default:
			if resp, err := w.admin.UpdateUserPassword(bg(), u.Id, "", password); err != nil {
				return callErr("password of "+m.Username, resp, err)
			}
		}
		if u.Locale != m.Locale || u.Email != m.Email {
			patched, resp, err := w.admin.PatchUser(bg(), u.Id, &model.UserPatch{Locale: model.NewPointer(m.Locale), Email: model.NewPointer(m.Email)})
			if err != nil {
				return callErr("patch user "+m.Username, resp, err)
			}
			u = patched
		}
		teams := []string{workingGroupTeam}
		if m.Org != "" && m.Org != workingGroupTeam {
			teams = append(teams, m.Org)
		}
		for _, team := range teams {
			if _, resp, err := w.admin.AddTeamMember(bg(), w.teams[team].Id, u.Id); err != nil {
				return callErr("add "+m.Username+" to team "+team, resp, err)
			}
		}
		if _, resp, err := w.admin.AddChannelMember(bg(), w.wg.Id, u.Id); err != nil {
			return callErr("add "+m.Username+" to the working group", resp, err)
		}
		p := &person{member: m, User: u, Addr: fmt.Sprintf("127.0.1.%d", i+1)}
		p.API = newClient(w.srv.URL, "", p.Addr)
		if _, resp, err := p.API.Login(bg(), m.Username, password); err != nil {
			return callErr("log in as "+m.Username, resp, err)
		}
		w.people[m.Username] = p
	}
	return nil
}

// makeBot creates the bot account (or finds it from an earlier run) and
// a fresh access token for it, as an administrator does in the System
// Console.
func (w *world) makeBot() error {
	u, resp, err := w.admin.GetUserByUsername(bg(), botUsername, "")
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		var bot *model.Bot
		bot, resp, err = w.admin.CreateBot(bg(), &model.Bot{Username: botUsername, DisplayName: "Ambitiebot"})
		if err != nil {
			return callErr("create bot", resp, err)
		}
		u, resp, err = w.admin.GetUser(bg(), bot.UserId, "")
	}
	if err != nil {
		return callErr("bot user", resp, err)
	}
	w.botUser = u
	tok, resp, err := w.admin.CreateUserAccessToken(bg(), u.Id, "ambitiebot (acceptance)", 0)
	if err != nil {
		return callErr("bot token", resp, err)
	}
	w.botToken = tok.Token
	return nil
}

// buildBot builds the ambitiebot binary the way an operator would.
func (w *world) buildBot() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	w.bin = filepath.Join(w.dir, "ambitiebot")
	cmd := exec.Command("go", "build", "-o", w.bin, "./cmd/ambitiebot")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/ambitiebot: %v\n%s", err, out)
	}
	return nil
}

// person returns a member by username.
func (w *world) person(t testing.TB, username string) *person {
	t.Helper()
	p, ok := w.people[username]
	if !ok {
		t.Fatalf("no member %q", username)
	}
	return p
}
