package ambitiebot_test

import (
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

func TestMessageRunKey(t *testing.T) {
	for key, want := range map[string]string{
		"reminder:2027-01-11T08:00:00Z":                           "reminder:2027-01-11T08:00:00Z",
		ambitiebot.PartRunKey("reminder:2027-01-11T08:00:00Z", 2): "reminder:2027-01-11T08:00:00Z",
		"reminder:manual:2027-01-19#12":                           "reminder:manual:2027-01-19",
		"awareness:drugsafval:3":                                  "awareness:drugsafval:3",
		"tag#x":                                                   "tag#x",
		"#":                                                       "#",
	} {
		if got := (ambitiebot.Delivery{RunKey: key}).MessageRunKey(); got != want {
			t.Errorf("MessageRunKey(%q) = %q, want %q", key, got, want)
		}
	}
}
