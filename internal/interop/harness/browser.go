package harness

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// answerWithin bounds every wait for the browser: an answer to a command, a page load.
const answerWithin = 30 * time.Second

// Page is one tab of a headless Chromium driven through the DevTools protocol over
// --remote-debugging-pipe (fd 3 carries commands to the browser, fd 4 its answers and events,
// each a JSON message ended by a NUL byte): no WebSocket, no driver. The browser keeps its own
// cookies, follows redirects and submits forms as a person's browser does.
//
// Every method ends the test on a failure, with the tail of the browser's own log.
type Page struct {
	t       testing.TB
	cmd     *exec.Cmd
	out     *os.File // our end of fd 3
	log     string   // the browser's stderr, a file
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	loads   chan struct{} // one per Page.loadEventFired of the tab
	session string
	exited  chan struct{}
}

// cdpMessage is an answer (ID set) or an event (Method set) of the DevTools protocol.
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

// headlessFlags are the flags every browser of the suites runs with: no sandbox, GPU or /dev/shm
// (containers), no background traffic of its own, a desktop window and a fresh profile.
func headlessFlags(t testing.TB) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--window-size=1280,900", "--user-data-dir=" + t.TempDir()}
}

// OpenPage starts browser (see Chromium) headless with a fresh profile and opens one tab on
// about:blank, 1280×900 as on a desktop. The browser quits when the test ends.
func OpenPage(t testing.TB, browser string) *Page {
	t.Helper()
	toBrowser, ours, err := os.Pipe() // fd 3: the browser reads
	if err != nil {
		t.Fatal(err)
	}
	theirs, fromBrowser, err := os.Pipe() // fd 4: the browser writes
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{t: t, out: ours, log: filepath.Join(t.TempDir(), "chromium.log"), pending: map[int]chan cdpMessage{},
		loads: make(chan struct{}, 64), exited: make(chan struct{})}
	stderr, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(browser, append(headlessFlags(t), "--remote-debugging-pipe", "about:blank")...)
	p.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	p.cmd.Stderr = stderr
	err = p.cmd.Start()
	toBrowser.Close()
	fromBrowser.Close()
	stderr.Close()
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go p.read(theirs)
	t.Cleanup(p.close)

	var target struct{ TargetID string }
	p.send("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	p.send("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	p.mu.Lock()
	p.session = attached.SessionID
	p.mu.Unlock()
	p.Call("Page.enable", nil, nil)
	p.Viewport(1280, 900, false)
	return p
}

// read hands each answer to the command waiting for it and counts the tab's load events, until
// the browser closes its end.
func (p *Page) read(theirs *os.File) {
	defer close(p.exited)
	r := bufio.NewReaderSize(theirs, 1<<20)
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
}

func (p *Page) sessionID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.session
}

// stderr is the tail of the browser's own log, for failure messages.
func (p *Page) stderr() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// try sends one command (to the tab when session is set) and decodes its result into out.
func (p *Page) try(session, method string, params, out any) error {
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
		return fmt.Errorf("chromium %s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("chromium %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				return fmt.Errorf("chromium %s: %w", method, err)
			}
		}
		return nil
	case <-p.exited:
		return fmt.Errorf("chromium exited during %s", method)
	case <-time.After(answerWithin):
		return fmt.Errorf("chromium %s: no answer within %s", method, answerWithin)
	}
}

// send is try that ends the test on a failure.
func (p *Page) send(session, method string, params, out any) {
	p.t.Helper()
	if err := p.try(session, method, params, out); err != nil {
		p.t.Fatalf("%v\nchromium log (tail):\n%s", err, p.stderr())
	}
}

// Call sends one DevTools command to the tab and decodes its result into out (when not nil).
func (p *Page) Call(method string, params, out any) {
	p.t.Helper()
	p.send(p.sessionID(), method, params, out)
}

// drain forgets load events seen so far, so that waitLoad waits for the next one.
func (p *Page) drain() {
	for {
		select {
		case <-p.loads:
		default:
			return
		}
	}
}

func (p *Page) waitLoad(what string) {
	p.t.Helper()
	select {
	case <-p.loads:
	case <-p.exited:
		p.t.Fatalf("chromium exited during %s\nchromium log (tail):\n%s", what, p.stderr())
	case <-time.After(answerWithin):
		p.t.Fatalf("%s: the page did not load within %s", what, answerWithin)
	}
}

