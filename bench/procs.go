package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// proc is a server process the harness started and measures.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File // its stdout and stderr, shown when it fails to start
	done chan struct{}
	gc   *gcLog // a Go process's GC cycles (gctrace), nil for the peer
}

// start runs a server process in the working directory wd, its output to a file in dir. A Go
// process (goProc) runs with gctrace on; its gc lines are kept out of the file, in p.gc.
func start(dir, wd, name string, goProc bool, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = wd
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	p := &proc{name: name, cmd: cmd, log: f, done: make(chan struct{})}
	var copied chan struct{}
	if goProc {
		cmd.Env = append(cmd.Env, gctraceEnv()) // the last GODEBUG wins
		cmd.Stderr = nil
		stderr, err := cmd.StderrPipe()
		if err != nil {
			f.Close()
			return nil, err
		}
		p.gc = &gcLog{}
		copied = make(chan struct{})
		go func() { p.gc.copy(stderr, f); close(copied) }()
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		if copied != nil {
			<-copied // Wait closes the pipe: read it to the end first
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 5s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// tail is the end of the process's output, for an error message.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// waitHTTP polls url until it answers want, the process exits, or 90s pass (a cold build of
// the Node peer's imports takes a while on a loaded machine).
func (p *proc) waitHTTP(ctx context.Context, url string, want int) error {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited at start:\n%s", p.name, p.tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s did not answer %d in 90s:\n%s", p.name, url, want, p.tail())
}

// cpu is the process's user+system CPU time so far, all threads (/proc/<pid>/stat fields 14
// and 15, in clock ticks of 10ms: a round's delta over thousands of calls is precise enough).
func (p *proc) cpu() (time.Duration, error) { return pidCPU(p.cmd.Process.Pid) }

// pidCPU reads a process's CPU time from /proc.
func pidCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count fields after its closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unreadable /proc stat times")
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux the harness runs on.
const clockTicks = 100

// rss is the process's resident set (VmRSS), in bytes.
func (p *proc) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// freePort picks a free 127.0.0.1 port for a server that takes its address as a flag.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// goBuild builds a package of the module into dir.
func goBuild(ctx context.Context, root, dir, pkg, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}
