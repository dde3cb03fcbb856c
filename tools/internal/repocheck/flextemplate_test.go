package repocheck_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flexMetadata is a Dataflow flex template metadata file (the API's
// TemplateMetadata, v1b3), decoded strictly: a key the API does not define is
// a typo that would be dropped silently.
type flexMetadata struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Streaming   bool            `json:"streaming"`
	Parameters  []flexParameter `json:"parameters"`
}

// flexParameter is the API's ParameterMetadata.
type flexParameter struct {
	Name       string   `json:"name"`
	Label      string   `json:"label"`
	HelpText   string   `json:"helpText"`
	IsOptional bool     `json:"isOptional"`
	Regexes    []string `json:"regexes"`
	ParamType  string   `json:"paramType"`
}

// batchLaunch is batch/environment.json, which iac/modules/batch writes to
// the templates bucket and the service CI's flex-template job reads.
type batchLaunch struct {
	Environment map[string]any    `json:"environment"`
	Parameters  map[string]string `json:"parameters"`
}

// flexParamTypes are the ParameterType values the skeleton's metadata may
// use (a subset of the API's enum).
var flexParamTypes = []string{"TEXT", "GCS_READ_FILE", "GCS_READ_FOLDER", "GCS_WRITE_FILE", "GCS_WRITE_FOLDER", "BIGQUERY_TABLE"}

// plannedBatchLaunch decodes the content the service plan fixture gives
// module.batch's environment.json object (known at plan time).
func plannedBatchLaunch(t *testing.T) (batchLaunch, map[string]any) {
	t.Helper()
	doc := readPlanDoc(t, "service-plan.json")
	after, _ := change(t, doc, "module.batch.google_storage_bucket_object.environment")
	content, ok := after["content"].(string)
	if !ok {
		t.Fatalf("environment.json content is not known at plan time: %v", after["content"])
	}
	var l batchLaunch
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("decode environment.json: %v", err)
	}
	return l, doc
}

