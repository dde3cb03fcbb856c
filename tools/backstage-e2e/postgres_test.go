package backstagee2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// postgres is a PostgreSQL server of its own, in a temp directory, listening only on a Unix socket in that
// directory (no TCP port to collide with), with trust authentication for the superuser postgres.
type postgres struct {
	socketDir string
}

// postgresBinDir returns the directory of Debian's PostgreSQL server binaries (package postgresql:
// /usr/lib/postgresql/<major>/bin), or $POSTGRES_BIN_DIR.
func postgresBinDir(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(a) - majorOf(b) })
	if dir := os.Getenv("POSTGRES_BIN_DIR"); dir != "" {
		dirs = []string{dir}
	}
	for _, d := range slices.Backward(dirs) {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	repotest.Missing(t, "PostgreSQL (pg_ctl) is not installed", "run `make deps` (scripts/install-deps.sh installs Debian's postgresql)")
	return ""
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startPostgres initialises a cluster and starts it; the test's cleanup stops it and removes the directory.
// PostgreSQL refuses to run as root, so under root (a container) the server runs as the postgres user the
// Debian package creates.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bin := postgresBinDir(t)
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user of Debian's package: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir(): its parents are 0700 and owned by root, which the postgres user cannot enter; a short
	// path also keeps the socket under the 107-byte limit.
	dir, err := os.MkdirTemp("", "bs-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	pgCmd := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), filepath.Join(bin, name), args...)
		cmd.Dir = dir
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
		}
	}
	pgCmd("initdb", "--pgdata", data, "--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-sync")
	// pg_ctl -w returns once the server accepts connections; fsync off because the data dies with the test.
	pgCmd("pg_ctl", "start", "-w", "--pgdata", data, "--log", filepath.Join(dir, "server.log"),
		"-o", fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c max_connections=200", dir))
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "stop", "-m", "immediate", "--pgdata", data)
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	return &postgres{socketDir: dir}
}
