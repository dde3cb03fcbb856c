// Package cli is what every platform command (policygate, costgate,
// scaffold, jiranotify) repeats around its own logic: the exit-code contract
// and the main that carries it out (exit.go), repeatable flags (flags.go),
// flag defaults read from the environment (env.go), and appending to the
// files GitHub Actions reads back, $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT
// (ghfile.go).
//
// A tool's main is one line, cli.Main("name", run); run(ctx, args, stdin,
// stdout, stderr) parses its flags with a flag.FlagSet of its own, returns
// errors made with Errorf, New or Reported, and never calls os.Exit. Main is
// the only place that does; Code and Report are the testable parts of it.
//
// The package is not a flag parser, a logger or an error catalogue: flags
// stay stdlib flag, messages are the tools' own, and a tool that printed its
// error itself (redacted, or as a GitHub annotation) returns Reported so that
// nothing is printed twice.
package cli
