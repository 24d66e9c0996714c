#!/usr/bin/env bash
# Replay benchmark: wrk against `vellum serve` (a rewritten article page, the
# same page raw with id_, and CDX queries on an index of a million synthetic
# captures) and against nginx serving the rewritten page's bytes as a static
# file (the ceiling), side by side in one run. Prints requests/s, p50/p99
# latency and bytes/response of each, their ratios to nginx and to pywb 2.10's
# reference figures, and writes the same report to bench/out/replay-<date>.txt.
# See bench/README.md.
#
#   bench/replay.sh                          # DURATION=15 CONNS=8 RUNS=1
#   RUNS=3 bench/replay.sh                   # median of 3 runs (target order rotates)
#   DURATION=30 CONNS=32 bench/replay.sh     # longer, more connections
#   TARGETS="cdx nginx" bench/replay.sh      # some targets only
#   KEEP=1 bench/replay.sh                   # keep the archive, logs and wrk output
#   BASE=HEAD~1 bench/replay.sh              # also serve with a build of that commit
#                                            # (targets "rewritten-base" etc.), for ratios
set -euo pipefail

DURATION=${DURATION:-15}   # seconds each measurement lasts
WARMUP=${WARMUP:-3}        # seconds of (status-checked) warm-up before each
CONNS=${CONNS:-8}          # wrk connections
THREADS=${THREADS:-2}      # wrk threads
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}
CAPTURES=${CAPTURES:-1000000} # captures in the synthetic index for the CDX queries
PAGES=${PAGES:-50}            # articles of the captured benchsite
ARTICLE=${ARTICLE:-/a/7.html} # the article measured
TARGETS=${TARGETS:-rewritten raw cdx nginx}
BASE=${BASE:-} # a commit: a build of it serves copies of the same archives beside vellum

# pywb 2.10 on this kind of machine (issue 3): reference figures, pywb is not run.
PYWB_PAGES=230
PYWB_CDX=580
# Targets (issue 3).
WANT_PAGES=2300 # rewritten pages/s, 10x pywb
WANT_CDX=15000  # CDX queries/s
WANT_P99=20     # ms, every vellum target

