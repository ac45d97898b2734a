#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's resource pool with real VSMs (docs/api-ccspd.md "pool"): devices registered by their libsdf config
# (availability check, vendor/model/serial recorded; refusals), tenant A's exclusive group of two VSMs holding one
# KEK (the second a copy of the first, as a VSM image would make it), a VSM with another KEK refused by the key
# check, a clone of the platform VSM joining the default group. A's keys are made and run only in A's group and B's
# only in the default group (the members' operation counts show it); with both of A's VSMs stopped A's keys stop
# and B's go on; a VSM killed under a stream of signatures costs no request (retried on the other member) and is
# taken out of rotation, then put back when it answers again; signatures made on either member verify with the
# key's public key (openssl); membership refusals (last member of a group with keys, a device in a group,
# deleting a group with keys); a device dedicated to one application runs its operations and no one else's
# (POOL-3; refusals: another tenant's group, a group's last shared device); scheduler versions released to the
# applications, rolled back and promoted (the policies' operation counts show who ran where); only the system
# administrator manages the pool; /metrics per member; all audited.
# Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" "${3%%/*}" "${3#*/}" >"$T/sig.h" \
		2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
a() { sapp "$akA" "$T/a.secret" "$@"; }
b() { sapp "$akB" "$T/b.secret" "$@"; }
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
adm() { api "$T/admin.tok" "$@"; }

# vsm_run DIR: start vsmd on an existing VSM directory (a free port, written into its sdf.conf); sets VPID
vsm_run() {
	# truncated first: the background job's own redirection truncates it late, and the wait below would see the
	# ready line of the last vsmd on this directory (that, not a slow start, made this test fail under ASan)
	: >"$1.out"
	"$BIN/vsmd" --dir "$1" >"$1.out" 2>&1 &
	VPID=$!
	PIDS="$PIDS $VPID"
	# up to 120 s: its self-tests under ASan, on two cores busy with ccspd's health rounds
	i=0
	while [ $i -lt 1200 ] && ! grep -q 'listening on port' "$1.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q 'listening on port' "$1.out" || { fail "vsmd $1 did not start: $(cat "$1.out")"; finish; }
	sed -i "s/^address = .*/address = 127.0.0.1:$(sed -n 's/^vsmd: listening on port \([0-9]*\).*/\1/p' \
		"$1.out")/" "$1/sdf.conf"
}
# clone SRC DST: a copy of a VSM (same storage key, keys and token) served by its own vsmd; sets VPID
clone() {
	cp -a "$1" "$2"
	rm -f "$2/admin.sock"
	vsm_run "$2"
}
# devices listed -> the "operations" of device $1 in the last device-list answer
ops_of() { grep -o "\"deviceId\":\"$1\"[^]]*" "$T/r" | grep -o '"operations":[0-9]*' | head -1 | cut -d: -f2; }
state_of() { grep -o "\"deviceId\":\"$1\"[^]]*" "$T/r" | grep -o '"state":"[a-z]*"' | head -1 | cut -d'"' -f4; }
dev_state_is() { adm pool/device-list '{}' && [ "$(state_of "$1")" = "$2" ]; }

# ---- a platform with its VSM; tenants A and B with administrators and apps ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "pool_health_interval_s = 1" >>"$T/p/ccspd.conf"
echo "pool_sessions = 2" >>"$T/p/ccspd.conf"
start
check "sysadmin: first login" sysadmin_first_login
for t in A B; do
	adm admin/tenant-create "{\"name\":\"$t\"}"
	eval "$t=\$(field id)"
done
adm admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'
adm admin/member-create "{\"tenant\":\"$B\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
check "B's administrator bob" first_login bob "$B" "$(field oneTimePassword)" 'Bob-Passw0rd-2026'
api "$T/alice.tok" app/create '{"name":"svc"}'
APP_A=$(field id)
akA=$(field accessKey)
field secret >"$T/a.secret"
api "$T/bob.tok" app/create '{"name":"svc"}'
APP_B=$(field id)
akB=$(field accessKey)
field secret >"$T/b.secret"

# ---- the pool at the start: the platform VSM alone, in the default group ----
adm pool/device-list '{}'
check "device-list: the platform VSM, in rotation, in the default group" ok '[ "$(code)" = 200 ] &&
	[ "$(state_of platform)" = up ] && grep -q "\"groupId\":\"default\"" "$T/r"'
