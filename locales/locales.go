// Package locales embeds the bot's user-facing sentences: Dutch (the
// default) and English, one TOML file per area and language.
package locales

import "embed"

// FS holds every *.toml file of this directory.
//
//go:embed *.toml
var FS embed.FS
