package main

import (
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// cliLang is the language of the command line's own sentences:
// AMBITIEBOT_LANG, else LANG ("en_GB.UTF-8" is English), else Dutch.
func cliLang(getenv env) string {
	for _, name := range []string{"AMBITIEBOT_LANG", "LANG"} {
		if v, ok := getenv(name); ok && v != "" {
			return i18n.Lang(strings.ToLower(v))
		}
	}
	return "nl"
}
