// Package alertbridge turns Cloud Monitoring webhook notifications (incident
// payload, schema version 1.2) into Jira incidents: one Jira Service
// Management request (or plain Jira issue) per incident, deduplicated by a
// fingerprint label so that redeliveries never duplicate, merged with the open
// incident of the same policy within a window, commented and resolved when
// the incident closes. It holds the HTTP handler (auth, problem+json, 503 when
// Jira fails so Cloud Monitoring retries) and the decision logic.
//
// It is not a Jira client (tools/internal/jira is), not a retry policy
// (tools/internal/httpretry is) and not a general alert router: other
// notification schemas and channels are out of scope.
package alertbridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// SchemaVersion is the only webhook payload version the bridge reads.
const SchemaVersion = "1.2"

// Notification is a Cloud Monitoring webhook body.
type Notification struct {
	Incident Incident `json:"incident"`
	Version  string   `json:"version"`
}

// Incident is the part of the 1.2 incident object the bridge uses; other
// documented fields are ignored.
type Incident struct {
	IncidentID       string            `json:"incident_id"`
	ScopingProjectID string            `json:"scoping_project_id"`
	URL              string            `json:"url"`
	Severity         string            `json:"severity"`
	State            string            `json:"state"`
	StartedAt        int64             `json:"started_at"`
	EndedAt          *int64            `json:"ended_at"`
	Summary          string            `json:"summary"`
	PolicyName       string            `json:"policy_name"`
	PolicyUserLabels map[string]string `json:"policy_user_labels"`
	ConditionName    string            `json:"condition_name"`
	ResourceName     string            `json:"resource_name"`
	Resource         struct {
		Type   string            `json:"type"`
		Labels map[string]string `json:"labels"`
	} `json:"resource"`
	Documentation struct {
		Content string `json:"content"`
		Links   []struct {
			DisplayName string `json:"displayName"`
			URL         string `json:"url"`
		} `json:"links"`
	} `json:"documentation"`
}

// States of an incident.
const (
	StateOpen   = "open"
	StateClosed = "closed"
)

// ErrBadPayload marks a body the bridge cannot act on (answered 400).
var ErrBadPayload = errors.New("bad notification payload")

// MaxBody is the largest body read; Cloud Monitoring's payloads are a few KiB.
const MaxBody = 1 << 20

// Decode reads and validates one notification.
func Decode(r io.Reader) (Notification, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return Notification{}, fmt.Errorf("read body: %w", err)
	}
	if len(b) > MaxBody {
		return Notification{}, fmt.Errorf("%w: body larger than %d bytes", ErrBadPayload, MaxBody)
	}
	var n Notification
	if err := json.Unmarshal(b, &n); err != nil {
		return Notification{}, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	n.Incident.State = strings.ToLower(strings.TrimSpace(n.Incident.State))
	if err := n.validate(); err != nil {
		return Notification{}, err
	}
	return n, nil
}

func (n Notification) validate() error {
	var errs []error
	if n.Version != SchemaVersion {
		errs = append(errs, fmt.Errorf("version %q is not %s", n.Version, SchemaVersion))
	}
	in := n.Incident
	if strings.TrimSpace(in.IncidentID) == "" {
		errs = append(errs, errors.New("incident.incident_id is empty"))
	}
	if strings.TrimSpace(in.PolicyName) == "" {
		errs = append(errs, errors.New("incident.policy_name is empty"))
	}
	if in.StartedAt <= 0 {
		errs = append(errs, errors.New("incident.started_at is missing"))
	}
	switch in.State {
	case StateOpen:
	case StateClosed:
		if in.EndedAt == nil || *in.EndedAt < in.StartedAt {
			errs = append(errs, errors.New("closed incident has no ended_at at or after started_at"))
		}
	default:
		errs = append(errs, fmt.Errorf("incident.state %q is neither open nor closed", in.State))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrBadPayload, errors.Join(errs...))
	}
	return nil
}

// Started is when the incident began.
func (in Incident) Started() time.Time { return time.Unix(in.StartedAt, 0).UTC() }

// Ended is when the incident ended (zero while open).
func (in Incident) Ended() time.Time {
	if in.EndedAt == nil {
		return time.Time{}
	}
	return time.Unix(*in.EndedAt, 0).UTC()
}

// SeverityLabel is the alert's severity: the policy's severity (schema 1.2
// "severity": Critical, Error, Warning or "No severity"), else a user label
// "severity" on the policy, lower-cased; "" when neither says.
func (in Incident) SeverityLabel() string {
	s := strings.ToLower(strings.TrimSpace(in.Severity))
	if s == "" || s == "no severity" {
		s = strings.ToLower(strings.TrimSpace(in.PolicyUserLabels["severity"]))
	}
	return s
}
