#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A tenant's own VSM kept by ccspd (docs/api-ccspd.md "Images and drift"): two CHSMs of one trust domain registered
# in ccspd, an image server; a VSM of CHSM 1 assigned to tenant A, its keys made by its crypto officer, used by A's
# application through libsdf. ccspd exports an image of it (on its own, after each change of its keys or token:
# getVSMInfo dataVersion), recorded with the size and digest of the CHSM's signed callback. Then CHSM 1 dies
# (kill -9, with its vsmds) under a stream of A's signing calls: ccspd finds the VSM down, fetches and checks the
# image, signs it, has CHSM 2 create a VSM from it and moves A onto it; A fetches its client config again and signs
# on, with the same keys at the same indices (the VSMs' key listings compared); the calls that failed meanwhile are
# counted; tenant B's VSM on CHSM 1 drifts in the same rounds (the dead CHSM is asked once a round, not once per
# VSM). The new VSM is imaged in its turn; the old one is reset when its CHSM is back. The system administrator
# releases the tenant's VSM: gone from the tenant at once, then reset. A pool group's member copied from its image
# (chsm-vsm-create copyOf: key sync, KM-12) joins the group by the key check. All of it audited. Every wait is
# bounded; nothing is left running.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
CHSMD=$BIN/chsmd
[ -x "$CHSMD" ] && [ -x "$BIN/file_server" ] || { echo "skip: chsmd or file_server not built"; finish; }
adm() { api "$T/admin.tok" "$@"; }
json_text() { sed ':a;N;$!ba;s/\n/\\n/g' "$1"; } # a PEM file as a JSON string's content
cleanup_all() {
	touch "$T/stop-load"
	cleanup
	pkill -9 -f "vsmd --dir $T/c1/" 2>/dev/null
	pkill -9 -f "vsmd --dir $T/c2/" 2>/dev/null
}
trap cleanup_all EXIT
# until_ok SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.2 s)
until_ok() {
	n=$(($1 * 5))
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -ge $n ] && return 1
		sleep 0.2
	done
}

# chsm_start NAME: a dev-mode CHSM in $T/NAME on a free port (its VSMs too); its URL in $CURL_OF
chsm_start() {
	"$CHSMD" --init "$T/$1" --listen 127.0.0.1:0 >/dev/null
	sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$T/$1/chsmd.conf"
	echo "callback_ca_file = $T/p/tls-cert.pem" >>"$T/$1/chsmd.conf" # ccspd's, for its callbacks
	"$CHSMD" --dir "$T/$1" >"$T/$1.out" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	wait_for "$T/$1.out" 'listening on port' || { fail "chsmd $1 did not start: $(cat "$T/$1.out")"; finish; }
	CURL_OF=https://127.0.0.1:$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/$1.out")
}

# ---- an image server, a platform VSM, ccspd keeping tenants' VSMs, two CHSMs of one trust domain ----
mkdir -p "$T/files"
"$BIN/file_server" "$T/files" 600 >"$T/fs.port" &
PIDS="$PIDS $!"
wait_for "$T/fs.port" '^[0-9]' || { fail "file_server did not start"; finish; }
FS=http://127.0.0.1:$(head -1 "$T/fs.port")
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
cat >>"$T/p/ccspd.conf" <<EOF
image_upload_url = $FS/upload
tenant_vsm_check_interval_s = 1
tenant_vsm_drift_after = 3
EOF
chsm_start c1
U1=$CURL_OF
chsm_start c2
U2=$CURL_OF
check "domain init on c1" "$CCSP" chsm domain init --dir "$T/c1" --shares 3 --threshold 2 >"$T/shares"
check "domain join on c2" sh -c "sed -n '1p;2p' '$T/shares' | '$CCSP' chsm domain join --dir '$T/c2'" >/dev/null
start
check "sysadmin: first login" sysadmin_first_login
adm admin/tenant-create '{"name":"A"}'
A=$(field id)
adm admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'

# The operator's platform key on both CHSMs (to create the tenant's VSM), then ccspd's added and both registered.
adm pool/platform-key '{}'
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/ccspd-pub.pem"
"$CCSP" chsm keygen --out "$T/op.pem"
K1="--url $U1 --key $T/op.pem --cacert $T/c1/tls-cert.pem"
K2="--url $U2 --key $T/op.pem --cacert $T/c2/tls-cert.pem"
for k in "$K1" "$K2"; do
	"$CCSP" chsm configure $k >/dev/null && "$CCSP" chsm configure $k --add "$T/ccspd-pub.pem" >/dev/null
	expect "ccspd's platform key added on a CHSM"
