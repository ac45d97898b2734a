#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp rand, selftest, version, help and the top-level command line.
. "$(dirname "$0")/common.sh"

# ---- rand ---------------------------------------------------------------------------------------
r1=$("$CCSP" rand 32)
r2=$("$CCSP" rand 32)
check "rand 32: 64 hex digits ($r1)" sh -c 'printf %s "$1" | grep -Eq "^[0-9a-f]{64}$"' sh "$r1"
check "rand 32: two calls differ" [ "$r1" != "$r2" ]
check "rand 1: 2 hex digits" sh -c '"$1" rand 1 | grep -Eq "^[0-9a-f]{2}$"' sh "$CCSP"
check "rand 5000: 10000 hex digits" [ "$("$CCSP" rand 5000 | tr -d '\n' | wc -c)" -eq 10000 ]
check "rand -out" sh -c 'umask 022; "$1" rand 100000 -out "$2"' sh "$CCSP" "$T/r"
check "rand -out: size" [ "$(wc -c <"$T/r")" -eq 100000 ]
check "rand -out: mode 0600 whatever the umask (its bytes may become a key)" [ "$(stat -c %a "$T/r")" = 600 ]
"$CCSP" rand -out "$T/r2" 100000
check "rand -out before N" [ "$(wc -c <"$T/r2")" -eq 100000 ]
check "rand -out: two files differ" [ "$(filehex "$T/r")" != "$(filehex "$T/r2")" ]
# Crude sanity, not a statistical test: 100000 random bytes compress by well under 1 %.
z=$(gzip -c <"$T/r" | wc -c)
check "rand -out: incompressible (gzip gave $z bytes)" [ "$z" -gt 99000 ]
for bad in 0 -1 abc 1x " 1" 1.5 "" 1073741825 99999999999999999999999; do
	must_fail "rand '$bad'" "$CCSP" rand "$bad"
done
must_fail "rand without N" "$CCSP" rand
must_fail "rand with two counts" "$CCSP" rand 1 2
must_fail "rand unknown option" "$CCSP" rand -hex 16
must_fail_with "rand -in (not a rand option)" 2 "'-in'" "$CCSP" rand 16 -in "$T/x"
must_fail_with "rand -k (not a rand option)" 2 "'-k'" "$CCSP" rand 16 -k 00
must_fail "rand -out into a missing directory" "$CCSP" rand 16 -out "$OUT/nodir/r"

# ---- -out names what the user means: devices, FIFOs and links are never replaced ---------------
# (The shared writer is cli_write_file(); rand -out exercises it.)
if mknod "$T/null" c 1 3 2>/dev/null; then
	check "-out to a character device" "$CCSP" rand 16 -out "$T/null"
	check "-out to a character device: still a character device" [ -c "$T/null" ]
else
	echo "skip: -out to a character device (mknod not permitted here)"
fi
check "-out /dev/stdout writes standard output" sh -c '"$1" rand 16 -out /dev/stdout >"$2"' sh "$CCSP" "$T/so"
check "-out /dev/stdout: 16 bytes" [ "$(wc -c <"$T/so")" -eq 16 ]
check "-out /dev/stdout: /dev/stdout is untouched" [ -L /dev/stdout ] || [ -c /dev/stdout ]
mkfifo "$T/fifo"
timeout 20 sh -c 'cat "$1" >"$2"' sh "$T/fifo" "$T/fifo.out" &
reader=$!
check "-out to a FIFO" timeout 20 "$CCSP" rand 16 -out "$T/fifo"
wait $reader
check "-out to a FIFO: still a FIFO" [ -p "$T/fifo" ]
check "-out to a FIFO: the reader got 16 bytes" [ "$(wc -c <"$T/fifo.out")" -eq 16 ]
mkdir -p "$T/d"
echo old >"$T/d/target"
ln -s target "$T/d/link"
ln -s d/link "$T/link2"
check "-out through two relative symlinks" "$CCSP" rand 16 -out "$T/link2"
check "-out through symlinks: the links stay links" ok '[ -L "$T/link2" ] && [ -L "$T/d/link" ]'
check "-out through symlinks: the target is replaced" [ "$(wc -c <"$T/d/target")" -eq 16 ]
ln -s "$T/d/new" "$T/dangling"
check "-out to a dangling symlink creates its target" "$CCSP" rand 16 -out "$T/dangling"
check "-out to a dangling symlink: link kept, target written" ok '[ -L "$T/dangling" ] && [ "$(wc -c <"$T/d/new")" -eq 16 ]'
ln -s loop1 "$OUT/loop2" && ln -s loop2 "$OUT/loop1"
"$CCSP" rand 16 -out "$OUT/loop1" 2>"$T/e"
check "-out to a symlink loop fails" ok "[ $? -eq 1 ] && grep -q 'symbolic links' \"\$T/e\""
rm -f "$OUT/loop1" "$OUT/loop2"
must_fail "-out to a directory" "$CCSP" rand 16 -out "$OUT"