adm pool/group-list '{}'
check "group-list: the default group" ok '[ "$(code)" = 200 ] && grep -q "\"groupId\":\"default\"" "$T/r"'
api "$T/alice.tok" pool/device-list '{}'
check "a tenant administrator may not see the pool: CCSP-3000" is_err 403 CCSP-3000
a pool/group-list '{}'
check "nor may an app" ok '[ "$(code)" = 403 ] || [ "$(code)" = 401 ]'

# ---- devices: A's two VSMs with one KEK, one VSM with another KEK, a clone of the platform VSM ----
vsm_start "$T/xa1"
XA1_PID=$VPID
clone "$T/xa1" "$T/xa2"
XA2_PID=$VPID
vsm_start "$T/other"
clone "$T/vsm" "$T/vsm2"
for d in xa1 xa2 other vsm2; do
	adm pool/device-register "{\"name\":\"$d\",\"sdfConf\":\"$T/$d/sdf.conf\"}"
	check "register $d: vendor, model and serial recorded" ok '[ "$(code)" = 200 ] && [ -n "$(field vendor)" ] &&
		[ -n "$(field serial)" ] && grep -q "\"groupId\":null" "$T/r"'
	eval "D_$d=\$(field deviceId)"
done
adm pool/device-register "{\"name\":\"again\",\"sdfConf\":\"$T/xa1/sdf.conf\"}"
check "the same sdfConf twice: CCSP-4000" is_err 409 CCSP-4000
adm pool/device-register "{\"name\":\"xa1\",\"sdfConf\":\"$T/vsm/sdf.conf\"}"
check "a name taken: CCSP-4000" is_err 409 CCSP-4000
adm pool/device-register '{"name":"rel","sdfConf":"xa1/sdf.conf"}'
check "a relative sdfConf: CCSP-1001" is_err 400 CCSP-1001
adm pool/device-register "{\"name\":\"gone\",\"sdfConf\":\"$T/nowhere/sdf.conf\"}"
check "a device that does not answer (availability check): CCSP-9002" is_err 503 CCSP-9002
adm pool/device-list '{}'
check "device-list: five devices (the platform VSM and four)" ok '[ "$(grep -o "\"deviceId\"" "$T/r" | wc -l)" = 5 ]'

# ---- groups ----
adm pool/group-create "{\"name\":\"tenant-a\",\"tenantId\":\"$A\",\"kekIndex\":1}"
check "group-create: A's exclusive group" ok '[ "$(code)" = 200 ] && [ "$(field tenantId)" = "$A" ]'
G=$(field groupId)
adm pool/group-create "{\"name\":\"tenant-a-2\",\"tenantId\":\"$A\"}"
check "a second exclusive group for A: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-create '{"name":"tenant-a"}'
check "a group name taken: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-create '{"name":"x","tenantId":"0123456789abcdef0123456789abcdef"}'
check "a group for no tenant: CCSP-1002" is_err 404 CCSP-1002
adm pool/group-create '{"name":"x","kekIndex":0}'
check "kekIndex 0: CCSP-1001" is_err 400 CCSP-1001
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa1\"}"
check "xa1 joins A's group (the first member sets the key check)" ok '[ "$(code)" = 200 ] && [ "$(field groupId)" = "$G" ]'
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa2\"}"
check "xa2 (a copy of xa1) joins: same KEK" ok '[ "$(code)" = 200 ]'
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_other\"}"
check "a VSM with another KEK is refused by the key check: CCSP-4000" ok 'is_err 409 CCSP-4000 && grep -q "KEK" "$T/r"'
adm pool/group-add-member "{\"groupId\":\"default\",\"deviceId\":\"$D_other\"}"
check "... and from the default group too" is_err 409 CCSP-4000
adm pool/group-add-member "{\"groupId\":\"default\",\"deviceId\":\"$D_vsm2\"}"
check "a clone of the platform VSM joins the default group" ok '[ "$(code)" = 200 ]'
adm pool/group-add-member "{\"groupId\":\"default\",\"deviceId\":\"$D_xa1\"}"
check "a device in another group: CCSP-4000" is_err 409 CCSP-4000
check "the new members are in rotation" eventually dev_state_is "$D_xa2" up
check "... all of them" ok 'dev_state_is "$D_xa1" up && dev_state_is "$D_vsm2" up'
adm pool/group-list '{}'
check "group-list: A's group has two members and a key check" ok \
	'grep -o "\"groupId\":\"$G\"[^}]*" "$T/r" | grep -q "\"keyCheck\":true.*\"members\":2"'

