#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make run, at this stage: self-test the crypto module, show the CLI at work with openssl as the independent
# witness, then start the CHSM host chsmd (dev mode) with one VSM, configured through the GM/T 0088 API as a cloud
# platform would, and run the GM/T 0018 example application against that VSM; then the service platform ccspd
# on SQLite with its own VSM (a second VSM of the CHSM). Both serve until Ctrl-C. State goes under ./var.
set -eu
build=${1:-build}
ccsp="$build/bin/ccsp"
var=var/demo
mkdir -p "$var"
step() { printf '\n== %s\n' "$*"; }

step "$($ccsp version)"
step "self-tests (integrity + known answers on every implementation)"
$ccsp selftest

step "SM3 of README.md, by ccsp and by openssl"
$ccsp sm3 README.md
openssl dgst -sm3 README.md

step "SM4-GCM: encrypt README.md, decrypt, compare"
key=$($ccsp rand 16) iv=$($ccsp rand 12)
$ccsp sm4 enc -mode gcm -k "$key" -iv "$iv" -aad 636373702d64656d6f -in README.md -out "$var/readme.gcm"
$ccsp sm4 dec -mode gcm -k "$key" -iv "$iv" -aad 636373702d64656d6f -in "$var/readme.gcm" -out "$var/readme.out"
cmp README.md "$var/readme.out" && echo "round trip ok ($(wc -c <"$var/readme.gcm") bytes = data + 16-byte tag)"

step "SM2: key pair by ccsp, signature checked by openssl, ciphertext opened by openssl"
$ccsp sm2 keygen -out "$var/sm2.key.pem"
$ccsp sm2 pub -in "$var/sm2.key.pem" -out "$var/sm2.pub.pem"
$ccsp sm2 sign -key "$var/sm2.key.pem" -in README.md -out "$var/readme.sig"
openssl pkeyutl -verify -pubin -inkey "$var/sm2.pub.pem" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
	-in README.md -sigfile "$var/readme.sig"
printf 'secret message\n' >"$var/msg.txt"
$ccsp sm2 encrypt -pub "$var/sm2.pub.pem" -in "$var/msg.txt" -out "$var/msg.ct"
printf 'openssl decrypts: '
openssl pkeyutl -decrypt -inkey "$var/sm2.key.pem" -in "$var/msg.ct"

