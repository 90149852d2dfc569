package httpserver_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/httpserver"
)

func TestRequireBearer(t *testing.T) {
	const token = "s3cret-metrics-token"
	reached := 0
	h := httpserver.RequireBearer(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		_, _ = w.Write([]byte("metrics\n"))
	}))
	for _, tc := range []struct {
		name, header string
		want         int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "Bearer not-the-token", http.StatusUnauthorized},
		{"longer", "Bearer " + token + "x", http.StatusUnauthorized},
		{"prefix of it", "Bearer s3cret", http.StatusUnauthorized},
		{"basic scheme", "Basic " + token, http.StatusUnauthorized},
		{"bare token", token, http.StatusUnauthorized},
		{"right", "Bearer " + token, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := reached
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if passed := reached > before; passed != (tc.want == http.StatusOK) {
				t.Fatalf("handler reached = %v for status %d", passed, w.Code)
			}
			if tc.want == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestRequireBearerWithoutTokenIsOpen(t *testing.T) {
	h := httpserver.RequireBearer("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
}
