#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd, the foundation's first slice, over HTTPS with curl: --init, the error body and codes of every refusal
# of the HTTP layer (docs/errors.md), /healthz, /readyz without and with the platform VSM (a real vsmd), /metrics
# in the Prometheus text format, protected actions refused while no authentication is configured (fail closed),
# SIGTERM. Every wait is bounded; nothing is left running.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CCSPD=$BIN/ccspd
if [ ! -x "$CCSPD" ] || [ ! -x "$BIN/vsmd" ] || ! command -v curl >/dev/null; then
	echo "skip: ccspd, vsmd or curl not available"
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
# start DIR: ccspd --dir DIR; sets CPID and U (the base URL)
start() {
	: >"$1.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	"$CCSPD" --dir "$1" >"$1.out" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for "$1.out" 'listening on port' || { fail "ccspd did not start: $(cat "$1.out")"; finish; }
	U=https://127.0.0.1:$(sed -n 's/^ccspd: listening on port \([0-9]*\).*/\1/p' "$1.out")
}
stop() {
	kill -TERM "$CPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$CPID"
}
# req METHOD PATH [BODY [CONTENT-TYPE]] -> $T/r, $T/code
req() {
	if [ $# -ge 3 ]; then
		curl -sk -o "$T/r" -w '%{http_code}' -X "$1" -H "Content-Type: ${4:-application/json}" --data-binary "$3" \
			"$U$2" >"$T/code"
	else
		curl -sk -o "$T/r" -w '%{http_code}' -X "$1" "$U$2" >"$T/code"
	fi
}
code() { cat "$T/code"; }
has_error() { grep -q "^{\"error\":{\"code\":\"$1\",\"message\":\"[^\"]*\"},\"requestId\":\"[0-9a-f-]*\"}$" "$T/r"; }

# ---- init ----
check "ccspd --init" "$CCSPD" --init "$T/p" --listen 127.0.0.1:0 >"$T/init.out"
{ [ "$(stat -c %a "$T/p/ccspd.conf")" = 600 ] && [ "$(stat -c %a "$T/p/tls-key.pem")" = 600 ]; }; expect "config and TLS key 0600"
otp=$(sed -n 's/.*first system administrator: admin, one-time password \([^ ]*\) .*/\1/p' "$T/init.out")
check "--init prints the first admin's one-time password" [ ${#otp} -eq 20 ]
{ [ "$(cat "$T/p/initial-admin-password")" = "$otp" ] &&
	[ "$(stat -c %a "$T/p/initial-admin-password")" = 600 ]; }; expect "... and writes it once to a 0600 file"
check "the store holds the admin, never the password" sh -c "! grep -q '$otp' '$T/p/ccspd.db'"
check "the store file is 0600" [ "$(stat -c %a "$T/p/ccspd.db")" = 600 ]
check "--init twice refused" sh -c "! '$CCSPD' --init '$T/p' 2>/dev/null"
check "--init with an unknown option refused" sh -c "! '$CCSPD' --init '$T/q' --bogus x 2>/dev/null"
check "--init with a bad listen refused" sh -c "! '$CCSPD' --init '$T/q' --listen nowhere 2>/dev/null"

# ---- without a platform VSM ----
start "$T/p"
req GET /healthz
{ [ "$(code)" = 200 ] && grep -q '"status":"ok"' "$T/r"; }; expect "healthz: 200"
req GET /readyz
{ [ "$(code)" = 503 ] && grep -q '"vsm":"unavailable"' "$T/r" &&
	grep -q '"store":"ok"' "$T/r"; }; expect "readyz without a VSM: 503, says why"
req POST /api/v1/crypto/hash '{"data":"YWJj"}'
{ [ "$(code)" = 401 ] && has_error CCSP-2000; }; expect "protected action, no credentials: 401 CCSP-2000"
req GET /api/v1/crypto/hash
{ [ "$(code)" = 405 ] && has_error CCSP-1003; }; expect "GET on an action: 405 CCSP-1003"
req POST /api/v1/no/such '{}'
{ [ "$(code)" = 404 ] && has_error CCSP-1002; }; expect "unknown action: 404 CCSP-1002"
req POST /api/v1/crypto/hash 'data=abc' text/plain
{ [ "$(code)" = 415 ] && has_error CCSP-1005; }; expect "not JSON: 415 CCSP-1005"
req POST /api/v1/crypto/hash '{"data":'
{ [ "$(code)" = 400 ] && has_error CCSP-1000; }; expect "malformed JSON: 400 CCSP-1000"
req POST /api/v1/crypto/hash '{"a":1,"a":2}'
{ [ "$(code)" = 400 ] && has_error CCSP-1000; }; expect "duplicate members: 400 CCSP-1000"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big"
# the server answers 413 and closes while the client may still be sending: a loaded machine can turn that into a
# reset before curl reads the answer, so up to three tries to see it
for try in 1 2 3; do
	curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$T/big" \
		"$U/api/v1/crypto/hash" >"$T/code"
	[ "$(code)" = 413 ] && break
done
check "body over 1 MiB: 413" [ "$(code)" = 413 ]
req GET /metrics
{ [ "$(code)" = 200 ] && grep -q '^# TYPE ccsp_http_requests_total counter$' "$T/r"; }; expect "metrics: Prometheus text"
check "metrics: requests by route and status" grep -q '^ccsp_http_requests_total{route="/api/v1/crypto/hash",status="401"} 1$' "$T/r"
check "metrics: an unknown path is route=other" grep -q '^ccsp_http_requests_total{route="other",status="404"} 1$' "$T/r"
check "metrics: latency histogram" grep -q '^ccsp_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 1$' "$T/r"
check "metrics: errors by code" grep -q '^ccsp_errors_total{code="CCSP-2000"} 1$' "$T/r"
check "log lines carry the requestId" grep -q '"event":"http.request","requestId":"[0-9a-f-]*"' "$T/p.out"
stop
check "SIGTERM: exit 0" [ $? -eq 0 ]

# ---- with the platform's VSM ----
"$BIN/vsmd" --init "$T/vsm" --listen 127.0.0.1:0 >/dev/null
"$BIN/vsmd" --dir "$T/vsm" >"$T/vsm.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/vsm.out" 'listening on port'
vport=$(sed -n 's/^vsmd: listening on port \([0-9]*\).*/\1/p' "$T/vsm.out")
sed -i "s/^address = .*/address = 127.0.0.1:$vport/" "$T/vsm/sdf.conf"
echo "vsm_conf = $T/vsm/sdf.conf" >>"$T/p/ccspd.conf"
start "$T/p"
check "started with its VSM" grep -q 'platform VSM ready' "$T/p.out"
req GET /readyz
{ [ "$(code)" = 200 ] && grep -q '"vsm":"ok"' "$T/r" && grep -q '"store":"ok"' "$T/r"; }; expect "readyz with the VSM: 200"
stop

# ---- the per-client rate limit: 1 request per second in bursts of 3, per client address ----
printf 'rate_per_client = 1\nrate_burst = 3\n' >>"$T/p/ccspd.conf"
start "$T/p"
urls=""
for i in $(seq 20); do urls="$urls -o /dev/null $U/healthz"; done
# shellcheck disable=SC2086 # one curl, one keep-alive connection, 20 requests within well under a second
curl -sk -D "$T/h429" -w '%{http_code}\n' $urls >"$T/codes"
served=$(grep -c '^200$' "$T/codes")
refused=$(grep -c '^429$' "$T/codes")
check "20 quick requests from one address: the burst of 3 served (and a refill), the rest 429" \
	ok '[ "$served" -ge 3 ] && [ "$served" -le 5 ] && [ $((served + refused)) -eq 20 ]'
check "... with Retry-After" grep -qi '^retry-after: 1' "$T/h429"
curl -sk -o "$T/r429" "$U/healthz"
check "... and the error body CCSP-5000" grep -q '"code":"CCSP-5000"' "$T/r429"
curl -sk --interface 127.0.0.2 -o "$T/r" -w '%{http_code}' "$U/healthz" >"$T/code" 2>/dev/null
check "another client address is served meanwhile" [ "$(code)" = 200 ]
stop
sed -i '/^rate_per_client/d; /^rate_burst/d' "$T/p/ccspd.conf"
echo "bogus_option = 1" >>"$T/p/ccspd.conf"
check "an unknown config option: refused at start" sh -c "! '$CCSPD' --dir '$T/p' >/dev/null 2>&1"
finish
