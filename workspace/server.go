package workspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/internal/memo"
	"github.com/workos-mcp/workos-mcp/mcpfast"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/redact"
)

// Version is reported to MCP clients as the server version.
var Version = "dev"

// Server is the workspace MCP server.
type Server struct {
	cfg    Config
	auth   *authkit.AuthKit
	teams  map[string]*Team
	roles  map[string]Role
	sealer *sealer
	used   UsedTokens
	// approvals keeps approval requests (ConfirmHuman teams).
	approvals ApprovalStore
	ttl       time.Duration
	log       *slog.Logger
	redactor  *redact.Redactor
	// fast holds the go-sdk server (fast.SDK()) and the fast path in front of it.
	fast    *mcpfast.Server
	handler http.Handler
	now     func() time.Time

	// sessionOf finds the signed-in person of a request (a tool call, tools/list); tests
	// replace it.
	sessionOf func(ctx context.Context, extra *mcp.RequestExtra) (*authkit.Session, bool)
	// httpClient is used for every WorkOS call; nil means the workos package's default.
	httpClient *http.Client

	mu      sync.Mutex
	clients map[string]*workos.Client
	// roleCache caches each person's role slug from their membership, by team and user.
	roleCache *memo.Cache[string, string]
	// settings caches each team's settings (settings.go).
	settings    map[string]*cachedSettings
	settingsTTL time.Duration
	// identities caches which managed environment is a team's sign-in environment (protect.go).
	identities   map[string]*envIdentity
	protectRetry time.Duration

	// Per-person limits (limits.go); localLimiter stands in when a shared limiter fails.
	limiter, localLimiter Limiter
	// Records (records.go): the person's email, and the delivery of team audit events.
	emails    *memo.Cache[string, string]
	records   RecordQueue
	maxQueued int
	async     chan *queuedRecord
	inflight  inflight
	stop      chan struct{}
	closeOnce sync.Once
	workers   sync.WaitGroup
}

