package backstagee2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

const (
	templateRef = "template:default/go-flight-events-service"
	// platformRepo is where the platform's root catalog-info.yaml is registered from, as in its header.
	platformRepo = "acme-platform/golden-path"
	// catalogToken is the integration's own token (the catalog's URL reader); developerToken is the user's
	// token the portal passes as secrets.USER_OAUTH_TOKEN when the owner is an organization.
	catalogToken   = "ghp_platform_catalog_reader"
	developerToken = "gho_developer_jane"
)

// tokens are the fake's users: acme-airlines is a user account (its case publishes with its own token to
// POST /user/repos); every other owner of the cases is an organization.
var (
	tokens = map[string]string{catalogToken: "backstage-bot", developerToken: "jane-dev", "gho_acme_airlines": "acme-airlines"}
	orgs   = []string{"acme"}
)

// TestBackstageE2E runs the template in a real Backstage backend against the GitHub fake: the catalog
// ingests the platform's Location and the Template, every case is created through the task API, and every
// negative case is refused by it.
func TestBackstageE2E(t *testing.T) {
	node := requireBackend(t)
	git, err := exec.LookPath("git")
	if err != nil {
		repotest.Missing(t, "git is not on PATH", "install git (its http-backend serves the fake's repositories)")
	}
	gh := newGitHubFake(t, git, orgs, tokens)
	gh.seed(platformRepo, map[string]string{
		"catalog-info.yaml": repotest.Path(t, "catalog-info.yaml"),
		"template":          repotest.Path(t, "template"),
		"skeleton":          repotest.Path(t, "skeleton"),
	})
	pg := startPostgres(t)
	bs := startBackstage(t, node, pg, gh, catalogToken)

	if !t.Run("catalog_ingests_platform_location", func(t *testing.T) { testCatalogIngests(t, bs) }) {
		return
	}
	t.Run("negative", func(t *testing.T) { testNegative(t, bs) })
	// One case after the other: example and minimal publish the same repository and component, so each case
	// removes what it created (its location, entities and repository) before the next.
	t.Run("cases", func(t *testing.T) {
		for _, c := range repotest.Cases(t) {
			t.Run(strings.TrimSuffix(filepath.Base(c), ".yaml"), func(t *testing.T) { testCase(t, bs, gh, git, c) })
		}
	})
	t.Run("fake_knew_every_request", func(t *testing.T) {
		for _, r := range gh.Requests() {
			if r.Status == -1 {
				t.Errorf("the GitHub fake got a request it does not implement: %s %s?%s", r.Method, r.Path, r.Query)
			}
		}
	})
}

