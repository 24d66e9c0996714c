#!/usr/bin/env bash
# API capture benchmark: the same PAGES loopback articles of bench/benchsite
# captured by `vellum capture` (one run of PAGES seeds, --delay 0) and by
# `vellum serve`'s API (PAGES captures of one URL each, POSTed at once to
# /api/captures and run by --capture-workers workers), both with no delay
# between the pages of the one host, side by side in one
# run. Prints pages/s, site requests and CPU of each and the API/CLI ratio,
# and writes the report to bench/out/api-<date>.txt. See bench/README.md.
#
#   bench/api.sh                  # PAGES=100 WORKERS=2
#   PAGES=50 WORKERS=4 bench/api.sh
#   KEEP=1 bench/api.sh           # keep the archives and logs in the temp dir
set -euo pipefail

PAGES=${PAGES:-100}
WORKERS=${WORKERS:-2}
KEEP=${KEEP:-0}

die() {
	echo "api.sh: $*" >&2
	exit 1
}
say() { echo "api.sh: $*" >&2; }

[[ $PAGES =~ ^[1-9][0-9]*$ ]] || die "PAGES must be a positive integer, not '$PAGES'"
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "WORKERS must be a positive integer, not '$WORKERS'"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
install_missing "${missing[@]}"

make_tmp api
serve_pid=''
cleanup_api() {
	stop_pid "$serve_pid"
	cleanup
}
trap cleanup_api EXIT

# Built into the temp dir: the binaries measured are this tree's, and no
# other script's .bin is replaced.
mkdir -p bench/out "$tmp/bin"
say "building benchsite and vellum"
go build -o "$tmp/bin/benchsite" ./bench/benchsite
go build -o "$tmp/bin/vellum" ./cmd/vellum
vellum=$tmp/bin/vellum

start_site "$tmp/bin/benchsite" -pages "$PAGES"
urls=()
for ((i = 1; i <= PAGES; i++)); do
	urls+=("$base/a/$i.html")
done

# The CLI: one run of every page.
say "vellum capture of $PAGES pages"
reset
t0=$EPOCHREALTIME
/usr/bin/time -v -o "$tmp/cli-time.txt" "$vellum" capture --archive "$tmp/cli" --delay 0 --no-progress --log-level warn \
	"${urls[@]}" >"$tmp/cli.out" 2>"$tmp/cli.err" || die "vellum capture failed: $(tail -n 5 "$tmp/cli.err")"
t1=$EPOCHREALTIME
cli_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
cli_cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$tmp/cli-time.txt")
cli_req=$(field requests "$(stats)")
cli_ok=$(grep -c '^ok ' "$tmp/cli.out" || true)

# The API: serve, then one capture a page, all POSTed at once.
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token" >"$tmp/tokens"
# --allow-targets: the site is on loopback, which API captures may not reach otherwise.
"$vellum" serve --archive "$tmp/api" --addr 127.0.0.1:0 --api-tokens "$tmp/tokens" --capture-workers "$WORKERS" \
	--capture-queue "$PAGES" --capture-delay 0 --allow-targets 127.0.0.1/32 --log-level warn >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
ui=
for _ in $(seq 300); do
	ui=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/serve.out" | head -n1 || true)
	[[ -n $ui ]] && break
	kill -0 "$serve_pid" 2>/dev/null || die "vellum serve exited: $(cat "$tmp/serve.err")"
	sleep 0.1
done
[[ -n $ui ]] || die "vellum serve printed no address"
say "API: $PAGES captures on $ui with $WORKERS workers"
reset
cpu0=$(proc_cpu_seconds "$serve_pid")
# One curl for the POSTs and one a polling round, so that the client's own
# process starts do not count; the wall time is the server's, from the first
# capture queued to the last ended (each capture's queued and ended times).
for u in "${urls[@]}"; do
	[[ $u == "${urls[0]}" ]] || echo next
	printf 'url = "%s/api/captures"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "{\\"urls\\":[\\"%s\\"]}"\n' \
		"$ui" "$token" "$u"
