#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End to end: vsmd --init, keys made by the crypto officer CLI, vsmd serving over TLS 1.3, the GM/T 0018
# example application and the SDF conformance suite through libsdf.so; two VSMs kept apart; kill -9 while
# generating keys; SIGTERM shutdown.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
VSMD=$BIN/vsmd
if [ ! -x "$VSMD" ] || [ ! -x "$BIN/sdf_conformance" ]; then
	echo "skip: vsmd or sdf_conformance not built"
	finish
fi
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

# start_vsmd DIR: start vsmd on DIR (port 0), wait for its listening line, point DIR/sdf.conf at the port.
# With KEY_FILE set, the storage key is handed over on descriptor 3 (--storage-key-fd), as chsmd does.
start_vsmd() {
	: >"$1/vsmd.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	if [ -n "${KEY_FILE:-}" ]; then
		"$VSMD" --dir "$1" --storage-key-fd 3 3<"$KEY_FILE" >"$1/vsmd.out" 2>&1 &
	else
		"$VSMD" --dir "$1" >"$1/vsmd.out" 2>&1 &
	fi
	VSMD_PID=$!
	PIDS="$PIDS $VSMD_PID"
	i=0
	while [ $i -lt 600 ] && ! grep -q "listening on port" "$1/vsmd.out" && kill -0 "$VSMD_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$1/vsmd.out")
	if [ -z "$port" ]; then
		fail "vsmd on $1 did not start: $(cat "$1/vsmd.out")"
		return 1
	fi
	sed -i "s/^address = .*/address = 127.0.0.1:$port/" "$1/sdf.conf"
}

# stop_vsmd: SIGTERM, bounded wait, exit status 0.
stop_vsmd() {
	kill -TERM "$VSMD_PID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$VSMD_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$VSMD_PID" 2>/dev/null; then
		fail "vsmd did not stop on SIGTERM"
		kill -9 "$VSMD_PID"
	fi
	wait "$VSMD_PID"
	check "vsmd exits 0 on SIGTERM" [ $? -eq 0 ]
}

A=$T/vsm-a B=$T/vsm-b
printf 'password-1\n' >"$T/pw"
check "vsmd --init A" "$VSMD" --init "$A" --listen 127.0.0.1:0
check "vsmd --init B" "$VSMD" --init "$B" --listen 127.0.0.1:0
must_fail_vsmd=$("$VSMD" --init "$A" --listen 127.0.0.1:0 2>&1)
check "vsmd --init refuses an existing VSM" [ $? -ne 0 ]
check "storage key is 0600" [ "$(stat -c %a "$A/storage.key")" = 600 ]
check "client token is sealed, not plaintext in sdf.conf" sh -c '! grep -qi token "$1" || grep -q "^token_file" "$1"' sh "$A/sdf.conf"
for kind in --sign --enc --kek; do
	if [ "$kind" = --kek ]; then
		check "keygen $kind" "$CCSP" vsm keygen --dir "$A" --index 1 $kind
	else
		check "keygen $kind" "$CCSP" vsm keygen --dir "$A" --index 1 $kind --password-file "$T/pw"
	fi
done
check "keygen --kek at index 2 (another KEK: wrapped SM2 pairs)" "$CCSP" vsm keygen --dir "$A" --index 2 --kek
check "keygen --enc at index 2 (the second party of key agreement)" "$CCSP" vsm keygen --dir "$A" --index 2 --enc --password-file "$T/pw"
check "keygen on B" "$CCSP" vsm keygen --dir "$B" --index 1 --sign --password-file "$T/pw"

start_vsmd "$A" || finish
start_vsmd_a=$VSMD_PID
export CCSP_SDF_CONF="$A/sdf.conf"
check "GM/T 0018 example application" "$BIN/sdf_demo" 1 password-1 >"$T/demo.out"
for suite in "$BIN"/sdf_conformance*; do
	name=$(basename "$suite")
	"$suite" >"$T/$name.out" 2>&1
	rc=$?
	check "SDF conformance suite $name" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || cat "$T/$name.out"