# ---- key files of the other commands are bounded like sm2's (cli_chsm_key_load) ---------------------
truncate -s 2G "$T/sparse" 2>/dev/null || dd if=/dev/zero of="$T/sparse" bs=1 count=0 seek=2G 2>/dev/null
: >"$T/export"
for big in /dev/zero "$T/sparse"; do
	must_fail_with "audit verify --pubkey $big" 1 "larger than the limit of 16384 bytes for an SM2 key file" \
		"$CCSP" audit verify "$T/export" --pubkey "$big"
done

# ---- selftest, version, help --------------------------------------------------------------------
"$CCSP" selftest >"$T/st" 2>&1
check "selftest exits 0" [ $? -eq 0 ]
check "selftest reports operational" grep -q 'module state: operational' "$T/st"
check "selftest reports no failure" [ -z "$(grep FAILED "$T/st")" ]
must_fail "selftest with an argument" "$CCSP" selftest now
check "version" sh -c '"$1" version | grep -Eq "^ccsp [0-9]+\.[0-9]+\.[0-9]+$"' sh "$CCSP"
check "version names the SM3 implementation in use" sh -c '"$1" version | grep -Eq "^sm3: (portable|avx2-bmi2) "' \
	sh "$CCSP"
check "version names the multi-buffer SM3 implementation" \
	sh -c '"$1" version | grep -Eq "^sm3 multi-buffer: (serial|avx2-x8|avx512-2x16) "' sh "$CCSP"
check "version names the SM4 implementation" \
	sh -c '"$1" version | grep -Eq "^sm4: (portable|aesni-avx2|vaes-avx2|gfni-avx512) "' sh "$CCSP"
check "version names the SM4 serial-mode kernel" \
	sh -c '"$1" version | grep -Eq "^sm4 serial modes \(CBC/CFB encryption, OFB, CBC-MAC\): (portable|aesni-serial|gfni-serial)$"' \
	sh "$CCSP"
check "version names the SM2 implementation" \
	sh -c '"$1" version | grep -Eq "^sm2: (portable|mulx-adx|x86-64-asm|x86-64-asm-avx2) "' sh "$CCSP"
check "help exits 0" "$CCSP" help >"$T/help"
check "help lists sm4" grep -q 'sm4 enc|dec' "$T/help"
check "--help" "$CCSP" --help >/dev/null
"$CCSP" >/dev/null 2>"$T/e"
check "no command: exit 2" [ $? -eq 2 ]
check "no command: usage on stderr" grep -q '^usage: ccsp' "$T/e"
must_fail "unknown command" "$CCSP" sm5
"$CCSP" sm5 2>/dev/null
check "unknown command: exit 2" [ $? -eq 2 ]

# ---- ccsp-bench smoke run (no speed is checked: only that it runs and reports every op) -------
BENCH=$(dirname "$CCSP")/ccsp-bench
if [ -x "$BENCH" ]; then
	check "bench runs" "$BENCH" --seconds 0.01 --json --only sm3,sm4 >"$T/bench.json"
	for op in sm3-8k sm3-1m sm4-ecb sm4-cbc-enc sm4-cbc-dec sm4-ctr sm4-gcm; do
		check "bench reports $op for ccsp-portable" grep -q "\"op\": \"$op\", \"impl\": \"ccsp-portable\", \"value\": [0-9]" "$T/bench.json"
		check "bench reports $op for openssl" grep -q "\"op\": \"$op\", \"impl\": \"openssl\"" "$T/bench.json"
	done
	"$BENCH" --only nothing >/dev/null 2>&1
	check "bench rejects an unknown family" [ $? -eq 2 ]
fi

finish