done >"$tmp/posts.curl"
curl -fsS --max-time 60 -K "$tmp/posts.curl" >"$tmp/posts.json" || die "POST /api/captures failed"
mapfile -t pending < <(sed -n 's/^  "id": "\([0-9a-f]*\)",$/\1/p' "$tmp/posts.json")
((${#pending[@]} == PAGES)) || die "$((PAGES - ${#pending[@]})) captures not queued: $(grep error "$tmp/posts.json" | head -n 3)"

: >"$tmp/ended.json"
while ((${#pending[@]})); do
	curl -fsS --max-time 60 "${pending[@]/#/$ui/api/captures/}" >"$tmp/poll.json" || die "GET /api/captures failed"
	left=()
	while read -r id state; do
		case $state in
		done | failed) ;;
		*) left+=("$id") ;;
		esac
	done < <(awk -F'"' '/^  "id": / {id = $4} /^  "state": / {print id, $4}' "$tmp/poll.json")
	awk '/^{/ {b = ""} {b = b $0 "\n"} /^}/ && b ~ /"state": "(done|failed)"/ {printf "%s", b}' "$tmp/poll.json" >>"$tmp/ended.json"
	pending=("${left[@]}")
	((${#pending[@]})) && sleep 0.2
done
api_ok=$(grep -c '^  "state": "done"' "$tmp/ended.json" || true)
api_failed=$(grep -c '^  "state": "failed"' "$tmp/ended.json" || true)
epoch() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" "$tmp/ended.json" | while read -r t; do date -u -d "$t" +%s.%N; done | sort -g; }
api_wall=$(awk -v a="$(epoch queued | head -n1)" -v b="$(epoch ended | tail -n1)" 'BEGIN { printf "%.3f", b - a }')
api_cpu=$(awk -v a="$cpu0" -v b="$(proc_cpu_seconds "$serve_pid")" 'BEGIN { printf "%.2f", b - a }')
api_req=$(field requests "$(stats)")
api_runs=$(sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$tmp/ended.json" | sort -u | wc -l)
stop_pid "$serve_pid"
serve_pid=''

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f", (s > 0 ? n / s : 0) }'; }
cli_rate=$(rate "$PAGES" "$cli_wall")
api_rate=$(rate "$PAGES" "$api_wall")
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- cmd capture serve api 2>/dev/null) ]] || git_rev+=" + uncommitted changes"
report=$tmp/report
{
	echo "Vellum API capture benchmark, $started"
	echo "site: bench/benchsite, $PAGES articles on $addr (loopback only); each page has 5 requisites and robots.txt"
	echo "machine: $(nproc) cores, $(go env GOVERSION); load average $(cut -d' ' -f1-3 /proc/loadavg) at end; vellum at $git_rev"
	echo "cli: vellum capture --delay 0 of the $PAGES URLs (one run)"
	echo "api: vellum serve --capture-workers $WORKERS --capture-delay 0 --allow-targets 127.0.0.1/32; $PAGES POST /api/captures of one URL each (one curl), polled until done;"
	echo "     wall s from the first capture queued to the last ended, as the server reports them"
	echo
	printf '%-4s %6s %6s %9s %8s %9s %8s\n' how pages ok "site req" "wall s" "pages/s" "CPU s"
	printf '%-4s %6d %6d %9d %8.2f %9.2f %8.2f\n' cli "$PAGES" "$cli_ok" "$cli_req" "$cli_wall" "$cli_rate" "$cli_cpu"
	printf '%-4s %6d %6d %9d %8.2f %9.2f %8.2f\n' api "$PAGES" "$api_ok" "$api_req" "$api_wall" "$api_rate" "$api_cpu"
	echo
	printf 'api/cli pages/s %s   (api failed: %d)\n' "$(awk -v a="$api_rate" -v b="$cli_rate" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "$api_failed"
	echo "CPU s: the vellum process's user + system time (capture: GNU time; serve: /proc over the API part)."
	echo "site req: requests benchsite answered, robots.txt and the site-wide CSS and script once a run."
	echo "runs: the API's captures made $api_runs runs (captures queued with the same settings run together)."
} >"$report"
out=bench/out/api-$(date -u '+%Y-%m-%d-%H%M%S').txt
cp "$report" "$out"
cat "$report"
say "report written to $out"
((api_failed == 0)) || exit 1
