#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make run, at this stage: self-test the crypto module, show the CLI at work with openssl as the independent
# witness, then start a VSM (vsmd) and run the GM/T 0018 example against it; vsmd keeps serving until Ctrl-C.
# State goes under ./var. Later stages start chsmd and ccspd here.
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

step "a VSM: vsmd serving the GM/T 0018 SDF API to an application through libsdf"
vsm=var/vsm
if [ ! -f "$vsm/vsmd.conf" ]; then
	"$build/bin/vsmd" --init "$vsm" --listen 127.0.0.1:8800
	printf 'demo-password\n' >"$vsm/demo.pw"
	chmod 600 "$vsm/demo.pw"
	$ccsp vsm keygen --dir "$vsm" --index 1 --sign --password-file "$vsm/demo.pw"
	$ccsp vsm keygen --dir "$vsm" --index 1 --enc --password-file "$vsm/demo.pw"
	$ccsp vsm keygen --dir "$vsm" --index 1 --kek
fi
$ccsp vsm keys --dir "$vsm"
"$build/bin/vsmd" --dir "$vsm" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' EXIT INT TERM
i=0
while [ $i -lt 50 ] && [ ! -S "$vsm/admin.sock" ]; do sleep 0.1; i=$((i + 1)); done
CCSP_SDF_CONF="$vsm/sdf.conf" "$build/bin/sdf_demo" 1 demo-password

step "vsmd is serving on 127.0.0.1:8800 (state in $vsm/). Applications: export CCSP_SDF_CONF=$PWD/$vsm/sdf.conf
   and link build/lib/libsdf.so (header include/ccsp/sdf.h). Key management: build/bin/ccsp vsm help.
   Ctrl-C stops it. The CHSM host chsmd (GM/T 0088) is in docs/operations.md; the service platform comes later."
wait $pid
