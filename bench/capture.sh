#!/usr/bin/env bash
# Capture benchmark: `vellum capture --depth 1` and `wget -r -l 1 -p --warc-file`
# on one generated loopback site, side by side in one run, in two modes:
# bench/benchsite serving it from memory, and nginx serving the same site
# written to disk (benchsite -write). Prints URLs/s, peak RSS, WARC MB/s and
# CPU per URL of each and their ratios, and writes the same report to
# bench/out/capture-<date>.txt. See bench/README.md.
#
#   bench/capture.sh                      # MODE=both PAGES=2000 RUNS=1 TOOLS="vellum wget"
#   MODE=nginx bench/capture.sh           # one mode only (also MODE=benchsite)
#   PAGES=500 RUNS=3 bench/capture.sh     # median of 3 runs
#   TOOLS=wget bench/capture.sh           # one tool only (no ratios)
#   KEEP=1 bench/capture.sh               # keep the WARCs and logs in the temp dir
#   BASE=HEAD~1 bench/capture.sh          # also a build of that commit ("base"), for ratios
set -euo pipefail

MODE=${MODE:-both}
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

case $MODE in
benchsite | nginx) modes=("$MODE") ;;
both) modes=(benchsite nginx) ;;
*) die "MODE must be benchsite, nginx or both, not '$MODE'" ;;
esac
has_mode() { [[ " ${modes[*]} " == *" $1 "* ]]; }
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

# Debian's packages: GNU time for peak RSS, wget as the baseline, curl for
# /__stats, nginx-light for the nginx mode.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
[[ -x /usr/bin/wget ]] || ! uses wget || missing+=(wget)
command -v curl >/dev/null || missing+=(curl)
[[ -x /usr/sbin/nginx ]] || ! has_mode nginx || missing+=(nginx-light)
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
# nginx-light's postinst may start the system nginx on port 80; we never use it.

if has_mode benchsite; then
	start_benchsite -pages "$PAGES"
	say "probing the site alone (every URL once, one keep-alive connection)"
	probe=$(.bin/benchsite -probe "$addr" -pages "$PAGES" -conns 1)
