#!/usr/bin/env bash
# Upload benchmark: `vellum upload` (verified uploads with pending state)
# against a bare minio-go FPutObject program (bench/fputobject) sending the
# same files to the same MinIO, side by side in one run. Prints MB/s of
# each, their ratio, and Vellum's peak RSS above its idle RSS. The report is
# also written to bench/out/upload-<date>.txt. See bench/README.md.
#
#   bench/upload.sh                     # one 2 GiB file and 200 small ones, RUNS=1
#   BIG_MB=512 SMALL=50 RUNS=3 bench/upload.sh
#   KEEP=1 bench/upload.sh              # keep the temporary directory
set -euo pipefail

BIG_MB=${BIG_MB:-2048}
SMALL=${SMALL:-200}
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}

die() {
	echo "upload.sh: $*" >&2
	exit 1
}
say() { echo "upload.sh: $*" >&2; }
for v in BIG_MB SMALL RUNS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[[ -x /usr/bin/time ]] || {
	[[ $(id -u) == 0 ]] || die "GNU time is missing (apt-get install time)"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
mkdir -p .bin bench/out
[[ -x .bin/minio ]] || {
	say "building MinIO into .bin (a few minutes, once)"
	make .bin/minio >/dev/null
}
say "building .bin/vellum and .bin/fputobject"
go build -o .bin/vellum ./cmd/vellum
go build -o .bin/fputobject ./bench/fputobject

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vellum-upload-bench.XXXXXX")
minio_pid=
cleanup() {
	[[ -n $minio_pid ]] && { kill "$minio_pid" 2>/dev/null || true; wait "$minio_pid" 2>/dev/null || true; }
	if [[ $KEEP == 1 ]]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID="bench$RANDOM" AWS_SECRET_ACCESS_KEY="secret$RANDOM$RANDOM"
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY MINIO_BROWSER=off \
	.bin/minio server "$tmp/minio" --address "127.0.0.1:$port" --console-address "127.0.0.1:0" >"$tmp/minio.log" 2>&1 &
minio_pid=$!
for _ in $(seq 100); do
	curl -fs "$AWS_ENDPOINT_URL/minio/health/live" >/dev/null && break
	sleep 0.2
done
curl -fs "$AWS_ENDPOINT_URL/minio/health/live" >/dev/null || die "MinIO did not start: $(tail -3 "$tmp/minio.log")"

# The files: one big WARC-sized file and many small ones, incompressible.
say "writing one ${BIG_MB} MiB file and $SMALL small files"
day=warcs/2026/01/01
mkdir -p "$tmp/files/$day"
head -c $((BIG_MB << 20)) /dev/urandom >"$tmp/files/$day/big-00000.warc.gz"
for i in $(seq -w 1 "$SMALL"); do
	head -c $(((64 << 10) + (10#$i * 7919 * 131) % (960 << 10))) /dev/urandom >"$tmp/files/$day/small-$i.warc.gz"
done
names=$(cd "$tmp/files" && find warcs -type f | sort)
bytes=$(cd "$tmp/files" && du -cb $names | tail -1 | cut -f1)
mkdir -p "$tmp/idle"

field() { awk -F': ' -v k="$2" '$1 ~ k {print $2}' "$1"; }
secs() { awk -F: '{ s=0; for (i=1;i<=NF;i++) s=s*60+$i; printf "%.2f", s }' <<<"$1"; }

# Idle RSS: vellum upload with nothing to send.
/usr/bin/time -v -o "$tmp/idle.time" .bin/vellum upload --archive "$tmp/idle" --remote s3://bench/idle >/dev/null 2>&1 || true
idle_kb=$(field "$tmp/idle.time" "Maximum resident set size")

declare -a v_mbs b_mbs v_rss
for run in $(seq "$RUNS"); do
	# Vellum: a fresh copy of the archive each run (upload state lives in vellum.db).
	rm -rf "$tmp/archive" && mkdir -p "$tmp/archive" && cp -al "$tmp/files/warcs" "$tmp/archive/warcs"
	order=(vellum bare)
	((run % 2 == 0)) && order=(bare vellum)
	for tool in "${order[@]}"; do
		say "run $run/$RUNS: $tool"
		if [[ $tool == vellum ]]; then
			/usr/bin/time -v -o "$tmp/v.time" .bin/vellum upload --archive "$tmp/archive" --remote "s3://bench/vellum-$run" --log-level warn >"$tmp/v.out" 2>&1 ||
				die "vellum upload failed: $(tail -3 "$tmp/v.out")"
			wall=$(secs "$(field "$tmp/v.time" "Elapsed")")
			v_mbs+=("$(awk -v b="$bytes" -v s="$wall" 'BEGIN{printf "%.1f", b/1e6/s}')")
			v_rss+=("$(field "$tmp/v.time" "Maximum resident set size")")
		else
			# shellcheck disable=SC2086
			/usr/bin/time -v -o "$tmp/b.time" .bin/fputobject -bucket bench -prefix "bare-$run" -root "$tmp/files" -part-size $((64 << 20)) -threads 4 -files 2 $names >"$tmp/b.out" 2>&1 ||
				die "fputobject failed: $(tail -3 "$tmp/b.out")"
			wall=$(secs "$(field "$tmp/b.time" "Elapsed")")
			b_mbs+=("$(awk -v b="$bytes" -v s="$wall" 'BEGIN{printf "%.1f", b/1e6/s}')")
		fi
	done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
vm=$(median "${v_mbs[@]}")
bm=$(median "${b_mbs[@]}")
vr=$(median "${v_rss[@]}")
report="bench/out/upload-$(date -u +%Y-%m-%d-%H%M%S).txt"
{
	echo "Vellum upload benchmark, $(date -u '+%Y-%m-%d %H:%M:%S') UTC, loopback only"
	echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3-); load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "store: MinIO (pinned build in .bin) on 127.0.0.1, data on local disk"
	echo "files: 1 x ${BIG_MB} MiB + $SMALL x 64 KiB-1 MiB, $((bytes / 1000000)) MB in all, random bytes"
	echo "vellum: vellum upload (64 MiB parts, 4 parts at once, 2 files at once, CRC32C per part and composite checked by the store, whole-file SHA-256 checked locally)"
	echo "bare:   bench/fputobject: minio-go FPutObject, 64 MiB parts, 4 threads, 2 files at once, no verification"
	echo "runs: $RUNS (medians; tool order alternates)"
	echo
	printf '%-8s %10s %14s\n' tool "MB/s" "peak RSS MB"
	printf '%-8s %10s %14.1f\n' vellum "$vm" "$(awk -v k="$vr" 'BEGIN{print k/1024}')"
	printf '%-8s %10s %14s\n' bare "$bm" "-"
	echo
	awk -v v="$vm" -v b="$bm" 'BEGIN{r=v/b; printf "vellum/bare MB/s           %.2f   target: >= 0.90 (%s)\n", r, (r>=0.9)?"met":"NOT met"}'
	awk -v p="$vr" -v i="$idle_kb" 'BEGIN{d=(p-i)/1024; printf "vellum RSS above idle MB   %.1f   target: <= 64 (%s; idle %.1f MB)\n", d, (d<=64)?"met":"NOT met", i/1024}'
	echo
	echo "per run: vellum MB/s ${v_mbs[*]}; bare MB/s ${b_mbs[*]}; vellum peak RSS KB ${v_rss[*]}"
} | tee "$report"
say "report written to $report"
