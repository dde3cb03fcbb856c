package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Locations maps resource configuration addresses (module path without
// instance keys + type.name, e.g. module.alerts.google_monitoring_alert_policy.this)
// to the .tf file and line of their block.
type Locations map[string]Location

// Location is a position in a .tf file, relative to the working directory
// when the source directory was given relative.
type Location struct {
	File string
	Line int
}

// LocateResources parses the .tf files of a Terraform root module with
// hashicorp/hcl/v2 and follows local module sources (./ and ../).
func LocateResources(dir string) (Locations, error) {
	locs := Locations{}
	if err := locateModule(dir, "", locs, 0); err != nil {
		return nil, fmt.Errorf("locate resources in %s: %w", dir, err)
	}
	return locs, nil
}

func locateModule(dir, prefix string, locs Locations, depth int) error {
	if depth > 16 {
		return fmt.Errorf("module nesting deeper than 16 at %s", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .tf files in %s", dir)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		f, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
		if diags.HasErrors() {
			return diags
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, block := range body.Blocks {
			switch {
			case block.Type == "resource" && len(block.Labels) == 2:
				locs[prefix+block.Labels[0]+"."+block.Labels[1]] = Location{File: filepath.ToSlash(file), Line: block.DefRange().Start.Line}
			case block.Type == "module" && len(block.Labels) == 1:
				attr, ok := block.Body.Attributes["source"]
				if !ok {
					continue
				}
				v, diags := attr.Expr.Value(nil)
				if diags.HasErrors() {
					continue
				}
				if v.IsNull() || !v.IsKnown() || v.Type().FriendlyName() != "string" {
					continue
				}
				source := v.AsString()
				if !strings.HasPrefix(source, "./") && !strings.HasPrefix(source, "../") {
					continue // registry and git modules have no local source
				}
				if err := locateModule(filepath.Join(dir, source), prefix+"module."+block.Labels[0]+".", locs, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

// configAddress drops instance keys: module.a["x"].b.c[0] -> module.a.b.c.
func configAddress(f Finding) string {
	mod := instanceKey.ReplaceAllString(f.ModuleAddress, "")
	res := strings.TrimPrefix(f.Address, f.ModuleAddress)
	res = strings.TrimPrefix(res, ".")
	res = instanceKey.ReplaceAllString(res, "")
	if mod == "" {
		return res
	}
	return mod + "." + res
}

// Annotate sets File and Line of findings whose resource was located.
func (l Locations) Annotate(findings []Finding) {
	for i := range findings {
		if loc, ok := l[configAddress(findings[i])]; ok {
			findings[i].File, findings[i].Line = loc.File, loc.Line
		}
	}
}
