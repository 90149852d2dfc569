package sqlite_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestUseOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	now := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	// Of many concurrent uses of one token, exactly one is the first.
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			first, err := db.UseOnce(ctx, "dialog:n1", now.Add(time.Hour))
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Fatalf("%d first uses of one token, want 1", n)
	}
	if first, err := db.UseOnce(ctx, "dialog:n2", now.Add(time.Hour)); err != nil || !first {
		t.Fatalf("another token: first = %v, %v", first, err)
	}

	// Past its expiry a token is forgotten; before it, it stays used.
	now = now.Add(59 * time.Minute)
	if first, _ := db.UseOnce(ctx, "dialog:n1", now.Add(time.Hour)); first {
		t.Fatal("token used again before its expiry")
	}
	now = now.Add(2 * time.Minute)
	if first, _ := db.UseOnce(ctx, "dialog:n1", now.Add(time.Hour)); !first {
		t.Fatal("expired token still counts as used")
	}
}
