package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// What goes wrong outside the bot — Mattermost down, a missing folder —
// is said in the operator's language, never as a raw Go error.
func TestOperatorErrorsAreSentences(t *testing.T) {
	h := newHarness(t, "")
	h.stop()
	missing := filepath.Join(h.dir, "missing")

	h.env["AMBITIEBOT_LANG"] = "en"
	out, err := h.run("report", "--out", filepath.Join(missing, "x.xlsx"))
	if err == nil || !strings.Contains(err.Error(), "There is no folder "+missing+": create it first") {
		t.Errorf("report to a missing folder: %v\n%s", err, out)
	}
	out, err = h.run("backup", filepath.Join(missing, "b.db"))
	if err == nil || !strings.Contains(err.Error(), "There is no folder "+missing+": create it first") {
		t.Errorf("backup to a missing folder: %v\n%s", err, out)
	}
	out, err = h.run("awareness", "export", "--format", "txt", "--out", missing)
	if err == nil || !strings.Contains(err.Error(), "There is no folder "+missing+". Create it first, or give an existing folder at --out") {
		t.Errorf("awareness export to a missing folder: %v\n%s", err, out)
	}
	h.env["AMBITIEBOT_LANG"] = "nl"
	out, err = h.run("backup", filepath.Join(missing, "b.db"))
	if err == nil || !strings.Contains(err.Error(), "De map "+missing+" bestaat niet") {
		t.Errorf("backup to a missing folder, in Dutch: %v\n%s", err, out)
	}
	h.world.Close()
	out, err = h.run("remind", "--dry-run")
	if err == nil || !strings.Contains(err.Error(), "Mattermost antwoordt niet") {
		t.Errorf("remind --dry-run with Mattermost down: %v\n%s", err, out)
	}
	if err != nil && strings.Contains(err.Error(), "dial tcp") {
		t.Errorf("a raw Go error reaches the operator: %v", err)
	}
}

// A language the bot does not speak is said once, in Dutch, which it
// then speaks.
func TestUnsupportedLanguageWarns(t *testing.T) {
	h := newHarness(t, "")
	h.env["AMBITIEBOT_LANG"] = "fr"
	out, err := h.run("schedule", "--count", "1")
	if err != nil {
		t.Fatal(err, out)
	}
	if n := strings.Count(out, "AMBITIEBOT_LANG=fr"); n != 1 || !strings.Contains(out, "spreek ik Nederlands") {
		t.Errorf("AMBITIEBOT_LANG=fr warned %d times:\n%s", n, out)
	}
	h.env["AMBITIEBOT_LANG"] = "en_GB.UTF-8"
	if out, _ := h.run("schedule", "--count", "1"); strings.Contains(out, "AMBITIEBOT_LANG") {
		t.Errorf("a supported language warned:\n%s", out)
	}
}