done

# The wrap cache counts in eps.json (vsmd's statistics, written every 5 s): wrapped-key signatures through libsdf
# (sdf-load sign-kek, the KMS's path), all but the first of each wrap served from the cache.
if [ -x "$BIN/sdf-load" ]; then
	"$BIN/sdf-load" --op sign-kek --seconds 1 --concurrency 2 --password password-1 >/dev/null 2>&1
	wrap_hits() { grep -q '"wrapCache":{"hits":[1-9][0-9]*,"misses":[0-9]*,"entries":[1-9]' "$A/eps.json"; }
	i=0
	while [ $i -lt 100 ] && ! wrap_hits; do sleep 0.1; i=$((i + 1)); done
	check "eps.json: wrapped-key signatures served from the VSM's wrap cache (hits, entries)" wrap_hits
fi

# B runs with its storage key handed over on a descriptor; its dev-mode key file is gone.
mv "$B/storage.key" "$T/b.key"
"$VSMD" --dir "$B" >"$T/nokey.out" 2>&1
check "without its storage key B refuses to start" [ $? -ne 0 ] && grep -q 'storage key' "$T/nokey.out"
head -c 15 "$T/b.key" >"$T/short.key"
"$VSMD" --dir "$B" --storage-key-fd 3 3<"$T/short.key" >"$T/short.out" 2>&1
check "a 15-byte key on the descriptor is refused" [ $? -ne 0 ] && grep -q 'exactly 16 bytes' "$T/short.out"
KEY_FILE=$T/b.key start_vsmd "$B" || finish
# Isolation: A's client config (A's CA and token) against B: B refuses the token.
pb=$(sed -n 's/^address = //p' "$B/sdf.conf")
sed "s/^address = .*/address = $pb/" "$A/sdf.conf" >"$T/a-to-b.conf"
sed -i "s|^ca_file = .*|ca_file = $B/tls-cert.pem|" "$T/a-to-b.conf"
CCSP_SDF_CONF="$T/a-to-b.conf" "$BIN/sdf_demo" 1 password-1 >"$T/iso.out" 2>&1
check "A's token opens nothing on B" [ $? -ne 0 ] && grep -q 'SDF_OpenDevice' "$T/iso.out"
check "B audited the refused token" grep -q 'auth.fail' "$B/audit.log"
stop_vsmd
VSMD_PID=$start_vsmd_a

# The crypto officer's CLI goes through the admin socket while vsmd runs.
check "keygen through the running vsmd" "$CCSP" vsm keygen --dir "$A" --index 2 --sign --password-file "$T/pw"
check "keys lists it" sh -c '"$1" vsm keys --dir "$2" | grep -q "kind=sign index=2 "' sh "$CCSP" "$A"

# kill -9 in the middle of key generation: every acknowledged key is there after a restart.
: >"$T/acked"
(
	for i in $(seq 10 60); do
		"$CCSP" vsm keygen --dir "$A" --index "$i" --kek >/dev/null 2>&1 && echo "$i" >>"$T/acked"
	done
) &
gen=$!
sleep 0.5
kill -9 "$VSMD_PID"
wait "$VSMD_PID" 2>/dev/null
wait "$gen"
start_vsmd "$A" || finish
"$CCSP" vsm keys --dir "$A" >"$T/keys.after"
missing=0
for i in $(cat "$T/acked"); do
	grep -q "kind=kek index=$i " "$T/keys.after" || missing=$((missing + 1))
done
check "after kill -9: all $(wc -l <"$T/acked") acknowledged keys are in the keystore ($missing missing)" [ "$missing" -eq 0 ]
check "after kill -9: the audit log verifies" "$CCSP" vsm audit-verify --dir "$A"
check "after restart: the example still works" "$BIN/sdf_demo" 1 password-1 >/dev/null
stop_vsmd
finish
