package textdiff

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []Op
	}{
		{"both empty", "", "", nil},
		{"identical", "The minister resigned.\n\nMore later.", "The minister resigned.\n\nMore later.",
			[]Op{{Equal, "The minister resigned.\n\nMore later."}}},
		{"all inserted", "", "Breaking news.", []Op{{Insert, "Breaking news."}}},
		{"all deleted", "Breaking news.", "", []Op{{Delete, "Breaking news."}}},
		{"changed word", "The minister resigned on Monday.", "The minister resigned on Tuesday.",
			[]Op{{Equal, "The minister resigned on "}, {Delete, "Monday"}, {Insert, "Tuesday"}, {Equal, "."}}},
		{"inserted words", "The minister resigned.", "The prime minister finally resigned.",
			[]Op{{Equal, "The "}, {Insert, "prime "}, {Equal, "minister "}, {Insert, "finally "}, {Equal, "resigned."}}},
		{"deleted sentence", "He left. Nobody knows why. Then he came back.", "He left. Then he came back.",
			[]Op{{Equal, "He left. "}, {Delete, "Nobody knows why. "}, {Equal, "Then he came back."}}},
		{"punctuation only", "Yes, he did.", "Yes; he did!",
			[]Op{{Equal, "Yes"}, {Delete, ","}, {Insert, ";"}, {Equal, " he did"}, {Delete, "."}, {Insert, "!"}}},
		{"adjacent words replaced as one", "It rained on Monday morning here.", "It rained on Tuesday evening here.",
			[]Op{{Equal, "It rained on "}, {Delete, "Monday morning"}, {Insert, "Tuesday evening"}, {Equal, " here."}}},
		{"paragraph break stays equal", "Old first.\n\nOld second.", "New first.\n\nNew second.",
			[]Op{{Delete, "Old"}, {Insert, "New"}, {Equal, " first.\n\n"}, {Delete, "Old"}, {Insert, "New"}, {Equal, " second."}}},
		{"hyphen and apostrophe in words", "A well-known mayor didn't run.", "A little-known mayor didn’t run.",
			[]Op{{Equal, "A "}, {Delete, "well-known"}, {Insert, "little-known"}, {Equal, " mayor "}, {Delete, "didn't"}, {Insert, "didn’t"}, {Equal, " run."}}},
		{"number", "Sales rose 1.5% to $20,000.", "Sales rose 2.25% to $21,500.",
			[]Op{{Equal, "Sales rose "}, {Delete, "1.5"}, {Insert, "2.25"}, {Equal, "% to $"}, {Delete, "20,000"}, {Insert, "21,500"}, {Equal, "."}}},
		{"accented", "Le ministre a démissionné lundi à Genève.", "Le ministre a démissionné mardi à Zürich.",
			[]Op{{Equal, "Le ministre a démissionné "}, {Delete, "lundi"}, {Insert, "mardi"}, {Equal, " à "}, {Delete, "Genève"}, {Insert, "Zürich"}, {Equal, "."}}},
		{"chinese", "首相于周一辞职。", "首相于周二辞职。",
			[]Op{{Equal, "首相于周"}, {Delete, "一"}, {Insert, "二"}, {Equal, "辞职。"}}},
		{"japanese", "東京で地震があった。", "大阪で地震があった。",
			[]Op{{Delete, "東京"}, {Insert, "大阪"}, {Equal, "で地震があった。"}}},
		{"korean", "서울 시장이 사임했다.", "부산 시장이 사임했다.",
			[]Op{{Delete, "서울"}, {Insert, "부산"}, {Equal, " 시장이 사임했다."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := Words(tt.old, tt.new)
			if !slices.Equal(ops, tt.want) {
				t.Errorf("Words(%q, %q)\n got %q\nwant %q", tt.old, tt.new, ops, tt.want)
			}
			checkOps(t, tt.old, tt.new, ops)
		})
	}
}

func TestCount(t *testing.T) {
	ops := Words("The minister resigned on Monday, aides said.", "The prime minister resigned on Tuesday.")
	want := Stats{Inserted: 2, Deleted: 3, Unchanged: 4}
	if got := Count(ops); got != want {
		t.Errorf("Count(%q) = %+v, want %+v", ops, got, want)
	}
}

func TestHTML(t *testing.T) {
	ops := []Op{
		{Equal, "Tom & Jerry's "},
		{Delete, "<b>old</b>"},
		{Insert, `<script>alert("x")</script>`},
		{Equal, "\n\nnext & last"},
	}
	want := `Tom &amp; Jerry&#39;s <del>&lt;b&gt;old&lt;/b&gt;</del>` +
		`<ins>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</ins>` + "\n\nnext &amp; last"
	if got := string(HTML(ops)); got != want {
		t.Errorf("HTML:\n got %s\nwant %s", got, want)
	}

	got := string(HTML(Words("fish & chips", "fish <script>x</script> & chips")))
	if strings.Contains(got, "<script>") || !strings.Contains(got, "&amp;") {
		t.Errorf("HTML(Words(...)) = %s: not escaped", got)
	}
}