done
adm pool/chsm-register "{\"name\":\"c1\",\"url\":\"$U1\",\"caCert\":\"$(json_text "$T/c1/tls-cert.pem")\"}"
C1=$(field chsmId)
adm pool/chsm-register "{\"name\":\"c2\",\"url\":\"$U2\",\"caCert\":\"$(json_text "$T/c2/tls-cert.pem")\"}"
C2=$(field chsmId)
check "both CHSMs registered" ok '[ -n "$C1" ] && [ -n "$C2" ]'

# ---- A's VSM on c1: keys by its crypto officer, assigned to A, used by A's application ----
"$CCSP" chsm call $K1 vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
V1=$(field vsmId)
vsm_ok() { "$CCSP" chsm call $K1 vsm status --vsm "$V1" 2>/dev/null | grep -q '"status":"ok"'; }
check "a VSM created on c1" until_ok 60 vsm_ok
printf 'password-1\n' >"$T/kpw"
check "its SM2 signing and encryption keys at index 1" ok \
	'"$CCSP" vsm keygen --dir "$T/c1/vsm/$V1" --index 1 --sign --password-file "$T/kpw" >/dev/null &&
	"$CCSP" vsm keygen --dir "$T/c1/vsm/$V1" --index 1 --enc >/dev/null'
adm pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$V1\",\"tenantId\":\"$A\"}"
check "assigned to A" [ "$(code)" = 200 ]
mkdir -p "$T/tv"
client_config() { # $1 $2: chsmId vsmId — the tenant administrator's recipe (docs/api-ccspd.md "vsm")
	api "$T/alice.tok" vsm/client-config "{\"chsmId\":\"$1\",\"vsmId\":\"$2\"}" && [ "$(code)" = 200 ] &&
		printf '%b' "$(field sdfConf)" >"$T/tv/sdf.conf" && printf '%b' "$(field caCert)" >"$T/tv/vsm-ca.pem" &&
		field token | "$CCSP" vsm seal-token --out "$T/tv/client.token"
}
check "A's client config" client_config "$C1" "$V1"
check "A's application signs through libsdf" env CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 1 password-1

# ---- images: after each change of the VSM's keys or token ----
data_version() { "$CCSP" chsm call $K1 vsm info --vsm "$V1" | sed -n 's/.*"dataVersion":"\([0-9a-f]*\)".*/\1/p'; }
imaged() { # the newest image follows the VSM's current data
	dv=$(data_version)
	[ -n "$dv" ] && [ "$(db "SELECT data_version FROM tenant_vsm_images WHERE chsm_id = '$C1' AND vsm_id = '$V1'")" = "$dv" ]
}
check "ccspd exported an image of A's VSM as it is now (keys, token)" until_ok 60 imaged
IMG=$(db "SELECT url FROM tenant_vsm_images WHERE vsm_id = '$V1'")
check "the image is on the image server, of the size and SM3 digest recorded" ok \
	'f=$T/files/${IMG##*/}; [ -f "$f" ] && [ "$(stat -c %s "$f")" = "$(db "SELECT size FROM tenant_vsm_images WHERE vsm_id = '\''$V1'\''")" ] &&
	[ "$("$OPENSSL" dgst -sm3 -binary "$f" | base64 -w0)" = "$(db "SELECT digest FROM tenant_vsm_images WHERE vsm_id = '\''$V1'\''")" ]'
check "the image holds no key or token in clear" ok '! grep -q "BEGIN" "$T/files/${IMG##*/}"'
DV1=$(data_version)
check "new keys (index 2) change the VSM's dataVersion" ok \
	'"$CCSP" vsm keygen --dir "$T/c1/vsm/$V1" --index 2 --sign --password-file "$T/kpw" >/dev/null &&
	"$CCSP" vsm keygen --dir "$T/c1/vsm/$V1" --index 2 --enc >/dev/null && [ "$(data_version)" != "$DV1" ]'
check "... and ccspd exports it again" until_ok 60 imaged
check "... once per change: the image URL changed" [ "$(db "SELECT url FROM tenant_vsm_images WHERE vsm_id = '$V1'")" != "$IMG" ]
"$CCSP" vsm keys --dir "$T/c1/vsm/$V1" | sed 's/ created=[^ ]*//' >"$T/keys1"
check "A's VSM holds four keys" [ "$(wc -l <"$T/keys1")" = 4 ]

# ---- tenant B's VSM on c1 too: when c1 dies both drift, and c1 is asked once a round, not once per VSM ----
adm admin/tenant-create '{"name":"B"}'
B=$(field id)
"$CCSP" chsm call $K1 vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
VB=$(field vsmId)
vsmb_ok() { "$CCSP" chsm call $K1 vsm status --vsm "$VB" 2>/dev/null | grep -q '"status":"ok"'; }
check "B's VSM created on c1" until_ok 60 vsmb_ok
adm pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$VB\",\"tenantId\":\"$B\"}"
check "assigned to B" [ "$(code)" = 200 ]
check "B's VSM imaged" until_ok 60 ok '[ -n "$(db "SELECT url FROM tenant_vsm_images WHERE vsm_id = '\''$VB'\''")" ]'

