package cli

import "strings"

// EnvOr returns the value of the environment variable key as read by getenv
// (os.Getenv in main, a map in tests), with surrounding white space removed,
// or def when that leaves nothing: a variable that is unset, empty or blank
// (a workflow's `${{ vars.X }}` that expanded to nothing) falls back to def.
// Use it for a flag's default, so that the flag still wins:
//
//	fs.StringVar(&c.format, "format", cli.EnvOr(getenv, "POLICYGATE_FORMAT", "text"), "…")
func EnvOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}
