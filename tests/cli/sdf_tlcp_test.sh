#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libsdf <-> vsmd over TLCP (GB/T 38636; issue 9, "Wiring it in"): a CA and double certificates from ccsp cert,
# vsmd with transport = tlcp, then the GM/T 0018 example application and every SDF conformance suite through
# libsdf.so with transport = tlcp: on the ECC suites (a client without certificates: it offers only those), on
# ECDHE_SM4_GCM_SM3 (client certificates, the only suite offered), and the example on the two CBC suites. Refusals:
# a libsdf that trusts another CA cannot open the device, a TLS 1.3 client (libsdf with transport = tls, and
# openssl s_client) is turned away while vsmd serves on, a client certified by another CA is refused, a VSM that
# requires client certificates refuses a client without them, and a TLCP client cannot open a VSM on TLS 1.3. Every wait is bounded; vsmd listens on port 0 and prints its port.
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

# issue CA NAME USAGE [SAN]: key, request and certificate $T/NAME.{key,pem} issued by $T/CA.{pem,key}.
issue() {
	"$CCSP" sm2 keygen -out "$T/$2.key" && "$CCSP" cert req -key "$T/$2.key" -subj "/O=ccsp test/CN=$2" -out "$T/$2.csr" &&
		"$CCSP" cert issue -ca "$T/$1.pem" -cakey "$T/$1.key" -in "$T/$2.csr" -usage "$3" -days 30 ${4:+-san "$4"} \
			-out "$T/$2.pem"
}

# start_vsmd DIR: start vsmd on DIR (port 0), wait (at most 60 s) for its listening line; PORT is its port.
start_vsmd() {
	: >"$1/vsmd.out"
	"$VSMD" --dir "$1" >"$1/vsmd.out" 2>&1 &
	VSMD_PID=$!
	PIDS="$PIDS $VSMD_PID"
	i=0
	while [ $i -lt 600 ] && ! grep -q "listening on port" "$1/vsmd.out" && kill -0 "$VSMD_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$1/vsmd.out")
	if [ -z "$PORT" ]; then
		fail "vsmd on $1 did not start: $(cat "$1/vsmd.out")"
		return 1
	fi
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

