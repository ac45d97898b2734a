#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# m-of-n shares of the CHSM's keys (src/chsm/chsm_shamir.c, chsm_custody.c; ccsp chsm domain|unseal; chsmd's
# production mode):
#  - trust domain on dev-mode CHSMs: domain init on A prints N share lines and nothing else; join on B with M of
#    them gives A's domain id, with M-1, a corrupted, a duplicated, a mixed or a master-key share it fails with the
#    matching error and installs nothing; a CHSM of another domain refuses A's shares; join while chsmd runs;
#  - production mode: chsmd --init --production prints the master-key shares and stores no master key; chsmd starts
#    sealed with DIR/admin.sock (0600); wrong shares (another CHSM's, corrupted, a domain share) are refused and not
#    counted, a repeated one too; 2 custodians unseal it and the HTTPS API answers (ccsp chsm call chsm status);
#    domain init|show|join go through the admin socket; SIGTERM sealed and unsealed exits 0 and removes the socket.
# Loopback, random free ports, bounded waits; only the PIDs started here are killed.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ]; then
	echo "skip: chsmd not built"
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
# wait_exit PID: up to 30 s for it to end; its exit status.
wait_exit() {
	i=0
	while [ $i -lt 300 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$1"
}
# corrupt LINE POS: LINE with the character at POS (1-based) replaced by another hex digit.
corrupt() { printf '%s\n' "$1" | awk -v p="$2" '{ c = substr($0, p, 1); r = (c == "0") ? "1" : "0";
	print substr($0, 1, p - 1) r substr($0, p + 1) }'; }
# forge LINE: LINE with another share value and valid check digits (what a dishonest custodian could type).
forge() {
	body=$(corrupt "$1" 50)
	body=${body%-*}
	printf '%s-%s\n' "$body" "$(printf '%s' "$body" | "$OPENSSL" dgst -sm3 -r | cut -c1-8)"
}
# stderr_has PATTERN DESC: the last must_fail's stderr matches.
stderr_has() { if grep -q "$1" "$T/stderr"; then pass; else fail "$2: stderr lacks '$1': $(cat "$T/stderr")"; fi; }
SHARE_RE='^ccsp-share-v1-domain-[0-9a-f]\{8\}-2of3-[1-3]-[0-9a-f]\{32\}-[0-9a-f]\{8\}$'

for c in A B C D; do "$CHSMD" --init "$T/$c" --listen 127.0.0.1:0 >/dev/null || fail "chsmd --init $c"; done

# ---- trust domain, dev mode ----
check "show: none yet" [ "$("$CCSP" chsm domain show --dir "$T/A")" = none ]
"$CCSP" chsm domain init --dir "$T/A" --shares 3 --threshold 2 >"$T/a.shares" 2>"$T/a.err"
check "init: exit 0" [ $? -eq 0 ]
check "init: 3 lines on stdout" [ "$(wc -l <"$T/a.shares")" -eq 3 ]
check "init: each a 2-of-3 domain share" [ "$(grep -c "$SHARE_RE" "$T/a.shares")" -eq 3 ]
check "init: x = 1, 2, 3" [ "$(cut -d- -f7 "$T/a.shares" | tr '\n' ' ')" = "1 2 3 " ]
check "init: explanation on stderr" grep -q 'any 2 of which' "$T/a.err"
IDA=$("$CCSP" chsm domain show --dir "$T/A")
check "show: a 16-hex domain id" sh -c "printf '%s' '$IDA' | grep -q '^[0-9a-f]\{16\}$'"
check "init: the id on stderr is show's" grep -q "$IDA" "$T/a.err"
check "domain.key 0600" [ "$(stat -c %a "$T/A/domain.key")" = 600 ]
must_fail "init again on A: refused" "$CCSP" chsm domain init --dir "$T/A" --shares 3 --threshold 2
stderr_has "already" "init again"
check "init again: A keeps its domain" [ "$("$CCSP" chsm domain show --dir "$T/A")" = "$IDA" ]
S1=$(sed -n 1p "$T/a.shares")
S2=$(sed -n 2p "$T/a.shares")
S3=$(sed -n 3p "$T/a.shares")

printf '%s\n' "$S2" >"$T/in"
must_fail "join with M-1 shares" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in'"
stderr_has "CCSP_ERR_SHARE_TOO_FEW" "join with M-1 shares"
for pos in 25 40 60 75; do # set id, y, y, check
	printf '%s\n%s\n' "$S1" "$(corrupt "$S3" $pos)" >"$T/in"
	must_fail "join with a share corrupted at $pos" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in'"
	stderr_has "line 2: .*CCSP_ERR_SHARE_CHECKSUM" "corrupted share at $pos"
done
printf '%s\n' "$S1" | sed 's/-1-/-01-/' >"$T/in"
must_fail "join with a malformed share" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in'"
stderr_has "CCSP_ERR_DECODE" "malformed share"
printf '%s\n%s\n' "$S1" "$S1" >"$T/in"
must_fail "join with the same share twice" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in'"
stderr_has "CCSP_ERR_SHARE_DUPLICATE" "duplicate share"
"$CCSP" chsm domain init --dir "$T/C" --shares 2 --threshold 2 >"$T/c.shares" 2>/dev/null
IDC=$("$CCSP" chsm domain show --dir "$T/C")
printf '%s\n%s\n' "$S1" "$(sed -n 2p "$T/c.shares")" >"$T/in"
must_fail "join with shares of two domains" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in'"
stderr_has "CCSP_ERR_SHARE_MIXED" "mixed shares"
check "after every failed join B has no domain" [ "$("$CCSP" chsm domain show --dir "$T/B")" = none ]

printf '\n%s\n  \n%s\n%s\n' "$S3" "$S1" "not read: join stops at the threshold" >"$T/in"
must_fail "join expecting another domain id" sh -c "'$CCSP' chsm domain join --dir '$T/B' --id '$IDC' <'$T/in'"
stderr_has "not the expected $IDC: nothing installed" "join --id of another domain"
check "after it B has no domain" [ "$("$CCSP" chsm domain show --dir "$T/B")" = none ]
must_fail "join --id not hex" sh -c "'$CCSP' chsm domain join --dir '$T/B' --id xyz <'$T/in'"
must_fail "--id on init" "$CCSP" chsm domain init --dir "$T/B" --shares 2 --threshold 2 --id "$IDA"
"$CCSP" chsm domain join --dir "$T/B" --id "$IDA" <"$T/in" >"$T/out.id" 2>"$T/err"
check "join with M shares (blank lines skipped): exit 0" [ $? -eq 0 ]
check "join: prints A's domain id" [ "$(cat "$T/out.id")" = "$IDA" ]
check "show on B: A's domain id" [ "$("$CCSP" chsm domain show --dir "$T/B")" = "$IDA" ]
printf '%s\n%s\n%s\n' "$S2" "$S3" "$S1" | tr 'a-f' 'A-F' >"$T/in"
check "join again (all 3, upper case): fine" sh -c "'$CCSP' chsm domain join --dir '$T/B' <'$T/in' >/dev/null 2>&1"
printf '%s\n%s\n' "$S1" "$S2" >"$T/in"
must_fail "join on a CHSM of another domain: refused" sh -c "'$CCSP' chsm domain join --dir '$T/C' <'$T/in'"
stderr_has "refused" "another domain"
check "C keeps its own domain" [ "$("$CCSP" chsm domain show --dir "$T/C")" = "$IDC" ]

# dev mode with chsmd running on D: the CLI works on the files, chsmd is not disturbed
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$T/D/chsmd.conf"
"$CHSMD" --dir "$T/D" >"$T/d.out" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
check "chsmd on D started" wait_for "$T/d.out" 'listening on port'
printf '%s\n%s\n' "$S2" "$S3" >"$T/in"
check "join D while its chsmd runs" sh -c "'$CCSP' chsm domain join --dir '$T/D' <'$T/in' >/dev/null 2>&1"
check "show on D: A's domain" [ "$("$CCSP" chsm domain show --dir "$T/D")" = "$IDA" ]
kill -TERM $DPID
wait_exit $DPID
check "chsmd on D: exit 0 on SIGTERM" [ $? -eq 0 ]

# usage
must_fail "init without --dir" "$CCSP" chsm domain init --shares 3 --threshold 2
must_fail "threshold above shares" "$CCSP" chsm domain init --dir "$T/D" --shares 2 --threshold 3
must_fail "17 shares" "$CCSP" chsm domain init --dir "$T/D" --shares 17 --threshold 2
must_fail "threshold 1" "$CCSP" chsm domain init --dir "$T/D" --shares 3 --threshold 1
must_fail "--shares on show" "$CCSP" chsm domain show --dir "$T/D" --shares 3
must_fail "not a CHSM directory" "$CCSP" chsm domain show --dir "$T/out"
must_fail "unknown domain command" "$CCSP" chsm domain leave --dir "$T/D"
must_fail "unseal on a dev-mode CHSM" sh -c "printf '%s\n' '$S1' | '$CCSP' chsm unseal --dir '$T/A'"

# ---- production mode ----
P=$T/P
"$CHSMD" --init "$P" --production --shares 3 --threshold 2 --listen 127.0.0.1:0 >"$T/p.shares" 2>"$T/p.err"
check "production init: exit 0" [ $? -eq 0 ]
check "production init: 3 lines on stdout" [ "$(wc -l <"$T/p.shares")" -eq 3 ]
check "production init: each a 2-of-3 master-key share" \
	[ "$(grep -c '^ccsp-share-v1-master-[0-9a-f]\{8\}-2of3-[1-3]-[0-9a-f]\{32\}-[0-9a-f]\{8\}$' "$T/p.shares")" -eq 3 ]
check "production init: no master.key" [ ! -e "$P/master.key" ]
check "production init: production.conf names the split" grep -q "^master_set = $(cut -d- -f5 "$T/p.shares" | head -1)$" \
	"$P/production.conf"
check "production init: explanation on stderr" grep -q 'any 2 of which unseal it' "$T/p.err"
"$CHSMD" --init "$P" --production --shares 3 --threshold 2 >"$T/x" 2>"$T/x.err"
check "production init twice: refused" [ $? -eq 1 ]
check "production init twice: no share printed" [ ! -s "$T/x" ]
check "production init twice: says why" grep -q 'already' "$T/x.err"
check "production init: bad threshold is a usage error" sh -c \
	"'$CHSMD' --init '$T/Q' --production --shares 2 --threshold 3 >/dev/null 2>&1; [ \$? -eq 2 ]"
"$CHSMD" --init "$T/P2" --production --shares 3 --threshold 2 --listen 127.0.0.1:0 >"$T/p2.shares" 2>/dev/null
M1=$(sed -n 1p "$T/p.shares")
M2=$(sed -n 2p "$T/p.shares")
M3=$(sed -n 3p "$T/p.shares")

must_fail "production, no chsmd: domain show" "$CCSP" chsm domain show --dir "$P"
stderr_has "no.*answers" "no chsmd"
must_fail "production, no chsmd: unseal" sh -c "printf '%s\n' '$M1' | '$CCSP' chsm unseal --dir '$P'"

sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$P/chsmd.conf"
"$CHSMD" --dir "$P" >"$T/p.out" 2>&1 &
CP=$!
PIDS="$PIDS $CP"
check "chsmd starts sealed" wait_for "$T/p.out" 'sealed: waiting for 2 of the 3'
check "admin socket is a socket" [ -S "$P/admin.sock" ]
check "admin socket 0600" [ "$(stat -c %a "$P/admin.sock")" = 600 ]
check "sealed: no HTTPS yet" sh -c "! grep -q 'listening on port' '$T/p.out'"
check "status: sealed, 0 entered" sh -c "'$CCSP' chsm unseal --dir '$P' --status | grep -q '^sealed: 0 of the 2'"
must_fail "sealed: domain show refused" "$CCSP" chsm domain show --dir "$P"
stderr_has "sealed" "domain show while sealed"

must_fail "unseal: another CHSM's share" sh -c "sed -n 1p '$T/p2.shares' | '$CCSP' chsm unseal --dir '$P'"
stderr_has "another master key.*CCSP_ERR_SHARE_MIXED" "another CHSM's share"
must_fail "unseal: a corrupted share" sh -c "printf '%s\n' '$(corrupt "$M1" 50)' | '$CCSP' chsm unseal --dir '$P'"
stderr_has "CCSP_ERR_SHARE_CHECKSUM" "corrupted master share"
must_fail "unseal: a trust-domain share" sh -c "printf '%s\n' '$S1' | '$CCSP' chsm unseal --dir '$P'"
stderr_has "CCSP_ERR_SHARE_MIXED" "domain share"
must_fail "unseal: empty input" sh -c "'$CCSP' chsm unseal --dir '$P' </dev/null"
check "wrong shares were not counted" sh -c "'$CCSP' chsm unseal --dir '$P' --status | grep -q '^sealed: 0 of'"

printf '%s\n' "$M2" | "$CCSP" chsm unseal --dir "$P" >"$T/u1" 2>"$T/u1.err"
check "custodian 1: accepted" [ $? -eq 0 ]
check "custodian 1: 1 more needed" grep -q '^share accepted: 1 more share needed$' "$T/u1"
must_fail "the same share again" sh -c "printf '%s\n' '$M2' | '$CCSP' chsm unseal --dir '$P'"
stderr_has "CCSP_ERR_SHARE_DUPLICATE" "same share again"
printf '%s\n' "$M3" | "$CCSP" chsm unseal --dir "$P" >"$T/u2" 2>"$T/u2.err"
check "custodian 2: accepted" [ $? -eq 0 ]
check "custodian 2: unsealed" grep -q '^share accepted: the CHSM is unsealed$' "$T/u2"
check "chsmd goes on to listen" wait_for "$T/p.out" 'listening on port'
check "shares never logged" sh -c "! grep -q \"$(printf '%s' "$M2" | cut -d- -f8)\" '$T/p.out'"
port=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/p.out")
"$CCSP" chsm keygen --out "$T/plat.pem"
check "HTTPS API answers once unsealed" "$CCSP" chsm call --url "https://127.0.0.1:$port" --key "$T/plat.pem" \
	--cacert "$P/tls-cert.pem" chsm status >"$T/r"
check "HTTPS API: status ok" grep -q '"status":"ok"' "$T/r"
check "status: unsealed" [ "$("$CCSP" chsm unseal --dir "$P" --status)" = unsealed ]
must_fail "unseal when unsealed" sh -c "printf '%s\n' '$M1' | '$CCSP' chsm unseal --dir '$P'"

# the trust domain through the admin socket
check "production: show none" [ "$("$CCSP" chsm domain show --dir "$P")" = none ]
check "production: domain init" sh -c "'$CCSP' chsm domain init --dir '$P' --shares 3 --threshold 2 >'$T/pd.shares' 2>/dev/null"
check "production: domain init prints 3 lines" [ "$(wc -l <"$T/pd.shares")" -eq 3 ]
check "production: each a 2-of-3 domain share" [ "$(grep -c "$SHARE_RE" "$T/pd.shares")" -eq 3 ]
IDP=$("$CCSP" chsm domain show --dir "$P")
check "production: show the new id" sh -c "printf '%s' '$IDP' | grep -q '^[0-9a-f]\{16\}$'"
check "production: a domain of its own" [ "$IDP" != "$IDA" ]
sed -n 1,2p "$T/pd.shares" >"$T/in"
must_fail "production: join expecting another id" sh -c "'$CCSP' chsm domain join --dir '$P' --id '$IDA' <'$T/in'"
stderr_has "not the expected $IDA" "production join --id"
check "production: join again with its own shares" sh -c "'$CCSP' chsm domain join --dir '$P' --id '$IDP' <'$T/in' >'$T/x' 2>/dev/null"
check "production: join prints the id" [ "$(cat "$T/x")" = "$IDP" ]
"$CHSMD" --init "$T/E" --listen 127.0.0.1:0 >/dev/null
sed -n 2,3p "$T/pd.shares" >"$T/in"
check "a dev-mode CHSM joins the production CHSM's domain" sh -c "'$CCSP' chsm domain join --dir '$T/E' <'$T/in' >/dev/null 2>&1"
check "it has the production CHSM's domain id" [ "$("$CCSP" chsm domain show --dir "$T/E")" = "$IDP" ]
printf '%s\n%s\n' "$S1" "$S2" >"$T/in"
must_fail "production: join another domain refused" sh -c "'$CCSP' chsm domain join --dir '$P' <'$T/in'"
stderr_has "refused" "production join of another domain"
must_fail "production: init again refused" "$CCSP" chsm domain init --dir "$P" --shares 2 --threshold 2
check "domain events logged" grep -q '"event":"chsm.domain.created"' "$T/p.out"
check "domain shares not logged" sh -c "! grep -q '$(sed -n 1p "$T/pd.shares" | cut -d- -f8)' '$T/p.out'"

kill -TERM $CP
wait_exit $CP
check "unsealed chsmd: exit 0 on SIGTERM" [ $? -eq 0 ]
check "admin socket removed" [ ! -e "$P/admin.sock" ]

# sealed again at the next start; SIGTERM while sealed
"$CHSMD" --dir "$P" >"$T/p2.out" 2>&1 &
CP=$!
PIDS="$PIDS $CP"
check "restart: sealed again" wait_for "$T/p2.out" 'sealed: waiting'
printf '%s\n' "$M1" | "$CCSP" chsm unseal --dir "$P" >/dev/null 2>&1
check "reset forgets entered shares" sh -c "'$CCSP' chsm unseal --dir '$P' --reset >/dev/null &&
	'$CCSP' chsm unseal --dir '$P' --status | grep -q '^sealed: 0 of'"
# a forged share (valid line, wrong value) first: it passes the line checks, the pair fails device.key, and the
# next good share completes a good pair
check "forged share: taken (it looks right)" sh -c "printf '%s\n' '$(forge "$M1")' |
	'$CCSP' chsm unseal --dir '$P' | grep -q '1 more share needed'"
must_fail "forged + good share: do not open device.key" sh -c "printf '%s\n' '$M2' | '$CCSP' chsm unseal --dir '$P'"
stderr_has "forged or damaged.*CCSP_ERR_SHARE_WRONG" "forged share"
check "still sealed, both kept" sh -c "'$CCSP' chsm unseal --dir '$P' --status | grep -q '^sealed: 2 of'"
check "a third share unseals with the good one" sh -c "printf '%s\n' '$M3' | '$CCSP' chsm unseal --dir '$P' |
	grep -q 'unsealed'"
check "restart: listening after unseal" wait_for "$T/p2.out" 'listening on port'
kill -TERM $CP
wait_exit $CP
check "restart: exit 0 on SIGTERM" [ $? -eq 0 ]

"$CHSMD" --dir "$P" >"$T/p3.out" 2>&1 &
CP=$!
PIDS="$PIDS $CP"
check "third start: sealed" wait_for "$T/p3.out" 'sealed: waiting'
kill -TERM $CP
wait_exit $CP
check "sealed chsmd: exit 0 on SIGTERM" [ $? -eq 0 ]
check "sealed chsmd: stopped without listening" sh -c "! grep -q 'listening on port' '$T/p3.out'"
check "admin socket removed (sealed)" [ ! -e "$P/admin.sock" ]
check "no share in any output file" [ -z "$(ls -A "$OUT")" ]
finish
