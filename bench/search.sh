#!/usr/bin/env bash
# Full-text search benchmark: bench/searchbench writes a synthetic archive
# index of N news articles (600–1,200 words each from a Zipf vocabulary),
# indexes their words (the FTS build rate, rows/s) and times index.Search
# for one-word, three-word, prefix and common-word queries (p50, p99, max;
# target p99 <= 50 ms). Writes the report to bench/out/search-<date>.txt.
# See bench/README.md.
#
#   bench/search.sh                  # N=100000 QUERIES=300
#   N=20000 bench/search.sh          # a smaller archive
#   KEEP=1 bench/search.sh           # keep the archive in the temp dir
set -euo pipefail

N=${N:-100000}
QUERIES=${QUERIES:-300}
KEEP=${KEEP:-0}

die() {
	echo "search.sh: $*" >&2
	exit 1
}
say() { echo "search.sh: $*" >&2; }

[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"
[[ $QUERIES =~ ^[1-9][0-9]*$ ]] || die "QUERIES must be a positive integer, not '$QUERIES'"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

mkdir -p .bin bench/out
say "building .bin/searchbench"
go build -o .bin/searchbench ./bench/searchbench
make_tmp search

started=$(date -u +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- index bench/searchbench 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
say "generating $N articles and indexing them (about $((N / 2000 + 10)) s)"
.bin/searchbench -archive "$tmp/archive" -n "$N" -queries "$QUERIES" >"$tmp/results"

report=$tmp/report
{
	echo "Vellum full-text search benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
	echo "searchbench at $git_rev: $N articles, $QUERIES queries of each kind (after 10 to warm up), 20 hits a query with snippets and the count (capped at 1,000)"
	echo
	cat "$tmp/results"
	echo
	# Columns after the 12-character name: p50, p99, max, CPU p50, CPU p99, ...
	awk '/^(one word|three words|prefix) / { name = substr($0, 1, 12); sub(/ +$/, "", name); split(substr($0, 13), f)
			if (f[2] > 50) bad = bad " " name " (p99 " f[2] " ms, CPU p99 " f[5] " ms)" }
		END { print (bad == "" ? "target p99 <= 50 ms: met by the one-word, three-word and prefix queries" : "target p99 <= 50 ms: missed by" bad) }
		END { print "(wall times include waiting for a core: compare the load average above with nproc)" }' "$tmp/results"
} >"$report"

out=bench/out/search-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
