#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Images end to end with two CHSMs of one trust domain on loopback (docs/operations.md "Drift"): the platform key
# configured on both, an image server (file_server), a tenant VSM on CHSM A with a token and an SM2 signing key;
# exportVSM from A, importVSM into an idle VSM of B: the same key index signs with the same key pair through
# libsdf, with the tenant's token. Refusals: no upload address, no domain, a VSM in use, an image signed by
# another key or altered by one byte (nothing changes), an image of another domain; exportCHSM/importCHSM and
# backup/restore; kill -9 of chsmd during an import (the VSM is whole afterwards). Every wait is bounded.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ] || [ ! -x "$BIN/vsmd" ] || [ ! -x "$BIN/file_server" ] || [ ! -x "$BIN/sdf_demo" ]; then
	echo "skip: chsmd, vsmd, file_server or sdf_demo not built"
	finish
fi
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	pkill -9 -f "vsmd --dir $T/" 2>/dev/null
}
trap cleanup EXIT

# wait_for FILE PATTERN: up to 60 s for PATTERN to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 600 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$2"; }
# sdf_conf KOPTS VSM DIR OUT: the VSM's client config with the port it listens on and the tenant's sealed token
sdf_conf() {
	"$CCSP" chsm call $1 vsm info --vsm "$2" >"$T/info"
	vp=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/info")
	sed -e "s|^token_file = .*|token_file = $T/client.token|" -e "s|^address = .*|address = 127.0.0.1:$vp|" \
		"$3/sdf.conf" >"$4"
}

# start_chsm NAME: chsmd --dir $T/NAME in the background; sets PORT_<NAME> and K_<NAME> (the call options)
start_chsm() {
	[ -f "$T/$1.out" ] && mv "$T/$1.out" "$T/$1.old.out" # before the start: the old ready line must not count
	"$CHSMD" --dir "$T/$1" >"$T/$1.out" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	wait_for "$T/$1.out" 'listening on port' || { fail "chsmd $1 did not start: $(cat "$T/$1.out")"; finish; }
	p=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/$1.out" | tail -1)
	eval "K_$1=\"--url https://127.0.0.1:$p --key $T/p.pem --cacert $T/$1/tls-cert.pem\""
}
# new_cb NAME COUNT: a callback receiver writing $T/NAME; prints its URL
new_cb() {
	"$CCSP" chsm callbacks --listen 127.0.0.1:0 --count "$2" --timeout 120 --out "$T/$1" >"$T/$1.port" 2>/dev/null &
	PIDS="$PIDS $!"
	wait_for "$T/$1.port" '^[0-9]' && echo "http://127.0.0.1:$(head -1 "$T/$1.port")/cb"
}

for c in A B C; do
	"$CHSMD" --init "$T/$c" --listen 127.0.0.1:0 >/dev/null
	sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$T/$c/chsmd.conf"
done
"$CCSP" chsm keygen --out "$T/p.pem"
"$CCSP" chsm keygen --out "$T/x.pem"
start_chsm A
start_chsm B
check "platform key on A" "$CCSP" chsm configure $K_A >/dev/null
check "platform key on B" "$CCSP" chsm configure $K_B >/dev/null

mkdir -p "$T/files"
"$BIN/file_server" "$T/files" 300 >"$T/fs.port" &
PIDS="$PIDS $!"
wait_for "$T/fs.port" '^[0-9]'
FS=http://127.0.0.1:$(head -1 "$T/fs.port")

# ---- a tenant on CHSM A: VSM, token, signing key at index 1 ----
CB=$(new_cb cbA 1)
"$CCSP" chsm call $K_A vsm create --set flavor=2 --callback "$CB" >"$T/r"
VA=$(field vsmId "$T/r")
check "A: VSM created" wait_for "$T/cbA" '"status":200'
TOKEN=tenant-token-0123456789
check "A: token set" "$CCSP" chsm call $K_A vsm token --vsm "$VA" --set token=$TOKEN >/dev/null
printf 'password-1\n' >"$T/pw"
check "A: SM2 signing key at index 1" "$CCSP" vsm keygen --dir "$T/A/vsm/$VA" --index 1 --sign --password-file "$T/pw" >/dev/null
check "A: SM2 encryption key at index 1" "$CCSP" vsm keygen --dir "$T/A/vsm/$VA" --index 1 --enc >/dev/null
"$CCSP" vsm keys --dir "$T/A/vsm/$VA" | sed 's/ created=[^ ]*//' >"$T/keysA"
check "A: two keys listed" [ "$(wc -l <"$T/keysA")" = 2 ]
echo "$TOKEN" | "$CCSP" vsm seal-token --out "$T/client.token"
sdf_conf "$K_A" "$VA" "$T/A/vsm/$VA" "$T/sdfA.conf"
check "A: the tenant's application signs (libsdf)" env CCSP_SDF_CONF="$T/sdfA.conf" "$BIN/sdf_demo" 1 password-1 >/dev/null
# getVSMInfo eps: the VSM measured the SM2 and SM4 operations the application made (eps.json, every 5 s)
sm2_eps() { "$CCSP" chsm call $K_A vsm info --vsm "$VA" | grep -o '"algorithm":"SM2","eps":{[^}]*}'; }
i=0
while [ $i -lt 150 ] && ! sm2_eps | grep -q '"max":[1-9]'; do sleep 0.1; i=$((i + 1)); done
check "A: getVSMInfo eps counts the SM2 operations" [ $i -lt 150 ]

