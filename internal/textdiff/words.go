package textdiff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEdits is the largest edit distance, in tokens inserted plus deleted, that
// one search computes exactly before Words falls back to a coarser diff. A
// replaced word costs about two edits (the word out, the word in), an inserted
// or deleted word about two (the word and a space). See the package doc.
const maxEdits = 2000

// searchBudget is how much work (see differ.work) each phase of Words may
// spend in all on searching sequences of n tokens. A search that stays within
// maxEdits visits about maxEdits²/4 diagonals, and the searches on the halves
// it leaves fewer again; the rest allows for comparing tokens along the
// diagonals, which only texts with much repetition spend much on.
func searchBudget(n int) int {
	return maxEdits*maxEdits + 16*n
}

// Words returns the word-level diff of old and new: a list of ops with whole
// tokens, in which adjacent ops never share a kind and deletions come before
// insertions wherever both replace the same stretch of text. Identical texts
// give one Equal op, or none if both are empty.
//
// Whitespace without a newline that is left between two changes is counted as
// part of them, so "Monday morning" → "Tuesday evening" reads as one
// replacement rather than two; whitespace holding a newline stays Equal, which
// keeps paragraphs apart.
//
// Texts too far apart for an exact diff within bounded time get a coarser one,
// matched paragraph by paragraph; see the package doc.
func Words(old, new string) []Op {
	ops, _ := words(old, new)
	return ops
}

// words is Words, also reporting whether it had to fall back to a coarser
// diff than the exact one.
func words(old, new string) (ops []Op, coarse bool) {
	if old == new {
		if old == "" {
			return nil, false
		}
		return []Op{{Kind: Equal, Text: old}}, false
	}
	o := text{s: old, b: tokenize(old)}
	n := text{s: new, b: tokenize(new)}
	matches, coarse := diffTokens(o, n)
	slideToWords(o, n, matches)
	return buildOps(o, n, absorbSpaces(o, matches, n.len())), coarse
}

// A text is a string and its token boundaries.
type text struct {
	s string
	b []int // token i is s[b[i]:b[i+1]]
}

func (t text) len() int           { return len(t.b) - 1 }
func (t text) token(i int) string { return t.s[t.b[i]:t.b[i+1]] }

// span returns tokens i to j-1 as one string.
func (t text) span(i, j int) string { return t.s[t.b[i]:t.b[j]] }

// diffTokens returns the matches of a common subsequence of the tokens of o
// and n, in order, and whether it is coarser than the longest one.
func diffTokens(o, n text) ([]match, bool) {
	on, nn := o.len(), n.len()
	pre := 0
	for pre < on && pre < nn && o.token(pre) == n.token(pre) {
		pre++
	}
	suf := 0
	for suf < on-pre && suf < nn-pre && o.token(on-1-suf) == n.token(nn-1-suf) {
		suf++
	}
	matches := make([]match, 0, 16)
	if pre > 0 {
		matches = append(matches, match{0, 0, pre})
	}
	coarse := false
	if pre < on-suf && pre < nn-suf {
		a, b := internTokens(o, n, pre, on-suf, nn-suf)
		d := newDiffer(a, b, maxEdits)
		d.budget = searchBudget(len(a) + len(b))
		if !d.diff(0, len(a), 0, len(b)) {
			d.matches = d.matches[:0]
			diffParagraphs(d, o, n, pre)
			coarse = true
		}
		for _, m := range d.matches {
			matches = append(matches, match{m.a + pre, m.b + pre, m.n})
		}
	}
	if suf > 0 {
		matches = append(matches, match{on - suf, nn - suf, suf})
	}
	return matches, coarse
}

// internTokens numbers the distinct tokens o[lo:oHi] and n[lo:nHi] and
// returns both ranges as numbers.
func internTokens(o, n text, lo, oHi, nHi int) (a, b []int32) {
	ids := make(map[string]int32, 1024)
	intern := func(t text, i int) int32 {
		tok := t.token(i)
		id, ok := ids[tok]
		if !ok {
			id = int32(len(ids))
			ids[tok] = id
		}
		return id
	}
	a = make([]int32, oHi-lo)
	for i := range a {
		a[i] = intern(o, lo+i)
	}
	b = make([]int32, nHi-lo)
	for i := range b {
		b[i] = intern(n, lo+i)
	}
	return a, b
}

