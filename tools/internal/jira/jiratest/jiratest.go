// Package jiratest is an in-memory Jira for tests: a loopback httptest server
// that answers the REST v2 endpoints the notifier uses with the request and
// response shapes Atlassian documents for Jira Cloud and Data Center, checks
// the flavour's auth header, and records every request for assertions.
//
// It reproduces the behaviours the notifier must survive: 410 Gone on Cloud's
// classic /rest/api/2/search, 400 on Cloud for go-jira's malformed comment
// body, eventual consistency of Cloud's search/jql (SearchLag), scripted 429 /
// 503 answers with Retry-After, and connections dropped before or after the
// server acted. For the alert bridge it also answers Jira Service Management's
// POST /rest/servicedeskapi/request (desks and request types registered with
// AddServiceDesk), the edit PUT /rest/api/2/issue/{key} (labels and comment
// "update" operations) and random refusals (SetChaos). It is not a Jira
// emulator: JQL is matched only in the shapes jira.LabelJQL produces.
package jiratest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Flavours, as in package jira (kept as strings to avoid an import cycle in its tests).
const (
	Cloud      = "cloud"
	DataCenter = "datacenter"
)

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string // "basic:<user>", "bearer" or "none"; never the secret itself
	Body   string
}

// Issue is a stored ticket.
type Issue struct {
	ID             string
	Key            string
	Project        string
	Summary        string
	Labels         []string
	Status         string
	StatusCategory string // "new", "indeterminate" or "done"
	Fields         map[string]json.RawMessage
	Comments       []string
	Properties     map[string]json.RawMessage
	Created        time.Time
	Resolved       time.Time // set when a transition reaches the done category
	// ServiceDeskID and RequestTypeID are set on issues raised as JSM requests.
	ServiceDeskID, RequestTypeID string
	searchesHidden               int
}

// Transition is offered on every issue.
type Transition struct {
	ID, Name, To, ToCategory string
}

// Fault is a scripted answer to the next matching request(s).
type Fault struct {
	Method, Path string // Path is matched exactly
	Status       int
	Header       map[string]string
	Body         string
	// Drop closes the connection without an answer. With DropAfter the
	// request is carried out first (the client cannot know it succeeded).
	Drop      bool
	DropAfter bool
	Times     int // how many matching requests it applies to (1 when 0)
}

// Server is the fake Jira.
type Server struct {
	*httptest.Server

	Flavour              string
	Email, APIToken, PAT string
	mu                   sync.Mutex
	issues               []*Issue
	requests             []Request
	faults               []*Fault
	nextID               int
	transitions          []Transition
	searchLag            int
	now                  func() time.Time
	serviceDesks         map[string]serviceDesk
	chaos                func(method, path string) int
}

type serviceDesk struct {
	project      string
	requestTypes []string
}

