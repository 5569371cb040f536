package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// cdp is a minimal Chrome DevTools Protocol client over --remote-debugging-pipe:
// Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and
// events on fd 4. No websocket needed.
type cdp struct {
	cmd  *exec.Cmd
	w    io.WriteCloser
	mu   sync.Mutex
	next int
	wait map[int]chan cdpReply
	done chan struct{}
	err  error
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func startChromium(t testing.TB, bin string) *cdp {
	t.Helper()
	cmdR, cmdW, err := os.Pipe() // we write commands; Chromium reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe() // Chromium writes fd 4; we read
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "--window-size=1000,900", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	evW.Close()
	c := &cdp{cmd: cmd, w: cmdW, wait: map[int]chan cdpReply{}, done: make(chan struct{})}
	go c.readLoop(evR)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.call(ctx, "", "Browser.close", nil, nil)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill() // our own child, by PID
			<-exited
		}
		if t.Failed() {
			t.Logf("chromium stderr (tail): %s", tail(stderr.String(), 2000))
		}
	})
	return c
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (c *cdp) readLoop(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			c.mu.Lock()
			c.err = fmt.Errorf("chromium pipe closed: %w", err)
			c.mu.Unlock()
			close(c.done)
			return
		}
		var m struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // events: we poll instead
		}
		c.mu.Lock()
		ch := c.wait[m.ID]
		delete(c.wait, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends one command (to the browser, or to a page session) and waits.
func (c *cdp) call(ctx context.Context, session, method string, params, out any) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.next++
	id := c.next
	ch := make(chan cdpReply, 1)
	c.wait[id] = ch
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	_, err := c.w.Write(append(b, 0))
	c.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// page is one tab.
type page struct {
	c       *cdp
	session string
	t       testing.TB
	ctx     context.Context
}

func (c *cdp) newPage(ctx context.Context, t testing.TB) *page {
	t.Helper()
	var target struct{ TargetID string }
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct{ SessionID string }
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	p := &page{c: c, session: att.SessionID, t: t, ctx: ctx}
	p.do("Page.enable", nil, nil)
	p.do("Runtime.enable", nil, nil)
	return p
}

func (p *page) do(method string, params, out any) {
	p.t.Helper()
	if err := p.c.call(p.ctx, p.session, method, params, out); err != nil {
		p.t.Fatal(err)
	}
}

// eval runs JavaScript and returns its value; errors (such as navigation
// tearing the context down mid-call) come back as err.
func (p *page) eval(expr string) (json.RawMessage, error) {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := p.c.call(p.ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, errors.New(r.ExceptionDetails.Text)
	}
	return r.Result.Value, nil
}

// waitFor polls a boolean expression until true (bounded by the context).
func (p *page) waitFor(what, expr string) {
	p.t.Helper()
	for {
		v, err := p.eval(expr)
		if err == nil && string(v) == "true" {
			return
		}
		select {
		case <-p.ctx.Done():
			href, _ := p.eval("location.href + ' :: ' + document.title")
			p.t.Fatalf("timed out waiting for %s (at %s)", what, href)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// typeInto focuses a field and types into it through the input pipeline.
func (p *page) typeInto(selector, text string) {
	p.t.Helper()
	if _, err := p.eval(fmt.Sprintf(`document.querySelector(%q).focus()`, selector)); err != nil {
		p.t.Fatal(err)
	}
	p.do("Input.insertText", map[string]any{"text": text}, nil)
}

func (p *page) click(selector string) {
	p.t.Helper()
	if _, err := p.eval(fmt.Sprintf(`document.querySelector(%q).click()`, selector)); err != nil {
		p.t.Fatal(err)
	}
}
