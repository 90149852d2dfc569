package mattermost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Mattermost does not authenticate button clicks and dialog submissions:
// anyone who can reach the bot, or post an attachment of their own, can
// send any context. So every action context and dialog state the bot
// hands out carries an HMAC-SHA256 over its fields, the time it was
// issued and the user it was issued to (ambitiebot.ContextUser), and
// nothing comes back in unless that signature holds.
//
// Signed fields are the original fields plus:
//
//	iat  issued-at, Unix seconds in decimal
//	sig  base64url (unpadded) HMAC-SHA256(secret, canonical)
//
// canonical is "ambitiebot-sig-v1\n" + purpose + "\n" followed, for every
// field but sig in byte order of the keys, by len(key) ":" key len(value)
// ":" value "\n". The lengths make the encoding unambiguous; the purpose
// keeps a dialog state from passing as an action context and vice versa.
const (
	FieldIssuedAt  = "iat"
	FieldSignature = "sig"

	// ActionMaxAge is how long a reminder's buttons stay valid: a month
	// covers the time to the next meeting and its reminder.
	ActionMaxAge = 30 * 24 * time.Hour
	// DialogMaxAge is how long an opened dialog may take to submit.
	DialogMaxAge = time.Hour

	// clockSkew tolerates a signer whose clock runs a little ahead, as in
	// a second replica.
	clockSkew = 5 * time.Minute

	purposeAction = "action"
	purposeDialog = "dialog"
)

// Message ids of the verification failures, in locales/actions.*.toml.
const (
	MsgUnsigned     = "ActionsErrUnsigned"
	MsgTampered     = "ActionsErrTampered"
	MsgStaleAction  = "ActionsErrStale"
	MsgStaleDialog  = "ActionsErrStaleDialog"
	MsgWrongUser    = "ActionsErrWrongUser"
	MsgNotAvailable = "ErrNotAvailable"
)

// Signer signs and verifies action contexts and dialog states.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with secret as its HMAC key and now as its
// clock (time.Now when nil).
func NewSigner(secret []byte, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{key: slices.Clone(secret), now: now}
}

// SignAction returns a copy of an action context with its signature.
func (s *Signer) SignAction(fields map[string]string) map[string]string {
	return s.sign(purposeAction, fields)
}

// VerifyAction checks a clicked action's context for userID and returns
// the original fields. Mattermost adds the chosen option of a menu to the
// context; the caller takes it out before verifying.
func (s *Signer) VerifyAction(fields map[string]string, userID string) (map[string]string, error) {
	return s.verify(purposeAction, fields, userID, ActionMaxAge, MsgStaleAction)
}

// SignState encodes a dialog state as a signed JSON object.
func (s *Signer) SignState(fields map[string]string) string {
	b, _ := json.Marshal(s.sign(purposeDialog, fields)) // a map of strings always marshals
	return string(b)
}

// VerifyState decodes and checks a submitted dialog's state for userID.
func (s *Signer) VerifyState(state, userID string) (map[string]string, error) {
	if state == "" {
		return nil, forbidden(MsgUnsigned)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(state), &fields); err != nil {
		return nil, forbidden(MsgTampered)
	}
	return s.verify(purposeDialog, fields, userID, DialogMaxAge, MsgStaleDialog)
}

func (s *Signer) sign(purpose string, fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields)+2)
	for k, v := range fields {
		out[k] = v
	}
	delete(out, FieldSignature)
	out[FieldIssuedAt] = strconv.FormatInt(s.now().Unix(), 10)
	out[FieldSignature] = base64.RawURLEncoding.EncodeToString(s.mac(purpose, out))
	return out
}

// verify checks, in this order, that there is a signature, that it is
// right (in constant time), that it was issued to userID and that it is
// not older than maxAge. Each failure is a user-safe EFORBIDDEN error.
func (s *Signer) verify(purpose string, fields map[string]string, userID string, maxAge time.Duration, staleID string) (map[string]string, error) {
	sig, ok := fields[FieldSignature]
	if !ok || sig == "" {
		return nil, forbidden(MsgUnsigned)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(purpose, fields)) {
		return nil, forbidden(MsgTampered)
	}
	issued, err := strconv.ParseInt(fields[FieldIssuedAt], 10, 64)
	if err != nil {
		return nil, forbidden(MsgTampered)
	}
	if userID == "" || fields[ambitiebot.ContextUser] != userID {
		return nil, forbidden(MsgWrongUser)
	}
	age := s.now().Sub(time.Unix(issued, 0))
	if age > maxAge || age < -clockSkew {
		return nil, ambitiebot.Errorf(ambitiebot.EFORBIDDEN, staleID, map[string]any{
			"Days": int(maxAge / (24 * time.Hour)), "Minutes": int(maxAge / time.Minute)})
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if k != FieldSignature && k != FieldIssuedAt {
			out[k] = v
		}
	}
	return out, nil
}

func (s *Signer) mac(purpose string, fields map[string]string) []byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != FieldSignature {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("ambitiebot-sig-v1\n" + purpose + "\n")
	for _, k := range keys {
		v := fields[k]
		b.WriteString(strconv.Itoa(len(k)) + ":" + k + strconv.Itoa(len(v)) + ":" + v + "\n")
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(b.String()))
	return m.Sum(nil)
}

func forbidden(id string) error {
	return ambitiebot.Errorf(ambitiebot.EFORBIDDEN, id, nil)
}
