package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// The demo seed's fixed values, for scripts and tests. The team environment is the team's own
// sign-in environment (read by localauth); sandbox and production hold the managed workspace.
const (
	DemoTeamEnvironment  = "team"
	DemoSandboxAPIKey    = "sk_test_default"
	DemoProductionAPIKey = "sk_live_default"
)

// Fixed values of the demo team environment (see DefaultSeed).
var (
	DemoTeamAPIKey            = "sk_test_team_default"
	DemoTeamClientID          = "client_01JD0TEAM00000000000000000"
	DemoTeamOrganizationID    = "org_01JD0TEAM00000000000000000"
	DemoSandboxClientID       = "client_01JD0SANDB0X00000000000000"
	DemoProductionClientID    = "client_01JD0PR0D00000000000000000"
	DemoPassword              = "workos-demo-password"
	DemoTeamOrganizationName  = "Demo Team"
	DemoTeamRoles             = []string{"admin", "member", "member-sandbox", "support", "support-viewer"}
	defaultMaxRequestBodySize = int64(1 << 20)
)

// Options configure an Emulator. The zero value is an in-memory emulator with DefaultSeed.
type Options struct {
	DataDir   string       // "" = in memory; else <DataDir>/emulator.db, kept across restarts
	Seed      *Seed        // nil = DefaultSeed(); used when the database is new or Reset is set
	Reset     bool         // wipe the data directory's database and seed again
	BaseURL   string       // public base URL of the API (portal links, export downloads); "" = http(s)://<Host> of each request, which misses a mount prefix such as /workos
	RateLimit RateLimit    // zero = off
	Logger    *slog.Logger // nil = discard
	// StrictIdempotency honours Idempotency-Key only on the operations whose spec documents it
	// (IdempotentOperations), as WorkOS does; elsewhere the header is ignored and a repeated
	// request is applied again. The default (false) honours it on every POST, which is more
	// forgiving than WorkOS.
	StrictIdempotency bool
	// Webhooks tune the delivery of events to webhook endpoints (retries, HTTP client).
	Webhooks WebhookOptions
}

// IdempotentOperations are the operations ("METHOD /pattern") whose spec documents the
// Idempotency-Key header: WorkOS replays their response for a repeated key.
var IdempotentOperations = []string{"POST /audit_logs/events"}

// WorkOSRateLimit is WorkOS's documented general limit, 6,000 requests per 60 seconds per API
// key, as a token bucket: 100 a second sustained, up to 1,000 at once. `workos-mcp dev` applies it
// by default, so that clients meet 429 answers before they meet them in production.
var WorkOSRateLimit = RateLimit{RequestsPerSecond: 100, Burst: 1000}

// RateLimit is a token bucket per API key: RequestsPerSecond sustained, Burst at once. Requests
// over it get 429 with Retry-After, as WorkOS answers them.
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int // default: max(1, RequestsPerSecond)
}

// Environment is one WorkOS environment served by the emulator, selected by its API key.
type Environment struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"` // "sandbox" | "production"
	APIKey   string `json:"api_key"`
	ClientID string `json:"client_id"`
}

// Emulator is a WorkOS API emulator backed by SQLite. It is safe for concurrent use.
type Emulator struct {
	opts   Options
	db     *sql.DB
	log    *slog.Logger
	ids    idSource
	routes []*route

	mu    sync.RWMutex
	envs  []Environment
	byKey map[string]Environment

	faults   faultSet
	limiters *limiters

	// failWriteAt, when > 0, makes the n-th write of every request fail (tests of atomicity).
	failWriteAt atomic.Int32

	// wrap is the middleware set by Wrap, read on every request.
	wrap atomic.Pointer[func(http.Handler) http.Handler]

	deliverer *deliverer
	keys      sync.Map // environment name -> *signingKey, as stored
	closeOnce sync.Once
	closeErr  error
}

// New opens (or creates) the emulator's database, seeds it when it is new or when Reset is set,
// and returns an Emulator ready to serve.
func New(ctx context.Context, opts Options) (*Emulator, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Emulator{opts: opts, log: log, limiters: newLimiters(opts.RateLimit)}
	dsn := "file::memory:"
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("emulator: data dir: %w", err)
		}
		dsn = "file:" + filepath.Join(opts.DataDir, "emulator.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	sep := "?"
	if opts.DataDir != "" {
		sep = "&"
	}
	dsn += sep + "_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("emulator: open database: %w", err)
	}
	// One connection: writes serialize in-process (no SQLITE_BUSY), and an in-memory database
	// lives exactly as long as the emulator.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	e.db = db
	if err := e.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	seeded, err := e.isSeeded(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if opts.Reset || !seeded {
		seed := opts.Seed
		if seed == nil {
			seed = DefaultSeed()
		}
		if err := e.applySeed(ctx, seed); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := e.pruneEvents(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := e.loadEnvironments(ctx); err != nil {
		db.Close()
		return nil, err
	}
	e.routes = e.buildRoutes()
	e.startDeliverer()
	return e, nil
}

// Close stops webhook delivery (an attempt in flight is abandoned and sent again after the next
// start) and closes the database. Calling it again does nothing.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		e.deliverer.stop()
		e.closeErr = e.db.Close()
	})
	return e.closeErr
}

// Ping reports whether the database answers.
func (e *Emulator) Ping(ctx context.Context) error { return e.db.PingContext(ctx) }

// Environments lists the environments served, sorted by name.
func (e *Emulator) Environments() []Environment {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]Environment(nil), e.envs...)
}

func (e *Emulator) environmentByKey(key string) (Environment, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	env, ok := e.byKey[key]
	return env, ok
}

func (e *Emulator) environmentByClientID(id string) (Environment, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, env := range e.envs {
		if env.ClientID == id {
			return env, true
		}
	}
	return Environment{}, false
}

func (e *Emulator) loadEnvironments(ctx context.Context) error {
	rows, err := e.db.QueryContext(ctx, `SELECT name, kind, api_key, client_id FROM environments ORDER BY name`)
	if err != nil {
		return fmt.Errorf("emulator: load environments: %w", err)
	}
	defer rows.Close()
	var envs []Environment
	for rows.Next() {
		var env Environment
		if err := rows.Scan(&env.Name, &env.Kind, &env.APIKey, &env.ClientID); err != nil {
			return fmt.Errorf("emulator: load environments: %w", err)
		}
		envs = append(envs, env)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("emulator: load environments: %w", err)
	}
	sort.Slice(envs, func(i, j int) bool { return envs[i].Name < envs[j].Name })
	by := make(map[string]Environment, len(envs))
	for _, env := range envs {
		by[env.APIKey] = env
	}
	e.mu.Lock()
	e.envs, e.byKey = envs, by
	e.mu.Unlock()
	return nil
}

// now is the emulator's clock, at WorkOS's millisecond precision.
func (e *Emulator) now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
