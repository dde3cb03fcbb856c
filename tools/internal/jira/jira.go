// Package jira is the small slice of the Jira REST API v2 that the CI failure
// notifier and the alert bridge need — search for a ticket by label, create,
// comment, edit labels, transition by name, issue properties, and Jira Service
// Management's create-request (servicedesk.go) — for Jira Cloud and Jira Data
// Center alike.
//
// It uses github.com/andygrunwald/go-jira v1.17.0 where that library is right
// (create, both searches, transitions, its auth transports) and raw requests
// through the same client where it is not: v1.17.0 marshals a comment with
// empty author/visibility objects that Jira Cloud rejects with 400 (go-jira
// #604), so comments and issue properties are sent as plain JSON. It is not a
// general Jira SDK and it never logs: errors carry method, path, status and
// Jira's messages, never credentials.
package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/trivago/tgo/tcontainer"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

// Flavour is the kind of Jira deployment; it decides auth and the search endpoint.
type Flavour string

// Flavours. Auto resolves to Cloud for *.atlassian.net and Data Center otherwise.
const (
	Auto       Flavour = "auto"
	Cloud      Flavour = "cloud"
	DataCenter Flavour = "datacenter"
)

// ResolveFlavour turns a flag value into Cloud or DataCenter.
func ResolveFlavour(value, baseURL string) (Flavour, error) {
	switch Flavour(strings.ToLower(strings.TrimSpace(value))) {
	case Cloud:
		return Cloud, nil
	case DataCenter, "dc", "server":
		return DataCenter, nil
	case Auto, "":
		u, err := url.Parse(baseURL)
		if err != nil {
			return "", fmt.Errorf("parse base URL: %w", err)
		}
		host := strings.ToLower(u.Hostname())
		if host == "atlassian.net" || strings.HasSuffix(host, ".atlassian.net") {
			return Cloud, nil
		}
		return DataCenter, nil
	default:
		return "", fmt.Errorf("unknown Jira flavour %q (want auto, cloud or datacenter)", value)
	}
}

// Credentials come from the environment only. Cloud uses Email + APIToken
// (HTTP Basic); Data Center uses a personal access token (Bearer).
type Credentials struct {
	Email    string
	APIToken string
	PAT      string
}

// Env var names the credentials are read from.
const (
	EnvEmail    = "JIRA_EMAIL"
	EnvAPIToken = "JIRA_API_TOKEN"
	EnvPAT      = "JIRA_PAT"
)

// CredentialsFromEnv reads the credentials with getenv (os.Getenv in main).
func CredentialsFromEnv(getenv func(string) string) Credentials {
	return Credentials{
		Email:    strings.TrimSpace(getenv(EnvEmail)),
		APIToken: strings.TrimSpace(getenv(EnvAPIToken)),
		PAT:      strings.TrimSpace(getenv(EnvPAT)),
	}
}

// For reports whether the credentials needed by flavour f are present.
func (c Credentials) For(f Flavour) bool {
	if f == Cloud {
		return c.Email != "" && c.APIToken != ""
	}
	return c.PAT != ""
}

