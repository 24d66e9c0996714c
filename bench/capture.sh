#!/usr/bin/env bash
# Capture benchmark: `vellum capture --depth 1` and `wget -r -l 1 -p --warc-file`
# on one generated loopback site (bench/benchsite), side by side in one run.
# Prints URLs/s, peak RSS and WARC MB/s of each and their ratios, and writes
# the same report to bench/out/capture-<date>.txt. See bench/README.md.
#
#   bench/capture.sh                      # PAGES=2000 RUNS=1 TOOLS="vellum wget"
#   PAGES=500 RUNS=3 bench/capture.sh     # median of 3 runs
#   TOOLS=wget bench/capture.sh           # one tool only (no ratios)
#   KEEP=1 bench/capture.sh               # keep the WARCs and logs in the temp dir
#   BASE=HEAD~1 bench/capture.sh          # also a build of that commit ("base"), for ratios
set -euo pipefail

PAGES=${PAGES:-2000}
RUNS=${RUNS:-1}
TOOLS=${TOOLS:-vellum wget}
KEEP=${KEEP:-0}
BASE=${BASE:-} # a commit: its build runs as the tool "base" beside vellum

die() {
	echo "capture.sh: $*" >&2
	exit 1
}
say() { echo "capture.sh: $*" >&2; }