fi
if has_mode nginx; then
	say "writing the site's files for nginx"
	mkdir -p "$tmp/www"
	nginx_urls=$(.bin/benchsite -write "$tmp/www" -pages "$PAGES")
	start_nginx_site "$tmp/www"
	# The Content-Types a crawler sees (Debian's mime.types), and gzip for text.
	for check in "/ text/html; charset=utf-8 gzip" "/a/1.html text/html; charset=utf-8 gzip" \
		"/css/site.css text/css; charset=utf-8 gzip" "/css/1.css text/css; charset=utf-8 gzip" \
		"/js/app.js application/javascript; charset=utf-8 gzip" "/robots.txt text/plain; charset=utf-8 -" \
		"/img/1-lead.jpg image/jpeg -" "/img/1-bg.png image/png -"; do
		path=${check%% *} want_ct=${check#* } want_ct=${want_ct% *} want_enc=${check##* }
		got=$(curl -fsS --max-time 10 -H 'Accept-Encoding: gzip' -o /dev/null -w '%{content_type}|%header{content-encoding}' \
			"http://$nginx_addr$path") || die "nginx: GET $path failed"
		[[ $got == "$want_ct|${want_enc#-}" ]] ||
			die "nginx: GET $path gave Content-Type|Content-Encoding '$got', want '$want_ct|${want_enc#-}'"
	done
	say "probing nginx alone (every URL once, one keep-alive connection)"
	nginx_probe=$(.bin/benchsite -probe "$nginx_addr" -pages "$PAGES" -conns 1)
fi

# run_tool MODE TOOL DIR RUN appends one line to $tmp/results-MODE:
# tool requests unique not_found wall_s rss_kb warc_bytes cpu_pct site_cpu_s exit cpu_s
run_tool() {
	local mode=$1 tool=$2 dir=$3 run=$4 rc=0 t0 t1 url off=0 c0=0
	mkdir -p "$dir/out"
	if [[ $mode == nginx ]]; then
		url=http://$nginx_addr
		off=$(log_size)
		c0=$(proc_cpu_seconds "$nginx_pid")
	else
		url=$base
		reset
	fi
	t0=$EPOCHREALTIME
	case $tool in
	vellum | base)
		local bin=.bin/vellum
		[[ $tool == base ]] && bin=.bin/vellum-base
		/usr/bin/time -v -o "$dir/time.txt" \
			"$bin" capture --archive "$dir/out" --depth 1 --delay 0 --no-progress --log-level warn "$url/" \
			>"$dir/stdout" 2>"$dir/stderr" || rc=$?
		;;
	wget)
		(cd "$dir/out" && /usr/bin/time -v -o "$dir/time.txt" \
			/usr/bin/wget -q -e robots=on -r -l 1 -p --warc-file=site --no-warc-keep-log "$url/") \
			>"$dir/stdout" 2>"$dir/stderr" || rc=$?
		;;
	esac
	t1=$EPOCHREALTIME
	local counts wall rss cpu warc cpus
	if [[ $mode == nginx ]]; then
		# nginx writes each log line as it answers: the tool has had them all.
		counts="$(log_count "$off") $(awk -v a="$c0" -v b="$(proc_cpu_seconds "$nginx_pid")" 'BEGIN { printf "%.2f", b - a }')"
	else
		local st
		st=$(stats)
		counts="$(field requests "$st") $(field unique "$st") $(field not_found "$st") $(field cpu_seconds "$st")"
	fi
	local req uniq nf scpu
	read -r req uniq nf scpu <<<"$counts"
	# GNU time's own elapsed figure has 10 ms steps; this has microseconds.
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
	cpu=$(awk -F': ' '/Percent of CPU this job got/ {sub(/%/, "", $2); print $2}' "$dir/time.txt")
	cpus=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$dir/time.txt")
	warc=$(find "$dir/out" -type f \( -name '*.warc' -o -name '*.warc.gz' -o -name '*.warc.open' -o -name '*.warc.gz.open' \) \
		-printf '%s\n' | awk '{s += $1} END {print s + 0}')
	echo "$tool ${req:-0} ${uniq:-0} ${nf:-0} ${wall:-0} ${rss:-0} $warc ${cpu:-0} ${scpu:-0} $rc ${cpus:-0}" >>"$tmp/results-$mode"
	if ((rc != 0)); then
		say "$tool exited with status $rc; last lines of its stderr:"
		tail -n 20 "$dir/stderr" | sed 's/^/    /' >&2
		{
			echo "$tool (run $run) exited with status $rc; last lines of its stderr:"
			tail -n 20 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes-$mode"
	elif [[ -s $dir/stderr ]]; then
		{
			echo "$tool (run $run) wrote to stderr ($(wc -l <"$dir/stderr") lines); the first:"
			head -n 5 "$dir/stderr" | sed 's/^/    /'
		} >>"$tmp/notes-$mode"
	fi
	[[ $KEEP == 1 ]] || rm -rf "$dir/out"
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for m in "${modes[@]}"; do
	: >"$tmp/results-$m"
	: >"$tmp/notes-$m"
done
for ((run = 1; run <= RUNS; run++)); do
	order=() # rotate the order, so that no tool always goes first
	for ((i = 0; i < ${#tools[@]}; i++)); do
		order+=("${tools[(i + run - 1) % ${#tools[@]}]}")
	done
	for m in "${modes[@]}"; do
		for t in "${order[@]}"; do
			say "run $run/$RUNS: $m: $t"
			run_tool "$m" "$t" "$tmp/run$run/$m/$t" "$run"
		done
	done
done

# median reads numbers one a line.
median() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# col TOOL EXPR prints the median over the runs of an awk expression on the
# result fields of the mode being reported ($results).
col() {
	awk -v t="$1" '$1 == t {
		req = $2; uniq = $3; nf = $4; wall = $5; rss = $6; warc = $7; cpu = $8; scpu = $9; rc = $10; cpus = $11
		print ('"$2"') }' "$results" | median
}
# ms/URL of CPU (user + system) of a tool's run.
cpu_url='req > 0 ? 1000 * cpus / req : 0'

# ratio A B prints A/B with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- cmd capture warc 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
# section MODE prints the table and ratios of one mode.
section() {
	local mode=$1 n site
	results=$tmp/results-$mode
	if [[ $mode == nginx ]]; then
		n=$nginx_urls site="nginx's"
		echo "nginx mode: the same site's files served by nginx"
	else
		n=$site_urls site="benchsite's"
		echo "benchsite mode: bench/benchsite serving from memory"
	fi
	printf '%-7s %7s %7s %5s %8s %9s %12s %8s %10s %6s %6s %5s\n' \
		tool URLs unique 404s "wall s" "URLs/s" "peak RSS MB" "WARC MB" "WARC MB/s" "CPU%" "site%" exit
	for t in "${tools[@]}"; do
		worst=$(awk -v t="$t" '$1 == t && $10 != 0 {rc = $10} END {print rc + 0}' "$results")
		printf '%-7s %7.0f %7.0f %5.0f %8.2f %9.2f %12.2f %8.2f %10.2f %6.0f %6.0f %5d\n' "$t" \
			"$(col "$t" req)" "$(col "$t" uniq)" "$(col "$t" nf)" "$(col "$t" wall)" \
			"$(col "$t" 'wall > 0 ? req / wall : 0')" "$(col "$t" 'rss * 1024 / 1e6')" \
			"$(col "$t" 'warc / 1e6')" "$(col "$t" 'wall > 0 ? warc / 1e6 / wall : 0')" \
			"$(col "$t" cpu)" "$(col "$t" 'wall > 0 ? 100 * scpu / wall : 0')" "$worst"
	done
	echo
	local r_urls r_cpu met
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
	# CPU per URL: the tool's user + system time (GNU time) over the URLs it fetched.
	for t in "${tools[@]}"; do
		printf '%-22s %8.3f\n' "$t CPU ms/URL" "$(col "$t" "$cpu_url")"
	done
	if uses vellum && uses wget; then
		r_cpu=$(ratio "$(col vellum "$cpu_url")" "$(col wget "$cpu_url")")
		printf '%-22s %8s\n' "vellum/wget CPU/URL" "$r_cpu"
	fi
	if uses vellum && uses base; then
		printf '%-22s %8s   (this tree over %s)\n' "vellum/base CPU/URL" \
			"$(ratio "$(col vellum "$cpu_url")" "$(col base "$cpu_url")")" "$base_rev"
	fi
	if [[ $mode == nginx ]] && uses vellum; then
		echo
		echo "targets (issue 11, nginx mode; reported, not enforced):"
		if uses wget; then
			printf '  %-20s %8s   >= 3.00 x wget: %s\n' "vellum/wget URLs/s" "$r_urls" \
				"$(awk -v r="$r_urls" 'BEGIN {print (r >= 3 ? "met" : "NOT met")}')"
			printf '  %-20s %8s   <= 0.60 x wget: %s\n' "vellum/wget CPU/URL" "$r_cpu" \
				"$(awk -v r="$r_cpu" 'BEGIN {print (r > 0 && r <= 0.6 ? "met" : "NOT met")}')"
		fi
		local rss
		rss=$(col vellum 'rss * 1024 / 1e6')
		printf '  %-20s %8.2f   <= 67.11 (64 MiB) at 12k URLs: %s%s\n' "vellum peak RSS MB" "$rss" \
			"$(awk -v r="$rss" 'BEGIN {print (r <= 64 * 1.048576 ? "met" : "NOT met")}')" \
			"$( ((n == 12004)) || echo " (this site has $n URLs: not the target's size)")"
	fi
	if ((RUNS > 1)); then
		echo
		echo "per run (in the order run):"
		awk '{ n[$1]++; printf "  %-7s run %-3d %7d URLs %8.2f s %9.2f URLs/s %8.2f MB RSS %8.2f WARC MB/s  exit %d\n",
			$1, n[$1], $2, $5, ($5 > 0 ? $2 / $5 : 0), $6 * 1024 / 1e6, ($5 > 0 ? $7 / 1e6 / $5 : 0), $10 }' "$results"
	fi
	echo
	if [[ $mode == nginx ]]; then
		echo "URLs: requests in nginx's access log during the tool's run (404s included); unique: distinct URLs not answered 404."
		echo "MB = 10^6 bytes; CPU%: the tool's, from GNU time (200% = both cores); site%: nginx's CPU (master and workers) over the same wall time."
	else
		echo "URLs: requests the site served during the tool's run (404s included); unique: distinct site URLs."
		echo "MB = 10^6 bytes; CPU%: the tool's, from GNU time (200% = both cores); site%: benchsite's CPU over the same wall time."
	fi
	echo "CPU ms/URL: the tool's user + system CPU time (GNU time) over its URLs."
	awk -v n="$n" -v s="$site" '$2 != n || $3 != n || $4 != 0 {
		printf "note: %s fetched %d URLs (%d distinct, %d not found) of %s %d\n", $1, $2, $3, $4, s, n }' "$results"
	if [[ -s $tmp/notes-$mode ]]; then
		cat "$tmp/notes-$mode"
	fi
}

report=$tmp/report
{
	echo "Vellum capture benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC')"
	if has_mode benchsite; then
		echo "site: bench/benchsite, $PAGES articles, $site_urls URLs, on $addr (loopback only)"
	fi
	if has_mode nginx; then
		echo "nginx site: $(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //') on $nginx_addr (loopback only), the same $PAGES articles," \
			"$nginx_urls URLs written by benchsite -write; 2 workers, Debian's mime.types, gzip on (level 1) for text, keep-alive, sendfile," \
			"access log in the temp dir"
	fi
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
	if has_mode benchsite; then
		echo "site alone, $probe"
	fi
	if has_mode nginx; then
		echo "nginx alone, $nginx_probe"
	fi
	echo "runs: $RUNS$( ((RUNS > 1)) && echo ", each figure the median over the runs")"
	for m in "${modes[@]}"; do
		echo
		section "$m"
	done
} >"$report"

out=bench/out/capture-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
if cat "${modes[@]/#/$tmp/results-}" | awk '$10 != 0 {bad = 1} END {exit !bad}'; then
	exit 1
fi
