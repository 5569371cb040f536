package workspace

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ConfirmationToken is what a sealed confirmation token binds: who may use it, where, for which
// call, and the state of the target when it was issued.
type ConfirmationToken struct {
	ID          string `json:"jti"`
	Subject     string `json:"sub"` // the person (user ID)
	Team        string `json:"org"` // the team (organization ID)
	Environment string `json:"env"`
	Operation   string `json:"op"`
	ParamsHash  string `json:"params"` // hash of the canonical parameters
	Target      string `json:"target"` // fingerprint of the target and its dependents
	TargetName  string `json:"name,omitempty"`
	ExpiresAt   int64  `json:"exp"` // Unix seconds
}

// Confirmation refusals: the call did nothing.
var (
	ErrTokenInvalid  = errors.New("the confirmation token is not valid (malformed or tampered with)")
	ErrTokenExpired  = errors.New("the confirmation token has expired")
	ErrTokenUsed     = errors.New("the confirmation token was already used")
	ErrTokenMismatch = errors.New("the confirmation token was issued for another call")
	ErrTargetChanged = errors.New("the target changed since the confirmation token was issued")
)

const tokenPrefix = "wmc1_"

// tokenAAD ties sealed tokens to this purpose, so that a ciphertext made with the same key for
// anything else never opens as a confirmation.
var tokenAAD = []byte("workos-mcp confirmation token v1")

// sealer seals and opens confirmation tokens with AES-256-GCM.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("confirmation key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(t ConfirmationToken) (string, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, tokenAAD)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

func (s *sealer) open(token string) (ConfirmationToken, error) {
	var t ConfirmationToken
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), tokenPrefix)
	if !ok || len(rest) > 4096 {
		return t, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return t, ErrTokenInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], tokenAAD)
	if err != nil {
		return t, ErrTokenInvalid
	}
	if err := json.Unmarshal(plain, &t); err != nil || t.ID == "" {
		return t, ErrTokenInvalid
	}
	return t, nil
}

