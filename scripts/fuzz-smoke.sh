#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Usage: fuzz-smoke.sh BUILD_DIR SECONDS — runs every libFuzzer target for SECONDS from its seeds.
set -eu
build=$1 secs=$2
root=$(cd "$(dirname "$0")/.." && pwd)
n=0 failed=0
for t in "$build"/bin/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t"); corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	cp -r "$corpus"/. "$work"/ 2>/dev/null || true
	if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
		echo "fuzz $name: ok ($secs s)"
	else
		echo "fuzz $name: FAILED"; tail -40 "$work.log"; failed=$((failed + 1))
	fi
	rm -rf "$work" "$work.log"; n=$((n + 1))
done
echo "fuzz: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
