package acceptance

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
)

// cmd types `/ambitie text` in the working group's channel and returns the
// reply Mattermost shows, as the person's client would get it.
func (p *person) cmd(t testing.TB, w *world, text string) string {
	t.Helper()
	r, err := p.try(w, "/ambitie "+text)
	if err != nil {
		t.Fatalf("@%s /ambitie %s: %v", p.Username, text, err)
	}
	return r
}

// try runs a slash command in the working group's channel and returns the
// reply's text (with the texts of any extra responses).
func (p *person) try(w *world, command string) (string, error) {
	r, resp, err := p.API.ExecuteCommand(bg(), w.wg.Id, command)
	if err != nil {
		return "", callErr(command, resp, err)
	}
	texts := []string{r.Text}
	for _, x := range r.ExtraResponses {
		texts = append(texts, x.Text)
	}
	return strings.Join(texts, "\n"), nil
}

// dm is the person's direct channel with the bot.
func (p *person) dm(t testing.TB, w *world) *model.Channel {
	t.Helper()
	ch, resp, err := p.API.CreateDirectChannel(bg(), p.User.Id, w.botUser.Id)
	check(t, "direct channel of "+p.Username, resp, err)
	return ch
}

// dmPosts are the bot's posts in a person's direct channel with the bot,
// read by the admin: a person's own reads of a direct channel the bot has
// just created can get 403 from the server's stale membership cache (see
// docs/mattermost-versions.md), which is not what these tests are about.
func (w *world) dmPosts(t testing.TB, p *person) []*model.Post {
	t.Helper()
	return w.botPosts(t, w.admin, p.dm(t, w).Id)
}

// botPosts returns the bot's posts in a channel made during this run,
// oldest first, read with the reader's client.
func (w *world) botPosts(t testing.TB, reader *model.Client4, channelID string) []*model.Post {
	t.Helper()
	list, resp, err := reader.GetPostsForChannel(bg(), channelID, 0, 200, "", false, false)
	check(t, "posts of "+channelID, resp, err)
	var out []*model.Post
	for _, id := range list.Order {
		p := list.Posts[id]
		if p.UserId == w.botUser.Id && p.CreateAt >= w.since && p.DeleteAt == 0 {
			out = append(out, p)
		}
	}
	slices.Reverse(out)
	return out
}

// feed is the bot's posts in the working group (as the admin reads them).
func (w *world) feed(t testing.TB) []*model.Post { return w.botPosts(t, w.admin, w.wg.Id) }

// postsContaining keeps the posts whose message contains s.
func postsContaining(posts []*model.Post, s string) []*model.Post {
	var out []*model.Post
	for _, p := range posts {
		if strings.Contains(p.Message, s) {
			out = append(out, p)
		}
	}
	return out
}

// waitPosts waits until the channel has a bot post containing s and then
// a little longer, so that a duplicate would show, and returns them all.
func (w *world) waitPosts(t testing.TB, reader *model.Client4, channelID, s string, within time.Duration) []*model.Post {
	t.Helper()
	var got []*model.Post
	deadline := time.Now().Add(within)
	for {
		got = postsContaining(w.botPosts(t, reader, channelID), s)
		if len(got) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(got) > 0 {
		time.Sleep(1500 * time.Millisecond)
		got = postsContaining(w.botPosts(t, reader, channelID), s)
	}
	return got
}

// events is what a person's client hears over the WebSocket.
type events struct {
	ws *model.WebSocketClient
	mu sync.Mutex
	ev []*model.WebSocketEvent
}

// listen connects the person's WebSocket, as their browser does.
func (p *person) listen(t testing.TB, w *world) *events {
	t.Helper()
	wsURL := "ws" + strings.TrimPrefix(w.srv.URL, "http")
	dialer := *websocket.DefaultDialer
	dialer.NetDialContext = dialerFrom(p.Addr).DialContext
	ws, err := model.NewWebSocketClient4WithDialer(&dialer, wsURL, p.API.AuthToken)
	if err != nil {
		t.Fatalf("websocket of %s: %v", p.Username, err)
	}
	ws.Listen()
	e := &events{ws: ws}
	go func() {
		for ev := range ws.EventChannel {
			e.mu.Lock()
			e.ev = append(e.ev, ev)
			e.mu.Unlock()
		}
	}()
	t.Cleanup(ws.Close)
	// The server answers the authentication challenge with a hello.
	if e.wait(t, model.WebsocketEventHello, 10*time.Second) == nil {
		t.Fatalf("no hello on %s's websocket", p.Username)
	}
	return e
}

// wait returns the first event of type typ not seen before, or nil.
func (e *events) wait(t testing.TB, typ model.WebsocketEventType, within time.Duration) *model.WebSocketEvent {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		for i, ev := range e.ev {
			if ev.EventType() == typ {
				e.ev = slices.Delete(e.ev, i, i+1)
				e.mu.Unlock()
				return ev
			}
		}
		e.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// dialog waits for the open_dialog event and returns the dialog request
// the server passed on.
func (e *events) dialog(t testing.TB) model.OpenDialogRequest {
	t.Helper()
	ev := e.wait(t, model.WebsocketEventOpenDialog, 15*time.Second)
	if ev == nil {
		t.Fatal("no dialog opened")
	}
	var req model.OpenDialogRequest
	raw, _ := ev.GetData()["dialog"].(string)
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		t.Fatalf("open_dialog event: %v (%v)", err, ev.GetData())
	}
	return req
}

// ephemeral waits for an ephemeral post for this person whose message
// contains want and returns the message. Slash-command replies arrive this
// way too; they are passed over.
func (e *events) ephemeral(t testing.TB, want string) string {
	t.Helper()
	return e.ephemeralPost(t, want).Message
}

// ephemeralPost waits for an ephemeral post for this person whose message
// contains want and returns it whole: its buttons carry the cookie that a
// click on a post the server never stored needs.
func (e *events) ephemeralPost(t testing.TB, want string) *model.Post {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		ev := e.wait(t, model.WebsocketEventEphemeralMessage, time.Until(deadline))
		if ev == nil {
			break
		}
		var post model.Post
		raw, _ := ev.GetData()["post"].(string)
		if err := json.Unmarshal([]byte(raw), &post); err != nil {
			t.Fatalf("ephemeral_message event: %v", err)
		}
		if strings.Contains(post.Message, want) {
			return &post
		}
		seen = append(seen, post.Message)
	}
	t.Fatalf("no ephemeral message with %q arrived; got %q", want, seen)
	return nil
}

// choose picks option in the menu actionID of a post, as a click in the
// web app does: POST /api/v4/posts/{post_id}/actions/{action_id}.
func (p *person) choose(t testing.TB, postID, actionID, option string) {
	t.Helper()
	resp, err := p.API.DoPostActionWithCookie(bg(), postID, actionID, option, "", nil, "")
	check(t, "menu "+actionID+" of post "+postID, resp, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("menu answered %d", resp.StatusCode)
	}
}

// submit sends a dialog the way the web app does.
func (p *person) submit(t testing.TB, w *world, d model.OpenDialogRequest, submission map[string]any) *model.SubmitDialogResponse {
	t.Helper()
	r, resp, err := p.API.SubmitInteractiveDialog(bg(), model.SubmitDialogRequest{
		Type: "dialog_submission", URL: d.URL, CallbackId: d.Dialog.CallbackId, State: d.Dialog.State,
		UserId: p.User.Id, ChannelId: w.wg.Id, TeamId: w.teams[workingGroupTeam].Id, Submission: submission,
	})
	check(t, "submit dialog", resp, err)
	return r
}
