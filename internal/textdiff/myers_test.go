package textdiff

import (
	"math/rand/v2"
	"testing"
)

// lcsLen is the textbook O(NM) dynamic program, to check the differ against.
func lcsLen(a, b []int32) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func randomSeq(r *rand.Rand, alphabet int) []int32 {
	s := make([]int32, r.IntN(30))
	for i := range s {
		s[i] = int32(r.IntN(alphabet))
	}
	return s
}

// checkMatches fails unless matches are in order, inside both sequences and
// on equal tokens, and returns how many tokens they cover.
func checkMatches(t *testing.T, a, b []int32, matches []match) int {
	t.Helper()
	total, ae, be := 0, 0, 0
	for _, m := range matches {
		if m.n <= 0 || m.a < ae || m.b < be || m.a+m.n > len(a) || m.b+m.n > len(b) {
			t.Fatalf("a=%v b=%v: bad match %+v in %+v", a, b, m, matches)
		}
		for i := range m.n {
			if a[m.a+i] != b[m.b+i] {
				t.Fatalf("a=%v b=%v: match %+v pairs unequal tokens", a, b, m)
			}
		}
		total += m.n
		ae, be = m.a+m.n, m.b+m.n
	}
	return total
}

func TestDifferFindsLongestCommonSubsequence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		a, b := randomSeq(r, 2+r.IntN(5)), randomSeq(r, 2+r.IntN(5))
		d := newDiffer(a, b, maxEdits)
		if !d.diff(0, len(a), 0, len(b)) {
			t.Fatalf("a=%v b=%v: diff gave up under the limit", a, b)
		}
		if got, want := checkMatches(t, a, b, d.matches), lcsLen(a, b); got != want {
			t.Fatalf("a=%v b=%v: common subsequence of %d tokens, want %d", a, b, got, want)
		}
	}
}

func TestDifferLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		a, b := randomSeq(r, 2+r.IntN(5)), randomSeq(r, 2+r.IntN(5))
		limit := 2 * r.IntN(15) // even, as maxEdits is
		dist := len(a) + len(b) - 2*lcsLen(a, b)
		// One range left empty once the common ends are stripped needs no
		// search, so no limit.
		pre := 0
		for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
			pre++
		}
		suf := 0
		for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
			suf++
		}
		trivial := pre+suf == len(a) || pre+suf == len(b)
		d := newDiffer(a, b, limit)
		if ok := d.diff(0, len(a), 0, len(b)); ok != (dist <= limit || trivial) {
			t.Fatalf("a=%v b=%v: distance %d, limit %d: diff reported %v", a, b, dist, limit, ok)
		}
	}
}
