package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
)

// A `vellum capture` run shows in /metrics as job "(capture)", as on /runs,
// and serve says when it stops.
func TestServeMetricsNameCaptureRunsAndServeLogsItsStop(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", site.URL("/about.html")); r.code != 0 {
		t.Fatalf("capture: %s%s", r.stdout, r.stderr)
	}
	cmd := exec.Command(vellumBin, "serve", "--archive", archive, "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	ui := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	m := getBody(t, ui+"/metrics")
	if strings.Contains(m, `job=""`) || metricValue(t, m, `vellum_job_last_run_end_timestamp_seconds{job="(capture)",status="ok"}`) <= 0 {
		t.Errorf("metrics of a capture run:\n%s", grepLines(m, "vellum_job_last_run"))
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not stop on SIGINT")
	}
	if !regexp.MustCompile(`(?m)level=INFO msg="serve stopped".*addr=127\.0\.0\.1:\d+`).MatchString(stderr.String()) {
		t.Errorf("serve logged no stop line:\n%s", stderr.String())
	}
}
