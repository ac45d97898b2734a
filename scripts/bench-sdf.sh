#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench, SDF section: two throwaway VSMs on loopback, the load generator build/bin/sdf-load (libsdf, one
# session per thread, CONCURRENCY requests in flight) on the same 2-core machine as vsmd. Prints ops/s, p50/p99
# latency and data rates, the CPU time and context switches per call of the client (sdf-load's own count) and
# of vsmd (from /proc), then the two-VSM scaling ratio (both VSMs loaded at once vs one alone; PERF-6 asks
# >= 70 % of n x one resource).
# TRANSPORT (tls, the default, or tlcp) is the channel between libsdf and vsmd: with tlcp the VSMs are made with
# `vsmd --init --transport tlcp` (dev double certificates, ECC_SM4_GCM_SM3 records). OPS overrides the list of
# operations; SCALING=0 skips the two-VSM part.
# Usage: [TRANSPORT=tls|tlcp] [OPS="sign sm3-1m ..."] [SCALING=0] bench-sdf.sh BUILD_DIR [SECONDS] [CONCURRENCY]
set -eu
build=$1 secs=${2:-3} conc=${3:-100}
transport=${TRANSPORT:-tls}
ops=${OPS:-sign sign-kek verify sm3-1m sm4-cbc-64k sm4-ctr-64k sm4-gcm-64k}
case $transport in
tls) chan="TLS 1.3" ;;
tlcp) chan="TLCP (GB/T 38636)" ;;
*) echo "bench-sdf.sh: TRANSPORT must be tls or tlcp" >&2; exit 2 ;;
esac
bin=$build/bin
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
printf 'bench-password\n' >"$work/pw"

start() { # start DIR: init, keys at index 1, serve; the config then points at the chosen port
	"$bin/vsmd" --init "$1" --listen 127.0.0.1:0 --transport "$transport" >/dev/null
	sed -i 's/^workers = .*/workers = 2/; s/^max_inflight = .*/max_inflight = 256/' "$1/vsmd.conf"
	"$bin/ccsp" vsm keygen --dir "$1" --index 1 --sign --password-file "$work/pw" >/dev/null
	"$bin/ccsp" vsm keygen --dir "$1" --index 1 --kek >/dev/null
	"$bin/vsmd" --dir "$1" >"$1/out" 2>&1 &
	pids="$pids $!"
	echo $! >"$1/pid"
	i=0
	while [ $i -lt 100 ] && ! grep -q 'listening on port' "$1/out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$1/out")
	sed -i "s/^address = .*/address = 127.0.0.1:$port/; s/^pool_size = .*/pool_size = 8/" "$1/sdf.conf"
}

start "$work/a"
start "$work/b"
export SDF_BENCH_PASSWORD=bench-password
srv_cost() { # PID: CPU ticks (user + system) and context switches of all its threads
	awk '{ printf "%d ", $14 + $15 }' "/proc/$1/stat"
	cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" "$2"; }
vsmd_a=$(cat "$work/a/pid")
tck=$(getconf CLK_TCK)
echo "SDF through libsdf -> vsmd over $chan, client and vsmd on this machine ($(nproc) cores), $conc in flight:"
for op in $ops; do
	before=$(srv_cost "$vsmd_a")
	CCSP_SDF_CONF=$work/a/sdf.conf "$bin/sdf-load" --op "$op" --concurrency "$conc" --seconds "$secs" --json >"$work/r"
	after=$(srv_cost "$vsmd_a")
	awk -v op="$op" -v b="$before" -v a="$after" -v t="$tck" -v n="$(field ops "$work/r")" \
	    -v r="$(field ops_per_s "$work/r")" -v g="$(field gbit_per_s "$work/r")" -v p50="$(field p50_ms "$work/r")" \
	    -v p99="$(field p99_ms "$work/r")" -v cc="$(field client_cpu_us_per_op "$work/r")" \
	    -v cs="$(field client_switches_per_op "$work/r")" 'BEGIN {
		split(b, x, " "); split(a, y, " "); if (n < 1) n = 1
		printf "%-12s %9.0f ops/s %6.2f Gbit/s  p50 %7.3f ms  p99 %7.3f ms  per call: client %7.1f us %5.2f cs, vsmd %7.1f us %5.2f cs\n",
		       op, r, g, p50, p99, cc, cs, (y[1] - x[1]) * 1e6 / t / n, (y[2] - x[2]) / n
	}'
done

[ "${SCALING:-1}" = 0 ] && exit 0
one=$(CCSP_SDF_CONF=$work/a/sdf.conf "$bin/sdf-load" --op sign --concurrency "$conc" --seconds "$secs" --json |
	sed -n 's/.*"ops_per_s": \([0-9.]*\).*/\1/p')
half=$((conc / 2))
CCSP_SDF_CONF=$work/a/sdf.conf "$bin/sdf-load" --op sign --concurrency "$half" --seconds "$secs" --json >"$work/ra" &
ra=$!
CCSP_SDF_CONF=$work/b/sdf.conf "$bin/sdf-load" --op sign --concurrency "$half" --seconds "$secs" --json >"$work/rb" &
rb=$!
wait $ra $rb
a=$(sed -n 's/.*"ops_per_s": \([0-9.]*\).*/\1/p' "$work/ra")
b=$(sed -n 's/.*"ops_per_s": \([0-9.]*\).*/\1/p' "$work/rb")
awk -v one="$one" -v a="$a" -v b="$b" 'BEGIN {
	printf "two-VSM scaling (sign): one VSM %.0f/s; A + B together %.0f + %.0f = %.0f/s; ratio to 2 x one = %.0f %%\n",
	       one, a, b, a + b, 100 * (a + b) / (2 * one)
	printf "  (both VSMs and the load generator share the same %d cores: the ratio shows CPU saturation, not isolation overhead)\n", 2
}'
