#!/usr/bin/env bash
# Scale benchmark (issue 15), one run, ratios:
#   workers: URLs/s of 1, 2 and 3 `vellum capture --frontier redis://…` workers as one run over a site of
#            HOSTS loopback hosts (127.0.0.x, nginx) at --delay DELAY, with CPU per URL;
#   index:   index writes/s and replay lookups/s on PostgreSQL beside SQLite, at N captures
#            (bench/synthindex makes them; bench/scaleindex measures).
# Writes the report to bench/out/scale-<date>.txt. See bench/README.md.
#
#   bench/scale.sh                   # both parts: HOSTS=30 PAGES=40 DELAY=0.1 N=1000000
#   PARTS=index N=200000 bench/scale.sh
#   PARTS=workers bench/scale.sh
set -euo pipefail
PARTS=${PARTS:-workers index}
HOSTS=${HOSTS:-30}
PAGES=${PAGES:-40}
DELAY=${DELAY:-0.1}
N=${N:-1000000}
KEEP=${KEEP:-0}
die() {
	echo "scale.sh: $*" >&2
	exit 1
}
say() { echo "scale.sh: $*" >&2; }
[[ $HOSTS =~ ^[1-9][0-9]*$ ]] && ((HOSTS <= 250)) || die "HOSTS must be 1-250 (loopback addresses 127.0.0.1-250), not '$HOSTS'"
[[ $PAGES =~ ^[1-9][0-9]*$ ]] || die "PAGES must be a positive integer, not '$PAGES'"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"
[[ $DELAY =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "DELAY must be seconds (0.1), not '$DELAY'"
has_part() { [[ " $PARTS " == *" $1 "* ]]; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
source bench/lib.sh

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
if has_part index && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql); fi
if has_part workers; then
	[[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
	command -v redis-server >/dev/null || missing+=(redis-server)
fi
install_missing "${missing[@]}"
make_tmp scale
pg_pid='' redis_pid=''
trap 'stop_postgres; stop_pid "$redis_pid"; cleanup' EXIT
mkdir -p .bin bench/out
report=bench/out/scale-$(date -u +%Y-%m-%d-%H%M%S).txt
out() { echo "$*" | tee -a "$report"; }
: >"$report"
out "Vellum scale benchmark, $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
out "machine: $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

free_port() { echo $((20000 + RANDOM % 40000)); }

# stop_postgres: a fast shutdown (SIGINT: sessions ended, a checkpoint), waited for.
stop_postgres() {
	[[ -n $pg_pid ]] || return 0
	kill -INT "$pg_pid" 2>/dev/null || true
	wait "$pg_pid" 2>/dev/null || true
	pg_pid=
}

# as_nobody CMD...: execs CMD as nobody when we are root (PostgreSQL refuses root). Call it in a
# subshell, ( as_nobody … ) or ( as_nobody … ) &: then $! is the server itself, which a signal reaches.
as_nobody() {
	if [[ $(id -u) == 0 ]]; then
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	fi
	exec "$@"
}

# start_postgres: a private server in $tmp/pg on a free loopback port, with
# PostgreSQL's defaults except synchronous_commit=off, the durability of the
# SQLite index's synchronous=NORMAL (a commit is on disk at the next flush).
# Sets pg_url.
start_postgres() {
	local bin port
	bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)")
	mkdir -p "$tmp/pg"
	[[ $(id -u) == 0 ]] && chown nobody:nogroup "$tmp/pg"
	(as_nobody "$bin/initdb" -D "$tmp/pg/data" -U postgres --auth=trust -E UTF8 --locale=C) >"$tmp/pg/initdb.log" 2>&1 ||
		die "initdb failed: $(tail -5 "$tmp/pg/initdb.log")"
	for _ in $(seq 10); do
		port=$(free_port)
		(as_nobody "$bin/postgres" -D "$tmp/pg/data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
			-c synchronous_commit=off -c shared_buffers=256MB) >"$tmp/pg/postgres.log" 2>&1 &
		pg_pid=$!
		for _ in $(seq 100); do
			if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
				"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c 'CREATE DATABASE bench' >/dev/null
				pg_url="postgres://postgres@127.0.0.1:$port/bench?sslmode=disable"
				return 0
			fi
			kill -0 "$pg_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$pg_pid"
		pg_pid=
	done
	die "PostgreSQL did not start: $(tail -5 "$tmp/pg/postgres.log")"
}

# replay_node_start: a replay node (`vellum serve --index postgres://… --remote …`, an empty folder)
# started on the index of N captures: time to its first answer, and to a CDX lookup's answer. The
# bucket is never read (a lookup reads only the index).
replay_node_start() {
	local port node t0 t1 t2 u pid
	port=$(free_port)
	node=$tmp/replay-node
	mkdir -p "$node"
	u=$(head -1 "$dir/urls.txt")
	t0=$(date +%s%N)
	AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 \
		.bin/vellum serve --archive "$node" --index "$pg_url" --remote s3://bench-bucket/none \
		--addr "127.0.0.1:$port" --log-level warn >"$tmp/replay-node.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.01
	done
	t1=$(date +%s%N)
	curl -fs -o "$tmp/cdx.txt" "http://127.0.0.1:$((port + 1))/web/cdx?url=$(printf %s "$u" | jq -sRr @uri)" ||
		curl -fs -o "$tmp/cdx.txt" "http://127.0.0.1:$port/web/cdx?url=$(printf %s "$u" | jq -sRr @uri)" || true
	t2=$(date +%s%N)
	stop_pid "$pid"
	out "$(awk -v a="$t1" -v b="$t0" -v c="$t2" -v n="$(wc -l <"$tmp/cdx.txt")" -v files="$(find "$node" -mindepth 1 | wc -l)" \
		'BEGIN{printf "replay node on the %s-capture index: first answer %.0f ms after start (target: < 2000 ms, %s), a CDX lookup %.0f ms later (%d lines), %d files made in its folder", "'"$N"'", (a-b)/1e6, ((a-b)/1e6 < 2000 ? "met" : "NOT met"), (c-a)/1e6, n, files}')"
}

if has_part index; then
	go build -o .bin/vellum ./cmd/vellum
	say "building .bin/synthindex and .bin/scaleindex"
	go build -o .bin/synthindex ./bench/synthindex
	go build -o .bin/scaleindex ./bench/scaleindex
	say "making (or reusing) the index of $N captures"
	dir=$(.bin/synthindex -n "$N" -cached)
	start_postgres
	say "PostgreSQL on ${pg_url%%/bench*}; loading and measuring"
	out ""
	out "index: $N captures (bench/synthindex -n $N), $("$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -1)")/postgres" --version) on loopback (synchronous_commit=off, shared_buffers=256MB), SQLite (WAL, synchronous=NORMAL) in a copy of the same vellum.db"
	.bin/scaleindex -archive "$dir" -urls "$dir/urls.txt" -pg "$pg_url" | tee -a "$report"
	read -r lw ll < <(awk '$1=="index" && $2=="sqlite" {print $6, $8}' "$report")
	read -r pw pl < <(awk '$1=="index" && $2=="postgres" {print $6, $8}' "$report")
	out "$(awk -v a="$pw" -v b="$lw" 'BEGIN{printf "postgres/sqlite writes/s   %.2f", a/b}')"
	out "$(awk -v a="$pl" -v b="$ll" 'BEGIN{printf "postgres/sqlite lookups/s  %.2f   target: >= 0.50 (%s)", a/b, (a/b >= 0.5 ? "met" : "NOT met")}')"
	replay_node_start
	stop_postgres
fi

if has_part workers; then
	go build -o .bin/vellum ./cmd/vellum
	if ! .bin/vellum capture --help 2>&1 | grep -q -- '--frontier'; then
		out ""
		out "workers: not measured: this vellum has no 'capture --frontier' (the shared frontier is not wired in this tree)"
	else
		# shellcheck source=bench/scale-workers.sh
		source bench/scale-workers.sh
	fi
fi
say "report written to $report"
