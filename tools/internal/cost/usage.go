package cost

// This file and model.go, prices.go, estimate.go are the offline cost model: a model, not
// Infracost: one price per component (no tiers, no free tiers, no regional prices beyond the
// table), no pricing API. The real `infracost breakdown` run may differ.

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// usageFileVersion is the only usage file version Infracost reads.
const usageFileVersion = "0.1"

// errBadUsage marks a usage file that cannot be used.
var errBadUsage = errors.New("bad usage file")

// usageFile is an Infracost usage file.
type usageFile struct {
	Version string
	// TypeDefaults is resource_type_default_usage: usage by resource type.
	TypeDefaults map[string]usage
	// Resources is resource_usage: usage by resource address (an index may be the wildcard [*]).
	Resources map[string]usage
}

// usage is one resource's usage: a number per key, or for keys such as
// monthly_egress_data_transfer_gb a number per sub-key.
type usage map[string]value

// value is a usage number or a map of numbers.
type value struct {
	Number decimal.Decimal
	Map    map[string]decimal.Decimal // non-nil for a map value
}

// Num returns the number under key and whether it is set.
func (u usage) Num(key string) (decimal.Decimal, bool) {
	v, ok := u[key]
	if !ok || v.Map != nil {
		return decimal.Zero, false
	}
	return v.Number, true
}

// Keys returns the usage keys in order.
func (u usage) Keys() []string { return slices.Sorted(maps.Keys(u)) }

// decodeUsageFile reads a usage file. name is used in error messages. Unknown top-level keys, a
// version other than 0.1 and values that are not numbers (or maps of numbers) are errors.
func decodeUsageFile(r io.Reader, name string) (*usageFile, error) {
	src, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errBadUsage, name, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: %s: want a mapping with version and resource_usage", errBadUsage, name)
	}
	u := &usageFile{TypeDefaults: map[string]usage{}, Resources: map[string]usage{}}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "version":
			u.Version = v.Value
		case "resource_usage":
			if u.Resources, err = decodeEntries(v, name, k.Value); err != nil {
				return nil, err
			}
		case "resource_type_default_usage":
			if u.TypeDefaults, err = decodeEntries(v, name, k.Value); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: %s:%d: unknown key %q (want version, resource_usage, resource_type_default_usage)", errBadUsage, name, k.Line, k.Value)
		}
	}
	if u.Version != usageFileVersion {
		return nil, fmt.Errorf("%w: %s: version %q, want %q", errBadUsage, name, u.Version, usageFileVersion)
	}
	return u, nil
}

func decodeEntries(n *yaml.Node, file, section string) (map[string]usage, error) {
	out := map[string]usage{}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return out, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: %s:%d: %s must be a mapping", errBadUsage, file, n.Line, section)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("%w: %s:%d: %s.%s appears twice", errBadUsage, file, k.Line, section, k.Value)
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%w: %s:%d: %s.%s must be a mapping of usage keys", errBadUsage, file, v.Line, section, k.Value)
		}
		usage := usage{}
		for j := 0; j+1 < len(v.Content); j += 2 {
			uk, uv := v.Content[j], v.Content[j+1]
			where := section + "." + k.Value + "." + uk.Value
			if uv.Kind == yaml.MappingNode {
				m := map[string]decimal.Decimal{}
				for l := 0; l+1 < len(uv.Content); l += 2 {
					d, err := number(uv.Content[l+1])
					if err != nil {
						return nil, fmt.Errorf("%w: %s:%d: %s.%s: %v", errBadUsage, file, uv.Content[l+1].Line, where, uv.Content[l].Value, err)
					}
					m[uv.Content[l].Value] = d
				}
				usage[uk.Value] = value{Map: m}
				continue
			}
			d, err := number(uv)
			if err != nil {
				return nil, fmt.Errorf("%w: %s:%d: %s: %v", errBadUsage, file, uv.Line, where, err)
			}
			usage[uk.Value] = value{Number: d}
		}
		out[k.Value] = usage
	}
	return out, nil
}

func number(n *yaml.Node) (decimal.Decimal, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return decimal.Zero, fmt.Errorf("want a number, got %q", n.Value)
	}
	d, err := decimal.NewFromString(strings.ReplaceAll(n.Value, "_", ""))
	if err != nil {
		return decimal.Zero, fmt.Errorf("want a number, got %q", n.Value)
	}
	if d.IsNegative() {
		return decimal.Zero, fmt.Errorf("want a number >= 0, got %s", n.Value)
	}
	return d, nil
}

// For returns the usage Infracost applies to a resource: the type's defaults, overridden key by key
// by the entry of the address or, failing that, of the address with its index replaced by [*].
func (u *usageFile) For(address, typ string) usage {
	out := usage{}
	maps.Copy(out, u.TypeDefaults[typ])
	if e, ok := u.Resources[address]; ok {
		maps.Copy(out, e)
	} else if i := strings.LastIndex(address, "["); i > 0 && strings.HasSuffix(address, "]") {
		maps.Copy(out, u.Resources[address[:i]+"[*]"])
	}
	return out
}
