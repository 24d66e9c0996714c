package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// common are the most frequent words, ranks 1–100.
var common = strings.Fields(`the of and to a in is that for it as was with be by on not he this are or his from at which
	but have an they you were her she there been one all we their has would when if so no will more can who said
	about out up them some could into than then its only other new time two may first also after any like our
	over these such where most made people years before through many back much well should because each`)

var syllables = strings.Fields(`ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo lu ma me mi mo mu na ne ni
	no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to tu va ve vi vo za ze zo ar en il or us an ir ol`)

// generator makes the synthetic articles; its output depends on the seed only.
type generator struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string // by rank
	sites []string
}

const vocabSize = 60000

func newGenerator(seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x5ea4c4))}
	g.zipf = rand.NewZipf(g.rng, 1.07, 2, vocabSize-1)
	seen := map[string]bool{}
	g.vocab = append(g.vocab, common...)
	for _, w := range common {
		seen[w] = true
	}
	for len(g.vocab) < vocabSize {
		n := 2 + g.rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syllables[g.rng.IntN(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	for i := range 300 {
		g.sites = append(g.sites, fmt.Sprintf("https://www.%s-%s.example", g.vocab[200+i], []string{"news", "post", "times", "daily"}[i%4]))
	}
	return g
}

func (g *generator) word() string { return g.vocab[g.zipf.Uint64()] }

// words is n words as sentences: capitalised, with full stops and commas.
func (g *generator) words(n int) string {
	var b strings.Builder
	start := true
	for i := range n {
		w := g.word()
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		switch r := g.rng.IntN(100); {
		case r < 6 || i == n-1:
			b.WriteByte('.')
			start = true
		case r < 12:
			b.WriteByte(',')
		}
	}
	return b.String()
}

var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// pages makes article rows i to j-1 (a tenth of them a second capture of
// the article before, with the same text).
func (g *generator) pages(i, j int, prev *index.Page) []index.Page {
	out := make([]index.Page, 0, j-i)
	for k := i; k < j; k++ {
		when := epoch.Add(time.Duration(k) * (5 * 365 * 24 * time.Hour / 100000)) // five years over 100,000 articles
		ts := warc.Timestamp14(when)
		file := fmt.Sprintf("warcs/%s/%s-%05d.warc.gz", when.Format("2006/01/02"), when.Format("20060102T150405Z"), k/1000)
		if prev != nil && prev.URL != "" && g.rng.IntN(10) == 0 {
			p := *prev
			p.Timestamp, p.Filename, p.Offset, p.RecordID = ts, file, int64(k%1000)*10000, fmt.Sprintf("<urn:uuid:%d>", k)
			out = append(out, p)
			*prev = index.Page{}
			continue
		}
		site := g.sites[g.rng.IntN(len(g.sites))]
		u := fmt.Sprintf("%s/%s/%s-%d.html", site, when.Format("2006/01"), g.vocab[100+g.rng.IntN(2000)], k)
		key, _ := warc.SURT(u)
		p := index.Page{RecordID: fmt.Sprintf("<urn:uuid:%d>", k), URLKey: key, Timestamp: ts, URL: u, Filename: file,
			Offset: int64(k%1000) * 10000, PageMeta: index.PageMeta{
				Title: strings.TrimSuffix(g.words(4+g.rng.IntN(7)), "."), Authors: []string{g.vocab[300+g.rng.IntN(5000)] + " " + g.vocab[300+g.rng.IntN(5000)]},
				SiteName: strings.TrimPrefix(site, "https://www."), Text: g.words(600 + g.rng.IntN(601)),
			}}
		out = append(out, p)
		*prev = p
	}
	return out
}
