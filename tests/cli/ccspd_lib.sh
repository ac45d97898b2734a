# SPDX-License-Identifier: Apache-2.0
# Helpers sourced by the ccspd shell tests after common.sh (POSIX sh): a platform VSM (vsmd) and ccspd started
# and stopped with bounded waits, HTTPS calls with curl, the operators' first login. Every wait is bounded.
BIN=$(dirname "$CCSP")
CCSPD=$BIN/ccspd
if [ ! -x "$CCSPD" ] || [ ! -x "$BIN/vsmd" ] || ! command -v curl >/dev/null; then
	echo "skip: ccspd, vsmd or curl not available"
	finish
fi
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

# wait_for FILE PATTERN: up to 30 s for PATTERN to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
# vsm_start DIR: a new VSM in DIR (a KEK at index 1) served by vsmd on a free port; $VPID.
vsm_start() {
	"$BIN/vsmd" --init "$1" --listen 127.0.0.1:0 >/dev/null
	"$CCSP" vsm keygen --dir "$1" --index 1 --kek >/dev/null
	"$BIN/vsmd" --dir "$1" >"$1.out" 2>&1 &
	VPID=$!
	PIDS="$PIDS $VPID"
	wait_for "$1.out" 'listening on port' || { fail "vsmd did not start"; finish; }
	sed -i "s/^address = .*/address = 127.0.0.1:$(sed -n 's/^vsmd: listening on port \([0-9]*\).*/\1/p' \
		"$1.out")/" "$1/sdf.conf"
}
# start: ccspd on $T/p (test clock allowed); $CPID, $U (its base URL).
start() {
	: >"$T/p.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	CCSPD_TEST_CLOCK=1 "$CCSPD" --dir "$T/p" >"$T/p.out" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for "$T/p.out" 'listening on port' || { fail "ccspd did not start: $(cat "$T/p.out")"; finish; }
	U=https://127.0.0.1:$(sed -n 's/^ccspd: listening on port \([0-9]*\).*/\1/p' "$T/p.out")
}
stop() {
	kill -TERM "$CPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$CPID"
}
# api TOKENFILE|- PATH BODY -> $T/r (answer), $T/code (HTTP status), $T/h (headers)
api() {
	if [ "$1" = - ]; then
		curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			--data-binary "$3" "$U/api/v1/$2" >"$T/code"
	else
		curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			-H "Authorization: Bearer $(cat "$1")" --data-binary "$3" "$U/api/v1/$2" >"$T/code"
	fi
}
# eventually CMD...: CMD succeeds within about 5 s (tried every 0.25 s): for what a background thread of ccspd
# does in its own time (the audit checkpointer ticks every second).
eventually() {
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -ge 20 ] && return 1
		sleep 0.25
	done
}
# db SQL: the SQLite store of $T/p, waiting up to 10 s for ccspd's write lock (sqlite3: scripts/deps.sh)
db() { sqlite3 -cmd '.timeout 10000' "$T/p/ccspd.db" "$1"; }
code() { cat "$T/code"; }
is_err() { [ "$(code)" = "$1" ] && grep -q "\"code\":\"$2\"" "$T/r"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }
pwfile() { printf '%s\n' "$2" >"$T/$1.pw"; chmod 600 "$T/$1.pw"; }
# member_login NAME TENANT PASSWORD -> $T/NAME.tok
member_login() {
	pwfile "$1" "$3"
	"$CCSP" admin login --url "$U" --insecure --login "$1" --tenant "$2" --password-file "$T/$1.pw" \
		--token-file "$T/$1.tok" >"$T/login.out" 2>&1
}
# first_login NAME TENANT OTP NEWPASSWORD: one-time password, then change it; $T/NAME.tok
first_login() {
	member_login "$1" "$2" "$3" && pwfile "$1.new" "$4" &&
		"$CCSP" admin password --url "$U" --insecure --token-file "$T/$1.tok" --old-file "$T/$1.pw" \
			--new-file "$T/$1.new.pw" >/dev/null 2>&1
}
# operator_first_login NAME ONE-TIME-PASSWORD NEW-PASSWORD: registers $T/NAME-key.pem (made here) as the second
# factor and changes the password; $T/NAME.tok is a session of the operator.
operator_first_login() {
	"$OPENSSL" genpkey -algorithm SM2 -out "$T/$1-key.pem" 2>/dev/null
	pwfile "$1" "$2"
	pwfile "$1.new" "$3"
	"$CCSP" admin login --url "$U" --insecure --login "$1" --password-file "$T/$1.pw" --key "$T/$1-key.pem" \
		--token-file "$T/$1.tok" >/dev/null 2>&1 &&
		"$CCSP" admin password --url "$U" --insecure --token-file "$T/$1.tok" --old-file "$T/$1.pw" \
			--new-file "$T/$1.new.pw" >/dev/null 2>&1
}
# sysadmin_first_login: the first system administrator (ccspd --init's one-time password) as operator_first_login
# leaves it, password 'Admin-Passw0rd-2026'; $T/admin.tok.
sysadmin_first_login() {
	operator_first_login admin "$(cat "$T/p/initial-admin-password")" 'Admin-Passw0rd-2026'
}
# operator_create ADMIN-TOKEN NAME ROLE NEW-PASSWORD: an operator, logged in as operator_first_login leaves it.
operator_create() {
	api "$1" admin/operator-create "{\"login\":\"$2\",\"role\":\"$3\"}" &&
		operator_first_login "$2" "$(field oneTimePassword)" "$4"
}