# ---- preconditions of an export ----
CB=$(new_cb cbx 1)
"$CCSP" chsm call $K_A vsm image-export --vsm "$VA" --callback "$CB" >"$T/r" 2>/dev/null
check "export without an upload address: 400" grep -q '"status":400' "$T/r"
"$CCSP" chsm call $K_A chsm imageuploader --set url="$FS/upload" >/dev/null
"$CCSP" chsm call $K_A vsm image-export --vsm "$VA" --callback "$CB" >"$T/r" 2>/dev/null
check "export before joining a trust domain: 400" grep -q '"status":400' "$T/r" && grep -q '信任域' "$T/r"

# ---- one trust domain for A and B (2 of 3 shares); C gets another ----
check "domain init on A" "$CCSP" chsm domain init --dir "$T/A" --shares 3 --threshold 2 >"$T/shares"
check "three shares printed" [ "$(wc -l <"$T/shares")" = 3 ]
check "domain join on B with two shares" sh -c "sed -n '1p;3p' '$T/shares' | '$CCSP' chsm domain join --dir '$T/B'" >/dev/null
check "domain init on C (another domain)" "$CCSP" chsm domain init --dir "$T/C" --shares 2 --threshold 2 >/dev/null
check "A and B: same domain id" [ "$("$CCSP" chsm domain show --dir "$T/A")" = "$("$CCSP" chsm domain show --dir "$T/B")" ]

# ---- exportVSM from A ----
CB=$(new_cb cbe 1)
check "exportVSM accepted" "$CCSP" chsm call $K_A vsm image-export --vsm "$VA" --callback "$CB" >"$T/r"
check "exportVSM callback: 200" wait_for "$T/cbe" '"status":200'
IMG=$(field imageUrl "$T/cbe")
check "exportVSM: the image URL on the image server" [ -n "$IMG" ] && [ -f "$T/files/${IMG##*/}" ]
check "exportVSM: size, digest, device signature" grep -q '"size":[1-9]' "$T/cbe" && grep -q '"digest":"' "$T/cbe" && grep -q '"sign":"' "$T/cbe"
check "upload carried the info part" grep -q '"type":"vsm"' "$T/files/${IMG##*/}.info"
check "the image holds no key in clear" sh -c "! grep -q '$TOKEN' '$T/files/${IMG##*/}'"
# the device signature over the image verifies with getCHSMInfo's devicePublicKey (openssl)
"$CCSP" chsm call $K_A chsm info >"$T/r"
field devicePublicKey "$T/r" | base64 -d >"$T/devA.der"
field sign "$T/cbe" | base64 -d >"$T/img.sig"
check "image signature verifies with the device key (openssl)" "$OPENSSL" pkeyutl -verify -pubin -inkey "$T/devA.der" \
	-keyform DER -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$T/files/${IMG##*/}" -sigfile "$T/img.sig"

# sign FILE [KEY]: the platform's Base64 SM2 signature over FILE
sign() { "$CCSP" sm2 sign -key "${2:-$T/p.pem}" -in "$1" -out "$T/sig.der" && base64 -w0 "$T/sig.der"; }

# ---- importVSM into an idle VSM of B ----
CB=$(new_cb cbB 1)
"$CCSP" chsm call $K_B vsm create --set flavor=1 --callback "$CB" >"$T/r"
VB=$(field vsmId "$T/r")
check "B: idle VSM created" wait_for "$T/cbB" '"status":200'
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" >"$T/keysB0"
check "B: no keys before the import" [ ! -s "$T/keysB0" ]
# refusals first: nothing may change
cp "$T/files/${IMG##*/}" "$T/files/bad.img"
printf '\001' | dd of="$T/files/bad.img" bs=1 seek=200 conv=notrunc 2>/dev/null
CB=$(new_cb cbr 3)
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$IMG" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${IMG##*/}" "$T/x.pem")" --callback "$CB" >"$T/r"
check "import signed by an unknown key: accepted, then callback 400" wait_for "$T/cbr" '"status":400.*签名验证失败\|签名验证失败.*"status":400'
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$FS/files/bad.img" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/bad.img")" --callback "$CB" >"$T/r"
check "import of an altered image: callback 400" wait_for "$T/cbr" '影像校验失败'
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$FS/files/missing.img" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/bad.img")" --callback "$CB" >"$T/r"
check "import of a missing image: callback 500" wait_for "$T/cbr" '影像下载失败'
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" >"$T/keysB1"
check "B: still no keys after the refused imports" [ ! -s "$T/keysB1" ]
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$IMG" --set alg=SM2WithSM3 --callback "$CB" \
	>"$T/r" 2>/dev/null
