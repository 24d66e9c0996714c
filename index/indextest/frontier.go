package indextest

import (
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
)

func frontierItems(t *testing.T, x Index, run string) string {
	t.Helper()
	items, err := x.Frontier(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, it := range items {
		d := ""
		if it.Done {
			d = "+" + it.Change
		}
		s = append(s, it.URL+d)
	}
	return strings.Join(s, " ")
}

// A run's frontier keeps its claims in order and what each finished page
// was found to be, so a run killed mid-crawl resumes where it stopped (a
// URL claimed again is not claimed twice); a finished run's changes move
// to its history and its frontier goes.
func frontier(t *testing.T, x Index) {
	w := x.NewFrontierWriter(runA, 0)
	w.Claim(index.FrontierItem{URL: "http://example.com/", Kind: index.KindPage, Seed: 0, Scope: "http://example.com/"})
	w.Claim(index.FrontierItem{URL: "http://example.com/b", Kind: index.KindPage, Depth: 1, Seed: -1, Referer: "http://example.com/"})
	w.Claim(index.FrontierItem{URL: "http://example.com/s.css", Kind: index.KindRequisite, Depth: 1, Seed: -1})
	w.Done("http://example.com/", &index.Change{RunID: runA, URL: "http://example.com/home", Change: index.ChangeNew, TS: "20240101100000"})
	w.Done("http://example.com/s.css", nil)
	if err := w.Close(); err != nil {
		t.Fatalf("FrontierWriter.Close: %v", err)
	}
	want(t, "frontier", frontierItems(t, x, runA), "http://example.com/+new http://example.com/b http://example.com/s.css+")
	items, _ := x.Frontier(ctx, runA)
	if len(items) == 3 && (items[1].Depth != 1 || items[1].Seed != -1 || items[1].Referer != "http://example.com/" || items[2].Kind != index.KindRequisite) {
		t.Errorf("frontier items: %+v", items)
	}
	n, err := x.FrontierSize(ctx, runA)
	if err != nil || n != 3 {
		t.Fatalf("FrontierSize = %d, %v; want 3", n, err)
	}
	ch, err := x.FrontierChanges(ctx, runA)
	if err != nil || len(ch) != 1 || ch[0].URL != "http://example.com/home" || ch[0].Change != index.ChangeNew {
		t.Errorf("FrontierChanges = %+v, %v; want the page where its redirect led, new", ch, err)
	}

	resumed := x.NewFrontierWriter(runA, n)
	resumed.Claim(index.FrontierItem{URL: "http://example.com/", Kind: index.KindPage}) // claimed already
	resumed.Claim(index.FrontierItem{URL: "http://example.com/c", Kind: index.KindPage, Seed: -1})
	resumed.Done("http://example.com/b", &index.Change{RunID: runA, URL: "http://example.com/b", Change: index.ChangeUnchanged, TS: "20240101100500", PrevTS: "20231201100000"})
	if err := resumed.Close(); err != nil {
		t.Fatal(err)
	}
	want(t, "resumed frontier", frontierItems(t, x, runA),
		"http://example.com/+new http://example.com/b+unchanged http://example.com/s.css+ http://example.com/c")
	if m, _ := x.FrontierSize(ctx, runA); m < 4 {
		t.Errorf("FrontierSize after resuming = %d, want at least 4: where a next resumption continues the order", m)
	}
	if err := x.FinishFrontier(ctx, runA); err != nil {
		t.Fatal(err)
	}
	changes, err := x.Changes(ctx, runA, "")
	if err != nil || len(changes) != 2 || changes[0].URL != "http://example.com/b" || changes[0].PrevTS != "20231201100000" ||
		changes[1].URL != "http://example.com/home" {
		t.Errorf("Changes after FinishFrontier = %+v, %v", changes, err)
	}
	if got := frontierItems(t, x, runA); got != "" {
		t.Errorf("frontier after FinishFrontier: %s", got)
	}
	if n, _ := x.FrontierSize(ctx, runA); n != 0 {
		t.Errorf("FrontierSize after FinishFrontier = %d", n)
	}
}
