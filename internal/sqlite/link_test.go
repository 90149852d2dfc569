package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func TestUserLinks(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	_, err := db.FindUserLink(ctx, "u1")
	wantCode(t, err, ambitiebot.ENOTFOUND, "ErrNotFound")

	// Links are answered from memory once read; a new link is seen at once.
	if err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "emmen", LinkedBy: "pl"}); err != nil {
		t.Fatal(err)
	}
	l, err := db.FindUserLink(ctx, "u1")
	if err != nil || l.OrgKey != "emmen" || l.LinkedBy != "pl" || l.LinkedAt.IsZero() || l.LinkedAt.Location() != time.UTC {
		t.Fatalf("link = %+v, %v", l, err)
	}

	// Linking again replaces the link.
	at := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	if err := db.LinkUser(ctx, ambitiebot.UserLink{UserID: "u1", OrgKey: "assen", LinkedBy: "pl2", LinkedAt: at}); err != nil {
		t.Fatal(err)
	}
	want := ambitiebot.UserLink{UserID: "u1", OrgKey: "assen", LinkedBy: "pl2", LinkedAt: at}
	if l, err := db.FindUserLink(ctx, "u1"); err != nil || l != want {
		t.Fatalf("replaced link = %+v, %v; want %+v", l, err, want)
	}

	for _, bad := range []ambitiebot.UserLink{
		{OrgKey: "emmen", LinkedBy: "pl"},
		{UserID: "u2", LinkedBy: "pl"},
		{UserID: "u2", OrgKey: "emmen"},
	} {
		wantCode(t, db.LinkUser(ctx, bad), ambitiebot.EINVALID, "SqliteErrLinkIncomplete")
	}
	if _, err := db.FindUserLink(ctx, "u2"); ambitiebot.ErrorCode(err) != ambitiebot.ENOTFOUND {
		t.Errorf("an invalid link was stored: %v", err)
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
