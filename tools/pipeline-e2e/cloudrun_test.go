package pipelinee2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// servicePath is a Cloud Run Admin API v2 service name.
var servicePath = regexp.MustCompile(`^/v2/projects/([^/]+)/locations/([^/]+)/services/([^/]+)$`)

// imageDigest is an image reference by digest.
var imageDigest = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?/[^@\s]+@(sha256:[0-9a-f]{64})$`)

// fakeCloudRun answers the Cloud Run Admin API v2 call the deploy stand-in makes (PATCH a service with
// allowMissing, answered by a finished google.longrunning.Operation whose response is the Service). A
// deployed revision is the pipeline-built binary from the stand-in registry, started on 127.0.0.1 in the
// service's local mode behind an https front signed by the test CA; the service's uri is that front.
type fakeCloudRun struct {
	*httptest.Server
	t        testing.TB
	registry string
	ca       *testCA
	mu       sync.Mutex
	deployed map[string]string // service name → image
	hits     []string          // requests the deployed services answered
}

func newFakeCloudRun(t testing.TB, registry string, ca *testCA) *fakeCloudRun {
	f := &fakeCloudRun{t: t, registry: registry, ca: ca, deployed: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func apiError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "status": status, "message": msg}})
}

func (f *fakeCloudRun) serve(w http.ResponseWriter, r *http.Request) {
	m := servicePath.FindStringSubmatch(r.URL.Path)
	if m == nil || r.Method != http.MethodPatch {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "pipeline-e2e Cloud Run fake: only PATCH of a service")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		apiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request is missing required authentication credential.")
		return
	}
	var svc struct {
		Template struct {
			Containers []struct {
				Image string `json:"image"`
			} `json:"containers"`
		} `json:"template"`
	}
	if err := json.NewDecoder(r.Body).Decode(&svc); err != nil || len(svc.Template.Containers) == 0 {
		apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "template.containers[0].image is required")
		return
	}
	image := svc.Template.Containers[0].Image
	d := imageDigest.FindStringSubmatch(image)
	if d == nil {
		apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "image must be by digest: "+image)
		return
	}
	tar := filepath.Join(f.registry, d[2]+".tar")
	if _, err := os.Stat(tar); err != nil {
		apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Image '"+image+"' not found.")
		return
	}
	uri, err := f.start(m[3], tar)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "INTERNAL", err.Error())
		return
	}
	f.mu.Lock()
	f.deployed[m[3]] = image
	f.mu.Unlock()
	name := fmt.Sprintf("projects/%s/locations/%s/services/%s", m[1], m[2], m[3])
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"name": name + "/operations/deploy", "done": true,
		"response": map[string]any{"@type": "type.googleapis.com/google.cloud.run.v2.Service", "name": name, "uri": uri,
			"template": map[string]any{"containers": []map[string]string{{"image": image}}}},
	})
}

// start runs the image's service binary in local mode on a free loopback port, behind an https front.
func (f *fakeCloudRun) start(service, tar string) (string, error) {
	dir := f.t.TempDir()
	if _, err := run(dir, nil, "tar", "-xf", tar); err != nil {
		return "", err
	}
	bins, err := filepath.Glob(filepath.Join(dir, "bin", "*"))
	if err != nil || len(bins) != 1 {
		return "", fmt.Errorf("image %s holds %d binaries, want the service's one", tar, len(bins))
	}
	port := freePort(f.t)
	cmd := exec.Command(bins[0], "local")
	cmd.Env = append(os.Environ(), "PORT="+port, "HOST=127.0.0.1")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", service, err)
	}
	f.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	backend, _ := url.Parse("http://127.0.0.1:" + port)
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(backend) }}
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits = append(f.hits, fmt.Sprintf("%s %s %s bearer=%t", service, r.Method, r.URL.RequestURI(), strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")))
		f.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	cert, err := f.ca.leaf("127.0.0.1")
	if err != nil {
		return "", err
	}
	front.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	front.StartTLS()
	f.t.Cleanup(front.Close)
	return front.URL, nil
}

// Hits is what the deployed services were asked, in order.
func (f *fakeCloudRun) Hits() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hits...)
}

// Deployed is the image each service was last given.
func (f *fakeCloudRun) Deployed() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for k, v := range f.deployed {
		out[k] = v
	}
	return out
}