# ---- c1 dies under A's calls: the drift ----
: >"$T/load.ok"
: >"$T/load.fail"
(
	while [ ! -f "$T/stop-load" ]; do
		if CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 1 password-1 >/dev/null 2>&1; then echo >>"$T/load.ok"; else
			echo >>"$T/load.fail"
			sleep 0.2
		fi
	done
) &
LOAD=$!
PIDS="$PIDS $LOAD"
check "A's calls succeed before" until_ok 60 ok '[ "$(wc -l <"$T/load.ok")" -ge 3 ]'
kill -9 "$PID_c1"
pkill -9 -f "vsmd --dir $T/c1/"
drifted() { api "$T/alice.tok" vsm/list '{}' && grep -q "\"chsmId\":\"$C2\"" "$T/r" && ! grep -q "$V1" "$T/r"; }
check "ccspd moved A onto a VSM of c2 (vsm/list)" until_ok 120 drifted
V2=$(sed -n 's/.*"vsmId":"\([^"]*\)".*/\1/p' "$T/r")
b_drifted() { [ "$(db "SELECT chsm_id FROM tenant_vsms WHERE tenant_id = '$B'")" = "$C2" ]; }
check "B's VSM drifted onto c2 as well" until_ok 120 b_drifted
check "the dead CHSM was asked once a round: B's or A's check found it silent already" \
	grep -q 'the CHSM did not answer earlier in this round' "$T/p.out"
check "A's calls failed meanwhile (counted)" ok '[ "$(wc -l <"$T/load.fail")" -ge 1 ]'
OK_BEFORE=$(wc -l <"$T/load.ok")
check "A fetches its client config for the new VSM" client_config "$C2" "$V2"
check "A's calls succeed again on the new VSM" until_ok 60 ok '[ "$(wc -l <"$T/load.ok")" -gt "$OK_BEFORE" ]'
touch "$T/stop-load"
i=0
while [ $i -lt 100 ] && kill -0 "$LOAD" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
echo "drift under load: $(wc -l <"$T/load.ok") calls ok, $(wc -l <"$T/load.fail") failed"
"$CCSP" vsm keys --dir "$T/c2/vsm/$V2" | sed 's/ created=[^ ]*//' >"$T/keys2"
same "$T/keys1" "$T/keys2" "the new VSM holds A's keys at the same indices"
check "A's application signs with key 2 there too" env CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 2 password-1

# ---- afterwards: the new VSM imaged, the drift audited ----
data_version2() { "$CCSP" chsm call $K2 vsm info --vsm "$V2" | sed -n 's/.*"dataVersion":"\([0-9a-f]*\)".*/\1/p'; }
imaged2() { [ "$(db "SELECT data_version FROM tenant_vsm_images WHERE chsm_id = '$C2' AND vsm_id = '$V2'")" = "$(data_version2)" ]; }
check "the new VSM is imaged in its turn" until_ok 60 imaged2
check "no image record of the old VSM is left" [ "$(db "SELECT COUNT(*) FROM tenant_vsm_images WHERE vsm_id = '$V1'")" = 0 ]
check "audited: exports, the drift's start and its success (naming both VSMs)" ok \
	'[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '\''pool.tenant-vsm-export'\''")" -ge 3 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '\''pool.tenant-vsm-drift-start'\''")" -ge 1 ] &&
	db "SELECT detail FROM audit WHERE action = '\''pool.tenant-vsm-drift'\'' AND outcome = '\''ok'\''" | grep -q "$V2"'
adm pool/chsm-task-list "{\"chsmId\":\"$C2\"}"
check "chsm-task-list: the drift on c2, done" grep -q "\"oprType\":\"drift\",\"vsmId\":\"$V2\",\"name\":\"$C1/$V1\",\"state\":\"done\"" "$T/r"

# ---- the VSM drifted away from: reset once its CHSM is back ----
check "the old VSM is retired, waiting for its reset" \
	[ "$(db "SELECT reason FROM retired_vsms WHERE chsm_id = '$C1' AND vsm_id = '$V1'")" = drifted ]
