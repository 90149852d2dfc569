package ambitiebot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestUpdateValidate(t *testing.T) {
	valid := Update{OrgKey: "emmen", AmbitionID: "3.2", Status: StatusDone, User: User{ID: "u1"}}
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid update: %v", err)
	}
	with := func(f func(*Update)) Update {
		u := valid
		f(&u)
		return u
	}
	okCases := map[string]Update{
		"blocked with note":    with(func(u *Update) { u.Status, u.Note = StatusBlocked, "capaciteit" }),
		"nvt with note":        with(func(u *Update) { u.Status, u.Note = StatusNA, "geen taak" }),
		"note at the cap":      with(func(u *Update) { u.Note = strings.Repeat("é", MaxNoteRunes) }),
		"in progress, no note": with(func(u *Update) { u.Status = StatusInProgress }),
	}
	for name, u := range okCases {
		if err := u.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	badCases := []struct {
		name      string
		u         Update
		messageID string
	}{
		{"no org", with(func(u *Update) { u.OrgKey = "" }), "ErrUpdateIncomplete"},
		{"no ambition", with(func(u *Update) { u.AmbitionID = "" }), "ErrUpdateIncomplete"},
		{"no user", with(func(u *Update) { u.User.ID = "" }), "ErrUpdateIncomplete"},
		{"alias status", with(func(u *Update) { u.Status = "klaar" }), "ErrUnknownStatus"},
		{"empty status", with(func(u *Update) { u.Status = "" }), "ErrUnknownStatus"},
		{"note too long", with(func(u *Update) { u.Note = strings.Repeat("é", MaxNoteRunes+1) }), "ErrNoteTooLong"},
		{"blocked, no note", with(func(u *Update) { u.Status = StatusBlocked }), "ErrNoteRequired"},
		{"nvt, no note", with(func(u *Update) { u.Status = StatusNA }), "ErrNoteRequired"},
	}
	for _, tc := range badCases {
		err := tc.u.Validate()
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.MessageID != tc.messageID {
			t.Errorf("%s: Validate = %v, want %s %s", tc.name, err, EINVALID, tc.messageID)
		}
	}
	err := with(func(u *Update) { u.Note = strings.Repeat("x", MaxNoteRunes+1) }).Validate()
	if e := UserError(err); e.Data["Max"] != MaxNoteRunes {
		t.Errorf("ErrNoteTooLong data = %v", e.Data)
	}
}

func TestErrors(t *testing.T) {
	e := Errorf(ENOTFOUND, "ErrUnknownAmbition", map[string]any{"ID": "9.9"})
	wrapped := fmt.Errorf("lookup: %w", e)
	if ErrorCode(wrapped) != ENOTFOUND || ErrorCode(nil) != "" || ErrorCode(errors.New("disk")) != EINTERNAL {
		t.Error("ErrorCode does not follow the chain")
	}
	if UserError(wrapped) != e {
		t.Error("UserError must return the domain error itself")
	}
	cause := errors.New("database is locked")
	u := UserError(cause)
	if u.Code != EINTERNAL || u.MessageID != "ErrInternal" || !errors.Is(u, cause) {
		t.Errorf("UserError(raw) = %+v", u)
	}
	internal := &Error{Code: EINTERNAL, MessageID: "ErrSecretDetail", Err: cause}
	if UserError(internal).MessageID != "ErrInternal" {
		t.Error("an internal domain error must not reach the user with its own message")
	}
	if !strings.Contains(u.Error(), "database is locked") || e.Error() != "not_found: ErrUnknownAmbition" {
		t.Errorf("Error() = %q / %q", u.Error(), e.Error())
	}
}

func TestKeys(t *testing.T) {
	run := JobRun{Job: "reminder", ScheduledAt: time.Date(2025, 3, 11, 9, 0, 0, 0, time.FixedZone("CET", 3600))}
	if run.RunKey() != "reminder:2025-03-11T08:00:00Z" {
		t.Errorf("RunKey = %s", run.RunKey())
	}
	d := Delivery{RunKey: run.RunKey(), Target: UserTarget("u1")}
	if d.Marker() != "reminder:2025-03-11T08:00:00Z|user:u1" {
		t.Errorf("Marker = %s", d.Marker())
	}
	if kind, value := ChannelTarget("team/ch").Split(); kind != "channel" || value != "team/ch" {
		t.Errorf("Split = %s, %s", kind, value)
	}
}
