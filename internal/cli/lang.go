package cli

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// envLang asks for the language of the command line's own sentences.
const envLang = "AMBITIEBOT_LANG"

// cliLang is the language of the command line's own sentences:
// AMBITIEBOT_LANG, else LANG ("en_GB.UTF-8" is English), else Dutch.
// unknown is an AMBITIEBOT_LANG the bot does not speak, which falls back
// to Dutch; LANG is the whole system's, so a French one falls back
// silently.
func cliLang(getenv env) (lang, unknown string) {
	for _, name := range []string{envLang, "LANG"} {
		if v, ok := getenv(name); ok && v != "" {
			lang = i18n.Lang(strings.ToLower(v))
			if name == envLang && lang != strings.ToLower(v[:min(2, len(v))]) {
				unknown = v
			}
			return lang, unknown
		}
	}
	return "nl", ""
}

// optionName writes a flag the way the help and the README do: -v, but
// --config.
func optionName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// The flag package's error texts, stable since Go 1; flagError says them
// again in the operator's language.
const (
	flagUnknown      = "flag provided but not defined: "
	flagNeedsValue   = "flag needs an argument: "
	flagInvalidValue = "invalid value "
	flagInvalidBool  = "invalid boolean value "
)

// flagError turns the flag package's parse error for command into a
// usageError the operator can read, with where to find the options.
func (c *console) flagError(command string, err error) error {
	msg := err.Error()
	var sentence string
	if name, ok := strings.CutPrefix(msg, flagUnknown); ok {
		sentence = c.t("CLIUsageUnknownFlag", map[string]any{"Flag": optionName(strings.TrimLeft(name, "-"))})
	} else if name, ok := strings.CutPrefix(msg, flagNeedsValue); ok {
		sentence = c.t("CLIUsageFlagNeedsValue", map[string]any{"Flag": optionName(strings.TrimLeft(name, "-"))})
	} else if value, name, ok := invalidFlagValue(msg); ok {
		sentence = c.t("CLIUsageFlagBadValue", map[string]any{"Flag": optionName(name), "Value": value})
	} else {
		sentence = c.t("CLIUsageBadFlags", nil)
	}
	return usageError{sentence + " " + c.t("CLIUsageSeeHelp", map[string]any{"Command": command})}
}

// invalidFlagValue reads the value and flag name out of
// `invalid value "x" for flag -name: …` and
// `invalid boolean value "x" for -name: …`.
func invalidFlagValue(msg string) (value, name string, ok bool) {
	rest, ok := strings.CutPrefix(msg, flagInvalidValue)
	if !ok {
		rest, ok = strings.CutPrefix(msg, flagInvalidBool)
	}
	if !ok {
		return "", "", false
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", "", false
	}
	value, _ = strconv.Unquote(quoted)
	rest, ok = strings.CutPrefix(rest[len(quoted):], " for ")
	if !ok {
		return "", "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimPrefix(rest, "flag "), "-")
	if !ok {
		return "", "", false
	}
	name, _, ok = strings.Cut(rest, ":")
	return value, name, ok && name != ""
}

// spoken is an error said in the operator's language. It keeps the error
// it says, so that exitCode and the log still see the cause.
type spoken struct {
	sentence string
	err      error
}

func (e spoken) Error() string { return e.sentence }

func (e spoken) Unwrap() error { return e.err }

// speak makes a subcommand's error printable: a domain error's Error() is
// a message id for the log, so it becomes its sentence in the operator's
// language, and so do Mattermost's failures and a file's (see explain);
// any other error is printed as it is.
func (c *console) speak(err error) error {
	s, ok := c.explain(err)
	if !ok {
		return err
	}
	return spoken{s, err}
}

// sentence is err as the operator reads it, for a sentence that quotes it:
// its explanation, else the error's own text (the CLI's sentences, and
// causes such as a port in use that only the administrator can act on).
func (c *console) sentence(err error) string {
	if s, ok := c.explain(err); ok {
		return s
	}
	return err.Error()
}

// explain says err in the operator's language when it is a domain error
// with a sentence of its own, a failed Mattermost call or a file that
// cannot be used.
func (c *console) explain(err error) (string, bool) {
	if isDomainError(err) {
		return c.tr.Error(c.lang, err), true
	}
	if ce, ok := ambitiebot.AsChatError(err); ok {
		data := map[string]any{"Op": ce.Op, "Status": ce.Status}
		switch ce.Status {
		case 0:
			return c.t("CLIMattermostNoAnswer", data), true
		case http.StatusUnauthorized:
			return c.t("CLIMattermostUnauthorized", data), true
		}
		return c.t("CLIMattermostStatus", data), true
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return c.fileSentence(pe), true
	}
	return "", false
}

// fileSentence says why a file cannot be used, naming it.
func (c *console) fileSentence(pe *fs.PathError) string {
	dir := filepath.Dir(pe.Path)
	data := map[string]any{"Path": pe.Path, "Dir": dir, "Reason": pe.Err.Error()}
	switch {
	case errors.Is(pe.Err, fs.ErrNotExist):
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return c.t("FileErrNoDirectory", data)
		}
		return c.t("CLIFileMissing", data)
	case errors.Is(pe.Err, fs.ErrPermission) || errors.Is(pe.Err, syscall.EROFS):
		return c.t("CLIFileNoPermission", data)
	case errors.Is(pe.Err, syscall.EISDIR):
		return c.t("CLIFileIsFolder", data)
	case errors.Is(pe.Err, syscall.ENOSPC):
		return c.t("CLIFileDiskFull", data)
	}
	return c.t("CLIFileUnusable", data)
}

// isDomainError says whether err carries an *ambitiebot.Error with a
// sentence of its own; an internal one has only the generic sentence,
// which would hide the cause from the administrator.
func isDomainError(err error) bool {
	var e *ambitiebot.Error
	return errors.As(err, &e) && e.Code != ambitiebot.EINTERNAL
}
