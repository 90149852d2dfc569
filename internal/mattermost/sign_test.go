package mattermost

import (
	"errors"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

const (
	signUser  = "jan1234567890123456789012a"
	otherUser = "anna123456789012345678901a"
)

func testSigner(now *time.Time) *Signer {
	return NewSigner([]byte("0123456789abcdef0123456789abcdef"), func() time.Time { return *now })
}

func menuContext() map[string]string {
	return map[string]string{ambitiebot.ContextUser: signUser, ambitiebot.ContextOrg: "emmen", ambitiebot.ContextAmbition: "3.2"}
}

func messageID(t *testing.T, err error) string {
	t.Helper()
	var e *ambitiebot.Error
	if err == nil {
		return ""
	}
	if !errors.As(err, &e) || e.Code != ambitiebot.EFORBIDDEN {
		t.Fatalf("error %v is not an EFORBIDDEN *ambitiebot.Error", err)
	}
	return e.MessageID
}

func TestSignActionRoundTrip(t *testing.T) {
	now := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	s := testSigner(&now)
	in := menuContext()
	signed := s.SignAction(in)
	if signed[FieldSignature] == "" || signed[FieldIssuedAt] != strconv.FormatInt(now.Unix(), 10) {
		t.Fatalf("signed = %v", signed)
	}
	if !maps.Equal(in, menuContext()) {
		t.Errorf("SignAction changed its input: %v", in)
	}
	now = now.Add(ActionMaxAge)
	got, err := s.VerifyAction(signed, signUser)
	if err != nil {
		t.Fatalf("verify at the maximum age: %v", err)
	}
	if !maps.Equal(got, in) {
		t.Errorf("verified fields = %v, want %v", got, in)
	}
}

func TestVerifyActionRejects(t *testing.T) {
	issued := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	now := issued
	s := testSigner(&now)
	signed := s.SignAction(menuContext())
	with := func(k, v string) map[string]string {
		m := maps.Clone(signed)
		m[k] = v
		return m
	}
	without := func(k string) map[string]string {
		m := maps.Clone(signed)
		delete(m, k)
		return m
	}
	otherKey := NewSigner([]byte("another-secret-of-32-bytes-long!"), func() time.Time { return now })
	tests := []struct {
		name   string
		fields map[string]string
		user   string
		at     time.Time
		want   string
	}{
		{"unsigned", menuContext(), signUser, issued, MsgUnsigned},
		{"empty signature", with(FieldSignature, ""), signUser, issued, MsgUnsigned},
		{"other ambition", with(ambitiebot.ContextAmbition, "3.3"), signUser, issued, MsgTampered},
		{"other organisation", with(ambitiebot.ContextOrg, "assen"), signUser, issued, MsgTampered},
		{"added field", with("extra", "x"), signUser, issued, MsgTampered},
		{"removed field", without(ambitiebot.ContextOrg), signUser, issued, MsgTampered},
		{"moved issue time", with(FieldIssuedAt, strconv.FormatInt(issued.Add(time.Hour).Unix(), 10)), signUser, issued, MsgTampered},
		{"signature not base64", with(FieldSignature, "!!"), signUser, issued, MsgTampered},
		{"other secret", otherKey.SignAction(menuContext()), signUser, issued, MsgTampered},
		{"user rewritten to the clicker", with(ambitiebot.ContextUser, otherUser), otherUser, issued, MsgTampered},
		{"someone else clicks", signed, otherUser, issued, MsgWrongUser},
		{"no user", signed, "", issued, MsgWrongUser},
		{"stale", signed, signUser, issued.Add(ActionMaxAge + time.Second), MsgStaleAction},
		{"from the future", signed, signUser, issued.Add(-clockSkew - time.Second), MsgStaleAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = tt.at
			_, err := s.VerifyAction(tt.fields, tt.user)
			if got := messageID(t, err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDialogState(t *testing.T) {
	issued := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	now := issued
	s := testSigner(&now)
	state := s.SignState(menuContext())
	got, err := s.VerifyState(state, signUser)
	if err != nil || !maps.Equal(got, menuContext()) {
		t.Fatalf("VerifyState = %v, %v", got, err)
	}
	for _, tt := range []struct {
		name, state, user string
		at                time.Time
		want              string
	}{
		{"empty", "", signUser, issued, MsgUnsigned},
		{"not JSON", "{", signUser, issued, MsgTampered},
		{"someone else", state, otherUser, issued, MsgWrongUser},
		{"stale", state, signUser, issued.Add(DialogMaxAge + time.Second), MsgStaleDialog},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now = tt.at
			_, err := s.VerifyState(tt.state, tt.user)
			if got := messageID(t, err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
	// A signature is bound to its purpose: an action context does not
	// pass as a dialog state, nor the other way round.
	now = issued
	if _, err := s.VerifyAction(s.sign(purposeDialog, menuContext()), signUser); messageID(t, err) != MsgTampered {
		t.Errorf("a dialog state passed as an action context: %v", err)
	}
	if _, err := s.verify(purposeDialog, s.SignAction(menuContext()), signUser, DialogMaxAge, MsgStaleDialog); messageID(t, err) != MsgTampered {
		t.Errorf("an action context passed as a dialog state: %v", err)
	}
}

// The canonical encoding is unambiguous: moving a boundary between key
// and value, or between fields, changes the signature.
func TestCanonicalEncodingIsUnambiguous(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := testSigner(&now)
	a := s.mac(purposeAction, map[string]string{"ab": "c", FieldIssuedAt: "1"})
	b := s.mac(purposeAction, map[string]string{"a": "bc", FieldIssuedAt: "1"})
	c := s.mac(purposeAction, map[string]string{"a": "b", "c": "", FieldIssuedAt: "1"})
	if string(a) == string(b) || string(a) == string(c) || string(b) == string(c) {
		t.Error("different fields produce the same MAC")
	}
}
