package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// barText finds a progress line: pages and a count.
var barText = regexp.MustCompile(`pages \d+( ·|/)`)

// checkScreen fails when a log line shares a line with the progress line,
// or a progress line is left on the screen; it returns the log lines.
func checkScreen(t *testing.T, lines []string) (logs []string) {
	t.Helper()
	for _, l := range lines {
		isLog := strings.Contains(l, "level=")
		isBar := barText.MatchString(l)
		switch {
		case isLog && isBar:
			t.Errorf("a log line shares its line with the progress line: %q", l)
		case isLog && !strings.HasPrefix(l, "time="):
			t.Errorf("a log line does not start its line: %q", l)
		case isBar:
			t.Errorf("progress line left on the screen: %q", l)
		case isLog:
			logs = append(logs, l)
		}
	}
	return logs
}

// screen plays bytes written to a terminal and returns its lines as they
// end up shown: "\r" goes back to the start of the line, ESC[K erases to
// its end, other bytes overwrite what is under the cursor.
func screen(out []byte) []string {
	var lines []string
	var line []rune
	col := 0
	s := string(out)
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "\x1b[K"):
			line = line[:col]
			s = s[3:]
			continue
		case s[0] == '\r':
			col = 0
		case s[0] == '\n':
			lines = append(lines, string(line))
			line, col = nil, 0
		default:
			r := []rune(s[:1])[0]
			if s[0] >= 0x80 { // a UTF-8 sequence
				r = []rune(s)[0]
			}
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
			s = s[len(string(r)):]
			continue
		}
		s = s[1:]
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// The same through a real pseudo-terminal (util-linux script): a crawl
// whose linked pages fail logs while the progress line is shown.
func TestCaptureOnATerminalKeepsLogLinesOffTheProgressLine(t *testing.T) {
	script := requireTool(t, "script")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/gone") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			for i := range 6 {
				fmt.Fprintf(w, `<a href="/a%d.html">a</a> <a href="/gone%d.html">gone</a>`, i, i)
			}
			return
		}
		fmt.Fprint(w, "<p>A story.</p>")
	}))
	defer srv.Close()
	archive := filepath.Join(t.TempDir(), "archive")
	line := fmt.Sprintf("%s capture --archive '%s' --depth 1 --delay 150ms '%s/'", vellumBin, archive, srv.URL)
	out, err := exec.Command(script, "-qfec", line, "/dev/null").CombinedOutput()
	if err != nil {
		t.Logf("capture: %v", err) // the gone pages make it exit 1 on some versions
	}
	logs := checkScreen(t, screen(out))
	if len(logs) < 6 {
		t.Errorf("want a log line for each gone page, got:\n%s", strings.Join(logs, "\n"))
	}
}