# ---- keys run in their tenant's group only ----
api "$T/alice.tok" kms/key-create '{"spec":"SM2_SIGN"}'
KA=$(field keyId)
api "$T/bob.tok" kms/key-create '{"spec":"SM2_SIGN"}'
KB=$(field keyId)
check "A's key is in A's group, B's in the default group" ok \
	'[ "$(db "SELECT group_id FROM kms_keys WHERE id = '\''$KA'\''")" = "$G" ] &&
	 [ "$(db "SELECT group_id FROM kms_keys WHERE id = '\''$KB'\''")" = default ]'
a crypto/get-public-key "{\"keyId\":\"$KA\"}"
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/ka.pem"
printf 'pay 100 yuan' >"$T/msg"
M=$(base64 -w0 "$T/msg")
adm pool/device-list '{}'
xa_before=$(( $(ops_of "$D_xa1") + $(ops_of "$D_xa2") ))
fails=0
i=0
while [ $i -lt 20 ]; do
	b crypto/sign "{\"keyId\":\"$KB\",\"message\":\"$M\"}"
	[ "$(code)" = 200 ] || fails=$((fails + 1))
	i=$((i + 1))
done
check "B signs 20 times" [ $fails = 0 ]
adm pool/device-list '{}'
check "... and none of it ran on A's VSMs" [ $(( $(ops_of "$D_xa1") + $(ops_of "$D_xa2") )) = $xa_before ]
check "... it ran on the default group's members" ok '[ $(( $(ops_of platform) + $(ops_of "$D_vsm2") )) -ge 20 ]'
i=0
fails=0
while [ $i -lt 10 ]; do
	a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
	[ "$(code)" = 200 ] || fails=$((fails + 1))
	i=$((i + 1))
done
adm pool/device-list '{}'
check "A signs 10 times, spread over both of A's VSMs" ok '[ $fails = 0 ] && [ "$(ops_of "$D_xa1")" -ge 1 ] &&
	[ "$(ops_of "$D_xa2")" -ge 1 ]'

# ---- a device dedicated to one application (POOL-3) ----
dedicate() { adm pool/device-dedicate "$1"; }
dedicate "{\"deviceId\":\"$D_vsm2\",\"tenantId\":\"$B\",\"appId\":\"$APP_B\"}"
check "vsm2 (default group) dedicated to B's app" ok '[ "$(code)" = 200 ] && [ "$(field dedicatedApp)" = "$APP_B" ]'
api "$T/alice.tok" pool/device-dedicate "{\"deviceId\":\"$D_vsm2\"}"
check "a tenant administrator may not dedicate: CCSP-3000" is_err 403 CCSP-3000
dedicate "{\"deviceId\":\"$D_xa1\",\"tenantId\":\"$B\",\"appId\":\"$APP_B\"}"
check "a device of A's exclusive group for B's app: CCSP-4000" is_err 409 CCSP-4000
dedicate "{\"deviceId\":\"$D_xa1\",\"tenantId\":\"$A\",\"appId\":\"$APP_B\"}"
check "an app of another tenant: CCSP-1002" is_err 404 CCSP-1002
dedicate "{\"deviceId\":\"$D_xa1\",\"appId\":\"$APP_A\"}"
check "appId without tenantId: CCSP-1001" is_err 400 CCSP-1001
dedicate "{\"deviceId\":\"$D_xa1\",\"tenantId\":\"$A\",\"appId\":\"$APP_A\"}"
check "xa1 dedicated to A's app" ok '[ "$(code)" = 200 ] && [ "$(field dedicatedApp)" = "$APP_A" ]'
dedicate "{\"deviceId\":\"$D_xa2\",\"tenantId\":\"$A\",\"appId\":\"$APP_A\"}"
check "... but not xa2 too, A's group's last shared device: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-remove-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa2\"}"
check "... nor may xa2 leave the group: CCSP-4000" is_err 409 CCSP-4000
adm pool/device-list '{}'
plat_before=$(ops_of platform) vsm2_before=$(ops_of "$D_vsm2") xa1_before=$(ops_of "$D_xa1") xa2_before=$(ops_of "$D_xa2")
i=0
fails=0
while [ $i -lt 10 ]; do
	b crypto/sign "{\"keyId\":\"$KB\",\"message\":\"$M\"}"
	[ "$(code)" = 200 ] || fails=$((fails + 1))
	a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
	[ "$(code)" = 200 ] || fails=$((fails + 1))
	i=$((i + 1))