// New returns a workspace server. auth may be nil when the caller puts sessions in the request
// context itself; the server never sends the person's token anywhere.
func New(cfg Config, auth *authkit.AuthKit) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("workspace config: %w", err)
	}
	sl, err := newSealer(cfg.ConfirmationKey)
	if err != nil {
		return nil, fmt.Errorf("workspace config: %w", err)
	}
	s := &Server{
		cfg:          cfg,
		auth:         auth,
		teams:        map[string]*Team{},
		roles:        cfg.Roles,
		sealer:       sl,
		used:         cfg.UsedTokens,
		approvals:    cfg.Approvals,
		settings:     map[string]*cachedSettings{},
		settingsTTL:  cfg.SettingsTTL,
		ttl:          cfg.ConfirmationTTL,
		log:          cfg.Logger,
		now:          time.Now,
		clients:      map[string]*workos.Client{},
		identities:   map[string]*envIdentity{},
		protectRetry: cfg.ProtectionRetry,
		sessionOf:    sessionFromExtra,
		httpClient:   cfg.HTTPClient,

		limiter:      cfg.Limiter,
		localLimiter: &MemoryLimiter{},
		records:      cfg.RecordQueue,
		maxQueued:    cfg.MaxQueuedRecords,
		async:        make(chan *queuedRecord, asyncRecords),
		stop:         make(chan struct{}),
	}
	if s.limiter == nil {
		s.limiter = s.localLimiter
	}
	if s.records == nil {
		s.records = &MemoryRecordQueue{}
	}
	if s.maxQueued <= 0 {
		s.maxQueued = DefaultMaxQueuedRecords
	}
	if s.roles == nil {
		s.roles = DefaultRoles()
	}
	if s.settingsTTL <= 0 {
		s.settingsTTL = DefaultSettingsTTL
	}
	if s.approvals == nil {
		s.approvals = &MemoryApprovals{}
	}
	if s.used == nil {
		s.used = &MemoryUsedTokens{}
	}
	if s.ttl <= 0 {
		s.ttl = 5 * time.Minute
	}
	if s.protectRetry <= 0 {
		s.protectRetry = DefaultProtectionRetry
	}
	roleTTL := cfg.RoleCacheTTL
	if roleTTL <= 0 {
		roleTTL = time.Minute
	}
	// The caches read s.now at each call: tests move it.
	clock := func() time.Time { return s.now() }
	s.roleCache = memo.New[string, string](memo.Options{TTL: roleTTL, Now: clock})
	s.emails = memo.New[string, string](memo.Options{TTL: emailTTL, ErrorTTL: emailMissTTL, MaxEntries: maxCachedEmails, LoadTimeout: emailLookupLimit, Now: clock})
	if s.log == nil {
		s.log = slog.Default()
	}
	var secrets []string
	for i := range cfg.Teams {
		t := &cfg.Teams[i]
		s.teams[t.OrganizationID] = t
		for _, e := range t.Environments {
			secrets = append(secrets, e.APIKey)
		}
		if t.SignIn != nil && t.SignIn.APIKey != "" {
			secrets = append(secrets, t.SignIn.APIKey)
		}
	}
	s.redactor = redact.New(secrets...)
	s.fast = mcpfast.New(&mcp.Implementation{Name: "workos-mcp", Title: "WorkOS workspace", Version: Version}, &mcp.ServerOptions{
		Instructions: instructions,
		// Declared, not inferred: the tool and prompt lists never change at run time (no
		// list_changed notifications).
		Capabilities: &mcp.ServerCapabilities{
			Tools:   &mcp.ToolCapabilities{},
			Prompts: &mcp.PromptCapabilities{},
			Logging: &mcp.LoggingCapabilities{},
		},
	})
	for _, t := range s.tools() {
		t.add(s.fast, t.definition())
	}
	addPrompts(s.fast.SDK())
	s.fast.AddReceivingMiddleware(s.offerOnly)
	// Every output is a typed struct whose schema is inferred from the same type; the tests check
	// every answer against the published schema from outside (mcptest.Conforms). Checking again
	// at run time cost more CPU than the whole whoami call (docs/benchmarks.md).
	s.fast.TrustOutputs(true)
	// tools/list and tools/call take the fast path and are answered as JSON; the SDK serves
	// the rest (initialize, prompts, logging/setLevel, server/discover, protocol 2026-07-28) and
	// answers with an event stream, which a request that streams needs.
	s.handler = s.fast.Handler(&mcp.StreamableHTTPOptions{Stateless: true})
	// The record senders run until Close.
	s.workers.Add(2)
	go s.asyncLoop()
	go s.drainLoop()
	return s, nil
}

const instructions = `This server manages WorkOS environments as the signed-in person. Start with whoami to see ` +
	`your team, role, environments and how irreversible operations are confirmed; use list_operations to find an ` +
	`operation, query to run a read operation and mutate to run a write. Calls go to the sandbox environment ` +
	`unless you name another. Irreversible operations (and updates that would remove what exists) do not run on ` +
	`the first call: show the person what would be destroyed and the approval link; they approve it themselves on ` +
	`the console (you cannot), then repeat the same call. Fields that set how someone signs in are refused.`

// Handler serves MCP Streamable HTTP (stateless): tools/list and tools/call on the fast path
// (mcpfast), everything else through go-sdk. Put authkit's Middleware in front of it.
func (s *Server) Handler() http.Handler { return s.handler }

// SDKHandler serves MCP Streamable HTTP through go-sdk alone, without the fast path: what
// Handler answers must not differ from it (the differential test compares them).
func (s *Server) SDKHandler() http.Handler {
	return s.fast.SDKHandler(&mcp.StreamableHTTPOptions{Stateless: true})
}

// MCPServer is the underlying go-sdk server, for in-process transports.
func (s *Server) MCPServer() *mcp.Server { return s.fast.SDK() }

