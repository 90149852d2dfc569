package sqlite_test

import (
	"context"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func awarenessDelivery(key, channel string) ambitiebot.Delivery {
	return ambitiebot.Delivery{RunKey: key, Target: ambitiebot.ChannelTarget(channel), Kind: "awareness", Message: "m"}
}

// The first request of a run key makes its record and the deliveries; a
// second one keeps the first record and adds only what is missing.
func TestEnqueueBroadcast(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if _, ok, err := db.LatestBroadcast(ctx); ok || err != nil {
		t.Fatalf("LatestBroadcast on an empty database: %v %v", ok, err)
	}
	key := "awareness:drugsafval:1"
	first := ambitiebot.Broadcast{RunKey: key, Via: ambitiebot.BroadcastChat, UserID: "u1", Username: "pieter"}
	b, n, err := db.EnqueueBroadcast(ctx, first, []ambitiebot.Delivery{awarenessDelivery(key, "a/b"), awarenessDelivery(key, "c/d")})
	if err != nil || n != 2 || b.UserID != "u1" || b.Username != "pieter" || b.Via != ambitiebot.BroadcastChat || b.At.IsZero() {
		t.Fatalf("first: %+v %d %v", b, n, err)
	}
	second := ambitiebot.Broadcast{RunKey: key, Via: ambitiebot.BroadcastSchedule}
	again, n, err := db.EnqueueBroadcast(ctx, second, []ambitiebot.Delivery{awarenessDelivery(key, "a/b"), awarenessDelivery(key, "e/f")})
	if err != nil || n != 1 || again != b {
		t.Fatalf("second: %+v %d %v, want the first record %+v and one new delivery", again, n, err, b)
	}
	if got, ok, err := db.FindBroadcast(ctx, key); err != nil || !ok || got != b {
		t.Errorf("FindBroadcast = %+v %v %v", got, ok, err)
	}
	if _, ok, err := db.FindBroadcast(ctx, "awareness:schuren:1"); ok || err != nil {
		t.Errorf("FindBroadcast of another key: %v %v", ok, err)
	}
	later := "awareness:schuren:1"
	if _, _, err := db.EnqueueBroadcast(ctx, ambitiebot.Broadcast{RunKey: later, Via: ambitiebot.BroadcastCLI}, []ambitiebot.Delivery{awarenessDelivery(later, "a/b")}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := db.LatestBroadcast(ctx); err != nil || !ok || got.RunKey != later || got.Via != ambitiebot.BroadcastCLI {
		t.Errorf("LatestBroadcast = %+v %v %v", got, ok, err)
	}
	// A bad delivery queues nothing and records nothing.
	bad := "awareness:katvangers:1"
	if _, _, err := db.EnqueueBroadcast(ctx, ambitiebot.Broadcast{RunKey: bad}, []ambitiebot.Delivery{{RunKey: bad, Target: "channel:a/b"}}); ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
		t.Errorf("incomplete delivery: %v", err)
	}
	if _, ok, _ := db.FindBroadcast(ctx, bad); ok {
		t.Error("a refused broadcast was recorded")
	}
}

// Migration 007 records the broadcasts made before it, at their first
// delivery's time and with an unknown sender.
func TestBroadcastsBackfilled(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	key := "awareness:drugsafval:1"
	if _, err := db.EnqueueDeliveries(ctx, []ambitiebot.Delivery{awarenessDelivery(key, "a/b"), awarenessDelivery(key, "c/d"),
		{RunKey: "reminder:x", Target: "user:u1", Kind: "reminder", Message: "m"}}); err != nil {
		t.Fatal(err)
	}
	ds, err := db.FindDeliveries(ctx, ambitiebot.DeliveryFilter{RunKey: key})
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	if _, err := raw.Exec(`DROP TABLE awareness_broadcasts; DELETE FROM schema_migrations WHERE version = 7`); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, path)
	b, ok, err := again.LatestBroadcast(ctx)
	if err != nil || !ok || b.RunKey != key || b.Via != "" || b.UserID != "" || !b.At.Equal(ds[len(ds)-1].CreatedAt) {
		t.Errorf("backfilled = %+v %v %v, want %s at %v", b, ok, err, key, ds[len(ds)-1].CreatedAt)
	}
	if n := count(t, raw, `SELECT COUNT(*) FROM awareness_broadcasts`); n != 1 {
		t.Errorf("%d broadcasts backfilled, want 1", n)
	}
}
