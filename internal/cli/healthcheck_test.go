package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck exits 0 only when the bot's /healthz answers 200, asking
// the address AMBITIEBOT_LISTEN names (a wildcard one on the loopback).
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	probe := func(listen, lang string) (int, string) {
		env := map[string]string{"AMBITIEBOT_LISTEN": listen, "AMBITIEBOT_LANG": lang}
		var out bytes.Buffer
		code := Run(context.Background(), "test", []string{"healthcheck"}, strings.NewReader(""), &out, &out,
			func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		return code, out.String()
	}
	if code, out := probe(":"+port, "en"); code != 0 || !strings.Contains(out, "healthy") {
		t.Errorf("healthy bot: exit %d\n%s", code, out)
	}
	if code, out := probe("0.0.0.0:"+port, "nl"); code != 0 || !strings.Contains(out, "gezond") {
		t.Errorf("healthy bot on a wildcard address: exit %d\n%s", code, out)
	}
	status = http.StatusServiceUnavailable
	if code, out := probe(":"+port, "en"); code != 1 || !strings.Contains(out, "answered HTTP 503") {
		t.Errorf("unhealthy bot: exit %d\n%s", code, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	code, out := probe(closed, "en")
	if code != 1 || !strings.Contains(out, "No answer from http://"+closed+"/healthz: is ambitiebot serve running") {
		t.Errorf("nothing listening: exit %d\n%s", code, out)
	}
}