// Navigate opens target in the tab and waits until it (after any redirects) has loaded.
func (p *Page) Navigate(target string) {
	p.t.Helper()
	p.drain()
	var res struct{ ErrorText string }
	p.Call("Page.navigate", map[string]any{"url": target}, &res)
	if res.ErrorText != "" {
		p.t.Fatalf("navigate %s: %s", target, res.ErrorText)
	}
	p.waitLoad("navigate " + target)
}

// evaluate evaluates a JavaScript expression in the page and returns its value as JSON.
func (p *Page) evaluate(expr string) (json.RawMessage, error) {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	if err := p.try(p.sessionID(), "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return nil, err
	}
	if res.ExceptionDetails != nil {
		return nil, errors.New(res.ExceptionDetails.Text)
	}
	return res.Result.Value, nil
}

// Eval evaluates a JavaScript expression in the page and decodes its value into out (when not
// nil).
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	v, err := p.evaluate(expr)
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			p.t.Fatalf("evaluate %s: %v (%s)", expr, err, v)
		}
	}
}

// WaitFor evaluates the boolean JavaScript expression every 100ms until it is true, for at most
// a minute. Evaluation errors count as false: a navigation may tear the page down mid-call.
func (p *Page) WaitFor(what, expr string) {
	p.t.Helper()
	deadline := time.Now().Add(2 * answerWithin)
	for {
		v, err := p.evaluate(expr)
		if err == nil && string(v) == "true" {
			return
		}
		if time.Now().After(deadline) {
			at, _ := p.evaluate("location.href + ' :: ' + document.title")
			p.t.Fatalf("timed out waiting for %s (at %s)", what, at)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Text is what the page shows (its body's innerText).
func (p *Page) Text() string {
	p.t.Helper()
	var s string
	p.Eval("document.body ? document.body.innerText : ''", &s)
	return s
}

// Location is the page's current URL.
func (p *Page) Location() string {
	p.t.Helper()
	var s string
	p.Eval("location.href", &s)
	return s
}

// Type focuses the field selector matches and types text into it through the browser's input
// pipeline, as a keyboard would.
func (p *Page) Type(selector, text string) {
	p.t.Helper()
	sel, _ := json.Marshal(selector)
	var found bool
	p.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false; e.focus(); return true; })()`, sel), &found)
	if !found {
		p.t.Fatalf("type: nothing matches %s on %s:\n%s", selector, p.Location(), p.Text())
	}
	p.Call("Input.insertText", map[string]any{"text": text}, nil)
}

// Click clicks, with the mouse, the centre of the element selector matches (scrolled into
// view first). It does not wait for what the click leads to; see ClickAndLoad.
func (p *Page) Click(selector string) {
	p.t.Helper()
	var box struct{ X, Y float64 }
	sel, _ := json.Marshal(selector)
	p.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return {X: -1, Y: -1};
		e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, sel), &box)
	if box.X < 0 {
		p.t.Fatalf("click: nothing matches %s on %s:\n%s", selector, p.Location(), p.Text())
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p.Call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil)
	}
}

// ClickAndLoad clicks like Click and waits for the page the click leads to (a form
// submission, a link) to load.
func (p *Page) ClickAndLoad(selector string) {
	p.t.Helper()
	p.drain()
	p.Click(selector)
	p.waitLoad("click " + selector)
}

// Viewport sets the tab's size; mobile honours the page's viewport meta tag as a phone does.
func (p *Page) Viewport(width, height int, mobile bool) {
	p.t.Helper()
	p.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, nil)
}

// Screenshot saves the whole page (not only the viewport) as a PNG file dir/name, creating dir.
func (p *Page) Screenshot(dir, name string) {
	p.t.Helper()
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	p.Call("Page.getLayoutMetrics", nil, &metrics)
	var res struct{ Data string }
	p.Call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": metrics.CSSContentSize.Width, "height": metrics.CSSContentSize.Height, "scale": 1}}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil || len(png) < 1000 {
		p.t.Fatalf("screenshot %s: %v (%d bytes)", name, err, len(png))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s (%d bytes)", file, len(png))
}

// close asks the browser to quit, and kills it (our own child, by its PID) if it does not.
func (p *Page) close() {
	b, _ := json.Marshal(map[string]any{"id": 1 << 30, "method": "Browser.close"})
	p.out.Write(append(b, 0))
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.out.Close()
	if p.t.Failed() {
		p.t.Logf("chromium log (tail):\n%s", p.stderr())
	}
}
