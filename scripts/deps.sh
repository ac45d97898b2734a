#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages ccsp needs to build, test and run. As root: apt-get. Otherwise: prints
# the exact command and fails.
set -eu
PKGS="gcc g++ make cmake pkg-config libssl-dev openssl libcmocka-dev valgrind clang libclang-rt-14-dev libevent-dev libjansson-dev libcurl4-openssl-dev curl procps libsqlite3-dev sqlite3 libpq-dev postgresql wrk"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "ccsp: missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing </dev/null
else
	echo "ccsp: as root, run: apt-get update && apt-get install -y$missing"
	exit 1
fi
