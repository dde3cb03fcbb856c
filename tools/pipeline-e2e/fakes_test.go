package pipelinee2e

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v75/github"
)

// testCA signs the loopback TLS servers the runner must trust (the Go vulnerability database behind the
// proxy, the deployed service's https URL); bundle is the system roots plus this CA (SSL_CERT_FILE,
// CURL_CA_BUNDLE), so tunnelled connections to the real module proxy still verify.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	bundle string
}

func newTestCA(bundlePath string) (*testCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pipeline-e2e test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	system, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return nil, fmt.Errorf("read system roots: %w", err)
	}
	pemCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(bundlePath, append(system, pemCA...), 0o644); err != nil {
		return nil, err
	}
	return &testCA{cert: cert, key: key, bundle: bundlePath}, nil
}

// leaf issues a server certificate for hosts (names or IPs).
func (ca *testCA) leaf(hosts ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// vulnDBHost is the database govulncheck reads (its -db default; the workflow passes no -db).
const vulnDBHost = "vuln.go.dev:443"

// egressProxy is the runner's HTTPS_PROXY: CONNECT to vuln.go.dev is answered by a fake of the Go
// vulnerability database (the documented v1 schema: gzipped index/db.json and index/modules.json, here
// with no entries, so it proves the step runs, never that the code is free of known vulnerabilities);
// every other CONNECT is tunnelled unchanged (the module proxy is reachable from this machine).
type egressProxy struct {
	*httptest.Server
	vulndb  *tls.Config
	mu      sync.Mutex
	vulnLog []string
}

func newEgressProxy(ca *testCA) (*egressProxy, error) {
	cert, err := ca.leaf("vuln.go.dev")
	if err != nil {
		return nil, err
	}
	p := &egressProxy{vulndb: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

func (p *egressProxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "pipeline-e2e egress proxy: CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if r.Host == vulnDBHost {
		_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		tconn := tls.Server(conn, p.vulndb)
		_ = http.Serve(&oneConnListener{conn: tconn}, http.HandlerFunc(p.serveVulnDB))
		return
	}
	upstream, err := net.DialTimeout("tcp", r.Host, 30*time.Second)
	if err != nil {
		_, _ = io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		conn.Close()
		return
	}
	_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	go func() { _, _ = io.Copy(upstream, conn); upstream.Close() }()
	_, _ = io.Copy(conn, upstream)
	conn.Close()
}

func (p *egressProxy) serveVulnDB(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.vulnLog = append(p.vulnLog, r.Method+" "+r.URL.Path)
	p.mu.Unlock()
	var body any
	switch r.URL.Path {
	case "/index/db.json.gz":
		body = map[string]string{"modified": "2026-11-01T00:00:00Z"}
	case "/index/modules.json.gz", "/index/vulns.json.gz":
		body = []any{}
	default:
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_ = json.NewEncoder(zw).Encode(body)
	_ = zw.Close()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// VulnRequests is what govulncheck asked the database.
func (p *egressProxy) VulnRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.vulnLog...)
}

// oneConnListener serves one connection, then reports closed once it is done.
type oneConnListener struct {
	conn net.Conn
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.done == nil {
		l.done = make(chan struct{})
	}
	done := l.done
	l.mu.Unlock()
	var c net.Conn
	l.once.Do(func() { c = &closeNotifyConn{Conn: l.conn, done: done} })
	if c != nil {
		return c, nil
	}
	<-done
	return nil, net.ErrClosed
}
func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }

type closeNotifyConn struct {
	net.Conn
	done chan struct{}
	once sync.Once
}

func (c *closeNotifyConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// fakeGitHub answers the issue-comment endpoints the cost gate uses (list, create, update; go-github's
// types for the documented shapes, single page) for one repository, checks the token and records the calls.
type fakeGitHub struct {
	*httptest.Server
	repo, token string
	mu          sync.Mutex
	comments    map[int][]*github.IssueComment
	pulls       []*github.PullRequest
	nextID      int64
	calls       []string
	// hasBranch says whether the repository has the branch (GitHub refuses a pull request from a head
	// that does not exist); nil: every branch exists.
	hasBranch func(string) bool
}

func newFakeGitHub(repo, token string) *fakeGitHub {
	g := &fakeGitHub{repo: repo, token: token, comments: map[int][]*github.IssueComment{}, nextID: 100}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// servePulls is the pulls API the upgrade-pr tool uses (REST "List pull requests" with state/head/base,
// "Create a pull request", "Update a pull request"), with GitHub's 422s for a duplicate or a missing head.
func (g *fakeGitHub) servePulls(w http.ResponseWriter, r *http.Request, rest string, write func(int, any)) {
	owner, _, _ := strings.Cut(g.repo, "/")
	var in struct {
		Title *string `json:"title"`
		Head  string  `json:"head"`
		Base  string  `json:"base"`
		Body  *string `json:"body"`
	}
	invalid := func(field, code, msg string) {
		write(http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
			"errors": []map[string]string{{"resource": "PullRequest", "field": field, "code": code, "message": msg}}})
	}
	switch {
	case rest == "" && r.Method == http.MethodGet:
		q := r.URL.Query()
		out := []*github.PullRequest{}
		for _, pr := range g.pulls {
			if (q.Get("state") == "" || q.Get("state") == "all" || q.Get("state") == pr.GetState()) &&
				(q.Get("head") == "" || q.Get("head") == owner+":"+pr.GetHead().GetRef()) &&
				(q.Get("base") == "" || q.Get("base") == pr.GetBase().GetRef()) {
				out = append(out, pr)
			}
		}
		write(http.StatusOK, out)
	case rest == "" && r.Method == http.MethodPost:
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == nil || in.Head == "" || in.Base == "" {
			write(http.StatusUnprocessableEntity, map[string]string{"message": "Problems parsing JSON"})
			return
		}
		head := strings.TrimPrefix(in.Head, owner+":")
		if g.hasBranch != nil && !g.hasBranch(head) {
			invalid("head", "invalid", "")
			return
		}
		for _, pr := range g.pulls {
			if pr.GetState() == "open" && pr.GetHead().GetRef() == head && pr.GetBase().GetRef() == in.Base {
				invalid("", "custom", "A pull request already exists for "+owner+":"+head+".")
				return
			}
		}
		n := len(g.pulls) + 1
		pr := &github.PullRequest{Number: github.Ptr(n), State: github.Ptr("open"), Title: in.Title, Body: in.Body,
			HTMLURL: github.Ptr(fmt.Sprintf("https://github.com/%s/pull/%d", g.repo, n)),
			Head:    &github.PullRequestBranch{Ref: github.Ptr(head)}, Base: &github.PullRequestBranch{Ref: github.Ptr(in.Base)}}
		g.pulls = append(g.pulls, pr)
		write(http.StatusCreated, pr)
	case r.Method == http.MethodPatch:
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > len(g.pulls) {
			write(http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			write(http.StatusUnprocessableEntity, map[string]string{"message": "Problems parsing JSON"})
			return
		}
		pr := g.pulls[n-1]
		if in.Title != nil {
			pr.Title = in.Title
		}
		if in.Body != nil {
			pr.Body = in.Body
		}
		write(http.StatusOK, pr)
	default:
		write(http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// Pulls is the repository's pull requests now (copies).
func (g *fakeGitHub) Pulls() []github.PullRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []github.PullRequest
	for _, pr := range g.pulls {
		out = append(out, *pr)
	}
	return out
}

// Calls is every request so far, "METHOD /path".
func (g *fakeGitHub) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

func (g *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+g.token && r.Header.Get("Authorization") != "token "+g.token {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	write := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/repos/"+g.repo+"/pulls"); ok {
		g.servePulls(w, r, strings.TrimPrefix(rest, "/"), write)
		return
	}
	prefix := "/repos/" + g.repo + "/issues/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if id, ok := strings.CutPrefix(rest, "comments/"); ok && r.Method == http.MethodPatch {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			write(http.StatusUnprocessableEntity, map[string]string{"message": "Problems parsing JSON"})
			return
		}
		for _, cs := range g.comments {
			for _, c := range cs {
				if strconv.FormatInt(c.GetID(), 10) == id {
					c.Body = github.Ptr(in.Body)
					write(http.StatusOK, c)
					return
				}
			}
		}
		write(http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	num, tail, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(num)
	if err != nil || tail != "comments" {
		write(http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		write(http.StatusOK, append([]*github.IssueComment{}, g.comments[n]...))
	case http.MethodPost:
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
			write(http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
			return
		}
		g.nextID++
		c := &github.IssueComment{ID: github.Ptr(g.nextID), Body: github.Ptr(in.Body),
			HTMLURL: github.Ptr(fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", g.repo, n, g.nextID)),
			User:    &github.User{Login: github.Ptr("github-actions[bot]")}}
		g.comments[n] = append(g.comments[n], c)
		write(http.StatusCreated, c)
	default:
		write(http.StatusMethodNotAllowed, map[string]string{"message": "Method Not Allowed"})
	}
}

// Comments is the pull request's comments now (copies).
func (g *fakeGitHub) Comments(n int) []github.IssueComment {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []github.IssueComment
	for _, c := range g.comments[n] {
		out = append(out, *c)
	}
	return out
}

// sigPadding finds the sig parameter of act's signed artifact URLs.
var sigPadding = regexp.MustCompile(`(^|&)sig=([A-Za-z0-9_-]+)(&|$)`)

// newArtifactFront fronts act's artifact server (act's ACTIONS_RUNTIME_URL) and gives the signed URLs' sig
// parameter back the base64 padding the Azure blob client of @actions/artifact strips, which act 0.2.89
// then refuses as "Error unauthorized" (nektos/act#6021). Nothing else is touched.
func newArtifactFront(target string) (*httptest.Server, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // act signs URLs for the host it was asked on: this front
		r.Out.URL.RawQuery = sigPadding.ReplaceAllStringFunc(r.Out.URL.RawQuery, func(m string) string {
			sub := sigPadding.FindStringSubmatch(m)
			return sub[1] + "sig=" + sub[2] + strings.Repeat("=", (4-len(sub[2])%4)%4) + sub[3]
		})
	}}
	return httptest.NewServer(rp), nil
}