// caller is the person behind one tool call, with everything the policy needs.
type caller struct {
	session    *authkit.Session
	team       *Team
	roleSlug   string
	roleSource string // "token", "membership" or "" (unknown)
	role       Role
	roleKnown  bool
	roleErr    error
	// settings are the team's settings in effect for this call, read once (settings.go).
	settings       Settings
	settingsSource string
	// recorded is set once a record of this call was written, so that the tool's handler
	// records a failure only if nothing else did.
	recorded atomic.Bool
	// task counts the reads of a task tool, which are logged but not each sent to the team's
	// audit log: the tool call gets one record (taskRecord).
	task taskReads
}

// errNoSession means the server was mounted without authkit in front of it: a wiring mistake,
// not the client's.
var errNoSession = errors.New("no signed-in person: this server must be mounted behind authkit's middleware")

// identify resolves the person, their team and their role. A missing team is not an error
// here: whoami explains it, every other tool refuses.
func (s *Server) identify(ctx context.Context, req *mcp.CallToolRequest) (*caller, error) {
	var extra *mcp.RequestExtra
	if req != nil {
		extra = req.Extra
	}
	sess, ok := s.sessionOf(ctx, extra)
	if !ok {
		return nil, errNoSession
	}
	return s.callerOf(ctx, sess), nil
}

// callerOf resolves a signed-in person's team and role (the console's people too).
func (s *Server) callerOf(ctx context.Context, sess *authkit.Session) *caller {
	c := &caller{session: sess, team: s.teams[sess.OrganizationID]}
	if c.team == nil {
		return c
	}
	c.settings, c.settingsSource = s.settingsOf(ctx, c.team)
	c.roleSlug, c.roleSource, c.roleErr = s.roleOf(ctx, sess, c.team)
	if r, ok := s.roles[c.roleSlug]; ok && c.roleSlug != "" {
		c.role, c.roleKnown = r, true
	}
	return c
}

// roleOf reads the role from the token, else from the person's membership in the team's
// sign-in environment (cached).
func (s *Server) roleOf(ctx context.Context, sess *authkit.Session, team *Team) (slug, source string, err error) {
	if sess.Role != "" {
		return sess.Role, "token", nil
	}
	if team.SignIn == nil || team.SignIn.APIKey == "" {
		return "", "", nil
	}
	key := team.OrganizationID + "\x00" + sess.UserID
	slug, err = s.roleCache.Get(ctx, key, func(ctx context.Context) (string, error) {
		cl := s.client(team.SignIn.BaseURL, team.SignIn.APIKey)
		list, err := cl.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{
			UserID: sess.UserID, OrganizationID: team.OrganizationID,
		})
		if err != nil {
			return "", err
		}
		for _, m := range list.Data {
			if m.Status != "" && m.Status != "active" {
				continue
			}
			if m.Role.Slug != "" || len(m.Roles) == 0 {
				return m.Role.Slug, nil
			}
			return m.Roles[0].Slug, nil
		}
		return "", nil // no active membership: remembered too, as no role
	})
	if err != nil {
		return "", "", fmt.Errorf("look up your membership: %w", err)
	}
	if slug == "" {
		return "", "", nil
	}
	return slug, "membership", nil
}

// client returns the WorkOS client for a base URL and key; clients are reused so that their
// connections are.
func (s *Server) client(baseURL, apiKey string) *workos.Client {
	key := baseURL + "\x00" + apiKey
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c
	}
	// A person's agent is waiting: retry briefly, and answer a long Retry-After at once (the
	// error says when to retry) rather than hold the call.
	c := workos.New(workos.Options{BaseURL: baseURL, APIKey: apiKey, HTTPClient: s.httpClient, UserAgent: "workos-mcp/" + Version,
		MaxRetries: 2, MaxRetryAfter: 5 * time.Second, OnResponse: s.cfg.Hooks.WorkOSResponse})
	s.clients[key] = c
	return c
}
