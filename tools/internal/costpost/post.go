// Package costpost creates or updates ("upserts") the cost gate's pull-request comment through the
// GitHub REST API: it lists the issue comments (following the Link header's pagination), updates
// the first comment whose body starts with the marker line (PATCH), or creates one (POST).
//
// Idempotent requests (GET, PATCH) are retried on 429 and 5xx, and on 403 rate limiting, a bounded
// number of times honouring Retry-After. A failed POST is never replayed blindly: the upsert starts
// over by listing again, so a comment the server did create is found and updated, not duplicated.
// The token is only ever sent in the Authorization header, never logged or put in an error.
package costpost

import (
	"bytes"
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
	"time"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

// Client talks to one repository's issue comments.
type Client struct {
	// BaseURL is the API root, e.g. https://api.github.com (GITHUB_API_URL in Actions).
	BaseURL string
	// Owner and Repo name the repository (GITHUB_REPOSITORY = owner/repo).
	Owner, Repo string
	// Token authenticates (GITHUB_TOKEN); it needs pull-requests: write (or issues: write).
	Token string
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// MaxAttempts bounds attempts per request and upsert rounds (default 4).
	MaxAttempts int
	// Sleep waits between attempts; tests inject an instant one.
	Sleep func(ctx context.Context, d time.Duration) error
	// BaseDelay is the first backoff without a server hint (default 1s), doubled per attempt.
	BaseDelay time.Duration
	// MaxDelay caps one wait (default 30s); a longer Retry-After is an error instead.
	MaxDelay time.Duration
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

type comment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
}

// maxPages bounds pagination (100 comments per page).
const maxPages = 50

// Upsert finds the comment on pull request (issue) number whose body starts with marker and
// replaces its body, or creates a comment. body must start with marker.
func (c *Client) Upsert(ctx context.Context, number int, marker, body string) (*Result, error) {
	if c.Token == "" {
		return nil, errors.New("upsert comment: no GitHub token (set GITHUB_TOKEN)")
	}
	if c.Owner == "" || c.Repo == "" || number <= 0 {
		return nil, fmt.Errorf("upsert comment: need owner/repo and a pull request number, got %q/%q #%d", c.Owner, c.Repo, number)
	}
	if !strings.HasPrefix(body, marker) {
		return nil, errors.New("upsert comment: body does not start with the marker line")
	}
	var lastErr error
	for round := 1; round <= c.attempts(); round++ {
		existing, err := c.find(ctx, number, marker)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			var out comment
			path := fmt.Sprintf("/repos/%s/%s/issues/comments/%d", url.PathEscape(c.Owner), url.PathEscape(c.Repo), existing.ID)
			if _, err := c.do(ctx, http.MethodPatch, c.url(path), map[string]string{"body": body}, &out, true); err != nil {
				return nil, fmt.Errorf("update comment: %w", err)
			}
			return &Result{Action: "updated", CommentID: out.ID, URL: out.HTMLURL}, nil
		}
		var out comment
		path := fmt.Sprintf("/repos/%s/%s/issues/%d/comments", url.PathEscape(c.Owner), url.PathEscape(c.Repo), number)
		_, err = c.do(ctx, http.MethodPost, c.url(path), map[string]string{"body": body}, &out, false)
		if err == nil {
			return &Result{Action: "created", CommentID: out.ID, URL: out.HTMLURL}, nil
		}
		var ge *Error
		if !errors.As(err, &ge) || !retryable(ge.Status, nil) {
			return nil, fmt.Errorf("create comment: %w", err)
		}
		// The POST may or may not have created the comment: start over from the listing.
		lastErr = err
		if err := c.wait(ctx, nil, round); err != nil {
			return nil, fmt.Errorf("create comment: %w", err)
		}
	}
	return nil, fmt.Errorf("create comment: %w", lastErr)
}

