// Package sqlite stores the bot's progress, history, outbox and job runs in
// one SQLite file, using github.com/mattn/go-sqlite3.
//
// Every connection runs in WAL mode with synchronous=FULL, so a committed
// transaction survives a power cut, with foreign keys on and a busy
// timeout. Writes go through one connection with immediate transactions;
// status updates are additionally committed in groups by one writer at a
// time (see SetStatus). Reads use a separate pool.
//
// The package works alongside Litestream: it keeps WAL mode, leaves
// SQLite's passive auto-checkpoint as it is and never forces a checkpoint
// or truncates the WAL, so Litestream can hold its read lock and copy WAL
// frames undisturbed. The busy timeout lets writers wait while Litestream
// checkpoints.
//
// The files hold the bot's generated action secret, so the package
// creates the database 0600 (SQLite gives -wal and -shm the same mode),
// and backups, restored copies and the lock file 0600. Three
// ways to open say who may create and who must be alone: Open (setup,
// tests), OpenServing (the serving bot: creates, locks, checks) and
// OpenExisting (every other command: never creates, never locks).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
)

// ErrClosed is the cause of the error returned by calls after Close.
var ErrClosed = errors.New("sqlite: database is closed")

// busyTimeout is how long a connection waits for another process's lock
// (a CLI command, Litestream) before giving up with "database is locked".
const busyTimeout = 10 * time.Second

// stmtCacheSize is how many prepared statements each connection keeps, so
// that the writer does not parse the same SQL for every update.
const stmtCacheSize = 32

// DB is the SQLite database. It implements ambitiebot.ProgressService,
// LinkService, DeliveryService and JobService.
type DB struct {
	// Now returns the current time; tests swap it. Set it before use.
	Now func() time.Time

	path  string
	write *sql.DB // exactly one connection: SQLite has one writer anyway
	read  *sql.DB

	once sync.Once
	// mu guards the group-commit state: SetStatus calls waiting for the
	// writer, whether a writer is committing, and closed.
	mu      sync.Mutex
	queue   []*updateRequest
	writing bool
	idle    *sync.Cond // signalled when writing ends
	closed  bool

	links linkCache
	// lock is the exclusive lock file of a serving database; nil otherwise.
	lock *os.File
	// dispatch is the dispatch lock file (see lockDispatch), held from
	// Open by a serving database and from the first lease otherwise; alone
	// says that a serving database holds it exclusively, until
	// EndStaleLeases; dispatchClosed that Close has let it go.
	dispatchMu     sync.Mutex
	dispatch       *os.File
	alone          bool
	dispatchClosed bool
	// health caches the last write probe (see CheckHealth).
	health healthCache
	// verifyUntil is set by Restore: until then EnqueueDeliveries queues
	// every delivery uncertain. Read once at Open.
	verifyUntil time.Time
}

var (
	_ ambitiebot.ProgressService = (*DB)(nil)
	_ ambitiebot.LinkService     = (*DB)(nil)
	_ ambitiebot.DeliveryService = (*DB)(nil)
	_ ambitiebot.JobService      = (*DB)(nil)
)

// Open opens the database at path, creating the file (0600) when it is
// missing, applies pending migrations and starts
// the writer. It refuses a database whose schema is newer than this
// binary. setup uses it; the serving bot uses OpenServing and every other
// command OpenExisting.
func Open(path string) (*DB, error) { return open(path, openOptions{create: true}) }

// OpenExisting is Open for a database that must exist already: the CLI
// commands other than serve, setup and sandbox, which must not leave an
// empty database behind when run in the wrong place. It returns ENOTFOUND
// "SqliteErrNotFound" naming the absolute path it looked at, and EINVALID
// "SqliteErrNotOurs" for a file without the bot's schema. It takes no
// lock: it may read and write while the bot serves.
func OpenExisting(path string) (*DB, error) { return open(path, openOptions{}) }

// OpenServing is Open for the serving bot (serve, sandbox). It holds an
// exclusive lock on the file path+".lock" until Close, so that a second
// bot and Restore refuse the database while it serves (EINVALID
// "SqliteErrInUse"), and it runs SQLite's quick_check before migrating:
// a damaged database is refused with EINVALID "SqliteErrDamaged".
//
// It also takes the dispatch lock, exclusively when no other process
// delivers. A serving bot must then call EndStaleLeases before it starts
// delivering: until then, CLI commands that want to deliver wait, and
// the bot's own first lease gives up ending stale leases.
func OpenServing(path string) (*DB, error) {
	return open(path, openOptions{create: true, serve: true})
}

type openOptions struct {
	create bool // create the file (and its directory) when missing
	serve  bool // lock the database and check it before use
}

