#!/usr/bin/env bash
# Recrawl benchmark: `vellum run` of one job on one generated loopback site
# (bench/benchsite), twice into the same archive. The second run finds every
# page unchanged and should write revisit records (headers only) instead of
# responses. Prints wall time, URLs fetched, WARC bytes, records by type and
# peak RSS of each run, the ratios run 2 / run 1, and writes the same report to
# bench/out/recrawl-<date>.txt. See bench/README.md.
#
#   bench/recrawl.sh                      # PAGES=2000 RUNS=1
#   RUNS=3 bench/recrawl.sh               # 3 pairs of runs, each in a fresh archive; medians
#   PAGES=500 bench/recrawl.sh            # a smaller site
#   IMAGE_KB=32 bench/recrawl.sh          # images of 16–48 KB (HTTP Archive's median image is ~30 KB)
#   KEEP=1 bench/recrawl.sh               # keep the archives and logs in the temp dir
set -euo pipefail

PAGES=${PAGES:-2000}
IMAGE_KB=${IMAGE_KB:-0}
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}
TARGET=0.05 # run 2's WARC bytes over run 1's, at most

die() {
	echo "recrawl.sh: $*" >&2
	exit 1
}
say() { echo "recrawl.sh: $*" >&2; }

[[ $PAGES =~ ^[1-9][0-9]*$ ]] || die "PAGES must be a positive integer, not '$PAGES'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[[ $IMAGE_KB =~ ^[0-9]+$ ]] || die "IMAGE_KB must be a whole number, not '$IMAGE_KB'"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Debian's packages: GNU time for peak RSS, curl for /__stats.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
install_missing "${missing[@]}"

mkdir -p .bin bench/out
say "building .bin/benchsite"
go build -o .bin/benchsite ./bench/benchsite
say "building .bin/vellum"
go build -o .bin/vellum ./cmd/vellum

make_tmp recrawl

start_benchsite -pages "$PAGES" -image-kb "$IMAGE_KB"

jobs=$tmp/jobs.yaml
cat >"$jobs" <<EOF
jobs:
  - name: site
    seeds: [$base/]
    depth: 1
    scope: host
    delay: 0s
EOF

# The summary line `vellum run` prints on stdout for the job.
summary_re='^run ([^ ]+)  job (.*)  ([A-Z]+)  ([0-9]+) pages \(([0-9]+) new, ([0-9]+) changed, ([0-9]+) unchanged\), ([0-9]+) requisites, ([0-9]+) revisits, .*, ([0-9]+) errors, ([0-9]+) files'

# run_files ARCHIVE ID KIND lists the run's WARC files (KIND warc) or CDXJ files (KIND cdxj).
run_files() {
	[[ -d $1/warcs && -n $2 ]] || return 0
	if [[ $3 == warc ]]; then
		find "$1/warcs" -type f -name "$2-*" \( -name '*.warc' -o -name '*.warc.gz' -o -name '*.warc.open' -o -name '*.warc.gz.open' \)
	else
		find "$1/warcs" -type f -name "$2-*.cdxj"
	fi
}

# runs_in ARCHIVE lists the ids of the runs recorded in ARCHIVE/runs, sorted.
runs_in() {
	[[ -d $1/runs ]] || return 0
	find "$1/runs" -maxdepth 1 -type f -name '*.json' -printf '%f\n' | sed 's/\.json$//' | sort
}

