#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd with a CHSM on TLCP: its management API (ccspd registers it as tlcp://HOST:PORT with its TLCP CA; every
# GM/T 0088 call goes over TLCP; its callbacks come back to ccspd's TLCP port; the operator's `ccsp chsm` uses
# tlcp:// too; a wrong CA is refused) and its VSMs (chsmd.conf vsm_transport = tlcp; docs/api-ccspd.md "pool",
# "vsm"): a VSM leased into the pool is checked through libsdf over TLCP (the lease's availability check) and this node's client
# config says transport = tlcp and trusts the CHSM's device CA (getVSMInfo tlcpCaCert); lost, it is written again
# the same way (the transport asked of the CHSM, not the record); a tenant's own VSM: vsm/client-config answers
# transport tlcp, a config with transport = tlcp and the device CA as caCert, with which the GM/T 0018 example
# runs through libsdf over TLCP; the store keeps the VSM's TLS certificate. Every wait is bounded; nothing is left
# running (chsmd stops its vsmds; a vsmd whose chsmd is gone stops by itself).
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
CHSMD=$BIN/chsmd
[ -x "$CHSMD" ] && [ -x "$BIN/sdf_demo" ] || { echo "skip: chsmd or sdf_demo not built"; finish; }
adm() { api "$T/admin.tok" "$@"; }
json_text() { sed ':a;N;$!ba;s/\n/\\n/g' "$1"; } # a PEM file as a JSON string's content

# ---- a platform VSM, ccspd, a CHSM on TLCP: its VSMs, its management API (ccspd -> chsmd, GM/T 0088 over TLCP)
# and its callbacks (chsmd -> ccspd's TLCP port), each side trusting the other's TLCP CA ----
vsm_start "$T/vsm"
C=$T/c
"$CHSMD" --init "$C" --listen 127.0.0.1:0 >/dev/null
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
printf 'pool_health_interval_s = 1\ntlcp_listen = 127.0.0.1:0\n' >>"$T/p/ccspd.conf"
start # once, for a free TLCP port: then the callback URL names it
PT=$(sed -n 's/^ccspd: TLCP (GB\/T 38636) on port \([0-9]*\).*/\1/p' "$T/p.out")
stop
check "ccspd printed its TLCP port" [ -n "$PT" ]
sed -i "s/^tlcp_listen = .*/tlcp_listen = 127.0.0.1:$PT/" "$T/p/ccspd.conf"
# the callbacks' channel: only a client certificate of the CHSM's TLCP CA gets in
printf 'g88_callback_url = tlcp://127.0.0.1:%s/gmt0088/callback\ntlcp_ca_file = %s\ntlcp_verify = required\n' \
	"$PT" "$C/tlcp-ca.pem" >>"$T/p/ccspd.conf"
sed -i -e 's/^vsm_port_base = .*/vsm_port_base = 0/' -e 's/^vsm_transport = .*/vsm_transport = tlcp/' "$C/chsmd.conf"
printf 'callback_tlcp_ca_file = %s\ntlcp_listen = 127.0.0.1:0\ntlcp_ca_file = %s\ntlcp_verify = optional\n' \
	"$T/p/tlcp-ca.pem" "$T/p/tlcp-ca.pem" >>"$C/chsmd.conf"
# chsmd_start: chsmd on $C; UC its TLCP URL, UCS its TLS one
chsmd_start() {
	: >"$C.out"
	"$CHSMD" --dir "$C" >"$C.out" 2>&1 &
	CHPID=$!
	PIDS="$PIDS $CHPID"
	wait_for "$C.out" 'TLCP (GB/T 38636) on port' || { fail "chsmd did not start: $(cat "$C.out")"; finish; }
	UC=tlcp://127.0.0.1:$(sed -n 's/^chsmd: TLCP (GB\/T 38636) on port \([0-9]*\).*/\1/p' "$C.out")
	UCS=https://127.0.0.1:$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$C.out")
}
chsmd_stop() {
	kill -TERM "$CHPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$CHPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$CHPID"
}
chsmd_start
start
pwfile admin "$(cat "$T/p/initial-admin-password")"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/admin-key.pem" 2>/dev/null
"$CCSP" admin login --url "$U" --insecure --login admin --password-file "$T/admin.pw" --key "$T/admin-key.pem" \
	--token-file "$T/admin.tok" >/dev/null 2>&1
pwfile admin.new 'Admin-Passw0rd-2026'
"$CCSP" admin password --url "$U" --insecure --token-file "$T/admin.tok" --old-file "$T/admin.pw" \
	--new-file "$T/admin.new.pw"
adm admin/tenant-create '{"name":"A"}'
A=$(field id)
adm admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'