// Secrets lists the secret values, for redaction of anything printed.
func (c Credentials) Secrets() []string {
	var s []string
	for _, v := range []string{c.APIToken, c.PAT} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// Config builds a Client.
type Config struct {
	BaseURL     string
	Flavour     Flavour // Cloud or DataCenter (resolve Auto first)
	Credentials Credentials
	// Transport sends the authenticated requests; a default httpretry.Transport
	// over http.DefaultTransport when nil.
	Transport http.RoundTripper
}

// Client talks to one Jira site.
type Client struct {
	api     *gojira.Client
	flavour Flavour
	base    string
}

// ErrMissingCredentials is returned by New when the flavour's credentials are absent.
var ErrMissingCredentials = errors.New("missing Jira credentials")

// New validates cfg and returns a client. It never includes secrets in errors.
func New(cfg Config) (*Client, error) {
	base, err := ValidateBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	next := cfg.Transport
	if next == nil {
		next = &httpretry.Transport{}
	}
	var rt http.RoundTripper
	switch cfg.Flavour {
	case Cloud:
		if !cfg.Credentials.For(Cloud) {
			return nil, fmt.Errorf("%w: Jira Cloud needs %s and %s", ErrMissingCredentials, EnvEmail, EnvAPIToken)
		}
		rt = &gojira.BasicAuthTransport{Username: cfg.Credentials.Email, Password: cfg.Credentials.APIToken, Transport: next}
	case DataCenter:
		if !cfg.Credentials.For(DataCenter) {
			return nil, fmt.Errorf("%w: Jira Data Center needs %s (a personal access token)", ErrMissingCredentials, EnvPAT)
		}
		rt = &gojira.BearerAuthTransport{Token: cfg.Credentials.PAT, Transport: next}
	default:
		return nil, fmt.Errorf("unresolved Jira flavour %q", cfg.Flavour)
	}
	api, err := gojira.NewClient(&http.Client{Transport: rt}, base)
	if err != nil {
		return nil, fmt.Errorf("jira.NewClient: %w", err)
	}
	return &Client{api: api, flavour: cfg.Flavour, base: strings.TrimSuffix(base, "/")}, nil
}

// ValidateBaseURL checks that u is an absolute http(s) URL without embedded
// credentials and returns it with a trailing slash.
func ValidateBaseURL(u string) (string, error) {
	if strings.TrimSpace(u) == "" {
		return "", errors.New("missing Jira base URL (--base-url or JIRA_BASE_URL)")
	}
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return "", errors.New("parse Jira base URL: not a URL")
	}
	if p.Scheme != "https" && p.Scheme != "http" || p.Host == "" {
		return "", fmt.Errorf("jira base URL must be an absolute http(s) URL, got scheme %q", p.Scheme)
	}
	if p.User != nil {
		return "", errors.New("jira base URL must not contain credentials; use the JIRA_* environment variables")
	}
	p.RawQuery, p.Fragment = "", ""
	return strings.TrimSuffix(p.String(), "/") + "/", nil
}

// Flavour is the resolved flavour of this client.
func (c *Client) Flavour() Flavour { return c.flavour }

// BrowseURL is the human link to an issue.
func (c *Client) BrowseURL(key string) string { return BrowseURL(c.base, key) }

// BrowseURL is the human link to an issue on the site at base.
func BrowseURL(base, key string) string {
	return strings.TrimSuffix(base, "/") + "/browse/" + url.PathEscape(key)
}

// Issue is what the notifier needs to know about a ticket.
type Issue struct {
	ID      string
	Key     string
	Summary string
	Status  string
}

// Transition is one workflow transition available on an issue.
type Transition struct {
	ID     string
	Name   string
	ToName string
}

// APIError is a non-2xx answer from Jira.
type APIError struct {
	Method   string
	Path     string
	Status   int
	Messages []string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("jira %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if len(e.Messages) > 0 {
		msg += ": " + strings.Join(e.Messages, "; ")
	}
	return msg
}

