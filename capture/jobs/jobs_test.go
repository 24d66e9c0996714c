package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
)

const jobsDir = "testdata/jobs"

func TestLoadJobs(t *testing.T) {
	jobs, err := LoadJobs(filepath.Join(jobsDir, "jobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	delay := 2 * time.Second
	want := []Job{{
		Name:     "borderland",
		Schedule: "0 */6 * * *",
		Seeds: []string{
			"https://example.org/news/",
			"https://example.org/world/",
			"https://example.org/politics/",
		},
		SeedsFile:    "lists/borderland.txt",
		Depth:        1,
		Scope:        capture.ScopeDomain,
		Delay:        &delay,
		MaxPages:     100,
		Remote:       "s3://bucket/prefix",
		IgnoreRobots: true,
		UserAgent:    "VellumTest/1",
		Webhook:      "http://127.0.0.1:9000/hook",
		Line:         3,
		Include:      []*regexp.Regexp{regexp.MustCompile("/news/"), regexp.MustCompile("/world/")},
		Exclude:      []*regexp.Regexp{regexp.MustCompile(`\.mp4$`)},
	}, {
		Name:     "front-page.v2",
		Schedule: "@every 10m",
		Seeds:    []string{"example.net"},
		Scope:    capture.ScopeHost,
		Line:     19,
	}}
	if !reflect.DeepEqual(jobs, want) {
		t.Errorf("got\n%+v\nwant\n%+v", jobs, want)
	}
}

func TestParseJobsAnchors(t *testing.T) {
	const src = `jobs:
  - &news
    name: a
    seeds: [https://example.org/]
    depth: 2
  - <<: *news
    name: b
`
	jobs, err := ParseJobs("jobs.yaml", []byte(src), jobsDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Job{
		{Name: "a", Seeds: []string{"https://example.org/"}, Depth: 2, Scope: capture.ScopeHost, Line: 2},
		{Name: "b", Seeds: []string{"https://example.org/"}, Depth: 2, Scope: capture.ScopeHost, Line: 6},
	}
	if !reflect.DeepEqual(jobs, want) {
		t.Errorf("got\n%+v\nwant\n%+v", jobs, want)
	}
}

func TestLoadJobsMissingFile(t *testing.T) {
	_, err := LoadJobs(filepath.Join(jobsDir, "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

func TestJobsApply(t *testing.T) {
	jobs, err := LoadJobs(filepath.Join(jobsDir, "jobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def := capture.DefaultConfig()

	cfg := def
	jobs[0].Apply(&cfg)
	if cfg.Job != "borderland" || cfg.Depth != 1 || cfg.Scope != capture.ScopeDomain || cfg.Delay != 2*time.Second ||
		cfg.MaxPages != 100 || !cfg.IgnoreRobots || cfg.UserAgent != "VellumTest/1" {
		t.Errorf("borderland applied: %+v", cfg)
	}
	if got := patternStrings(cfg.Include, cfg.Exclude); got != `[/news/ /world/] [\.mp4$]` {
		t.Errorf("borderland applied: include and exclude %s", got)
	}

	cfg = def
	cfg.IgnoreRobots = true
	jobs[1].Apply(&cfg)
	if cfg.Job != "front-page.v2" || cfg.Scope != capture.ScopeHost || cfg.Delay != def.Delay ||
		cfg.IgnoreRobots || cfg.UserAgent != def.UserAgent {
		t.Errorf("front-page.v2 applied: %+v", cfg)
	}

	// A job without patterns clears any the config had: they are the job's.
	cfg = def
	cfg.Include, cfg.Exclude = jobs[0].Include, jobs[0].Exclude
	jobs[1].Apply(&cfg)
	if cfg.Include != nil || cfg.Exclude != nil {
		t.Errorf("front-page.v2 applied: include and exclude %s", patternStrings(cfg.Include, cfg.Exclude))
	}
}

// patternStrings shows lists of patterns as "[a b] [c]".
func patternStrings(lists ...[]*regexp.Regexp) string {
	var out []string
	for _, l := range lists {
		var s []string
		for _, re := range l {
			s = append(s, re.String())
		}
		out = append(out, fmt.Sprint(s))
	}
	return strings.Join(out, " ")
}

// include: and exclude: take one pattern or a list of them, in any YAML
// form, quoted or not, through merge keys too.
func TestParseJobsPatterns(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // patternStrings(include, exclude) of the job "a"
	}{
		{"none", minimalJob, "[] []"},
		{"one string", minimalJob + "    include: /news/\n", "[/news/] []"},
		{"flow list", minimalJob + "    include: [/news/, '/world/']\n    exclude: [skip-me]\n", "[/news/ /world/] [skip-me]"},
		{"block list", minimalJob + "    exclude:\n      - 'ad\\.png$'\n      - \"/(tag|author)/\"\n", `[] [ad\.png$ /(tag|author)/]`},
		{"comma inside", minimalJob + "    include: ['/20[0-9]{2,3}/']\n", "[/20[0-9]{2,3}/] []"},
		{"null", minimalJob + "    include:\n    exclude: ~\n", "[] []"},
		{"empty list", minimalJob + "    include: []\n", "[] []"},
		{"quoted number", minimalJob + "    include: ['2014']\n", "[2014] []"},
		{"through a merge key", "jobs:\n  - &x\n    name: b\n    seeds: [https://example.org/]\n    include: [/a/]\n  - <<: *x\n    name: a\n", "[/a/] []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, err := ParseJobs("jobs.yaml", []byte(tt.yaml), jobsDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				if j.Name != "a" {
					continue
				}
				if got := patternStrings(j.Include, j.Exclude); got != tt.want {
					t.Errorf("include and exclude %s, want %s", got, tt.want)
				}
				if !strings.Contains(tt.yaml, "include:") && j.Include != nil {
					t.Errorf("include %v without the key", j.Include)
				}
			}
		})
	}
}

// minimalJob is the start of a valid entry at line 2; cases append to it.
const minimalJob = "jobs:\n  - name: a\n    seeds: [https://example.org/]\n"

func TestParseJobsErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		want string // a part of the reason
	}{
		// Syntax and structure.
		{"empty file", "", 1, "empty jobs file"},
		{"only comments", "# nothing\n", 1, "empty jobs file"},
		{"jobs null", "# c\njobs:\n", 2, "no jobs"},
		{"jobs empty", "jobs: []\n", 1, "no jobs"},
		{"empty mapping", "{}\n", 1, "no jobs"},
		{"top-level list", "- name: a\n", 1, "sequence was used where mapping is expected"},
		{"jobs not a list", "jobs: a\n", 1, "where sequence is expected"},
		{"job not a mapping", minimalJob + "  - b\n", 4, "where mapping is expected"},
		{"unknown top-level key", minimalJob + "job:\n  - name: b\n", 4, `unknown field "job"`},
		{"unknown field", minimalJob + "    shedule: '@daily'\n", 4, `job "a": unknown field "shedule"`},
		{"unknown field in second job", minimalJob + "  - name: b\n    seeds: [https://example.org/]\n    shedule: '@daily'\n", 6, `job "b": unknown field "shedule"`},
		{"unknown notify field", minimalJob + "    notify:\n      webhok: http://h/\n", 5, `job "a": unknown field "webhok"`},
		{"unclosed list", "jobs:\n  - name: a\n    seeds: [https://example.org/\n", 3, "']' not found"},
		{"unclosed quote", "jobs:\n  - name: \"a\n", 2, "double-quoted"},
		{"tab indent", "jobs:\n\t- name: a\n", 2, "cannot start any token"},
		{"duplicate key", minimalJob + "    name: b\n", 4, `mapping key "name" already defined at [2:5]`},
		{"not a number", minimalJob + "    depth: many\n", 4, `want a whole number, not "many"`},
		{"fractional depth", minimalJob + "    depth: 1.5\n", 4, `want a whole number, not "1.5"`},
		{"fractional max_pages", minimalJob + "    max_pages: 2.7\n", 4, `want a whole number, not "2.7"`},
		{"not a bool", minimalJob + "    ignore_robots: [x]\n", 4, "want true or false, not a list"},
		{"deep flow nesting", "jobs: " + strings.Repeat("[", 200000), 1, "nested too deeply"},
		{"deep block sequences", "jobs:\n" + strings.Repeat("- ", 20000) + "x\n", 2, "nested too deeply"},
		{"deep block mappings", "jobs:\n" + deepMapping(300), 258, "nested too deeply"},
		{"two documents", minimalJob + "---\n" + minimalJob, 5, "more than one YAML document"},
		{"tag without a value", "jobs:\n  - name: a\n    seeds: !tag\n", 3, `job "a": YAML tag "!tag": jobs files take no tags`},
		{"tag on a list", "jobs:\n  - name: a\n    seeds: !!str x\n", 3, `YAML tag "!!str"`},
		{"tag on jobs", "jobs: !!seq\n", 1, `YAML tag "!!seq"`},

		// Names.
		{"no name", "jobs:\n  - seeds: [https://example.org/]\n", 2, "job without a name"},
		{"empty name", "jobs:\n  - name: ''\n    seeds: [https://example.org/]\n", 2, "job without a name"},
		{"bad name", "jobs:\n  - name: a b\n    seeds: [https://example.org/]\n", 2, `invalid job name "a b"`},
		{"dot name", "jobs:\n  - name: ..\n    seeds: [https://example.org/]\n", 2, `invalid job name ".."`},
		{"duplicate name", minimalJob + "  - seeds: [https://example.org/b/]\n    name: a\n", 4, `job "a": job "a" defined again (first at line 2)`},

		// Schedules.
		{"cron out of range", minimalJob + "    schedule: '61 * * * *'\n", 4, `schedule "61 * * * *": end of range (61) above maximum (59)`},
		{"cron fields", minimalJob + "    schedule: '0 */6 * *'\n", 4, "expected exactly 5 fields"},
		{"cron descriptor", minimalJob + "    schedule: '@fortnightly'\n", 4, "unrecognized descriptor"},
		{"cron never", minimalJob + "    schedule: '0 0 30 2 *'\n", 4, "never fires"},
		{"every bad", minimalJob + "    schedule: '@every 10x'\n", 4, `schedule "@every 10x": want @every and a duration`},
		{"every short", minimalJob + "    schedule: '@every 500ms'\n", 4, "at least 1s"},
		{"time zone alone", minimalJob + "    schedule: 'TZ=UTC'\n", 4, `schedule "TZ=UTC": want a time zone, a space and a cron expression`},
		{"newline in schedule", minimalJob + "    schedule: \"@x\\n\"\n", 4, `unrecognized descriptor: @x\n`},
		{"bad time zone", minimalJob + "    schedule: 'CRON_TZ=Nowhere/Land 0 6 * * *'\n", 4, "provided bad location Nowhere/Land"},

		// Seeds.
		{"no seeds", "jobs:\n  - name: a\n", 2, `job "a": no seeds`},
		{"empty seeds", "jobs:\n  - name: a\n    seeds: []\n", 3, "no seeds"},
		{"empty seeds file", "jobs:\n  - name: a\n    seeds_file: lists/empty.txt\n", 3, "no seeds"},
		{"missing seeds file", "jobs:\n  - name: a\n    seeds_file: lists/nope.txt\n", 3, "seeds_file: open "},
		{"bad seed", "jobs:\n  - name: a\n    seeds:\n      - https://example.org/\n      - ftp://example.org/\n", 5, `invalid URL "ftp://example.org/": scheme must be http or https`},
		{"seeds file a device", "jobs:\n  - name: a\n    seeds_file: /dev/zero\n", 3, "seeds_file: /dev/zero: not a regular file"},
		{"seeds file a directory", "jobs:\n  - name: a\n    seeds_file: lists\n", 3, "lists: not a regular file"},
		{"bad seed in file", "jobs:\n  - name: a\n    seeds_file: lists/bad.txt\n", 3, `lists/bad.txt:2: invalid URL "ftp://example.org/files/"`},

		// Settings.
		{"negative depth", minimalJob + "    depth: -1\n", 4, "depth -1: must be 0 or more"},
		{"negative max_pages", minimalJob + "    max_pages: -5\n", 4, "max_pages -5: must be 0 or more"},
		{"negative delay", minimalJob + "    delay: -2s\n", 4, "delay -2s: must not be negative"},
		{"bad delay", minimalJob + "    delay: 2\n", 4, `delay "2": want a duration`},
		{"unknown scope", minimalJob + "    scope: site\n", 4, `unknown scope "site"`},
		{"bad remote scheme", minimalJob + "    remote: https://bucket/p\n", 4, `remote "https://bucket/p": want s3://bucket[/prefix]`},
		{"remote without bucket", minimalJob + "    remote: s3:///p\n", 4, "want s3://bucket"},
		{"relative webhook", minimalJob + "    notify:\n      webhook: /hook\n", 5, "notify.webhook: want an absolute http or https URL"},
		{"ftp webhook", minimalJob + "    notify:\n      webhook: ftp://h/hook\n", 5, "notify.webhook"},

		// Include and exclude patterns: the line is the bad item's when the
		// list is written as a block.
		{"bad include", minimalJob + "    include: 'news/['\n", 4, `job "a": include "news/[": invalid regexp: missing closing ]: "["`},
		{"bad exclude item", minimalJob + "    exclude:\n      - ok\n      - '('\n", 6, `job "a": exclude "(": invalid regexp: missing closing ): "("`},
		{"bad item in a flow list", minimalJob + "    include: [a, '(?!b)']\n", 4, `include "(?!b)": invalid regexp: invalid or unsupported Perl syntax: "(?!"`},
		{"empty include", minimalJob + "    include: ''\n", 4, `include "": empty pattern (it would match every URL)`},
		{"empty exclude item", minimalJob + "    exclude:\n      - a\n      - \"\"\n", 6, `exclude "": empty pattern`},
		{"unquoted number", minimalJob + "    include: [2014]\n", 4, "include: a pattern must be a string: put it in quotes"},
		{"unquoted float item", minimalJob + "    exclude:\n      - a\n      - 1.50\n", 6, "exclude: a pattern must be a string"},
		{"unquoted bool", minimalJob + "    exclude: true\n", 4, "exclude: a pattern must be a string"},
		{"include mapping", minimalJob + "    include: {a: b}\n", 4, "include: want a pattern or a list of patterns, not a mapping"},
		{"include list of lists", minimalJob + "    include:\n      - [a]\n", 5, "include: want a pattern or a list of patterns, not a list of lists"},
		{"empty include item", minimalJob + "    include:\n      - a\n      -\n", 6, "include: want a pattern, not an empty item"},
		{"bad pattern in an anchored entry", "jobs:\n  - &x\n    name: b\n    seeds: [https://example.org/]\n    include: '['\n", 5, `job "b": include "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, err := ParseJobs("jobs.yaml", []byte(tt.yaml), jobsDir)
			if err == nil {
				t.Fatalf("no error; got %+v", jobs)
			}
			msg := err.Error()
			if prefix := fmt.Sprintf("jobs.yaml:%d: ", tt.line); !strings.HasPrefix(msg, prefix) {
				t.Errorf("error %q does not start with %q", msg, prefix)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if strings.ContainsAny(msg, "\n\x1b") {
				t.Errorf("error is not one plain line: %q", msg)
			}
		})
	}
}

// deepMapping nests n mappings, one more space of indentation each.
func deepMapping(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
	}
	return b.String()
}

// TestParseJobsDepthLimitKeepsRealFiles checks that what the depth limit
// measures (columns of block indicators, flow brackets) leaves a
// real file's long lines and comments alone.
func TestParseJobsDepthLimitKeepsRealFiles(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("a", 400)
	src := "jobs:\n  - name: a\n    seeds: [" + long + ", " + long + "]\n" +
		strings.Repeat(" ", 300) + "# a comment far to the right\n" +
		"  - {name: b, seeds: [" + long + "], depth: 1, notify: {webhook: 'http://127.0.0.1/h'}}\n"
	jobs, err := ParseJobs("jobs.yaml", []byte(src), jobsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[1].Depth != 1 {
		t.Errorf("got %+v", jobs)
	}
}

func TestSelectJobs(t *testing.T) {
	jobs := []Job{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	tests := []struct {
		names []string
		want  []string
		err   string
	}{
		{nil, []string{"a", "b", "c"}, ""},
		{[]string{"c", "a"}, []string{"c", "a"}, ""},
		{[]string{"b", "b"}, []string{"b"}, ""},
		{[]string{"a", "nope"}, nil, `unknown job "nope" (known: a, b, c)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			sel, err := SelectJobs(jobs, tt.names)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range sel {
				got = append(got, j.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJobDefinition(t *testing.T) {
	tests := []struct {
		schedule string
		within   time.Duration // the first run is due no later than this from now
		after    time.Duration // and no sooner than this
	}{
		{"*/5 * * * *", 5 * time.Minute, 0},
		{"@hourly", time.Hour, 0},
		{"@every 90m", 90 * time.Minute, 89 * time.Minute},
		{"@every 2s", 2 * time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			def, err := Job{Name: "a", Schedule: tt.schedule}.Definition()
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			next := def.Next(start) // as the Scheduler plans the first turn when it starts
			if !next.After(start.Add(tt.after)) || next.After(start.Add(tt.within+time.Second)) {
				t.Errorf("next run %s from now, want within (%s, %s]", next.Sub(start), tt.after, tt.within)
			}
		})
	}
}

func TestJobDefinitionErrors(t *testing.T) {
	for _, sched := range []string{"", "* * *", "@every 0s", "@every soon"} {
		if _, err := (Job{Name: "a", Schedule: sched}).Definition(); err == nil || !strings.Contains(err.Error(), `job "a"`) {
			t.Errorf("schedule %q: got error %v", sched, err)
		}
	}
}