check "import without sign: 400" grep -q '"status":400' "$T/r"

CB=$(new_cb cbi 1)
check "importVSM accepted" "$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$IMG" \
	--set alg=SM2WithSM3 --set sign="$(sign "$T/files/${IMG##*/}")" --callback "$CB" >"$T/r"
check "importVSM callback: 200" wait_for "$T/cbi" '"status":200'
RID=$(field requestId "$T/cbi")
"$CCSP" chsm call $K_B chsm info >"$T/r"
check "getCHSMInfo result.tasks: the import's result, delivered" \
	grep -q "\"tasks\":\[.*{[^}]*\"requestId\":\"$RID\"[^}]*}" "$T/r" && grep -q '"delivered":"yes"' "$T/r"
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" | sed 's/ created=[^ ]*//' >"$T/keysB"
same "$T/keysA" "$T/keysB" "drift: B's VSM holds A's key pairs (same public keys, same indices)"
"$CCSP" chsm call $K_B vsm info --vsm "$VB" >"$T/r"
check "drift: the tenant's token came along, flavor too" grep -q '"token":"set"' "$T/r" && grep -q '"flavor":2' "$T/r"
sdf_conf "$K_B" "$VB" "$T/B/vsm/$VB" "$T/sdfB.conf"
check "drift: on B the same index signs with the same key (libsdf, the tenant's token)" \
	env CCSP_SDF_CONF="$T/sdfB.conf" "$BIN/sdf_demo" 1 password-1 >/dev/null
CB=$(new_cb cbu 1)
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$IMG" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${IMG##*/}")" --callback "$CB" >"$T/r"
check "import into a VSM in use: 409" grep -q '"status":409' "$T/r"

