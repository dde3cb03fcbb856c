package github

import (
	"context"
	"errors"
	"fmt"

	gh "github.com/google/go-github/v75/github"
)

// Pull is what UpsertPull did with the pull request of a branch.
type Pull struct {
	Action string // "created", "updated" or "unchanged"
	Number int
	URL    string
}

// UpsertPull keeps one open pull request from branch head into base: it
// creates it, or updates the title and body of the open one, or leaves it
// alone when they are already current. Like UpsertComment, a create or
// update whose outcome is unknown is not replayed: the round starts over
// by looking for the open pull request again.
func (c *Client) UpsertPull(ctx context.Context, head, base, title, body string) (*Pull, error) {
	if head == "" || base == "" || title == "" {
		return nil, errors.New("upsert pull request: need a head branch, a base branch and a title")
	}
	for round := 1; ; round++ {
		res, err := c.upsertPullOnce(ctx, head, base, title, body)
		if err == nil || !unsettled(err) {
			return res, err
		}
		if werr := c.retry.Wait(ctx, round); werr != nil {
			return nil, fmt.Errorf("%w (%w)", err, werr)
		}
	}
}

// OpenPull returns the open pull request from branch head, or nil.
func (c *Client) OpenPull(ctx context.Context, head string) (*Pull, error) {
	pr, err := c.openPull(ctx, head, "")
	if err != nil || pr == nil {
		return nil, err
	}
	return &Pull{Action: "found", Number: pr.GetNumber(), URL: pr.GetHTMLURL()}, nil
}

// openPull lists the open pull requests from head (into base, unless "").
func (c *Client) openPull(ctx context.Context, head, base string) (*gh.PullRequest, error) {
	open, _, err := c.api.PullRequests.List(ctx, c.owner, c.repo, &gh.PullRequestListOptions{
		State: "open", Head: c.owner + ":" + head, Base: base, ListOptions: gh.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, fmt.Errorf("list pull requests: %w", apiError(err))
	}
	if len(open) == 0 {
		return nil, nil
	}
	return open[0], nil
}

func (c *Client) upsertPullOnce(ctx context.Context, head, base, title, body string) (*Pull, error) {
	pr, err := c.openPull(ctx, head, base)
	if err != nil {
		return nil, err
	}
	if pr != nil {
		if pr.GetTitle() == title && pr.GetBody() == body {
			return &Pull{Action: "unchanged", Number: pr.GetNumber(), URL: pr.GetHTMLURL()}, nil
		}
		out, _, err := c.api.PullRequests.Edit(ctx, c.owner, c.repo, pr.GetNumber(), &gh.PullRequest{Title: &title, Body: &body})
		if err != nil {
			return nil, fmt.Errorf("update pull request #%d: %w", pr.GetNumber(), apiError(err))
		}
		return &Pull{Action: "updated", Number: out.GetNumber(), URL: out.GetHTMLURL()}, nil
	}
	out, _, err := c.api.PullRequests.Create(ctx, c.owner, c.repo, &gh.NewPullRequest{Title: &title, Head: &head, Base: &base, Body: &body})
	if err != nil {
		return nil, fmt.Errorf("create pull request: %w", apiError(err))
	}
	return &Pull{Action: "created", Number: out.GetNumber(), URL: out.GetHTMLURL()}, nil
}
