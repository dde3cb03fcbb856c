package backstagee2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ghRequest is one request the GitHub fake received, as the test asserts it.
type ghRequest struct {
	Method string
	Path   string // without the query
	Query  string
	Token  string         // the credential sent (Bearer/token header or Basic password), "" for none
	Body   map[string]any // a JSON request body, nil otherwise
	Status int            // what the fake answered
}

// githubFake is GitHub as the scaffolder's GitHub actions and the catalog's GitHub URL reader see it through
// a GitHub Enterprise-style integration (apiBaseUrl <fake>/api/v3, rawBaseUrl <fake>/raw): the REST shapes
// of docs.github.com for the calls they make, backed by bare git repositories on disk, and git smart HTTP
// (<fake>/git/<owner>/<repo>.git) served by the real `git http-backend` as CGI, so a push is a real push.
// Every request is recorded; one it does not know is answered 404 and recorded as unhandled.
type githubFake struct {
	t       *testing.T
	srv     *httptest.Server
	gitRoot string
	git     string
	orgs    map[string]bool   // logins that are organizations
	tokens  map[string]string // token → the user login it authenticates

	mu       sync.Mutex
	requests []ghRequest
	repos    map[string]map[string]any // full name → the JSON of the created repository
}

func newGitHubFake(t *testing.T, git string, orgs []string, tokens map[string]string) *githubFake {
	t.Helper()
	f := &githubFake{t: t, gitRoot: t.TempDir(), git: git, orgs: map[string]bool{}, tokens: tokens, repos: map[string]map[string]any{}}
	for _, o := range orgs {
		f.orgs[o] = true
	}
	mux := http.NewServeMux()
	api := "/api/v3"
	mux.HandleFunc("GET "+api+"/users/{login}", f.getUser)
	mux.HandleFunc("GET "+api+"/user", f.getAuthenticatedUser)
	mux.HandleFunc("POST "+api+"/orgs/{org}/repos", f.createOrgRepo)
	mux.HandleFunc("POST "+api+"/user/repos", f.createUserRepo)
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}", f.withRepo(f.getRepo))
	mux.HandleFunc("PUT "+api+"/repos/{owner}/{repo}/branches/{branch}/protection", f.withRepo(f.echo(http.StatusOK)))
	mux.HandleFunc("PUT "+api+"/repos/{owner}/{repo}/collaborators/{user}", f.withRepo(f.echo(http.StatusNoContent)))
	mux.HandleFunc("PUT "+api+"/orgs/{org}/teams/{team}/repos/{owner}/{repo}", f.withRepo(f.echo(http.StatusNoContent)))
	mux.HandleFunc("PUT "+api+"/repos/{owner}/{repo}/topics", f.withRepo(f.echo(http.StatusOK)))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/commits/{ref}/status", f.withRepo(f.getCombinedStatus))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/tarball/{ref}", f.withRepo(f.getTarball))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/contents/{path...}", f.withRepo(f.getContents))
	mux.HandleFunc("POST "+api+"/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", f.withRepo(f.dispatch))
	mux.HandleFunc("GET /raw/{owner}/{repo}/{ref}/{path...}", f.withRepo(f.getRaw))
	mux.Handle("/git/", f.gitHTTP())
	f.srv = httptest.NewServer(f.record(mux))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *githubFake) apiBaseURL() string { return f.srv.URL + "/api/v3" }
func (f *githubFake) rawBaseURL() string { return f.srv.URL + "/raw" }
func (f *githubFake) cloneURL(full string) string {
	return f.srv.URL + "/git/" + full + ".git"
}

// statusRecorder keeps the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if fl, ok := s.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// record wraps the fake's routes: it keeps every request with its JSON body, and answers a request no route
// matches with 404, recorded as unhandled (Status 0 before the fallback sets it).
func (f *githubFake) record(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := ghRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Token: token(r)}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, &req.Body); err != nil {
					http.Error(w, "body is not a JSON object: "+err.Error(), http.StatusBadRequest)
					return
				}
			}
		}
		rec := &statusRecorder{ResponseWriter: w}
		if _, pattern := next.Handler(r); pattern == "" {
			rec.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(rec, `{"message":"Not Found (the fake does not implement %s %s)"}`, r.Method, r.URL.Path)
			req.Status = -1
		} else {
			next.ServeHTTP(rec, r)
			req.Status = rec.status
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
	})
}

// token returns the credential of a request: `Authorization: token X`, `Bearer X`, or Basic's password.
func token(r *http.Request) string {
	if _, pw, ok := r.BasicAuth(); ok {
		return pw
	}
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"token ", "Bearer ", "bearer "} {
		if s, ok := strings.CutPrefix(h, scheme); ok {
			return s
		}
	}
	return ""
}

// Requests returns a copy of the requests received so far.
func (f *githubFake) Requests() []ghRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ghRequest(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
}

// authorized reports whether the request carries a token the fake knows; if not it answers 401 as GitHub does.
func (f *githubFake) authorized(w http.ResponseWriter, r *http.Request) (string, bool) {
	login, ok := f.tokens[token(r)]
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
	}
	return login, ok
}