[[ $PAGES =~ ^[1-9][0-9]*$ ]] || die "PAGES must be a positive integer, not '$PAGES'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
read -r -a tools <<<"$TOOLS"
((${#tools[@]})) || die "TOOLS is empty"
for t in "${tools[@]}"; do
	[[ $t == vellum || $t == wget ]] || die "TOOLS: unknown tool '$t' (want vellum and/or wget)"
done
[[ -z $BASE ]] || tools+=(base)
uses() { [[ " ${tools[*]} " == *" $1 "* ]]; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Debian's packages: GNU time for peak RSS, wget as the baseline, curl for /__stats.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
[[ -x /usr/bin/wget ]] || ! uses wget || missing+=(wget)
command -v curl >/dev/null || missing+=(curl)
install_missing "${missing[@]}"

mkdir -p .bin bench/out
say "building .bin/benchsite"
go build -o .bin/benchsite ./bench/benchsite
if uses vellum; then
	say "building .bin/vellum"
	go build -o .bin/vellum ./cmd/vellum
fi
[[ -z $BASE ]] || build_base "$BASE"

make_tmp capture

start_benchsite -pages "$PAGES"

say "probing the site alone (every URL once, one keep-alive connection)"
probe=$(.bin/benchsite -probe "$addr" -pages "$PAGES" -conns 1)

# run_tool TOOL DIR appends one line to $tmp/results:
# tool requests unique not_found wall_s rss_kb warc_bytes cpu_pct site_cpu_s exit
run_tool() {
	local tool=$1 dir=$2 rc=0 t0 t1
	mkdir -p "$dir/out"
	reset
	t0=$EPOCHREALTIME
	case $tool in
	vellum | base)
		local bin=.bin/vellum
		[[ $tool == base ]] && bin=.bin/vellum-base
		/usr/bin/time -v -o "$dir/time.txt" \
			"$bin" capture --archive "$dir/out" --depth 1 --delay 0 --no-progress --log-level warn "$base/" \
			>"$dir/stdout" 2>"$dir/stderr" || rc=$?
		;;
	wget)
		(cd "$dir/out" && /usr/bin/time -v -o "$dir/time.txt" \
			/usr/bin/wget -q -e robots=on -r -l 1 -p --warc-file=site --no-warc-keep-log "$base/") \
			>"$dir/stdout" 2>"$dir/stderr" || rc=$?
		;;
	esac
	t1=$EPOCHREALTIME
	local st wall rss cpu warc
	st=$(stats)
	# GNU time's own elapsed figure has 10 ms steps; this has microseconds.
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
	cpu=$(awk -F': ' '/Percent of CPU this job got/ {sub(/%/, "", $2); print $2}' "$dir/time.txt")
	warc=$(find "$dir/out" -type f \( -name '*.warc' -o -name '*.warc.gz' -o -name '*.warc.open' -o -name '*.warc.gz.open' \) \
		-printf '%s\n' | awk '{s += $1} END {print s + 0}')
	echo "$tool $(field requests "$st") $(field unique "$st") $(field not_found "$st") ${wall:-0} ${rss:-0} $warc ${cpu:-0} $(field cpu_seconds "$st") $rc" >>"$tmp/results"
	if ((rc != 0)); then
		say "$tool exited with status $rc; last lines of its stderr:"
		tail -n 20 "$dir/stderr" | sed 's/^/    /' >&2
		{
			echo "$tool (run $3) exited with status $rc; last lines of its stderr:"
			tail -n 20 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes"
	elif [[ -s $dir/stderr ]]; then
		{
			echo "$tool (run $3) wrote to stderr ($(wc -l <"$dir/stderr") lines); the first:"
			head -n 5 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes"
	fi
	[[ $KEEP == 1 ]] || rm -rf "$dir/out"
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/results"
: >"$tmp/notes"
for ((run = 1; run <= RUNS; run++)); do
	order=() # rotate the order, so that no tool always goes first
	for ((i = 0; i < ${#tools[@]}; i++)); do
		order+=("${tools[(i + run - 1) % ${#tools[@]}]}")
	done
	for t in "${order[@]}"; do
		say "run $run/$RUNS: $t"
		run_tool "$t" "$tmp/run$run/$t" "$run"
	done
done

# median reads numbers one a line.
median() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# col TOOL EXPR prints the median over the runs of an awk expression on the result fields.
col() {
	awk -v t="$1" '$1 == t {
		req = $2; uniq = $3; nf = $4; wall = $5; rss = $6; warc = $7; cpu = $8; scpu = $9; rc = $10
		print ('"$2"') }' "$tmp/results" | median
}

# ratio A B prints A/B with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- cmd capture warc 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
report=$tmp/report
{
	echo "Vellum capture benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC')"
	echo "site: bench/benchsite, $PAGES articles, $site_urls URLs, on $addr (loopback only)"
	echo "machine: $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
	if uses vellum; then
		echo "vellum: .bin/vellum at $git_rev: capture --depth 1 --delay 0 --no-progress --log-level warn"
	fi
	if uses base; then
		echo "base: .bin/vellum-base at $base_rev (BASE=$BASE), the same flags"
	fi
	if uses wget; then
		echo "wget: $(/usr/bin/wget --version | head -n1 | cut -d' ' -f1-3): -e robots=on -r -l 1 -p --warc-file=site --no-warc-keep-log"
	fi
	echo "site alone, $probe"
	echo "runs: $RUNS$( ((RUNS > 1)) && echo ", each figure the median over the runs")"
	echo
	printf '%-7s %7s %7s %5s %8s %9s %12s %8s %10s %6s %6s %5s\n' \
		tool URLs unique 404s "wall s" "URLs/s" "peak RSS MB" "WARC MB" "WARC MB/s" "CPU%" "site%" exit
	for t in "${tools[@]}"; do
		worst=$(awk -v t="$t" '$1 == t && $10 != 0 {rc = $10} END {print rc + 0}' "$tmp/results")
		printf '%-7s %7.0f %7.0f %5.0f %8.2f %9.2f %12.2f %8.2f %10.2f %6.0f %6.0f %5d\n' "$t" \
			"$(col "$t" req)" "$(col "$t" uniq)" "$(col "$t" nf)" "$(col "$t" wall)" \
			"$(col "$t" 'wall > 0 ? req / wall : 0')" "$(col "$t" 'rss * 1024 / 1e6')" \
			"$(col "$t" 'warc / 1e6')" "$(col "$t" 'wall > 0 ? warc / 1e6 / wall : 0')" \
			"$(col "$t" cpu)" "$(col "$t" 'wall > 0 ? 100 * scpu / wall : 0')" "$worst"
	done
	echo
	if uses vellum && uses wget; then
		r_urls=$(ratio "$(col vellum 'wall > 0 ? req / wall : 0')" "$(col wget 'wall > 0 ? req / wall : 0')")
		met=$(awk -v r="$r_urls" 'BEGIN {print (r >= 3 ? "met" : "NOT met")}')
		printf '%-22s %8s   target: >= 3.00 (%s)\n' "vellum/wget URLs/s" "$r_urls" "$met"
	fi
	if uses vellum; then
		printf '%-22s %8.2f   target: bounded (flat as PAGES grows; compare a run with PAGES=8000)\n' \
			"vellum peak RSS MB" "$(col vellum 'rss * 1024 / 1e6')"
	fi
	if uses vellum && uses wget; then
		printf '%-22s %8s\n' "vellum/wget peak RSS" "$(ratio "$(col vellum rss)" "$(col wget rss)")"
		printf '%-22s %8s\n' "vellum/wget WARC MB/s" \
			"$(ratio "$(col vellum 'wall > 0 ? warc / wall : 0')" "$(col wget 'wall > 0 ? warc / wall : 0')")"
	fi
	if uses vellum && uses base; then
		printf '%-22s %8s   (this tree over %s)\n' "vellum/base URLs/s" \
			"$(ratio "$(col vellum 'wall > 0 ? req / wall : 0')" "$(col base 'wall > 0 ? req / wall : 0')")" "$base_rev"
		printf '%-22s %8s\n' "vellum/base peak RSS" "$(ratio "$(col vellum rss)" "$(col base rss)")"
	fi
	if ((RUNS > 1)); then
		echo
		echo "per run (in the order run):"
		awk '{ n[$1]++; printf "  %-7s run %-3d %7d URLs %8.2f s %9.2f URLs/s %8.2f MB RSS %8.2f WARC MB/s  exit %d\n",
			$1, n[$1], $2, $5, ($5 > 0 ? $2 / $5 : 0), $6 * 1024 / 1e6, ($5 > 0 ? $7 / 1e6 / $5 : 0), $10 }' "$tmp/results"
	fi
	echo
	echo "URLs: requests the site served during the tool's run (404s included); unique: distinct site URLs."
	echo "MB = 10^6 bytes; CPU%: the tool's, from GNU time (200% = both cores); site%: benchsite's CPU over the same wall time."
	awk -v n="$site_urls" '$2 != n || $3 != n || $4 != 0 {
		printf "note: %s fetched %d URLs (%d distinct, %d not found) of the site'"'"'s %d\n", $1, $2, $3, $4, n }' "$tmp/results"
	if [[ -s $tmp/notes ]]; then
		cat "$tmp/notes"
	fi
} >"$report"

out=bench/out/capture-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
if awk '$10 != 0 {bad = 1} END {exit !bad}' "$tmp/results"; then
	exit 1
fi
