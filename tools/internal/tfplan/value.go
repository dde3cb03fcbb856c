package tfplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// valueParser turns JSON text straight into an OPA value, the same value
// ast.InterfaceToValue gives for the document decoded with json.Number, in
// one pass: no intermediate map[string]any, no second walk. Strings with
// escapes or invalid UTF-8 go through encoding/json, so their decoding
// (surrogates, U+FFFD replacement) is the standard library's. Duplicate
// object keys keep the last value, as encoding/json does.
type valueParser struct {
	data []byte
	pos  int
	// spans records where each top-level member's value starts and ends,
	// so the small typed parts of the plan (configuration) can be decoded
	// from their own bytes.
	spans map[string][2]int
	// keep, when not nil, names the top-level members converted to the
	// value; the others are checked as JSON and skipped (no allocation).
	keep map[string]bool
	// workers > 1 parses the elements of a large top-level
	// resource_changes array in that many goroutines.
	workers int
}

// minParallelElems: a resource_changes array shorter than this is parsed
// in one goroutine.
const minParallelElems = 256

// SyntaxError is invalid JSON at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

func (p *valueParser) fail(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *valueParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// document parses a top-level object and fails on anything after it.
func (p *valueParser) document() (ast.Value, error) {
	p.ws()
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return nil, p.fail("want a JSON object")
	}
	p.spans = map[string][2]int{}
	v, err := p.object(true)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos < len(p.data) {
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = fmt.Errorf("trailing data after the JSON object (terraform wrapper output?)")

func (p *valueParser) value() (*ast.Term, error) {
	p.ws()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		v, err := p.object(false)
		if err != nil {
			return nil, err
		}
		return ast.NewTerm(v), nil
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return ast.InternedTerm(s), nil
	case c == 't':
		return p.literal("true", ast.InternedTerm(true))
	case c == 'f':
		return p.literal("false", ast.InternedTerm(false))
	case c == 'n':
		return p.literal("null", ast.NullTerm())
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.fail("invalid character %q looking for a value", c)
	}
}

func (p *valueParser) literal(word string, t *ast.Term) (*ast.Term, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.fail("invalid literal, want %s", word)
	}
	p.pos += len(word)
	return t, nil
}

func (p *valueParser) object(top bool) (ast.Value, error) {
	p.pos++ // {
	var m members
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return ast.NewObject(), nil
	}
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("want an object key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("want ':' after object key")
		}
		p.pos++
		p.ws()
		start := p.pos
		if top && p.keep != nil && !p.keep[k] {
			if err := p.skip(); err != nil {
				return nil, err
			}
			p.spans[k] = [2]int{start, p.pos}
		} else {
			var v *ast.Term
			var err error
			if top && k == "resource_changes" && p.workers > 1 && p.pos < len(p.data) && p.data[p.pos] == '[' {
				v, err = p.parallelArray()
			} else {
				v, err = p.value()
			}
			if err != nil {
				return nil, err
			}
			if top {
				p.spans[k] = [2]int{start, p.pos}
			}
			m.add(k, v)
		}
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return ast.NewObject(m.items...), nil
		default:
			return nil, p.fail("want ',' or '}' in object")
		}
	}
}

// members collects an object's members. Duplicate keys keep the last value,
// as in encoding/json (ast.NewObject expects unique keys): a linear check
// for small objects, a map once an object grows.
type members struct {
	items [][2]*ast.Term
	keys  []string
	index map[string]int
}

func (m *members) add(k string, v *ast.Term) {
	if m.index == nil && len(m.keys) >= 32 {
		m.index = make(map[string]int, 2*len(m.keys))
		for i, key := range m.keys {
			m.index[key] = i
		}
	}
	if m.index != nil {
		if i, dup := m.index[k]; dup {
			m.items[i][1] = v
			return
		}
		m.index[k] = len(m.items)
	} else if i := slices.Index(m.keys, k); i >= 0 {
		m.items[i][1] = v
		return
	}
	m.keys = append(m.keys, k)
	m.items = append(m.items, [2]*ast.Term{ast.InternedTerm(k), v})
}

func (p *valueParser) array() (*ast.Term, error) {
	p.pos++ // [
	var elems []*ast.Term
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return ast.ArrayTerm(), nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return ast.ArrayTerm(elems...), nil
		default:
			return nil, p.fail("want ',' or ']' in array")
		}
	}
}

