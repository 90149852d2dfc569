package config

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// environment reads variables; unset and blank are the same.
type environment func(string) (string, bool)

func (e environment) get(name string) string {
	if e == nil {
		return ""
	}
	v, ok := e(name)
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}

func (c *Config) readEnv(env environment) error {
	var err error
	if c.MattermostURL, err = httpURL(EnvMattermostURL, env.get(EnvMattermostURL)); err != nil {
		return err
	}
	if c.PublicURL, err = httpURL(EnvPublicURL, env.get(EnvPublicURL)); err != nil {
		return err
	}
	c.Listen = env.get(EnvListen)
	if c.Listen == "" {
		c.Listen = defaultListen
	}
	if err := checkListen(c.Listen); err != nil {
		return err
	}
	c.DBPath = env.get(EnvDB)
	if c.DBPath == "" {
		c.DBPath = defaultDB
	}
	if c.BotToken, err = secret(env, EnvBotToken, EnvBotTokenFile); err != nil {
		return err
	}
	if c.ActionSecret, err = secret(env, EnvActionSecret, EnvActionSecretFile); err != nil {
		return err
	}
	if c.ActionSecret != "" && len(c.ActionSecret) < minActionSecretBytes {
		return invalid("ConfigSecretTooShort", map[string]any{"Key": EnvActionSecret, "Min": minActionSecretBytes})
	}
	if c.MetricsToken, err = secret(env, EnvMetricsToken, EnvMetricsTokenFile); err != nil {
		return err
	}
	if c.CommandTokens, err = commandTokens(env); err != nil {
		return err
	}
	for _, vars := range [][]string{
		{EnvMattermostURL}, {EnvPublicURL}, {EnvListen}, {EnvDB}, {EnvBotToken, EnvBotTokenFile},
		{EnvActionSecret, EnvActionSecretFile}, {EnvMetricsToken, EnvMetricsTokenFile}, {EnvCommandToken, EnvCommandTokenFile},
	} {
		c.noteEnvironment(env, vars[0], vars)
	}
	return nil
}

// noteEnvironment records that setting came from the environment when any
// of vars is set, naming them when they are not just the setting itself.
func (c *Config) noteEnvironment(env environment, setting string, vars []string) {
	var set []string
	for _, v := range vars {
		if env.get(v) != "" {
			set = append(set, v)
		}
	}
	if len(set) == 0 {
		return
	}
	o := Origin{Source: SourceEnvironment}
	if len(set) > 1 || set[0] != setting {
		o.Via = strings.Join(set, ", ")
	}
	c.setOrigin(setting, o)
}

// secret returns the value of the variable name, or the trimmed contents of
// the file named by fileVar. Giving both is an error, since one of them
// would be silently ignored.
func secret(env environment, name, fileVar string) (string, error) {
	v, path := env.get(name), env.get(fileVar)
	switch {
	case v != "" && path != "":
		return "", invalid("ConfigBothSet", map[string]any{"Key": name, "Other": fileVar})
	case path == "":
		return v, nil
	}
	data, err := readFile(fileVar, path)
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(string(data))
	if v == "" {
		return "", invalid("ConfigFileEmpty", map[string]any{"Key": fileVar, "File": path})
	}
	return v, nil
}

// commandTokens collects the slash-command tokens, one per team's command,
// from the variable (comma-separated) and the file (commas or lines).
func commandTokens(env environment) ([]string, error) {
	var out []string
	add := func(list string) {
		for _, t := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(env.get(EnvCommandToken))
	if path := env.get(EnvCommandTokenFile); path != "" {
		data, err := readFile(EnvCommandTokenFile, path)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(data)) == "" {
			return nil, invalid("ConfigFileEmpty", map[string]any{"Key": EnvCommandTokenFile, "File": path})
		}
		add(string(data))
	}
	for _, t := range out {
		if strings.ContainsAny(t, " \t") {
			return nil, invalid("ConfigTokenSpace", map[string]any{"Key": EnvCommandToken})
		}
	}
	return out, nil
}

// httpURL checks that s, when set, is an absolute http(s) URL and returns
// it without a trailing slash, so that paths can be appended.
func httpURL(key, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", invalid("ConfigURL", map[string]any{"Key": key, "Got": strconv.Quote(redactURL(s))})
	}
	return strings.TrimRight(s, "/"), nil
}

// redactURL hides credentials an administrator may have put in a URL.
func redactURL(s string) string {
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		return "***" + s[at:]
	}
	return s
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 0 || n > 65535) {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		return invalid("ConfigListen", map[string]any{"Key": EnvListen, "Got": strconv.Quote(addr)})
	}
	return nil
}