func open(path string, o openOptions) (db *DB, err error) {
	if path == "" {
		return nil, cannotOpen(path, errors.New("no database path given"))
	}
	extra := ""
	if o.create {
		if err := createDB(path); err != nil {
			return nil, err
		}
	} else {
		if err := mustExist(path); err != nil {
			return nil, err
		}
		// Checked read-only first: the write connection's pragmas would
		// turn any file into a WAL database.
		if err := checkSchemaAt(context.Background(), path); err != nil {
			return nil, schemaError(path, err, "SqliteErrNotOurs")
		}
		extra = "&mode=rw" // SQLite itself must not create the file either
	}
	var lock, dispatch *os.File
	alone := false
	if o.serve {
		if lock, err = lockDB(path); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				_ = lock.Close()
			}
		}()
		if dispatch, alone, err = lockDispatch(path); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				_ = dispatch.Close()
			}
		}()
	}
	write, err := sql.Open("sqlite3", WriteDSN(path)+extra)
	if err != nil {
		return nil, cannotOpen(path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	ctx := context.Background()
	if o.serve {
		if err := quickCheck(ctx, write, path); err != nil {
			_ = write.Close()
			return nil, err
		}
	}
	if err := migrate(ctx, write); err != nil {
		_ = write.Close()
		return nil, schemaError(path, err, "")
	}

	read, err := sql.Open("sqlite3", dsn(path, "_query_only=1")+extra)
	if err != nil {
		_ = write.Close()
		return nil, cannotOpen(path, err)
	}
	readers := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)

	db = &DB{Now: time.Now, path: path, write: write, read: read, lock: lock, dispatch: dispatch, alone: alone}
	db.idle = sync.NewCond(&db.mu)
	var until string
	switch err := write.QueryRow(`SELECT value FROM settings WHERE key = ?`, settingVerifyUntil).Scan(&until); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		_, _ = write.Close(), read.Close()
		return nil, cannotOpen(path, err)
	default:
		if err := (timeColumn{&db.verifyUntil}).Scan(until); err != nil {
			_, _ = write.Close(), read.Close()
			return nil, cannotOpen(path, err)
		}
	}
	return db, nil
}

// schemaError is the sentence for a schema check or migration that
// failed: a newer schema, a file that is not the bot's (notOurs names
// the sentence; empty for a plain open error), or another cause.
func schemaError(path string, err error, notOurs string) error {
	var newer *schemaTooNewError
	if errors.As(err, &newer) {
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrSchemaTooNew",
			Data: map[string]any{"Path": path, "Version": newer.current, "Known": newer.known}, Err: err}
	}
	if notOurs != "" && errors.Is(err, errNotOurs) {
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: notOurs,
			Data: map[string]any{"Path": path}, Err: err}
	}
	return cannotOpen(path, err)
}

// quickCheck runs SQLite's quick_check, which reads every page, so that
// the bot does not start serving (and answer /healthz) on a damaged file.
func quickCheck(ctx context.Context, db *sql.DB, path string) error {
	var result string
	err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&result)
	if err == nil && result == "ok" {
		return nil
	}
	if err == nil {
		err = errors.New(result)
	}
	return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrDamaged",
		Data: map[string]any{"Path": path, "Cause": fsutil.Cause(err).Error()}, Err: fmt.Errorf("sqlite: quick_check %s: %w", path, err)}
}

// mustExist refuses a database file that is not there, naming where it
// looked.
func mustExist(path string) error {
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		abs, aerr := filepath.Abs(path)
		if aerr != nil {
			abs = path
		}
		return &ambitiebot.Error{Code: ambitiebot.ENOTFOUND, MessageID: "SqliteErrNotFound",
			Data: map[string]any{"Path": abs}, Err: err}
	}
	if err != nil {
		return cannotOpen(path, err)
	}
	return nil
}

// createDB creates an empty database file with mode 0600 when none is at
// path. SQLite gives the -wal and -shm files it creates later the mode of
// this file, so they are 0600 too. A missing directory is not created: a
// mistyped AMBITIEBOT_DB should be a sentence, not a new tree.
func createDB(path string) error {
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return nil // there, or a problem Open names better
	}
	f, err := fsutil.Create(path, false)
	if ambitiebot.ErrorCode(err) == ambitiebot.ECONFLICT {
		return nil // another process created it just now
	}
	if err != nil {
		return cannotOpen(path, err)
	}
	return f.Close()
}

// cannotOpen is Open's error: a sentence naming the file, with the
// cause's own words (SQLite's or the operating system's, such as
// "permission denied"), which the operator needs to fix it.
func cannotOpen(path string, err error) error {
	return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrCannotOpen",
		Data: map[string]any{"Path": path, "Cause": fsutil.Cause(err).Error()}, Err: fmt.Errorf("sqlite: open %s: %w", path, err)}
}

// WriteDSN is the go-sqlite3 data source name of the write connection:
// WAL, synchronous=FULL, foreign keys, busy timeout and immediate
// transactions. Benchmarks and tools that must compare against or share
// the bot's settings open the file with it.
func WriteDSN(path string) string { return dsn(path, "_txlock=immediate") }

