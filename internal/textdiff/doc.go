// Package textdiff compares two versions of an article's text word by word,
// so that a reader can see what changed between two captures of a page.
//
// The main call is
//
//	ops := textdiff.Words(oldText, newText)
//	fmt.Println(textdiff.Count(ops)) // words inserted, deleted and unchanged
//	html := textdiff.HTML(ops)       // <ins>/<del> markup, safe for html/template
//
// Texts are split into tokens: words, single punctuation characters and runs
// of whitespace. The diff is computed on tokens with Myers' O(ND) algorithm in
// its linear-space form, and the result is a list of [Op]s whose texts, taken
// in order, give back both inputs exactly.
//
// # Bound
//
// Words stays fast and small on long texts that differ a lot. Tokenizing the
// texts and stripping their common prefix and suffix take linear time. The
// search on what is left, N and M tokens, is bounded twice: it gives up on an
// edit distance above maxEdits (2,000 tokens inserted plus deleted: about
// 1,000 words replaced, or 2,000 words inserted or deleted), and on taking
// more than maxEdits² + 16·(N+M) steps of constant cost. When it gives up,
// Words matches whole paragraphs instead (a paragraph ends with whitespace
// holding a newline) under the same two bounds, then diffs the stretches
// between matching paragraphs word by word, all of them together under the
// step bound once more. A stretch that exceeds a bound, or keeps less than two
// thirds of its shorter side, is shown deleted and inserted whole, and so is
// everything when even the paragraphs are too far apart.
//
// Words therefore takes O(N+M+maxEdits²) time and O(N+M+maxEdits) memory
// whatever the texts; two unrelated 20,000-word texts take a few tens of
// milliseconds at most (see BenchmarkWords). Texts within maxEdits of each
// other get the exact, shortest diff, in the usual O((N+M)·D) for D edits.
package textdiff
