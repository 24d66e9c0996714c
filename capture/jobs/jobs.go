package jobs

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/robfig/cron/v3"
	"github.com/vellumhq/vellum/capture"
)

// Job is one entry of a jobs file: a capture to run now (`vellum run`) or on
// a schedule (`vellum serve --jobs`).
type Job struct {
	Name         string         // unique in the file; [A-Za-z0-9._-]+, used in logs and file names
	Schedule     string         // 5-field cron, an @ descriptor or "@every D"; "" = run only on demand
	Seeds        []string       // `seeds`, then the seeds file's URLs, in order and as written
	SeedsFile    string         // `seeds_file` as written; relative to the jobs file's directory
	Depth        int            // link hops from the seeds
	Scope        capture.Scope  // capture.ScopeHost when not given
	Delay        *time.Duration // nil = not set (the capture default applies)
	MaxPages     int            // 0 = no limit
	Remote       string         // s3://bucket[/prefix], or "" for none
	IgnoreRobots bool           // fetch what robots.txt disallows
	UserAgent    string         // "" = the capture default
	Webhook      string         // notify.webhook: an absolute http(s) URL, or ""
	Line         int            // line of the job's entry in the jobs file

	// Include and Exclude are the include: and exclude: patterns, compiled
	// (capture.Config.Include and Exclude); nil when not given.
	Include []*regexp.Regexp
	Exclude []*regexp.Regexp
	// Browser is the browser: key (true, auto or false): which pages are
	// loaded in headless Chromium.
	Browser capture.BrowserMode
}

// minEvery is the shortest "@every" interval: anything shorter would hammer
// the sites being preserved.
const minEvery = time.Second

var jobNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// LoadJobs reads and validates the jobs file at path; seeds files are
// resolved relative to its directory. See ParseJobs for the errors.
func LoadJobs(path string) ([]Job, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jobs file: %w", err)
	}
	return ParseJobs(path, data, filepath.Dir(path))
}

