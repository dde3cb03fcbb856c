package cli

import (
	"errors"
	"flag"
	"strings"
)

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

// Parse parses args with fs and refuses positional arguments, the way every
// command without positional arguments does: a bad flag or a stray argument
// is a BadInput error naming it; -h/--help returns flag.ErrHelp unchanged
// (fs has printed its usage; the caller decides the exit code).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return New(BadInput, err)
	}
	if fs.NArg() > 0 {
		return Errorf(BadInput, "unexpected arguments: %s (see --help)", strings.Join(fs.Args(), " "))
	}
	return nil
}
