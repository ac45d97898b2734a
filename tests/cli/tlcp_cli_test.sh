#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp tlcp client / server on loopback: certificates from ccsp cert (a CA, double certificates for the server and
# the client), a line each way over each of the four suites with client authentication, a client without
# certificates when the server does not ask, then the refusals, each named by its alert on both sides: a client
# without certificates when they are required, an untrusted server CA, a wrong server name, a client from another CA.
# Every wait is bounded: the servers print their port first ("listening on 127.0.0.1:PORT", port 0 = any free one)
# and every process runs with --timeout.
# A peer's close_notify ends the relay at once (RFC 5246 7.2.1: what is not sent yet is dropped), so each side's stdin
# stays open until it has what the other side must send (a bounded wait on the output file): no race decides what
# arrives.
. "$(dirname "$0")/common.sh"

PIDS=
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done' EXIT
TO="--timeout 20"

# issue CA NAME USAGE [SAN]: key, request and certificate $T/NAME.{key,pem} issued by $T/CA.{pem,key}.
issue() {
	"$CCSP" sm2 keygen -out "$T/$2.key" && "$CCSP" cert req -key "$T/$2.key" -subj "/O=ccsp test/CN=$2" -out "$T/$2.csr" &&
		"$CCSP" cert issue -ca "$T/$1.pem" -cakey "$T/$1.key" -in "$T/$2.csr" -usage "$3" -days 30 ${4:+-san "$4"} \
			-out "$T/$2.pem"
}

