package cli

import (
	"errors"
	"strconv"
	"strings"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
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
// language; any other error is printed as it is.
func (c *console) speak(err error) error {
	if !isDomainError(err) {
		return err
	}
	return spoken{c.sentence(err), err}
}

// sentence is err as the operator reads it, for a sentence that quotes it:
// a domain error's sentence, else the error's own text (the CLI's
// sentences, and causes such as a port in use that only the administrator
// can act on).
func (c *console) sentence(err error) string {
	if isDomainError(err) {
		return c.tr.Error(c.lang, err)
	}
	return err.Error()
}

// isDomainError says whether err carries an *ambitiebot.Error with a
// sentence of its own; an internal one has only the generic sentence,
// which would hide the cause from the administrator.
func isDomainError(err error) bool {
	var e *ambitiebot.Error
	return errors.As(err, &e) && e.Code != ambitiebot.EINTERNAL
}