func (f *githubFake) getUser(w http.ResponseWriter, r *http.Request) {
	login := r.PathValue("login")
	switch {
	case f.orgs[login]:
		writeJSON(w, http.StatusOK, map[string]any{"login": login, "id": 1, "type": "Organization"})
	case f.isUser(login):
		writeJSON(w, http.StatusOK, map[string]any{"login": login, "id": 2, "type": "User"})
	default:
		notFound(w)
	}
}

func (f *githubFake) isUser(login string) bool {
	for _, l := range f.tokens {
		if l == login {
			return true
		}
	}
	return false
}

func (f *githubFake) getAuthenticatedUser(w http.ResponseWriter, r *http.Request) {
	if login, ok := f.authorized(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"login": login, "id": 2, "type": "User"})
	}
}

// createOrgRepo is POST /orgs/{org}/repos ("Create an organization repository").
func (f *githubFake) createOrgRepo(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.authorized(w, r); !ok {
		return
	}
	org := r.PathValue("org")
	if !f.orgs[org] {
		notFound(w)
		return
	}
	f.createRepo(w, r, org, "Organization")
}

// createUserRepo is POST /user/repos ("Create a repository for the authenticated user").
func (f *githubFake) createUserRepo(w http.ResponseWriter, r *http.Request) {
	login, ok := f.authorized(w, r)
	if !ok {
		return
	}
	f.createRepo(w, r, login, "User")
}