# client_conf NAME [LINE...]: $T/NAME.conf, a libsdf config for the running vsmd over TLCP trusting ca.pem, plus LINEs.
client_conf() {
	f=$T/$1.conf
	shift
	{
		echo "address = 127.0.0.1:$PORT"
		echo "server_name = 127.0.0.1"
		echo "token_file = $A/client.token"
		echo "transport = tlcp"
		echo "timeout_ms = 20000"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	grep -q '^ca_file' "$f" || echo "ca_file = $T/ca.pem" >>"$f"
}

# suites CONF LABEL: the example application and every conformance suite with CCSP_SDF_CONF=CONF.
suites() {
	CCSP_SDF_CONF=$1 "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1
	check "$2: GM/T 0018 example application" [ $? -eq 0 ]
	for suite in "$BIN"/sdf_conformance*; do
		name=$(basename "$suite")
		CCSP_SDF_CONF=$1 "$suite" >"$T/$name.out" 2>&1
		rc=$?
		check "$2: SDF conformance suite $name" [ $rc -eq 0 ]
		[ $rc -eq 0 ] || cat "$T/$name.out"
	done
}

# refused CONF DESC: the example application cannot open the device with CONF.
refused() {
	CCSP_SDF_CONF=$1 "$BIN/sdf_demo" 1 password-1 >"$T/refused.out" 2>&1
	rc=$?
	check "$2" ok '[ $rc -ne 0 ] && [ $rc -lt 126 ] && grep -q "SDF_OpenDevice" "$T/refused.out"'
}

# ---- certificates: ccsp cert (the recipe of docs/sdf.md) -------------------------------------------
check "CA key" "$CCSP" sm2 keygen -out "$T/ca.key"
check "CA" "$CCSP" cert ca -key "$T/ca.key" -subj "/O=ccsp test/CN=ccsp VSM CA" -days 30 -out "$T/ca.pem"
check "other CA key" "$CCSP" sm2 keygen -out "$T/other.key"
check "other CA" "$CCSP" cert ca -key "$T/other.key" -subj "/CN=other CA" -days 30 -out "$T/other.pem"
check "VSM signing certificate" issue ca vsm.sign sign IP:127.0.0.1
check "VSM encryption certificate" issue ca vsm.enc enc
check "client signing certificate" issue ca client.sign sign
check "client encryption certificate" issue ca client.enc enc
check "stranger signing certificate" issue other stranger.sign sign
check "stranger encryption certificate" issue other stranger.enc enc

# ---- a VSM on TLCP ---------------------------------------------------------------------------------
A=$T/vsm
printf 'password-1\n' >"$T/pw"
check "vsmd --init" "$VSMD" --init "$A" --listen 127.0.0.1:0 >/dev/null
for kind in --sign --enc --kek; do
	if [ "$kind" = --kek ]; then
		check "keygen $kind" "$CCSP" vsm keygen --dir "$A" --index 1 $kind
	else
		check "keygen $kind" "$CCSP" vsm keygen --dir "$A" --index 1 $kind --password-file "$T/pw"
	fi
done
check "keygen --kek at index 2" "$CCSP" vsm keygen --dir "$A" --index 2 --kek
check "keygen --enc at index 2" "$CCSP" vsm keygen --dir "$A" --index 2 --enc --password-file "$T/pw"

echo "transport = tlcp" >>"$A/vsmd.conf"
timeout 60 "$VSMD" --dir "$A" >"$T/nofiles.out" 2>&1
rc=$?
check "transport = tlcp without its certificates: vsmd refuses to start" \
	ok '[ $rc -eq 1 ] && grep -q "tlcp" "$T/nofiles.out"'
cp "$T/vsm.sign.pem" "$A/tlcp-sign.pem" && cp "$T/vsm.sign.key" "$A/tlcp-sign.key" &&
	cp "$T/vsm.enc.pem" "$A/tlcp-enc.pem" && cp "$T/vsm.enc.key" "$A/tlcp-enc.key" && cp "$T/ca.pem" "$A/tlcp-ca.pem"
check "double certificates in place" [ $? -eq 0 ]
echo "tlcp_verify = optional" >>"$A/vsmd.conf"
timeout 60 "$VSMD" --dir "$A" >"$T/noca.out" 2>&1
rc=$?
check "tlcp_verify without tlcp_ca_file: vsmd refuses to start" \
	ok '[ $rc -eq 1 ] && grep -q "tlcp_ca_file" "$T/noca.out"'
echo "tlcp_ca_file = tlcp-ca.pem" >>"$A/vsmd.conf"
start_vsmd "$A" || finish

# ECC suites: a client without certificates offers only them.
client_conf ecc
suites "$T/ecc.conf" "ECC"
# ECDHE: the client's double certificates; the one suite offered is the one negotiated.
CLIENT_CERTS="tlcp_sign_cert = $T/client.sign.pem
tlcp_sign_key = $T/client.sign.key
tlcp_enc_cert = $T/client.enc.pem
tlcp_enc_key = $T/client.enc.key"
client_conf ecdhe "$CLIENT_CERTS" "tlcp_suites = ECDHE_SM4_GCM_SM3"
suites "$T/ecdhe.conf" "ECDHE_SM4_GCM_SM3"
for s in ECC_SM4_CBC_SM3 ECDHE_SM4_CBC_SM3; do
	client_conf cbc "$CLIENT_CERTS" "tlcp_suites = $s"
	CCSP_SDF_CONF=$T/cbc.conf "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1
	check "$s: GM/T 0018 example application" [ $? -eq 0 ]
done

# ---- refusals --------------------------------------------------------------------------------------
client_conf wrongca "ca_file = $T/other.pem"
refused "$T/wrongca.conf" "a libsdf trusting another CA cannot open the device"
client_conf stranger "tlcp_sign_cert = $T/stranger.sign.pem" "tlcp_sign_key = $T/stranger.sign.key" \
	"tlcp_enc_cert = $T/stranger.enc.pem" "tlcp_enc_key = $T/stranger.enc.key" "tlcp_suites = ECDHE_SM4_GCM_SM3"
refused "$T/stranger.conf" "a client certified by another CA is refused"
sed -e 's/^transport = tlcp/transport = tls/' -e "s|^ca_file = .*|ca_file = $A/tls-cert.pem|" "$T/ecc.conf" >"$T/tls.conf"
refused "$T/tls.conf" "libsdf over TLS 1.3 against the TLCP listener cannot open the device"
timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null >"$T/s_client.out" 2>&1
rc=$?
check "openssl s_client (TLS 1.3) is refused, not left hanging" ok '[ $rc -ne 0 ] && [ $rc -ne 124 ]'
client_conf bad "tlcp_suites = ECC_SM4_GCM_SM3,RC4"
refused "$T/bad.conf" "an unknown suite in tlcp_suites is refused"
check "vsmd still serves after the refusals" kill -0 "$VSMD_PID"
CCSP_SDF_CONF=$T/ecc.conf "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1
check "after the refusals: the example still works" [ $? -eq 0 ]
stop_vsmd

# Client certificates required: a client without them is refused, one with them served.
echo "tlcp_verify = required" >>"$A/vsmd.conf"
sed -i '/^tlcp_verify = optional/d' "$A/vsmd.conf"
start_vsmd "$A" || finish
client_conf nocert
refused "$T/nocert.conf" "tlcp_verify = required: a client without certificates is refused"
client_conf withcert "$CLIENT_CERTS" "tlcp_suites = ECC_SM4_GCM_SM3"
CCSP_SDF_CONF=$T/withcert.conf "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1
check "tlcp_verify = required: a client with certificates is served (ECC suite, client authentication)" [ $? -eq 0 ]
stop_vsmd

# The reverse: the same VSM back on TLS 1.3 (its default) turns a TLCP client away, and serves TLS clients.
sed -i '/^transport = tlcp/d' "$A/vsmd.conf"
start_vsmd "$A" || finish
client_conf tlcp2
refused "$T/tlcp2.conf" "libsdf over TLCP against a TLS 1.3 listener cannot open the device"
sed "s/^address = .*/address = 127.0.0.1:$PORT/" "$A/sdf.conf" >"$T/tls2.conf"
CCSP_SDF_CONF=$T/tls2.conf "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1
check "transport unset: TLS 1.3 as before" [ $? -eq 0 ]
stop_vsmd
finish
