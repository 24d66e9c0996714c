package jobs

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
)

// jobsErrRE is the shape of every jobs file error: the file, usually a
// line, and one line of reason.
var jobsErrRE = regexp.MustCompile(`^fuzz\.yaml(:[1-9][0-9]*)?: [^\n]+$`)

// FuzzParseJobs feeds arbitrary jobs files to ParseJobs: it must never
// panic, refuse a bad file with one line naming it, and return only jobs
// that hold what checkJob promises. The seeds files it may name are read
// from testdata/jobs.
func FuzzParseJobs(f *testing.F) {
	for _, s := range []string{
		minimalJob,
		"jobs:\n  - name: a\n    seeds: !tag\n",
		"jobs:\n  - name: a\n    seeds: !!str x\n",
		"jobs: !!seq\n",
		"jobs:\n  - &x\n    name: a\n    seeds: [example.org]\n  - <<: *x\n    name: b\n",
		"jobs:\n  - name: a\n    seeds_file: lists/borderland.txt\n    schedule: '@every 5m'\n    delay: 1s\n",
		"jobs:\n  - name: a\n    seeds: [https://example.org/]\n    schedule: 'TZ=UTC'\n",
		"jobs:\n  - name: a\n    seeds: [https://example.org/]\n    notify: {webhook: 'http://h/'}\n",
		"jobs:\n  - {name: a, seeds: [http://h.example/], depth: 1.5}\n",
		"jobs: [*a]\n",
		"jobs:\n  - name: a\n    seeds: [https://example.org/]\n    include: [/news/, '(?i)world']\n    exclude: 'ad\\.png$'\n",
		"jobs:\n  - name: a\n    seeds: [https://example.org/]\n    include:\n      - '['\n      - 2014\n      -\n",
		"jobs:\n  - &x\n    name: a\n    seeds: [example.org]\n    exclude: [{a: b}, [c]]\n  - <<: *x\n    name: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		jobs, err := ParseJobs("fuzz.yaml", data, jobsDir)
		if err != nil {
			if !jobsErrRE.MatchString(err.Error()) {
				t.Fatalf("error is not one line naming the file: %q", err)
			}
			return
		}
		if len(jobs) == 0 {
			t.Fatal("no jobs and no error")
		}
		lines := strings.Count(string(data), "\n") + 1
		names := make(map[string]bool)
		for _, j := range jobs {
			if !jobNameRE.MatchString(j.Name) || names[j.Name] {
				t.Errorf("job name %q: invalid or repeated", j.Name)
			}
			names[j.Name] = true
			if j.Line < 1 || j.Line > lines {
				t.Errorf("job %q: line %d outside the file's %d lines", j.Name, j.Line, lines)
			}
			if len(j.Seeds) == 0 {
				t.Errorf("job %q: no seeds", j.Name)
			}
			for _, s := range j.Seeds {
				if _, err := capture.ParseSeed(s); err != nil {
					t.Errorf("job %q: seed accepted that does not parse: %v", j.Name, err)
				}
			}
			if j.Depth < 0 || j.MaxPages < 0 || (j.Delay != nil && *j.Delay < 0) {
				t.Errorf("job %q: negative setting: %+v", j.Name, j)
			}
			for _, re := range append(append([]*regexp.Regexp(nil), j.Include...), j.Exclude...) {
				if re == nil || re.String() == "" {
					t.Errorf("job %q: a nil or empty pattern accepted: %v %v", j.Name, j.Include, j.Exclude)
				}
			}
			if j.Schedule != "" {
				if _, err := j.Definition(); err != nil {
					t.Errorf("job %q: schedule accepted that gives no definition: %v", j.Name, err)
				}
			}
		}
	})
}

// FuzzParseSchedule checks schedules: no panic, an error names the
// schedule, "@every D" gives D of at least minEvery, and a cron
// expression that is accepted fires.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"0 */6 * * *", "@daily", "@hourly", "@every 10m", "@every 500ms", "@every",
		"61 * * * *", "0 0 30 2 *", "TZ=UTC", "CRON_TZ=Europe/Paris 0 6 * * *", "TZ=", "@fortnightly",
		"*/0 * * * *", "1-0 * * * *", "0 0 * * 7", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sched, err := parseSchedule(spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "schedule ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error does not name the schedule in one line: %q", err)
			}
			return
		}
		var every time.Duration // the interval of "@every D"; 0 for the rest
		if i, ok := sched.(interval); ok {
			every = time.Duration(i)
		}
		if strings.HasPrefix(spec, "@every") {
			if every < minEvery {
				t.Fatalf("%q: interval %s below %s", spec, every, minEvery)
			}
			return
		}
		if every != 0 {
			t.Fatalf("%q: interval %s for a cron schedule", spec, every)
		}
		if _, err := (Job{Name: "f", Schedule: spec}).Definition(); err != nil {
			t.Fatalf("%q: accepted but no definition: %v", spec, err)
		}
	})
}
