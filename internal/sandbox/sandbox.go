// Package sandbox lets a newcomer try the bot in a terminal: the real bot
// (real SQLite file, real HTTP handler, real Mattermost adapter) runs
// against an in-process Mattermost simulator, and a prompt sends
// "/ambitie …" as a chosen user and prints the bot's replies and posts.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
)

// Clock is the sandbox's clock: real time from a starting point, which
// :tijd moves forward.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	real   func() time.Time
}

// NewClock returns a clock that starts at start and then runs.
func NewClock(start time.Time, real func() time.Time) *Clock {
	return &Clock{offset: start.Sub(real()), real: real}
}

// Now is the sandbox time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(c.offset)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.real())
}

// Bot is what the session drives: the running bot's pieces it needs.
type Bot struct {
	CommandURL   string
	CommandToken string
	Calendar     *calendar.Calendar
	// RunJob runs a scheduled job's occurrence now (once, as the scheduler would).
	RunJob func(ctx context.Context, job string, at time.Time) (bool, error)
	// Deliver sends what the outbox holds.
	Deliver func(ctx context.Context) (int, error)
	Tr      *i18n.Translator
}

// Session is one sandbox conversation.
type Session struct {
	World    *mmsim.World
	Bot      Bot
	Clock    *Clock
	Location *time.Location
	Lang     string // the sandbox's own sentences
	Out      io.Writer
	// Files is the folder where the charts and workbooks the bot posts
	// are saved, so that a newcomer can open them; "" saves nothing.
	Files string

	user    string
	printed int // posts shown so far
	dialogs int // dialogs shown so far
}

// Run reads lines until EOF (a closed terminal, Ctrl-C or Ctrl-D in a
// terminal), :stop or the end of ctx (a signal), whichever comes first,
// so that the caller can clean up.
func (s *Session) Run(ctx context.Context, lines Lines) error {
	s.user = "jan"
	s.say("SandboxWelcome", map[string]any{"User": s.userLabel(), "Now": s.now()})
	if s.Files != "" {
		s.say("SandboxFilesDir", map[string]any{"Dir": s.Files})
	}
	type read struct {
		line string
		err  error
	}
	for {
		// A read cannot be interrupted; the buffered channel lets the
		// reader finish on its own when ctx ends first.
		got := make(chan read, 1)
		prompt := s.user + "> "
		go func() { l, err := lines.ReadLine(prompt); got <- read{l, err} }()
		var r read
		select {
		case <-ctx.Done():
			fmt.Fprintln(s.Out)
			return nil
		case r = <-got:
		}
		if r.err != nil {
			// io.EOF, or a terminal that went away (EIO): either way
			// nobody is left to type, and the caller cleans up.
			return nil
		}
		line := strings.TrimSpace(r.line)
		switch {
		case line == "":
		case line == ":stop" || line == ":quit" || line == ":exit":
			return nil
		case strings.HasPrefix(line, "/ambitie"):
			s.command(ctx, strings.TrimSpace(strings.TrimPrefix(line, "/ambitie")))
		case strings.HasPrefix(line, ":als "):
			s.switchUser(strings.TrimSpace(strings.TrimPrefix(line, ":als ")))
		case line == ":wie":
			s.listPeople()
		case strings.HasPrefix(line, ":tijd"):
			s.travel(ctx, strings.TrimSpace(strings.TrimPrefix(line, ":tijd")))
		case line == ":help" || line == "?":
			s.say("SandboxHelp", nil)
		default:
			s.say("SandboxUnknown", map[string]any{"Line": line})
		}
	}
}

func (s *Session) say(id string, data map[string]any) {
	fmt.Fprintln(s.Out, s.Bot.Tr.T(s.Lang, id, data))
}

func (s *Session) now() string { return s.Clock.Now().In(s.Location).Format("2006-01-02 15:04") }

func (s *Session) userLabel() string {
	u := s.World.People[s.user]
	return "@" + u.Username + " <" + u.Email + ">"
}

func (s *Session) command(ctx context.Context, text string) {
	u := s.World.People[s.user]
	resp, status, err := s.World.ExecuteCommand(s.Bot.CommandURL, s.Bot.CommandToken, u, s.World.WorkingGroup, text)
	if err != nil || status != 200 {
		s.say("SandboxCommandFailed", map[string]any{"Status": status})
		return
	}
	if resp.Text != "" {
		fmt.Fprintln(s.Out, indent(resp.Text))
	}
	for _, extra := range resp.ExtraResponses {
		fmt.Fprintln(s.Out, indent(extra.Text))
	}
	s.showDialogs()
	s.deliver(ctx)
}

// showDialogs prints the forms the bot opened since the last command.
// Mattermost shows them as a pop-up; the terminal cannot, so it says
// what the form asks and how to do the same with a command.
func (s *Session) showDialogs() {
	opened := s.World.DialogsOpened()
	for _, d := range opened[s.dialogs:] {
		var fields []string
		for _, e := range d.Dialog.Elements {
			fields = append(fields, e.DisplayName)
		}
		fmt.Fprintf(s.Out, "  ┌ [%s]\n", s.Bot.Tr.T(s.Lang, "SandboxDialog", map[string]any{"Title": d.Dialog.Title}))
		fmt.Fprintf(s.Out, "  │ %s\n", strings.Join(fields, " · "))
		fmt.Fprintf(s.Out, "  │ %s\n", s.Bot.Tr.T(s.Lang, "SandboxDialogHint", nil))
	}
	s.dialogs = len(opened)
}

