# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Shared set-up of the benchmarks that capture bench/benchsite (capture.sh,
# recrawl.sh). Source it after defining die, say and KEEP.

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
# KEEP=1) after the benchsite started by start_benchsite is stopped.
make_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vellum-$1-bench.XXXXXX")
	site_pid=
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

cleanup() {
	if [[ -n $site_pid ]]; then
		kill "$site_pid" 2>/dev/null || true
		wait "$site_pid" 2>/dev/null || true
	fi
	if [[ $KEEP == 1 ]]; then
		say "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

# start_benchsite ARG...: starts .bin/benchsite on a free loopback port with
# the arguments given and sets site_pid, addr, base and site_urls.
start_benchsite() {
	# The site prints its address as its first line once the content is generated.
	.bin/benchsite -addr 127.0.0.1:0 "$@" >"$tmp/site.out" 2>"$tmp/site.err" &
	site_pid=$!
	addr=
	for _ in $(seq 1200); do
		if [[ -s $tmp/site.out && $(wc -l <"$tmp/site.out") -ge 1 ]]; then
			addr=$(head -n1 "$tmp/site.out")
			break
		fi
		kill -0 "$site_pid" 2>/dev/null || {
			cat "$tmp/site.err" >&2
			die "benchsite exited"
		}
		sleep 0.1
	done
	[[ $addr == 127.* ]] || die "benchsite gave no loopback address in 120 s (got '$addr')"
	base="http://$addr"
	site_urls=$(field site_urls "$(stats)")
}

stats() { curl -fsS --max-time 10 "$base/__stats"; }
reset() { curl -fsS --max-time 10 -X POST "$base/__reset" >/dev/null; }
field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2"; }

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
	(cd "$src" && go build -o "$root/.bin/vellum-base" ./cmd/vellum) || { rm -rf "$src"; die "BASE: $base_rev does not build"; }
	rm -rf "$src"
}
