package httpapi_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"${{ values.goModule }}/httpapi"
)

// browserPath returns the Chromium to render the docs with: $DOCS_UI_BROWSER,
// else chromium on PATH outside CI. In CI the variable is required: a
// rendering check that silently skips is a check nobody ran.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DOCS_UI_BROWSER"); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but DOCS_UI_BROWSER is not: set it to a Chromium binary (e.g. /usr/bin/chromium) to check the docs UI")
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH and DOCS_UI_BROWSER unset: docs UI rendering not checked")
	}
	return p
}

// chromiumArgs are the flags of a headless, offline Chromium: every host
// but the test server's loopback address fails to resolve, so a page that
// needs a CDN renders blank.
func chromiumArgs(userDataDir string, extra ...string) []string {
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir=" + userDataDir,
		"--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000",
	}
	return append(args, extra...)
}

func runChromium(t *testing.T, browser string, args []string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", browser, strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestDocsRenderOffline opens /docs in headless Chromium with the internet
// unreachable and checks that Swagger UI rendered the operations and the
// schemas from the binary's own assets, without CSP violations. It saves a
// screenshot to $DOCS_UI_SCREENSHOT (an artefact for CI) or a temp dir.
func TestDocsRenderOffline(t *testing.T) {
	t.Parallel()
	browser := browserPath(t)
	store := newStore(t)
	seed(t, store, makeEvents(3))
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Deps{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, httpapi.Config{}))
	t.Cleanup(srv.Close)
	// The fragment is Swagger UI's deep link that expands GET /datos.
	url := srv.URL + "/docs#/events/list-datos"

	dom, logs := runChromium(t, browser, chromiumArgs(t.TempDir(), "--dump-dom", url))
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(dom, " ")
	text = strings.Join(strings.Fields(text), " ")
	for _, want := range []struct{ what, re string }{
		{"the API title", `Flight events API`},
		{"GET /datos", `GET /datos`},
		{"the /datos summary", `List flight events`},
		{"the /datos parameters", `flight_id .*status .*since .*until .*limit .*cursor `},
		{"the /datos 200 response", `Events, newest first\.`},
		{"GET /healthz", `GET /healthz`},
		{"GET /readyz", `GET /readyz`},
		{"the schemas section", `Schemas`},
		{"the FlightEvent schema", `FlightEvent`},
		{"the ErrorModel schema", `ErrorModel`},
	} {
		if !regexp.MustCompile(want.re).MatchString(text) {
			t.Errorf("rendered /docs lacks %s (%q)", want.what, want.re)
		}
	}
	if !strings.Contains(dom, `class="swagger-ui`) {
		t.Errorf("Swagger UI did not mount; DOM:\n%.2000s", dom)
	}
	if strings.Contains(logs, "Content Security Policy") {
		t.Errorf("the docs page violates its CSP:\n%s", cspLines(logs))
	}

	shot := os.Getenv("DOCS_UI_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "docs.png")
	}
	if abs, err := filepath.Abs(shot); err == nil {
		shot = abs
	}
	runChromium(t, browser, chromiumArgs(t.TempDir(), "--window-size=1280,1600", "--screenshot="+shot, url))
	checkNotBlank(t, shot)
	t.Logf("docs UI screenshot: %s", shot)
}

func cspLines(logs string) string {
	var out []string
	for l := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(l, "Content Security Policy") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkNotBlank fails unless the PNG at path has enough distinct colours to
// be a rendered page rather than a blank one.
func checkNotBlank(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot %s: %v", path, err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(colours) < 16 || b.Dx() < 800 {
		t.Errorf("screenshot %s looks blank: %dx%d, %d colours", path, b.Dx(), b.Dy(), len(colours))
	}
}
