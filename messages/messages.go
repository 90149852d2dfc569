// Package messages embeds the shipped awareness posts (ambition 5.2). The
// format is described in README.md, which is embedded too but is not a
// message; internal/awareness parses and rotates them.
package messages

import "embed"

// FS holds every *.md file of this directory.
//
//go:embed *.md
var FS embed.FS