// entity is the part of a catalog entity the test reads.
type entity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		UID         string            `json:"uid"`
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec      map[string]any `json:"spec"`
	Relations []struct {
		Type      string `json:"type"`
		TargetRef string `json:"targetRef"`
	} `json:"relations"`
	Status struct {
		Items []struct {
			Type  string `json:"type"`
			Level string `json:"level"`
			Error struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"items"`
	} `json:"status"`
}

func (e *entity) hasRelation(typ, target string) bool {
	return slices.ContainsFunc(e.Relations, func(r struct {
		Type      string `json:"type"`
		TargetRef string `json:"targetRef"`
	}) bool {
		return r.Type == typ && r.TargetRef == target
	})
}

// processingErrors lists the entity's processing errors (status items of level error).
func (e *entity) processingErrors() []string {
	var out []string
	for _, it := range e.Status.Items {
		if it.Level == "error" {
			out = append(out, it.Type+": "+it.Error.Name+": "+it.Error.Message)
		}
	}
	return out
}

// getEntity returns the catalog's entity kind:default/name, or nil while it has none.
func getEntity(t *testing.T, bs *backstage, kind, name string) (*entity, string) {
	t.Helper()
	var e entity
	status, raw, err := bs.call(t.Context(), http.MethodGet, "/api/catalog/entities/by-name/"+kind+"/default/"+url.PathEscape(name), nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		return nil, fmt.Sprintf("%d %s", status, raw)
	}
	return &e, ""
}

// waitEntity waits until the entity is in the catalog, processed and stitched (its relations in place when
// ready says so), and fails on processing errors.
func waitEntity(t *testing.T, bs *backstage, kind, name string, ready func(*entity) bool) *entity {
	t.Helper()
	var got *entity
	waitFor(t, kind+":default/"+name+" in the catalog", 3*time.Minute, func() (bool, string) {
		e, why := getEntity(t, bs, kind, name)
		if e == nil {
			return false, why
		}
		got = e
		if errs := e.processingErrors(); len(errs) > 0 {
			t.Fatalf("%s:default/%s has processing errors:\n%s", kind, name, strings.Join(errs, "\n"))
		}
		return ready == nil || ready(e), fmt.Sprintf("relations %v", e.Relations)
	})
	return got
}

func testCatalogIngests(t *testing.T, bs *backstage) {
	target := "https://github.com/" + platformRepo + "/blob/main/catalog-info.yaml"
	var created struct {
		Location struct {
			ID     string `json:"id"`
			Target string `json:"target"`
		} `json:"location"`
	}
	status, raw, err := bs.call(t.Context(), http.MethodPost, "/api/catalog/locations", map[string]string{"type": "url", "target": target}, &created)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusCreated {
		t.Fatalf("POST /api/catalog/locations = %d %s, want 201", status, raw)
	}
	loc := waitEntity(t, bs, "location", "golden-path-templates", nil)
	if got, want := loc.Metadata.Annotations["backstage.io/managed-by-origin-location"], "url:"+target; got != want {
		t.Errorf("Location origin = %q, want %q", got, want)
	}
	tmpl := waitEntity(t, bs, "template", "go-flight-events-service", func(e *entity) bool {
		return e.hasRelation("ownedBy", "group:default/platform-team")
	})
	if got, want := tmpl.Metadata.Annotations["backstage.io/managed-by-location"], "url:https://github.com/"+platformRepo+"/tree/main/template/template.yaml"; got != want && got != strings.Replace(want, "/tree/", "/blob/", 1) {
		t.Errorf("Template location = %q, want %q", got, want)
	}
	waitEntity(t, bs, "component", "golden-path", func(e *entity) bool { return e.hasRelation("partOf", "system:default/golden-path") })
}

func testNegative(t *testing.T, bs *backstage) {
	tmpl, err := render.LoadTemplate(repotest.Path(t, "template/template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, nc := range repotest.Negatives(t) {
		t.Run(nc.Name, func(t *testing.T) {
			t.Parallel()
			body := map[string]any{"templateRef": templateRef, "values": tmpl.ApplyDefaults(nc.Values),
				"secrets": map[string]string{"USER_OAUTH_TOKEN": developerToken}}
			status, answer, err := bs.call(t.Context(), http.MethodPost, "/api/scaffolder/v2/tasks", body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusBadRequest {
				t.Fatalf("POST /api/scaffolder/v2/tasks = %d %s, want 400", status, answer)
			}
			for _, w := range nc.Want {
				if !strings.Contains(string(answer), w) {
					t.Errorf("refusal lacks %q:\n%s", w, answer)
				}
			}
		})
	}
}

// lastRequest returns the last recorded request with that method and path.
func lastRequest(reqs []ghRequest, method, path string) (ghRequest, int) {
	var last ghRequest
	n := 0
	for _, r := range reqs {
		if r.Method == method && r.Path == path {
			last, n = r, n+1
		}
	}
	return last, n
}

// pick returns the entries of m named in keys (to compare the part of a request body the template sets).
func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func testCase(t *testing.T, bs *backstage, gh *githubFake, git, valuesFile string) {
	tmpl, err := render.LoadTemplate(repotest.Path(t, "template/template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := render.LoadValues(valuesFile)
	if err != nil {
		t.Fatal(err)
	}
	// What the portal's form submits: the user's answers plus every schema default left untouched.
	values := tmpl.ApplyDefaults(raw)
	repo, err := render.ParseRepoURL(values["repoUrl"].(string))
	if err != nil {
		t.Fatal(err)
	}
	full := repo.Owner + "/" + repo.Repo
	name := values["name"].(string)
	userToken := developerToken
	for tok, login := range tokens {
		if login == repo.Owner {
			userToken = tok
		}
	}
	before := len(gh.Requests())

	// The task, through the API the portal's "Create" button calls.
	var created struct {
		ID string `json:"id"`
	}
	status, answer, err := bs.call(t.Context(), http.MethodPost, "/api/scaffolder/v2/tasks", map[string]any{
		"templateRef": templateRef, "values": values, "secrets": map[string]string{"USER_OAUTH_TOKEN": userToken},
	}, &created)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusCreated {
		t.Fatalf("POST /api/scaffolder/v2/tasks = %d %s, want 201", status, answer)
	}
	// Whatever the task got to create goes before the next case, also when this one fails.
	t.Cleanup(func() { cleanupCase(t, bs, gh, full, name) })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	events, err := bs.followTask(ctx, created.ID)
	var log strings.Builder
	for i, ev := range events {
		// fetch:template logs every file it writes; a failure is explained by the end of the log.
		if len(events)-i <= 40 {
			fmt.Fprintf(&log, "%s [%s] %s\n", ev.Type, ev.Body.StepID, ev.Body.Message)
		}
	}
	if err != nil {
		t.Fatalf("task %s: %v\n%s", created.ID, err, log.String())
	}
	done := events[len(events)-1]
	var task struct {
		Status string `json:"status"`
	}
	if _, _, err := bs.call(t.Context(), http.MethodGet, "/api/scaffolder/v2/tasks/"+created.ID, nil, &task); err != nil {
		t.Fatal(err)
	}
	if done.Type != "completion" || task.Status != "completed" {
		t.Fatalf("task %s ended %s with status %q, want completed:\n%s", created.ID, done.Type, task.Status, log.String())
	}
	for _, ev := range events {
		for _, warning := range []string{"Skipping: default branch protection", "retrying via GitHub API"} {
			if strings.Contains(ev.Body.Message, warning) {
				t.Errorf("task log of step %s: %s", ev.Body.StepID, ev.Body.Message)
			}
		}
	}

	// The pushed repository, cloned with real git, is what our renderer renders for the case.
	clone := filepath.Join(t.TempDir(), "clone")
	auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+userToken))
	if _, err := gh.runGit("", "-c", "http.extraHeader="+auth, "clone", "--quiet", gh.cloneURL(full), clone); err != nil {
		t.Fatal(err)
	}
	want := repotest.RenderCase(t, valuesFile)
	got, wantTree := repotest.Tree(t, clone), repotest.Tree(t, want)
	if len(wantTree) == 0 {
		t.Fatal("our renderer rendered no files")
	}
	if diff := cmp.Diff(got, wantTree); diff != "" {
		t.Errorf("pushed repository vs tools/internal/render (-pushed +rendered):\n%s", diff)
	}

	// What publish:github asked GitHub for, with the template's settings.
	reqs := gh.Requests()[before:]
	createPath := "/api/v3/orgs/" + repo.Owner + "/repos"
	wantCreate := map[string]any{"name": repo.Repo, "description": values["description"], "private": values["repoVisibility"] == "private",
		"delete_branch_on_merge": true, "allow_squash_merge": true, "allow_merge_commit": false, "visibility": values["repoVisibility"]}
	if !slices.Contains(orgs, repo.Owner) {
		createPath = "/api/v3/user/repos"
		delete(wantCreate, "visibility") // a user repository is private or public only
	}
	createReq, n := lastRequest(reqs, http.MethodPost, createPath)
	if n != 1 || createReq.Status != http.StatusCreated || createReq.Token != userToken {
		t.Errorf("POST %s: %d calls, last answered %d with token %q; want 1 call, 201, the user's token", createPath, n, createReq.Status, createReq.Token)
	}
	if diff := cmp.Diff(pick(createReq.Body, "name", "description", "private", "delete_branch_on_merge", "allow_squash_merge", "allow_merge_commit", "visibility"), wantCreate); diff != "" {
		t.Errorf("create repository body (-got +want):\n%s", diff)
	}
	if push, n := lastRequest(reqs, http.MethodPost, "/git/"+full+".git/git-receive-pack"); n != 1 || push.Status != http.StatusOK {
		t.Errorf("git push: %d receive-pack calls, last answered %d; want 1, 200", n, push.Status)
	}
	prot, n := lastRequest(reqs, http.MethodPut, "/api/v3/repos/"+full+"/branches/main/protection")
	if n != 1 || prot.Status != http.StatusOK {
		t.Fatalf("branch protection: %d calls, last answered %d; want 1, 200", n, prot.Status)
	}
	wantProt := map[string]any{
		"enforce_admins": true,
		"required_pull_request_reviews": map[string]any{
			"require_code_owner_reviews": true, "required_approving_review_count": float64(1),
			"dismiss_stale_reviews": false, "require_last_push_approval": false,
		},
	}
	if diff := cmp.Diff(pick(prot.Body, "enforce_admins", "required_pull_request_reviews"), wantProt); diff != "" {
		t.Errorf("branch protection body (-got +want):\n%s", diff)
	}
	dispatchPath := "/api/v3/repos/" + full + "/actions/workflows/ci.yml/dispatches"
	dispatch, n := lastRequest(reqs, http.MethodPost, dispatchPath)
	if values["dispatchCi"] == true {
		if n != 1 || dispatch.Status != http.StatusNoContent || dispatch.Body["ref"] != "main" || dispatch.Token != userToken {
			t.Errorf("CI dispatch: %d calls, last answered %d with body %v; want 1 call of ref main, 204", n, dispatch.Status, dispatch.Body)
		}
	} else if n != 0 {
		t.Errorf("CI dispatched %d times with dispatchCi %v", n, values["dispatchCi"])
	}

	// catalog:register: the Component and its API in the catalog, processed from the pushed catalog-info.yaml.
	owner, system := values["owner"].(string), "system:default/"+values["system"].(string)
	comp := waitEntity(t, bs, "component", name, func(e *entity) bool {
		return e.hasRelation("providesApi", "api:default/"+name) && e.hasRelation("ownedBy", owner) && e.hasRelation("partOf", system)
	})
	if got, want := comp.Metadata.Annotations["backstage.io/managed-by-location"], "url:"+catalogInfoURL(full); got != want {
		t.Errorf("Component location = %q, want %q", got, want)
	}
	if diff := cmp.Diff(pick(comp.Spec, "owner", "system", "lifecycle"), map[string]any{"owner": owner, "system": values["system"], "lifecycle": values["lifecycle"]}); diff != "" {
		t.Errorf("Component spec (-got +want):\n%s", diff)
	}
	api := waitEntity(t, bs, "api", name, func(e *entity) bool {
		return e.hasRelation("apiProvidedBy", "component:default/"+name) && e.hasRelation("ownedBy", owner)
	})
	if got, want := api.Spec["definition"], wantTree["api/openapi.yaml"].Content; got != want {
		t.Errorf("API definition is not the rendered api/openapi.yaml resolved from $text:\n%.300v", got)
	}

	// The output the portal shows.
	type link struct {
		Title, Icon, URL, EntityRef string
	}
	var links []link
	rawLinks, _ := done.Body.Output["links"].([]any)
	for _, l := range rawLinks {
		m, _ := l.(map[string]any)
		s := func(k string) string { v, _ := m[k].(string); return v }
		links = append(links, link{s("title"), s("icon"), s("url"), s("entityRef")})
	}
	wantLinks := []link{
		{"Repository", "github", gh.cloneURL(full), ""},
		{"Open in catalog", "catalog", "", "component:default/" + name},
		{"CI runs", "dashboard", "https://github.com/" + full + "/actions", ""},
		{"API docs", "docs", "/catalog/default/api/" + name + "/definition", ""},
	}
	if diff := cmp.Diff(links, wantLinks); diff != "" {
		t.Errorf("output links (-got +want):\n%s", diff)
	}
}

// catalogInfoURL is where catalog:register registers the pushed catalog-info.yaml: the integration resolves
// catalogInfoPath against publish:github's repoContentsUrl (…/blob/main) into a tree URL.
func catalogInfoURL(full string) string {
	return "https://github.com/" + full + "/tree/main/catalog-info.yaml"
}

// cleanupCase removes what a case created, so that the next case may publish the same repository and
// component: its catalog location, then its entities, then its repository.
func cleanupCase(t *testing.T, bs *backstage, gh *githubFake, full, name string) {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	var locs []struct {
		Data struct {
			ID     string `json:"id"`
			Target string `json:"target"`
		} `json:"data"`
	}
	if _, _, err := bs.call(ctx, http.MethodGet, "/api/catalog/locations", nil, &locs); err != nil {
		t.Error(err)
	}
	target := catalogInfoURL(full)
	for _, l := range locs {
		if l.Data.Target == target {
			if status, raw, err := bs.call(ctx, http.MethodDelete, "/api/catalog/locations/"+l.Data.ID, nil, nil); err != nil || status != http.StatusNoContent {
				t.Errorf("DELETE location %s = %d %s %v", target, status, raw, err)
			}
		}
	}
	for _, kind := range []string{"component", "api"} {
		var e entity
		status, _, err := bs.call(ctx, http.MethodGet, "/api/catalog/entities/by-name/"+kind+"/default/"+name, nil, &e)
		if err != nil || status != http.StatusOK {
			continue
		}
		if status, raw, err := bs.call(ctx, http.MethodDelete, "/api/catalog/entities/by-uid/"+e.Metadata.UID, nil, nil); err != nil || status != http.StatusNoContent {
			t.Errorf("DELETE %s:default/%s = %d %s %v", kind, name, status, raw, err)
		}
	}
	if err := gh.deleteRepo(full); err != nil {
		t.Error(err)
	}
}