func (f *githubFake) createRepo(w http.ResponseWriter, r *http.Request, owner, ownerType string) {
	var body struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Private     bool   `json:"private"`
		Visibility  string `json:"visibility"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Invalid request: name is required"})
		return
	}
	full := owner + "/" + body.Name
	f.mu.Lock()
	_, exists := f.repos[full]
	f.mu.Unlock()
	if exists {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Repository creation failed.",
			"errors": []any{map[string]any{"resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"}}})
		return
	}
	if err := f.initBare(full); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": err.Error()})
		return
	}
	visibility := body.Visibility
	if visibility == "" {
		visibility = map[bool]string{true: "private", false: "public"}[body.Private]
	}
	repo := f.repoJSON(owner, ownerType, body.Name, body.Description, visibility)
	f.mu.Lock()
	f.repos[full] = repo
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, repo)
}

// repoJSON is the repository object of GitHub's REST API, with the URLs the actions and the URL reader read.
func (f *githubFake) repoJSON(owner, ownerType, name, description, visibility string) map[string]any {
	full := owner + "/" + name
	api := f.apiBaseURL() + "/repos/" + full
	return map[string]any{
		"id": len(f.repos) + 100, "name": name, "full_name": full, "description": description,
		"owner":   map[string]any{"login": owner, "type": ownerType},
		"private": visibility != "public", "visibility": visibility, "default_branch": "main",
		"html_url":    "https://github.com/" + full,
		"clone_url":   f.cloneURL(full),
		"url":         api,
		"archive_url": api + "/{archive_format}{/ref}",
		"trees_url":   api + "/git/trees{/sha}",
	}
}

// initBare creates the bare repository behind full ("owner/name") with pushes over HTTP allowed.
func (f *githubFake) initBare(full string) error {
	dir := filepath.Join(f.gitRoot, full+".git")
	if _, err := f.runGit("", "init", "--quiet", "--bare", "--initial-branch=main", dir); err != nil {
		return err
	}
	_, err := f.runGit(dir, "config", "http.receivepack", "true")
	return err
}

// seed creates the repository full as an organization's, with the files of src (paths relative to src,
// copied with their executable bits) committed on main: the platform's repository the catalog and
// fetch:template read.
func (f *githubFake) seed(full string, src map[string]string) {
	f.t.Helper()
	work := f.t.TempDir()
	for rel, from := range src {
		info, err := os.Stat(from)
		if err != nil {
			f.t.Fatal(err)
		}
		to := filepath.Join(work, rel)
		if info.IsDir() {
			err = os.CopyFS(to, os.DirFS(from))
		} else {
			err = copyFile(from, to, info.Mode())
		}
		if err != nil {
			f.t.Fatalf("seed %s: %v", full, err)
		}
	}
	if err := f.initBare(full); err != nil {
		f.t.Fatal(err)
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "--all", "--force", "."},
		{"-c", "user.name=Platform", "-c", "user.email=platform@acme.example", "commit", "--quiet", "--no-verify", "-m", "platform"},
		{"push", "--quiet", filepath.Join(f.gitRoot, full+".git"), "main"},
	} {
		if _, err := f.runGit(work, args...); err != nil {
			f.t.Fatal(err)
		}
	}
	owner, name, _ := strings.Cut(full, "/")
	f.orgs[owner] = true
	f.mu.Lock()
	f.repos[full] = f.repoJSON(owner, "Organization", name, "", "internal")
	f.mu.Unlock()
}

func copyFile(from, to string, mode os.FileMode) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, mode.Perm())
}

// deleteRepo is what DELETE /repos/{owner}/{repo} would do; the test calls it between cases that publish the
// same repository.
func (f *githubFake) deleteRepo(full string) error {
	f.mu.Lock()
	delete(f.repos, full)
	f.mu.Unlock()
	if err := os.RemoveAll(filepath.Join(f.gitRoot, full+".git")); err != nil {
		return fmt.Errorf("delete repository %s: %w", full, err)
	}
	return nil
}

func (f *githubFake) runGit(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(f.git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// withRepo resolves {owner}/{repo} to a known repository (404 otherwise) and checks the token.
func (f *githubFake) withRepo(h func(http.ResponseWriter, *http.Request, string, map[string]any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.authorized(w, r); !ok {
			return
		}
		full := r.PathValue("owner") + "/" + r.PathValue("repo")
		f.mu.Lock()
		repo, ok := f.repos[full]
		f.mu.Unlock()
		if !ok {
			notFound(w)
			return
		}
		h(w, r, full, repo)
	}
}

func (f *githubFake) getRepo(w http.ResponseWriter, _ *http.Request, _ string, repo map[string]any) {
	writeJSON(w, http.StatusOK, repo)
}

// echo answers a settings call (branch protection, collaborator, team, topics) with its own body: the test
// asserts what was asked from the recorded request.
func (f *githubFake) echo(status int) func(http.ResponseWriter, *http.Request, string, map[string]any) {
	return func(w http.ResponseWriter, r *http.Request, _ string, _ map[string]any) {
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		var body any
		_ = json.NewDecoder(r.Body).Decode(&body)
		writeJSON(w, status, body)
	}
}

// sha resolves ref to a commit of the repository full, "" if it has none.
func (f *githubFake) sha(full, ref string) string {
	out, err := f.runGit(filepath.Join(f.gitRoot, full+".git"), "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// getCombinedStatus is GET /repos/{owner}/{repo}/commits/{ref}/status: the URL reader takes the commit sha
// and the repository (its archive_url) from it.
func (f *githubFake) getCombinedStatus(w http.ResponseWriter, r *http.Request, full string, repo map[string]any) {
	sha := f.sha(full, r.PathValue("ref"))
	if sha == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + r.PathValue("ref")})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": "pending", "sha": sha, "total_count": 0, "statuses": []any{}, "repository": repo})
}

// getTarball is GET /repos/{owner}/{repo}/tarball/{ref}: a gzipped tar with one top-level directory, like
// GitHub's codeload archives (git archive keeps the executable bits).
func (f *githubFake) getTarball(w http.ResponseWriter, r *http.Request, full string, _ map[string]any) {
	sha := f.sha(full, r.PathValue("ref"))
	if sha == "" {
		notFound(w)
		return
	}
	prefix := strings.ReplaceAll(full, "/", "-") + "-" + sha[:7] + "/"
	out, err := f.runGit(filepath.Join(f.gitRoot, full+".git"), "archive", "--format=tar.gz", "--prefix="+prefix, sha)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"message": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-gzip")
	_, _ = w.Write(out)
}

// blob returns the file at path on ref, or ok false.
func (f *githubFake) blob(full, ref, path string) ([]byte, bool) {
	sha := f.sha(full, ref)
	if sha == "" {
		return nil, false
	}
	out, err := f.runGit(filepath.Join(f.gitRoot, full+".git"), "cat-file", "blob", sha+":"+path)
	return out, err == nil
}

// getContents is GET /repos/{owner}/{repo}/contents/{path}?ref=: the raw file with the raw media type (what
// the URL reader asks for), else the JSON content object with the file base64-encoded.
func (f *githubFake) getContents(w http.ResponseWriter, r *http.Request, full string, _ map[string]any) {
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = "main"
	}
	b, ok := f.blob(full, ref, r.PathValue("path"))
	if !ok {
		notFound(w)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), ".raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write(b)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "file", "encoding": "base64", "path": r.PathValue("path"),
		"name": filepath.Base(r.PathValue("path")), "size": len(b), "content": b})
}

func (f *githubFake) getRaw(w http.ResponseWriter, r *http.Request, full string, _ map[string]any) {
	b, ok := f.blob(full, r.PathValue("ref"), r.PathValue("path"))
	if !ok {
		notFound(w)
		return
	}
	_, _ = w.Write(b)
}

// dispatch is POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches: 404 for a workflow file
// the ref does not have, 422 for a ref that does not exist, else 204.
func (f *githubFake) dispatch(w http.ResponseWriter, r *http.Request, full string, _ map[string]any) {
	var body struct {
		Ref string `json:"ref"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Ref == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Invalid request: ref is required"})
		return
	}
	if f.sha(full, body.Ref) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No ref found for: " + body.Ref})
		return
	}
	if _, ok := f.blob(full, body.Ref, ".github/workflows/"+r.PathValue("workflow")); !ok {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// gitHTTP serves git smart HTTP with the real git http-backend; every request needs a known token (Basic
// auth, as git and isomorphic-git send it), like a private GitHub repository.
func (f *githubFake) gitHTTP() http.Handler {
	backend := &cgi.Handler{
		Path: f.git,
		Args: []string{"http-backend"},
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + f.gitRoot, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.tokens[token(r)]; !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
}
