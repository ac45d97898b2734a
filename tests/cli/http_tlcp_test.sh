#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd and chsmd serve their API over TLCP (GB/T 38636) on a port of their own beside TLS: --init makes the dev
# double certificates (a CA kept for clients, signing and encryption certificates); with tlcp_listen each daemon
# prints its TLCP port; real requests go through `ccsp tlcp client` (GET /healthz on ccspd, the guest GM/T 0088 call
# chsm/status on chsmd, an unauthenticated action refused the same way on both ports, pipelined keep-alive requests)
# while curl still works on the TLS port. Refusals: a TLS client on the TLCP port, a TLCP client on the TLS port, a
# client that does not trust the server's CA, a client that never starts its handshake (cut off after timeout_ms).
# Then SIGTERM drains. Ports are random (port 0, read from what the daemons print); every wait is bounded.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
if [ ! -x "$BIN/ccspd" ] || [ ! -x "$BIN/chsmd" ] || ! command -v curl >/dev/null; then
	echo "skip: ccspd, chsmd or curl not available"
	finish
fi
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
# start NAME DIR: the daemon NAME --dir DIR; sets DPID, TLS_PORT, TLCP_PORT
start() {
	"$BIN/$1" --dir "$2" >"$2.out" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_for "$2.out" 'TLCP (GB/T 38636) on port' || { fail "$1 did not start: $(cat "$2.out")"; finish; }
	TLS_PORT=$(sed -n "s/^$1: listening on port \\([0-9]*\\).*/\\1/p" "$2.out")
	TLCP_PORT=$(sed -n "s/^$1: TLCP (GB\\/T 38636) on port \\([0-9]*\\).*/\\1/p" "$2.out")
	[ -n "$TLS_PORT" ] && [ -n "$TLCP_PORT" ] && [ "$TLS_PORT" != "$TLCP_PORT" ]
	expect "$1: a TLS port and a distinct TLCP port printed"
}
stop() {
	kill -TERM "$DPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$DPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$DPID"
}
# tlcp PORT CA REQUEST-TEXT: the request (printf format) over TLCP -> $T/r (answer), $T/e (client's stderr), status.
# The answer carries "Connection: close": the server closes with close_notify and the client ends by itself.
tlcp() {
	printf "$3" | timeout 30 "$CCSP" tlcp client "127.0.0.1:$1" --ca "$2" --servername localhost --timeout 15 \
		>"$T/r" 2>"$T/e"
}
# dev_files DIR: the five files of --init's TLCP certificates, keys 0600.
dev_files() {
	for f in tlcp-ca.pem tlcp-sign.pem tlcp-enc.pem tlcp-sign.key tlcp-enc.key; do [ -s "$1/$f" ] || return 1; done
	[ "$(stat -c %a "$1/tlcp-sign.key")" = 600 ] && [ "$(stat -c %a "$1/tlcp-enc.key")" = 600 ] &&
		"$CCSP" cert verify -CAfile "$1/tlcp-ca.pem" "$1/tlcp-sign.pem" "$1/tlcp-enc.pem" >/dev/null
}

# ---- ccspd ----
P=$T/p
check "ccspd --init" "$BIN/ccspd" --init "$P" --listen 127.0.0.1:0 >/dev/null
check "ccspd --init: TLCP CA, signing and encryption certificates and keys" dev_files "$P"
printf 'tlcp_listen = 127.0.0.1:0\ntimeout_ms = 1500\n' >>"$P/ccspd.conf"
start ccspd "$P"

tlcp "$TLCP_PORT" "$P/tlcp-ca.pem" 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
check "TLCP GET /healthz: client exits 0" [ $? -eq 0 ]
{ head -1 "$T/r" | grep -q '^HTTP/1.1 200 ' && grep -q '"status":"ok"' "$T/r"; }; expect "TLCP GET /healthz: 200 ok"
grep -q '^suite: ECC_SM4_GCM_SM3$' "$T/e"; expect "TLCP: ECC_SM4_GCM_SM3 without client certificates"
grep -q 'subject: O=ccsp, CN=ccsp platform TLCP signing' "$T/e"; expect "TLCP: the --init signing certificate"

code=$(curl -sk -o "$T/c" -w '%{http_code}' "https://127.0.0.1:$TLS_PORT/healthz")
{ [ "$code" = 200 ] && grep -q '"status":"ok"' "$T/c"; }; expect "TLS (curl) GET /healthz still 200"

