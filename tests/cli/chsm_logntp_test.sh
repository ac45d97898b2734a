#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# chsmd's log upload (configSyslogAddr) and NTP client (configCHSMNtp) end to end, configured with 'ccsp chsm call'
# against a running chsmd: events arrive as RFC 5424 messages at a UDP and then a TCP syslog receiver and as JSON
# batches at an HTTP log server (cb_receiver), each switch without a restart; refused addresses; getCHSMInfo's
# "ntp" object against a fake NTP server with a known clock skew (ok, offset consistent with it), one that sends
# a kiss-o'-death (invalid reply), one that never answers and a closed port (unreachable); both settings applied
# again at the next start.
# Every wait is bounded; nothing is left running. No timing assertions.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
PEER=$BIN/logntp_peer
if [ ! -x "$CHSMD" ] || [ ! -x "$BIN/vsmd" ] || [ ! -x "$PEER" ] || [ ! -x "$BIN/cb_receiver" ]; then
	echo "skip: chsmd, vsmd, logntp_peer or cb_receiver not built"
	finish
fi
D=$T/chsm
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

# wait_for FILE PATTERN: up to 30 s for PATTERN (grep BRE) to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

# start_peer NAME PROGRAM ARGS...: a receiver in the background; its port in $PORT.
start_peer() {
	name=$1
	shift
	"$@" >"$T/$name.port" &
	PIDS="$PIDS $!"
	PORT=
	wait_for "$T/$name.port" '^[0-9]' && PORT=$(head -1 "$T/$name.port")
	[ -n "$PORT" ] || fail "$name did not start"
}

start_chsmd() {
	: >"$T/chsmd.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	"$CHSMD" --dir "$D" >"$T/chsmd.out" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for "$T/chsmd.out" 'listening on port'
	port=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/chsmd.out")
	[ -n "$port" ] || { fail "chsmd did not start: $(cat "$T/chsmd.out")"; finish; }
	K="--url https://127.0.0.1:$port --key $T/p.pem --cacert $D/tls-cert.pem"
}

stop_chsmd() {
	kill -TERM "$CPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$CPID"
}

