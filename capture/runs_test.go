package capture_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// A page reached through a redirect is compared, and its change recorded,
// under the URL it redirects to: that is where both captures' texts are.
func TestChangeOfARedirectedPageIsFiledUnderItsTarget(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	first := run(t, cfg, site.URL("/latest"))
	if len(first.Changes) != 1 || first.Changes[0].URL != site.ArticleURL() || first.Changes[0].Change != index.ChangeNew {
		t.Fatalf("first run's changes: %+v", first.Changes)
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	site.EditArticle(func(html string) string { return strings.Replace(html, "two metres", "three metres", 1) })
	cfg.RunID = ""
	second := run(t, cfg, site.URL("/latest"))
	if len(second.Changes) != 1 {
		t.Fatalf("second run's changes: %+v", second.Changes)
	}
	c := second.Changes[0]
	if c.URL != site.ArticleURL() || c.Change != index.ChangeChanged || c.PrevTS != first.Changes[0].TS || c.TS == c.PrevTS {
		t.Fatalf("change: %+v (first %+v)", c, first.Changes[0])
	}
	idx, err := index.Open(context.Background(), filepath.Join(cfg.Archive, index.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	key, _ := warc.SURT(c.URL)
	for _, ts := range []string{c.PrevTS, c.TS} {
		if p, ok, err := idx.PageAt(context.Background(), key, ts); err != nil || !ok || !strings.Contains(p.Text, "metres") {
			t.Errorf("page text at %s: ok=%v err=%v", ts, ok, err)
		}
	}
	if second.Run.Counts.Changed != 1 || second.Stats.Revisits == 0 {
		t.Errorf("second run counts %+v, stats %+v", second.Run.Counts, second.Stats)
	}
}