# ---- an image of another trust domain ----
start_chsm C
"$CCSP" chsm configure $K_C >/dev/null
CB=$(new_cb cbC 2)
"$CCSP" chsm call $K_C vsm create --set flavor=1 --callback "$CB" >"$T/r"
VC=$(field vsmId "$T/r")
wait_for "$T/cbC" '"status":200'
"$CCSP" chsm call $K_C vsm image-import --vsm "$VC" --set imageUrl="$IMG" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${IMG##*/}")" --callback "$CB" >"$T/r"
check "import into another trust domain: callback 400" wait_for "$T/cbC" '影像不属于本信任域'
kill -TERM "$PID_C"

# ---- CHSM image and backup/restore on B ----
"$CCSP" chsm call $K_B chsm imageuploader --set url="$FS/upload" >/dev/null
CB=$(new_cb cbk 2)
check "backupCHSM accepted" "$CCSP" chsm call $K_B chsm backup --callback "$CB" >/dev/null
check "backup callback: 200 with backupUrl" wait_for "$T/cbk" '"oprType":"backup".*"status":200\|"status":200.*"backupUrl"'
BK=$(field backupUrl "$T/cbk")
check "backup: a backup file" [ -n "$BK" ] && [ -f "$T/files/${BK##*/}" ]
# the tenant loses its keys: reset, then restore brings them back
CB2=$(new_cb cbz 1)
"$CCSP" chsm call $K_B vsm reset --vsm "$VB" --callback "$CB2" >/dev/null
wait_for "$T/cbz" '"status":200'
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" >"$T/keysB2"
check "after reset: no keys" [ ! -s "$T/keysB2" ]
check "restoreCHSM accepted" "$CCSP" chsm call $K_B chsm restore --set backupUrl="$BK" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${BK##*/}")" --callback "$CB" >/dev/null
check "restore callback: 200" wait_for "$T/cbk" '"oprType":"restore".*"status":200\|"status":200.*"oprType":"restore"'
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" | sed 's/ created=[^ ]*//' >"$T/keysB3"
same "$T/keysA" "$T/keysB3" "restore: the keys are back"
sdf_conf "$K_B" "$VB" "$T/B/vsm/$VB" "$T/sdfB.conf" # port 0 in these tests: a restarted vsmd has a new one
check "restore: the tenant signs again" env CCSP_SDF_CONF="$T/sdfB.conf" "$BIN/sdf_demo" 1 password-1 >/dev/null

# ---- exportCHSM from A, importCHSM into an empty CHSM of the domain (D) ----
"$CHSMD" --init "$T/D" --listen 127.0.0.1:0 >/dev/null
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$T/D/chsmd.conf"
sed -n '2p;3p' "$T/shares" | "$CCSP" chsm domain join --dir "$T/D" >/dev/null
start_chsm D
"$CCSP" chsm configure $K_D >/dev/null
CB=$(new_cb cbd 2)
check "exportCHSM accepted" "$CCSP" chsm call $K_A chsm image-export --callback "$CB" >/dev/null
check "exportCHSM callback: 200" wait_for "$T/cbd" '"status":200'
CI=$(field imageUrl "$T/cbd")
check "importCHSM accepted" "$CCSP" chsm call $K_D chsm image-import --set imageUrl="$CI" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${CI##*/}")" --callback "$CB" >/dev/null
check "importCHSM callback: 200" wait_for "$T/cbd" '"oprType":"import".*"status":200\|"status":200.*"oprType":"import"'
"$CCSP" vsm keys --dir "$T/D/vsm/$VA" | sed 's/ created=[^ ]*//' >"$T/keysD"
same "$T/keysA" "$T/keysD" "importCHSM: D has A's VSM with its keys"

# ---- kill -9 of chsmd during an import: the VSM is whole afterwards (old or new data) ----
CB=$(new_cb cbq 1)
"$CCSP" chsm call $K_B vsm reset --vsm "$VB" --callback "$CB" >/dev/null
wait_for "$T/cbq" '"status":200'
CB=$(new_cb cbk9 1)
"$CCSP" chsm call $K_B vsm image-import --vsm "$VB" --set imageUrl="$IMG" --set alg=SM2WithSM3 \
	--set sign="$(sign "$T/files/${IMG##*/}")" --callback "$CB" >/dev/null
i=0
while [ $i -lt 100 ] && [ ! -d "$T/B/vsm/.import-$VB" ]; do sleep 0.01; i=$((i + 1)); done
kill -9 "$PID_B"
wait "$PID_B" 2>/dev/null
: >"$T/B/.download-left-by-a-crash" # as a kill -9 during a download would leave it
i=0 # its vsmds notice that chsmd is gone and stop by themselves (within about a second)
while [ $i -lt 100 ] && pgrep -f "vsmd --dir $T/B/" >/dev/null; do sleep 0.1; i=$((i + 1)); done
check "after kill -9 of chsmd: its vsmds stop by themselves" [ $i -lt 100 ]
start_chsm B
check "after kill -9: no staging directory left" [ ! -d "$T/B/vsm/.import-$VB" ]
check "after kill -9: no download left" [ ! -e "$T/B/.download-left-by-a-crash" ]
i=0
while [ $i -lt 300 ] && ! "$CCSP" chsm call $K_B vsm status --vsm "$VB" 2>/dev/null | grep -q '"status":"ok"'; do
	sleep 0.1
	i=$((i + 1))
done
check "after kill -9: the VSM runs again (the supervisor started it)" [ $i -lt 300 ]
"$CCSP" vsm keys --dir "$T/B/vsm/$VB" | sed 's/ created=[^ ]*//' >"$T/keysB4"
check "after kill -9: the VSM holds the old data or the image's, whole" sh -c "[ ! -s '$T/keysB4' ] || cmp -s '$T/keysA' '$T/keysB4'"
CB=$(new_cb cbs 1)
"$CCSP" chsm call $K_B vsm restart --vsm "$VB" --callback "$CB" >/dev/null
check "after kill -9: the VSM restarts" wait_for "$T/cbs" '"status":200'

for c in A B D; do eval "kill -TERM \$PID_$c"; done
finish