done
adm pool/device-list '{}'
check "B's app signs 10 times, all on its vsm2, none on the platform VSM" ok '[ $fails = 0 ] &&
	[ "$(ops_of "$D_vsm2")" = $((vsm2_before + 10)) ] && [ "$(ops_of platform)" = "$plat_before" ]'
check "A's app signs 10 times, all on its xa1" ok \
	'[ "$(ops_of "$D_xa1")" = $((xa1_before + 10)) ] && [ "$(ops_of "$D_xa2")" = "$xa2_before" ]'
api "$T/bob.tok" kms/key-create '{"spec":"SM4"}'
check "B's administrator (no app) makes a key on the shared platform VSM, not on vsm2" ok '[ "$(code)" = 200 ] &&
	adm pool/device-list "{}" && [ "$(ops_of "$D_vsm2")" = $((vsm2_before + 10)) ]'
for d in "$D_vsm2" "$D_xa1"; do
	dedicate "{\"deviceId\":\"$d\"}"
	check "shared again" ok '[ "$(code)" = 200 ] && grep -q "\"dedicatedApp\":null" "$T/r"'
done

# ---- the scheduler's versions, released to a share of the applications (POOL-3) ----
pol_ops() { curl -sk "$U/metrics" | sed -n "s/^ccsp_pool_policy_operations_total{policy=\"$1\"} //p"; }
app_signs() { # 3 signatures by each app: 0 when all answered 200
	n=0
	while [ $n -lt 3 ]; do
		a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}" && [ "$(code)" = 200 ] || return 1
		b crypto/sign "{\"keyId\":\"$KB\",\"message\":\"$M\"}" && [ "$(code)" = 200 ] || return 1
		n=$((n + 1))
	done
}
adm pool/scheduler-get '{}'
check "scheduler-get: version 1, least-loaded, no candidate" ok '[ "$(code)" = 200 ] &&
	grep -q "\"stable\":{[^}]*\"policy\":\"least-loaded\"" "$T/r" && grep -q "\"candidate\":null" "$T/r" &&
	grep -q "\"version\":1" "$T/r"'
api "$T/alice.tok" pool/scheduler-get '{}'
check "a tenant administrator may not see it: CCSP-3000" is_err 403 CCSP-3000
adm pool/scheduler-release '{"policy":"least-loaded","grayPercent":10}'
check "a candidate with the stable policy: CCSP-4000" is_err 409 CCSP-4000
adm pool/scheduler-release '{"policy":"random","grayPercent":10}'
check "an unknown policy: CCSP-1001" is_err 400 CCSP-1001
adm pool/scheduler-release '{"policy":"round-robin","grayPercent":101}'
check "grayPercent out of range: CCSP-1001" is_err 400 CCSP-1001
adm pool/scheduler-release '{"policy":"round-robin"}'
check "grayPercent missing: CCSP-1001" is_err 400 CCSP-1001
adm pool/scheduler-release '{"policy":"round-robin","grayPercent":100}'
check "round-robin released as version 2 to every application" ok '[ "$(code)" = 200 ] &&
	grep -q "\"candidate\":{[^}]*\"version\":2" "$T/r" && grep -q "\"grayPercent\":100" "$T/r"'
rr=$(pol_ops round-robin) ll=$(pol_ops least-loaded)
check "the apps' 6 signatures run on version 2 (round-robin), none on version 1" ok \
	'app_signs && [ "$(pol_ops round-robin)" = $((rr + 6)) ] && [ "$(pol_ops least-loaded)" = "$ll" ]'
api "$T/bob.tok" kms/key-create '{"spec":"SM4"}'
check "a person's operation (key creation) stays on version 1" ok '[ "$(code)" = 200 ] &&
	[ "$(pol_ops least-loaded)" -gt "$ll" ] && [ "$(pol_ops round-robin)" = $((rr + 6)) ]'
