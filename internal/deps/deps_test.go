package deps

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/vellumhq/vellum/"

// rule says which of our packages the packages under a prefix may import
// (besides their own subtree). An empty allow means none.
type rule struct {
	pkg   string   // a package path under the module; its subpackages too
	allow []string // prefixes of what it may import
	why   string
}

var rules = []rule{
	{"warc", nil, "warc imports nothing of ours"},
	{"storage", nil, "storage imports nothing of ours"},
	{"capture/record", []string{"warc"}, "the recorder imports warc only"},
	{"capture/browser", []string{"internal/"}, "the browser driver and its recording proxy import nothing of ours but internal/ helpers: the capture engine imports them"},
	{"capture/extract", []string{"internal/"}, "extraction imports nothing of ours but the shared scanners"},
	{"replay/rewrite", []string{"internal/"}, "rewriting imports nothing of ours but the shared scanners"},
	{"capture", []string{"warc", "index", "storage", "internal/"}, "capture may import warc, index and storage"},
	{"replay", []string{"warc", "index", "storage", "internal/"}, "replay never imports capture (it gets capture functions injected)"},
	{"index", []string{"warc", "storage", "internal/"}, "the index sits below capture and replay"},
	{"serve", []string{"warc", "index", "storage", "internal/"}, "serve owns a node's index, stores and loops; the scheduler and replay are wired in by cmd"},
	{"api", []string{"serve", "index", "warc", "internal/"}, "the API takes the capture queue from serve and reads the index; the capture engine is wired in by cmd"},
	{"internal", nil, "what internal/ holds is shared by the packages above it: it imports nothing of ours"},
}

// packages lists the module's packages (tests left out) with their imports
// of the module's own packages, as paths relative to the module.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var ours []string
		for _, imp := range f[1:] {
			if rel, ok := strings.CutPrefix(imp, module); ok {
				ours = append(ours, rel)
			}
		}
		pkgs[strings.TrimPrefix(f[0], module)] = ours
	}
	return pkgs
}

func under(pkg, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(pkg, prefix)
	}
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

// ruleFor is the most specific rule for pkg: capture/record's, not capture's.
func ruleFor(pkg string) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules {
		if under(pkg, r.pkg) && (!found || len(r.pkg) > len(best.pkg)) {
			best, found = r, true
		}
	}
	return best, found
}

func TestImportDirections(t *testing.T) {
	pkgs := packages(t)
	for _, r := range rules {
		exists := false
		for pkg := range pkgs {
			exists = exists || under(pkg, r.pkg)
		}
		if !exists {
			t.Errorf("no package %s (DESIGN.md §3 names it)", r.pkg)
		}
	}
	for pkg, imps := range pkgs {
		for _, imp := range imps {
			if under(imp, "cmd") {
				t.Errorf("%s imports %s: nothing imports cmd", pkg, imp)
			}
			if under(imp, "bench") && !under(pkg, "bench") {
				t.Errorf("%s imports %s: nothing but the benchmarks imports bench", pkg, imp)
			}
			r, ok := ruleFor(pkg)
			if !ok || under(imp, r.pkg) {
				continue
			}
			if !slices.ContainsFunc(r.allow, func(p string) bool { return under(imp, p) }) {
				t.Errorf("%s imports %s: %s", pkg, imp, r.why)
			}
		}
	}
}

// The rules themselves: a rule for a subpackage wins over its parent's.
func TestRuleForPicksTheMostSpecific(t *testing.T) {
	for pkg, want := range map[string]string{
		"capture/record": "capture/record", "capture/jobs": "capture", "capture": "capture", "capture/browser": "capture/browser",
		"replay/rewrite": "replay/rewrite", "storage/s3": "storage", "warc": "warc", "internal/cssurl": "internal",
	} {
		if r, _ := ruleFor(pkg); r.pkg != want {
			t.Errorf("ruleFor(%s) = %s, want %s", pkg, r.pkg, want)
		}
	}
	if _, ok := ruleFor("cmd/vellum"); ok {
		t.Errorf("cmd/vellum has a rule; it may import anything of ours")
	}
}

// nlnwa/gowarc is the tests' independent WARC reader (internal/warctest): no
// package of the product may bring it in.
func TestGowarcOnlyInTests(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] != module+"internal/warctest" &&
			slices.ContainsFunc(f[1:], func(imp string) bool { return strings.HasPrefix(imp, "github.com/nlnwa/gowarc") }) {
			t.Errorf("%s imports nlnwa/gowarc, which only internal/warctest may (for tests)", f[0])
		}
	}
}
