// Package browsertest drives a headless Chromium from Go tests (with
// chromedp), for the status page's browser tests. Where no Chromium is
// installed (Debian's chromium package), a test skips, or fails under
// CI=true (see testenv.Missing).
package browsertest

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/oktasync/oktasync/internal/testenv"
)

// EnvScreenshots names the directory screenshots are written to (default:
// a temporary directory of the test).
const EnvScreenshots = "OKTASYNC_SCREENSHOTS"

// timeout bounds a whole browser session, so that a browser that hangs
// fails the test rather than the suite.
const timeout = 2 * time.Minute

// candidates are the names Chromium's binary goes by.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Path returns Chromium's path, or "" when none is installed.
func Path() string {
	if p := os.Getenv("OKTASYNC_CHROMIUM"); p != "" {
		return p
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium tab.
type Browser struct {
	t   testing.TB
	ctx context.Context
	dir string
}

// Start launches a headless Chromium with a fresh profile for t, closed
// when t ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Path()
	if path == "" {
		testenv.Missing(t, "no Chromium to drive: install it (Debian: apt-get install -y chromium) or set OKTASYNC_CHROMIUM")
		return nil
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Browser{t: t, ctx: tabCtx, dir: dir}
}

// Do runs actions in the tab, failing the test on error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// Open navigates to url and returns the HTTP status of the answer.
func (b *Browser) Open(url string) int {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(url))
	if err != nil {
		b.t.Fatalf("browser: open %s: %v", url, err)
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// ClickAndWait clicks the element sel (a CSS selector) and returns the
// HTTP status of the page the click leads to.
func (b *Browser) ClickAndWait(sel string) int {
	b.t.Helper()
	code, err := b.TryClick(sel)
	if err != nil {
		b.t.Fatalf("browser: click %s: %v", sel, err)
	}
	return code
}

// TryClick is ClickAndWait returning the error of a page that did not
// load. A 401 answer with a basic-auth challenge, which a headless browser
// cannot answer, fails to load with net::ERR_INVALID_AUTH_CREDENTIALS.
func (b *Browser) TryClick(sel string) (int, error) {
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil || resp == nil {
		return 0, err
	}
	return int(resp.Status), nil
}

// Text returns the visible text of the first element sel matches.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

// Location returns the tab's URL.
func (b *Browser) Location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	return s
}

// Has says whether the page has an element sel matches, now.
func (b *Browser) Has(sel string) bool {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("browser: look for %s: %v", sel, err)
	}
	return n > 0
}

// BasicAuth makes the tab send user and password by basic auth with every
// request, as a browser does once a person has signed in.
func (b *Browser) BasicAuth(user, password string) {
	b.t.Helper()
	cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	b.setHeaders(network.Headers{"Authorization": "Basic " + cred})
}

// NoAuth stops sending the credential BasicAuth set.
func (b *Browser) NoAuth() {
	b.t.Helper()
	b.setHeaders(network.Headers{})
}

func (b *Browser) setHeaders(h network.Headers) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("browser: enable network: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
		b.t.Fatalf("browser: set headers: %v", err)
	}
}

// Screenshot writes a PNG of the whole page to name.png in the
// screenshots directory, logs its path, and returns it.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot of %s: %s", name, path)
	return path
}
