package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func TestJobRuns(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	ams := time.FixedZone("CET", 3600)
	jan := time.Date(2027, 1, 4, 9, 30, 0, 0, ams)
	feb := time.Date(2027, 2, 1, 9, 30, 0, 0, ams)
	mar := time.Date(2027, 3, 1, 9, 30, 0, 0, ams)
	now := jan.Add(time.Minute)

	start := func(job string, at time.Time) bool {
		t.Helper()
		ok, err := db.StartJobRun(ctx, job, at, now)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !start("awareness", jan) {
		t.Fatal("first start refused")
	}
	if start("awareness", jan) {
		t.Error("a running occurrence started twice")
	}
	if !start("reminder", jan) {
		t.Error("another job's occurrence at the same time refused")
	}
	if err := db.FinishJobRun(ctx, "awareness", jan, ambitiebot.JobDone, "msg-03", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if start("awareness", jan) {
		t.Error("a done occurrence started again")
	}

	// A failed occurrence may be started again; a missed one may not.
	if !start("awareness", feb) {
		t.Fatal("february refused")
	}
	if err := db.FinishJobRun(ctx, "awareness", feb, ambitiebot.JobFailed, "mattermost down", now); err != nil {
		t.Fatal(err)
	}
	if !start("awareness", feb) {
		t.Error("a failed occurrence cannot be retried")
	}
	if err := db.RecordMissed(ctx, "awareness", mar, now); err != nil {
		t.Fatal(err)
	}
	if start("awareness", mar) {
		t.Error("a missed occurrence started")
	}
	// Recording a done occurrence as missed changes nothing.
	if err := db.RecordMissed(ctx, "awareness", jan, now); err != nil {
		t.Fatal(err)
	}

	runs, err := db.FindJobRuns(ctx, "awareness", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("awareness runs = %+v", runs)
	}
	want := []struct {
		at    time.Time
		state ambitiebot.JobState
	}{{mar, ambitiebot.JobMissed}, {feb, ambitiebot.JobRunning}, {jan, ambitiebot.JobDone}}
	for i, w := range want {
		r := runs[i]
		if !r.ScheduledAt.Equal(w.at) || r.ScheduledAt.Location() != time.UTC || r.State != w.state {
			t.Errorf("run %d = %+v, want %v %s", i, r, w.at, w.state)
		}
	}
	if runs[2].Detail != "msg-03" || runs[2].StartedAt.IsZero() || !runs[2].FinishedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("done run = %+v", runs[2])
	}
	if runs[1].Detail != "" || !runs[1].FinishedAt.IsZero() {
		t.Errorf("restarted run keeps its old outcome: %+v", runs[1])
	}
	if runs[2].RunKey() != "awareness:2027-01-04T08:30:00Z" {
		t.Errorf("run key = %s", runs[2].RunKey())
	}

	if latest, err := db.FindJobRuns(ctx, "", 2); err != nil || len(latest) != 2 || latest[0].Job != "awareness" || !latest[0].ScheduledAt.Equal(mar) {
		t.Errorf("latest two of all jobs = %+v, %v", latest, err)
	}
	if all, err := db.FindJobRuns(ctx, "", 0); err != nil || len(all) != 4 {
		t.Errorf("all runs = %d, %v", len(all), err)
	}

	wantCode(t, db.FinishJobRun(ctx, "summary", jan, ambitiebot.JobDone, "", now), ambitiebot.ENOTFOUND, "ErrNotFound")
	wantCode(t, db.FinishJobRun(ctx, "reminder", jan, ambitiebot.JobMissed, "", now), ambitiebot.EINVALID, "SqliteErrJobOutcome")
}