// New starts a fake Jira of the given flavour accepting exactly these credentials.
func New(t testing.TB, flavour string, email, apiToken, pat string) *Server {
	t.Helper()
	s := &Server{
		Flavour: flavour, Email: email, APIToken: apiToken, PAT: pat, nextID: 10000, now: time.Now,
		serviceDesks: map[string]serviceDesk{},
		transitions: []Transition{
			{ID: "11", Name: "Start Progress", To: "In Progress", ToCategory: "indeterminate"},
			{ID: "31", Name: "Done", To: "Done", ToCategory: "done"},
			{ID: "41", Name: "Won't Do", To: "Closed", ToCategory: "done"},
		},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// SetTransitions replaces the transitions offered on every issue.
func (s *Server) SetTransitions(ts ...Transition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transitions = ts
}

// SetSearchLag makes each newly created issue invisible to the next n
// searches (Cloud's search/jql is eventually consistent).
func (s *Server) SetSearchLag(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLag = n
}

// SetClock sets the clock that stamps created issues.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddServiceDesk registers a JSM service desk of project with its request type ids.
func (s *Server) AddServiceDesk(id, project string, requestTypeIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serviceDesks[id] = serviceDesk{project: project, requestTypes: requestTypeIDs}
}

// SetChaos makes the server refuse requests before acting: refuse returns the
// status to answer (429 or 503, with Retry-After: 1) or 0 to serve normally.
// It is called under the server's lock, so it may use an unsynchronised rand.
func (s *Server) SetChaos(refuse func(method, path string) int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = refuse
}

// AddFault queues a scripted answer.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Seed stores an existing issue and returns its key.
func (s *Server) Seed(is Issue) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store(&is).Key
}

// Issues returns copies of the stored issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, is := range s.issues {
		c := *is
		c.Comments = slices.Clone(is.Comments)
		c.Labels = slices.Clone(is.Labels)
		out = append(out, c)
	}
	return out
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Calls returns rs as "METHOD /path" lines (no query, no body), in order: what
// a test compares to say which endpoints a client called.
func Calls(rs []Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (s *Server) store(is *Issue) *Issue {
	s.nextID++
	is.ID = fmt.Sprint(s.nextID)
	if is.Project == "" {
		is.Project = "OPS"
	}
	if is.Key == "" {
		n := 0
		for _, o := range s.issues {
			if o.Project == is.Project {
				n++
			}
		}
		is.Key = fmt.Sprintf("%s-%d", is.Project, n+1)
	}
	if is.Status == "" {
		is.Status, is.StatusCategory = "To Do", "new"
	}
	if is.Properties == nil {
		is.Properties = map[string]json.RawMessage{}
	}
	if is.Created.IsZero() {
		is.Created = s.now()
	}
	s.issues = append(s.issues, is)
	return is
}

func (s *Server) authKind(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		user, pass, _ := strings.Cut(string(raw), ":")
		kind := "basic:" + user
		return kind, err == nil && s.Flavour == Cloud && user == s.Email && pass == s.APIToken
	case strings.HasPrefix(h, "Bearer "):
		return "bearer", s.Flavour == DataCenter && strings.TrimPrefix(h, "Bearer ") == s.PAT
	case h == "":
		return "none", false
	default:
		return "other", false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jiraError(w http.ResponseWriter, status int, msgs []string, fields map[string]string) {
	if msgs == nil {
		msgs = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": msgs, "errors": fields})
}

var (
	reComment     = regexp.MustCompile(`^/rest/api/2/issue/([^/]+)/comment$`)
	reTransitions = regexp.MustCompile(`^/rest/api/2/issue/([^/]+)/transitions$`)
	reProperty    = regexp.MustCompile(`^/rest/api/2/issue/([^/]+)/properties/([^/]+)$`)
	reIssue       = regexp.MustCompile(`^/rest/api/2/issue/([^/]+)$`)
	reJQL         = regexp.MustCompile(`^project = "([^"]+)" AND labels = "([^"]+)"( AND statusCategory != Done)?(?: AND created >= "(\d{4}-\d{2}-\d{2})")? ORDER BY created DESC$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	kind, authOK := s.authKind(r)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: kind, Body: string(body)})
	var fault *Fault
	for _, f := range s.faults {
		if f.Times > 0 && f.Method == r.Method && f.Path == r.URL.Path {
			f.Times--
			fault = f
			break
		}
	}
	refuse := 0
	if fault == nil && s.chaos != nil {
		refuse = s.chaos(r.Method, r.URL.Path)
	}
	s.mu.Unlock()

	if refuse != 0 {
		w.Header().Set("Retry-After", "1")
		jiraError(w, refuse, []string{http.StatusText(refuse)}, nil)
		return
	}

	if fault != nil && !fault.DropAfter {
		if fault.Drop {
			drop(w)
			return
		}
		for k, v := range fault.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(fault.Status)
		_, _ = io.WriteString(w, fault.Body)
		return
	}
	if !authOK {
		// Jira answers 401 with a JSON body for bad or missing credentials.
		jiraError(w, http.StatusUnauthorized, []string{"You are not authenticated. Authentication required to perform this operation."}, nil)
		return
	}
	if fault != nil && fault.DropAfter {
		s.handle(httptest.NewRecorder(), r, body)
		drop(w)
		return
	}
	s.handle(w, r, body)
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("jiratest: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && p == "/rest/api/2/search":
		if s.Flavour == Cloud {
			// CHANGE-2046: the classic search is gone on Cloud.
			jiraError(w, http.StatusGone, []string{"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"}, nil)
			return
		}
		found, ok := s.search(w, r)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"expand": "schema,names", "startAt": 0, "maxResults": maxResults(r), "total": len(found), "issues": limit(found, maxResults(r))})
	case r.Method == http.MethodGet && p == "/rest/api/2/search/jql":
		if s.Flavour != Cloud {
			jiraError(w, http.StatusNotFound, []string{"null for uri: " + r.URL.String()}, nil)
			return
		}
		found, ok := s.search(w, r)
		if !ok {
			return
		}
		// The enhanced search has no total; isLast/nextPageToken page it.
		writeJSON(w, http.StatusOK, map[string]any{"issues": limit(found, maxResults(r)), "isLast": len(found) <= maxResults(r)})
	case r.Method == http.MethodPost && p == "/rest/api/2/issue":
		s.create(w, body)
	case r.Method == http.MethodPost && p == "/rest/servicedeskapi/request":
		s.createRequest(w, body)
	case r.Method == http.MethodPut && reIssue.MatchString(p):
		s.edit(w, reIssue.FindStringSubmatch(p)[1], body)
	case r.Method == http.MethodPost && reComment.MatchString(p):
		s.comment(w, reComment.FindStringSubmatch(p)[1], body)
	case r.Method == http.MethodGet && reTransitions.MatchString(p):
		is := s.byKey(reTransitions.FindStringSubmatch(p)[1])
		if is == nil {
			jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
			return
		}
		ts := []map[string]any{}
		for _, t := range s.transitions {
			ts = append(ts, map[string]any{"id": t.ID, "name": t.Name, "hasScreen": false, "isAvailable": true,
				"to": map[string]any{"name": t.To, "statusCategory": map[string]any{"key": t.ToCategory}}, "fields": map[string]any{}})
		}
		writeJSON(w, http.StatusOK, map[string]any{"expand": "transitions", "transitions": ts})
	case r.Method == http.MethodPost && reTransitions.MatchString(p):
		s.transition(w, reTransitions.FindStringSubmatch(p)[1], body)
	case r.Method == http.MethodGet && reProperty.MatchString(p):
		m := reProperty.FindStringSubmatch(p)
		is := s.byKey(m[1])
		if is == nil {
			jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
			return
		}
		v, ok := is.Properties[m[2]]
		if !ok {
			jiraError(w, http.StatusNotFound, []string{fmt.Sprintf("The property with key '%s' does not exist.", m[2])}, nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"key": m[2], "value": v})
	case r.Method == http.MethodPut && reProperty.MatchString(p):
		m := reProperty.FindStringSubmatch(p)
		is := s.byKey(m[1])
		if is == nil {
			jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
			return
		}
		if !json.Valid(body) {
			jiraError(w, http.StatusBadRequest, []string{"The property value must be valid JSON."}, nil)
			return
		}
		_, existed := is.Properties[m[2]]
		is.Properties[m[2]] = json.RawMessage(body)
		if existed {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
	default:
		jiraError(w, http.StatusNotFound, []string{"null for uri: " + r.URL.String()}, nil)
	}
}

// jiraTime is how Jira's REST v2 writes instants.
const jiraTime = "2006-01-02T15:04:05.000-0700"

func maxResults(r *http.Request) int {
	var n int
	if _, err := fmt.Sscan(r.URL.Query().Get("maxResults"), &n); err != nil || n <= 0 {
		return 50
	}
	return n
}

func limit(v []map[string]any, n int) []map[string]any {
	if len(v) > n {
		return v[:n]
	}
	return v
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) ([]map[string]any, bool) {
	jql := r.URL.Query().Get("jql")
	m := reJQL.FindStringSubmatch(jql)
	if m == nil {
		jiraError(w, http.StatusBadRequest, []string{"Error in the JQL Query: the fake understands only jira.LabelJQL: " + jql}, nil)
		return nil, false
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	var out []map[string]any
	for i := len(s.issues) - 1; i >= 0; i-- { // ORDER BY created DESC
		is := s.issues[i]
		if is.Project != m[1] || !slices.Contains(is.Labels, m[2]) || m[3] != "" && is.StatusCategory == "done" {
			continue
		}
		if m[4] != "" && is.Created.UTC().Format(time.DateOnly) < m[4] {
			continue
		}
		if is.searchesHidden > 0 {
			is.searchesHidden--
			continue
		}
		item := map[string]any{"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/2/issue/" + is.ID}
		f := map[string]any{}
		if slices.Contains(fields, "summary") {
			f["summary"] = is.Summary
		}
		if slices.Contains(fields, "status") {
			f["status"] = map[string]any{"name": is.Status, "statusCategory": map[string]any{"key": is.StatusCategory}}
		}
		if slices.Contains(fields, "labels") {
			f["labels"] = append([]string{}, is.Labels...)
		}
		if slices.Contains(fields, "created") {
			f["created"] = is.Created.Format(jiraTime)
		}
		if slices.Contains(fields, "resolutiondate") {
			f["resolutiondate"] = nil
			if !is.Resolved.IsZero() {
				f["resolutiondate"] = is.Resolved.Format(jiraTime)
			}
		}
		if slices.Contains(fields, "description") {
			var d string
			_ = json.Unmarshal(is.Fields["description"], &d)
			f["description"] = d
		}
		if len(f) > 0 {
			item["fields"] = f
		}
		out = append(out, item)
	}
	return out, true
}

func (s *Server) create(w http.ResponseWriter, body []byte) {
	var req struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Fields == nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	var project struct{ Key string }
	var issueType struct{ Name string }
	var summary string
	var labels []string
	_ = json.Unmarshal(req.Fields["project"], &project)
	_ = json.Unmarshal(req.Fields["issuetype"], &issueType)
	_ = json.Unmarshal(req.Fields["summary"], &summary)
	_ = json.Unmarshal(req.Fields["labels"], &labels)
	errs := map[string]string{}
	if project.Key == "" {
		errs["project"] = "Specify a valid project ID or key"
	}
	if issueType.Name == "" {
		errs["issuetype"] = "Specify an issue type"
	}
	if summary == "" {
		errs["summary"] = "You must specify a summary of the issue."
	}
	if len(summary) > 255 {
		errs["summary"] = "Summary must be less than 255 characters."
	}
	for _, l := range labels {
		if strings.ContainsAny(l, " \t") {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	if len(errs) > 0 {
		jiraError(w, http.StatusBadRequest, nil, errs)
		return
	}
	is := s.store(&Issue{Project: project.Key, Summary: summary, Labels: labels, Fields: req.Fields})
	is.searchesHidden = s.searchLag
	writeJSON(w, http.StatusCreated, map[string]any{"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/2/issue/" + is.ID})
}

func (s *Server) comment(w http.ResponseWriter, key string, body []byte) {
	is := s.byKey(key)
	if is == nil {
		jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	if s.Flavour == Cloud {
		// Cloud rejects the read-only author objects and an empty visibility
		// that go-jira v1.17.0 sends (go-jira #604).
		for k := range req {
			if k != "body" && k != "visibility" && k != "properties" {
				jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
				return
			}
		}
		if v, ok := req["visibility"]; ok && (string(v) == "{}" || string(v) == "null") {
			jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
			return
		}
	}
	var text string
	if err := json.Unmarshal(req["body"], &text); err != nil || text == "" {
		jiraError(w, http.StatusBadRequest, nil, map[string]string{"comment": "Comment body can not be empty!"})
		return
	}
	is.Comments = append(is.Comments, text)
	writeJSON(w, http.StatusCreated, map[string]any{"id": fmt.Sprint(len(is.Comments)), "body": text,
		"self": s.URL + "/rest/api/2/issue/" + is.ID + "/comment/" + fmt.Sprint(len(is.Comments))})
}

func (s *Server) transition(w http.ResponseWriter, key string, body []byte) {
	is := s.byKey(key)
	if is == nil {
		jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	var req struct {
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	for _, t := range s.transitions {
		if t.ID == req.Transition.ID {
			is.Status, is.StatusCategory = t.To, t.ToCategory
			if t.ToCategory == "done" && is.Resolved.IsZero() {
				is.Resolved = s.now()
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	jiraError(w, http.StatusBadRequest, []string{fmt.Sprintf("Transition id '%s' is not valid for this issue.", req.Transition.ID)}, nil)
}

func (s *Server) byKey(key string) *Issue {
	for _, is := range s.issues {
		if is.Key == key || is.ID == key {
			return is
		}
	}
	return nil
}

// createRequest answers POST /rest/servicedeskapi/request as JSM does: 201
// with a CustomerRequestDTO, 400 for unknown request types or fields.
func (s *Server) createRequest(w http.ResponseWriter, body []byte) {
	var req struct {
		ServiceDeskID      string                     `json:"serviceDeskId"`
		RequestTypeID      string                     `json:"requestTypeId"`
		RequestFieldValues map[string]json.RawMessage `json:"requestFieldValues"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	desk, ok := s.serviceDesks[req.ServiceDeskID]
	if !ok {
		jiraError(w, http.StatusNotFound, []string{"The service desk does not exist or you do not have permission to access it."}, nil)
		return
	}
	if !slices.Contains(desk.requestTypes, req.RequestTypeID) {
		jiraError(w, http.StatusBadRequest, []string{"The request type you are trying to use does not exist or is not part of the service desk."}, nil)
		return
	}
	var summary string
	var labels []string
	_ = json.Unmarshal(req.RequestFieldValues["summary"], &summary)
	_ = json.Unmarshal(req.RequestFieldValues["labels"], &labels)
	if summary == "" {
		jiraError(w, http.StatusBadRequest, nil, map[string]string{"summary": "Summary is required."})
		return
	}
	for k := range req.RequestFieldValues {
		if !slices.Contains([]string{"summary", "description", "labels", "priority"}, k) {
			jiraError(w, http.StatusBadRequest, nil, map[string]string{k: "The field is not on the request type's form."})
			return
		}
	}
	is := s.store(&Issue{Project: desk.project, Summary: summary, Labels: labels, Fields: req.RequestFieldValues,
		ServiceDeskID: req.ServiceDeskID, RequestTypeID: req.RequestTypeID})
	is.searchesHidden = s.searchLag
	writeJSON(w, http.StatusCreated, map[string]any{
		"issueId": is.ID, "issueKey": is.Key, "requestTypeId": req.RequestTypeID, "serviceDeskId": req.ServiceDeskID,
		"createdDate":   map[string]any{"iso8601": is.Created.Format("2006-01-02T15:04:05-0700"), "epochMillis": is.Created.UnixMilli()},
		"currentStatus": map[string]any{"status": is.Status, "statusCategory": strings.ToUpper(is.StatusCategory)},
		"_links":        map[string]any{"web": s.URL + "/servicedesk/customer/portal/1/" + is.Key, "self": s.URL + "/rest/servicedeskapi/request/" + is.ID, "jiraRest": s.URL + "/rest/api/2/issue/" + is.ID},
	})
}

// edit answers PUT /rest/api/2/issue/{key} with "update" operations: labels
// add/remove and comment add; 204 on success.
func (s *Server) edit(w http.ResponseWriter, key string, body []byte) {
	is := s.byKey(key)
	if is == nil {
		jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	var req struct {
		Update struct {
			Labels []struct {
				Add    string `json:"add"`
				Remove string `json:"remove"`
			} `json:"labels"`
			Comment []struct {
				Add struct {
					Body string `json:"body"`
				} `json:"add"`
			} `json:"comment"`
		} `json:"update"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	for _, c := range req.Update.Comment {
		if c.Add.Body == "" {
			jiraError(w, http.StatusBadRequest, nil, map[string]string{"comment": "Comment body can not be empty!"})
			return
		}
	}
	for _, l := range req.Update.Labels {
		if strings.ContainsAny(l.Add, " \t") {
			jiraError(w, http.StatusBadRequest, nil, map[string]string{"labels": "The label '" + l.Add + "' contains spaces which is invalid."})
			return
		}
	}
	for _, l := range req.Update.Labels {
		if l.Add != "" && !slices.Contains(is.Labels, l.Add) {
			is.Labels = append(is.Labels, l.Add)
		}
		if l.Remove != "" {
			is.Labels = slices.DeleteFunc(is.Labels, func(v string) bool { return v == l.Remove })
		}
	}
	for _, c := range req.Update.Comment {
		is.Comments = append(is.Comments, c.Add.Body)
	}
	w.WriteHeader(http.StatusNoContent)
}
