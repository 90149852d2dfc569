package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Lines is where the session reads what the newcomer types.
type Lines interface {
	// ReadLine shows prompt and returns the next line without its end;
	// io.EOF ends the session.
	ReadLine(prompt string) (string, error)
}

// PlainLines reads lines from r, writing each prompt to w: for a pipe or
// a file, and for a terminal the sandbox cannot put in raw mode.
func PlainLines(r io.Reader, w io.Writer) Lines {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	return &plainLines{sc: sc, w: w}
}

type plainLines struct {
	sc *bufio.Scanner
	w  io.Writer
}

func (p *plainLines) ReadLine(prompt string) (string, error) {
	fmt.Fprint(p.w, prompt)
	if !p.sc.Scan() {
		fmt.Fprintln(p.w)
		if err := p.sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return p.sc.Text(), nil
}

// Terminal gives line editing and history (arrow keys) on in and out
// when both are terminals: it puts in in raw mode and returns the lines,
// the writer everything must be printed through while it is (raw mode
// needs "\r\n") and restore, which gives the terminal back. ok is false
// when in or out is not a terminal. In raw mode Ctrl-C and Ctrl-D on an
// empty line end the session (io.EOF).
func Terminal(in, out *os.File) (lines Lines, w io.Writer, restore func(), ok bool) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) || !term.IsTerminal(int(out.Fd())) {
		return nil, nil, nil, false
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, nil, nil, false
	}
	tl := newTermLines(struct {
		io.Reader
		io.Writer
	}{in, out})
	if width, height, err := term.GetSize(fd); err == nil && width > 0 && height > 0 {
		_ = tl.t.SetSize(width, height)
	}
	return tl, tl.t, func() { _ = term.Restore(fd, state) }, true
}

// newTermLines edits lines read from a raw terminal's bytes.
func newTermLines(rw io.ReadWriter) termLines { return termLines{term.NewTerminal(rw, "")} }

type termLines struct{ t *term.Terminal }

func (l termLines) ReadLine(prompt string) (string, error) {
	l.t.SetPrompt(prompt)
	return l.t.ReadLine()
}
