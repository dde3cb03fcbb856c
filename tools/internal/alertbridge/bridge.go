package alertbridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/redact"
)

// Jira is the slice of *jira.Client the bridge uses.
type Jira interface {
	FindByLabel(ctx context.Context, project, label string, openOnly bool) (jira.LabelledIssue, bool, error)
	Create(ctx context.Context, r jira.CreateRequest) (jira.Issue, error)
	CreateServiceDeskRequest(ctx context.Context, r jira.ServiceDeskRequest) (jira.Issue, error)
	Update(ctx context.Context, key string, addLabels []string, comment string) error
	Transitions(ctx context.Context, key string) ([]jira.Transition, error)
	DoTransition(ctx context.Context, key, id string) error
}

// Config is what the bridge files and where.
type Config struct {
	// Project is the Jira project key (the service desk's project with JSM).
	Project string
	// ServiceDeskID and RequestTypeID select a JSM request type; when both are
	// empty a plain issue of IssueType is created in Project instead.
	ServiceDeskID string
	RequestTypeID string
	IssueType     string
	// ResolveTransition is the name of the transition applied when the last
	// incident of a ticket closes (matched case-insensitively, or by target status).
	ResolveTransition string
	// Window: an open of a policy that already has an open ticket created
	// less than Window ago is commented on that ticket instead of filed anew.
	Window time.Duration
	// RunbookURL is the service's runbook (its docs/), linked from every ticket.
	RunbookURL string
	// Priorities maps a severity label (critical, error, warning …) to a Jira priority name.
	Priorities map[string]string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultPriorities maps Cloud Monitoring's policy severities to Jira's default priority scheme.
var DefaultPriorities = map[string]string{"critical": "Highest", "error": "High", "warning": "Medium"}

// Outcome says what a notification did.
type Outcome struct {
	Action string `json:"action"` // created, merged, duplicate, closed, resolved
	Key    string `json:"key"`
}

// Actions.
const (
	Created   = "created"   // a new ticket
	Merged    = "merged"    // commented on the open ticket of the same policy
	Duplicate = "duplicate" // a redelivery: nothing to do
	Closed    = "closed"    // commented; other incidents of the ticket are still open
	Resolved  = "resolved"  // commented and transitioned
)

// Labels the bridge puts on tickets.
const (
	LabelAlert        = "alert"
	prefixFingerprint = "alert-"
	prefixPolicy      = "alert-policy-"
	prefixClosed      = "alert-closed-"
)

// Fingerprint is the label that identifies one incident of one policy.
func Fingerprint(in Incident) string {
	return prefixFingerprint + digest(in.IncidentID+"\n"+in.PolicyName, 16)
}

// PolicyLabel is the label shared by every ticket of one policy.
func PolicyLabel(policy string) string { return prefixPolicy + digest(policy, 12) }

// closedLabel marks an incident of a ticket as closed.
func closedLabel(fingerprint string) string {
	return prefixClosed + strings.TrimPrefix(fingerprint, prefixFingerprint)
}

func digest(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// Bridge applies notifications to Jira. Safe for concurrent use: the
// notifications of one policy are applied one at a time.
type Bridge struct {
	jira   Jira
	cfg    Config
	redact *redact.Redactor

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	memo  *memo
}

// New returns a Bridge; red masks secrets in the text copied from payloads.
func New(j Jira, cfg Config, red *redact.Redactor) (*Bridge, error) {
	if cfg.Project == "" {
		return nil, errors.New("missing Jira project")
	}
	if (cfg.ServiceDeskID == "") != (cfg.RequestTypeID == "") {
		return nil, errors.New("a service desk needs both its id and a request type id")
	}
	if cfg.ServiceDeskID == "" && cfg.IssueType == "" {
		return nil, errors.New("missing issue type for plain Jira issues")
	}
	if cfg.ResolveTransition == "" {
		return nil, errors.New("missing resolve transition")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Priorities == nil {
		cfg.Priorities = DefaultPriorities
	}
	if red == nil {
		red = redact.New()
	}
	return &Bridge{jira: j, cfg: cfg, redact: red, locks: map[string]*sync.Mutex{}, memo: newMemo(4096)}, nil
}

func (b *Bridge) lock(policy string) func() {
	b.mu.Lock()
	l, ok := b.locks[policy]
	if !ok {
		l = &sync.Mutex{}
		b.locks[policy] = l
	}
	b.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Apply carries out one notification. Every step looks at Jira (or at what
// this process wrote) before it writes, so a redelivery after any failure
// finishes the work without repeating it. Errors are Jira's (answer 503).
func (b *Bridge) Apply(ctx context.Context, n Notification) (Outcome, error) {
	in := n.Incident
	defer b.lock(in.PolicyName)()
	ticket, out, err := b.ensureOpen(ctx, in)
	if err != nil || in.State == StateOpen {
		return out, err
	}
	return b.close(ctx, in, ticket)
}

// ensureOpen finds the incident's ticket, or merges it into the policy's
// open ticket, or files a new one. A close whose open never arrived files
// the ticket too, so that no incident is lost.
func (b *Bridge) ensureOpen(ctx context.Context, in Incident) (jira.LabelledIssue, Outcome, error) {
	fp := Fingerprint(in)
	if t, ok := b.memo.get(fp); ok {
		return t, Outcome{Action: Duplicate, Key: t.Key}, nil
	}
	t, found, err := b.jira.FindByLabel(ctx, b.cfg.Project, fp, false)
	if err != nil {
		return t, Outcome{}, fmt.Errorf("find incident %s: %w", fp, err)
	}
	if found {
		b.memo.put(fp, t)
		return t, Outcome{Action: Duplicate, Key: t.Key}, nil
	}
	policy := PolicyLabel(in.PolicyName)
	open, found, err := b.openForPolicy(ctx, policy)
	if err != nil {
		return t, Outcome{}, err
	}
	if found && b.cfg.Now().Sub(open.Created) < b.cfg.Window {
		if err := b.jira.Update(ctx, open.Key, []string{fp}, b.mergeComment(in)); err != nil {
			return t, Outcome{}, fmt.Errorf("merge incident into %s: %w", open.Key, err)
		}
		open.Labels = appendNew(open.Labels, fp)
		b.remember(open)
		return open, Outcome{Action: Merged, Key: open.Key}, nil
	}
	labels := []string{LabelAlert, policy, fp}
	summary := truncate(b.redact.String(fmt.Sprintf("[%s] %s", orDash(in.SeverityLabel()), in.PolicyName)), 250)
	desc := b.description(in, fp)
	prio := b.cfg.Priorities[in.SeverityLabel()]
	var created jira.Issue
	if b.cfg.ServiceDeskID != "" {
		created, err = b.jira.CreateServiceDeskRequest(ctx, jira.ServiceDeskRequest{
			ServiceDeskID: b.cfg.ServiceDeskID, RequestTypeID: b.cfg.RequestTypeID,
			Summary: summary, Description: desc, Labels: labels, Priority: prio,
		})
	} else {
		created, err = b.jira.Create(ctx, jira.CreateRequest{
			Project: b.cfg.Project, IssueType: b.cfg.IssueType,
			Summary: summary, Description: desc, Labels: labels, Priority: prio,
		})
	}
	if err != nil {
		return t, Outcome{}, fmt.Errorf("file incident %s: %w", fp, err)
	}
	t = jira.LabelledIssue{Issue: created, Labels: labels, Created: b.cfg.Now()}
	b.remember(t)
	return t, Outcome{Action: Created, Key: t.Key}, nil
}

// openForPolicy is the policy's newest open ticket: Jira's answer, or, when
// Jira's search does not show it yet (Jira Cloud's search lags behind its
// writes), the ticket this process filed or merged into last.
func (b *Bridge) openForPolicy(ctx context.Context, policy string) (jira.LabelledIssue, bool, error) {
	t, found, err := b.jira.FindByLabel(ctx, b.cfg.Project, policy, true)
	if err != nil {
		return t, false, fmt.Errorf("find open ticket of policy %s: %w", policy, err)
	}
	if found {
		return t, true, nil
	}
	if t, ok := b.memo.get(policy); ok && !t.Done && b.cfg.Now().Sub(t.Created) < SearchLag {
		return t, true, nil
	}
	return t, false, nil
}

// SearchLag is how long a ticket this process filed may stay invisible to
// Jira's search (Jira Cloud indexes asynchronously, usually within seconds).
// Past it, Jira's answer alone says whether the policy has an open ticket,
// so that a ticket resolved by hand is not merged into.
const SearchLag = 2 * time.Minute

// remember records t under each of its incident fingerprints and its policy label.
func (b *Bridge) remember(t jira.LabelledIssue) {
	for _, l := range t.Labels {
		if isFingerprint(l) || strings.HasPrefix(l, prefixPolicy) {
			b.memo.put(l, t)
		}
	}
}

// close comments the incident's end on its ticket and, when every incident
// merged into the ticket has closed, applies the resolve transition.
func (b *Bridge) close(ctx context.Context, in Incident, t jira.LabelledIssue) (Outcome, error) {
	fp := Fingerprint(in)
	closed := closedLabel(fp)
	action := Duplicate
	if !slices.Contains(t.Labels, closed) {
		if err := b.jira.Update(ctx, t.Key, []string{closed}, b.closeComment(in)); err != nil {
			return Outcome{}, fmt.Errorf("comment close of %s on %s: %w", fp, t.Key, err)
		}
		t.Labels = appendNew(t.Labels, closed)
		b.remember(t)
		action = Closed
	}
	if t.Done || !allClosed(t.Labels) {
		return Outcome{Action: action, Key: t.Key}, nil
	}
	if err := b.resolve(ctx, t.Key); err != nil {
		// Someone may have resolved the ticket by hand (then the transition is
		// no longer offered): Jira's view decides.
		now, found, ferr := b.jira.FindByLabel(ctx, b.cfg.Project, fp, false)
		if ferr != nil || !found || !now.Done {
			return Outcome{}, err
		}
	}
	t.Done = true
	b.remember(t)
	return Outcome{Action: Resolved, Key: t.Key}, nil
}

func (b *Bridge) resolve(ctx context.Context, key string) error {
	ts, err := b.jira.Transitions(ctx, key)
	if err != nil {
		return fmt.Errorf("list transitions of %s: %w", key, err)
	}
	for _, tr := range ts {
		if strings.EqualFold(tr.Name, b.cfg.ResolveTransition) || strings.EqualFold(tr.ToName, b.cfg.ResolveTransition) {
			if err := b.jira.DoTransition(ctx, key, tr.ID); err != nil {
				return fmt.Errorf("resolve %s: %w", key, err)
			}
			return nil
		}
	}
	return fmt.Errorf("resolve %s: no transition named %q is available", key, b.cfg.ResolveTransition)
}

// allClosed reports whether every incident fingerprint among labels has its closed label.
func allClosed(labels []string) bool {
	incidents := 0
	for _, l := range labels {
		if !isFingerprint(l) {
			continue
		}
		incidents++
		if !slices.Contains(labels, closedLabel(l)) {
			return false
		}
	}
	return incidents > 0
}

func isFingerprint(l string) bool {
	return strings.HasPrefix(l, prefixFingerprint) && !strings.HasPrefix(l, prefixPolicy) && !strings.HasPrefix(l, prefixClosed)
}

func (b *Bridge) description(in Incident, fp string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Cloud Monitoring opened incident [%s|%s] for alert policy *%s*.\n\n", in.IncidentID, in.URL, in.PolicyName)
	fmt.Fprintf(&s, "* Condition: %s\n", orDash(in.ConditionName))
	fmt.Fprintf(&s, "* Severity: %s\n", orDash(in.SeverityLabel()))
	fmt.Fprintf(&s, "* Resource: %s %s\n", orDash(in.Resource.Type), orDash(in.ResourceName))
	fmt.Fprintf(&s, "* Started: %s\n", in.Started().Format(time.RFC3339))
	if b.cfg.RunbookURL != "" {
		fmt.Fprintf(&s, "* Runbook: [%s]\n", b.cfg.RunbookURL)
	}
	for _, l := range in.Documentation.Links {
		fmt.Fprintf(&s, "* %s: [%s]\n", orDash(l.DisplayName), l.URL)
	}
	fmt.Fprintf(&s, "\n%s\n", orDash(in.Summary))
	if c := strings.TrimSpace(in.Documentation.Content); c != "" {
		fmt.Fprintf(&s, "\n{noformat}\n%s\n{noformat}\n", c)
	}
	fmt.Fprintf(&s, "\nFiled by alertbridge; fingerprint %s.", fp)
	return b.redact.String(s.String())
}

func (b *Bridge) mergeComment(in Incident) string {
	return b.redact.String(fmt.Sprintf("Cloud Monitoring opened incident [%s|%s] of the same policy again at %s: %s",
		in.IncidentID, in.URL, in.Started().Format(time.RFC3339), orDash(in.Summary)))
}

func (b *Bridge) closeComment(in Incident) string {
	d := in.Ended().Sub(in.Started())
	return b.redact.String(fmt.Sprintf("Cloud Monitoring closed incident [%s|%s] at %s after %s: %s",
		in.IncidentID, in.URL, in.Ended().Format(time.RFC3339), d, orDash(in.Summary)))
}

func appendNew(labels []string, l string) []string {
	if slices.Contains(labels, l) {
		return labels
	}
	return append(slices.Clone(labels), l)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// memo is this process's record of the tickets it touched, by label, bounded
// (first in, first out). Jira Cloud's search is eventually consistent: without
// it a redelivery seconds after a create could file a second ticket.
type memo struct {
	mu    sync.Mutex
	max   int
	order []string
	byKey map[string]jira.LabelledIssue
}

func newMemo(max int) *memo { return &memo{max: max, byKey: map[string]jira.LabelledIssue{}} }

func (m *memo) get(label string) (jira.LabelledIssue, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byKey[label]
	return t, ok
}

func (m *memo) put(label string, t jira.LabelledIssue) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byKey[label]; !ok {
		m.order = append(m.order, label)
		if len(m.order) > m.max {
			delete(m.byKey, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.byKey[label] = t
}
