package cli

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// healthcheckTimeout bounds the probe: a container health check that
// hangs is worse than one that says no.
const healthcheckTimeout = 3 * time.Second

// runHealthcheck asks the serving bot's /healthz, on the address serve
// listens on, and exits 0 only for 200. It needs no shell, so that the
// distroless image can run it as its HEALTHCHECK.
func runHealthcheck(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "healthcheck", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := con.noArguments("healthcheck", fs.Args()); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	url := healthURL(cfg.Listen)
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: healthcheckTimeout}).Do(req)
	if err != nil {
		return con.fail("CLIHealthNoAnswer", map[string]any{"URL": url})
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return con.fail("CLIHealthUnhealthy", map[string]any{"URL": url, "Status": resp.StatusCode})
	}
	con.say("CLIHealthOK", map[string]any{"URL": url})
	return nil
}

// healthURL is /healthz on the address serve listens on (":8080",
// "0.0.0.0:8080", "[::]:8080" or a host); a wildcard address is asked on
// the loopback interface, which it includes.
func healthURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		host, port = "", strconv.Itoa(8080)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
