// Package httpserver is the bot's HTTP front door: routing, timeouts, the
// health check and graceful shutdown. The endpoints Mattermost calls are
// mounted from the Mattermost adapter.
package httpserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Timeouts bound how long a client may hold a connection, so that a slow
// or hostile client cannot tie the bot up.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 60 * time.Second
)

// HealthChecker reports whether the bot can do its work: the database
// implements it by proving that it still takes writes.
type HealthChecker interface {
	CheckHealth(ctx context.Context) error
}

// Server serves the bot's routes.
type Server struct {
	Addr   string
	Mux    *http.ServeMux
	Logger *slog.Logger
	// ReadHeaderTimeout is how long a client may take to send its request
	// headers; New sets the package default, tests shorten it.
	ReadHeaderTimeout time.Duration

	srv  *http.Server
	ln   net.Listener
	done chan error
}

// New returns a server with GET /healthz, which answers 200 only when
// health passes its check. Callers add their routes to Mux before Open.
func New(addr string, health HealthChecker, logger *slog.Logger) *Server {
	s := &Server{Addr: addr, Mux: http.NewServeMux(), Logger: logger, ReadHeaderTimeout: ReadHeaderTimeout}
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := health.CheckHealth(ctx); err != nil {
			logger.Error("health check failed", slog.Any("error", err))
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return s
}

// Open starts listening (":0" picks a free port) and serving.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Mux,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.srv.Serve(ln) }()
	return nil
}

// URL is the base URL the server listens on, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Close stops accepting connections and waits for requests in flight, up
// to ctx's deadline. Calling it again returns nil at once.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	s.srv = nil
	return err
}
