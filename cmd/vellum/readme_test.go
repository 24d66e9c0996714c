package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/spf13/pflag"
)

// Every flag of every command is in the README, and the README links no
// file outside the repository.
func TestReadmeListsEveryFlag(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	root := newRoot()
	root.InitDefaultVersionFlag()
	for _, cmd := range root.Commands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			if !regexp.MustCompile("`--" + regexp.QuoteMeta(f.Name) + "[ =`]").MatchString(readme) {
				t.Errorf("README does not list `vellum %s --%s`", cmd.Name(), f.Name)
			}
		})
	}
	for _, want := range []string{"`vellum version`", "go install ./cmd/vellum", "make build", "http://127.0.0.1:8080/web/"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(readme) {
			t.Errorf("README does not say %s", want)
		}
	}
	if !regexp.MustCompile(`docker run .*-p 8080:8080 .*vellum serve`).MatchString(readme) {
		t.Errorf("README does not show docker run -p 8080:8080 … vellum serve")
	}
	if regexp.MustCompile(`\.\./`).MatchString(readme) {
		t.Errorf("README points outside the repository (../)")
	}
}
