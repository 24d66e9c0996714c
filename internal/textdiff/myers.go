package textdiff

import "math"

// A match is a run of n tokens that are equal in both sequences: a[a:a+n] and
// b[b:b+n].
type match struct{ a, b, n int }

// A differ computes the longest common subsequence of two token sequences
// with Myers' O(ND) algorithm, in the linear-space form that finds a "middle
// snake" and recurses on both halves ("An O(ND) Difference Algorithm and Its
// Variations", Myers 1986, section 4b). Tokens are interned to integers so
// that comparing two is one instruction.
type differ struct {
	a, b []int32

	// maxHalf bounds the number of steps each of the forward and backward
	// searches takes, so the edit distance a search can find is at most
	// 2*maxHalf.
	maxHalf int
	// vf holds, for each diagonal k = x-y, the furthest x the forward search
	// has reached on it; vb the same for the backward search, which counts x
	// and y from the ends of both sequences. See middleSnake for the index.
	vf, vb []int

	matches []match

	// work counts the steps the searches have taken, one per diagonal
	// visited and one per token pair compared along it; a search gives up
	// once work exceeds budget.
	work, budget int
}

// newDiffer returns a differ for a and b that gives up rather than search
// for an edit path of more than limit insertions plus deletions (limit
// rounded up to an even number).
func newDiffer(a, b []int32, limit int) *differ {
	half := min((limit+1)/2, (len(a)+len(b)+1)/2)
	return &differ{
		a:       a,
		b:       b,
		maxHalf: half,
		vf:      make([]int, 2*half+3),
		vb:      make([]int, 2*half+3),
		budget:  math.MaxInt,
	}
}

// setLimit lowers the edit distance at which d gives up, to limit rounded up
// to an even number; it cannot raise it past the limit d was made with.
func (d *differ) setLimit(limit int) {
	d.maxHalf = min((limit+1)/2, (len(d.vf)-3)/2)
}

// add records a match, merging it with the previous one when they touch.
func (d *differ) add(a, b, n int) {
	if n == 0 {
		return
	}
	if k := len(d.matches) - 1; k >= 0 {
		if last := &d.matches[k]; last.a+last.n == a && last.b+last.n == b {
			last.n += n
			return
		}
	}
	d.matches = append(d.matches, match{a, b, n})
}

// diff appends to d.matches, in order, the matches of a longest common
// subsequence of a[a0:a1] and b[b0:b1]. It reports false, having appended an
// unspecified part of them, if finding them needs a search for a path of more
// edits than the limit, or more work than is left of the budget; the caller
// then truncates d.matches. Ranges that are left with one side empty once
// their common prefix and suffix are stripped need no search, whatever their
// length.
//
// Only the outermost search can hit the limit: once it has found the middle
// snake of a path of D edits, both halves need fewer than D. The budget can
// run out at any depth.
func (d *differ) diff(a0, a1, b0, b1 int) bool {
	pre := 0
	for a0+pre < a1 && b0+pre < b1 && d.a[a0+pre] == d.b[b0+pre] {
		pre++
	}
	d.add(a0, b0, pre)
	a0, b0 = a0+pre, b0+pre
	suf := 0
	for a0 < a1-suf && b0 < b1-suf && d.a[a1-1-suf] == d.b[b1-1-suf] {
		suf++
	}
	a1, b1 = a1-suf, b1-suf
	if a0 < a1 && b0 < b1 {
		x, y, u, v, ok := d.middleSnake(a0, a1, b0, b1)
		if !ok {
			return false
		}
		// The snake lies inside the ranges and each half is smaller than the
		// whole, or the recursion would not end. The algorithm guarantees
		// both; the check keeps a mistake from turning into a hang.
		if x < a0 || y < b0 || u > a1 || v > b1 || u < x || u-x != v-y ||
			(x == a1 && y == b1) || (u == a0 && v == b0) {
			return false
		}
		if !d.diff(a0, x, b0, y) {
			return false
		}
		d.add(x, y, u-x)
		if !d.diff(u, a1, v, b1) {
			return false
		}
	}
	d.add(a1, b1, suf)
	return true
}

// middleSnake finds the middle snake of an optimal edit path from (a0, b0) to
// (a1, b1): the diagonal run from (x, y) to (u, v) that the path crosses
// after about half of its edits. Both ranges must be non-empty and differ in
// their first and last tokens. It reports false if the path needs more than
// 2*d.maxHalf edits, or if d.work goes past d.budget first.
//
// The forward search runs from the start and the backward search from the
// end; after d steps each has, for every diagonal it reaches, the furthest
// point a path with d edits gets to. They meet when the forward point on some
// diagonal is at or past the backward one. Coordinates below are relative to
// (a0, b0) forward and to (a1, b1) backward.
func (d *differ) middleSnake(a0, a1, b0, b1 int) (x, y, u, v int, ok bool) {
	a, b := d.a[a0:a1], d.b[b0:b1]
	n, m := len(a), len(b)
	delta := n - m
	odd := delta&1 != 0
	half := min((n+m+1)/2, d.maxHalf)
	// Index diagonal k at k+half+1, so k-1 and k+1 stay in range for every
	// k the search visits.
	vf := d.vf[:2*half+3]
	vb := d.vb[:2*half+3]
	c := half + 1
	vf[c+1], vb[c+1] = 0, 0
	work := d.work
	defer func() { d.work = work }()
	for step := 0; step <= half; step++ {
		if work > d.budget {
			return 0, 0, 0, 0, false
		}
		for k := -step; k <= step; k += 2 {
			// Step down from diagonal k+1 or right from k-1, whichever
			// got further.
			var x int
			if k == -step || (k != step && vf[c+k-1] < vf[c+k+1]) {
				x = vf[c+k+1]
			} else {
				x = vf[c+k-1] + 1
			}
			y := x - k
			x0, y0 := x, y
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			vf[c+k] = x
			work += 1 + x - x0
			// With delta odd the paths meet after step forward edits and
			// step-1 backward ones.
			if kb := delta - k; odd && kb >= -(step-1) && kb <= step-1 && x+vb[c+kb] >= n {
				return a0 + x0, b0 + y0, a0 + x, b0 + y, true
			}
		}
		for k := -step; k <= step; k += 2 {
			var x int
			if k == -step || (k != step && vb[c+k-1] < vb[c+k+1]) {
				x = vb[c+k+1]
			} else {
				x = vb[c+k-1] + 1
			}
			y := x - k
			x0, y0 := x, y
			for x < n && y < m && a[n-1-x] == b[m-1-y] {
				x++
				y++
			}
			vb[c+k] = x
			work += 1 + x - x0
			// With delta even they meet after step edits in each direction.
			if kf := delta - k; !odd && kf >= -step && kf <= step && vf[c+kf]+x >= n {
				return a1 - x, b1 - y, a1 - x0, b1 - y0, true
			}
		}
	}
	return 0, 0, 0, 0, false
}
