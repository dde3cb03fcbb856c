package github

import (
	"context"
	"fmt"
	"slices"
	"time"

	gh "github.com/google/go-github/v75/github"
)

// This file reads deployments for the DORA metrics: the successful runs of a
// deploy workflow on a branch and the commits each of them shipped.

// Deploy is one successful run of the deploy workflow.
type Deploy struct {
	RunID int64
	SHA   string    // the commit deployed (head_sha)
	At    time.Time // when the run finished (updated_at of a completed run)
}

// Commit is one commit a deploy shipped.
type Commit struct {
	SHA string
	At  time.Time // committer date: when it reached the branch
}

// Deploys returns the successful runs of workflow (its file name, e.g.
// deploy.yml) on branch that finished at or after since, oldest first, plus
// the newest one before since (the baseline whose SHA the first deploy in the
// window is compared with), when there is one.
func (c *Client) Deploys(ctx context.Context, workflow, branch string, since time.Time) (window []Deploy, before *Deploy, err error) {
	opts := &gh.ListWorkflowRunsOptions{Branch: branch, Status: "success", ExcludePullRequests: true, ListOptions: gh.ListOptions{PerPage: 100}}
	for page := 0; page < maxPages; page++ {
		runs, resp, err := c.api.Actions.ListWorkflowRunsByFileName(ctx, c.owner, c.repo, workflow, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("list runs of %s: %w", workflow, apiError(err))
		}
		for _, r := range runs.WorkflowRuns { // newest first
			d := Deploy{RunID: r.GetID(), SHA: r.GetHeadSHA(), At: r.GetUpdatedAt().UTC()}
			if d.At.Before(since) {
				if before == nil || d.At.After(before.At) {
					before = &d
				}
				continue
			}
			window = append(window, d)
		}
		if before != nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.SortFunc(window, func(a, b Deploy) int { return a.At.Compare(b.At) })
	return window, before, nil
}

// Shipped returns the commits in base...head (what a deploy of head added to
// a deploy of base), through the compare API; an empty base means head alone.
func (c *Client) Shipped(ctx context.Context, base, head string) ([]Commit, error) {
	if base == "" {
		rc, _, err := c.api.Repositories.GetCommit(ctx, c.owner, c.repo, head, nil)
		if err != nil {
			return nil, fmt.Errorf("get commit %s: %w", head, apiError(err))
		}
		return []Commit{{SHA: rc.GetSHA(), At: rc.GetCommit().GetCommitter().GetDate().UTC()}}, nil
	}
	var out []Commit
	opts := &gh.ListOptions{PerPage: 100}
	for page := 0; page < maxPages; page++ {
		cmp, resp, err := c.api.Repositories.CompareCommits(ctx, c.owner, c.repo, base, head, opts)
		if err != nil {
			return nil, fmt.Errorf("compare %s...%s: %w", base, head, apiError(err))
		}
		for _, rc := range cmp.Commits {
			out = append(out, Commit{SHA: rc.GetSHA(), At: rc.GetCommit().GetCommitter().GetDate().UTC()})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}