adm pool/scheduler-release '{"policy":"fastest","grayPercent":50}'
check "a second candidate while one is in release: CCSP-4000" is_err 409 CCSP-4000
adm pool/scheduler-release '{"policy":"round-robin","grayPercent":40}'
check "the candidate's share changed (same version)" ok '[ "$(code)" = 200 ] &&
	grep -q "\"grayPercent\":40" "$T/r" && grep -q "\"candidate\":{[^}]*\"version\":2" "$T/r"'
adm pool/scheduler-rollback '{}'
check "rolled back: no candidate" ok '[ "$(code)" = 200 ] && grep -q "\"candidate\":null" "$T/r"'
rr=$(pol_ops round-robin) ll=$(pol_ops least-loaded)
check "the apps are back on version 1" ok \
	'app_signs && [ "$(pol_ops least-loaded)" = $((ll + 6)) ] && [ "$(pol_ops round-robin)" = "$rr" ]'
adm pool/scheduler-rollback '{}'
check "a rollback with no candidate: CCSP-4000" is_err 409 CCSP-4000
adm pool/scheduler-release '{"policy":"fastest","grayPercent":100}'
check "the next candidate is version 3 (2 is not reused)" ok '[ "$(code)" = 200 ] &&
	grep -q "\"candidate\":{[^}]*\"version\":3" "$T/r"'
adm pool/scheduler-promote '{}'
check "promoted: version 3 (fastest) is stable for everyone" ok '[ "$(code)" = 200 ] &&
	grep -q "\"stable\":{[^}]*\"policy\":\"fastest\"" "$T/r" && grep -q "\"candidate\":null" "$T/r"'
fa=$(pol_ops fastest)
check "the apps sign on version 3" ok 'app_signs && [ "$(pol_ops fastest)" = $((fa + 6)) ]'
adm pool/scheduler-promote '{}'
check "a promotion with no candidate: CCSP-4000" is_err 409 CCSP-4000
adm pool/scheduler-release '{"policy":"least-loaded","grayPercent":100}'
adm pool/scheduler-promote '{}'
check "least-loaded again, as version 4" ok '[ "$(code)" = 200 ] && curl -sk "$U/metrics" |
	grep -q "^ccsp_pool_scheduler_version{track=\"stable\",policy=\"least-loaded\"} 4$"'

# ---- a key the VSM refuses is the request's failure, not the member's ----
downs_of() { grep -o "\"deviceId\":\"$1\"[^]]*" "$T/r" | grep -o '"downs":[0-9]*' | head -1 | cut -d: -f2; }
api "$T/alice.tok" kms/key-create '{"spec":"SM4"}'
KS=$(field keyId)
adm pool/device-list '{}'
d1=$(downs_of "$D_xa1") d2=$(downs_of "$D_xa2")
# one bit of the sealed key changed in place (same length): the VSM refuses it, where an SM4-ECB wrap opened to
# another key and encryption "succeeded" with it
W=$(db "SELECT hex(wrapped) FROM kms_key_versions WHERE key_id = '$KS'")
c=$(printf %s "$W" | cut -c40)
W2=$(printf %s "$W" | cut -c1-39)$(printf %s "$c" | tr '0-9A-F' '1032547698BADCFE')$(printf %s "$W" | cut -c41-)
db "UPDATE kms_key_versions SET wrapped = X'$W2' WHERE key_id = '$KS'" >/dev/null
a crypto/encrypt "{\"keyId\":\"$KS\",\"plaintext\":\"$M\"}"
check "a sealed key with one bit changed in the store: refused, logged" ok '[ ${#W} = 92 ] && [ "$W2" != "$W" ] &&
	[ "$(code)" = 500 ] && ! grep -q ciphertext "$T/r" && grep -q "ccspd.kms.material" "$T/p.out"'
db "UPDATE kms_key_versions SET wrapped = randomblob(17) WHERE key_id = '$KS'" >/dev/null
a crypto/encrypt "{\"keyId\":\"$KS\",\"plaintext\":\"$M\"}"
check "a wrapped key of another length in the store: refused" ok '[ "$(code)" != 200 ] && ! grep -q ciphertext "$T/r"'
adm pool/device-list '{}'
check "... and neither of A's VSMs left rotation for it" ok '[ "$(downs_of "$D_xa1")" = "$d1" ] &&
	[ "$(downs_of "$D_xa2")" = "$d2" ] && [ "$(state_of "$D_xa1")" = up ] && [ "$(state_of "$D_xa2")" = up ]'