P1=${U1##*:}
sed -i "s/^listen = .*/listen = 127.0.0.1:$P1/" "$T/c1/chsmd.conf" # back where ccspd knows it
mv "$T/c1.out" "$T/c1.old.out"
"$CHSMD" --dir "$T/c1" >"$T/c1.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/c1.out" 'listening on port' || fail "c1 did not restart: $(cat "$T/c1.out")"
old_reset() { "$CCSP" chsm call $K1 vsm info --vsm "$V1" 2>/dev/null | grep -q '"token":"0"' &&
	[ -z "$(db "SELECT vsm_id FROM retired_vsms WHERE vsm_id = '$V1'")" ]; }
check "ccspd reset it: no token, no key, no longer retired" until_ok 60 ok \
	'old_reset && [ -z "$("$CCSP" vsm keys --dir "$T/c1/vsm/$V1")" ]'

# ---- released: taken from the tenant at once, then reset ----
api "$T/alice.tok" pool/tenant-vsm-release "{\"chsmId\":\"$C2\",\"vsmId\":\"$V2\"}"
check "a tenant administrator may not release: CCSP-3000" is_err 403 CCSP-3000
adm pool/tenant-vsm-release "{\"chsmId\":\"$C2\",\"vsmId\":\"no-such\"}"
check "releasing no tenant's VSM: CCSP-1002" is_err 404 CCSP-1002
adm pool/tenant-vsm-release "{\"chsmId\":\"$C2\",\"vsmId\":\"$V2\"}"
check "pool/tenant-vsm-release: 200, resetting" ok '[ "$(code)" = 200 ] && [ "$(field state)" = resetting ] &&
	[ "$(field tenantId)" = "$A" ]'
api "$T/alice.tok" vsm/list '{}'
check "A's VSM list is empty at once" ok '[ "$(code)" = 200 ] && ! grep -q "$V2" "$T/r"'
released_reset() { "$CCSP" chsm call $K2 vsm info --vsm "$V2" 2>/dev/null | grep -q '"token":"0"' &&
	[ -z "$(db "SELECT vsm_id FROM retired_vsms WHERE vsm_id = '$V2'")" ]; }
check "the released VSM is reset: no token, no key" until_ok 60 ok \
	'released_reset && [ -z "$("$CCSP" vsm keys --dir "$T/c2/vsm/$V2")" ]'
check "A's application no longer opens it" sh -c "! env CCSP_SDF_CONF='$T/tv/sdf.conf' '$BIN/sdf_demo' 1 password-1 >/dev/null 2>&1"
check "audited: the release and both resets" ok \
	'[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '\''pool.tenant-vsm-release'\'' AND outcome = '\''ok'\''")" = 1 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '\''pool.vsm-reset-start'\''")" -ge 2 ]'

# ---- key sync inside a pool group (KM-12): a copy of a member made from its image ----
"$CCSP" chsm call $K2 vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
P1=$(field vsmId)
p1_ok() { "$CCSP" chsm call $K2 vsm status --vsm "$P1" 2>/dev/null | grep -q '"status":"ok"'; }
check "a VSM on c2 for the pool, with a KEK at index 1" ok \
	'until_ok 60 p1_ok && "$CCSP" vsm keygen --dir "$T/c2/vsm/$P1" --index 1 --kek >/dev/null'
adm pool/chsm-vsm-register "{\"chsmId\":\"$C2\",\"vsmId\":\"$P1\",\"name\":\"g-1\"}"
D1=$(field deviceId)
adm pool/group-create '{"name":"g","kekIndex":1}'
G=$(field groupId)
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$D1\"}"
check "the group's first member (it defines the group's KEK)" [ "$(code)" = 200 ]
adm pool/chsm-vsm-create "{\"chsmId\":\"$C1\",\"name\":\"g-2\",\"copyOf\":\"0123456789abcdef0123456789abcdef\"}"
check "a copy of no device: CCSP-1002" is_err 404 CCSP-1002
adm pool/chsm-vsm-create "{\"chsmId\":\"$C1\",\"name\":\"g-1\",\"copyOf\":\"$D1\"}"
check "a copy under a name taken: CCSP-4000" is_err 409 CCSP-4000
adm pool/chsm-vsm-create "{\"chsmId\":\"$C1\",\"name\":\"g-2\",\"copyOf\":\"$D1\"}"
check "chsm-vsm-create copyOf: the member's export accepted" ok '[ "$(code)" = 200 ] &&
	[ "$(field oprType)" = copy-export ] && [ "$(field vsmId)" = "$P1" ]'
copied() { adm pool/device-list '{}' && grep -q '"name":"g-2","kind":"chsm-vsm"' "$T/r"; }
check "the copy is made on c1 from the image and leased as device g-2" until_ok 120 copied
D2=$(grep -o '"deviceId":"[0-9a-f]*","name":"g-2"' "$T/r" | cut -d'"' -f4)
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$D2\"}"
check "the copy joins the group: it holds the group's KEK (the key check)" [ "$(code)" = 200 ]
adm pool/chsm-task-list "{\"chsmId\":\"$C1\"}"
check "chsm-task-list: the copy's createVSM on c1, done" grep -q '"oprType":"create","vsmId":"[^"]*","name":"g-2","state":"done"' "$T/r"
finish