// TestWordsReconstruct checks, on many random pairs, that the ops give back
// both texts and keep the promises of Words.
func TestWordsReconstruct(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		var old, new string
		switch i % 3 {
		case 0: // an article and an edited version of it
			a := newArticle(r, 1+r.IntN(300))
			old, new = a.String(), a.edited(r, r.IntN(20)).String()
		case 1: // two unrelated articles
			old, new = newArticle(r, r.IntN(200)).String(), newArticle(r, r.IntN(200)).String()
		default: // junk, including invalid UTF-8
			old, new = junk(r), junk(r)
		}
		ops := Words(old, new)
		if !checkOps(t, old, new, ops) {
			t.FailNow()
		}
	}
}

func FuzzWords(f *testing.F) {
	f.Add("The minister resigned on Monday.", "The minister resigned on Tuesday.")
	f.Add("", "new")
	f.Add("a\n\nb c", "a\n \nb, c")
	f.Add("首相于周一辞职。", "l’été well-known 1,500.")
	f.Add("don't-'x", "a\xffb\u0301")
	f.Fuzz(func(t *testing.T, old, new string) {
		checkOps(t, old, new, Words(old, new))
	})
}

// TestWordsFallback covers texts too far apart for the exact diff.
func TestWordsFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))

	t.Run("unrelated", func(t *testing.T) {
		old, new := newArticle(r, 20000).String(), newArticle(r, 20000).String()
		ops, coarse := words(old, new)
		if !coarse {
			t.Error("the exact diff of two unrelated 20,000-word texts stayed under the limit")
		}
		checkOps(t, old, new, ops)
	})

	t.Run("rewritten with paragraphs kept", func(t *testing.T) {
		// A quarter of the text rewritten, far more than maxEdits tokens;
		// the paragraphs kept should still show as unchanged, and the
		// lightly edited ones word by word.
		var old, new strings.Builder
		var kept []string
		keptWords, editedWords := 0, 0
		for i := range 200 {
			p := newArticle(r, 100).String() + "\n\n"
			old.WriteString(p)
			switch i % 4 {
			case 0:
				new.WriteString(newArticle(r, 100).String() + "\n\n")
			case 2:
				new.WriteString(strings.Replace(p, " ", " very ", 1))
				editedWords += countWords(p)
			default:
				new.WriteString(p)
				kept = append(kept, p)
				keptWords += countWords(p)
			}
		}
		ops, coarse := words(old.String(), new.String())
		if !coarse {
			t.Error("the exact diff stayed under the limit")
		}
		checkOps(t, old.String(), new.String(), ops)
		var equal strings.Builder
		for _, op := range ops {
			if op.Kind == Equal {
				equal.WriteString(op.Text)
				equal.WriteString("|")
			}
		}
		for _, p := range kept {
			if !strings.Contains(equal.String(), strings.TrimSpace(p)) {
				t.Fatalf("kept paragraph not in one Equal op: %q", p)
			}
		}
		if s := Count(ops); s.Unchanged < keptWords+editedWords*95/100 {
			t.Errorf("Count = %+v; want at least the %d words of the kept paragraphs and most of the %d edited ones",
				s, keptWords, editedWords)
		}
	})

	t.Run("too many paragraphs", func(t *testing.T) {
		// More changed paragraphs than maxEdits: all deleted, all inserted.
		var old, new strings.Builder
		old.WriteString("Same start.\n")
		new.WriteString("Same start.\n")
		for i := range maxEdits {
			old.WriteString("old line " + strings.Repeat("x", i%7+1) + "\n")
			new.WriteString("new line " + strings.Repeat("y", i%5+1) + "\n")
		}
		old.WriteString("Same end.")
		new.WriteString("Same end.")
		ops, coarse := words(old.String(), new.String())
		if !coarse || len(ops) != 4 || ops[1].Kind != Delete || ops[2].Kind != Insert {
			t.Errorf("got %d ops (coarse %v), want Equal, Delete, Insert, Equal", len(ops), coarse)
		}
		checkOps(t, old.String(), new.String(), ops)
	})
}

func BenchmarkWords(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	article := newArticle(r, 5000)
	unrelatedOld, unrelatedNew := newArticle(r, 20000).String(), newArticle(r, 20000).String()
	long := newArticle(r, 20000)
	benchmarks := []struct {
		name     string
		old, new string
	}{
		{"article-5000-words-20-changed", article.String(), article.replaced(r, 20).String()},
		{"unrelated-20000-words", unrelatedOld, unrelatedNew},
		// Past maxEdits, so diffed paragraph by paragraph.
		{"article-20000-words-3000-changed", long.String(), long.edited(r, 3000).String()},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.old) + len(bm.new)))
			for b.Loop() {
				Words(bm.old, bm.new)
			}
		})
	}
}

