# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Shared set-up of the benchmarks that capture bench/benchsite (capture.sh,
# recrawl.sh) or its files served by nginx (capture.sh's nginx mode). Source
# it after defining die, say and KEEP.

# install_missing PKG...: installs the Debian packages named (as root), or
# dies naming them.
install_missing() {
	(($#)) || return 0
	[[ $(id -u) == 0 ]] || die "missing Debian packages: $* (apt-get install $*)"
	say "installing $*"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# make_tmp NAME: a temporary directory in $tmp, removed at exit (kept with
# KEEP=1) after the benchsite and nginx started by start_benchsite and
# start_nginx_site are stopped.
make_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vellum-$1-bench.XXXXXX")
	# nginx runs as nobody when we are root: it must be able to reach $tmp/nginx.
	chmod 711 "$tmp"
	site_pid='' nginx_pid=''
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# stop_pid PID: TERM, then wait for it.
stop_pid() {
	[[ -n $1 ]] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

cleanup() {
	stop_pid "$site_pid"
	stop_pid "$nginx_pid" # the master; it stops its workers
	if [[ $KEEP == 1 ]]; then
		say "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

# start_site BIN ARG...: starts the fixture site BIN (.bin/benchsite,
# .bin/jssite) on a free loopback port with the arguments given and sets
# site_pid (stopped by cleanup), addr, base and site_urls.
start_site() {
	local bin=$1 name
	shift
	name=$(basename "$bin")
	# The site prints its address as its first line once the content is generated.
	"$bin" -addr 127.0.0.1:0 "$@" >"$tmp/site.out" 2>"$tmp/site.err" &
	site_pid=$!
	addr=
	for _ in $(seq 1200); do
		if [[ -s $tmp/site.out && $(wc -l <"$tmp/site.out") -ge 1 ]]; then
			addr=$(head -n1 "$tmp/site.out")
			break
		fi
		kill -0 "$site_pid" 2>/dev/null || {
			cat "$tmp/site.err" >&2
			die "$name exited"
		}
		sleep 0.1
	done
	[[ $addr == 127.* ]] || die "$name gave no loopback address in 120 s (got '$addr')"
	base="http://$addr"
	site_urls=$(field site_urls "$(stats)")
}

# start_benchsite ARG...: start_site for bench/benchsite.
start_benchsite() { start_site .bin/benchsite "$@"; }

stats() { curl -fsS --max-time 10 "$base/__stats"; }
reset() { curl -fsS --max-time 10 -X POST "$base/__reset" >/dev/null; }
field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2"; }

# start_nginx_site WWW [PATH [ceiling]]: starts Debian's nginx (nginx-light)
# in the foreground with its own config in $tmp/nginx, serving the folder WWW
# on a free loopback port as a static site is served: 2 workers, Debian's
# mime.types with charset utf-8, gzip on (nginx's default level 1) for text
# of 64 bytes or more, keep-alive, sendfile. It logs "status request-URI" of
# every request to $nginx_log for counting. It is up once PATH (default
# /robots.txt, which WWW must then hold) answers. With "ceiling" (replay.sh's
# static ceiling) there is no gzip and no access log: the fastest nginx
# serving the same bytes. As nobody via setpriv when we are root.
# Sets nginx_pid, nginx_addr and nginx_log.
start_nginx_site() {
	local www=$1 probe=${2:-/robots.txt} ng=$tmp/nginx port gzip=on listens i
	mkdir -p "$ng"
	nginx_log=$ng/access.log
	local log="access_log $nginx_log bench;"
	if [[ ${3:-} == ceiling ]]; then
		gzip=off log="access_log off;" nginx_log=
	fi
	local -a as=()
	if [[ $(id -u) == 0 ]]; then
		chown -R nobody:nogroup "$ng"
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 40000))
		# NGINX_HOSTS=N: the site on 127.0.0.1 to 127.0.0.N, one port (bench/scale.sh).
		listens=
		for ((i = 1; i <= ${NGINX_HOSTS:-1}; i++)); do listens+="listen 127.0.0.$i:$port; "; done
		cat >"$ng/nginx.conf" <<-EOF
			daemon off;
			worker_processes 2;
			pid $ng/nginx.pid;
			error_log $ng/error.log warn;
			events { worker_connections 4096; }
			http {
			    include /etc/nginx/mime.types;
			    default_type application/octet-stream;
			    charset utf-8;
			    charset_types text/html text/css text/plain application/javascript;
			    log_format bench '\$status \$request_uri';
			    $log
			    sendfile on;
			    tcp_nopush on;
			    keepalive_requests 100000000; # like Go's net/http: never close a busy keep-alive connection
			    gzip $gzip;
			    gzip_vary on;
			    gzip_min_length 64; # a few bytes (robots.txt) grow gzipped: sent as they are, as benchsite does
			    gzip_types text/css text/plain application/javascript text/javascript application/json image/svg+xml;
			    client_body_temp_path $ng/tmp-body;
			    proxy_temp_path $ng/tmp-proxy;
			    fastcgi_temp_path $ng/tmp-fastcgi;
			    uwsgi_temp_path $ng/tmp-uwsgi;
			    scgi_temp_path $ng/tmp-scgi;
			    server {
			        $listens
			        root $www;
			        index index.html;
			    }
			}
		EOF
		"${as[@]}" /usr/sbin/nginx -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" >"$ng/stdout" 2>&1 &
		nginx_pid=$!
		for _ in $(seq 50); do
			if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port$probe" 2>/dev/null; then
				nginx_addr=127.0.0.1:$port
				return 0
			fi
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$nginx_pid"
		nginx_pid=
		grep -q 'Address already in use' "$ng/error.log" "$ng/stdout" 2>/dev/null || {
			cat "$ng/error.log" "$ng/stdout" >&2 2>/dev/null || true
			die "nginx did not start"
		}
		: >"$ng/error.log"
	done
	die "nginx found no free port in 20 tries"
}

# log_size: bytes in $nginx_log so far (where the next run's lines start).
log_size() { stat -c %s "$nginx_log"; }

# log_count OFFSET: "requests unique not_found" of the lines $nginx_log got
# after byte OFFSET; unique counts distinct paths (query left off, as
# benchsite counts them) answered with anything but 404.
log_count() {
	tail -c +$(($1 + 1)) "$nginx_log" | awk '{
		n++; p = $2; sub(/\?.*/, "", p)
		if ($1 == 404) nf++; else if (!(p in seen)) { seen[p] = 1; u++ } }
		END { print n + 0, u + 0, nf + 0 }'
}

# proc_cpu_seconds PID: user+system CPU seconds of PID and its child
# processes (nginx's workers), from /proc.
proc_cpu_seconds() {
	local p t=0
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/"$p"/stat 2>/dev/null || echo 0)))
	done
	awk -v t="$t" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / k }'
}

# build_base REV: builds .bin/vellum-base from the commit REV (for BASE=REV:
# the build a change is compared with, side by side in the same run). The
# source is exported with git archive, so the work tree is left alone.
build_base() {
	local rev=$1 src
	git rev-parse --verify -q "$rev^{commit}" >/dev/null || die "BASE: '$rev' is not a commit of this repository"
	base_rev=$(git rev-parse --short "$rev^{commit}")
	src=$(mktemp -d "${TMPDIR:-/tmp}/vellum-base-src.XXXXXX")
	say "building .bin/vellum-base from $base_rev"
	git archive "$rev" | tar -x -C "$src"
	local out=$PWD/.bin/vellum-base # the scripts run from the repository root
	(cd "$src" && go build -o "$out" ./cmd/vellum) || { rm -rf "$src"; die "BASE: $base_rev does not build"; }
	rm -rf "$src"
}
