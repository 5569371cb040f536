package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// page is one tab of a headless Chromium driven through the DevTools protocol over
// --remote-debugging-pipe (fd 3 carries commands to the browser, fd 4 its answers and events,
// each a JSON message ended by a NUL byte): no WebSocket, no driver. The browser keeps its own
// cookies, follows redirects and submits forms as a person's browser does.
type page struct {
	t       *testing.T
	cmd     *exec.Cmd
	out     *os.File // our end of fd 3
	stderr  *lockedBuffer
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	loads   chan struct{} // one per Page.loadEventFired of the tab
	session string
	exited  chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Result    json.RawMessage `json:"result"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// openPage starts browser headless with a fresh profile and opens one tab on about:blank.
func openPage(t *testing.T, browser string) *page {
	t.Helper()
	toBrowser, ours, err := os.Pipe() // fd 3: the browser reads
	if err != nil {
		t.Fatal(err)
	}
	theirs, fromBrowser, err := os.Pipe() // fd 4: the browser writes
	if err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, out: ours, stderr: &lockedBuffer{}, pending: map[int]chan cdpMessage{},
		loads: make(chan struct{}, 64), exited: make(chan struct{})}
	p.cmd = exec.Command(browser, append(headlessFlags(t), "--remote-debugging-pipe", "about:blank")...)
	p.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go func() {
		defer close(p.exited)
		r := bufio.NewReader(theirs)
		for {
			raw, err := r.ReadBytes(0)
			if err != nil {
				theirs.Close()
				p.cmd.Wait()
				return
			}
			var m cdpMessage
			if json.Unmarshal(bytes.TrimSuffix(raw, []byte{0}), &m) != nil {
				continue
			}
			switch {
			case m.ID != 0:
				p.mu.Lock()
				ch := p.pending[m.ID]
				delete(p.pending, m.ID)
				p.mu.Unlock()
				if ch != nil {
					ch <- m
				}
			case m.Method == "Page.loadEventFired" && m.SessionID == p.sessionID():
				select {
				case p.loads <- struct{}{}:
				default:
				}
			}
		}
	}()
	t.Cleanup(p.close)

	var target struct{ TargetID string }
	p.browserCall("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	p.browserCall("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	p.mu.Lock()
	p.session = attached.SessionID
	p.mu.Unlock()
	p.call("Page.enable", nil, nil)
	p.viewport(1280, 900, false)
	return p
}

func (p *page) sessionID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.session
}

// send sends one command (to the tab when session is set) and decodes its result into out.
func (p *page) send(session, method string, params, out any) {
	p.t.Helper()
	p.mu.Lock()
	p.next++
	id := p.next
	ch := make(chan cdpMessage, 1)
	p.pending[id] = ch
	p.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	if _, err := p.out.Write(append(b, 0)); err != nil {
		p.t.Fatalf("chromium %s: %v\n%s", method, err, p.stderr)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			p.t.Fatalf("chromium %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				p.t.Fatalf("chromium %s: %v", method, err)
			}
		}
	case <-p.exited:
		p.t.Fatalf("chromium exited during %s\n%s", method, p.stderr)
	case <-time.After(30 * time.Second):
		p.t.Fatalf("chromium %s: no answer within 30s\n%s", method, p.stderr)
	}
}

func (p *page) browserCall(method string, params, out any) {
	p.t.Helper()
	p.send("", method, params, out)
}
func (p *page) call(method string, params, out any) {
	p.t.Helper()
	p.send(p.sessionID(), method, params, out)
}

// drain forgets load events seen so far, so that waitLoad waits for the next one.
func (p *page) drain() {
	for {
		select {
		case <-p.loads:
		default:
			return
		}
	}
}

func (p *page) waitLoad(what string) {
	p.t.Helper()
	select {
	case <-p.loads:
	case <-p.exited:
		p.t.Fatalf("chromium exited during %s\n%s", what, p.stderr)
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: the page did not load within 30s", what)
	}
}

// navigate opens target in the tab and waits until it (after any redirects) has loaded.
func (p *page) navigate(target string) {
	p.t.Helper()
	p.drain()
	var res struct{ ErrorText string }
	p.call("Page.navigate", map[string]any{"url": target}, &res)
	if res.ErrorText != "" {
		p.t.Fatalf("navigate %s: %s", target, res.ErrorText)
	}
	p.waitLoad("navigate " + target)
}

// eval evaluates a JavaScript expression in the page and decodes its value into out.
func (p *page) eval(expr string, out any) {
	p.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	p.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		p.t.Fatalf("evaluate %s: %s", expr, res.ExceptionDetails.Text)
	}
	if out != nil {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			p.t.Fatalf("evaluate %s: %v (%s)", expr, err, res.Result.Value)
		}
	}
}

// text is what the page shows (its body's innerText).
func (p *page) text() string {
	p.t.Helper()
	var s string
	p.eval("document.body ? document.body.innerText : ''", &s)
	return s
}

// location is the page's current URL.
func (p *page) location() string {
	p.t.Helper()
	var s string
	p.eval("location.href", &s)
	return s
}

// click clicks, with the mouse, the centre of the element selector matches, and waits for the
// page it leads to (a form submission) to load.
func (p *page) click(selector string) {
	p.t.Helper()
	var box struct{ X, Y float64 }
	sel, _ := json.Marshal(selector)
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return {X: -1, Y: -1};
		e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, sel), &box)
	if box.X < 0 {
		p.t.Fatalf("click: nothing matches %s on %s:\n%s", selector, p.location(), p.text())
	}
	p.drain()
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil)
	}
	p.waitLoad("click " + selector)
}

// viewport sets the tab's size; mobile honours the page's viewport meta tag as a phone does.
func (p *page) viewport(width, height int, mobile bool) {
	p.t.Helper()
	p.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, nil)
}

// shot saves the whole page (not only the viewport) as .ci/out/screenshots/name.
func (p *page) shot(name string) {
	p.t.Helper()
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	p.call("Page.getLayoutMetrics", nil, &metrics)
	var res struct{ Data string }
	p.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": metrics.CSSContentSize.Width, "height": metrics.CSSContentSize.Height, "scale": 1}}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil || len(png) < 1000 {
		p.t.Fatalf("screenshot %s: %v (%d bytes)", name, err, len(png))
	}
	file := filepath.Join(outDir(p.t, "screenshots"), name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s (%d bytes)", file, len(png))
}

// close asks the browser to quit, and kills it if it does not.
func (p *page) close() {
	b, _ := json.Marshal(map[string]any{"id": 1 << 30, "method": "Browser.close"})
	p.out.Write(append(b, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-p.exited:
	case <-ctx.Done():
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.out.Close()
}