# the operator's key first, then ccspd's added; the CHSM registered
adm pool/platform-key '{}'
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/ccspd-pub.pem"
"$CCSP" chsm keygen --out "$T/op.pem"
K="--url $UC --key $T/op.pem --cacert $C/tlcp-ca.pem"
check "the operator's key configured over TLCP (ccsp chsm configure tlcp://)" ok '"$CCSP" chsm configure $K >/dev/null'
check "... and ccspd's" ok '"$CCSP" chsm configure $K --add "$T/ccspd-pub.pem" >/dev/null'
check "ccsp chsm call over TLCP, trusting a CA that did not issue the CHSM's certificate: refused" ok \
	'! "$CCSP" chsm call --url "$UC" --key "$T/op.pem" --cacert "$T/p/tlcp-ca.pem" chsm status 2>"$T/e" &&
	grep -q "alert" "$T/e"'
check "... with its TLS certificate as the CA: refused (no SM2 CA)" ok \
	'! "$CCSP" chsm call --url "$UC" --key "$T/op.pem" --cacert "$C/tls-cert.pem" chsm status 2>/dev/null'
# from here on chsmd asks every TLCP client for a certificate of ccspd's TLCP CA: the operator uses TLS
chsmd_stop
sed -i 's/^tlcp_verify = .*/tlcp_verify = required/' "$C/chsmd.conf"
chsmd_start
check "chsmd now requires a client certificate on TLCP: ccsp chsm (which has none) refused" ok \
	'! "$CCSP" chsm call --url "$UC" --key "$T/op.pem" --cacert "$C/tlcp-ca.pem" chsm status 2>"$T/e" &&
	grep -q "alert handshake_failure" "$T/e"'
check "... with --tlcp-cert (a double certificate of the CA chsmd trusts): served" ok \
	'"$CCSP" chsm call --url "$UC" --key "$T/op.pem" --cacert "$C/tlcp-ca.pem" --tlcp-cert "$T/p" chsm status |
	grep -q "\"status\":200"'
check "--tlcp-cert with an https URL: a usage error" ok \
	'"$CCSP" chsm call --url "$UCS" --key "$T/op.pem" --cacert "$C/tls-cert.pem" --tlcp-cert "$T/p" chsm status \
	2>/dev/null; [ $? -eq 2 ]'
K="--url $UCS --key $T/op.pem --cacert $C/tls-cert.pem"
adm pool/chsm-register "{\"name\":\"c\",\"url\":\"$UC\"}"
check "register the CHSM at a tlcp:// url without caCert: 400" [ "$(code)" = 400 ]
adm pool/chsm-register "{\"name\":\"c\",\"url\":\"$UC\",\"caCert\":\"$(json_text "$T/p/tlcp-ca.pem")\"}"
check "... trusting another CA: refused, nothing registered" ok \
	'[ "$(code)" -ge 400 ] && [ "$(db "SELECT count(*) FROM pool_chsms")" = 0 ]'
adm pool/chsm-register "{\"name\":\"c\",\"url\":\"$UC\",\"caCert\":\"$(json_text "$C/tlcp-ca.pem")\"}"
check "register the CHSM by its tlcp:// url and TLCP CA (getCHSMPk, configCHSMPk, getinfo over TLCP, ccspd
	presenting its TLCP double certificate)" [ "$(code)" = 200 ]
CID=$(field chsmId)
# new_vsm: a VSM made by the operator, running; $VSM
new_vsm() {
	"$CCSP" chsm call $K vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
	VSM=$(field vsmId)
	eventually_long "$CCSP" chsm call $K vsm status --vsm "$VSM" >"$T/st" 2>/dev/null
}
eventually_long() { # CMD within 60 s
	n=0
	until "$@" && grep -q '"status":"ok"' "$T/st"; do
		n=$((n + 1))
		[ $n -lt 240 ] || return 1
		sleep 0.25
	done
}

# ---- a pool device on TLCP ----
check "the operator creates a VSM" new_vsm
V1=$VSM
check "... it serves TLCP" grep -q '^transport = tlcp$' "$C/vsm/$V1/vsmd.conf"
"$CCSP" vsm keygen --dir "$C/vsm/$V1" --index 1 --kek >/dev/null
adm pool/chsm-vsm-register "{\"chsmId\":\"$CID\",\"vsmId\":\"$V1\",\"name\":\"c-vsm\"}"
check "register it as a device: 200 (its availability checked through libsdf over TLCP)" [ "$(code)" = 200 ]
DV=$(field deviceId)
CONF=$T/p/pool/$CID-$V1.conf
check "this node's config: transport = tlcp" grep -q '^transport = tlcp$' "$CONF"
same "$T/p/pool/$CID-$V1.pem" "$C/device-ca.pem" "... trusting the CHSM's device CA"
check "the store keeps the VSM's TLS certificate" ok \
	'[ "$(db "SELECT cert_pem FROM pool_vsm_links")" = "$(cat "$C/vsm/$V1/tls-cert.pem")" ]'