func newTokenID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hashJSON hashes a value's JSON encoding. encoding/json sorts map keys, so maps decoded from
// the same JSON object hash the same whatever the order of their keys on the wire.
func hashJSON(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// UsedTokens remembers which confirmation tokens were used, so that each runs at most once.
// Replicas share one implementation (Redis, a database) for the guarantee to hold across them.
type UsedTokens interface {
	// MarkUsed records id as used until expiresAt. It reports true only to the first caller for
	// an id, atomically: of two concurrent calls exactly one gets true.
	MarkUsed(ctx context.Context, id string, expiresAt time.Time) (bool, error)
}

// MemoryUsedTokens is an in-process UsedTokens, for a single replica. The zero value is ready.
type MemoryUsedTokens struct {
	mu   sync.Mutex
	used map[string]time.Time
	now  func() time.Time
}

// MarkUsed implements UsedTokens.
func (m *MemoryUsedTokens) MarkUsed(_ context.Context, id string, expiresAt time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.now != nil {
		now = m.now()
	}
	if m.used == nil {
		m.used = map[string]time.Time{}
	}
	// Tokens past their expiry are refused before reaching here, so forgetting them is safe;
	// sweeping on write keeps the map bounded by the tokens alive at once.
	if len(m.used) > 1024 {
		for k, exp := range m.used {
			if now.After(exp) {
				delete(m.used, k)
			}
		}
	}
	if _, ok := m.used[id]; ok {
		return false, nil
	}
	m.used[id] = expiresAt
	return true, nil
}

// confirmThenRun is the class/confirmation step for irreversible operations: by the person's
// approval (ConfirmHuman, approve.go), or, where an operator chose it, by the sealed token the
// agent returns (ConfirmAgent).
func (s *Server) confirmThenRun(ctx context.Context, oc *opCall, req *mcp.CallToolRequest, token string) (*mcp.CallToolResult, *mutateOut, error) {
	// A retry after form elicitation carries the token as request state and the typed name.
	if req != nil && req.Params != nil && req.Params.RequestState != "" && token == "" {
		return s.confirmByElicitation(ctx, oc, req)
	}
	if oc.c.team.confirmation() == ConfirmHuman {
		return s.approveThenRun(ctx, oc, req, token)
	}
	if token != "" {
		t, err := s.redeem(ctx, oc, token)
		if err != nil {
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		// The name the person confirmed, for the record (a refused token may name another
		// target, so only a redeemed one's is used).
		oc.targetName = t.TargetName
		return s.performAnswer(ctx, oc)
	}
	if elicitForm(req) {
		return s.confirmByForm(ctx, oc)
	}
	t, tok, exp, err := s.issue(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	oc.targetName = t.Name
	s.recordOutcome(ctx, oc, OutcomeConfirmationRequired)
	return nil, &mutateOut{Operation: oc.op.Name, Environment: oc.env.Name, Status: statusConfirmationRequired,
		confirmationOut: &confirmationOut{
			Target: t.Name, WouldDestroy: t.WouldDelete, ConfirmationToken: tok,
			ExpiresAt:        exp.UTC().Format(time.RFC3339),
			ExpiresInMinutes: int(s.ttl.Round(time.Minute) / time.Minute),
			Next:             "Show the person what would be destroyed. Only if they agree, call mutate again with the same operation, params and environment, plus this confirmation_token.",
		}}, nil
}

// confirmByForm asks the person through the client's own form (form elicitation): they type the
// target's name; the sealed token travels as request state, which the client, not the model,
// sends back.
func (s *Server) confirmByForm(ctx context.Context, oc *opCall) (*mcp.CallToolResult, *mutateOut, error) {
	t, tok, _, err := s.issue(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	s.recordOutcome(ctx, oc, OutcomeConfirmationRequired)
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
			Mode: "form",
			Message: fmt.Sprintf("%s in %s cannot be undone. It would destroy: %s. Type %q to confirm.",
				oc.op.Name, oc.env.Name, summaryLine(t.WouldDelete), t.Name),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"name": map[string]any{"type": "string", "title": "Type the name to confirm", "description": "Exactly: " + t.Name},
				},
				"required": []string{"name"},
			},
		}},
		RequestState: tok,
	}, nil, nil
}

