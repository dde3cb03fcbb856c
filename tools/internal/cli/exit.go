package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes: the contract a workflow's `if:` reads. A tool's
// run(ctx, args, stdin, stdout, stderr) returns an error; the code the
// process exits with travels in that error as an *Error:
//
//	0 OK          the tool did its job (a gate passed or only warned)
//	1 GateFailed  a gate said no; also any error that carries no code
//	2 BadInput    usage, configuration or input the tool cannot judge
//	3 Remote      a remote service (GitHub, Jira) failed after retries
//
// Workflows branch on these numbers, so they never change.
const (
	OK         = 0
	GateFailed = 1
	BadInput   = 2
	Remote     = 3
)

// Error carries a process exit code. Err is what went wrong; nil means there
// is nothing more to print (a gate's report, or a message the tool printed
// itself, already says why).
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns err with the exit code code. A nil err is allowed and means
// the same as Reported(code).
func New(code int, err error) error { return &Error{Code: code, Err: err} }

// Errorf formats an error, as fmt.Errorf does (%w wraps), with the exit code
// code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Reported returns an error that exits with code and prints nothing: the
// tool has already said why.
func Reported(code int) error { return &Error{Code: code} }

// Code is the exit code for err: OK for nil, the code of the first *Error in
// err's chain, OK for a bare flag.ErrHelp (the usage was asked for and has
// been printed), and GateFailed for any other error: never a pass, and not a
// claim that the input was at fault.
func Code(err error) int {
	if err == nil {
		return OK
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	if errors.Is(err, flag.ErrHelp) {
		return OK
	}
	return GateFailed
}

// Report writes "name: err" to w when err has something to print (it is not
// nil, not flag.ErrHelp, and its *Error, if any, has an Err) and returns
// Code(err).
func Report(w io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return Code(err)
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Err == nil {
		return e.Code
	}
	fmt.Fprintf(w, "%s: %v\n", name, err)
	return Code(err)
}

// RunFunc is a tool's main without the process: os.Args[1:], the standard
// streams and a context cancelled on SIGINT or SIGTERM are passed in.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// Main runs run with a context that SIGINT and SIGTERM cancel, reports its
// error on stderr prefixed by name, and exits with the error's code.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code := Report(os.Stderr, name, err); code != OK {
		os.Exit(code)
	}
}
