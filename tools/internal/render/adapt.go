package render

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	control_structures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// adapt rewrites a parsed gonja syntax tree in place so that it evaluates
// with Nunjucks semantics where Jinja's differ:
//
//   - every printed expression goes through __print (JavaScript String(v):
//     true not True, arrays joined with ",", objects as [object Object]);
//   - every a.b and a[b] goes through __member, so that looking up a member
//     of undefined yields undefined instead of an error;
//   - if/elif conditions and inline-if conditions go through __truthy
//     (JavaScript truthiness: [] and {} are true);
//   - filters that are not in known are reported as errors before rendering.
//
// gonja keeps some nodes in unexported fields of its control structures, so
// the walk reaches them with reflect and unsafe; it only ever stores values
// of the field's own interface type.
func adapt(root *nodes.Template, known map[string]bool) error {
	a := &adapter{known: known, seen: map[uintptr]bool{}}
	a.visit(reflect.ValueOf(&root).Elem(), false)
	return errors.Join(a.errs...)
}

type adapter struct {
	known map[string]bool
	seen  map[uintptr]bool
	errs  []error
}

// visit walks v, which must be addressable. inCall is true for the Func of a
// call node, whose attribute lookup is a method lookup and stays as is.
func (a *adapter) visit(v reflect.Value, inCall bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || a.seen[v.Pointer()] {
			return
		}
		a.seen[v.Pointer()] = true
		a.visitNode(v.Interface())
		a.visit(v.Elem(), inCall)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		inner := reflect.New(v.Elem().Type()).Elem()
		inner.Set(v.Elem())
		a.visit(inner, inCall)
		if replaced := a.replace(inner.Interface(), inCall); replaced != nil && reflect.TypeOf(replaced).Implements(v.Type()) {
			v.Set(reflect.ValueOf(replaced))
		} else {
			v.Set(inner)
		}
	case reflect.Struct:
		_, isCall := v.Addr().Interface().(*nodes.Call)
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanSet() {
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			a.visit(f, isCall && v.Type().Field(i).Name == "Func")
		}
	case reflect.Slice:
		for i := range v.Len() {
			a.visit(v.Index(i), false)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			e := reflect.New(iter.Value().Type()).Elem()
			e.Set(iter.Value())
			a.visit(e, false)
			v.SetMapIndex(iter.Key(), e)
		}
	}
}

// visitNode rewrites the nodes that are changed in place.
func (a *adapter) visitNode(n any) {
	switch t := n.(type) {
	case *nodes.Output:
		t.Expression = wrapFilter(t.Expression, filterPrint)
		if t.Alternative != nil {
			t.Alternative = wrapFilter(t.Alternative, filterPrint)
		}
		if t.Condition != nil {
			t.Condition = wrapFilter(t.Condition, filterTruthy)
		}
	case *control_structures.IfControlStructure:
		for i, c := range t.Conditions {
			if c != nil {
				t.Conditions[i] = wrapFilter(c, filterTruthy)
			}
		}
	case *control_structures.ForControlStructure:
		if t.IfCondition != nil {
			t.IfCondition = wrapFilter(t.IfCondition, filterTruthy)
		}
	case *nodes.FilterCall:
		if !a.known[t.Name] {
			a.errs = append(a.errs, fmt.Errorf("line %d: unknown template filter %q", t.Token.Line, t.Name))
		}
	}
}

// replace returns the node that takes n's place, or nil to keep n.
func (a *adapter) replace(n any, inCall bool) any {
	switch t := n.(type) {
	case *nodes.GetAttribute:
		if inCall {
			return nil
		}
		key := nodes.Expression(&nodes.String{Location: t.Location, Val: t.Attribute})
		if t.Attribute == "" {
			key = &nodes.Integer{Location: t.Location, Val: t.Index}
		}
		return memberLookup(t.Node, key, t.Location)
	case *nodes.GetItem:
		key, ok := t.Arg.(nodes.Expression)
		if !ok {
			return nil
		}
		return memberLookup(t.Node, key, t.Location)
	}
	return nil
}

func memberLookup(obj nodes.Node, key nodes.Expression, _ any) nodes.Expression {
	expr, ok := obj.(nodes.Expression)
	if !ok {
		return nil
	}
	return &nodes.FilteredExpression{
		Expression: expr,
		Filters:    []*nodes.FilterCall{{Token: expr.Position(), Name: filterMember, Args: []nodes.Expression{key}}},
	}
}

func wrapFilter(e nodes.Expression, name string) nodes.Expression {
	return &nodes.FilteredExpression{
		Expression: e,
		Filters:    []*nodes.FilterCall{{Token: e.Position(), Name: name}},
	}
}
