package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Docker is not run by the tests (no daemon, no registry offline): this
// reads the Dockerfile for what `docker run -p 8080:8080 vellum serve`
// needs, then starts serve with the environment the image sets.
func TestDockerImageServesOnEveryInterfaceOfItsExposedPort(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	m := regexp.MustCompile(`(?m)^ENV VELLUM_ADDR=(\S+)$`).FindStringSubmatch(df)
	if m == nil {
		t.Fatalf("the Dockerfile sets no VELLUM_ADDR: serve would listen on 127.0.0.1 inside the container")
	}
	host, port, err := net.SplitHostPort(m[1])
	if err != nil || host != "0.0.0.0" {
		t.Errorf("VELLUM_ADDR=%s: want 0.0.0.0:PORT", m[1])
	}
	expose := regexp.MustCompile(`(?m)^EXPOSE (.+)$`).FindStringSubmatch(df)
	contentPort := ""
	if p, err := strconv.Atoi(port); err == nil {
		contentPort = strconv.Itoa(p + 1) // archived content's own origin, the next port
	}
	for _, p := range []string{port, contentPort} {
		if expose == nil || !strings.Contains(" "+expose[1]+" ", " "+p+" ") {
			t.Errorf("EXPOSE %v does not name the port %s that serve listens on", expose, p)
		}
	}
	// The image's variable reaches serve's --addr.
	cmd := exec.Command(vellumBin, "serve", "--archive", t.TempDir(), "--log-level", "warn")
	cmd.Env = append(os.Environ(), "VELLUM_ADDR=0.0.0.0:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	// Both the UI and the content origin answer on an address other than
	// 127.0.0.1: they listen on every interface.
	r := bufio.NewReader(out)
	for i := 0; i < 2; i++ {
		line, _ := r.ReadString('\n')
		m := regexp.MustCompile(`http://(?:127\.0\.0\.1|localhost):(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("serve with VELLUM_ADDR=0.0.0.0:0 says %q", line)
		}
		resp, err := http.Get("http://127.0.0.5:" + m[1] + "/")
		if err != nil {
			t.Errorf("serve with VELLUM_ADDR=0.0.0.0:0 (%q) is not reachable on 127.0.0.5: %v", line, err)
			continue
		}
		resp.Body.Close()
	}
}

// dockerStage is one stage of the Dockerfile: its FROM line's image and
// name, and its instructions.
type dockerStage struct {
	from, name string
	lines      []string
}

func dockerStages(df string) []dockerStage {
	var stages []dockerStage
	from := regexp.MustCompile(`(?i)^FROM\s+(\S+)(?:\s+AS\s+(\S+))?\s*$`)
	var cont string
	for _, l := range strings.Split(df, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, "\\") { // a continued instruction is one line
			cont += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		l, cont = cont+l, ""
		if m := from.FindStringSubmatch(l); m != nil {
			stages = append(stages, dockerStage{from: m[1], name: m[2]})
		} else if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, l)
		}
	}
	return stages
}

// instructions lists the stage's instructions of a kind (ENV, USER...), as written after it.
func (s dockerStage) instructions(kind string) []string {
	var out []string
	for _, l := range s.lines {
		if k, rest, _ := strings.Cut(l, " "); strings.EqualFold(k, kind) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// TestDockerfileHasABrowserTargetAndAStaticDefault: `docker build .` builds
// the last stage, which stays the small static image without Chromium;
// `docker build --target browser` gives the same binary, user, folders,
// ports and variables with Debian's chromium; the README says which to use.
func TestDockerfileHasABrowserTargetAndAStaticDefault(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := dockerStages(string(data))
	if len(stages) < 3 {
		t.Fatalf("%d stages in the Dockerfile, want build, browser and the default", len(stages))
	}
	def := stages[len(stages)-1]
	if !strings.Contains(def.from, "distroless/static") || strings.Contains(strings.ToLower(strings.Join(def.lines, "\n")), "chromium") {
		t.Errorf("the last stage (what `docker build .` builds) is %s: want the static distroless image without Chromium", def.from)
	}
	var browser *dockerStage
	for i := range stages {
		if stages[i].name == "browser" {
			browser = &stages[i]
		}
	}
	if browser == nil {
		t.Fatalf("no stage named browser (docker build --target browser)")
	}
	if !strings.HasPrefix(browser.from, "debian:bookworm") {
		t.Errorf("browser stage FROM %s: want Debian bookworm, whose chromium the tests run", browser.from)
	}
	installs := regexp.MustCompile(`apt-get install [^&;]*\bchromium\b`)
	if !slices.ContainsFunc(browser.instructions("RUN"), installs.MatchString) {
		t.Errorf("the browser stage does not apt-get install chromium: %q", browser.instructions("RUN"))
	}
	if !slices.ContainsFunc(browser.instructions("COPY"), func(c string) bool { return strings.HasSuffix(c, "/out/vellum /usr/local/bin/vellum") }) {
		t.Errorf("the browser stage does not copy the vellum binary the build stage made: %q", browser.instructions("COPY"))
	}
	users := browser.instructions("USER")
	if len(users) == 0 || regexp.MustCompile(`^(root|0)(:|$)`).MatchString(users[len(users)-1]) {
		t.Errorf("the browser image runs as %q: want a user that is not root", users)
	}
	// Everything a user of the default image relies on holds in the browser image too.
	for _, kind := range []string{"ENV", "EXPOSE", "VOLUME", "WORKDIR", "ENTRYPOINT", "CMD"} {
		for _, want := range def.instructions(kind) {
			if !slices.Contains(browser.instructions(kind), want) {
				t.Errorf("the default image has %s %s, the browser image does not", kind, want)
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "--target browser") {
		t.Errorf("README.md does not say how to build the browser image (docker build --target browser)")
	}
}
