#!/usr/bin/env bash
# Browser capture benchmark: `vellum capture --depth 1 --browser --browser-tabs 2` and the
# static `vellum capture --depth 1` of the same generated site of pages built by script
# (bench/jssite), side by side in one run. Prints for each: pages/s, wall time, Vellum's peak
# RSS, Chromium's peak RSS (its processes summed, sampled every 200 ms from /proc), records
# written, and the issue's targets; writes the same report to bench/out/browser-<date>.txt.
# See bench/README.md.
#
#   bench/browser.sh                 # PAGES=200 RUNS=1 TABS=2, both modes
#   RUNS=3 bench/browser.sh          # medians of 3 runs (the order of the modes rotates)
#   MODES=browser bench/browser.sh   # one mode only (also MODES=static)
#   TABS=4 bench/browser.sh          # --browser-tabs 4 (the target is for 2)
#   KEEP=1 bench/browser.sh          # keep the archives, logs and samples in the temp dir
set -euo pipefail

PAGES=${PAGES:-200}
RUNS=${RUNS:-1}
TABS=${TABS:-2}
MODES=${MODES:-static browser}
KEEP=${KEEP:-0}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

die() {
	echo "browser.sh: $*" >&2
	exit 1
}
say() { echo "browser.sh: $*" >&2; }