// ParseJobs parses and validates the jobs file data, named file in errors;
// relative seeds files are read from dir. The first problem found is
// returned as one line, "FILE:LINE: job "NAME": reason", or "FILE:LINE:
// reason" when the problem is not inside a named job.
func ParseJobs(file string, data []byte, dir string) ([]Job, error) {
	if line := tooDeep(data); line > 0 {
		return nil, lineError(file, line, "", "nested too deeply (a jobs file needs a few levels)")
	}
	f, err := parseYAML(data)
	if err != nil {
		return nil, yamlError(file, nil, err)
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, lineError(file, 1, "", "empty jobs file (want a jobs: list)")
	}
	if len(f.Docs) > 1 {
		return nil, lineError(file, nodeLine(f.Docs[1].Body), "", "more than one YAML document")
	}
	body := f.Docs[0].Body
	// The document is decoded whole so that anchors and aliases resolve;
	// the entries' nodes only give line numbers.
	var entries []ast.Node
	if kv, ok := keyNodes(body)["jobs"]; ok {
		entries = items(kv.Value)
	}
	if tag := firstTag(body); tag != nil {
		line := nodeLine(tag)
		return nil, lineError(file, line, jobAt(entries, line), "YAML tag %q: jobs files take no tags", tag.Start.Value)
	}
	var top struct {
		Jobs []rawJob `yaml:"jobs"`
	}
	if err := decodeYAML(body, &top); err != nil {
		return nil, yamlError(file, entries, err)
	}
	if len(top.Jobs) == 0 {
		return nil, lineError(file, nodeLine(body), "", "no jobs (want a jobs: list with at least one job)")
	}
	jobs := make([]Job, 0, len(top.Jobs))
	first := make(map[string]int) // name → line
	for i, r := range top.Jobs {
		var n ast.Node = body
		if len(entries) == len(top.Jobs) {
			n = entries[i]
		}
		j, err := checkJob(file, dir, r, n)
		if err != nil {
			return nil, err
		}
		if at, ok := first[j.Name]; ok {
			return nil, lineError(file, j.Line, j.Name, "job %q defined again (first at line %d)", j.Name, at)
		}
		first[j.Name] = j.Line
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// rawJob is a job as written in the file.
type rawJob struct {
	Name         string   `yaml:"name"`
	Schedule     string   `yaml:"schedule"`
	Seeds        []string `yaml:"seeds"`
	SeedsFile    string   `yaml:"seeds_file"`
	Depth        int      `yaml:"depth"`
	Scope        string   `yaml:"scope"`
	Include      any      `yaml:"include"` // a pattern or a list of them (patternsOf)
	Exclude      any      `yaml:"exclude"`
	Browser      any      `yaml:"browser"` // true, false or auto
	Delay        *string  `yaml:"delay"`
	MaxPages     int      `yaml:"max_pages"`
	Remote       string   `yaml:"remote"`
	IgnoreRobots bool     `yaml:"ignore_robots"`
	UserAgent    string   `yaml:"user_agent"`
	Notify       struct {
		Webhook string `yaml:"webhook"`
	} `yaml:"notify"`
}

// checkJob checks the job r, written at node n, and reads its seeds file.
// Errors point at the line of the offending key (or seed) when there is
// one, else at the entry.
func checkJob(file, dir string, r rawJob, n ast.Node) (Job, error) {
	keys := keyNodes(n)
	j := Job{
		Name: r.Name, Schedule: r.Schedule, SeedsFile: r.SeedsFile,
		Depth: r.Depth, Scope: capture.ScopeHost, MaxPages: r.MaxPages, Remote: r.Remote,
		IgnoreRobots: r.IgnoreRobots, UserAgent: r.UserAgent, Webhook: r.Notify.Webhook,
		Line: nodeLine(n),
	}
	// at is the line of the key at path (e.g. "notify", "webhook"), or of
	// its nearest parent in the file.
	at := func(path ...string) int {
		l, kv := j.Line, keys[path[0]]
		for i := 1; kv != nil; i++ {
			l = nodeLine(kv.Key)
			if i == len(path) {
				break
			}
			kv = keyNodes(kv.Value)[path[i]]
		}
		return l
	}
	fail := func(key, format string, args ...any) (Job, error) {
		return Job{}, lineError(file, at(key), j.Name, format, args...)
	}

	switch {
	case j.Name == "":
		return fail("name", "job without a name")
	case !jobNameRE.MatchString(j.Name) || j.Name == "." || j.Name == "..":
		return Job{}, lineError(file, at("name"), "", "invalid job name %q (want letters, digits, '.', '_' or '-')", j.Name)
	case j.Depth < 0:
		return fail("depth", "depth %d: must be 0 or more", j.Depth)
	case j.MaxPages < 0:
		return fail("max_pages", "max_pages %d: must be 0 or more", j.MaxPages)
	}
	// The decoder truncates 1.5 into an int field without a word.
	for _, k := range []string{"depth", "max_pages"} {
		if kv := keys[k]; kv != nil {
			if _, ok := kv.Value.(*ast.FloatNode); ok {
				return fail(k, "want a whole number, not %q", kv.Value.GetToken().Value)
			}
		}
	}
	if j.Schedule != "" {
		if _, err := parseSchedule(j.Schedule); err != nil {
			return fail("schedule", "%w", err)
		}
	}
	if r.Scope != "" {
		sc, err := capture.ParseScope(r.Scope)
		if err != nil {
			return fail("scope", "%w", err)
		}
		j.Scope = sc
	}
	for _, p := range []struct {
		key string
		raw any
		out *[]*regexp.Regexp
	}{{"include", r.Include, &j.Include}, {"exclude", r.Exclude, &j.Exclude}} {
		var err error
		if *p.out, err = checkPatterns(file, j.Name, p.key, p.raw, keys[p.key], at(p.key)); err != nil {
			return Job{}, err
		}
	}
	if r.Browser != nil {
		v := fmt.Sprint(r.Browser)
		m, err := capture.ParseBrowserMode(v)
		if _, isMap := r.Browser.(map[string]any); err != nil || isMap || strings.TrimSpace(v) == "" {
			return fail("browser", "browser %q: want true, auto or false", v)
		}
		j.Browser = m
	}
	if r.Delay != nil {
		d, err := time.ParseDuration(*r.Delay)
		if err != nil {
			return fail("delay", "delay %q: want a duration like 2s or 500ms", *r.Delay)
		}
		if d < 0 {
			return fail("delay", "delay %s: must not be negative", d)
		}
		j.Delay = &d
	}
	if j.Remote != "" {
		if err := checkRemote(j.Remote); err != nil {
			return fail("remote", "%w", err)
		}
	}
	if j.Webhook != "" {
		if u, err := url.Parse(j.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL is not shown: webhooks often carry a token.
			return Job{}, lineError(file, at("notify", "webhook"), j.Name, "notify.webhook: want an absolute http or https URL")
		}
	}

	var seedNodes []ast.Node
	if kv, ok := keys["seeds"]; ok {
		seedNodes = items(kv.Value)
	}
	for i, s := range r.Seeds {
		if _, err := capture.ParseSeed(s); err != nil {
			l := at("seeds")
			if i < len(seedNodes) {
				l = nodeLine(seedNodes[i])
			}
			return Job{}, lineError(file, l, j.Name, "%w", err)
		}
	}
	j.Seeds = r.Seeds
	if j.SeedsFile != "" {
		more, err := readSeedsFile(dir, j.SeedsFile)
		if err != nil {
			return fail("seeds_file", "%w", err)
		}
		j.Seeds = append(j.Seeds, more...)
	}
	if len(j.Seeds) == 0 {
		key := "seeds"
		if j.SeedsFile != "" {
			key = "seeds_file" // an empty file is the likelier surprise
		}
		return fail(key, "no seeds (give seeds, or a seeds_file with at least one URL)")
	}
	return j, nil
}

// checkPatterns compiles the patterns of the include: or exclude: key
// (key), decoded as raw and written at kv (nil when it came through a
// merge key) on line keyLine. A bad one is an error at its own line when
// the list is written there, else at the key's.
func checkPatterns(file, name, key string, raw any, kv *ast.MappingValueNode, keyLine int) ([]*regexp.Regexp, error) {
	exprs, bad, err := patternsOf(raw)
	if err != nil {
		err = fmt.Errorf("%s: %w", key, err)
	}
	var res []*regexp.Regexp
	for i := 0; err == nil && i < len(exprs); i++ {
		var re []*regexp.Regexp
		if re, err = capture.CompilePatterns(key, exprs[i:i+1]); err != nil {
			bad = i
		}
		res = append(res, re...)
	}
	if err == nil {
		return res, nil
	}
	line := keyLine
	if kv != nil && bad >= 0 {
		if nodes := items(kv.Value); bad < len(nodes) {
			line = nodeLine(nodes[bad])
		}
	}
	return nil, lineError(file, line, name, "%w", err)
}

// parseSchedule checks a schedule and returns it: an interval for
// "@every D", the parsed expression for cron expressions and the other @
// descriptors (in local time unless it names a time zone).
func parseSchedule(spec string) (cron.Schedule, error) {
	if rest, ok := strings.CutPrefix(spec, "@every"); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("schedule %q: want @every and a duration like 10m", spec)
		}
		if d < minEvery {
			return nil, fmt.Errorf("schedule %q: interval must be at least %s", spec, minEvery)
		}
		return interval(d), nil
	}
	// robfig/cron (v3.0.1) slices out of range on a time zone prefix with
	// nothing after it ("TZ=UTC"): it looks for the space that ends it.
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return nil, fmt.Errorf("schedule %q: want a time zone, a space and a cron expression", spec)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		// cron's message repeats the spec as is, newlines and all.
		return nil, fmt.Errorf("schedule %q: %s", spec, oneLine(err.Error()))
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("schedule %q: never fires", spec)
	}
	return sched, nil
}

