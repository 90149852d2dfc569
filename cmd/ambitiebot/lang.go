package main

import "strings"

// cliLang is the language of the command line's own sentences:
// AMBITIEBOT_LANG, else English when LANG starts with "en", else Dutch.
func cliLang(getenv env) string {
	if v, ok := getenv("AMBITIEBOT_LANG"); ok && v != "" {
		return v
	}
	if v, ok := getenv("LANG"); ok && strings.HasPrefix(v, "en") {
		return "en"
	}
	return "nl"
}
