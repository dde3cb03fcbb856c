package cinotify

import (
	"fmt"
	"regexp"
	"strings"
)

// Jira caps text fields near 32k characters; keep the rendered bodies well under it.
const (
	maxSummary    = 255
	maxBodyRunes  = 30000
	toolSignature = "jiranotify"
)

// wikiEscaper backslash-escapes the characters Jira wiki markup gives a meaning to.
var wikiEscaper = strings.NewReplacer(
	`\`, `\\`, `|`, `\|`, `[`, `\[`, `]`, `\]`, `{`, `\{`, `}`, `\}`, `*`, `\*`, `_`, `\_`,
	`+`, `\+`, `^`, `\^`, `~`, `\~`, `?`, `\?`, `-`, `\-`, `!`, `\!`, `#`, `\#`,
	"\r", " ", "\n", " ",
)

// Wiki escapes user-controlled text for use inside wiki markup.
func Wiki(s string) string { return wikiEscaper.Replace(s) }

func link(text, href string) string {
	if href == "" {
		return Wiki(text)
	}
	return "[" + Wiki(text) + "|" + href + "]"
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(unknown)"
	}
	return s
}

// Summary is the ticket title, at most 255 characters.
func Summary(r Run) string {
	s := fmt.Sprintf("CI failed: %s %s/%s", r.Repository, r.workflowName(), r.Job)
	if r.Branch != "" {
		s += " on " + r.Branch
	}
	s = strings.Join(strings.Fields(s), " ")
	return truncateRunes(s, maxSummary)
}

func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

func runText(r Run) string { return fmt.Sprintf("run %s, attempt %s", r.RunID, r.RunAttempt) }

func actorText(r Run) string {
	s := orUnknown(r.Actor)
	if r.Event != "" {
		s += " (" + r.Event + ")"
	}
	return s
}

var reNoformat = regexp.MustCompile(`(?i)\{noformat\}`)

// Excerpt is a redacted, truncated log tail for the description.
type Excerpt struct {
	Text      string
	Truncated bool
	MaxLines  int
}

// Description is the wiki-markup body of a new ticket.
func Description(r Run, fingerprint string, ex Excerpt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "h3. CI failure in %s\n\n", Wiki(r.Repository))
	row := func(k, v string) { fmt.Fprintf(&b, "||%s|%s|\n", k, v) }
	row("Repository", link(r.Repository, r.RepoURL()))
	wf := Wiki(r.workflowName())
	if r.WorkflowFile != "" && r.WorkflowFile != r.workflowName() {
		wf += " (" + Wiki(r.WorkflowFile) + ")"
	}
	row("Workflow", wf)
	row("Job", Wiki(r.Job))
	row("Failing step", Wiki(orUnknown(r.Step)))
	row("Branch", Wiki(orUnknown(r.Branch)))
	row("Commit", link(orUnknown(r.ShortSHA()), r.CommitURL()))
	row("Run", link(runText(r), r.RunURL()))
	row("Triggered by", Wiki(actorText(r)))
	row("Fingerprint", Wiki(fingerprint))
	if strings.TrimSpace(ex.Text) != "" {
		title := "Log excerpt (redacted)"
		if ex.Truncated {
			title = fmt.Sprintf("Log excerpt (last lines, at most %d, redacted)", ex.MaxLines)
		}
		// Nothing inside {noformat} is interpreted, except its own closing tag.
		body := reNoformat.ReplaceAllString(ex.Text, "(noformat)")
		fmt.Fprintf(&b, "\nh4. %s\n{noformat}\n%s\n{noformat}\n", title, body)
	}
	fmt.Fprintf(&b, "\n_Opened by %s. Later failures with fingerprint %s are added here as comments._\n", toolSignature, Wiki(fingerprint))
	return truncateRunes(b.String(), maxBodyRunes)
}

// FailureComment is added to an open ticket on a repeated failure; suppressed
// counts failures the spam guard kept quiet since the last comment.
func FailureComment(r Run, suppressed, perDay int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CI failed again: %s.\n", link(runText(r), r.RunURL()))
	fmt.Fprintf(&b, "* Commit: %s\n", link(orUnknown(r.ShortSHA()), r.CommitURL()))
	fmt.Fprintf(&b, "* Branch: %s\n", Wiki(orUnknown(r.Branch)))
	fmt.Fprintf(&b, "* Failing step: %s\n", Wiki(orUnknown(r.Step)))
	fmt.Fprintf(&b, "* Attempt: %s\n", Wiki(r.RunAttempt))
	fmt.Fprintf(&b, "* Triggered by: %s\n", Wiki(actorText(r)))
	if suppressed > 0 {
		noun := "failures"
		if suppressed == 1 {
			noun = "failure"
		}
		fmt.Fprintf(&b, "\n(i) %d more %s since the last comment were not posted (spam guard: at most %d comments per day).\n", suppressed, noun, perDay)
	}
	return b.String()
}

// GreenComment is posted before closing the ticket on a green run.
func GreenComment(r Run, transition string) string {
	return fmt.Sprintf("(/) CI is green again: %s on commit %s (branch %s, triggered by %s). Closing with transition \"%s\".\n",
		link(runText(r), r.RunURL()), link(orUnknown(r.ShortSHA()), r.CommitURL()), Wiki(orUnknown(r.Branch)), Wiki(actorText(r)), Wiki(transition))
}
