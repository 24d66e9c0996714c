package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/internal/redistest"
)

// composeService is what the test reads of a service of docker-compose.yml.
type composeService struct {
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
}

// TestComposeClusterCommands runs the Vellum services of docker-compose.yml
// with their command lines and VELLUM_ environment as written there, on
// loopback servers in place of the compose network's (its PostgreSQL, Redis
// and MinIO), a test jobs file in place of deploy/jobs.yaml and folders of
// the test's for /archive: the scheduler node fires the job, the two
// workers join its runs, and the replay node serves the pages they captured
// from the bucket.
func TestComposeClusterCommands(t *testing.T) {
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]composeService `yaml:"services"`
	}
	// A key given beside a merge (<<: *vellum) overrides the merged one, as
	// Compose reads it; go-yaml takes it for a duplicate unless told.
	if err := yaml.UnmarshalWithOptions(data, &compose, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	var names []string
	for name, s := range compose.Services {
		if s.Build != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if want := []string{"replay", "scheduler", "worker-1", "worker-2"}; !slices.Equal(names, want) {
		t.Fatalf("docker-compose.yml builds Vellum for %v, want %v", names, want)
	}

	m := miniotest.Start(t)
	dsn := pgtest.Database(t)
	rd := redistest.Start(t)
	site := newClusterSite(t, 20)
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: frontpage\n    schedule: \"@every 2s\"\n    seeds: [%s/p/0, %s/p/0]\n    depth: 5\n    delay: 10ms\n",
		site.bases[0], site.bases[1]))
	// env is a service's environment with the compose network's servers
	// replaced by the test's.
	env := func(s composeService) []string {
		out := append([]string(nil), m.Env()...)
		for k, v := range s.Environment {
			switch {
			case strings.HasPrefix(k, "AWS_"):
				continue // MinIO's, from m.Env
			case k == "VELLUM_INDEX" && v != "":
				v = dsn
			case k == "VELLUM_FRONTIER" && v != "":
				v = "redis://" + rd.Addr + "/0"
			case k == "VELLUM_METRICS" && v != "":
				v = freeAddr(t) // each worker its own port, as each container has its own
			}
			out = append(out, k+"="+v)
		}
		return out
	}
	// args is a service's command with the test's jobs file and folder.
	args := func(s composeService, archive string) []string {
		var out []string
		for _, a := range s.Command {
			switch a {
			case "/etc/vellum/jobs.yaml":
				a = jobs
			case "/archive":
				a = archive
			}
			out = append(out, a)
		}
		return out
	}

	sched := compose.Services["scheduler"]
	schedArchive := filepath.Join(t.TempDir(), "scheduler")
	if sched.Command[0] != "serve" {
		t.Fatalf("the scheduler runs %q, want serve", sched.Command)
	}
	startServeEnv(t, env(sched), schedArchive, args(sched, schedArchive)[1:]...)

	var workers []*exec.Cmd
	var outs []*bytes.Buffer
	for _, name := range []string{"worker-1", "worker-2"} {
		s := compose.Services[name]
		if s.Environment["VELLUM_METRICS"] == "" {
			t.Errorf("%s serves no /metrics (VELLUM_METRICS)", name)
		}
		archive := filepath.Join(t.TempDir(), name)
		verifyWARCsAtEnd(t, archive)
		cmd := exec.Command(vellumBin, append(args(s, archive), "--no-progress")...)
		cmd.Env = append(os.Environ(), env(s)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		})
		workers, outs = append(workers, cmd), append(outs, &out)
	}
	for i, cmd := range workers {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("worker-%d: %v\n%s", i+1, err, outs[i])
			}
		case <-time.After(3 * time.Minute):
			t.Fatalf("worker-%d still running after 3 minutes\n%s", i+1, outs[i])
		}
	}

	replay := compose.Services["replay"]
	node := t.TempDir()
	_, content := startServeEnv(t, env(replay), node, args(replay, node)[1:]...)
	for _, base := range site.bases {
		resp, err := http.Get(content + "/web/2099id_/" + base + "/p/0")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("/p/1")) {
			t.Errorf("the replay node's %s/p/0: %d %.200s", base, resp.StatusCode, body)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for len(finishedRuns(t, schedArchive)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler node ran no turn of a job due every 2 s in a minute")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
