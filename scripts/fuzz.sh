#!/bin/sh
# Runs every fuzz target of the module for a short time: FUZZTIME each
# (default 2s). Targets are found by grep, so a new `func FuzzX` in any
# *_test.go runs without being listed here. A failing input is written
# under the package's testdata/fuzz/FuzzX/ by go test; commit it with the
# fix. Usage: scripts/fuzz.sh [REGEXP]  (only targets whose name matches)
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-2s}
only=${1:-.}

targets=$(grep -rnE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=testdata '^func Fuzz[A-Za-z0-9_]+\(' . |
	awk -F: '{ d = $1; sub(/\/[^\/]*$/, "", d); match($3, /Fuzz[A-Za-z0-9_]+/); print d, substr($3, RSTART, RLENGTH) }' | sort -u)
[ -n "$targets" ] || { echo "fuzz: no targets found" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0 failed=""
start=$(date +%s)
while read -r dir name; do
	echo "$name" | grep -Eq -- "$only" || continue
	n=$((n + 1))
	# A run that fails without a failing input (the fuzzing engine's own
	# trouble, e.g. a worker stalled on a loaded machine) is tried once more.
	for try in 1 2; do
		if $GO test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$dir" >"$log" 2>&1; then
			break
		fi
		cat "$log"
		if grep -q 'Failing input written to' "$log" || [ "$try" = 2 ]; then
			failed="$failed $dir:$name"
			break
		fi
		echo "fuzz: $dir:$name failed without a failing input; once more"
	done
done <<EOT
$targets
EOT
if [ -n "$failed" ]; then
	echo "fuzz: $n targets, failed:$failed" >&2
	exit 1
fi
echo "fuzz: $n targets, $FUZZTIME each, all passed ($(($(date +%s) - start)) s)"