// checkOps reports whether ops are a valid diff of old and new, failing t
// with the reason if not.
func checkOps(t *testing.T, old, new string, ops []Op) bool {
	t.Helper()
	var o, n strings.Builder
	oTokens, nTokens := tokenBoundaries(old), tokenBoundaries(new)
	for i, op := range ops {
		if op.Text == "" {
			t.Errorf("Words(%q, %q): op %d is empty", old, new, i)
			return false
		}
		if i > 0 && (ops[i-1].Kind == op.Kind || ops[i-1].Kind == Insert && op.Kind == Delete) {
			t.Errorf("Words(%q, %q): op %d (%v) follows a %v", old, new, i, op.Kind, ops[i-1].Kind)
			return false
		}
		if op.Kind != Insert {
			o.WriteString(op.Text)
			if !oTokens[o.Len()] {
				t.Errorf("Words(%q, %q): op %d ends inside a token of the old text", old, new, i)
				return false
			}
		}
		if op.Kind != Delete {
			n.WriteString(op.Text)
			if !nTokens[n.Len()] {
				t.Errorf("Words(%q, %q): op %d ends inside a token of the new text", old, new, i)
				return false
			}
		}
	}
	if o.String() != old || n.String() != new {
		t.Errorf("Words(%q, %q) = %q: gives back %q and %q", old, new, ops, o.String(), n.String())
		return false
	}
	if old == new && old != "" && len(ops) != 1 {
		t.Errorf("Words of identical texts gave %d ops", len(ops))
		return false
	}
	s := Count(ops)
	if s.Unchanged+s.Deleted != countWords(old) || s.Unchanged+s.Inserted != countWords(new) {
		t.Errorf("Words(%q, %q): Count = %+v, but the texts have %d and %d words",
			old, new, s, countWords(old), countWords(new))
		return false
	}
	return true
}

func tokenBoundaries(s string) map[int]bool {
	m := make(map[int]bool)
	for _, b := range tokenize(s) {
		m[b] = true
	}
	return m
}

var vocabulary = strings.Fields(`the a of to and in that for on with as by at from
	minister government said would could police city council report year people
	election vote court judge ruling company shares market percent billion million
	Monday Tuesday Wednesday Thursday Friday spokesperson officials according
	don't isn't it's well-known long-term 1,500 3.5 2024 20,000
	démissionné Genève Zürich São naïve l’été Ελλάδα Москва 東京 首相 서울 시장`)

var separators = []string{" ", " ", " ", " ", " ", " ", " ", " ", ", ", ", ", ": ", " (", ") ", " \"", "\" ", "; "}

// An article is random text: words and the separators after them.
type article struct {
	words, seps []string
}

// newArticle returns an article of the given number of words, in sentences
// of 6 to 25 words and paragraphs of 1 to 5 sentences.
func newArticle(r *rand.Rand, words int) article {
	a := article{words: make([]string, words), seps: make([]string, words)}
	sentence, paragraph := 6+r.IntN(20), 1+r.IntN(5)
	for i := range a.words {
		a.words[i] = vocabulary[r.IntN(len(vocabulary))]
		a.seps[i] = separators[r.IntN(len(separators))]
		if sentence--; sentence > 0 {
			continue
		}
		sentence = 6 + r.IntN(20)
		a.seps[i] = ". "
		if paragraph--; paragraph == 0 {
			paragraph = 1 + r.IntN(5)
			a.seps[i] = ".\n\n"
		}
	}
	if words > 0 {
		a.seps[words-1] = "."
	}
	return a
}

func (a article) String() string {
	var b strings.Builder
	for i, w := range a.words {
		b.WriteString(w)
		b.WriteString(a.seps[i])
	}
	return b.String()
}

// replaced returns a copy of a with n words replaced by different ones.
func (a article) replaced(r *rand.Rand, n int) article {
	c := article{words: slices.Clone(a.words), seps: a.seps}
	for range n {
		i := r.IntN(len(c.words))
		for w := c.words[i]; c.words[i] == w; {
			c.words[i] = vocabulary[r.IntN(len(vocabulary))]
		}
	}
	return c
}

// edited returns a copy of a with n random edits: words replaced, inserted
// or deleted, and separators changed.
func (a article) edited(r *rand.Rand, n int) article {
	c := article{words: slices.Clone(a.words), seps: slices.Clone(a.seps)}
	for range n {
		if len(c.words) == 0 {
			break
		}
		i := r.IntN(len(c.words))
		switch r.IntN(4) {
		case 0:
			c.words[i] = vocabulary[r.IntN(len(vocabulary))]
		case 1:
			c.words = slices.Insert(c.words, i, vocabulary[r.IntN(len(vocabulary))])
			c.seps = slices.Insert(c.seps, i, separators[r.IntN(len(separators))])
		case 2:
			c.words = slices.Delete(c.words, i, i+1)
			c.seps = slices.Delete(c.seps, i, i+1)
		default:
			c.seps[i] = separators[r.IntN(len(separators))]
		}
	}
	return c
}

var junkPieces = []string{"a", "b", "é", "e\u0301", "東", "ー", " ", "  ", "\n", "\r\n", "'", "’", "-", ".", ",", "1", "<", "&", "\xff", "\xe6\x9d"}

// junk returns a short random string of pieces that stress the tokenizer.
func junk(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(40) {
		b.WriteString(junkPieces[r.IntN(len(junkPieces))])
	}
	return b.String()
}
