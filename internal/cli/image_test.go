package cli

import (
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// distrolessNonroot is the uid and gid of the "nonroot" user of the
// runtime image, gcr.io/distroless/static-debian12:nonroot.
const distrolessNonroot = 65532

// dockerBuildFlags reads the go build flags of the Dockerfile's build
// stage, so that this test builds exactly what the image holds.
func dockerBuildFlags(t *testing.T) (tags, ldflags string) {
	t.Helper()
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	tagsM := regexp.MustCompile(`-tags (\S+)`).FindStringSubmatch(df)
	ldM := regexp.MustCompile(`-ldflags "([^"]+)"`).FindStringSubmatch(df)
	if tagsM == nil || ldM == nil {
		t.Fatal("the Dockerfile's go build has no -tags or -ldflags")
	}
	return tagsM[1], strings.ReplaceAll(ldM[1], "${VERSION}", "image-test")
}

// TestImageLikeRootfs stands in for `docker build` and `docker run`,
// which cannot run on these machines: it builds the binary with the
// Dockerfile's flags, lays out the runtime image's files (the binary,
// time-zone data and a /data directory owned by nonroot, and nothing
// else: no C library, no /etc) and runs the bot there with chroot as
// uid/gid 65532. The binary must be static, run as non-root without a
// libc, and create its database in /data.
//
//	AMBITIEBOT_SLOW=1 go test -run ImageLike -v ./internal/cli   (as root)
func TestImageLikeRootfs(t *testing.T) {
	if os.Getenv(envSlow) != "1" {
		t.Skipf("builds the static binary; set %s=1 to run it", envSlow)
	}
	chroot, err := exec.LookPath("chroot")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and chroot(8) to run the binary in an image-like root")
	}
	root := t.TempDir()
	bin := filepath.Join(root, "usr", "local", "bin", "ambitiebot")
	tags, ldflags := dockerBuildFlags(t)
	build := exec.Command("go", "build", "-tags", tags, "-trimpath", "-ldflags", ldflags, "-o", bin, "../../cmd/ambitiebot")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary asks for a dynamic loader; the distroless static image has none")
		}
	}
	_ = f.Close()
	if err := os.CopyFS(filepath.Join(root, "usr", "share", "zoneinfo"), os.DirFS("/usr/share/zoneinfo")); err != nil {
		t.Skipf("no time-zone data on this machine to copy: %v", err)
	}
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, distrolessNonroot, distrolessNonroot); err != nil {
		t.Fatal(err)
	}
	// chroot needs every directory on the way to be searchable by nonroot.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	size := rootfsSize(t, root)
	t.Logf("image-like root: binary %.1f MiB, all files %.1f MiB (plus the distroless base)", fileMiB(t, bin), size)

	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(chroot, append([]string{"--userspec=65532:65532", root, "/usr/local/bin/ambitiebot"}, args...)...)
		// The image's environment, nothing inherited from this machine.
		cmd.Env = []string{"AMBITIEBOT_DB=/data/ambitiebot.db", "AMBITIEBOT_LISTEN=:8080", "TZ=Europe/Amsterdam"}
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("ambitiebot %s as nonroot: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	var events []struct{ Kind, At string }
	if err := json.Unmarshal(run("schedule", "--json", "--count", "5"), &events); err != nil || len(events) != 5 {
		t.Fatalf("schedule --json: %v, %d events", err, len(events))
	}
	if !strings.HasSuffix(events[0].At, "+01:00") && !strings.HasSuffix(events[0].At, "+02:00") {
		t.Errorf("event at %q: the time zone did not reach the image", events[0].At)
	}
	if out := run("status"); len(out) == 0 {
		t.Error("status printed nothing")
	}
	st, err := os.Stat(filepath.Join(data, "ambitiebot.db"))
	if err != nil {
		t.Fatalf("no database in /data: %v", err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Uid != distrolessNonroot {
		t.Errorf("the database is not owned by nonroot: %+v", st.Sys())
	}
}

func fileMiB(t *testing.T, path string) float64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return float64(st.Size()) / (1 << 20)
}

func rootfsSize(t *testing.T, root string) float64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return float64(total) / (1 << 20)
}