# run_once PAIR N ARCHIVE DIR appends one line to $tmp/results; the fields are
# named in col below.
run_once() {
	local pair=$1 n=$2 arch=$3 dir=$4 rc=0 t0 t1
	mkdir -p "$dir"
	runs_in "$arch" >"$dir/runs.before"
	reset
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$dir/time.txt" \
		.bin/vellum run --jobs "$jobs" --archive "$arch" --no-progress --log-level warn \
		>"$dir/stdout" 2>"$dir/stderr" || rc=$?
	t1=$EPOCHREALTIME
	local st wall rss cpu
	st=$(stats)
	# GNU time's own elapsed figure has 10 ms steps; this has microseconds.
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
	cpu=$(awk -F': ' '/Percent of CPU this job got/ {sub(/%/, "", $2); print $2}' "$dir/time.txt")

	local id=- status=- pages=0 new=0 changed=0 unchanged=0 reqs=0 revs=0 errs=0 line
	line=$(grep -m1 '^run ' "$dir/stdout" || true)
	if [[ $line =~ $summary_re ]]; then
		id=${BASH_REMATCH[1]} status=${BASH_REMATCH[3]} pages=${BASH_REMATCH[4]}
		new=${BASH_REMATCH[5]} changed=${BASH_REMATCH[6]} unchanged=${BASH_REMATCH[7]}
		reqs=${BASH_REMATCH[8]} revs=${BASH_REMATCH[9]} errs=${BASH_REMATCH[10]}
	else
		# No summary line: take the run vellum recorded in runs/, if any.
		runs_in "$arch" >"$dir/runs.after"
		id=$(comm -13 "$dir/runs.before" "$dir/runs.after" | tail -n1)
		id=${id:--}
		{
			echo "run $n of pair $pair printed no summary line; run id from runs/: $id; its stdout:"
			head -n 5 "$dir/stdout" | sed 's/^/    /'
		} >>"$tmp/notes"
	fi

	# WARC and CDXJ bytes, and records by WARC-Type (read from every record header).
	local warc=0 cdxj=0 files=0 f
	local -A types=([warcinfo]=0 [request]=0 [response]=0 [revisit]=0 [metadata]=0 [other]=0)
	if [[ $id != - ]]; then
		run_files "$arch" "$id" warc | sort >"$dir/warcs"
		run_files "$arch" "$id" cdxj | sort >"$dir/cdxjs"
		files=$(wc -l <"$dir/warcs")
		warc=$(xargs -r stat -c %s <"$dir/warcs" | awk '{s += $1} END {print s + 0}')
		cdxj=$(xargs -r stat -c %s <"$dir/cdxjs" | awk '{s += $1} END {print s + 0}')
		while read -r f; do
			case $f in
			*.gz | *.gz.open) zcat -f "$f" 2>/dev/null || true ;;
			*) cat "$f" ;;
			esac | { grep -a '^WARC-Type: ' || true; } | tr -d '\r' | awk '{print $2}'
		done <"$dir/warcs" | sort | uniq -c >"$dir/types"
		local c t
		while read -r c t; do
			if [[ -v "types[$t]" && $t != other ]]; then
				types[$t]=$c
			else
				types[other]=$((types[other] + c))
			fi
		done <"$dir/types"
	else
		: >"$dir/cdxjs"
	fi
	# The CDXJ beside each WARC gives each response and revisit record's compressed length.
	local cdx
	cdx=$(xargs -r cat <"$dir/cdxjs" | awk '{
		rev = index($0, "\"mime\":\"warc/revisit\"") > 0
		if (match($0, /"length":"[0-9]+"/)) len = substr($0, RSTART + 10, RLENGTH - 11) + 0; else len = 0
		if (rev) { nv++; bv += len } else { nr++; br += len } }
		END { printf "%d %d %d %d", nr, br, nv, bv }')

	echo "$pair $n $id $rc $status $(field requests "$st") $(field unique "$st") $(field not_found "$st")" \
		"${wall:-0} ${rss:-0} ${cpu:-0} $(field cpu_seconds "$st") $warc $cdxj $files" \
		"$pages $new $changed $unchanged $reqs $revs $errs" \
		"${types[warcinfo]} ${types[request]} ${types[response]} ${types[revisit]} ${types[metadata]} ${types[other]} $cdx" \
		>>"$tmp/results"

	if ((rc != 0)); then
		say "vellum run exited with status $rc; last lines of its stderr:"
		tail -n 20 "$dir/stderr" | sed 's/^/    /' >&2
		{
			echo "run $n of pair $pair exited with status $rc; last lines of its stderr:"
			tail -n 20 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes"
	elif [[ -s $dir/stderr ]]; then
		{
			echo "run $n of pair $pair wrote to stderr ($(wc -l <"$dir/stderr") lines); the first:"
			head -n 5 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes"
	fi
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/results"
: >"$tmp/notes"
for ((pair = 1; pair <= RUNS; pair++)); do
	arch=$tmp/pair$pair/archive # a fresh archive for each pair
	say "pair $pair/$RUNS: run 1 (first capture)"
	run_once "$pair" 1 "$arch" "$tmp/pair$pair/run1"
	# Replay timestamps have second resolution: the second run starts in a later
	# wall-clock second than the first ended.
	sleep 1
	say "pair $pair/$RUNS: run 2 (recrawl into the same archive)"
	run_once "$pair" 2 "$arch" "$tmp/pair$pair/run2"
	[[ $KEEP == 1 ]] || rm -rf "$arch"
done

# median reads numbers one a line.
median() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# shellcheck disable=SC2016 # awk code, not shell
# vars names the fields of a results line for awk expressions.
vars='pair = $1; n = $2; id = $3; rc = $4; status = $5; req = $6; uniq = $7; nf = $8
	wall = $9; rss = $10; cpu = $11; scpu = $12; warc = $13; cdxj = $14; files = $15
	pages = $16; new = $17; changed = $18; unchanged = $19; requisites = $20; revisits = $21; errors = $22
	t_info = $23; t_req = $24; t_resp = $25; t_rev = $26; t_meta = $27; t_other = $28
	x_resp = $29; xb_resp = $30; x_rev = $31; xb_rev = $32
	rest = warc - xb_resp - xb_rev; t_rest = t_info + t_req + t_meta + t_other'
# col N EXPR prints the median over the pairs of an awk expression on run N's fields.
col() {
	awk -v want="$1" '$2 == want { '"$vars"'
		print ('"$2"') }' "$tmp/results" | median
}
# ratio A B prints A/B with 3 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- cmd capture warc index 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
report=$tmp/report
{
	echo "Vellum recrawl benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC')"
	images="2–6 KB images"
	((IMAGE_KB == 0)) || images="$((IMAGE_KB / 2))–$((IMAGE_KB * 3 / 2)) KB images"
	echo "site: bench/benchsite, $PAGES articles, $site_urls URLs, $images, on $addr (loopback only)"
	echo "machine: $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
	echo "vellum: .bin/vellum at $git_rev: run --jobs JOBS --archive DIR --no-progress --log-level warn"
	echo "job: seeds [$base/], depth 1, scope host, delay 0s; run 2 into run 1's archive, 1 s after run 1 ended"
	echo "pairs: $RUNS$( ((RUNS > 1)) && echo ", each in a fresh archive; each figure the median over the pairs")"
	echo
	printf '%-5s %7s %7s %5s %8s %9s %12s %9s %8s %11s %6s %6s %5s\n' \
		run URLs unique 404s "wall s" "URLs/s" "peak RSS MB" "WARC MB" "CDXJ MB" "WARC B/URL" "CPU%" "site%" exit
	for n in 1 2; do
		worst=$(awk -v n="$n" '$2 == n && $4 != 0 {rc = $4} END {print rc + 0}' "$tmp/results")
		printf '%-5s %7.0f %7.0f %5.0f %8.2f %9.2f %12.2f %9.3f %8.3f %11.0f %6.0f %6.0f %5d\n' "$n" \
			"$(col "$n" req)" "$(col "$n" uniq)" "$(col "$n" nf)" "$(col "$n" wall)" \
			"$(col "$n" 'wall > 0 ? req / wall : 0')" "$(col "$n" 'rss * 1024 / 1e6')" \
			"$(col "$n" 'warc / 1e6')" "$(col "$n" 'cdxj / 1e6')" "$(col "$n" 'req > 0 ? warc / req : 0')" \
			"$(col "$n" cpu)" "$(col "$n" 'wall > 0 ? 100 * scpu / wall : 0')" "$worst"
	done
	echo
	echo "vellum's summary line:"
	for n in 1 2; do
		printf '  run %s: %s, %.0f pages (%.0f new, %.0f changed, %.0f unchanged), %.0f requisites, %.0f revisits, %.0f errors, %.0f WARC files\n' "$n" \
			"$(awk -v n="$n" '$2 == n {print $5}' "$tmp/results" | sort -u | paste -sd/)" \
			"$(col "$n" pages)" "$(col "$n" new)" "$(col "$n" changed)" "$(col "$n" unchanged)" \
			"$(col "$n" requisites)" "$(col "$n" revisits)" "$(col "$n" errors)" "$(col "$n" files)"
	done
	echo
	echo "records by WARC-Type:"
	printf '  %-5s %9s %9s %9s %9s %9s %9s\n' run warcinfo request response revisit metadata other
	for n in 1 2; do
		printf '  %-5s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f\n' "$n" "$(col "$n" t_info)" "$(col "$n" t_req)" \
			"$(col "$n" t_resp)" "$(col "$n" t_rev)" "$(col "$n" t_meta)" "$(col "$n" t_other)"
	done
	echo
	echo "compressed bytes per record (response, revisit: CDXJ lengths; rest: WARC bytes minus those,"
	echo "over the request, metadata, warcinfo and other records):"
	printf '  %-5s %10s %10s %10s %10s %12s %10s\n' run response "avg B" revisit "avg B" "rest MB" "avg B"
	for n in 1 2; do
		printf '  %-5s %10.0f %10.0f %10.0f %10.0f %12.3f %10.0f\n' "$n" \
			"$(col "$n" x_resp)" "$(col "$n" 'x_resp > 0 ? xb_resp / x_resp : 0')" \
			"$(col "$n" x_rev)" "$(col "$n" 'x_rev > 0 ? xb_rev / x_rev : 0')" \
			"$(col "$n" 'rest / 1e6')" "$(col "$n" 't_rest > 0 ? rest / t_rest : 0')"
	done
	echo
	r_bytes=$(ratio "$(col 2 warc)" "$(col 1 warc)")
	r_time=$(ratio "$(col 2 wall)" "$(col 1 wall)")
	met=$(awk -v r="$r_bytes" -v t="$TARGET" -v b="$(col 1 warc)" 'BEGIN {print (b > 0 && r <= t ? "MET" : "NOT MET")}')
	printf '%-26s %8s\n' "run2/run1 WARC bytes" "$r_bytes"
	printf '%-26s %8s\n' "run2/run1 wall time" "$r_time"
	printf '%-26s %8s\n' "run2/run1 peak RSS" "$(ratio "$(col 2 rss)" "$(col 1 rss)")"
	echo "second run bytes ≤ 5% of the first's: $met"
	if ((RUNS > 1)); then
		echo
		echo "per pair (in the order run):"
		awk '{ '"$vars"'
			printf "  pair %-3d run %d  %-22s %-3s %6d URLs %8.2f s %8.2f MB RSS %9.3f WARC MB %6d revisits %6d responses  exit %d\n",
				pair, n, id, status, req, wall, rss * 1024 / 1e6, warc / 1e6, t_rev, t_resp, rc
			if (n == 1) { w1[pair] = warc; s1[pair] = wall }
			else printf "  pair %-3d run2/run1 WARC bytes %.3f, wall time %.3f\n", pair,
				(w1[pair] > 0 ? warc / w1[pair] : 0), (s1[pair] > 0 ? wall / s1[pair] : 0) }' "$tmp/results"
	fi
	echo
	echo "URLs: requests the site served during the run (from /__stats; robots.txt and 404s included); unique: distinct site URLs."
	echo "WARC MB: the run's WARC files (named <run id>-NNNNN.warc.gz); CDXJ MB: the CDXJ files beside them; WARC B/URL: WARC bytes / URLs."
	echo "MB = 10^6 bytes; CPU%: vellum's, from GNU time (200% = both cores); site%: benchsite's CPU over the same wall time."
	echo "ratios are ratios of the medians."
	awk -v s="$site_urls" '{ '"$vars"'
		if (req != s || uniq != s || nf != 0)
			printf "note: run %d of pair %d fetched %d URLs (%d distinct, %d not found) of the site'"'"'s %d\n", n, pair, req, uniq, nf, s
		if (status != "OK") printf "note: run %d of pair %d ended with status %s\n", n, pair, status
		if (n == 2 && t_rev == 0) printf "note: run 2 of pair %d wrote no revisit records\n", pair
		if (n == 2 && t_resp > 0) printf "note: run 2 of pair %d wrote %d response records\n", pair, t_resp
		if (t_rev != revisits) printf "note: run %d of pair %d: %d revisit records, the summary says %d revisits\n", n, pair, t_rev, revisits
		if (t_resp != x_resp || t_rev != x_rev)
			printf "note: run %d of pair %d: %d response and %d revisit records, its CDXJ lists %d and %d\n", n, pair, t_resp, t_rev, x_resp, x_rev
		if (n == 1) ids[pair] = id; else if (id == ids[pair]) printf "note: both runs of pair %d have the run id %s\n", pair, id
	}' "$tmp/results"
	if [[ -s $tmp/notes ]]; then
		cat "$tmp/notes"
	fi
} >"$report"

out=bench/out/recrawl-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
if awk '$4 != 0 || $5 != "OK" {bad = 1} END {exit !bad}' "$tmp/results"; then
	exit 1
fi