func summaryLine(m map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case map[string]any:
			if n, ok := v["count"]; ok {
				parts = append(parts, fmt.Sprintf("%v %s", n, k))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %v", k, displayName(v)))
		default:
			parts = append(parts, k)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// elicitForm reports whether the client declared form elicitation on this request.
func elicitForm(req *mcp.CallToolRequest) bool {
	if req == nil {
		return false
	}
	caps := req.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	// An empty elicitation capability means form (the only mode before URL mode existed).
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}

// issue reads the target and seals a token bound to this exact call.
func (s *Server) issue(ctx context.Context, oc *opCall) (*target, string, time.Time, error) {
	t, err := s.describeTarget(ctx, oc)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	exp := s.now().Add(s.ttl)
	tok, err := s.sealer.seal(ConfirmationToken{
		ID: newTokenID(), Subject: oc.c.session.UserID, Team: oc.c.team.OrganizationID,
		Environment: oc.env.Name, Operation: oc.op.Name, ParamsHash: hashJSON(oc.params),
		Target: t.Fingerprint, TargetName: t.Name, ExpiresAt: exp.Unix(),
	})
	if err != nil {
		return nil, "", time.Time{}, err
	}
	return t, tok, exp, nil
}

// redeem checks a token against this call, marks it used (atomically), then checks that the
// target did not change since the token was issued.
func (s *Server) redeem(ctx context.Context, oc *opCall, token string) (ConfirmationToken, error) {
	t, err := s.sealer.open(token)
	if err != nil {
		return t, fmt.Errorf("%w; nothing was done. Call mutate without a token to get a new one", err)
	}
	if s.now().Unix() >= t.ExpiresAt {
		return t, fmt.Errorf("%w; nothing was done. Call mutate without a token to get a new one", ErrTokenExpired)
	}
	var why []string
	if t.Subject != oc.c.session.UserID {
		why = append(why, "it was issued to another person")
	}
	if t.Team != oc.c.team.OrganizationID {
		why = append(why, "it was issued in another team")
	}
	if t.Environment != oc.env.Name {
		why = append(why, fmt.Sprintf("it was issued for environment %q", t.Environment))
	}
	if t.Operation != oc.op.Name {
		why = append(why, fmt.Sprintf("it was issued for operation %q", t.Operation))
	}
	if t.ParamsHash != hashJSON(oc.params) {
		why = append(why, "the parameters differ from the confirmed call")
	}
	if len(why) > 0 {
		return t, fmt.Errorf("%w (%s); nothing was done", ErrTokenMismatch, strings.Join(why, "; "))
	}
	// Mark before re-reading the target: of two concurrent confirmations exactly one gets past
	// here. A token whose target then turns out changed is spent; the person confirms again.
	first, err := s.used.MarkUsed(ctx, t.ID, time.Unix(t.ExpiresAt, 0))
	if err != nil {
		// The store's error names internal addresses: it goes to the server log, not the agent.
		s.log.ErrorContext(ctx, "confirmation store unavailable", slog.String("error", err.Error()))
		return t, errors.New("the confirmation store is unavailable; nothing was done, retry in a moment")
	}
	if !first {
		return t, fmt.Errorf("%w; nothing was done", ErrTokenUsed)
	}
	cur, err := s.describeTarget(ctx, oc)
	if err != nil {
		return t, fmt.Errorf("%w; nothing was done", err)
	}
	if cur.Fingerprint != t.Target {
		return t, fmt.Errorf("%w; nothing was done. Review it and call mutate without a token to confirm again", ErrTargetChanged)
	}
	return t, nil
}

func (s *Server) confirmByElicitation(ctx context.Context, oc *opCall, req *mcp.CallToolRequest) (*mcp.CallToolResult, *mutateOut, error) {
	resp, _ := req.Params.InputResponses["confirm"].(*mcp.ElicitResult)
	if resp == nil || resp.Action != "accept" {
		s.recordOutcome(ctx, oc, OutcomeDeclined)
		return nil, &mutateOut{Operation: oc.op.Name, Environment: oc.env.Name, Status: statusCancelled,
			Message: "The person did not confirm; nothing was done."}, nil
	}
	t, err := s.sealer.open(req.Params.RequestState)
	if err != nil {
		s.refused(ctx, oc, err)
		return nil, nil, fmt.Errorf("%w; nothing was done", err)
	}
	typed, _ := resp.Content["name"].(string)
	if strings.TrimSpace(typed) != t.TargetName {
		err := fmt.Errorf("the typed name %q does not match %q; nothing was done", typed, t.TargetName)
		s.refused(ctx, oc, err)
		return nil, nil, err
	}
	if _, err := s.redeem(ctx, oc, req.Params.RequestState); err != nil {
		s.refused(ctx, oc, err)
		return nil, nil, err
	}
	oc.targetName = t.TargetName
	return s.performAnswer(ctx, oc)
}

func (s *Server) refused(ctx context.Context, oc *opCall, err error) {
	s.record(context.WithoutCancel(ctx), oc, OutcomeRefused, nil, err)
}

func (s *Server) recordOutcome(ctx context.Context, oc *opCall, outcome Outcome) {
	s.record(context.WithoutCancel(ctx), oc, outcome, nil, nil)
}

// performAnswer runs the operation (already decided, and confirmed where it had to be) and
// answers mutate with what it did.
func (s *Server) performAnswer(ctx context.Context, oc *opCall) (*mcp.CallToolResult, *mutateOut, error) {
	res, err := s.perform(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	return nil, ranOut(oc, res), nil
}
