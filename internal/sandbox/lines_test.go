package sandbox

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// At a terminal the arrow keys edit the line and bring back earlier
// lines, and Ctrl-C leaves.
func TestTerminalLinesEditAndRemember(t *testing.T) {
	const up, left = "\x1b[A", "\x1b[D"
	keys := "/ambitie mijn\r" + // a line
		up + "\r" + // the same line again, from the history
		"/ambitie 1.3" + left + left + left + "x" + "\r" + // edited in the middle
		"\x03" // Ctrl-C
	var screen bytes.Buffer
	lines := newTermLines(struct {
		io.Reader
		io.Writer
	}{strings.NewReader(keys), &screen})
	for _, want := range []string{"/ambitie mijn", "/ambitie mijn", "/ambitie x1.3"} {
		got, err := lines.ReadLine("jan> ")
		if err != nil || got != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := lines.ReadLine("jan> "); !errors.Is(err, io.EOF) {
		t.Errorf("Ctrl-C: %v, want io.EOF", err)
	}
	if !strings.Contains(screen.String(), "jan> ") {
		t.Errorf("no prompt on the screen: %q", screen.String())
	}
}

// A pipe is read line by line, with the prompt written before each.
func TestPlainLines(t *testing.T) {
	var out bytes.Buffer
	lines := PlainLines(strings.NewReader(":wie\n:stop\n"), &out)
	for _, want := range []string{":wie", ":stop"} {
		if got, err := lines.ReadLine("jan> "); err != nil || got != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := lines.ReadLine("jan> "); !errors.Is(err, io.EOF) {
		t.Errorf("end of input: %v, want io.EOF", err)
	}
	if out.String() != "jan> jan> jan> \n" {
		t.Errorf("prompts: %q", out.String())
	}
}
