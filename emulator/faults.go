package emulator

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Fault makes matching requests slow or fail. Method "" matches any method; Path "" matches any
// path, else a concrete path ("/organizations/org_01…") or a route pattern ("/organizations/{id}").
type Fault struct {
	Method     string
	Path       string
	Status     int           // 0 = no error (latency only)
	Times      int           // requests affected; 0 = every matching request until removed
	Latency    time.Duration // added before the request is handled
	AfterApply bool          // apply the request, then answer Status (the client cannot tell it worked)
	RetryAfter time.Duration // Retry-After sent with the fault (429 and 503); 0 = none (1s for 429)
}

type faultSet struct {
	mu     sync.Mutex
	next   int
	faults map[int]*faultEntry
}

type faultEntry struct {
	f    Fault
	left int // remaining uses; -1 = unlimited
}

// InjectFault adds a fault; remove takes it out again (safe to call more than once).
func (e *Emulator) InjectFault(f Fault) (remove func()) {
	s := &e.faults
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults == nil {
		s.faults = map[int]*faultEntry{}
	}
	s.next++
	id := s.next
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.faults[id] = &faultEntry{f: f, left: left}
	return func() {
		s.mu.Lock()
		delete(s.faults, id)
		s.mu.Unlock()
	}
}

func (s *faultSet) take(method, path, pattern string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := -1
	for id, fe := range s.faults {
		f := fe.f
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && f.Path != path && f.Path != pattern {
			continue
		}
		if fe.left == 0 {
			continue
		}
		if best == -1 || id < best { // oldest first: deterministic
			best = id
		}
	}
	if best == -1 {
		return nil
	}
	fe := s.faults[best]
	if fe.left > 0 {
		fe.left--
		if fe.left == 0 {
			delete(s.faults, best)
		}
	}
	f := fe.f
	return &f
}

func writeFault(w http.ResponseWriter, f *Fault) {
	ra := f.RetryAfter
	if ra == 0 && f.Status == http.StatusTooManyRequests {
		ra = time.Second
	}
	if ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.Seconds()))))
	}
	code := strings.ReplaceAll(strings.ToLower(http.StatusText(f.Status)), " ", "_")
	if code == "" {
		code = "injected_fault"
	}
	writeError(w, &apiError{Status: f.Status, Code: code, Message: "Injected fault: " + http.StatusText(f.Status) + "."})
}

type limiters struct {
	cfg RateLimit
	mu  sync.Mutex
	m   map[string]*rate.Limiter
}

func newLimiters(cfg RateLimit) *limiters {
	if cfg.Burst <= 0 {
		cfg.Burst = int(math.Max(1, cfg.RequestsPerSecond))
	}
	return &limiters{cfg: cfg, m: map[string]*rate.Limiter{}}
}

// allow takes a token for key; when none is left it says how long to wait.
func (l *limiters) allow(key string) (time.Duration, bool) {
	if l.cfg.RequestsPerSecond <= 0 {
		return 0, true
	}
	l.mu.Lock()
	lim, ok := l.m[key]
	if !ok {
		if len(l.m) > 10000 { // bounded: forget everyone rather than grow without end
			l.m = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Limit(l.cfg.RequestsPerSecond), l.cfg.Burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	res := lim.Reserve()
	d := res.Delay()
	if d == 0 {
		return 0, true
	}
	res.Cancel()
	if d < time.Second {
		d = time.Second
	}
	return d, false
}