[[ $PAGES =~ ^[1-9][0-9]*$ ]] || die "PAGES must be a positive integer, not '$PAGES'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[[ $TABS =~ ^[1-9][0-9]*$ ]] || die "TABS must be a positive integer, not '$TABS'"
read -r -a modes <<<"$MODES"
((${#modes[@]})) || die "MODES is empty"
for m in "${modes[@]}"; do
	[[ $m == static || $m == browser ]] || die "MODES: unknown mode '$m' (want static and/or browser)"
done
has_mode() { [[ " ${modes[*]} " == *" $1 "* ]]; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Debian's packages: GNU time, curl for /__stats, Chromium for the browser mode.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
if has_mode browser && [[ ! -x $CHROMIUM ]]; then
	[[ $CHROMIUM == /usr/bin/chromium ]] || die "CHROMIUM=$CHROMIUM is not an executable"
	missing+=(chromium)
fi
install_missing "${missing[@]}"

mkdir -p .bin bench/out
say "building .bin/jssite and .bin/vellum"
go build -o .bin/jssite ./bench/jssite
go build -o .bin/vellum ./cmd/vellum
if has_mode browser && ! .bin/vellum capture --help 2>&1 | grep -q -- '--browser'; then
	die "this vellum has no 'capture --browser' (browser capture, issue 12, is not in this tree yet); MODES=static measures the static capture alone"
fi

make_tmp browser

start_site .bin/jssite -pages "$PAGES"

# tree_sample ROOT prints "vellum_hwm_kb chromium_rss_kb chromium_pss_kb":
# the peak RSS so far (VmHWM) of ROOT's child vellum, and the RSS and the
# PSS (shared pages divided among the processes sharing them) of every
# chromium process under ROOT summed, read from /proc. A process that ends
# between the glob and the read is skipped.
tree_sample() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" -v pk="$(getconf PAGESIZE)" '
		{ pid = $1; rest = $0; name = $0
		  sub(/^[^(]*\(/, "", name); sub(/\)[^)]*$/, "", name)
		  sub(/^.*\) /, "", rest); split(rest, f, " ")
		  ppid[pid] = f[2]; rss[pid] = f[22]; comm[pid] = name }
		END {
			for (p in ppid) {
				if (p == root) continue
				q = ppid[p]; n = 0
				while (q != root && (q in ppid) && q > 1 && n++ < 64) q = ppid[q]
				if (q != root) continue
				if (comm[p] == "vellum") v = p
				else if (comm[p] ~ /^chrom/) {
					s += rss[p]
					sm = "/proc/" p "/smaps_rollup"
					while ((getline line < sm) > 0) if (line ~ /^Pss:/) { split(line, a, " "); pss += a[2] }
					close(sm)
				}
			}
			hwm = 0
			if (v != "") {
				st = "/proc/" v "/status"
				while ((getline line < st) > 0) if (line ~ /^VmHWM:/) { split(line, a, " "); hwm = a[2] }
				close(st)
			}
			printf "%d %d %d\n", hwm, s * pk / 1024, pss }'
}

# run_mode MODE DIR RUN appends one line to $tmp/results:
# mode pages wall_s vellum_kb time_kb chromium_kb records responses resources requests unique not_found exit cpu_s chromium_pss_kb
run_mode() {
	local mode=$1 dir=$2 run=$3 rc=0 t0 t1 pid hwm=0 chrom=0 cpss=0 h c cp
	mkdir -p "$dir"
	local -a extra=()
	[[ $mode == static ]] || extra=(--browser --browser-tabs "$TABS" --chromium "$CHROMIUM")
	reset
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$dir/time.txt" .bin/vellum capture --archive "$dir/archive" --depth 1 --delay 0 \
		--no-progress --log-level warn "${extra[@]}" "$base/" >"$dir/stdout" 2>"$dir/stderr" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		read -r h c cp <<<"$(tree_sample "$pid")"
		((h > hwm)) && hwm=$h
		((c > chrom)) && chrom=$c
		((cp > cpss)) && cpss=$cp
		echo "$EPOCHREALTIME $h $c $cp" >>"$dir/samples"
		sleep 0.2
	done
	wait "$pid" || rc=$?
	t1=$EPOCHREALTIME
	local wall rss cpus pages st types
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
	# Without children, GNU time's figure is vellum's own, and exact: a
	# static capture may end before the sampler has looked twice.
	[[ $mode == browser ]] || hwm=${rss:-0}
	cpus=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$dir/time.txt")
	pages=$(sed -n 's/^run .*  \([0-9][0-9]*\) pages (.*/\1/p' "$dir/stdout" | head -n1)
	st=$(stats)
	# Records by WARC-Type, from every record header of the run's WARC files.
	find "$dir/archive/warcs" -type f \( -name '*.warc.gz' -o -name '*.warc.gz.open' \) -exec zcat -f {} + 2>/dev/null |
		{ grep -a '^WARC-Type: ' || true; } | tr -d '\r' | awk '{print $2}' | sort | uniq -c |
		awk '{printf "%s%s=%d", (NR > 1 ? " " : ""), $2, $1}' >"$dir/types"
	types=$(cat "$dir/types")
	local recs resp res
	recs=$(awk '{for (i = 1; i <= NF; i++) {split($i, a, "="); s += a[2]}} END {print s + 0}' <<<"$types")
	resp=$(sed -n 's/.*response=\([0-9]*\).*/\1/p' <<<"$types")
	res=$(sed -n 's/.*resource=\([0-9]*\).*/\1/p' <<<"$types")
	echo "$mode ${pages:-0} $wall ${hwm:-0} ${rss:-0} $chrom $recs ${resp:-0} ${res:-0} $(field requests "$st") $(field unique "$st")" \
		"$(field not_found "$st") $rc ${cpus:-0} $cpss" >>"$tmp/results"
	echo "$mode run $run: $types" >>"$tmp/types"
	if ((rc != 0)); then
		say "$mode capture exited with status $rc; last lines of its stderr:"
		tail -n 20 "$dir/stderr" | sed 's/^/    /' >&2
		{
			echo "$mode (run $run) exited with status $rc; last lines of its stderr:"
			tail -n 20 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes"
	elif grep -qv '^To replay: ' "$dir/stderr"; then # the replay hint is no news
		{
			echo "$mode (run $run) wrote to stderr ($(grep -cv '^To replay: ' "$dir/stderr") lines); the first:"
			grep -v '^To replay: ' "$dir/stderr" | head -n 5 | sed 's/^/    /'
		} >>"$tmp/notes"
	fi
	[[ $KEEP == 1 ]] || rm -rf "$dir/archive"
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/results"
: >"$tmp/notes"
: >"$tmp/types"
for ((run = 1; run <= RUNS; run++)); do
	order=()
	for ((i = 0; i < ${#modes[@]}; i++)); do
		order+=("${modes[(i + run - 1) % ${#modes[@]}]}")
	done
	for m in "${order[@]}"; do
		say "run $run/$RUNS: $m"
		run_mode "$m" "$tmp/run$run/$m" "$run"
	done
done

median() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# col MODE EXPR: the median over the runs of an awk expression on MODE's results.
col() {
	awk -v m="$1" '$1 == m {
		pages = $2; wall = $3; vkb = $4; tkb = $5; ckb = $6; recs = $7; resp = $8; res = $9
		req = $10; uniq = $11; nf = $12; rc = $13; cpus = $14; cpss = $15
		print ('"$2"') }' "$tmp/results" | median
}
pps='wall > 0 ? pages / wall : 0'
mb() { echo "$1 * 1024 / 1e6"; }

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- cmd capture warc internal bench/jssite 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
report=$tmp/report
{
	echo "Vellum browser capture benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC')"
	echo "site: bench/jssite, $PAGES articles built by script (story by fetch(), photos by IntersectionObserver, font by FontFace)," \
		"$site_urls URLs for a browser capture of / at depth 1, on $addr (loopback only)"
	echo "machine: $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
	echo "vellum: .bin/vellum at $git_rev: capture --depth 1 --delay 0 --no-progress --log-level warn"
	if has_mode browser; then
		echo "browser mode: the same with --browser --browser-tabs $TABS --chromium $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
	fi
	echo "runs: $RUNS$( ((RUNS > 1)) && echo ", each figure the median over the runs")"
	echo
	printf '%-8s %6s %8s %8s %10s %8s %12s %12s %8s %6s %6s %5s %7s %5s\n' \
		mode pages "wall s" pages/s "vellum MB" "time MB" "chromium RSS" "chromium PSS" records shots URLs 404s "CPU s" exit
	for m in "${modes[@]}"; do
		worst=$(awk -v m="$m" '$1 == m && $13 != 0 {rc = $13} END {print rc + 0}' "$tmp/results")
		printf '%-8s %6.0f %8.2f %8.2f %10.2f %8.2f %12.2f %12.2f %8.0f %6.0f %6.0f %5.0f %7.2f %5d\n' "$m" \
			"$(col "$m" pages)" "$(col "$m" wall)" "$(col "$m" "$pps")" "$(col "$m" "$(mb vkb)")" \
			"$(col "$m" "$(mb tkb)")" "$(col "$m" "$(mb ckb)")" "$(col "$m" "$(mb cpss)")" "$(col "$m" recs)" "$(col "$m" res)" \
			"$(col "$m" uniq)" "$(col "$m" nf)" "$(col "$m" cpus)" "$worst"
	done
	echo
	if has_mode browser && has_mode static; then
		printf '%-26s %8s\n' "browser/static pages/s" \
			"$(awk -v a="$(col browser "$pps")" -v b="$(col static "$pps")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		printf '%-26s %8s\n' "browser/static records" \
			"$(awk -v a="$(col browser recs)" -v b="$(col static recs)" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	fi
	if has_mode browser; then
		echo
		echo "targets (issue 12; reported, not enforced):"
		p=$(col browser "$pps")
		v=$(col browser "$(mb vkb)")
		printf '  %-24s %8.2f   >= 4 with 2 tabs: %s%s\n' "browser pages/s" "$p" \
			"$(awk -v r="$p" 'BEGIN {print (r >= 4 ? "met" : "NOT met")}')" "$( ((TABS == 2)) || echo " (this run used $TABS tabs)")"
		printf '  %-24s %8.2f   <= 134.22 (128 MiB): %s\n' "vellum peak RSS MB" "$v" \
			"$(awk -v r="$v" 'BEGIN {print (r > 0 && r <= 128 * 1.048576 ? "met" : "NOT met")}')"
		printf '  %-24s %8.2f   (reported; PSS %.2f MB)\n' "chromium peak RSS MB" "$(col browser "$(mb ckb)")" "$(col browser "$(mb cpss)")"
	fi
	if ((RUNS > 1)); then
		echo
		echo "per run (in the order run):"
		awk '{ printf "  %-8s %6d pages %8.2f s %7.2f pages/s %8.2f vellum MB %9.2f chromium RSS MB %9.2f PSS MB %7d records  exit %d\n",
			$1, $2, $3, ($3 > 0 ? $2 / $3 : 0), $4 * 1024 / 1e6, $6 * 1024 / 1e6, $15 * 1024 / 1e6, $7, $13 }' "$tmp/results"
	fi
	echo
	echo "records by WARC-Type:"
	sed 's/^/  /' "$tmp/types"
	echo
	echo "pages: from vellum's summary line; pages/s: pages / wall s (wall clock around the process, microseconds)."
	echo "vellum MB: vellum's own peak RSS: in the browser mode VmHWM of its process (sampled every 200 ms from /proc), in the static mode GNU time's."
	echo "time MB: GNU time's maximum RSS, which also covers the children vellum waited for: in the browser mode, the largest Chromium process."
	echo "chromium RSS: the largest sum, over the 200 ms samples, of the RSS of every chromium process under vellum (pages they share counted in each);"
	echo "chromium PSS: the same with PSS (/proc/PID/smaps_rollup: each shared page divided among its processes), the memory Chromium really took."
	echo "records: WARC records written (every WARC-Type); shots: resource records (screenshots); URLs, 404s: distinct paths the site served, and 404 answers."
	echo "CPU s: user + system time from GNU time, of vellum and the children it waited for (Chromium). MB = 10^6 bytes."
	awk -v n="$site_urls" '$1 == "browser" && $11 < n { printf "note: the browser capture fetched %d distinct URLs of the %d a browser capture should\n", $11, n }' "$tmp/results"
	if [[ -s $tmp/notes ]]; then
		cat "$tmp/notes"
	fi
} >"$report"

out=bench/out/browser-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
if awk '$13 != 0 {bad = 1} END {exit !bad}' "$tmp/results"; then
	exit 1
fi
