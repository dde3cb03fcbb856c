package upgrade

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/render"
)

// AnswersPath is where a rendered repository records how it was made.
const AnswersPath = ".golden-path/answers.yaml"

// pendingPath records an upgrade that stopped on conflicts: the rerun that
// finds them resolved finishes it by writing the new answers.
const pendingPath = ".golden-path/upgrade-pending.yaml"

// tagPrefix names the git tags of template versions: template/v0.2.0.
const tagPrefix = "template/v"

// Answers is .golden-path/answers.yaml: the template, its version, where it
// lives, the platform ref and the form values (never secrets).
type Answers struct {
	Template        string
	TemplateVersion string
	TemplateRepo    string
	PlatformRef     string
	Values          map[string]any // the answers: parameter name → value
}

// ErrNoAnswers says the repository does not record how it was made.
var ErrNoAnswers = errors.New("no " + AnswersPath)

// ReadAnswers reads the answers file of the repository dir.
func ReadAnswers(dir string) (*Answers, error) {
	path := filepath.Join(dir, filepath.FromSlash(AnswersPath))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: add it (template, templateVersion, templateRepo, platformRef and answers: the form values the repository was rendered with; see docs/upgrade.md)", ErrNoAnswers, dir)
	}
	doc, err := render.LoadValues(path) // the JSON data model the renderer expects
	if err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	a := &Answers{}
	a.Template, _ = doc["template"].(string)
	a.TemplateVersion, _ = doc["templateVersion"].(string)
	a.TemplateRepo, _ = doc["templateRepo"].(string)
	a.PlatformRef, _ = doc["platformRef"].(string)
	a.Values, _ = doc["answers"].(map[string]any)
	switch {
	case !semver.IsValid("v" + a.TemplateVersion):
		return nil, fmt.Errorf("read answers: %s: templateVersion %q is not a version (X.Y.Z)", path, a.TemplateVersion)
	case a.Values == nil:
		return nil, fmt.Errorf("read answers: %s has no answers mapping", path)
	}
	return a, nil
}

// Migration changes recorded answers on the way to Version: renamed
// parameters keep their value under the new name, removed ones are
// dropped, added ones get a value when the answers have none.
type Migration struct {
	Version string            `yaml:"version"`
	Rename  map[string]string `yaml:"rename"`
	Remove  []string          `yaml:"remove"`
	Add     map[string]any    `yaml:"add"`
}

// LoadMigrations reads template/migrations.yaml (path in fsys) and checks that every
// migration's version has an entry (a "## <version>" heading) in
// changelog, the template's CHANGELOG.md. A missing file means none.
func LoadMigrations(fsys fs.FS, path, changelog string) ([]Migration, error) {
	raw, err := fs.ReadFile(fsys, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var doc struct {
		Migrations []Migration `yaml:"migrations"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", path, err)
	}
	log, err := fs.ReadFile(fsys, changelog)
	if err != nil {
		return nil, fmt.Errorf("read changelog: %w", err)
	}
	released := ChangelogVersions(string(log))
	for _, m := range doc.Migrations {
		if !semver.IsValid("v" + m.Version) {
			return nil, fmt.Errorf("read migrations %s: version %q is not X.Y.Z", path, m.Version)
		}
		if !slices.Contains(released, m.Version) {
			return nil, fmt.Errorf("read migrations %s: version %s has no entry in %s", path, m.Version, changelog)
		}
	}
	slices.SortStableFunc(doc.Migrations, func(a, b Migration) int { return semver.Compare("v"+a.Version, "v"+b.Version) })
	return doc.Migrations, nil
}

var changelogHeading = regexp.MustCompile(`(?m)^## (\d+\.\d+\.\d+)\b`)

// ChangelogVersions returns the versions a CHANGELOG.md has entries for
// ("## 0.2.0 — date" headings), in file order.
func ChangelogVersions(changelog string) []string {
	var out []string
	for _, m := range changelogHeading.FindAllStringSubmatch(changelog, -1) {
		out = append(out, m[1])
	}
	return out
}

// ChangelogBetween returns the entries of a CHANGELOG.md for the versions
// after from up to and including to, as written.
func ChangelogBetween(changelog, from, to string) string {
	var out []string
	idx := changelogHeading.FindAllStringSubmatchIndex(changelog, -1)
	for i, m := range idx {
		v := changelog[m[2]:m[3]]
		end := len(changelog)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		if semver.Compare("v"+v, "v"+from) > 0 && semver.Compare("v"+v, "v"+to) <= 0 {
			out = append(out, strings.TrimSpace(changelog[m[0]:end]))
		}
	}
	return strings.Join(out, "\n\n")
}

// Migrate applies the migrations after from up to and including to, in
// version order, to a copy of answers.
func Migrate(answers map[string]any, migrations []Migration, from, to string) map[string]any {
	out := make(map[string]any, len(answers))
	for k, v := range answers {
		out[k] = v
	}
	for _, m := range migrations {
		if semver.Compare("v"+m.Version, "v"+from) <= 0 || semver.Compare("v"+m.Version, "v"+to) > 0 {
			continue
		}
		for old, renamed := range m.Rename {
			if v, ok := out[old]; ok {
				delete(out, old)
				out[renamed] = v
			}
		}
		for _, k := range m.Remove {
			delete(out, k)
		}
		for k, v := range m.Add {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// ApplySets applies --set key=value answers, typed by the parameter's
// schema type in t (a number, a boolean, else a string).
func ApplySets(answers map[string]any, sets []string, t *render.Template) error {
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("--set %q: want key=value", s)
		}
		switch t.ParameterType(k) {
		case "":
			return fmt.Errorf("--set %s: the template has no parameter %s", k, k)
		case "number", "integer":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				answers[k] = n
				continue
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("--set %s: %q is not a number", k, v)
			}
			answers[k] = f
		case "boolean":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("--set %s: %q is not true or false", k, v)
			}
			answers[k] = b
		default:
			answers[k] = v
		}
	}
	return nil
}
