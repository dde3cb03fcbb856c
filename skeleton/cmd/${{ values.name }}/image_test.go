package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// imageBuildFlags are the go build flags of the image's binary, as the
// Dockerfile gives them (ENV GOFLAGS=-trimpath, ARG BUILD_TAGS=production
// and its RUN go build line); TestDockerfileBuild fails when the two part.
var imageBuildFlags = []string{"-trimpath", "-buildvcs=false", "-tags=production", "-ldflags=-s -w"}

// distrolessBaseBytes is the size the Dockerfile's base image adds:
// gcr.io/distroless/static-debian12:nonroot is "around 2 MiB" (the
// distroless README). It is documented, not measured: no registry is
// reachable from the tests.
const distrolessBaseBytes = 2 << 20

// buildService builds this command into out as the Dockerfile builds the
// image's binary, with tags instead of the Dockerfile's BUILD_TAGS
// ("production" for the image's; "" for one with the local-only code in).
func buildService(tb testing.TB, out, tags string) string {
	tb.Helper()
	var args []string
	for _, f := range imageBuildFlags {
		if strings.HasPrefix(f, "-tags=") {
			f = "-tags=" + tags
		}
		args = append(args, f)
	}
	cmd := exec.CommandContext(tb.Context(), "go", append(append([]string{"build"}, args...), "-o", out, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// TestDockerfileBuild: the Dockerfile builds the image's binary static
// (CGO_ENABLED=0) with imageBuildFlags, so that BenchmarkStartToReady times
// and sizes the binary the image holds.
func TestDockerfileBuild(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := strings.ReplaceAll(string(data), "\\\n", " ")
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:ENV|ARG)\s+(.+)$`).FindAllStringSubmatch(df, -1) {
		for _, kv := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	line := regexp.MustCompile(`(?m)\bgo build (.*) -o \S+ (\./cmd/\S+)\s*$`).FindStringSubmatch(df)
	if line == nil {
		t.Fatal("Dockerfile: no `go build ... -o <out> ./cmd/<name>` line")
	}
	if want := "./cmd/" + filepath.Base(wd); line[2] != want {
		t.Errorf("Dockerfile builds %s, want %s", line[2], want)
	}
	got := strings.Fields(env["GOFLAGS"])
	for _, f := range regexp.MustCompile(`-[a-z]+(?:="[^"]*"|=\S+)?`).FindAllString(line[1], -1) {
		f = strings.ReplaceAll(f, `"`, "")
		f = strings.ReplaceAll(f, "$BUILD_TAGS", env["BUILD_TAGS"])
		got = append(got, f)
	}
	if diff := cmp.Diff(got, imageBuildFlags); diff != "" {
		t.Errorf("the Dockerfile's build flags vs imageBuildFlags (-got +want):\n%s", diff)
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "GOOS": "linux"} {
		if env[k] != want {
			t.Errorf("Dockerfile: %s=%q, want %q", k, env[k], want)
		}
	}
}
