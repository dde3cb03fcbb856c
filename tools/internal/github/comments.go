// Package github is the platform's GitHub REST client, built on google/go-github: it creates or
// updates ("upserts") a bot's pull-request comment, found by the marker line its body starts
// with, finds the pull request number of a GitHub Actions run, and lists the successful runs of
// a deploy workflow with the commits each shipped (deploys.go, for the DORA metrics), and keeps
// one open pull request per branch (pulls.go, for template upgrades).
//
// Retries are package httpretry's: refusals for load (429, 503, a 403 rate limit) are retried
// for every request, an unsettled failure (5xx, no answer) only for the listing. A create or
// update that ended unsettled is never replayed blindly: the upsert starts over by listing again
// after httpretry's Wait, so a comment the server did create is found and updated, not
// duplicated. The token is only ever sent in the Authorization header, never logged or put in an
// error. It is not a general GitHub SDK: callers needing more use go-github directly.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v75/github"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

// DefaultMaxTries bounds the attempts per request and the upsert's rounds.
const DefaultMaxTries = 4

// Config builds a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://api.github.com (GITHUB_API_URL in Actions).
	BaseURL string
	// Owner and Repo name the repository (GITHUB_REPOSITORY = owner/repo).
	Owner, Repo string
	// Token authenticates (GITHUB_TOKEN); it needs pull-requests: write (or issues: write).
	Token string
	// Retry is the retry transport whose Base sends the requests (http.DefaultTransport when nil);
	// its MaxTries defaults to DefaultMaxTries.
	Retry *httpretry.Transport
}

// Client talks to one repository's issue comments.
type Client struct {
	api         *gh.Client
	retry       *httpretry.Transport
	base        *url.URL
	owner, repo string
}

// New validates cfg and returns a client. It never includes the token in errors.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("new github client: no GitHub token (set GITHUB_TOKEN)")
	}
	if cfg.Owner == "" || cfg.Repo == "" {
		return nil, fmt.Errorf("new github client: need owner/repo, got %q/%q", cfg.Owner, cfg.Repo)
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/")
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("new github client: API URL %q is not an absolute URL", cfg.BaseURL)
	}
	retry := &httpretry.Transport{}
	if cfg.Retry != nil {
		*retry = *cfg.Retry
	}
	if retry.MaxTries <= 0 {
		retry.MaxTries = DefaultMaxTries
	}
	api := gh.NewClient(&http.Client{Transport: acceptJSON{next: retry}}).WithAuthToken(cfg.Token)
	api.BaseURL = base
	api.UserAgent = "acme-costgate"
	return &Client{api: api, retry: retry, base: base, owner: cfg.Owner, repo: cfg.Repo}, nil
}

// acceptJSON asks for the media type GitHub's REST documentation recommends
// (application/vnd.github+json) where go-github still sends the older v3 one.
type acceptJSON struct{ next http.RoundTripper }

func (a acceptJSON) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept", "application/vnd.github+json")
	return a.next.RoundTrip(req)
}

// Result says what the upsert did.
type Result struct {
	Action    string // "created" or "updated"
	CommentID int64
	URL       string
}

// Error is a GitHub API failure after retries.
type Error struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *Error) Error() string {
	return fmt.Sprintf("github %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// maxPages bounds pagination (100 comments per page).
const maxPages = 50

// UpsertComment finds the comment on pull request (issue) number whose body starts with marker
// and replaces its body, or creates a comment. body must start with marker.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) (*Result, error) {
	if number <= 0 {
		return nil, fmt.Errorf("upsert comment: need a pull request number, got #%d", number)
	}
	if !strings.HasPrefix(body, marker) {
		return nil, errors.New("upsert comment: body does not start with the marker line")
	}
	for round := 1; ; round++ {
		res, err := c.upsertOnce(ctx, number, marker, body)
		if err == nil || !unsettled(err) {
			return res, err
		}
		// The create or update may or may not have happened: look again before acting again.
		if werr := c.retry.Wait(ctx, round); werr != nil {
			return nil, fmt.Errorf("%w (%w)", err, werr)
		}
	}
}

func (c *Client) upsertOnce(ctx context.Context, number int, marker, body string) (*Result, error) {
	existing, err := c.find(ctx, number, marker)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		out, _, err := c.api.Issues.EditComment(ctx, c.owner, c.repo, existing.GetID(), &gh.IssueComment{Body: &body})
		if err != nil {
			return nil, fmt.Errorf("update comment: %w", apiError(err))
		}
		return &Result{Action: "updated", CommentID: out.GetID(), URL: out.GetHTMLURL()}, nil
	}
	out, _, err := c.api.Issues.CreateComment(ctx, c.owner, c.repo, number, &gh.IssueComment{Body: &body})
	if err != nil {
		return nil, fmt.Errorf("create comment: %w", apiError(err))
	}
	return &Result{Action: "created", CommentID: out.GetID(), URL: out.GetHTMLURL()}, nil
}