// parallelArray parses the array at p.pos like array, its elements in
// p.workers goroutines: one pass with skip finds (and checks) the element
// boundaries, then each goroutine converts a contiguous run of elements
// with its own parser over the same bytes.
func (p *valueParser) parallelArray() (*ast.Term, error) {
	start := p.pos
	p.pos++ // [
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return ast.ArrayTerm(), nil
	}
	var starts []int
	for {
		p.ws()
		starts = append(starts, p.pos)
		if err := p.skip(); err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in array")
		}
		if c := p.data[p.pos]; c == ']' {
			p.pos++
			break
		} else if c != ',' {
			return nil, p.fail("want ',' or ']' in array")
		}
		p.pos++
	}
	if len(starts) < minParallelElems {
		end := p.pos
		p.pos = start
		t, err := p.array()
		if err == nil && p.pos != end {
			err = p.fail("array ends at %d, want %d", p.pos, end)
		}
		return t, err
	}
	elems := make([]*ast.Term, len(starts))
	errs := make([]error, p.workers)
	var wg sync.WaitGroup
	for w := range p.workers {
		lo, hi := w*len(starts)/p.workers, (w+1)*len(starts)/p.workers
		wg.Go(func() {
			q := &valueParser{data: p.data}
			for i := lo; i < hi; i++ {
				q.pos = starts[i]
				if elems[i], errs[w] = q.value(); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return ast.ArrayTerm(elems...), nil
}

// skip checks the JSON value at p.pos against the same grammar as value and
// moves past it without building anything: a skipped member of a broken
// document fails the parse as a converted one would.
func (p *valueParser) skip() error {
	p.ws()
	if p.pos >= len(p.data) {
		return p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return nil
		}
		for {
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return p.fail("want an object key")
			}
			if err := p.skipString(); err != nil {
				return err
			}
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return p.fail("want ':' after object key")
			}
			p.pos++
			if err := p.skip(); err != nil {
				return err
			}
			p.ws()
			if p.pos >= len(p.data) {
				return p.fail("unexpected end of input in object")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return nil
			default:
				return p.fail("want ',' or '}' in object")
			}
		}
	case c == '[':
		p.pos++
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return nil
		}
		for {
			if err := p.skip(); err != nil {
				return err
			}
			p.ws()
			if p.pos >= len(p.data) {
				return p.fail("unexpected end of input in array")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return nil
			default:
				return p.fail("want ',' or ']' in array")
			}
		}
	case c == '"':
		return p.skipString()
	default:
		_, err := p.value() // literals and numbers: interned or small
		return err
	}
}

// skipString checks a string at p.pos (an opening quote) as encoding/json
// does (escapes, no control characters; invalid UTF-8 is replaced, not
// refused) and moves past it.
func (p *valueParser) skipString() error {
	p.pos++
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return p.fail("unterminated string")
			}
			switch p.data[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if p.pos+6 > len(p.data) {
					return p.fail("invalid string: short \\u escape")
				}
				for _, h := range p.data[p.pos+2 : p.pos+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return p.fail("invalid string: bad \\u escape")
					}
				}
				p.pos += 6
			default:
				return p.fail("invalid string: bad escape")
			}
		case c < 0x20:
			return p.fail("control character in string")
		default:
			p.pos++
		}
	}
	return p.fail("unterminated string")
}

// str reads a string at p.pos (an opening quote).
func (p *valueParser) str() (string, error) {
	start := p.pos
	p.pos++
	plain := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.data[start+1 : p.pos-1]
			if plain && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				p.pos = start
				return "", p.fail("invalid string: %v", err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.pos += 2
		case c < 0x20:
			return "", p.fail("control character in string")
		default:
			p.pos++
		}
	}
	return "", p.fail("unterminated string")
}

// number scans a JSON number (RFC 8259 grammar) and keeps its text, as
// json.Number does.
func (p *valueParser) number() (*ast.Term, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.fail("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.fail("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.fail("invalid number: no digits in exponent")
		}
	}
	s := string(p.data[start:p.pos])
	if t := ast.InternedIntNumberTermFromString(s); t != nil {
		return t, nil
	}
	return ast.NumberTerm(json.Number(s)), nil
}