// TransportError means no HTTP answer arrived (connection reset, timeout…):
// the request may or may not have been carried out.
type TransportError struct {
	Method string
	Path   string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("jira %s %s: no response: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsTransport reports whether err is a TransportError.
func IsTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

// Unsettled reports whether err leaves a request's outcome unknown in httpretry's terms
// (httpretry.Unsettled): no answer, or a 500, 502 or 504. The request may or may not have been
// carried out, so a create is looked for before it is sent again.
func Unsettled(err error) bool {
	if IsTransport(err) {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && httpretry.Unsettled(ae.Status)
}

// OpenIssueJQL finds the newest not-done issue in project carrying label.
func OpenIssueJQL(project, label string) string {
	return fmt.Sprintf(`project = %s AND labels = %s AND statusCategory != Done ORDER BY created DESC`, jqlQuote(project), jqlQuote(label))
}

func jqlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// searchFields keeps the search answer small; Cloud's search/jql returns only
// ids unless fields are named.
var searchFields = []string{"summary", "status"}

// FindOpen searches for an open issue with label: Cloud through
// GET /rest/api/2/search/jql (the classic /search answers 410 Gone there),
// Data Center through GET /rest/api/2/search.
func (c *Client) FindOpen(ctx context.Context, project, label string) (Issue, bool, error) {
	issues, err := c.search(ctx, OpenIssueJQL(project, label), searchFields, 1)
	if err != nil || len(issues) == 0 {
		return Issue{}, false, err
	}
	return toIssue(issues[0]), true, nil
}

// search returns the first max issues jql finds, with fields: Cloud through
// GET /rest/api/2/search/jql, Data Center through GET /rest/api/2/search.
func (c *Client) search(ctx context.Context, jql string, fields []string, max int) ([]gojira.Issue, error) {
	var (
		issues []gojira.Issue
		resp   *gojira.Response
		err    error
		path   string
	)
	if c.flavour == Cloud {
		path = "/rest/api/2/search/jql"
		issues, resp, err = c.api.Issue.SearchV2JQLWithContext(ctx, jql, &gojira.SearchOptionsV2{MaxResults: max, Fields: fields})
	} else {
		path = "/rest/api/2/search"
		issues, resp, err = c.api.Issue.SearchWithContext(ctx, jql, &gojira.SearchOptions{MaxResults: max, Fields: fields})
	}
	if err != nil {
		return nil, classify(http.MethodGet, path, resp, err)
	}
	return issues, nil
}

func toIssue(gi gojira.Issue) Issue {
	is := Issue{ID: gi.ID, Key: gi.Key}
	if gi.Fields != nil {
		is.Summary = gi.Fields.Summary
		if gi.Fields.Status != nil {
			is.Status = gi.Fields.Status.Name
		}
	}
	return is
}

// CreateRequest is a new ticket. Description is wiki markup (REST v2 on both flavours).
type CreateRequest struct {
	Project     string
	IssueType   string
	Summary     string
	Description string
	Labels      []string
	Components  []string
	Priority    string
	// Fields are extra fields (custom fields) as raw JSON, e.g.
	// "customfield_10050": "\"https://…\"" or "customfield_10051": `{"value":"prod"}`.
	Fields map[string]json.RawMessage
}

// Request is one write the client would send, for --dry-run and tests.
type Request struct {
	Method string
	Path   string
	Body   json.RawMessage
}

// reserved are the fields CreateRequest sets itself; Fields may not override them.
var reserved = map[string]bool{"project": true, "issuetype": true, "summary": true, "description": true, "labels": true, "components": true, "priority": true}

// issuePayload builds the go-jira issue whose JSON is the create body.
func issuePayload(r CreateRequest) (*gojira.Issue, error) {
	f := &gojira.IssueFields{
		Project:     gojira.Project{Key: r.Project},
		Type:        gojira.IssueType{Name: r.IssueType},
		Summary:     r.Summary,
		Description: r.Description,
		Labels:      r.Labels,
	}
	for _, name := range r.Components {
		f.Components = append(f.Components, &gojira.Component{Name: name})
	}
	if r.Priority != "" {
		f.Priority = &gojira.Priority{Name: r.Priority}
	}
	if len(r.Fields) > 0 {
		f.Unknowns = tcontainer.NewMarshalMap()
		for k, raw := range r.Fields {
			if reserved[k] {
				return nil, fmt.Errorf("field %q is set by its own flag, not as a custom field", k)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("decode field %s: %w", k, err)
			}
			f.Unknowns[k] = v
		}
	}
	return &gojira.Issue{Fields: f}, nil
}

// CreateCall is the exact POST /rest/api/2/issue that Create sends.
func CreateCall(r CreateRequest) (Request, error) {
	issue, err := issuePayload(r)
	if err != nil {
		return Request{}, err
	}
	b, err := json.Marshal(issue)
	if err != nil {
		return Request{}, fmt.Errorf("encode issue: %w", err)
	}
	return Request{Method: http.MethodPost, Path: "/rest/api/2/issue", Body: b}, nil
}

// Create files a new issue through go-jira's Issue.Create.
func (c *Client) Create(ctx context.Context, r CreateRequest) (Issue, error) {
	issue, err := issuePayload(r)
	if err != nil {
		return Issue{}, err
	}
	created, resp, err := c.api.Issue.CreateWithContext(ctx, issue)
	if err != nil {
		return Issue{}, classify(http.MethodPost, "/rest/api/2/issue", resp, err)
	}
	return Issue{ID: created.ID, Key: created.Key, Summary: r.Summary}, nil
}

// CommentCall is the exact comment request: a bare {"body": wiki markup}.
func CommentCall(key, body string) Request {
	b, _ := json.Marshal(struct {
		Body string `json:"body"`
	}{body})
	return Request{Method: http.MethodPost, Path: "/rest/api/2/issue/" + url.PathEscape(key) + "/comment", Body: b}
}

// Comment adds a wiki-markup comment with a raw request (see the package doc).
func (c *Client) Comment(ctx context.Context, key, body string) error {
	return c.send(ctx, CommentCall(key, body), nil)
}

// Transitions lists the transitions the current user may make on key.
func (c *Client) Transitions(ctx context.Context, key string) ([]Transition, error) {
	ts, resp, err := c.api.Issue.GetTransitionsWithContext(ctx, key)
	if err != nil {
		return nil, classify(http.MethodGet, "/rest/api/2/issue/"+key+"/transitions", resp, err)
	}
	out := make([]Transition, 0, len(ts))
	for _, t := range ts {
		out = append(out, Transition{ID: t.ID, Name: t.Name, ToName: t.To.Name})
	}
	return out, nil
}

// TransitionCall is the exact request DoTransition sends (go-jira's payload).
func TransitionCall(key, id string) Request {
	b, _ := json.Marshal(gojira.CreateTransitionPayload{Transition: gojira.TransitionPayload{ID: id}})
	return Request{Method: http.MethodPost, Path: "/rest/api/2/issue/" + url.PathEscape(key) + "/transitions", Body: b}
}

// DoTransition moves key through transition id.
func (c *Client) DoTransition(ctx context.Context, key, id string) error {
	resp, err := c.api.Issue.DoTransitionWithContext(ctx, key, id)
	if err != nil {
		return classify(http.MethodPost, "/rest/api/2/issue/"+key+"/transitions", resp, err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return nil
}

func propertyPath(key, name string) string {
	return "/rest/api/2/issue/" + url.PathEscape(key) + "/properties/" + url.PathEscape(name)
}

// Property reads issue property name into v; found is false on 404.
func (c *Client) Property(ctx context.Context, key, name string, v any) (bool, error) {
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	err := c.send(ctx, Request{Method: http.MethodGet, Path: propertyPath(key, name)}, &env)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(env.Value, v); err != nil {
		return false, fmt.Errorf("decode property %s: %w", name, err)
	}
	return true, nil
}

// SetPropertyCall is the exact request SetProperty sends.
func SetPropertyCall(key, name string, v any) (Request, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Request{}, fmt.Errorf("encode property %s: %w", name, err)
	}
	return Request{Method: http.MethodPut, Path: propertyPath(key, name), Body: b}, nil
}

// SetProperty writes issue property name (an entity property: stored on the
// issue, invisible to users, sends no notification).
func (c *Client) SetProperty(ctx context.Context, key, name string, v any) error {
	r, err := SetPropertyCall(key, name, v)
	if err != nil {
		return err
	}
	return c.send(ctx, r, nil)
}

// send issues a raw request through go-jira's client (auth + retry transports).
func (c *Client) send(ctx context.Context, r Request, out any) error {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := c.api.NewRawRequestWithContext(ctx, r.Method, strings.TrimPrefix(r.Path, "/"), body)
	if err != nil {
		return fmt.Errorf("build request %s %s: %w", r.Method, r.Path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.api.Do(req, out)
	if err != nil {
		return classify(r.Method, r.Path, resp, err)
	}
	if out == nil && resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	return nil
}

// classify turns go-jira's results into TransportError or APIError.
func classify(method, path string, resp *gojira.Response, err error) error {
	if resp == nil || resp.Response == nil {
		if ctxErr := contextError(err); ctxErr != nil {
			return &TransportError{Method: method, Path: path, Err: ctxErr}
		}
		return &TransportError{Method: method, Path: path, Err: stripURL(err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return fmt.Errorf("jira %s %s: decode response: %w", method, path, err)
	}
	e := &APIError{Method: method, Path: path, Status: resp.StatusCode}
	var je *gojira.Error
	if errors.As(err, &je) {
		e.Messages = messages(je.ErrorMessages, je.Errors)
	} else if resp.Body != nil {
		// go-jira left the body unread (Create, raw requests): parse it here.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		var body struct {
			ErrorMessages []string          `json:"errorMessages"`
			Errors        map[string]string `json:"errors"`
			Message       string            `json:"message"`
		}
		if json.Unmarshal(b, &body) == nil {
			e.Messages = messages(body.ErrorMessages, body.Errors)
			if body.Message != "" {
				e.Messages = append(e.Messages, body.Message)
			}
		}
	}
	return e
}

func messages(list []string, fields map[string]string) []string {
	out := append([]string(nil), list...)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, k+": "+fields[k])
	}
	return out
}

func contextError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return nil
}

// stripURL drops the *url.Error wrapper, whose text repeats the full URL.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