// dsn builds a go-sqlite3 URI for path with the pragmas every connection
// needs plus extra. The path is escaped so that '?' or '#' in a file name
// cannot be read as parameters.
func dsn(path, extra string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1" +
		fmt.Sprintf("&_busy_timeout=%d&_stmt_cache_size=%d", busyTimeout.Milliseconds(), stmtCacheSize) + "&" + extra
}

// readOnlyDSN opens path read-only and without the pragmas of dsn, which
// would change a file that is not the bot's.
func readOnlyDSN(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?mode=ro"
}

// Close stops accepting updates, lets the writer commit what is queued and
// closes the database. Every call after Close fails; SetStatus, the other
// writes and Backup with ErrClosed as the cause.
func (db *DB) Close() error {
	var err error
	db.once.Do(func() {
		db.mu.Lock()
		db.closed = true
		for db.writing {
			db.idle.Wait()
		}
		db.mu.Unlock()
		err = errors.Join(db.read.Close(), db.write.Close())
		// The dispatch lock goes first: a bot that starts as soon as the
		// serving lock is free must find it free too, or it would take
		// the leases this process left as live.
		db.dispatchMu.Lock()
		db.dispatchClosed, db.alone = true, false
		if db.dispatch != nil {
			err = errors.Join(err, db.dispatch.Close())
			db.dispatch = nil
		}
		db.dispatchMu.Unlock()
		if db.lock != nil {
			err = errors.Join(err, db.lock.Close()) // releases the lock
		}
	})
	return err
}

// Backup writes a consistent copy of the database to dest while the
// database stays in use. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.isClosed() {
		return internal(ErrClosed)
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return internal(err)
	}
	// Creating dest exclusively refuses an existing file without a race;
	// VACUUM INTO accepts the empty file it leaves.
	f, err := fsutil.Create(abs, false)
	if ambitiebot.ErrorCode(err) == ambitiebot.ECONFLICT {
		return &ambitiebot.Error{Code: ambitiebot.ECONFLICT, MessageID: "SqliteErrBackupExists",
			Data: map[string]any{"Path": dest}, Err: err}
	}
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return internal(err)
	}
	// VACUUM INTO reads one snapshot, so writers carry on meanwhile. It
	// runs on a connection of its own: the read pool is query-only, and the
	// write connection must stay free for the writer.
	conn, err := sql.Open("sqlite3", dsn(db.path, "_txlock=deferred"))
	if err != nil {
		_ = os.Remove(abs)
		return internal(err)
	}
	defer func() { _ = conn.Close() }()
	u := url.URL{Path: abs}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, "file:"+u.EscapedPath()); err != nil {
		_ = os.Remove(abs) // ours, and at best a torn copy

		return internal(fmt.Errorf("backup to %s: %w", dest, err))
	}
	// SQLite writes the copy without syncing it; a backup must survive a
	// crash right after it was reported done.
	if err := syncFile(abs); err != nil {
		return internal(fmt.Errorf("backup to %s: %w", dest, err))
	}
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return internal(fmt.Errorf("backup to %s: %w", dest, err))
	}
	return nil
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// now returns the injected clock's time in UTC.
func (db *DB) now() time.Time { return db.Now().UTC() }

// timeLayout is fixed-width so that stored text sorts in time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatTime stores t as UTC text; the zero time is stored as the empty
// string, which sorts before every other time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// timeColumn scans stored time text into a UTC time.Time.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
	default:
		return fmt.Errorf("sqlite: time column holds %T", v)
	}
	if s == "" {
		*c.t = time.Time{}
		return nil
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return fmt.Errorf("sqlite: time column: %w", err)
	}
	*c.t = t.UTC()
	return nil
}

// internal wraps a storage failure as the user-safe internal error.
func internal(err error) error {
	var e *ambitiebot.Error
	if errors.As(err, &e) {
		return err
	}
	return &ambitiebot.Error{Code: ambitiebot.EINTERNAL, MessageID: "ErrInternal", Err: err}
}

// notFound is returned when the row a call names does not exist.
func notFound(what string) error {
	return &ambitiebot.Error{Code: ambitiebot.ENOTFOUND, MessageID: "ErrNotFound",
		Err: fmt.Errorf("sqlite: %s not found", what)}
}

// invalid is returned for a request the store refuses to write.
func invalid(messageID string) error {
	return ambitiebot.Errorf(ambitiebot.EINVALID, messageID, nil)
}

// filter collects the conditions of a search query, so that only the
// columns asked for appear in WHERE and SQLite can use their index.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, arg any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, arg)
}

func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// writeTx runs fn in one immediate transaction on the write connection.
func (db *DB) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.isClosed() {
		return internal(ErrClosed)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return internal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return internal(err)
	}
	if err := tx.Commit(); err != nil {
		return internal(err)
	}
	return nil
}

// sqlLimit turns "no limit" (n <= 0) into SQLite's LIMIT -1.
func sqlLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// updateOne runs an UPDATE that must hit a row, and returns ENOTFOUND
// naming what when it hits none.
func updateOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

func (db *DB) isClosed() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.closed
}
