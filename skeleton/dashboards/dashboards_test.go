package dashboards_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/dashboards"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/sqlitestore"
)

// dashboard is the part of Grafana's dashboard JSON the tests read.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

func load(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(dashboards.Grafana)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("parse grafana.json: %v", err)
	}
	return d
}

// allPanels flattens rows.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// exportedNames runs the service's real handler, store decorator and
// hooks against one registry and returns the metric names it exposes,
// with the _bucket/_sum/_count series of histograms and summaries. Nothing
// is hard-coded: a metric that is renamed or never registered is missing.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	store := metrics.InstrumentStore(s, m)
	now := time.Now().UTC()
	ev := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusBoarding, Timestamp: now.Add(-time.Minute)}
	ev.EventID = flightevents.DeriveEventID(ev.FlightID, ev.Status, ev.Timestamp)
	if _, err := store.WriteEvents(t.Context(), []flightevents.Event{ev}); err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Deps{
		Store:   store,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Cache:   httpapi.NewCache(httpapi.CacheConfig{Metrics: m}),
		Metrics: m,
	}, httpapi.Config{DisableDocs: true})
	for _, p := range []string{"/datos", "/datos", "/readyz", "/nope"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, p, nil))
	}
	// A store failure, and the hooks the subscriber and the BigQuery cost
	// report call.
	_ = s.Close()
	_ = store.Ping(t.Context())
	m.MessageReceived()
	m.BatchWritten(1, flightevents.WriteResult{Written: 1})
	m.MessageDeadLettered("invalid_status")
	m.MessagesNacked(1)
	m.DryRun(1<<20, 10<<20, 0.00006, nil)

	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		switch f.GetType().String() {
		case "HISTOGRAM", "GAUGE_HISTOGRAM":
			for _, sfx := range []string{"_bucket", "_sum", "_count"} {
				names[f.GetName()+sfx] = true
			}
		case "SUMMARY":
			for _, sfx := range []string{"_sum", "_count"} {
				names[f.GetName()+sfx] = true
			}
		}
	}
	return names
}