step "the CHSM host: chsmd (GM/T 0088) with one VSM serving the SDF API (GM/T 0018) to an application"
chsm=var/chsm
platform_key=var/platform.pem
tenant=var/tenant
bin="$build/bin"
mkdir -p "$tenant"
[ -f "$chsm/chsmd.conf" ] || "$bin/chsmd" --init "$chsm" --listen 127.0.0.1:7443
[ -f "$platform_key" ] || $ccsp chsm keygen --out "$platform_key"
"$bin/chsmd" --dir "$chsm" >"$chsm.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' EXIT INT TERM # ccspd's start below extends it
i=0
while [ $i -lt 300 ] && ! grep -q 'listening on port' "$chsm.log"; do
	kill -0 $pid 2>/dev/null || { cat "$chsm.log"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
url=https://$(sed -n 's/^listen = //p' "$chsm/chsmd.conf")
C="--url $url --key $platform_key --cacert $chsm/tls-cert.pem"
$ccsp chsm configure $C >/dev/null # the platform key: unsigned the first time, signed (idempotent) after
vsm=$(ls "$chsm/vsm" 2>/dev/null | grep -v '^\.' | head -1 || true)
if [ -z "$vsm" ]; then # first run: a VSM (its createVSM callback to a receiver here), a tenant token and keys
	$ccsp chsm callbacks --listen 127.0.0.1:0 --count 1 --timeout 60 --out "$tenant/create.json" >"$tenant/cb.port" &
	cbpid=$!
	i=0
	while [ $i -lt 50 ] && [ ! -s "$tenant/cb.port" ]; do sleep 0.1; i=$((i + 1)); done
	$ccsp chsm call $C vsm create --set flavor=1 --callback "http://127.0.0.1:$(head -1 "$tenant/cb.port")/cb" \
		>"$tenant/create.out"
	vsm=$(sed -n 's/.*"vsmId":"\([^"]*\)".*/\1/p' "$tenant/create.out")
	wait $cbpid
	token=$($ccsp rand 16)
	$ccsp chsm call $C vsm token --vsm "$vsm" --set token="$token" >/dev/null
	echo "$token" | $ccsp vsm seal-token --out "$tenant/client.token"
	printf 'demo-password\n' >"$tenant/demo.pw"
	chmod 600 "$tenant/demo.pw"
	$ccsp vsm keygen --dir "$chsm/vsm/$vsm" --index 1 --sign --password-file "$tenant/demo.pw"
	$ccsp vsm keygen --dir "$chsm/vsm/$vsm" --index 1 --enc --password-file "$tenant/demo.pw"
	$ccsp vsm keygen --dir "$chsm/vsm/$vsm" --index 1 --kek
fi
sed "s|^token_file = .*|token_file = $PWD/$tenant/client.token|" "$chsm/vsm/$vsm/sdf.conf" >"$tenant/sdf.conf"

# The service platform's own VSM: a second VSM of the CHSM, with the KEK that wraps ccspd's data-protection key.
pvsm_dir=var/platform-vsm
mkdir -p "$pvsm_dir"
if [ ! -s "$pvsm_dir/vsm-id" ]; then
	$ccsp chsm callbacks --listen 127.0.0.1:0 --count 1 --timeout 60 --out "$pvsm_dir/create.json" >"$pvsm_dir/cb.port" &
	cbpid=$!
	i=0
	while [ $i -lt 50 ] && [ ! -s "$pvsm_dir/cb.port" ]; do sleep 0.1; i=$((i + 1)); done
	$ccsp chsm call $C vsm create --set flavor=1 --callback "http://127.0.0.1:$(head -1 "$pvsm_dir/cb.port")/cb" \
		>"$pvsm_dir/create.out"
	sed -n 's/.*"vsmId":"\([^"]*\)".*/\1/p' "$pvsm_dir/create.out" >"$pvsm_dir/vsm-id"
	wait $cbpid
	ptoken=$($ccsp rand 16)
	$ccsp chsm call $C vsm token --vsm "$(cat "$pvsm_dir/vsm-id")" --set token="$ptoken" >/dev/null
	echo "$ptoken" | $ccsp vsm seal-token --out "$pvsm_dir/client.token"
	$ccsp vsm keygen --dir "$chsm/vsm/$(cat "$pvsm_dir/vsm-id")" --index 1 --kek >/dev/null
fi
pvsm=$(cat "$pvsm_dir/vsm-id")
sed "s|^token_file = .*|token_file = $PWD/$pvsm_dir/client.token|" "$chsm/vsm/$pvsm/sdf.conf" >"$pvsm_dir/sdf.conf"
i=0
while [ $i -lt 100 ] && ! $ccsp chsm call $C vsm status --vsm "$vsm" 2>/dev/null | grep -q '"status":"ok"'; do
	sleep 0.1
	i=$((i + 1))
done
$ccsp vsm keys --dir "$chsm/vsm/$vsm"
CCSP_SDF_CONF="$tenant/sdf.conf" "$bin/sdf_demo" 1 demo-password

step "the service platform: ccspd on SQLite, its keys in the platform VSM $pvsm"
# The audit signing key: an SM2 key pair at index 2 of the platform VSM, unlocked by ccspd with its password.
if ! $ccsp vsm keys --dir "$chsm/vsm/$pvsm" | grep -q '^kind=sign index=2 '; then
	(umask 077 && $ccsp rand 16 >"$pvsm_dir/audit-sign-password")
	$ccsp vsm keygen --dir "$chsm/vsm/$pvsm" --index 2 --sign --password-file "$pvsm_dir/audit-sign-password" \
		>/dev/null
fi
platform=var/platform
[ -f "$platform/ccspd.conf" ] || "$bin/ccspd" --init "$platform" --listen 127.0.0.1:8443 \
	--vsm-conf "$PWD/$pvsm_dir/sdf.conf" >"$platform.init" || { cat "$platform.init"; exit 1; }
grep -q '^audit_sign_index' "$platform/ccspd.conf" ||
	printf 'audit_sign_index = 2\naudit_sign_password_file = %s\n' "$PWD/$pvsm_dir/audit-sign-password" \
		>>"$platform/ccspd.conf"
"$bin/ccspd" --dir "$platform" >"$platform.log" 2>&1 &
ppid=$!
trap 'kill -TERM $ppid $pid 2>/dev/null; wait $ppid $pid' EXIT INT TERM
i=0
while [ $i -lt 300 ] && ! grep -q 'listening on port' "$platform.log"; do
	kill -0 $ppid 2>/dev/null || { cat "$platform.log"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
api=https://$(sed -n 's/^listen = //p' "$platform/ccspd.conf")
curl -sk "$api/readyz"
echo

step "chsmd is serving (state in $chsm/, log in $chsm.log; Ctrl-C stops it and its VSMs).
   Management API (GM/T 0088): $url/api/1.0 — the cloud platform's key is $platform_key; try
     $ccsp chsm call $C chsm info
     $ccsp chsm call $C vsm info --vsm $vsm
   VSM $vsm (SDF API, GM/T 0018): applications link build/lib/libsdf.so (include/ccsp/sdf.h) with
     export CCSP_SDF_CONF=$PWD/$tenant/sdf.conf      (keys at index 1, access password demo-password)
   More in docs/operations.md (images and drift, trust domains, upgrade).
   ccspd (the service platform) is serving on $api/api/v1 (state in $platform/, log in $platform.log):
     first login: user admin, one-time password in $platform/initial-admin-password (change it at the first login)
     docs/api-auth.md shows how applications sign their requests."
wait $pid
