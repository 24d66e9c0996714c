#!/usr/bin/env bash
# WACZ benchmark: `vellum export --wacz` and `vellum import` of an archive of
# SIZE of gzipped WARC files (written by bench/synthwarc), beside Info-ZIP's
# `zip -0` (store, the same as a WACZ's WARCs) of the same files and `unzip`
# of that zip, in one run. Prints MB/s (WARC bytes / wall time) and peak RSS
# of each and the ratios, and writes the report to bench/out/wacz-<date>.txt.
#
#   bench/wacz.sh                 # SIZE=2G RUNS=1
#   SIZE=512M RUNS=3 bench/wacz.sh  # smaller archive, median of 3 runs
#   KEEP=1 bench/wacz.sh          # keep the archive, the WACZ and the zip
#
# Every command reads files the previous step wrote or read: the page cache
# holds them when memory allows, for each tool alike (each is run after a
# `cat` of its input to /dev/null). Vellum fsyncs what it writes before it
# renames it into place, so zip's and unzip's output is synced (`sync FILE`)
# within their time too: each tool's time ends with its output on disk.
set -euo pipefail

SIZE=${SIZE:-2G}
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}

die() {
	echo "wacz.sh: $*" >&2
	exit 1
}
say() { echo "wacz.sh: $*" >&2; }

[[ $SIZE =~ ^[1-9][0-9]*[KMG]?$ ]] || die "SIZE must be like 2G or 512M, not '$SIZE'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v zip >/dev/null || missing+=(zip)
command -v unzip >/dev/null || missing+=(unzip)
install_missing "${missing[@]}"

make_tmp wacz
mkdir -p bench/out
say "building vellum and synthwarc"
go build -o "$tmp/vellum" ./cmd/vellum
go build -o "$tmp/synthwarc" ./bench/synthwarc

say "writing $SIZE of WARC files"
"$tmp/synthwarc" -archive "$tmp/archive" -size "$SIZE"
"$tmp/vellum" index --archive "$tmp/archive" >/dev/null
bytes=$(find "$tmp/archive/warcs" -name '*.warc.gz' -printf '%s\n' | awk '{ s += $1 } END { print s }')
files=$(find "$tmp/archive/warcs" -name '*.warc.gz' | wc -l)

# timed NAME CMD...: runs CMD under GNU time, appends "NAME seconds maxrss_kib".
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || {
		cat "$tmp/$name.err" >&2
		die "$name failed"
	}
	echo "$name $(cat "$tmp/time")" >>"$tmp/results"
}

warm() { find "$@" -type f -exec cat {} + >/dev/null; }

: >"$tmp/results"
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	rm -rf "$tmp/out.wacz" "$tmp/out.zip" "$tmp/imported" "$tmp/unzipped"
	warm "$tmp/archive/warcs"
	timed zip bash -c "cd '$tmp/archive/warcs' && zip -0 -q -r '$tmp/out.zip' . && sync '$tmp/out.zip'"
	warm "$tmp/archive/warcs"
	timed export "$tmp/vellum" export --archive "$tmp/archive" --wacz "$tmp/out.wacz" --no-progress
	warm "$tmp/out.zip"
	timed unzip bash -c "unzip -q '$tmp/out.zip' -d '$tmp/unzipped' && find '$tmp/unzipped' -type f -exec sync {} +"
	warm "$tmp/out.wacz"
	timed import "$tmp/vellum" import --archive "$tmp/imported" "$tmp/out.wacz"
	"$tmp/vellum" verify -q "$tmp/out.wacz" >/dev/null || die "the exported WACZ does not verify"
done

report=bench/out/wacz-$(date -u +%Y%m%dT%H%M%SZ).txt
awk -v bytes="$bytes" -v files="$files" -v size="$SIZE" -v cpus="$(nproc)" '
	{ t[$1] = t[$1] " " $2; r[$1] = r[$1] " " $3 }
	function median(s,   a, n, i, j, x) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		printf "WACZ benchmark: %d WARC files, %.1f MiB (SIZE=%s), %d CPUs\n", files, bytes / 1048576, size, cpus
		printf "%-8s %10s %10s %12s\n", "tool", "seconds", "MB/s", "peak RSS MiB"
		n = split("zip export unzip import", order, " ")
		for (i = 1; i <= n; i++) {
			k = order[i]; s = median(t[k]); m = median(r[k])
			rate[k] = bytes / 1e6 / (s > 0 ? s : 0.01)
			printf "%-8s %10.2f %10.1f %12.1f\n", k, s, rate[k], m / 1024
		}
		printf "export/zip rate: %.2f (target >= 0.8)\n", rate["export"] / rate["zip"]
		printf "import/unzip rate: %.2f\n", rate["import"] / rate["unzip"]
		printf "export peak RSS: %.1f MiB, import peak RSS: %.1f MiB (target <= 64)\n", median(r["export"]) / 1024, median(r["import"]) / 1024
	}' "$tmp/results" | tee "$report"
say "report in $report"
