package render

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// This file holds the JavaScript semantics Nunjucks inherits: how a value is
// printed (String(v)), serialized (JSON.stringify) and tested for truth.
// Values are the JSON data model in Go: nil, bool, int64, float64, string,
// []any and map[string]any.

// plain converts a template value into the JSON data model.
func plain(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case *exec.Value:
		if t == nil || t.IsNil() {
			return nil
		}
		return plain(t.Interface())
	case bool, string, int64, float64, []any, map[string]any:
		return t
	case int:
		return int64(t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return plain(rv.Elem().Interface())
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = plain(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			out[fmt.Sprint(plain(iter.Key().Interface()))] = plain(iter.Value().Interface())
		}
		return out
	}
	if d, ok := v.(exec.Dict); ok {
		out := make(map[string]any, len(d.Pairs))
		for _, p := range d.Pairs {
			out[p.Key.String()] = plain(p.Value)
		}
		return out
	}
	if d, ok := v.(*exec.Dict); ok && d != nil {
		return plain(*d)
	}
	return fmt.Sprint(v)
}

// jsString is JavaScript's String(v) as Nunjucks prints a value, except that
// undefined and null print as "" (Nunjucks' suppressValue).
func jsString(v any) string {
	switch t := plain(v).(type) {
	case nil:
		return ""
	case bool:
		if t {
			return "true"
		}
		return "false"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return jsNumber(t)
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = jsString(e) // Array.prototype.join: null/undefined → ""
		}
		return strings.Join(parts, ",")
	case map[string]any:
		return "[object Object]"
	default:
		return fmt.Sprint(t)
	}
}

// jsNumber formats a float64 like Number.prototype.toString.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// jsTruthy is JavaScript truthiness: empty arrays and objects are true.
func jsTruthy(v any) bool {
	switch t := plain(v).(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0 && !math.IsNaN(t)
	case string:
		return t != ""
	default:
		return true
	}
}

// jsonStringify is JSON.stringify(v, null, indent) for the JSON data model.
// Object keys are written in sorted order (Go maps keep no insertion order);
// undefined (nil) at the top level yields ok=false, as JSON.stringify
// returns undefined, which Nunjucks prints as "".
func jsonStringify(v any, indent string) (string, bool) {
	v = plain(v)
	if v == nil {
		// JSON.stringify(null) is "null", JSON.stringify(undefined) is
		// undefined; templates cannot tell them apart here, and a missing
		// value is by far the common case.
		return "", false
	}
	var sb strings.Builder
	writeJSON(&sb, v, indent, "")
	return sb.String(), true
}

func writeJSON(sb *strings.Builder, v any, indent, prefix string) {
	switch t := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool, int64:
		sb.WriteString(jsString(t))
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			sb.WriteString("null")
			return
		}
		sb.WriteString(jsNumber(t))
	case string:
		writeJSONString(sb, t)
	case []any:
		if len(t) == 0 {
			sb.WriteString("[]")
			return
		}
		sb.WriteByte('[')
		inner := prefix + indent
		for i, e := range t {
			if i > 0 {
				sb.WriteByte(',')
			}
			if indent != "" {
				sb.WriteString("\n" + inner)
			}
			writeJSON(sb, e, indent, inner)
		}
		if indent != "" {
			sb.WriteString("\n" + prefix)
		}
		sb.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) == 0 {
			sb.WriteString("{}")
			return
		}
		sb.WriteByte('{')
		inner := prefix + indent
		for i, k := range keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			if indent != "" {
				sb.WriteString("\n" + inner)
			}
			writeJSONString(sb, k)
			sb.WriteByte(':')
			if indent != "" {
				sb.WriteByte(' ')
			}
			writeJSON(sb, t[k], indent, inner)
		}
		if indent != "" {
			sb.WriteString("\n" + prefix)
		}
		sb.WriteByte('}')
	default:
		writeJSONString(sb, jsString(t))
	}
}

// writeJSONString quotes s the way JSON.stringify does: only ", \ and
// control characters are escaped; <, >, & and U+2028/U+2029 are kept.
func writeJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(sb, `\u%04x`, r)
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
}

// decodeUTF8 is Node's buffer.toString('utf-8'): every invalid byte becomes
// U+FFFD; a byte-order mark is kept.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}
