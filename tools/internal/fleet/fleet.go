// Package fleet is the template's view of the services rendered from it:
// it reads components from a Backstage catalog (the entities by-query API,
// filtered on backstage.io/source-template, or a saved response) and says
// per component which template version it records
// (backstage.io/template-version), how many released versions it is behind
// and, given a lookup, its open upgrade pull request.
//
// It does not upgrade anything (package upgrade does), does not talk to
// GitHub itself (the caller passes a lookup), and is not a catalog client
// beyond the one query.
package fleet

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/mod/semver"
)

// The catalog annotations fleet reads.
const (
	SourceTemplate  = "backstage.io/source-template"
	TemplateVersion = "backstage.io/template-version"
	ProjectSlug     = "github.com/project-slug"
)

// Entity is the part of a catalog entity fleet reads.
type Entity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// Page is one answer of GET /api/catalog/entities/by-query.
type Page struct {
	Items    []Entity `json:"items"`
	PageInfo struct {
		NextCursor string `json:"nextCursor"`
	} `json:"pageInfo"`
}

// Component is one row of the fleet view.
type Component struct {
	Ref     string `json:"ref"`     // component:namespace/name
	Slug    string `json:"slug"`    // owner/repo, "" if not annotated
	Version string `json:"version"` // recorded template version, "" if none
	Behind  *int   `json:"behind"`  // released versions after it; nil when unknown
	PR      string `json:"pr,omitempty"`
}

// DecodePage reads a by-query response (a saved one works too).
func DecodePage(r io.Reader) (*Page, error) {
	var p Page
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("decode catalog response: %w", err)
	}
	return &p, nil
}

// Fetch reads every component the template rendered from the catalog at
// baseURL (the Backstage backend), following the cursor.
func Fetch(ctx context.Context, client *http.Client, baseURL, token, template string) ([]Entity, error) {
	q := url.Values{}
	q.Add("filter", "kind=component,metadata.annotations."+SourceTemplate+"="+template)
	q.Set("limit", "100")
	var out []Entity
	for range 1000 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/api/catalog/entities/by-query?"+q.Encode(), nil)
		if err != nil {
			return nil, fmt.Errorf("query catalog: %w", err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("query catalog: %w", err)
		}
		p, err := func() (*Page, error) {
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("query catalog: %s", resp.Status)
			}
			return DecodePage(resp.Body)
		}()
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.PageInfo.NextCursor == "" {
			return out, nil
		}
		q = url.Values{"cursor": {p.PageInfo.NextCursor}}
	}
	return nil, fmt.Errorf("query catalog: more than 1000 pages")
}

// Build turns entities into rows, sorted by ref: released are the
// template's versions (CHANGELOG headings); pr, when not nil, finds the
// open upgrade pull request of a repository slug for the latest version.
func Build(ctx context.Context, entities []Entity, released []string, pr func(ctx context.Context, slug, version string) (string, error)) ([]Component, error) {
	latest := ""
	for _, v := range released {
		if latest == "" || semver.Compare("v"+v, "v"+latest) > 0 {
			latest = v
		}
	}
	var out []Component
	for _, e := range entities {
		if !strings.EqualFold(e.Kind, "component") {
			continue
		}
		ns := cmp.Or(e.Metadata.Namespace, "default")
		c := Component{
			Ref:     "component:" + ns + "/" + e.Metadata.Name,
			Slug:    e.Metadata.Annotations[ProjectSlug],
			Version: e.Metadata.Annotations[TemplateVersion],
		}
		if semver.IsValid("v" + c.Version) {
			n := 0
			for _, v := range released {
				if semver.Compare("v"+v, "v"+c.Version) > 0 {
					n++
				}
			}
			c.Behind = &n
		}
		if pr != nil && c.Slug != "" && c.Behind != nil && *c.Behind > 0 {
			url, err := pr(ctx, c.Slug, latest)
			if err != nil {
				return nil, fmt.Errorf("find upgrade pull request of %s: %w", c.Slug, err)
			}
			c.PR = url
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Component) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// Write prints the rows as text (aligned columns), json or markdown.
func Write(w io.Writer, format string, rows []Component) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if rows == nil {
			rows = []Component{}
		}
		return enc.Encode(rows)
	case "markdown":
		fmt.Fprintln(w, "| component | repository | template version | behind | upgrade PR |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.Ref, or(r.Slug), or(r.Version), behind(r), or(r.PR))
		}
		return nil
	case "text", "":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPONENT\tREPOSITORY\tVERSION\tBEHIND\tUPGRADE PR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Ref, or(r.Slug), or(r.Version), behind(r), or(r.PR))
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown format %q (text, json, markdown)", format)
	}
}

func or(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func behind(r Component) string {
	if r.Behind == nil {
		return "unknown (no " + TemplateVersion + ")"
	}
	return fmt.Sprint(*r.Behind)
}
