package upgrade

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Git runs the git commands an upgrade needs. Each command is built by a
// pure method (…Cmd) whose argv the tests check, then run by run.
type Git struct {
	Bin string // the git executable; "git" when empty
}

func (g Git) bin() string {
	if g.Bin == "" {
		return "git"
	}
	return g.Bin
}

func (g Git) cmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, g.bin(), args...)
	c.Dir = dir
	// A user's config must not change what merge-file or diff print.
	c.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	return c
}

// StatusCmd lists what is modified or untracked in the work tree dir.
func (g Git) StatusCmd(ctx context.Context, dir string) *exec.Cmd {
	return g.cmd(ctx, dir, "status", "--porcelain", "--untracked-files=normal")
}

// LsFilesCmd lists the tracked and untracked, not ignored, files of dir.
func (g Git) LsFilesCmd(ctx context.Context, dir string) *exec.Cmd {
	return g.cmd(ctx, dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
}

// CloneCmd makes a bare copy of the template repository url in dest.
func (g Git) CloneCmd(ctx context.Context, url, dest string) *exec.Cmd {
	return g.cmd(ctx, "", "clone", "--quiet", "--bare", "--", url, dest)
}

// TagsCmd lists the template version tags of the repository gitDir.
func (g Git) TagsCmd(ctx context.Context, gitDir string) *exec.Cmd {
	return g.cmd(ctx, "", "--git-dir", gitDir, "tag", "--list", tagPrefix+"*")
}

// RevParseCmd resolves ref to a commit of the repository gitDir.
func (g Git) RevParseCmd(ctx context.Context, gitDir, ref string) *exec.Cmd {
	return g.cmd(ctx, "", "--git-dir", gitDir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
}

// ArchiveCmd writes the template/ and skeleton/ trees of commit as an
// uncompressed zip (-0: nothing to inflate when it is read).
func (g Git) ArchiveCmd(ctx context.Context, gitDir, commit string) *exec.Cmd {
	return g.cmd(ctx, "", "--git-dir", gitDir, "archive", "--format=zip", "-0", commit, "--", "template", "skeleton")
}

// RenamesCmd lists, NUL-separated, the renames git's rename detection
// (-M, 50 % similar) finds between the directories before and after
// (relative to dir): R<score>, the old path, the new path.
func (g Git) RenamesCmd(ctx context.Context, dir, before, after string) *exec.Cmd {
	return g.cmd(ctx, dir, "diff", "--no-index", "--no-color", "--no-ext-diff", "-M", "--diff-filter=R", "--name-status", "-z", "--", before, after)
}

// MergeFileCmd merges the change from base to theirs into ours and prints
// the result; git exits with the number of conflicts. The markers carry the
// labels (ours, base, theirs). union resolves conflicts by keeping both
// sides' lines (for go.sum).
func (g Git) MergeFileCmd(ctx context.Context, ours, base, theirs string, labels [3]string, union bool) *exec.Cmd {
	args := []string{"merge-file", "-p"}
	if union {
		args = append(args, "--union")
	}
	args = append(args, "-L", labels[0], "-L", labels[1], "-L", labels[2], "--", ours, base, theirs)
	return g.cmd(ctx, "", args...)
}

// DiffCmd prints the unified diff of the directories before and after
// (relative to dir), as a patch with a/ and b/ prefixes.
func (g Git) DiffCmd(ctx context.Context, dir, before, after string) *exec.Cmd {
	return g.cmd(ctx, dir, "diff", "--no-index", "--no-color", "--no-ext-diff", "--binary", "--", before, after)
}

// output runs c and returns its stdout; a failure carries stderr.
func output(c *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %w: %s", strings.Join(c.Args[1:], " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// exitCode returns the exit status of a finished command's error, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