die() {
	echo "replay.sh: $*" >&2
	exit 1
}
say() { echo "replay.sh: $*" >&2; }

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not '$2'"; }
posint DURATION "$DURATION"
posint WARMUP "$WARMUP"
posint CONNS "$CONNS"
posint THREADS "$THREADS"
posint RUNS "$RUNS"
posint CAPTURES "$CAPTURES"
posint PAGES "$PAGES"
((CONNS >= THREADS)) || die "CONNS ($CONNS) must be at least THREADS ($THREADS)"
[[ $ARTICLE == /* ]] || die "ARTICLE must be a path on the site, like /a/7.html, not '$ARTICLE'"
read -r -a targets <<<"$TARGETS"
((${#targets[@]})) || die "TARGETS is empty"
for t in "${targets[@]}"; do
	[[ $t =~ ^(rewritten|raw|cdx|nginx)$ ]] || die "TARGETS: unknown target '$t' (want rewritten, raw, cdx and/or nginx)"
done
if [[ -n $BASE ]]; then # each base target right after its own, so both see the same load
	with_base=()
	for t in "${targets[@]}"; do
		with_base+=("$t")
		[[ $t == nginx ]] || with_base+=("$t-base")
	done
	targets=("${with_base[@]}")
fi
uses() { [[ " ${targets[*]} " == *" $1 "* ]]; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh # for build_base; this script has its own set-up and cleanup

# Debian's packages: wrk to load, nginx-light for the static ceiling, curl.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x /usr/sbin/nginx ]] || ! uses nginx || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
	[[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"
	say "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# nginx-light's postinst may start the system nginx on port 80; we never use it.

mkdir -p .bin bench/out
say "building .bin/vellum, .bin/benchsite and .bin/synthindex"
go build -o .bin/vellum ./cmd/vellum
go build -o .bin/benchsite ./bench/benchsite
uses cdx && go build -o .bin/synthindex ./bench/synthindex
[[ -z $BASE ]] || build_base "$BASE"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vellum-replay-bench.XXXXXX")
# nginx runs as nobody when we are root: it must be able to reach $tmp/nginx.
chmod 711 "$tmp"
site_pid='' pages_pid='' synth_pid='' nginx_pid='' bpages_pid='' bsynth_pid=''
stop() { # stop PID: TERM, then wait for it
	[[ -n $1 ]] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	stop "$site_pid"
	stop "$pages_pid"
	stop "$synth_pid"
	stop "$nginx_pid" # the master; it stops its workers
	stop "$bpages_pid"
	stop "$bsynth_pid"
	if [[ $KEEP == 1 ]]; then
		say "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_line FILE PID WHAT: wait (60 s at most) for a first line in FILE.
wait_line() {
	for _ in $(seq 600); do
		if [[ -s $1 ]] && (($(wc -l <"$1") >= 1)); then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || { cat "${1%.out}.err" >&2 || true; die "$3 exited"; }
		sleep 0.1
	done
	die "$3 printed nothing in 60 s"
}

# 1. A real archive: capture a small benchsite, then stop the site.
say "capturing bench/benchsite ($PAGES articles) with vellum capture"
.bin/benchsite -addr 127.0.0.1:0 -pages "$PAGES" >"$tmp/site.out" 2>"$tmp/site.err" &
site_pid=$!
wait_line "$tmp/site.out" "$site_pid" benchsite
site=$(head -n1 "$tmp/site.out")
[[ $site == 127.* ]] || die "benchsite gave no loopback address (got '$site')"
if ! .bin/vellum capture --archive "$tmp/pages" --depth 1 --delay 0 --no-progress --log-level warn \
	"http://$site/" >"$tmp/capture.out" 2>"$tmp/capture.err"; then
	tail -n 20 "$tmp/capture.err" >&2
	die "vellum capture failed"
fi
stop "$site_pid"
site_pid=
article="http://$site$ARTICLE"

# 2. The CDX archive: a million synthetic captures, made once and cached in
# the temporary directory (as the Go benchmarks of index/ and replay/ do).
if uses cdx; then
	say "synthetic index of $CAPTURES captures (made once, then cached; the first time takes a while)"
	synth=$(.bin/synthindex -cached -n "$CAPTURES" 2>"$tmp/synthindex.err") ||
		{ cat "$tmp/synthindex.err" >&2; die "synthindex failed"; }
	[[ -s $synth/urls.txt ]] || die "synthindex gave no URL sample in '$synth'"
	cp "$synth/urls.txt" "$tmp/urls.txt"
	nurls=$(grep -c . "$tmp/urls.txt")
fi

# 3. vellum serve, once per archive. Port 0: serve prints the address it got.
# start_serve ARCHIVE NAME [BINARY] sets serve_pid, serve_base and serve_content.
start_serve() {
	"${3:-.bin/vellum}" serve --archive "$1" --addr 127.0.0.1:0 --log-level warn >"$tmp/$2.out" 2>"$tmp/$2.err" &
	serve_pid=$!
	wait_line "$tmp/$2.out" "$serve_pid" "vellum serve ($2)"
	serve_base=$(sed -n 's|^Vellum replays .* at \(http://127\.[0-9.]*:[0-9]*\)/$|\1|p' "$tmp/$2.out" | head -n1)
	[[ -n $serve_base ]] || die "vellum serve ($2) gave no loopback address: $(head -n1 "$tmp/$2.out")"
	# Mementos come from the content origin (the UI frames them), printed next.
	serve_content=
	for _ in $(seq 100); do
		serve_content=$(sed -n 's|^Archived content is served from \(http://[a-z0-9.]*:[0-9]*\)/$|\1|p' "$tmp/$2.out" | head -n1)
		[[ -n $serve_content ]] && break
		sleep 0.1
	done
	[[ -n $serve_content ]] || die "vellum serve ($2) gave no content address: $(cat "$tmp/$2.out")"
	for _ in $(seq 100); do
		# Any HTTP answer will do (a CDX query for a URL never archived).
		[[ $(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$serve_base/web/cdx?url=example.invalid/" 2>/dev/null) != 000 ]] &&
			return 0
		sleep 0.1
	done
	die "vellum serve ($2) at $serve_base does not answer"
}
start_serve "$tmp/pages" serve-pages
pages_pid=$serve_pid pages_base=$serve_base pages_content=$serve_content
if uses cdx; then
	start_serve "$synth" serve-synth
	synth_pid=$serve_pid synth_base=$serve_base
fi

if [[ -n $BASE ]]; then
	# The base build serves copies, so that neither server sees the other's writes.
	cp -a "$tmp/pages" "$tmp/pages-base"
	start_serve "$tmp/pages-base" serve-pages-base .bin/vellum-base
	bpages_pid=$serve_pid bpages_content=$serve_content
	if uses cdx; then
		cp -a "$synth" "$tmp/synth-base"
		start_serve "$tmp/synth-base" serve-synth-base .bin/vellum-base
		bsynth_pid=$serve_pid bsynth_base=$serve_base
	fi
fi

# The article's capture: its 14-digit timestamp from the CDX API.
ts=$(curl -fsS --max-time 10 "$pages_base/web/cdx?url=$article&output=json" |
	sed -n 's/.*"timestamp":"\([0-9]\{14\}\)".*/\1/p' | head -n1)
[[ -n $ts ]] || die "no capture of $article in the archive (is ARTICLE on a site of $PAGES articles?)"
path_rewritten="/web/$ts/$article"
path_raw="/web/${ts}id_/$article"

# check_get URL FILE: GET as wrk does (no Accept-Encoding), body to FILE,
# prints "status size content-encoding".
check_get() {
	curl -sS --max-time 10 -o "$2" -D "$2.headers" -w '%{http_code} %{size_download}' "$1"
	printf ' %s\n' "$(sed -n 's/^[Cc]ontent-[Ee]ncoding: *\([^[:space:]]*\).*/\1/p' "$2.headers" | head -n1)"
}
read -r st rw_size _ < <(check_get "$pages_content$path_rewritten" "$tmp/rewritten.html")
[[ $st == 200 ]] || die "GET $path_rewritten: status $st"
read -r st raw_size raw_enc < <(check_get "$pages_content$path_raw" "$tmp/raw.bin")
[[ $st == 200 ]] || die "GET $path_raw: status $st"
if uses cdx; then
	first=$(head -n1 "$tmp/urls.txt")
	st=$(curl -sS --max-time 10 -G --data-urlencode "url=$first" -d output=json -o "$tmp/cdx-first.json" \
		-w '%{http_code}' "$synth_base/web/cdx")
	[[ $st == 200 && -s $tmp/cdx-first.json ]] ||
		die "CDX query for $first: status $st, $(wc -c <"$tmp/cdx-first.json") bytes"
fi

# 4. nginx: the rewritten page's exact bytes (what vellum sends wrk for
# /web/<ts>/<article>) as a static file, by start_nginx_site of bench/lib.sh
# with neither gzip nor an access log: its own config, foreground, loopback,
# every path in $tmp; as nobody when we are root.
if uses nginx; then
	mkdir -p "$tmp/www"
	cp "$tmp/rewritten.html" "$tmp/www/article.html"
	start_nginx_site "$tmp/www" /article.html ceiling
	nginx_base=http://$nginx_addr
	cmp -s "$tmp/rewritten.html" <(curl -fsS --max-time 10 "$nginx_base/article.html") ||
		die "nginx does not serve the rewritten page's bytes"
fi

# 5. wrk. One Lua script for every target: with REPLAY_BENCH_URLS it sends
# CDX queries for URLs of that file picked at random per request (requests
# prepared in init, so the per-request cost is one table lookup); with
# REPLAY_BENCH_CHECK=1 (warm-ups only: wrk is slower with a response
# callback) it counts every response whose status is not 200 or whose body is
# empty; done() prints exact counts for the report.
cat >"$tmp/bench.lua" <<'EOF'
local urls_file = os.getenv("REPLAY_BENCH_URLS")
if urls_file == "" then urls_file = nil end
local check = os.getenv("REPLAY_BENCH_CHECK") == "1"
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end
local reqs
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  if urls_file then
    reqs = {}
    for line in io.lines(urls_file) do
      if line ~= "" then
        local q = line:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end)
        reqs[#reqs + 1] = wrk.format("GET", "/web/cdx?url=" .. q .. "&output=json")
      end
    end
  end
end
if urls_file then
  function request() return reqs[math.random(#reqs)] end
end
checked, non200, empty = 0, 0, 0
if check then
  function response(status, headers, body)
    checked = checked + 1
    if status ~= 200 then non200 = non200 + 1 end
    if body == nil or #body == 0 then empty = empty + 1 end
  end
end
function done(summary, latency, requests)
  local c, n, e = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("checked") or 0)
    n = n + (t:get("non200") or 0)
    e = e + (t:get("empty") or 0)
  end
  local x = summary.errors
  io.write(string.format("replaybench requests=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d checked=%d non200=%d empty=%d\n",
    summary.requests, summary.bytes, x.connect, x.read, x.write, x.status, x.timeout, c, n, e))
end
EOF

clk_tck=$(getconf CLK_TCK)
# cpu_ticks PID: user+system clock ticks of PID and its child processes (nginx's workers).
cpu_ticks() {
	local p t=0
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/"$p"/stat 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# ms TEXT: wrk's "1.23ms" / "456.78us" / "1.02s" / "1.5m" in milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
		if (f < 0) print "nan"; else printf "%.3f", n * f }'
}
# busy_ticks: clock ticks all cores spent running processes (user, nice, system)
# or stolen by the hypervisor, since boot; interrupt and softirq time (much of
# loopback TCP) is left out, as it is of the processes' own figures.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $9 }' /proc/stat; }
kv() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" <<<"$2"; }

target_url() {
	case $1 in
	rewritten) echo "$pages_content$path_rewritten" ;;
	raw) echo "$pages_content$path_raw" ;;
	cdx) echo "$synth_base/" ;; # the paths come from the Lua script
	nginx) echo "$nginx_base/article.html" ;;
	rewritten-base) echo "$bpages_content$path_rewritten" ;;
	raw-base) echo "$bpages_content$path_raw" ;;
	cdx-base) echo "$bsynth_base/" ;;
	esac
}
target_pid() {
	case $1 in
	rewritten | raw) echo "$pages_pid" ;;
	cdx) echo "$synth_pid" ;;
	nginx) echo "$nginx_pid" ;;
	rewritten-base | raw-base) echo "$bpages_pid" ;;
	cdx-base) echo "$bsynth_pid" ;;
	esac
}

