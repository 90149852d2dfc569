package cli

import (
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"testing"
)

// dockerIgnored reads ../../.dockerignore and returns whether it keeps a
// path (relative to the repository) out of the build context, the way
// Docker reads it: the last matching line decides, "!" keeps, "**"
// crosses directories, and an excluded directory excludes what it holds.
func dockerIgnored(t *testing.T) func(string) bool {
	t.Helper()
	data, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore: %v", err)
	}
	type rule struct {
		keep bool
		re   *regexp.Regexp
	}
	var rules []rule
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keep := strings.HasPrefix(line, "!")
		p := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		var re strings.Builder
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		rules = append(rules, rule{keep, regexp.MustCompile("^" + re.String() + "(/.*)?$")})
	}
	return func(file string) bool {
		ignored := false
		for _, r := range rules {
			if r.re.MatchString(file) {
				ignored = !r.keep
			}
		}
		return ignored
	}
}

// The build context holds what the build needs and none of a working
// copy's history, databases, local configuration (webhook URLs, tokens)
// or binaries.
func TestDockerBuildContext(t *testing.T) {
	ignored := dockerIgnored(t)
	out, err := exec.Command("git", "-C", "../..", "ls-files").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	needed := 0
	for _, f := range strings.Fields(string(out)) {
		ext := path.Ext(f)
		if ext == ".go" || ext == ".toml" || ext == ".sql" || ext == ".md" && strings.HasPrefix(f, "messages/") ||
			f == "go.mod" || f == "go.sum" {
			needed++
			if ignored(f) {
				t.Errorf("%s is needed by the build but left out of the context", f)
			}
		}
	}
	if needed < 10 {
		t.Fatalf("only %d files needed by the build: is this the repository?", needed)
	}
	for _, f := range []string{
		".git/config", "ambitiebot.db", "data/ambitiebot.db-wal", "data/ambitiebot.db-shm",
		"ambitiebot.db.aside-20270111", "ambitiebot.toml", "deploy/production.toml", ".env",
		"dist/ambitiebot", "ambitiebot", "sandbox-files/overzicht.png",
	} {
		if !ignored(f) {
			t.Errorf("%s would be sent to the Docker build context", f)
		}
	}
}

// The runtime image has no shell, so its health check is the binary's
// own healthcheck subcommand, in exec form, at the path the image puts it.
func TestDockerHealthcheck(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	copied := regexp.MustCompile(`COPY --from=build /out/ambitiebot (\S+)`).FindStringSubmatch(df)
	check := regexp.MustCompile(`(?m)^HEALTHCHECK [^\n]*(?:\\\n[^\n]*)*CMD \["([^"]+)", "healthcheck"\]`).FindStringSubmatch(df)
	switch {
	case copied == nil:
		t.Fatal("the Dockerfile does not copy the binary into the runtime image")
	case check == nil:
		t.Fatal(`the Dockerfile has no HEALTHCHECK CMD ["…/ambitiebot", "healthcheck"]`)
	case check[1] != copied[1]:
		t.Errorf("HEALTHCHECK runs %s, but the binary is at %s", check[1], copied[1])
	}
}