func (c *Client) find(ctx context.Context, number int, marker string) (*gh.IssueComment, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for range maxPages {
		cs, resp, err := c.api.Issues.ListComments(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments: %w", apiError(err))
		}
		for _, cm := range cs {
			if strings.HasPrefix(cm.GetBody(), marker) {
				return cm, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		if err := c.sameHost(resp.Header.Get("Link")); err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		opts.Page = resp.NextPage
	}
	return nil, nil
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// sameHost refuses a rel="next" link to another host: go-github only takes its page number, but a
// server that points elsewhere is not the API we meant to talk to.
func (c *Client) sameHost(link string) error {
	m := linkNext.FindStringSubmatch(link)
	if m == nil {
		return nil
	}
	next, err := url.Parse(m[1])
	if err != nil {
		return fmt.Errorf("parse Link header: %w", err)
	}
	if next.Scheme != c.base.Scheme || next.Host != c.base.Host {
		return fmt.Errorf("pagination link points to another host (%s)", next.Host)
	}
	return nil
}

// unsettled reports whether err leaves the outcome unknown in httpretry's terms: a 5xx answer
// or none at all (a transport error, not the caller's own cancellation).
func unsettled(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ge *Error
	if errors.As(err, &ge) {
		return httpretry.Unsettled(ge.Status)
	}
	var ue *url.Error
	return errors.As(err, &ue) && httpretry.Unsettled(0)
}

// apiError turns go-github's error responses into an Error naming the method, path, status and
// GitHub's message (or an excerpt of a body that is not GitHub's JSON).
func apiError(err error) error {
	var (
		resp *http.Response
		msg  string
		er   *gh.ErrorResponse
		rl   *gh.RateLimitError
		ab   *gh.AbuseRateLimitError
	)
	switch {
	case errors.As(err, &er):
		resp, msg = er.Response, er.Message
	case errors.As(err, &rl):
		resp, msg = rl.Response, rl.Message
	case errors.As(err, &ab):
		resp, msg = ab.Response, ab.Message
	default:
		return err
	}
	if resp == nil || resp.Request == nil {
		return err
	}
	if msg == "" && resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		if msg = strings.TrimSpace(string(b)); len(msg) > 200 {
			msg = msg[:200] + "…"
		}
	}
	return &Error{Method: resp.Request.Method, Path: resp.Request.URL.Path, Status: resp.StatusCode, Message: msg}
}

// PRNumber finds the pull request number of a GitHub Actions run: GITHUB_REF refs/pull/N/merge, or
// the event payload's pull_request.number / issue.number (GITHUB_EVENT_PATH contents).
func PRNumber(ref string, event []byte) (int, error) {
	if rest, ok := strings.CutPrefix(ref, "refs/pull/"); ok {
		if n, err := strconv.Atoi(strings.SplitN(rest, "/", 2)[0]); err == nil && n > 0 {
			return n, nil
		}
	}
	if len(event) > 0 {
		var e struct {
			Number      int `json:"number"`
			PullRequest struct {
				Number int `json:"number"`
			} `json:"pull_request"`
			Issue struct {
				Number int `json:"number"`
			} `json:"issue"`
		}
		if err := json.Unmarshal(event, &e); err != nil {
			return 0, fmt.Errorf("decode event payload: %w", err)
		}
		for _, n := range []int{e.PullRequest.Number, e.Issue.Number, e.Number} {
			if n > 0 {
				return n, nil
			}
		}
	}
	return 0, errors.New("no pull request number: not a pull_request event (pass --pr)")
}