# measure TARGET RUN appends one line to $tmp/results:
# run target rps p50_ms p99_ms requests bytes sockerr staterr checked non200 empty srv_cpu% wrk_cpu% load1 rc other_cpu%
measure() {
	local t=$1 run=$2 dir=$tmp/run$2/$1 url pid urls='' rc=0 wrc=0
	mkdir -p "$dir"
	url=$(target_url "$t")
	pid=$(target_pid "$t")
	[[ $t == cdx || $t == cdx-base ]] && urls=$tmp/urls.txt
	REPLAY_BENCH_URLS=$urls REPLAY_BENCH_CHECK=1 \
		wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$tmp/bench.lua" "$url" >"$dir/warmup.txt" 2>&1 || wrc=$?
	local load1 c0 c1 b0 b1 t0 t1 times
	load1=$(cut -d' ' -f1 /proc/loadavg)
	c0=$(cpu_ticks "$pid")
	b0=$(busy_ticks)
	t0=$EPOCHREALTIME
	{
		TIMEFORMAT='%U %S'
		time REPLAY_BENCH_URLS=$urls wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$tmp/bench.lua" "$url" \
			>"$dir/wrk.txt" 2>&1 || rc=$?
	} 2>"$dir/time.txt"
	t1=$EPOCHREALTIME
	c1=$(cpu_ticks "$pid")
	b1=$(busy_ticks)
	((rc != 0)) || rc=$wrc
	kill -0 "$pid" 2>/dev/null || { rc=99 && echo "$t (run $run): the server (pid $pid) is gone" >>"$tmp/notes"; }
	times=$(tail -n1 "$dir/time.txt")
	local rps p50 p99 w c
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$dir/wrk.txt")
	p50=$(ms "$(awk '$1 == "50%" {print $2}' "$dir/wrk.txt")")
	p99=$(ms "$(awk '$1 == "99%" {print $2}' "$dir/wrk.txt")")
	w=$(grep '^replaybench ' "$dir/wrk.txt" || true)
	c=$(grep '^replaybench ' "$dir/warmup.txt" || true)
	if [[ -z $rps || -z $w || -z $c ]]; then
		((rc != 0)) || rc=98
		echo "$t (run $run): wrk gave no result: $(tail -n 3 "$dir/warmup.txt" "$dir/wrk.txt" | tr '\n' ' ')" >>"$tmp/notes"
	fi
	local sock stat
	sock=$(($(kv connect "$w") + $(kv read "$w") + $(kv write "$w") + $(kv timeout "$w")))
	stat=$(kv status "$w")
	local srv wrkcpu other
	srv=$(awk -v a="$c0" -v b="$c1" -v k="$clk_tck" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * (b - a) / k / (e - s) }')
	wrkcpu=$(awk -v u="${times% *}" -v y="${times#* }" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * (u + y) / (e - s) }')
	# Whatever else kept the cores busy meanwhile: other people's work, steal.
	other=$(awk -v a="$b0" -v b="$b1" -v k="$clk_tck" -v s="$t0" -v e="$t1" -v x="$srv" -v y="$wrkcpu" \
		'BEGIN { o = 100 * (b - a) / k / (e - s) - x - y; printf "%.0f", (o > 0 ? o : 0) }')
	echo "$run $t ${rps:-0} ${p50:-nan} ${p99:-nan} $(kv requests "$w") $(kv bytes "$w") $sock ${stat:-0}" \
		"$(kv checked "$c") $(kv non200 "$c") $(kv empty "$c") $srv $wrkcpu $load1 $rc $other" >>"$tmp/results"
	if ((sock > 0 || ${stat:-0} > 0)); then
		echo "$t (run $run): wrk saw $sock socket errors and ${stat:-0} responses with status >= 400 ($(grep -E 'Socket errors|Non-2xx' "$dir/wrk.txt" | tr -s ' ' | tr '\n' ';'))" >>"$tmp/notes"
	fi
	if (($(kv non200 "$c") + $(kv empty "$c") > 0)); then
		echo "$t (run $run): in the warm-up $(kv non200 "$c") of $(kv checked "$c") responses were not 200 and $(kv empty "$c") were empty" >>"$tmp/notes"
	fi
	if ((rc != 0)); then
		echo "$t (run $run): wrk exited with status $rc; its output: $(tail -n 3 "$dir/wrk.txt" | tr '\n' ' ')" >>"$tmp/notes"
	fi
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/results"
: >"$tmp/notes"
for ((run = 1; run <= RUNS; run++)); do
	# Rotate the order, so that no target always goes first (or last).
	order=()
	for ((i = 0; i < ${#targets[@]}; i++)); do
		order+=("${targets[(i + run - 1) % ${#targets[@]}]}")
	done
	for t in "${order[@]}"; do
		say "run $run/$RUNS: $t (${WARMUP} s warm-up, ${DURATION} s measured)"
		measure "$t" "$run"
	done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$SECONDS # the whole script: builds, capture, index, servers and measurements

median() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# col TARGET EXPR: median over the runs of an awk expression on the result fields.
col() {
	awk -v t="$1" '$2 == t {
		rps = $3; p50 = $4; p99 = $5; req = $6; bytes = $7; sock = $8; stat = $9; srv = $13; wrkcpu = $14; other = $17
		print ('"$2"') }' "$tmp/results" | median
}
# sum TARGET FIELD: total over the runs.
sum() { awk -v t="$1" -v f="$2" '$2 == t {s += $f} END {print s + 0}' "$tmp/results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

declare -A RPS P50 P99 BPR SRV WRK OTH ERR
for t in "${targets[@]}"; do
	RPS[$t]=$(col "$t" rps)
	P50[$t]=$(col "$t" p50)
	P99[$t]=$(col "$t" p99)
	BPR[$t]=$(col "$t" 'req > 0 ? bytes / req : 0')
	SRV[$t]=$(col "$t" srv)
	WRK[$t]=$(col "$t" wrkcpu)
	OTH[$t]=$(col "$t" other)
	ERR[$t]=$(($(sum "$t" 8) + $(sum "$t" 9) + $(sum "$t" 11) + $(sum "$t" 12)))
done
# verdict TARGET: whether its targets are met.
verdict() {
	local t=$1 want=
	case $t in
	rewritten | rewritten-base) want=$WANT_PAGES ;;
	cdx | cdx-base) want=$WANT_CDX ;;
	nginx) echo "(ceiling)" && return ;;
	esac
	awk -v r="${RPS[$t]}" -v p="${P99[$t]}" -v w="$want" -v pw="$WANT_P99" -v e="${ERR[$t]}" 'BEGIN {
		bad = ""
		if (w != "" && r < w) bad = bad " req/s"
		if (p == "nan" || p >= pw) bad = bad " p99"
		if (e > 0) bad = bad " errors"
		print (bad == "" ? "met" : "NOT met:" bad) }'
}

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- '*.go' go.mod go.sum 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
label() {
	case $1 in
	rewritten) echo "rewritten" ;;
	raw) echo "raw id_" ;;
	cdx) echo "CDX query" ;;
	nginx) echo "nginx static" ;;
	*-base) echo "$(label "${1%-base}") base" ;;
	esac
}
report=$tmp/report
{
	echo "Vellum replay benchmark, $(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S UTC'), loopback only"
	echo "machine: $(nproc) cores ($cpu_model), $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $load_start at start, $load_end at end"
	echo "vellum: .bin/vellum at $git_rev: serve --log-level warn (banner on)"
	[[ -z $BASE ]] || echo "base: .bin/vellum-base at $base_rev (BASE=$BASE), the same flags, on copies of the same archives"
	echo "article: $ARTICLE of a $PAGES-article bench/benchsite captured with vellum capture --depth 1, capture $ts;" \
		"rewritten page $rw_size bytes (sent chunked), raw id_ $raw_size bytes${raw_enc:+ (Content-Encoding: $raw_enc, as archived)}"
	if uses cdx; then
		echo "CDX: /web/cdx?url=<URL>&output=json on an index of $CAPTURES synthetic captures (bench/synthindex, seed 1)," \
			"URL picked at random per request from $nurls distinct archived URLs"
	fi
	if uses nginx; then
		echo "nginx: $(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //'), 2 workers, access_log off, sendfile," \
			"serving the rewritten page's $rw_size bytes (identical to what vellum sends) as a static file"
	fi
	echo "wrk: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2) -t$THREADS -c$CONNS, ${WARMUP} s warm-up then ${DURATION} s per target;" \
		"wrk shares the $(nproc) cores with the server under test"
	echo "runs: $RUNS$( ((RUNS > 1)) && echo ", each figure the median over the runs (target order rotates)"); took $elapsed s"
	echo
	printf '%-16s %9s %7s %7s %10s %5s %5s %6s %8s %8s  %s\n' \
		target "req/s" "p50 ms" "p99 ms" "bytes/resp" "srv%" "wrk%" "other%" "x nginx" "x pywb" targets
	for t in "${targets[@]}"; do
		xn=-
		uses nginx && [[ $t != nginx ]] && xn=$(ratio "${RPS[$t]}" "${RPS[nginx]}")
		xp=-
		[[ $t == rewritten ]] && xp=$(ratio "${RPS[$t]}" "$PYWB_PAGES")
		[[ $t == cdx ]] && xp=$(ratio "${RPS[$t]}" "$PYWB_CDX")
		printf '%-16s %9.0f %7.2f %7.2f %10.0f %5.0f %5.0f %6.0f %8s %8s  %s\n' "$(label "$t")" \
			"${RPS[$t]}" "${P50[$t]}" "${P99[$t]}" "${BPR[$t]}" "${SRV[$t]}" "${WRK[$t]}" "${OTH[$t]}" "$xn" "$xp" "$(verdict "$t")"
	done
	echo
	echo "targets: rewritten >= $WANT_PAGES pages/s (10x pywb 2.10's ~$PYWB_PAGES), CDX >= $WANT_CDX queries/s" \
		"(pywb ~$PYWB_CDX), p99 < $WANT_P99 ms on every vellum target, no errors; pywb's figures are references, not run here."
	echo "req/s and p50/p99 from wrk's Requests/sec and latency distribution; bytes/resp = bytes wrk read (headers and body) / responses."
	echo "srv%: CPU of the server under test (nginx: master and workers) over the measurement, 100% = one core; wrk%: wrk's own;" \
		"other%: every other process's CPU meanwhile, and steal (interrupts not counted); the three add up to at most $((100 * $(nproc)))%."
	echo "x nginx: req/s over nginx's req/s; x pywb: req/s over pywb's reference figure."
	if [[ -n $BASE ]]; then
		for t in "${targets[@]}"; do
			[[ $t == *-base || $t == nginx ]] && continue
			printf '%-16s req/s %s  p99 %s   (this tree over %s: req/s above 1 and p99 below 1 are better)\n' "$(label "$t")/base" \
				"$(ratio "${RPS[$t]}" "${RPS[$t-base]}")" "$(ratio "${P99[$t]}" "${P99[$t-base]}")" "$base_rev"
		done
	fi
	if ((RUNS > 1)); then
		echo
		echo "per run (in the order run):"
		awk '{ printf "  run %-3d %-14s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  srv %4.0f%%  wrk %4.0f%%  other %4.0f%%  load %5s  errors %d\n",
			$1, $2, $3, $4, $5, $13, $14, $17, $15, $8 + $9 + $11 + $12 }' "$tmp/results"
	else
		echo "load average (1 min) before each measurement:" \
			"$(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $15 }' "$tmp/results")"
	fi
	total=0
	for t in "${targets[@]}"; do total=$((total + ERR[$t])); done
	if ((total == 0)); then
		echo "every warm-up response was 200 with a body; no socket errors or status >= 400 in the measurements"
	fi
	if [[ -s $tmp/notes ]]; then
		echo
		echo "FLAGGED:"
		sed 's/^/  /' "$tmp/notes"
	fi
} >"$report"

out=bench/out/replay-$(date -u -d "@$started" '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
echo
say "report written to $out"
if [[ -s $tmp/notes ]] || awk '$16 != 0 {bad = 1} END {exit !bad}' "$tmp/results"; then
	exit 1
fi