# ---- a member killed under a stream of signatures ----
: >"$T/codes"
i=0
while [ $i -lt 30 ]; do
	[ $i = 5 ] && kill -9 "$XA1_PID"
	a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
	code >>"$T/codes"
	echo >>"$T/codes"
	[ $i = 29 ] && field signature | base64 -d >"$T/sig-after.der"
	i=$((i + 1))
done
check "xa1 killed after 5 of 30 signatures: all 30 answered 200" [ "$(grep -c '^200$' "$T/codes")" = 30 ]
check "a signature made after the kill (on xa2) verifies with the key's public key (openssl)" \
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/ka.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig-after.der" \
	-pkeyopt distid:1234567812345678
check "xa1 is out of rotation" eventually dev_state_is "$D_xa1" down
check "xa2 is not" dev_state_is "$D_xa2" up
curl -sk "$U/metrics" >"$T/metrics"
check "/metrics: per member, up or not" ok 'grep -q "^ccsp_pool_member_up{device=\"$D_xa1\",group=\"$G\"} 0" "$T/metrics" &&
	grep -q "^ccsp_pool_member_up{device=\"$D_xa2\",group=\"$G\"} 1" "$T/metrics" &&
	grep -q "^ccsp_pool_operations_total{device=\"platform\",group=\"default\"} [1-9]" "$T/metrics"'

# ---- both of A's VSMs down: A's keys stop, B's go on; back when a VSM answers again ----
kill -9 "$XA2_PID"
check "xa2 is out of rotation" eventually dev_state_is "$D_xa2" down
a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
check "A cannot sign with no VSM of its group: CCSP-9002" is_err 503 CCSP-9002
b crypto/sign "{\"keyId\":\"$KB\",\"message\":\"$M\"}"
check "B signs on" ok '[ "$(code)" = 200 ]'
vsm_run "$T/xa1" # a new port: the pool reopens the device by its config
check "xa1 back in rotation" eventually dev_state_is "$D_xa1" up
a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
field signature | base64 -d >"$T/sig-back.der"
check "A signs again, and the signature verifies" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/ka.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig-back.der" \
		-pkeyopt distid:1234567812345678 >/dev/null 2>&1'

# ---- membership refusals and removal ----
adm pool/group-remove-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa2\"}"
check "xa2 leaves A's group" ok '[ "$(code)" = 200 ] && grep -q "\"groupId\":null" "$T/r"'
adm pool/group-remove-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa1\"}"
check "the last member of a group with keys cannot leave: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-remove-member "{\"groupId\":\"$G\",\"deviceId\":\"$D_xa2\"}"
check "a device not in the group: CCSP-1002" is_err 404 CCSP-1002
adm pool/device-remove "{\"deviceId\":\"$D_xa1\"}"
check "a device in a group cannot be removed: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-delete "{\"groupId\":\"$G\"}"
check "a group with keys and members cannot be deleted: CCSP-4000" is_err 409 CCSP-4000
adm pool/group-delete '{"groupId":"default"}'
check "the default group cannot be deleted: CCSP-4000" is_err 409 CCSP-4000
adm pool/device-remove "{\"deviceId\":\"$D_xa2\"}"
check "a device in no group is removed" ok '[ "$(code)" = 200 ]'
adm pool/group-create '{"name":"empty"}'
GE=$(field groupId)
adm pool/group-delete "{\"groupId\":\"$GE\"}"
check "an empty group is deleted" ok '[ "$(code)" = 200 ]'
adm pool/group-delete "{\"groupId\":\"$GE\"}"
check "... once: CCSP-1002" is_err 404 CCSP-1002
a crypto/sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
check "A still signs on xa1" ok '[ "$(code)" = 200 ]'

# ---- audited ----
for act in pool.device-register pool.group-create pool.group-add-member pool.group-remove-member \
	pool.device-remove pool.group-delete pool.device-dedicate pool.scheduler-release pool.scheduler-promote \
	pool.scheduler-rollback; do
	check "audited: $act" [ "$(db "SELECT COUNT(*) FROM audit WHERE action = '$act'")" -ge 1 ]
done
check "the audit never names a secret of the devices (no token in it)" \
	ok '! db "SELECT detail FROM audit WHERE action LIKE '\''pool.%'\''" | grep -qi token'
check "no stray files" [ -z "$(ls -A "$OUT")" ]
finish