// diffParagraphs is the fallback for when the tokens d holds (those of o and
// n from token lo on) are too far apart to diff exactly. It matches whole
// paragraphs first, then diffs word by word the stretches between the
// paragraphs that match. A stretch is left deleted and inserted whole if less
// than two thirds of the tokens of its shorter side are kept, which reads
// better than a word diff of two unrelated paragraphs matching on "the" and
// spaces, or if the budget for all stretches runs out. The matches it adds to
// d are relative to lo, like d's tokens.
func diffParagraphs(d *differ, o, n text, lo int) {
	oPara := paragraphs(o, lo, lo+len(d.a))
	nPara := paragraphs(n, lo, lo+len(d.b))
	ids := make(map[string]int32, len(oPara)+len(nPara))
	intern := func(t text, starts []int) []int32 {
		out := make([]int32, len(starts)-1)
		for i := range out {
			s := t.span(starts[i], starts[i+1])
			id, ok := ids[s]
			if !ok {
				id = int32(len(ids))
				ids[s] = id
			}
			out[i] = id
		}
		return out
	}
	pd := newDiffer(intern(o, oPara), intern(n, nPara), maxEdits)
	pd.budget = searchBudget(len(pd.a) + len(pd.b))
	if !pd.diff(0, len(pd.a), 0, len(pd.b)) {
		return // too many paragraphs differ: delete all, insert all
	}
	d.work, d.budget = 0, searchBudget(len(d.a)+len(d.b))
	ai, bi := 0, 0 // token indices relative to lo
	refine := func(a1, b1 int) {
		// Nothing to refine, or the whole that the exact diff failed on.
		whole := ai == 0 && bi == 0 && a1 == len(d.a) && b1 == len(d.b)
		if ai == a1 || bi == b1 || whole {
			return
		}
		saved := len(d.matches)
		n, m := a1-ai, b1-bi
		d.setLimit(max(n, m) - min(n, m) + 2*min(n, m)/3)
		if !d.diff(ai, a1, bi, b1) {
			d.matches = d.matches[:saved]
		}
	}
	for _, pm := range pd.matches {
		a, b := oPara[pm.a]-lo, nPara[pm.b]-lo
		an, bn := oPara[pm.a+pm.n]-lo-a, nPara[pm.b+pm.n]-lo-b
		if an != bn { // equal text tokenizes the same; this only guards against a slip
			continue
		}
		refine(a, b)
		d.add(a, b, an)
		ai, bi = a+an, b+bn
	}
	refine(len(d.a), len(d.b))
}

// paragraphs returns the indices of the tokens in t[lo:hi] that begin a
// paragraph, followed by hi. A paragraph ends with a whitespace token that
// holds a newline.
func paragraphs(t text, lo, hi int) []int {
	starts := []int{lo}
	for i := lo; i < hi-1; i++ {
		if strings.IndexByte(t.token(i), '\n') >= 0 {
			starts = append(starts, i+1)
		}
	}
	return append(starts, hi)
}

// slideToWords moves each pure insertion or deletion that starts with
// whitespace one token to the right, which keeps the diff as short, so
// that "minister[ finally] resigned" reads "minister [finally ]resigned".
func slideToWords(o, n text, matches []match) {
	for i := 1; i < len(matches); i++ {
		p, q := &matches[i-1], &matches[i]
		if q.n < 2 { // sliding would use up q
			continue
		}
		var first string // the first token of the insertion or deletion
		switch {
		case p.a+p.n == q.a && p.b+p.n < q.b:
			first = n.token(p.b + p.n)
		case p.b+p.n == q.b && p.a+p.n < q.a:
			first = o.token(p.a + p.n)
		default:
			continue
		}
		if r, _ := utf8.DecodeRuneInString(first); unicode.IsSpace(r) && first == o.token(q.a) {
			p.n++
			q.a, q.b, q.n = q.a+1, q.b+1, q.n-1
		}
	}
}

// absorbSpaces drops matches that are only whitespace, without a newline,
// between two changes, so the changes on either side read as one. o is the
// old text and nn the number of tokens in the new one.
func absorbSpaces(o text, matches []match, nn int) []match {
	out := matches[:0]
	ae, be := 0, 0 // end of the last match kept
	for i, m := range matches {
		na, nb := o.len(), nn
		if i+1 < len(matches) {
			na, nb = matches[i+1].a, matches[i+1].b
		}
		before := m.a > ae || m.b > be
		after := na > m.a+m.n || nb > m.b+m.n
		if before && after && m.n == 1 && isInlineSpace(o.token(m.a)) {
			continue
		}
		out = append(out, m)
		ae, be = m.a+m.n, m.b+m.n
	}
	return out
}

func isInlineSpace(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsSpace(r) && strings.IndexByte(tok, '\n') < 0
}

// buildOps turns matches into ops: between two matches, the old tokens are
// deleted and then the new ones inserted.
func buildOps(o, n text, matches []match) []Op {
	ops := make([]Op, 0, 3*len(matches)+2)
	ai, bi := 0, 0
	emit := func(m match) {
		if m.a > ai {
			ops = append(ops, Op{Kind: Delete, Text: o.span(ai, m.a)})
		}
		if m.b > bi {
			ops = append(ops, Op{Kind: Insert, Text: n.span(bi, m.b)})
		}
		if m.n > 0 {
			ops = append(ops, Op{Kind: Equal, Text: o.span(m.a, m.a+m.n)})
		}
		ai, bi = m.a+m.n, m.b+m.n
	}
	for _, m := range matches {
		emit(m)
	}
	emit(match{o.len(), n.len(), 0})
	return ops
}