call() { "$CCSP" chsm call $K "$@" >"$T/r" 2>"$T/r.err"; }
# info_until PATTERN: getCHSMInfo until its answer matches PATTERN (up to 30 s); the answer stays in $T/r.
info_until() {
	i=0
	while [ $i -lt 150 ]; do
		call chsm info && grep -q "$1" "$T/r" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# ntp_field NAME: a number of the "ntp" object in $T/r
ntp_field() { sed -n "s/.*\"ntp\":{[^}]*\"$1\":\\(-\\{0,1\\}[0-9]*\\).*/\\1/p" "$T/r"; }

check "chsmd --init" "$CHSMD" --init "$D" --listen 127.0.0.1:0 >/dev/null
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
start_chsmd
"$CCSP" chsm keygen --out "$T/p.pem"
"$CCSP" chsm keygen --out "$T/x.pem"
check "configure the platform key" "$CCSP" chsm configure $K >"$T/r"
check "info: neither configured yet" call chsm info
check "info: ntp and logUpload not configured" grep -q '"ntp":{"status":"not configured"}' "$T/r" &&
	grep -q '"logUpload":{"status":"not configured"}' "$T/r"
DEVID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$T/r")

# ---- syslog over UDP (no scheme: UDP) ----
start_peer udp "$PEER" syslog-udp "$T/udp.log" 100000 300
check "loguploader syslog udp: 200" call chsm loguploader --set logServerType=syslog --set "logServerAddress=127.0.0.1:$PORT"
call chsm status
check "udp: the configuration event arrives" wait_for "$T/udp.log" ' chsm\.logupload\.configured '
check "udp: RFC 5424, local0.info for http.request" wait_for "$T/udp.log" \
	'^<134>1 [0-9-]*T[0-9:.]*Z [^ ]* chsmd [0-9][0-9]* http\.request \[ccsp@32473 requestId="[^"]*".*\] {"ts":"'
"$CCSP" chsm call --url "https://127.0.0.1:$port" --key "$T/x.pem" --cacert "$D/tls-cert.pem" chsm info >"$T/r" 2>&1
check "udp: a refused signature goes out as authpriv.warning" wait_for "$T/udp.log" '^<84>1 .* chsmd [0-9]* chsm\.auth\.refused '

# ---- syslog over TCP, octet counting ----
start_peer tcp "$PEER" syslog-tcp "$T/tcp.log" 100000 300
check "loguploader syslog tcp: 200" call chsm loguploader --set logServerType=syslog --set "logServerAddress=tcp://127.0.0.1:$PORT"
call chsm status
check "tcp: the configuration event arrives" wait_for "$T/tcp.log" ' chsm\.logupload\.configured '
check "tcp: framed RFC 5424 messages" wait_for "$T/tcp.log" \
	'^<134>1 [0-9-]*T[0-9:.]*Z [^ ]* chsmd [0-9][0-9]* http\.request \[ccsp@32473 '

# ---- logserver: JSON batches over HTTP ----
start_peer http "$BIN/cb_receiver" "$T/http.log" 100000 300
check "loguploader logserver: 200" call chsm loguploader --set logServerType=logserver \
	--set "logServerAddress=http://127.0.0.1:$PORT/logs"
call chsm status
check "logserver: a batch with the http.request event" wait_for "$T/http.log" '"event":"http\.request"'
check "logserver: source chsmd and the device's fingerprint" \
	grep -qF "{\"source\":\"chsmd\",\"device\":\"$DEVID\",\"events\":[{\"ts\":" "$T/http.log"
check "info: log upload ok with events sent" \
	info_until '"logUpload":{"logServerType":"logserver","status":"ok","sent":[1-9]'
udp_lines=$(wc -l <"$T/udp.log")
call chsm status --set requestId=marker-1
check "logserver: the client's requestId" wait_for "$T/http.log" '"clientRequestId":"marker-1"'
check "the UDP receiver gets nothing more" [ "$(wc -l <"$T/udp.log")" -eq "$udp_lines" ] &&
	! grep -q marker-1 "$T/udp.log" "$T/tcp.log"

# ---- refusals: nothing changes ----
for bad in "logServerType=kafka logServerAddress=10.0.0.1:514" "logServerType=syslog logServerAddress=a-b:0" \
	"logServerType=syslog logServerAddress=ftp://h:1" "logServerType=logserver logServerAddress=ftp://h/x" \
	"logServerType=logserver logServerAddress=10.0.0.1:514"; do
	set -- $bad
	call chsm loguploader --set "$1" --set "$2"
	check "loguploader $1 $2: 400" grep -q '"status":400' "$T/r"
done
call chsm ntp --set "addr=bad host" --set syncPeriod=10
check "ntp with a bad addr: 400" grep -q '"status":400' "$T/r"
call chsm ntp --set addr=127.0.0.1 --set syncPeriod=0
check "ntp with syncPeriod 0: 400" grep -q '"status":400' "$T/r"
check "info: still the log server, NTP not configured" info_until '"ntp":{"status":"not configured"}' &&
	grep -q '"logServerType":"logserver"' "$T/r"

# ---- NTP: a server 1.5 s ahead ----
start_peer ntp "$PEER" ntp 1500 100000 300
NTP_OK=127.0.0.1:$PORT
check "ntp: 200" call chsm ntp --set "addr=$NTP_OK" --set syncPeriod=1
check "info: ntp ok" info_until '"ntp":{"status":"ok"'
check "info: ntp addr, period and lastSync" grep -q "\"ntp\":{\"status\":\"ok\",\"addr\":\"$NTP_OK\",\"syncPeriod\":1,\"lastSync\":\"[0-9-]*T[0-9:.]*+0000\"" "$T/r"
off=$(ntp_field offsetMillis)
delay=$(ntp_field delayMillis)
# RFC 4330: the offset is the skew give or take half the round trip (+1 ms for rounding to whole ms)
err=$((off - 1500))
[ "$err" -lt 0 ] && err=$((-err))
check "ntp: offset $off ms within delay/2 of the 1500 ms skew (delay $delay ms)" \
	[ -n "$off" ] && [ "$delay" -ge 0 ] && [ $((2 * err)) -le $((delay + 2)) ]
check "the NTP status event went to the log server" wait_for "$T/http.log" '"event":"chsm\.ntp\.status","addr":"127\.0\.0\.1:[0-9]*","status":"ok"'

start_peer kod "$PEER" ntp-kod RATE 100000 300
check "ntp kiss-o'-death server: 200" call chsm ntp --set "addr=127.0.0.1:$PORT" --set syncPeriod=1
check "info: invalid reply, kiss code said" info_until '"ntp":{"status":"invalid reply"' &&
	grep -q "\"error\":\"kiss-o'-death RATE\"" "$T/r"

start_peer silent "$PEER" syslog-udp "$T/silent.log" 100000 300 # takes the request, never answers
check "ntp silent server: 200" call chsm ntp --set "addr=127.0.0.1:$PORT" --set syncPeriod=1
check "info: unreachable after the query's timeout" info_until '"ntp":{"status":"unreachable"' &&
	grep -q '"error":"no answer within' "$T/r"
check "ntp closed port: 200" call chsm ntp --set addr=127.0.0.1:9 --set syncPeriod=1
check "info: pending, then unreachable" info_until '"ntp":{"status":"unreachable","addr":"127.0.0.1:9"'
check "chsmd still serves" call chsm status

# ---- the settings are applied again at start ----
call chsm ntp --set "addr=$NTP_OK" --set syncPeriod=60
stop_chsmd
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
start_chsmd
check "after a restart: ntp ok from settings.json" info_until '"ntp":{"status":"ok"'
call chsm status --set requestId=marker-2
check "after a restart: events go to the log server from settings.json" wait_for "$T/http.log" \
	'"clientRequestId":"marker-2"'

# ---- no secret in what was shipped ----
mk_hex=$(od -An -vtx1 "$D/master.key" | tr -d ' \n')
mk_b64=$(base64 -w0 "$D/master.key")
check "no key material in the shipped logs" sh -c "! cat '$T/udp.log' '$T/tcp.log' '$T/http.log' |
	grep -qiF -e '$mk_hex' -e '$mk_b64' -e 'PRIVATE KEY'"

stop_chsmd
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
finish