// TestFlexTemplate checks the batch pipeline's Flex Template as far as it can
// be without Dataflow: the metadata file has the API's shape and the
// parameters the pipeline reads; its regexes accept what Terraform plans for
// the service (the dead-letter prefix, dataset, table, globs in the input
// bucket) and reject malformed values; the launch defaults Terraform writes
// keep workers off public IPs, on the dedicated account, labelled; the CI job
// passes every one of them to `gcloud dataflow flex-template build` and
// writes the spec where the launch command reads it; and the image runs the
// pipeline binary under Google's Go launcher.
func TestFlexTemplate(t *testing.T) {
	t.Parallel()
	repo := repoRoot(t)
	svc := renderSkeletonDirs(t, repo, "batch")

	data, err := os.ReadFile(filepath.Join(svc, "batch", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var md flexMetadata
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		t.Fatalf("batch/metadata.json: %v", err)
	}
	if md.Name == "" || md.Description == "" || md.Streaming {
		t.Errorf("metadata: name %q, description %q, streaming %t; want both set and a batch template", md.Name, md.Description, md.Streaming)
	}
	var names []string
	params := map[string]flexParameter{}
	for _, p := range md.Parameters {
		names = append(names, p.Name)
		params[p.Name] = p
		if p.Label == "" || p.HelpText == "" || len(p.Regexes) == 0 || p.IsOptional {
			t.Errorf("parameter %s: label %q, helpText %q, %d regexes, optional %t; want a required, validated, documented parameter", p.Name, p.Label, p.HelpText, len(p.Regexes), p.IsOptional)
		}
		if !slices.Contains(flexParamTypes, p.ParamType) {
			t.Errorf("parameter %s: paramType %q is not one of %v", p.Name, p.ParamType, flexParamTypes)
		}
	}
	// The pipeline's own parameters (Beam's standard options come from the
	// launch environment, not from the metadata).
	if diff := cmp.Diff(names, []string{"input", "dead_letter", "dataset", "table"}); diff != "" {
		t.Errorf("metadata parameters (-got +want):\n%s", diff)
	}

	launch, doc := plannedBatchLaunch(t)
	inputAfter, _ := change(t, doc, `module.batch.google_storage_bucket.this["input"]`)
	inputBucket, _ := inputAfter["name"].(string)
	matches := func(param, value string) bool {
		t.Helper()
		for _, expr := range params[param].Regexes {
			re, err := regexp.Compile(expr)
			if err != nil {
				t.Fatalf("parameter %s: regex %q: %v", param, expr, err)
			}
			if !re.MatchString(value) {
				return false
			}
		}
		return true
	}
	accept := map[string][]string{
		"input": {
			"gs://" + inputBucket + "/2025/*.jsonl",
			"gs://" + inputBucket + "/2025/*.jsonl,gs://" + inputBucket + "/legacy/part-*.csv",
		},
		"dead_letter": {launch.Parameters["dead_letter"]},
		"dataset":     {launch.Parameters["dataset"]},
		"table":       {launch.Parameters["table"]},
	}
	reject := map[string][]string{
		"input":       {"", "gs://" + inputBucket, "/data/*.jsonl", "gs://" + inputBucket + "/a.jsonl,/tmp/b.csv", "gs://" + inputBucket + "/a.jsonl,"},
		"dead_letter": {"", "/tmp/dead-letter", "gs://"},
		"dataset":     {"", "flight-events", "a.b"},
		"table":       {"", "events;drop", "1events"},
	}
	for param, values := range accept {
		for _, v := range values {
			if !matches(param, v) {
				t.Errorf("parameter %s rejects %q (planned by iac/)", param, v)
			}
		}
	}
	for param, values := range reject {
		for _, v := range values {
			if matches(param, v) {
				t.Errorf("parameter %s accepts %q", param, v)
			}
		}
	}

	// The launch defaults: no public IPs, the dedicated account, the
	// subnetwork Terraform made, the work bucket, the required labels.
	env := launch.Environment
	if env["disable_public_ips"] != true {
		t.Errorf("environment.json disable_public_ips = %v, want true", env["disable_public_ips"])
	}
	accountAfter, _ := change(t, doc, "module.batch.google_service_account.workers")
	if want := accountAfter["account_id"].(string) + "@acme-flights-dev.iam.gserviceaccount.com"; env["service_account_email"] != want {
		t.Errorf("environment.json service_account_email = %v, want %s", env["service_account_email"], want)
	}
	subnetAfter, _ := change(t, doc, "module.batch.google_compute_subnetwork.workers[0]")
	if want := "regions/europe-west1/subnetworks/" + subnetAfter["name"].(string); env["subnetwork"] != want {
		t.Errorf("environment.json subnetwork = %v, want %s", env["subnetwork"], want)
	}
	if subnetAfter["private_ip_google_access"] != true {
		t.Error("the workers' subnetwork has no Private Google Access: private workers could not reach Cloud Storage or BigQuery")
	}
	workAfter, _ := change(t, doc, `module.batch.google_storage_bucket.this["work"]`)
	for key, prefix := range map[string]string{"temp_location": "temp", "staging_location": "staging"} {
		if want := "gs://" + workAfter["name"].(string) + "/" + prefix; env[key] != want {
			t.Errorf("environment.json %s = %v, want %s", key, env[key], want)
		}
	}
	labels, _ := env["additional_user_labels"].(map[string]any)
	for _, k := range []string{"service", "env", "owner", "managed-by"} {
		if _, ok := labels[k]; !ok {
			t.Errorf("environment.json additional_user_labels lacks the required label %s: %v", k, labels)
		}
	}

	// The CI job reads every default and nothing else, and writes the spec
	// the launch command names.
	job, ok := readServiceCI(t).Jobs["flex-template"]
	if !ok {
		t.Fatal("service-ci.yml: no flex-template job")
	}
	var script string
	for _, s := range job.Steps {
		if strings.Contains(s.Run, "gcloud dataflow flex-template build") {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("flex-template job: no step runs gcloud dataflow flex-template build")
	}
	read := []string{}
	for _, m := range regexp.MustCompile(`\$\(e ([a-z_]+)\)|\.environment\.([a-z_]+)\b`).FindAllStringSubmatch(script, -1) {
		read = append(read, m[1]+m[2])
	}
	slices.Sort(read)
	keys := []string{}
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if diff := cmp.Diff(slices.Compact(read), keys); diff != "" {
		t.Errorf("environment.json keys the CI job reads (-got +want):\n%s", diff)
	}
	// ... and passes each to the build as its flag.
	flags := map[string]string{
		"additional_user_labels": `--additional-user-labels="$labels"`,
		"disable_public_ips":     "--disable-public-ips",
		"max_workers":            `--max-workers="$max_workers"`,
		"region":                 `--worker-region="$region"`,
		"service_account_email":  `--service-account-email="$account"`,
		"staging_location":       `--staging-location="$staging"`,
		"subnetwork":             `--subnetwork="$subnetwork"`,
		"temp_location":          `--temp-location="$temp"`,
		"worker_machine_type":    `--worker-machine-type="$machine"`,
	}
	for _, k := range keys {
		flag, ok := flags[k]
		switch {
		case !ok:
			t.Errorf("environment.json key %s: no gcloud flag known for it (add it to the job and this table)", k)
		case !strings.Contains(script, flag):
			t.Errorf("flex-template build step does not pass %s (%s)", k, flag)
		}
	}
	for _, want := range []string{"--image=\"$image\"", "--sdk-language=GO", "--metadata-file=batch/metadata.json", "--disable-public-ips", `"gs://$BUCKET/batch/batch.json"`} {
		if !strings.Contains(script, want) {
			t.Errorf("flex-template build step lacks %s", want)
		}
	}
	templatesAfter, _ := change(t, doc, `module.batch.google_storage_bucket.this["templates"]`)
	var outputs map[string]struct {
		After any `json:"after"`
	}
	raw, _ := json.Marshal(doc["output_changes"])
	if err := json.Unmarshal(raw, &outputs); err != nil {
		t.Fatal(err)
	}
	cmd, _ := outputs["batch_launch_command"].After.(string)
	for _, want := range []string{
		"gcloud dataflow flex-template run ",
		"--region=europe-west1",
		"--template-file-gcs-location=gs://" + templatesAfter["name"].(string) + "/batch/batch.json",
		"--parameters=^~^input=INPUT~dead_letter=" + launch.Parameters["dead_letter"] + "~dataset=" + launch.Parameters["dataset"] + "~table=" + launch.Parameters["table"],
	} {
		if !strings.Contains(cmd, want) {
			t.Errorf("batch_launch_command %q lacks %q", cmd, want)
		}
	}
	if outputs["batch_templates_bucket"].After != templatesAfter["name"] {
		t.Errorf("batch_templates_bucket output = %v, want the templates bucket %v", outputs["batch_templates_bucket"].After, templatesAfter["name"])
	}

	// The image: the pipeline binary of batch/cmd/batch under the launcher.
	df, err := os.ReadFile(filepath.Join(svc, "batch", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(df), -1)
	if len(froms) != 2 || !strings.HasPrefix(froms[1][1], "gcr.io/dataflow-templates-base/go-template-launcher-base") {
		t.Errorf("batch/Dockerfile: want a Go build stage and the Go launcher base, got %v", froms)
	}
	for _, want := range []string{
		"cd batch && go build ",
		"-o /out/batch ./cmd/batch",
		"COPY --from=build /out/batch /template/batch",
		"ENV FLEX_TEMPLATE_GO_BINARY=/template/batch",
		`ENTRYPOINT ["/opt/google/dataflow/go_template_launcher"]`,
		"CGO_ENABLED=0 GOOS=linux GOARCH=amd64",
	} {
		if !strings.Contains(string(df), want) {
			t.Errorf("batch/Dockerfile lacks %q", want)
		}
	}
}