var (
	stringLit   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	grafanaVar  = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
	braces      = regexp.MustCompile(`\{[^{}]*\}|\[[^\[\]]*\]`)
	grouping    = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	offset      = regexp.MustCompile(`\boffset\s+-?\w+`)
	number      = regexp.MustCompile(`(^|[^\w:.])(\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+)`)
	identifier  = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promqlWords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "by": true, "without": true,
		"on": true, "ignoring": true, "group_left": true, "group_right": true, "offset": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression (or Grafana
// label_values query) selects: the identifiers left once strings, label
// matchers, ranges, grouping clauses, numbers, Grafana variables and
// function calls are set aside.
func metricNames(expr string) []string {
	s := stringLit.ReplaceAllString(expr, `""`)
	s = grafanaVar.ReplaceAllString(s, " ")
	for prev := ""; prev != s; {
		prev, s = s, braces.ReplaceAllString(s, " ")
	}
	s = grouping.ReplaceAllString(s, " ")
	s = offset.ReplaceAllString(s, " ")
	s = number.ReplaceAllString(s, "$1 ")
	var names []string
	for _, loc := range identifier.FindAllStringIndex(s, -1) {
		word := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		if promqlWords[strings.ToLower(word)] || strings.HasPrefix(rest, "(") {
			continue // operator keyword, or a function/aggregation call
		}
		if !slices.Contains(names, word) {
			names = append(names, word)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		expr string
		want []string
	}{
		{name: "selector", expr: `up`, want: []string{"up"}},
		{name: "matchers_and_range", expr: `rate(a_total{job=~"$job",code=~"5.."}[$__rate_interval])`, want: []string{"a_total"}},
		{name: "aggregation_by", expr: `sum by (route, code) (rate(x_total[5m])) * 60`, want: []string{"x_total"}},
		{name: "histogram_quantile", expr: `histogram_quantile(0.99, sum by (le) (rate(h_seconds_bucket{job="a"}[1m])))`, want: []string{"h_seconds_bucket"}},
		{name: "binary_op_two_metrics", expr: `sum(rate(a_sum[1m])) / on() group_left sum(rate(a_count[1m]))`, want: []string{"a_sum", "a_count"}},
		{name: "scientific_number_offset", expr: `b_bytes / 1e6 offset 5m and c`, want: []string{"b_bytes", "c"}},
		{name: "label_values", expr: `label_values(flightevents_http_requests_total, job)`, want: []string{"flightevents_http_requests_total", "job"}},
		{name: "grafana_range_variable", expr: `sum(increase(d_total{job=~"${job:regex}"}[$__range]))`, want: []string{"d_total"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(metricNames(tc.expr), tc.want); diff != "" {
				t.Errorf("metricNames(%q) (-got +want):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestPanelsQueryExportedMetrics(t *testing.T) {
	t.Parallel()
	d := load(t)
	exported := exportedNames(t)
	ids := map[int]string{}
	var queries int
	for _, p := range allPanels(d.Panels) {
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", prev, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no queries", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the datasource variable", p.Title)
		}
		for _, tg := range p.Targets {
			names := metricNames(tg.Expr)
			if len(names) == 0 {
				t.Errorf("panel %q query %s selects no metric: %q", p.Title, tg.RefID, tg.Expr)
			}
			for _, n := range names {
				queries++
				if !exported[n] {
					t.Errorf("panel %q query %s uses %s, which the service does not export", p.Title, tg.RefID, n)
				}
			}
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		if names := metricNames(q.Query); len(names) == 0 || !exported[names[0]] {
			t.Errorf("variable %s queries %q, not an exported metric", v.Name, q.Query)
		}
	}
	if queries < 15 {
		t.Errorf("checked %d metric references, want the whole dashboard's", queries)
	}
}

func TestDashboardHasTheSeedPanels(t *testing.T) {
	t.Parallel()
	d := load(t)
	var titles []string
	for _, p := range allPanels(d.Panels) {
		titles = append(titles, p.Title)
	}
	for _, want := range []string{"Messages processed", "Errors per minute", "Average response time", "p99 response time"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no %q panel; panels: %q", want, titles)
		}
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q title %q: both are needed for provisioning", d.UID, d.Title)
	}
}

// ruleFile is the part of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert  string            `json:"alert"`
			Expr   string            `json:"expr"`
			For    string            `json:"for"`
			Labels map[string]string `json:"labels"`
			Annot  map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// TestAlertsQueryExportedMetrics: every alert rule (Cloud Monitoring
// evaluates them as PromQL over Managed Service for Prometheus) names only
// metrics the real registry exports, groups by the Cloud Run service the
// GMP sidecar labels, and the three alerts only the app can raise exist.
func TestAlertsQueryExportedMetrics(t *testing.T) {
	t.Parallel()
	var f ruleFile
	dec := json.NewDecoder(strings.NewReader(string(dashboards.Alerts)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("parse alerts.json: %v", err)
	}
	if len(f.Groups) != 1 {
		t.Fatalf("alerts.json has %d rule groups, want 1 (the service's iac reads groups[0])", len(f.Groups))
	}
	exported := exportedNames(t)
	uses := map[string][]string{}
	for _, r := range f.Groups[0].Rules {
		names := metricNames(r.Expr)
		if len(names) == 0 {
			t.Errorf("alert %s selects no metric: %q", r.Alert, r.Expr)
		}
		for _, n := range names {
			if !exported[n] {
				t.Errorf("alert %s uses %s, which the service does not export", r.Alert, n)
			}
		}
		uses[r.Alert] = names
		if !strings.Contains(r.Expr, "service_name") {
			t.Errorf("alert %s does not group by service_name (the Cloud Run service): %q", r.Alert, r.Expr)
		}
		if !regexp.MustCompile(`^[0-9]+m$`).MatchString(r.For) {
			t.Errorf("alert %s: for %q, want whole minutes (the iac converts them to seconds)", r.Alert, r.For)
		}
		if sev := r.Labels["severity"]; !slices.Contains([]string{"CRITICAL", "ERROR", "WARNING"}, sev) {
			t.Errorf("alert %s: severity %q, want a Cloud Monitoring severity", r.Alert, sev)
		}
		if r.Annot["summary"] == "" {
			t.Errorf("alert %s has no summary (the alert policy's documentation)", r.Alert)
		}
	}
	want := map[string][]string{
		"DeadLettersByReason": {"flightevents_ingest_messages_dead_lettered_total"},
		"StoreWriteErrors":    {"flightevents_store_errors_total"},
		"BatchWriteLatency":   {"flightevents_store_operation_duration_seconds_bucket"},
	}
	if diff := cmp.Diff(uses, want); diff != "" {
		t.Errorf("alerts and the metrics they query (-got +want):\n%s", diff)
	}
}