// interval is the schedule of "@every D": D after the time given. Not
// cron's own "@every" (ConstantDelaySchedule), which rounds D down to whole
// seconds and lands the turns on them: "@every 1500ms" means 1.5 s.
type interval time.Duration

func (i interval) Next(t time.Time) time.Time { return t.Add(time.Duration(i)) }

// checkRemote checks the syntax of a remote, s3://bucket[/prefix]; the full
// check (bucket naming rules, credentials) is the store's, when it connects.
func checkRemote(remote string) error {
	rest, ok := strings.CutPrefix(remote, "s3://")
	if bucket, _, _ := strings.Cut(rest, "/"); !ok || bucket == "" {
		return fmt.Errorf("remote %q: want s3://bucket[/prefix]", remote)
	}
	return nil
}

// readSeedsFile reads one URL a line from name (relative to dir), skipping
// blank lines and lines starting with '#', and checks each URL.
func readSeedsFile(dir, name string) ([]string, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := readRegular(path)
	if err != nil {
		return nil, fmt.Errorf("seeds_file: %w", err)
	}
	var seeds []string
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if _, err := capture.ParseSeed(s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		seeds = append(seeds, s)
	}
	return seeds, nil
}

// readRegular reads the regular file at path: a FIFO would block the
// jobs file's check forever and a device could be endless.
func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return io.ReadAll(f)
}

// SelectJobs returns the jobs named, in the order named and each once; all
// of them when names is empty. An unknown name is an error that lists the
// known ones.
func SelectJobs(jobs []Job, names []string) ([]Job, error) {
	if len(names) == 0 {
		return jobs, nil
	}
	byName := make(map[string]int, len(jobs))
	known := make([]string, len(jobs))
	for i, j := range jobs {
		byName[j.Name] = i
		known[i] = j.Name
	}
	var sel []Job
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		i, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("unknown job %q (known: %s)", name, strings.Join(known, ", "))
		}
		if !seen[name] {
			seen[name] = true
			sel = append(sel, jobs[i])
		}
	}
	return sel, nil
}

// Definition turns the job's schedule into the cron.Schedule the Scheduler
// follows: a turn every D for "@every D", the cron expression or @
// descriptor otherwise, in local time unless it names a time zone.
func (j Job) Definition() (cron.Schedule, error) {
	if j.Schedule == "" {
		return nil, fmt.Errorf("job %q: no schedule", j.Name)
	}
	sched, err := parseSchedule(j.Schedule)
	if err != nil {
		return nil, fmt.Errorf("job %q: %w", j.Name, err)
	}
	return sched, nil
}

// Apply sets the job's capture settings on cfg; a delay or user agent the
// job does not set leaves cfg's.
func (j Job) Apply(cfg *capture.Config) {
	cfg.Job = j.Name
	cfg.Depth = j.Depth
	if j.Scope != "" {
		cfg.Scope = j.Scope
	}
	if j.Delay != nil {
		cfg.Delay = *j.Delay
	}
	cfg.Include, cfg.Exclude = j.Include, j.Exclude
	cfg.Browser.Mode = j.Browser
	cfg.MaxPages = j.MaxPages
	cfg.IgnoreRobots = j.IgnoreRobots
	if j.UserAgent != "" {
		cfg.UserAgent = j.UserAgent
	}
}
