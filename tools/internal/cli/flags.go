package cli

import "strings"

// Strings is a flag.Value for a flag that may be repeated: each occurrence
// appends its value, in command-line order. Register it with
// fs.Var(&s, name, usage); the zero value is an empty list.
//
//	var sources cli.Strings
//	fs.Var(&sources, "source", "extra policy directory, repeatable")
type Strings []string

// String joins the values with commas (what flag prints as a default).
func (s *Strings) String() string { return strings.Join(*s, ",") }

// Set appends v; it never fails.
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }
