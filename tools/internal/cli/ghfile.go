package cli

import "os"

// AppendFile appends s to the file at path, creating it (mode 0644) when it
// does not exist. It is how a step writes GitHub Actions' $GITHUB_STEP_SUMMARY
// (markdown shown on the run's page) and $GITHUB_OUTPUT (key=value lines the
// next steps read): the runner creates the files and several steps append to
// them, so nothing written before is ever truncated. The error is the os
// package's, which names the path; callers say what they were writing.
func AppendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