adm pool/group-create "{\"name\":\"ga\",\"kekIndex\":1,\"tenantId\":\"$A\"}"
adm pool/group-add-member "{\"groupId\":\"$(field groupId)\",\"deviceId\":\"$DV\"}"
check "it joins A's group (the pool opens it through that config)" [ "$(code)" = 200 ]
stop
rm -f "$CONF" "$T/p/pool/$CID-$V1.pem" "$T/p/pool/$CID-$V1.token"
start
check "lost, the config is written again" eventually test -f "$CONF"
check "... with transport = tlcp and the device CA (asked of the CHSM)" ok \
	'grep -q "^transport = tlcp$" "$CONF" && cmp -s "$T/p/pool/$CID-$V1.pem" "$C/device-ca.pem"'
dev_up() { adm pool/device-list '{}' && grep -o "\"deviceId\":\"$DV\"[^]]*" "$T/r" | grep -q '"state":"up"'; }
i=0
while [ $i -lt 100 ] && ! dev_up; do sleep 0.2; i=$((i + 1)); done
check "... and the pool reaches the VSM through it (device up)" dev_up

# ---- a VSM created by ccspd: createVSM over TLCP, the CHSM's callback over TLCP to ccspd's TLCP port ----
adm pool/chsm-vsm-create "{\"chsmId\":\"$CID\",\"name\":\"c-created\",\"flavor\":1}"
check "chsm-vsm-create over TLCP: accepted" ok '[ "$(code)" = 200 ] && [ "$(field state)" = accepted ]'
created_in_pool() { adm pool/device-list '{}' && grep -q '"name":"c-created","kind":"chsm-vsm"' "$T/r"; }
i=0
while [ $i -lt 150 ] && ! created_in_pool; do sleep 0.2; i=$((i + 1)); done
check "its callback came over TLCP and completed the task (the VSM leased)" created_in_pool
check "... chsmd logged no failed TLCP callback" ok '! grep -q "chsm.callback.tlcp" "$C.out"'

# ---- a tenant's own VSM on TLCP ----
check "the operator creates a second VSM" new_vsm
V2=$VSM
printf 'password-1\n' >"$T/kpw"
check "... with an SM2 signing and encryption key at index 1" ok \
	'"$CCSP" vsm keygen --dir "$C/vsm/$V2" --index 1 --sign --password-file "$T/kpw" >/dev/null &&
	"$CCSP" vsm keygen --dir "$C/vsm/$V2" --index 1 --enc >/dev/null'
adm pool/tenant-vsm-assign "{\"chsmId\":\"$CID\",\"vsmId\":\"$V2\",\"tenantId\":\"$A\"}"
check "assigned to A" [ "$(code)" = 200 ]
mkdir -p "$T/tv"
api "$T/alice.tok" vsm/client-config "{\"chsmId\":\"$CID\",\"vsmId\":\"$V2\"}"
check "vsm/client-config: transport tlcp" ok '[ "$(code)" = 200 ] && [ "$(field transport)" = tlcp ]'
printf '%b' "$(field sdfConf)" >"$T/tv/sdf.conf"
printf '%b' "$(field caCert)" >"$T/tv/vsm-ca.pem"
field token | "$CCSP" vsm seal-token --out "$T/tv/client.token"
check "... its config says transport = tlcp" grep -q '^transport = tlcp$' "$T/tv/sdf.conf"
same "$T/tv/vsm-ca.pem" "$C/device-ca.pem" "... caCert is the CHSM's device CA"
check "A's application uses its VSM through libsdf over TLCP (GM/T 0018 example)" \
	env CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 1 password-1
cp "$C/vsm/$V2/tls-cert.pem" "$T/tv/vsm-ca.pem"
check "... trusting the VSM's TLS certificate instead: refused" \
	sh -c "! env CCSP_SDF_CONF='$T/tv/sdf.conf' '$BIN/sdf_demo' 1 password-1 >/dev/null 2>&1"

# ---- the operators' CLI on ccspd's TLCP port, which requires a certificate of the CHSM's TLCP CA ----
UP=tlcp://127.0.0.1:$PT
check "ccsp admin call over TLCP with --tlcp-cert (a double certificate the listener trusts)" ok \
	'"$CCSP" admin call --url "$UP" --cacert "$T/p/tlcp-ca.pem" --tlcp-cert "$C" --token-file "$T/admin.tok" \
	pool chsm-list | grep -q "\"chsmId\":\"$CID\""'
check "... without one: refused by the listener" ok \
	'! "$CCSP" admin call --url "$UP" --cacert "$T/p/tlcp-ca.pem" --token-file "$T/admin.tok" pool chsm-list \
	2>"$T/e" && grep -q "handshake_failure" "$T/e"'
check "ccsp admin logout over TLCP" "$CCSP" admin logout --url "$UP" --cacert "$T/p/tlcp-ca.pem" --tlcp-cert "$C" \
	--token-file "$T/admin.tok"
adm pool/chsm-list '{}'
check "... the session is gone" [ "$(code)" = 401 ]

# ---- shutdown ----
stop
chsmd_stop
check "chsmd exits 0 on SIGTERM (its vsmds stopped)" [ $? -eq 0 ]
finish
