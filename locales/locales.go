// Package locales embeds the bot's user-facing sentences: active.nl.toml
// (Dutch, the default and the reference) and active.en.toml (English),
// grouped inside by the part of the bot that uses them.
package locales

import "embed"

// FS holds every *.toml file of this directory.
//
//go:embed *.toml
var FS embed.FS
