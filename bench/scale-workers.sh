# shellcheck shell=bash
# The workers part of bench/scale.sh (sourced by it, after the set-up): the same site, PAGES articles,
# served by nginx on HOSTS loopback addresses (127.0.0.1 … 127.0.0.HOSTS, one port), captured at --depth 1
# --delay DELAY by 1, 2 and 3 `vellum capture --frontier` workers at once, each set of workers one run on a
# private redis-server emptied between the sets. URLs/s: requests nginx served over the wall time from the
# first worker's start to the last one's exit; CPU: the workers' user + system time (GNU time).

say "building .bin/benchsite; writing the site"
go build -o .bin/benchsite ./bench/benchsite
.bin/benchsite -write "$tmp/www" -pages "$PAGES" >/dev/null

# start_redis: a private redis-server on a free loopback port, no persistence. Sets redis_pid, redis_url.
start_redis() {
	local port
	for _ in $(seq 10); do
		port=$(free_port)
		redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
		redis_pid=$!
		for _ in $(seq 50); do
			if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
				redis_url=redis://127.0.0.1:$port/0
				return 0
			fi
			kill -0 "$redis_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$redis_pid"
		redis_pid=
	done
	die "redis-server did not start: $(tail -3 "$tmp/redis.log")"
}

NGINX_HOSTS=$HOSTS start_nginx_site "$tmp/www"
nginx_port=${nginx_addr##*:}
start_redis
seeds=()
for ((i = 1; i <= HOSTS; i++)); do seeds+=("http://127.0.0.$i:$nginx_port/"); done
out ""
out "workers: bench/benchsite, $PAGES articles on each of $HOSTS hosts (127.0.0.1-$HOSTS:$nginx_port, nginx, gzip), vellum capture --depth 1 --delay $DELAY --frontier (a private redis-server) at $(git rev-parse --short HEAD)"
out "$(printf '%-8s %8s %8s %9s %10s %12s  %s' workers URLs 'wall s' 'URLs/s' 'x 1 worker' 'CPU ms/URL' 'exit codes')"
one=
for n in 1 2 3; do
	redis-cli -u "$redis_url" flushall >/dev/null
	: >"$nginx_log"
	pids=() codes=()
	t0=$EPOCHREALTIME
	for ((w = 1; w <= n; w++)); do
		/usr/bin/time -f '%U %S' -o "$tmp/time-$n-$w" .bin/vellum capture --archive "$tmp/w$n-$w" --depth 1 --delay "${DELAY}s" \
			--frontier "$redis_url" --no-progress --log-level warn "${seeds[@]}" >"$tmp/out-$n-$w" 2>&1 &
		sleep 0.2 # the first worker starts the run; the others join it
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		code=0
		wait "$p" || code=$?
		codes+=("$code")
	done
	for f in "$tmp"/out-$n-*; do
		[[ $(tail -c 2000 "$f") != *"vellum: "* ]] || say "$(basename "$f"): $(grep 'vellum: ' "$f" | tail -1)"
	done
	t1=$EPOCHREALTIME
	urls=$(wc -l <"$nginx_log")
	cpu=$(cat "$tmp"/time-$n-* | awk '{s += $1 + $2} END {print s}')
	rate=$(awk -v u="$urls" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", u / (b - a)}')
	[[ -n $one ]] || one=$rate
	out "$(printf '%-8s %8d %8.2f %9s %10s %12s  %s' "$n" "$urls" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$rate" \
		"$(awk -v r="$rate" -v o="$one" 'BEGIN {printf "%.2f", r / o}')" "$(awk -v c="$cpu" -v u="$urls" 'BEGIN {printf "%.3f", 1000 * c / u}')" "${codes[*]}")"
done
out "$(awk -v r="$rate" -v o="$one" 'BEGIN {if (o <= 0) {print "3 workers / 1 worker URLs/s  -   target: >= 2.50 (NOT measured: no URLs)"; exit} printf "3 workers / 1 worker URLs/s  %.2f   target: >= 2.50 (%s)", r / o, (r / o >= 2.5 ? "met" : "NOT met")}')"
out "ceiling of politeness: $HOSTS hosts at one page per ${DELAY}s each = $(awk -v h="$HOSTS" -v d="$DELAY" 'BEGIN {printf "%.0f", h / d}') pages/s across the cluster, however many workers"
stop_pid "$nginx_pid"
nginx_pid=
stop_pid "$redis_pid"
redis_pid=
