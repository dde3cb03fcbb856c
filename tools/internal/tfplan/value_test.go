package tfplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// reference is the conversion the parser replaces: encoding/json with
// json.Number, then ast.InterfaceToValue.
func reference(t *testing.T, data []byte) ast.Value {
	t.Helper()
	var x any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("reference decode: %v", err)
	}
	v, err := ast.InterfaceToValue(x)
	if err != nil {
		t.Fatalf("reference convert: %v", err)
	}
	return v
}

// TestValueParserMatchesInterfaceToValue: the one-pass parser gives the
// value the two-pass conversion gives, on every committed plan and on the
// corners of JSON (escapes, surrogates, invalid UTF-8, numbers, duplicate
// keys, nesting, whitespace).
func TestValueParserMatchesInterfaceToValue(t *testing.T) {
	t.Parallel()
	docs := map[string]string{
		"escapes":         `{"a":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00 \u2028","b":"plain é 日本"}`,
		"lone_surrogate":  `{"a":"\ud800x"}`,
		"invalid_utf8":    "{\"a\":\"bad \xff\xfe bytes\"}",
		"numbers":         `{"n":[0,-0,1,-17,3.25,1e3,1E-2,-2.5e+10,12345678901234567890,0.000001,100]}`,
		"duplicate_keys":  `{"a":1,"b":{"x":1},"a":2,"b":{"y":2}}`,
		"many_keys":       manyKeys(100),
		"nesting":         `{"a":[[],{},[{}],{"b":[null,true,false,"s"]}],"e":{}}`,
		"whitespace":      " \n\t{ \"a\" :\r\n [ 1 , 2 ] , \"b\" : { } }\n",
		"empty_key":       `{"":"v","k":""}`,
		"unicode_key":     `{"clé":"v","\u006b":"escaped key"}`,
		"null_and_bools":  `{"a":null,"b":true,"c":false}`,
		"long_plain_list": `{"a":["` + strings.Repeat("x", 5000) + `"]}`,
	}
	files, err := filepath.Glob("../policy/testdata/plans/*.json")
	if err != nil {
		t.Fatal(err)
	}
	iac, err := filepath.Glob("../../../iac/testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, iac...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs["file_"+filepath.Base(filepath.Dir(f))+"_"+filepath.Base(f)] = string(b)
	}
	if len(docs) < 15 {
		t.Fatalf("only %d documents: fixtures missing?", len(docs))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := reference(t, []byte(doc))
			p := &valueParser{data: []byte(doc)}
			got, err := p.document()
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got.Compare(want) != 0 {
				t.Errorf("value differs from InterfaceToValue:\ngot  %.300v\nwant %.300v", got, want)
			}
			if got.Hash() != want.Hash() {
				t.Errorf("hash %d, want %d", got.Hash(), want.Hash())
			}
		})
	}
}

func TestValueParserRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"array_top":        `[1]`,
		"unterminated":     `{"a":"b`,
		"trailing_comma":   `{"a":1,}`,
		"missing_colon":    `{"a" 1}`,
		"leading_zero":     `{"a":01}`,
		"bare_dot":         `{"a":1.}`,
		"bad_exponent":     `{"a":1e}`,
		"bad_literal":      `{"a":tru}`,
		"control_char":     "{\"a\":\"x\ny\"}",
		"bad_escape":       `{"a":"\x"}`,
		"unclosed_array":   `{"a":[1,2}`,
		"single_quotes":    `{'a':1}`,
		"plus_number":      `{"a":+1}`,
		"nothing_after_op": `{"a":`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var x any
			if json.Unmarshal([]byte(doc), &x) == nil && name != "array_top" {
				t.Fatalf("encoding/json accepts %q: bad test case", doc)
			}
			p := &valueParser{data: []byte(doc)}
			if v, err := p.document(); err == nil {
				t.Errorf("parsed %q as %v, want an error", doc, v)
			}
			if name == "array_top" {
				return
			}
			// The same text in a member that is skipped, not converted,
			// and as an element of a resource_changes array parsed by
			// several workers, fails the document too.
			skipped := &valueParser{data: []byte(`{"kept":1,"planned_values":` + doc + `}`), keep: map[string]bool{"kept": true}}
			if v, err := skipped.document(); err == nil {
				t.Errorf("parsed %q in a skipped member as %v, want an error", doc, v)
			}
			many := `{"resource_changes":[` + strings.Repeat(`{"a":[1,"x",null]},`, minParallelElems) + doc + `]}`
			parallel := &valueParser{data: []byte(many), workers: 2}
			if _, err := parallel.document(); err == nil {
				t.Errorf("parsed %q as a parallel array element, want an error", doc)
			}
		})
	}
}

// manyKeys is an object with n keys (k0 repeated at the end), past the size
// where duplicate detection switches to a map.
func manyKeys(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, "\"k%d\":%d,", i, i)
	}
	b.WriteString(`"k0":"last"}`)
	return b.String()
}
