package localauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"
)

// store is the server's SQLite state. One connection serialises every
// statement, which keeps single-use checks (codes, refresh tokens) atomic
// without retry loops; the load of a dev authorization server is tiny.
type store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS keys (kid TEXT PRIMARY KEY, der BLOB NOT NULL, created_at INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, metadata TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS codes (hash TEXT PRIMARY KEY, sid TEXT NOT NULL, data TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (hash TEXT PRIMARY KEY, sid TEXT NOT NULL, data TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS refresh_tokens_sid ON refresh_tokens(sid);
CREATE TABLE IF NOT EXISTS revoked_jti (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS external_users (external_id TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, email TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
`

func openStore(ctx context.Context, dataDir string) (*store, error) {
	dsn := ":memory:"
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("localauth: data dir: %w", err)
		}
		path := filepath.Join(dataDir, "localauth.db")
		// The file holds the signing keys: owner-only, set before SQLite
		// creates it (its -wal and -shm files copy these permissions).
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("localauth: data file: %w", err)
		}
		f.Close()
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("localauth: open storage: %w", err)
	}
	// One connection: an in-memory database lives exactly as long as it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("localauth: create schema: %w", err)
	}
	return &store{db: db}, nil
}

func (st *store) close() error { return st.db.Close() }

// tx runs f in a transaction, committing only if f succeeds, so that nothing
// is half-written on failure.
func (st *store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// grant is what a code or refresh token stands for.
type grant struct {
	ClientID         string    `json:"client_id"`
	RedirectURI      string    `json:"redirect_uri,omitempty"`
	RedirectExplicit bool      `json:"redirect_explicit,omitempty"`
	Challenge        string    `json:"code_challenge,omitempty"`
	Scope            string    `json:"scope"`
	Audience         string    `json:"aud"`
	Resource         string    `json:"resource,omitempty"`
	SID              string    `json:"sid"`
	UserID           string    `json:"user_id"`
	OrgID            string    `json:"org_id,omitempty"`
	External         *Person   `json:"external,omitempty"` // set for Standalone Connect people, who aren't in the Directory
	AuthTime         time.Time `json:"auth_time"`
	Nonce            string    `json:"nonce,omitempty"` // OIDC: echoed in the ID token of the code exchange only
}

// pendingAuth is an authorization request waiting for sign-in and consent.
type pendingAuth struct {
	ID               string  `json:"id"`
	ClientID         string  `json:"client_id"`
	ClientName       string  `json:"client_name"`
	RedirectURI      string  `json:"redirect_uri"`
	RedirectExplicit bool    `json:"redirect_explicit,omitempty"`
	State            string  `json:"state"`
	Scope            string  `json:"scope"`
	Resource         string  `json:"resource"`
	Challenge        string  `json:"code_challenge"`
	LoginHint        string  `json:"login_hint,omitempty"`
	OrgHint          string  `json:"organization_id,omitempty"`
	Nonce            string  `json:"nonce,omitempty"`
	Binding          string  `json:"binding,omitempty"` // hash of the browser's CSRF cookie, set on first view
	ExternalTok      string  `json:"external_token,omitempty"`
	UserID           string  `json:"user_id,omitempty"`
	OrgID            string  `json:"org_id,omitempty"`
	OrgChosen        bool    `json:"org_chosen,omitempty"`
	External         *Person `json:"external,omitempty"`
}

func (st *store) putPending(ctx context.Context, p *pendingAuth, exp time.Time) error {
	b, _ := json.Marshal(p)
	_, err := st.db.ExecContext(ctx, `INSERT INTO pending(id, data, expires_at) VALUES(?,?,?)
		ON CONFLICT(id) DO UPDATE SET data=excluded.data`, p.ID, string(b), exp.Unix())
	return err
}

func (st *store) getPending(ctx context.Context, id string, now time.Time) (*pendingAuth, error) {
	var data string
	err := st.db.QueryRowContext(ctx, `SELECT data FROM pending WHERE id=? AND expires_at>=?`, id, now.Unix()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var p pendingAuth
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func (st *store) deletePending(ctx context.Context, id string) error {
	_, err := st.db.ExecContext(ctx, `DELETE FROM pending WHERE id=?`, id)
	return err
}

// errPendingGone means a stored authorization request was already completed
// (or expired) while this one was being approved: a double submit.
var errPendingGone = errors.New("authorization request already completed")

// issueCode stores a new code and its session in one transaction and
// consumes the stored request pendingID ("" when the request was never
// stored, as with auto-approve), so that one request yields one code.
func (st *store) issueCode(ctx context.Context, codeHash string, g *grant, exp, now time.Time, pendingID string) error {
	b, _ := json.Marshal(g)
	return st.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM codes WHERE expires_at<?`, now.Add(-time.Hour).Unix()); err != nil {
			return err
		}
		if pendingID != "" {
			res, err := tx.ExecContext(ctx, `DELETE FROM pending WHERE id=? AND expires_at>=?`, pendingID, now.Unix())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errPendingGone
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending WHERE expires_at<?`, now.Unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(sid, user_id, client_id, created_at) VALUES(?,?,?,?)`,
			g.SID, g.UserID, g.ClientID, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO codes(hash, sid, data, expires_at) VALUES(?,?,?,?)`,
			codeHash, g.SID, string(b), exp.Unix())
		return err
	})
}

var errReused = errors.New("reused")

// lookupCode returns a code's grant, its expiry and whether it was used,
// changing nothing: a request that fails a check leaves the code as it was.
func (st *store) lookupCode(ctx context.Context, codeHash string) (*grant, time.Time, bool, error) {
	var data string
	var exp int64
	var used int
	err := st.db.QueryRowContext(ctx, `SELECT data, expires_at, used FROM codes WHERE hash=?`, codeHash).Scan(&data, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	var g grant
	if err := json.Unmarshal([]byte(data), &g); err != nil {
		return nil, time.Time{}, false, err
	}
	return &g, time.Unix(exp, 0), used != 0, nil
}

// consumeCode marks a code used. If another request used it first, the
// code's session (and so every token issued from it) is revoked and
// errReused returned.
func (st *store) consumeCode(ctx context.Context, codeHash, sid string) error {
	res, err := st.db.ExecContext(ctx, `UPDATE codes SET used=1 WHERE hash=? AND used=0`, codeHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := st.revokeSession(ctx, sid); err != nil {
			return err
		}
		return errReused
	}
	return nil
}

func (st *store) revokeSession(ctx context.Context, sid string) error {
	return st.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked=1 WHERE sid=?`, sid); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used=1 WHERE sid=?`, sid)
		return err
	})
}

func (st *store) sessionActive(ctx context.Context, sid string) (bool, error) {
	var revoked int
	err := st.db.QueryRowContext(ctx, `SELECT revoked FROM sessions WHERE sid=?`, sid).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return revoked == 0, nil
}

func (st *store) putRefresh(ctx context.Context, tx *sql.Tx, hash string, g *grant, exp time.Time) error {
	b, _ := json.Marshal(g)
	_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens(hash, sid, data, expires_at) VALUES(?,?,?,?)`, hash, g.SID, string(b), exp.Unix())
	return err
}

// lookupRefresh returns a refresh token's grant, whether it was already used, and its expiry.
func (st *store) lookupRefresh(ctx context.Context, hash string) (*grant, bool, time.Time, error) {
	var data string
	var exp int64
	var used int
	err := st.db.QueryRowContext(ctx, `SELECT data, expires_at, used FROM refresh_tokens WHERE hash=?`, hash).Scan(&data, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, false, time.Time{}, err
	}
	var g grant
	if err := json.Unmarshal([]byte(data), &g); err != nil {
		return nil, false, time.Time{}, err
	}
	return &g, used != 0, time.Unix(exp, 0), nil
}

// rotateRefresh marks old used and stores next, atomically; errReused if old
// was already used (the caller then revokes the family).
func (st *store) rotateRefresh(ctx context.Context, oldHash, newHash string, g *grant, exp, now time.Time) error {
	return st.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used=1 WHERE hash=? AND used=0`, oldHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errReused
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at<?`, now.Unix()); err != nil {
			return err
		}
		return st.putRefresh(ctx, tx, newHash, g, exp)
	})
}

func (st *store) revokeJTI(ctx context.Context, jti string, exp time.Time, now time.Time) error {
	return st.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_jti WHERE expires_at<?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO revoked_jti(jti, expires_at) VALUES(?,?)`, jti, exp.Unix())
		return err
	})
}

func (st *store) jtiRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	err := st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM revoked_jti WHERE jti=?`, jti).Scan(&n)
	return n > 0, err
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how codes, refresh tokens and secrets are stored: a leaked
// database holds nothing that can be replayed.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
