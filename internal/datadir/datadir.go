// Package datadir guards a data directory against a second server: `workos-mcp dev` and
// `workos-mcp emulate` take an exclusive lock on <dir>/workos-mcp.lock for as long as they run,
// and write their address into it, so that a second one on the same directory fails at once
// with an error naming the first instead of serving beside it on the same SQLite files.
package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the lock file's name inside the data directory.
const FileName = "workos-mcp.lock"

// ErrLocked matches (errors.Is) the error Lock returns when another process holds the lock.
var ErrLocked = errors.New("data directory in use")

// Holder is what the lock file says about the process holding it.
type Holder struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

// LockedError is returned by Lock when another process holds the directory.
type LockedError struct {
	Dir    string
	Holder Holder // zero when the holder has not written it yet
}

// Error names the holder and what to do.
func (e *LockedError) Error() string {
	who := "another workos-mcp"
	switch {
	case e.Holder.URL != "" && e.Holder.PID > 0:
		who = fmt.Sprintf("another workos-mcp serving at %s (pid %d)", e.Holder.URL, e.Holder.PID)
	case e.Holder.URL != "":
		who = "another workos-mcp serving at " + e.Holder.URL
	}
	return fmt.Sprintf("data directory %s is in use by %s: stop it, or give this one another --data", e.Dir, who)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Lock is a held lock on a data directory. Release it with Close.
type Lock struct {
	f *os.File
}

// Acquire creates dir if needed and locks it for this process, recording url (the address the
// process serves) in the lock file. When another process holds it, the error is a *LockedError
// naming that process's address. The lock is released by Close, or by the process exiting.
func Acquire(dir, url string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory: lock file: %w", err)
	}
	locked, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory: lock %s: %w", path, err)
	}
	if !locked {
		defer f.Close()
		abs, aerr := filepath.Abs(dir)
		if aerr != nil {
			abs = dir
		}
		le := &LockedError{Dir: abs}
		if data, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(data, &le.Holder)
		}
		return nil, le
	}
	data, _ := json.Marshal(Holder{URL: strings.TrimSpace(url), PID: os.Getpid()})
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(data, '\n'), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory: write lock file: %w", err)
	}
	return &Lock{f: f}, nil
}

// Close empties the lock file and releases the lock. The file stays: removing it could let two
// processes lock two different files of the same name.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
