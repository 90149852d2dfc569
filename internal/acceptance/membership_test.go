package acceptance

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// TestDirectChannelMembershipCache shows on the real server the cause of
// the lost board report (issue 9, defect 2) and checks the remedy
// docs/mattermost-versions.md gives.
//
// Mattermost 6.7.2 decides channel permissions from a per-user cache of
// the user's channel memberships (15 minutes). Creating a direct channel
// invalidates that cache for both users after the commit, but a request of
// the same user that read the memberships from the database before the
// commit stores its stale result after the invalidation. Until the entry
// expires, the user cannot upload files to (or post in) the direct
// channel: 403. A retry does not help; what helps is anything that
// invalidates the user's cache again, such as updating the user's own
// notify props in that channel, which needs no channel permission.
func TestDirectChannelMembershipCache(t *testing.T) {
	w := getWorld(t)
	w.ensureSetUp(t) // the bot must be a member of the working group to read it
	bot := newClient(w.srv.URL, w.botToken, "127.0.3.1")
	newUser := func(try int) *model.User {
		u, resp, err := w.admin.CreateUser(bg(), &model.User{
			Username: fmt.Sprintf("race-%s-%d", randomHex(3), try), Email: fmt.Sprintf("race%d-%s@example.test", try, randomHex(3)),
			Password: "Pw1!" + randomHex(12),
		})
		check(t, "create user", resp, err)
		return u
	}
	hits := 0
	for try := 0; try < 40 && hits == 0; try++ {
		first, second := newUser(try), newUser(try)
		// The bot's other work: requests that check its channel permissions
		// (each from an address of its own, to stay under the rate limit).
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			r := newClient(w.srv.URL, w.botToken, fmt.Sprintf("127.0.%d.%d", 4+try, 10+i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, _, _ = r.GetPostsForChannel(bg(), w.wg.Id, 0, 1, "", false, false)
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		// The first direct channel empties the bot's membership cache; the
		// readers fill it again from the database while the second is
		// being created.
		_, resp, err := bot.CreateDirectChannel(bg(), w.botUser.Id, first.Id)
		check(t, "create direct channel", resp, err)
		dm, resp, err := bot.CreateDirectChannel(bg(), w.botUser.Id, second.Id)
		time.Sleep(30 * time.Millisecond)
		close(stop)
		wg.Wait()
		check(t, "create direct channel", resp, err)

		_, resp, err = bot.UploadFile(bg(), []byte("x"), dm.Id, "x.txt")
		if err == nil {
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upload: %v", err)
		}
		hits++
		t.Logf("try %d: the bot got 403 uploading to the direct channel it had just created", try+1)
		// A retry a little later still fails: the cache keeps the stale
		// entry for up to 15 minutes.
		time.Sleep(2 * time.Second)
		if _, resp, _ := bot.UploadFile(bg(), []byte("x"), dm.Id, "x.txt"); resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Logf("a retry 2 s later succeeded (status %v)", resp)
		}
		// The remedy: touch the bot's own membership, which invalidates
		// its membership cache, then upload again.
		resp, err = bot.UpdateChannelNotifyProps(bg(), dm.Id, w.botUser.Id, map[string]string{})
		check(t, "update the bot's notify props in the direct channel", resp, err)
		_, resp, err = bot.UploadFile(bg(), []byte("x"), dm.Id, "x.txt")
		check(t, "upload after the remedy", resp, err)
	}
	if hits == 0 {
		t.Skip("the race did not occur in 40 tries on this machine")
	}
}
