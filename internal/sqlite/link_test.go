package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func TestUserLinks(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	if ls, err := db.FindUserLinks(ctx, "u1"); err != nil || len(ls) != 0 {
		t.Fatalf("links of an unlinked user = %v, %v", ls, err)
	}

	// Links are answered from memory once read; a new link is seen at once.
	if added, err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "emmen", LinkedBy: "pl"}); err != nil || !added {
		t.Fatal(added, err)
	}
	ls, err := db.FindUserLinks(ctx, "u1")
	if err != nil || len(ls) != 1 || ls[0].OrgKey != "emmen" || ls[0].LinkedBy != "pl" || ls[0].LinkedAt.IsZero() || ls[0].LinkedAt.Location() != time.UTC {
		t.Fatalf("links = %+v, %v", ls, err)
	}

	// A second organisation is added, not put in the first one's place;
	// the same one again changes nothing.
	at := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	if added, err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "assen", LinkedBy: "pl2", LinkedAt: at}); err != nil || !added {
		t.Fatal(added, err)
	}
	if added, err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "emmen", LinkedBy: "pl2", LinkedAt: at}); err != nil || added {
		t.Fatalf("linking again: added %v, %v", added, err)
	}
	ls, _ = db.FindUserLinks(ctx, "u1")
	if len(ls) != 2 || ls[0].OrgKey != "emmen" || ls[0].LinkedBy != "pl" || ls[1] != (ambitiebot.UserLink{UserID: "u1", OrgKey: "assen", LinkedBy: "pl2", LinkedAt: at}) {
		t.Fatalf("links = %+v", ls)
	}

	// Unlinking one organisation keeps the other; unlinking without one
	// removes the rest.
	removed, err := db.UnlinkUser(ctx, "u1", "pl3", []string{"emmen", "tynaarlo"})
	if err != nil || len(removed) != 1 || removed[0].OrgKey != "emmen" {
		t.Fatalf("unlink emmen = %+v, %v", removed, err)
	}
	if ls, _ := db.FindUserLinks(ctx, "u1"); len(ls) != 1 || ls[0].OrgKey != "assen" {
		t.Fatalf("after unlinking emmen: %+v", ls)
	}
	if removed, err := db.UnlinkUser(ctx, "u1", "pl3", nil); err != nil || len(removed) != 1 || removed[0].OrgKey != "assen" {
		t.Fatalf("unlink all = %+v, %v", removed, err)
	}
	if ls, _ := db.FindUserLinks(ctx, "u1"); len(ls) != 0 {
		t.Fatalf("after unlinking all: %+v", ls)
	}

	// The history keeps who did what: three links made, two undone.
	raw := rawDB(t, path)
	if n := count(t, raw, `SELECT COUNT(*) FROM user_link_history WHERE user_id = 'u1' AND action = 'link'`); n != 2 {
		t.Errorf("%d links in the history, want 2", n)
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM user_link_history WHERE action = 'unlink' AND by_user = 'pl3'`); n != 2 {
		t.Errorf("%d unlinks by pl3 in the history, want 2", n)
	}
	if _, err := raw.Exec(`DELETE FROM user_link_history`); err == nil {
		t.Error("the link history could be deleted")
	}

	for _, bad := range []ambitiebot.UserLink{
		{OrgKey: "emmen", LinkedBy: "pl"},
		{UserID: "u2", LinkedBy: "pl"},
		{UserID: "u2", OrgKey: "emmen"},
	} {
		_, err := db.LinkUser(ctx, bad)
		wantCode(t, err, ambitiebot.EINVALID, "SqliteErrLinkIncomplete")
	}
	_, err = db.UnlinkUser(ctx, "u2", "", nil)
	wantCode(t, err, ambitiebot.EINVALID, "SqliteErrLinkIncomplete")
	if ls, _ := db.FindUserLinks(ctx, "u2"); len(ls) != 0 {
		t.Errorf("an invalid link was stored: %v", ls)
	}
}

// A database whose schema predates several links per user keeps its
// single links, and their history starts with them.
func TestSingleLinksSurviveTheMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw := rawDB(t, path)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"001_init.sql", "002_delivery_extras.sql", "003_health.sql", "004_used_tokens.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, i+1, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(`INSERT INTO user_links VALUES ('u1', 'meppel', 'pl', '2027-01-05T09:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db := openAt(t, path)
	ctx := context.Background()
	ls, err := db.FindUserLinks(ctx, "u1")
	want := ambitiebot.UserLink{UserID: "u1", OrgKey: "meppel", LinkedBy: "pl", LinkedAt: time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)}
	if err != nil || len(ls) != 1 || ls[0] != want {
		t.Fatalf("links after the migration = %+v, %v; want %+v", ls, err, want)
	}
	if added, err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "assen", LinkedBy: "pl"}); err != nil || !added {
		t.Fatalf("a second link after the migration: %v %v", added, err)
	}
	if n := count(t, rawDB(t, path), `SELECT COUNT(*) FROM user_link_history WHERE user_id = 'u1'`); n != 2 {
		t.Errorf("%d history rows, want the migrated link and the new one", n)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if v, ok, err := db.Setting(ctx, "hmac_secret"); err != nil || ok || v != "" {
		t.Fatalf("absent setting = %q %v %v", v, ok, err)
	}
	stored, err := db.SetSettingIfAbsent(ctx, "hmac_secret", "first")
	if err != nil || stored != "first" {
		t.Fatalf("first store = %q, %v", stored, err)
	}
	stored, err = db.SetSettingIfAbsent(ctx, "hmac_secret", "second")
	if err != nil || stored != "first" {
		t.Fatalf("second store = %q, %v; the first value must win", stored, err)
	}
	if v, ok, err := db.Setting(ctx, "hmac_secret"); err != nil || !ok || v != "first" {
		t.Fatalf("setting = %q %v %v", v, ok, err)
	}
}