# the same refusal of the same gateway on both ports
body='{"requestId":"r1"}'
len=$(printf '%s' "$body" | wc -c)
tlcp "$TLCP_PORT" "$P/tlcp-ca.pem" "POST /api/v1/app/list HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\nContent-Length: $len\\r\\nConnection: close\\r\\n\\r\\n$body"
tlcp_status=$(head -1 "$T/r" | cut -d' ' -f2)
tlcp_body=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$T/r")
code=$(curl -sk -o "$T/c" -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" \
	"https://127.0.0.1:$TLS_PORT/api/v1/app/list")
{ [ -n "$tlcp_status" ] && [ "$tlcp_status" = "$code" ] && [ "$tlcp_status" -ge 400 ] &&
	[ "$tlcp_body" = "$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$T/c")" ]; }
expect "unauthenticated action: the same refusal over TLCP ($tlcp_status) and TLS ($code)"

# Keep-alive: stdin stays open (a client's close_notify and TCP half-close would end the connection, as over TLS),
# the third request asks to close, and the server's close_notify then ends the client.
mkfifo "$T/in"
timeout 30 "$CCSP" tlcp client "127.0.0.1:$TLCP_PORT" --ca "$P/tlcp-ca.pem" --timeout 15 <"$T/in" >"$T/r" 2>"$T/e" &
cpid=$!
exec 4>"$T/in"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&4
wait "$cpid"
status=$?
exec 4>&-
{ [ $status -eq 0 ] && [ "$(grep -o 'HTTP/1.1 [0-9][0-9]* ' "$T/r" | wc -l)" = 3 ]; }
expect "TLCP keep-alive: three pipelined answers on one connection, then close_notify"

# refusals
curl -sk -o /dev/null "https://127.0.0.1:$TLCP_PORT/healthz"
check "a TLS client on the TLCP port is refused" [ $? -ne 0 ]
timeout 30 "$CCSP" tlcp client "127.0.0.1:$TLS_PORT" --ca "$P/tlcp-ca.pem" --timeout 15 </dev/null >/dev/null 2>"$T/e"
check "a TLCP client on the TLS port is refused" [ $? -ne 0 ]
"$CCSP" sm2 keygen -out "$T/other.key" && "$CCSP" cert ca -key "$T/other.key" -subj "/CN=another CA" -days 30 \
	-out "$T/other.pem"
timeout 30 "$CCSP" tlcp client "127.0.0.1:$TLCP_PORT" --ca "$T/other.pem" --timeout 15 </dev/null >/dev/null 2>"$T/e"
{ [ $? -ne 0 ] && grep -q 'unknown_ca' "$T/e"; }; expect "a client that does not trust the server's CA: unknown_ca"
# a client that connects and never sends its ClientHello is cut off by the server after timeout_ms (1.5 s)
# (bash for /dev/tcp: a TCP connection that sends nothing; cat ends at the server's close)
timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat <&3' sh "$TLCP_PORT" >"$T/silent"
check "a silent TLCP client is closed by the server (handshake bounded)" [ $? -eq 0 ] && [ ! -s "$T/silent" ]
tlcp "$TLCP_PORT" "$P/tlcp-ca.pem" 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
{ [ $? -eq 0 ] && head -1 "$T/r" | grep -q '^HTTP/1.1 200 '; }; expect "TLCP still served after the refusals"
stop
check "ccspd: SIGTERM, exit 0" [ $? -eq 0 ]

# ---- chsmd ----
D=$T/chsm
check "chsmd --init" "$BIN/chsmd" --init "$D" --listen 127.0.0.1:0 >/dev/null
check "chsmd --init: TLCP CA, signing and encryption certificates and keys" dev_files "$D"
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
printf 'tlcp_listen = 127.0.0.1:0\n' >>"$D/chsmd.conf"
start chsmd "$D"
tlcp "$TLCP_PORT" "$D/tlcp-ca.pem" 'GET /api/1.0/chsm/status?requestId=t1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
check "chsmd: TLCP guest call chsm/status, client exits 0" [ $? -eq 0 ]
{ head -1 "$T/r" | grep -q '^HTTP/1.1 200 ' && grep -q '"status":200' "$T/r"; }
expect "chsmd: chsm/status over TLCP answers 200 in the GM/T 0088 envelope"
code=$(curl -sk -o "$T/c" -w '%{http_code}' "https://127.0.0.1:$TLS_PORT/api/1.0/chsm/status?requestId=t2")
{ [ "$code" = 200 ] && grep -q '"status":200' "$T/c"; }; expect "chsmd: chsm/status over TLS (curl) too"
stop
check "chsmd: SIGTERM, exit 0" [ $? -eq 0 ]

# a TLCP listener without its files does not start
rm "$D/tlcp-enc.key"
"$BIN/chsmd" --dir "$D" >"$T/bad.out" 2>&1 &
bad=$!
PIDS="$PIDS $bad"
i=0
while [ $i -lt 300 ] && kill -0 "$bad" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait "$bad"
{ [ $? -ne 0 ] && grep -q 'cannot listen on .*(TLCP)' "$T/bad.out"; }; expect "chsmd: a missing TLCP key file stops the start"
finish