func (c *Client) find(ctx context.Context, number int, marker string) (*comment, error) {
	next := c.url(fmt.Sprintf("/repos/%s/%s/issues/%d/comments?per_page=100", url.PathEscape(c.Owner), url.PathEscape(c.Repo), number))
	for page := 0; next != "" && page < maxPages; page++ {
		var cs []comment
		h, err := c.do(ctx, http.MethodGet, next, nil, &cs, true)
		if err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		for i := range cs {
			if strings.HasPrefix(cs[i].Body, marker) {
				return &cs[i], nil
			}
		}
		next, err = c.nextPage(h.Get("Link"))
		if err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
	}
	return nil, nil
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// nextPage returns the rel="next" URL of a Link header, refusing one on another host (the token
// must not leak elsewhere).
func (c *Client) nextPage(link string) (string, error) {
	m := linkNext.FindStringSubmatch(link)
	if m == nil {
		return "", nil
	}
	next, err := url.Parse(m[1])
	if err != nil {
		return "", fmt.Errorf("parse Link header: %w", err)
	}
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", fmt.Errorf("parse base URL: %w", err)
	}
	if next.Scheme != base.Scheme || next.Host != base.Host {
		return "", fmt.Errorf("pagination link points to another host (%s)", next.Host)
	}
	return next.String(), nil
}

func (c *Client) url(path string) string {
	return strings.TrimRight(c.BaseURL, "/") + path
}

func (c *Client) attempts() int {
	if c.MaxAttempts > 0 {
		return c.MaxAttempts
	}
	return 4
}

// retryable: rate limits and server errors. A 403 counts only when it is a rate limit.
func retryable(status int, h http.Header) bool {
	switch {
	case status == http.StatusTooManyRequests, status >= 500:
		return true
	case status == http.StatusForbidden && h != nil:
		return h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0"
	}
	return false
}

// do sends one request; idempotent requests are retried. out receives the decoded JSON body.
func (c *Client) do(ctx context.Context, method, u string, in, out any, idempotent bool) (http.Header, error) {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
	}
	path := u
	if pu, err := url.Parse(u); err == nil {
		path = pu.Path
	}
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("build request: %w", err)
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.Header.Set("User-Agent", "acme-costgate")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		hc := c.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		resp, err := hc.Do(req)
		if err != nil {
			if idempotent && attempt < c.attempts() && ctx.Err() == nil {
				if werr := c.wait(ctx, nil, attempt); werr != nil {
					return nil, werr
				}
				continue
			}
			return nil, fmt.Errorf("github %s %s: %w", method, path, redact(err, c.Token))
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if rerr != nil {
			return nil, fmt.Errorf("read github response: %w", rerr)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			if out != nil {
				if err := json.Unmarshal(body, out); err != nil {
					return nil, fmt.Errorf("decode github %s %s response: %w", method, path, err)
				}
			}
			return resp.Header, nil
		}
		gerr := &Error{Method: method, Path: path, Status: resp.StatusCode, Message: apiMessage(body)}
		if idempotent && retryable(resp.StatusCode, resp.Header) && attempt < c.attempts() {
			if err := c.wait(ctx, resp.Header, attempt); err != nil {
				return nil, fmt.Errorf("%w (after %v)", gerr, err)
			}
			continue
		}
		return nil, gerr
	}
}

func (c *Client) wait(ctx context.Context, h http.Header, attempt int) error {
	base := c.BaseDelay
	if base <= 0 {
		base = time.Second
	}
	maxDelay := c.MaxDelay
	if maxDelay <= 0 {
		maxDelay = 30 * time.Second
	}
	d := base << (attempt - 1)
	if h != nil {
		if hint, ok := httpretry.ServerHint(h, time.Now()); ok {
			d = hint
		}
	}
	if d > maxDelay {
		return fmt.Errorf("server asks to wait %s, more than %s", d.Round(time.Second), maxDelay)
	}
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// apiMessage extracts GitHub's {"message": …} or a short excerpt of the body.
func apiMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return m.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
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