// deliver sends what is queued and prints every new post, so the user
// sees what the channels and direct messages now show.
func (s *Session) deliver(ctx context.Context) {
	if _, err := s.Bot.Deliver(ctx); err != nil {
		s.say("SandboxDeliveryFailed", nil)
	}
	posts := s.World.AllPosts()
	names := s.channelNames()
	for _, p := range posts[s.printed:] {
		where := names[p.ChannelId]
		if where == "" {
			where = s.Bot.Tr.T(s.Lang, "SandboxDirect", map[string]any{"User": s.dmPartner(p.ChannelId)})
		}
		fmt.Fprintf(s.Out, "  ┌ [%s]\n%s\n", where, indentWith(p.Message, "  │ "))
		for _, a := range p.Attachments() {
			line := "  │ ▸ " + a.Text
			for _, act := range a.Actions {
				var opts []string
				for _, o := range act.Options {
					opts = append(opts, o.Text)
				}
				line += "  [" + act.Name
				if len(opts) > 0 {
					line += ": " + strings.Join(opts, " | ")
				}
				line += "]"
			}
			fmt.Fprintln(s.Out, line)
		}
		for _, fid := range p.FileIds {
			fmt.Fprintf(s.Out, "  │ 📎 %s\n", s.file(fid))
		}
	}
	s.printed = len(posts)
}

func (s *Session) channelNames() map[string]string {
	out := map[string]string{}
	for ref, ch := range s.World.Channels {
		out[ch.Id] = ref
	}
	return out
}

// dmPartner names the person in a direct channel with the bot; Mattermost
// names a direct channel "<user id>__<user id>".
func (s *Session) dmPartner(channelID string) string {
	ch, ok := s.World.Channel(channelID)
	if !ok {
		return "?"
	}
	for _, id := range strings.Split(ch.Name, "__") {
		for _, u := range s.World.People {
			if u.Id == id {
				return "@" + u.Username
			}
		}
	}
	return "?"
}

// file names an uploaded file and saves it in Files, saying where.
func (s *Session) file(id string) string {
	for _, up := range s.World.Uploads() {
		if up.Info.Id != id {
			continue
		}
		label := fmt.Sprintf("%s (%d bytes)", up.Info.Name, len(up.Data))
		if s.Files == "" {
			return label
		}
		path, err := saveFile(s.Files, up.Info.Name, up.Data)
		if err != nil {
			return label + " — " + s.Bot.Tr.T(s.Lang, "SandboxFileNotSaved", map[string]any{"Dir": s.Files})
		}
		return label + " → " + path
	}
	return id
}

// saveFile writes data to dir under name, or under name-2, name-3, …
// when that is taken, and returns the path. Only the file's base name
// is used, so a name cannot point outside dir.
func saveFile(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	base := filepath.Base(name)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	for n := 1; ; n++ {
		path := filepath.Join(dir, base)
		if n > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, n, ext))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return path, err
	}
}

func (s *Session) switchUser(who string) {
	who = strings.TrimPrefix(strings.ToLower(who), "@")
	for name, u := range s.World.People {
		if name == who || strings.EqualFold(u.Email, who) {
			s.user = name
			s.say("SandboxNowUser", map[string]any{"User": s.userLabel()})
			return
		}
	}
	s.say("SandboxNoSuchUser", map[string]any{"User": who})
}

func (s *Session) listPeople() {
	names := make([]string, 0, len(s.World.People))
	for name := range s.World.People {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		u := s.World.People[name]
		fmt.Fprintf(s.Out, "  @%-8s %-36s %s\n", u.Username, u.Email, u.Locale)
	}
}

// travel moves the clock forward and runs every scheduled job whose time
// passed, in order, as the scheduler would have.
func (s *Session) travel(ctx context.Context, arg string) {
	to, err := time.ParseInLocation("2006-01-02 15:04", arg, s.Location)
	if err != nil {
		to, err = time.ParseInLocation("2006-01-02", arg, s.Location)
	}
	from := s.Clock.Now()
	if err != nil || !to.After(from) {
		s.say("SandboxBadTime", map[string]any{"Now": s.now()})
		return
	}
	var due []calendar.Event
	for _, ev := range s.Bot.Calendar.Events(from, 500) {
		if ev.At.After(to) {
			break
		}
		if ev.Kind != calendar.KindMeeting {
			due = append(due, ev)
		}
	}
	for _, ev := range due {
		s.Clock.Set(ev.At)
		s.say("SandboxJob", map[string]any{"Job": s.Bot.Tr.T(s.Lang, "CalendarKind_"+string(ev.Kind), nil), "At": s.now()})
		if _, err := s.Bot.RunJob(ctx, string(ev.Kind), ev.At); err != nil {
			s.say("SandboxJobFailed", nil)
		}
		s.deliver(ctx)
	}
	s.Clock.Set(to)
	s.say("SandboxTimeNow", map[string]any{"Now": s.now()})
}

func indent(s string) string { return indentWith(s, "  ") }

func indentWith(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