# wait_line FILE LINE / wait_size FILE N: wait (at most 20 s) until FILE holds LINE / at least N bytes.
wait_line() {
	i=0
	while [ $i -lt 200 ] && ! grep -qxF "$2" "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}
wait_size() {
	i=0
	while [ $i -lt 200 ] && { [ ! -f "$1" ] || [ "$(wc -c <"$1")" -lt "$2" ]; }; do
		sleep 0.1
		i=$((i + 1))
	done
}

# start_server NAME FEEDER ARGS...: a server in the background, its stdin the output of the command FEEDER, stdout and
# stderr $T/NAME.srv.{out,err}; waits (at most 10 s) for its port in PORT.
start_server() {
	name=$1 feeder=$2
	shift 2
	$feeder | "$CCSP" tlcp server --listen 127.0.0.1:0 $TO "$@" >"$T/$name.srv.out" 2>"$T/$name.srv.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	i=0
	while [ $i -lt 100 ] && ! grep -q '^listening on ' "$T/$name.srv.err" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/$name.srv.err")
	[ -n "$PORT" ]
}

# wait_server: the server's exit status in SSTATUS (killed after 30 s: status 137).
wait_server() {
	i=0
	while [ $i -lt 300 ] && kill -0 "$SPID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$SPID" 2>/dev/null
	wait "$SPID"
	SSTATUS=$?
}

# ---- certificates ------------------------------------------------------------------------------
check "CA key" "$CCSP" sm2 keygen -out "$T/ca.key"
check "CA" "$CCSP" cert ca -key "$T/ca.key" -subj "/C=CN/O=ccsp test/CN=ccsp Root" -days 30 -out "$T/ca.pem"
check "other CA key" "$CCSP" sm2 keygen -out "$T/other.key"
check "other CA" "$CCSP" cert ca -key "$T/other.key" -subj "/CN=other Root" -days 30 -out "$T/other.pem"
check "server signing certificate" issue ca server.sign sign DNS:server.example,IP:127.0.0.1
check "server encryption certificate" issue ca server.enc enc
check "client signing certificate" issue ca client.sign sign
check "client encryption certificate" issue ca client.enc enc
check "stranger signing certificate" issue other stranger.sign sign
check "stranger encryption certificate" issue other stranger.enc enc

SRV="--sign-cert $T/server.sign.pem --sign-key $T/server.sign.key --enc-cert $T/server.enc.pem --enc-key $T/server.enc.key"
CLI="--sign-cert $T/client.sign.pem --sign-key $T/client.sign.key --enc-cert $T/client.enc.pem --enc-key $T/client.enc.key"
STRANGER="--sign-cert $T/stranger.sign.pem --sign-key $T/stranger.sign.key --enc-cert $T/stranger.enc.pem"
STRANGER="$STRANGER --enc-key $T/stranger.enc.key"

# ---- a line each way over every suite, client authentication required ------------------------------
# The server answers the client's line with its own; the client's stdin ends when the answer is there.
server_lines() {
	wait_line "$T/$s.srv.out" "from the client over $s"
	printf 'from the server over %s\n' $s
}
client_lines() {
	printf 'from the client over %s\n' $s
	wait_line "$T/$s.cli.out" "from the server over $s"
}
for s in ECC_SM4_CBC_SM3 ECC_SM4_GCM_SM3 ECDHE_SM4_CBC_SM3 ECDHE_SM4_GCM_SM3; do
	check "$s: server listens" start_server $s server_lines $SRV --ca "$T/ca.pem" --verify required --suites $s
	client_lines | "$CCSP" tlcp client 127.0.0.1:"$PORT" $TO $CLI --ca "$T/ca.pem" --servername server.example --suites $s \
			>"$T/$s.cli.out" 2>"$T/$s.cli.err"
	expect "$s: client exits 0"
	wait_server
	check "$s: server exits 0" [ "$SSTATUS" -eq 0 ]
	check "$s: the server's line arrives" grep -qx "from the server over $s" "$T/$s.cli.out"
	check "$s: the client's line arrives" grep -qx "from the client over $s" "$T/$s.srv.out"
	check "$s: client prints the suite" grep -qx "suite: $s" "$T/$s.cli.err"
	check "$s: server prints the suite" grep -qx "suite: $s" "$T/$s.srv.err"
	check "$s: not resumed" grep -qx "resumed: no" "$T/$s.cli.err"
	check "$s: client prints the server's certificates" ok 'grep -qx "peer certificate 1 (signing):" "$T/$s.cli.err" &&
		grep -qx "    subject: O=ccsp test, CN=server.sign" "$T/$s.cli.err" &&
		grep -qx "    subject: O=ccsp test, CN=server.enc" "$T/$s.cli.err" &&
		[ "$(grep -cx "    issuer: C=CN, O=ccsp test, CN=ccsp Root" "$T/$s.cli.err")" -eq 2 ]'
	check "$s: server prints the client's certificates" ok 'grep -qx "peer certificate 2 (encryption):" "$T/$s.srv.err" &&
		grep -qx "    subject: O=ccsp test, CN=client.sign" "$T/$s.srv.err" &&
		grep -qx "    subject: O=ccsp test, CN=client.enc" "$T/$s.srv.err"'
done

# ---- no client authentication: a client without certificates; two connections (--count 2) -----------
# The server's stdin goes to the first connection; at the second it is at EOF: close_notify right after the handshake.
noauth_server() {
	wait_line "$T/noauth.srv.out" "client 1"
	echo hello
}
noauth_client() {
	echo "client 1"
	wait_line "$T/noauth1.out" hello
}
check "noauth: server listens" start_server noauth noauth_server $SRV --suites ECC_SM4_GCM_SM3 --count 2
noauth_client | "$CCSP" tlcp client 127.0.0.1:"$PORT" $TO --ca "$T/ca.pem" >"$T/noauth1.out" 2>"$T/noauth1.err"
expect "noauth: client 1 exits 0"
"$CCSP" tlcp client 127.0.0.1:"$PORT" $TO --ca "$T/ca.pem" </dev/null >"$T/noauth2.out" 2>"$T/noauth2.err"
expect "noauth: client 2 exits 0"
wait_server
check "noauth: server exits 0 after two connections" [ "$SSTATUS" -eq 0 ]
check "noauth: the first client gets the server's stdin" grep -qx hello "$T/noauth1.out"
check "noauth: the second gets nothing (stdin at EOF)" [ ! -s "$T/noauth2.out" ]
check "noauth: the first client's line arrives" ok '[ "$(cat "$T/noauth.srv.out")" = "client 1" ]'
check "noauth: client 2 saw the server's certificates too" grep -qx "    subject: O=ccsp test, CN=server.sign" "$T/noauth2.err"
check "noauth: server has no peer certificate" grep -qx "peer certificates: none" "$T/noauth.srv.err"

# ---- resumption: --reconnect 2 offers each connection's session to the next (the server's session cache) --------
# The server's stdin stays open until the client's line has arrived (at EOF the server would close each
# connection right after its handshake, before the line).
resume_server() { wait_line "$T/resume.srv.out" "over the resumed session"; }
check "resume: server listens" start_server resume resume_server $SRV --suites ECC_SM4_GCM_SM3 --count 3
echo "over the resumed session" | "$CCSP" tlcp client 127.0.0.1:"$PORT" $TO --ca "$T/ca.pem" --reconnect 2 \
	>"$T/resume.out" 2>"$T/resume.err"
expect "resume: client exits 0"
wait_server
check "resume: server exits 0 after three connections" [ "$SSTATUS" -eq 0 ]
check "resume: a full handshake, then two resumed" ok '[ "$(grep -cx "resumed: no" "$T/resume.err")" = 1 ] &&
	[ "$(grep -cx "resumed: yes" "$T/resume.err")" = 2 ] && [ "$(grep -cx "resumed: yes" "$T/resume.srv.err")" = 2 ]'
check "resume: stdin went over the last connection" grep -qx "over the resumed session" "$T/resume.srv.out"
"$CCSP" tlcp server --listen 127.0.0.1:0 --reconnect 1 $SRV </dev/null >/dev/null 2>"$T/resume.bad"
check "resume: --reconnect is the client's: the server refuses it (exit 2)" [ $? -eq 2 ]
"$CCSP" tlcp client 127.0.0.1:1 --ca "$T/ca.pem" --reconnect 0 </dev/null >/dev/null 2>>"$T/resume.bad"
check "resume: --reconnect 0 is refused (exit 2)" [ $? -eq 2 ]

# ---- bulk: 250 KB of binary data from the client, then 300 KB back (many records, partial feeds) ----------
randfile "$T/bulk.srv.in" 300000
randfile "$T/bulk.cli.in" 250000
bulk_server() {
	wait_size "$T/bulk.srv.out" 250000
	cat "$T/bulk.srv.in"
}
bulk_client() {
	cat "$T/bulk.cli.in"
	wait_size "$T/bulk.cli.out" 300000
}
check "bulk: server listens" start_server bulk bulk_server $SRV --ca "$T/ca.pem" --verify required --suites ECDHE_SM4_CBC_SM3
bulk_client | "$CCSP" tlcp client 127.0.0.1:"$PORT" $TO $CLI --ca "$T/ca.pem" >"$T/bulk.cli.out" 2>"$T/bulk.cli.err"
expect "bulk: client exits 0"
wait_server
check "bulk: server exits 0" [ "$SSTATUS" -eq 0 ]
same "$T/bulk.srv.in" "$T/bulk.cli.out" "bulk: the server's bytes arrive intact"
same "$T/bulk.cli.in" "$T/bulk.srv.out" "bulk: the client's bytes arrive intact"

# ---- refusals: the alert named on both sides, exit 1 ---------------------------------------------
# refused NAME SERVER-ARGS -- CLIENT-ARGS: the client must fail with $T/NAME.want on stderr; the server exits 1.
refused() {
	name=$1
	shift
	sargs=
	while [ "$1" != -- ]; do
		sargs="$sargs $1"
		shift
	done
	shift
	check "$name: server listens" start_server $name true $sargs
	must_fail_with "$name: client refused" 1 "$(cat "$T/$name.want")" "$CCSP" tlcp client 127.0.0.1:"$PORT" $TO "$@" </dev/null
	wait_server
	check "$name: server exits 1" [ "$SSTATUS" -eq 1 ]
	check "$name: server names the alert" grep -qF "$(cat "$T/$name.srvwant")" "$T/$name.srv.err"
}

printf 'received alert handshake_failure (40)' >"$T/nocert.want"
printf 'sent alert handshake_failure (40)' >"$T/nocert.srvwant"
refused nocert $SRV --ca "$T/ca.pem" --verify required --suites ECC_SM4_CBC_SM3 -- --ca "$T/ca.pem"

printf 'sent alert unknown_ca (48)' >"$T/untrusted.want"
printf 'received alert unknown_ca (48)' >"$T/untrusted.srvwant"
refused untrusted $SRV -- --ca "$T/other.pem"

printf 'sent alert bad_certificate (42)' >"$T/name.want"
printf 'received alert bad_certificate (42)' >"$T/name.srvwant"
refused name $SRV -- --ca "$T/ca.pem" --servername wrong.example

printf 'received alert unknown_ca (48)' >"$T/stranger.want"
printf 'sent alert unknown_ca (48)' >"$T/stranger.srvwant"
refused stranger $SRV --ca "$T/ca.pem" --verify required -- --ca "$T/ca.pem" $STRANGER

# ---- command-line errors -------------------------------------------------------------------------
must_fail_with "server without an encryption pair" 2 "are required" "$CCSP" tlcp server --listen 127.0.0.1:0 \
	--sign-cert "$T/server.sign.pem" --sign-key "$T/server.sign.key"
must_fail_with "unknown suite" 2 "unknown suite 'ECC_AES'" "$CCSP" tlcp client 127.0.0.1:1 --ca "$T/ca.pem" \
	--suites ECC_SM4_CBC_SM3,ECC_AES
must_fail_with "client without --ca" 2 "--ca is required" "$CCSP" tlcp client 127.0.0.1:1
must_fail_with "a certificate without its key" 2 "go together" "$CCSP" tlcp client 127.0.0.1:1 --ca "$T/ca.pem" \
	--sign-cert "$T/client.sign.pem"
must_fail_with "server option given to the client" 2 "--verify is an option of the server" "$CCSP" tlcp client \
	127.0.0.1:1 --ca "$T/ca.pem" --verify required
must_fail_with "a key that is not the certificate's" 1 "not a usable certificate" "$CCSP" tlcp client 127.0.0.1:1 \
	--ca "$T/ca.pem" --sign-cert "$T/client.sign.pem" --sign-key "$T/client.enc.key"

finish
