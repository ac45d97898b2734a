#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Usage: integrity-hmac.sh OPENSSL KEYHEX FILE  -> writes FILE.hmac (lowercase hex HMAC-SM3 of FILE)
set -eu
openssl_bin=$1 key=$2 file=$3
mac=$("$openssl_bin" mac -digest SM3 -macopt "hexkey:$key" -in "$file" HMAC | tr 'A-F' 'a-f')
printf '%s\n' "$mac" > "$file.hmac.tmp"
mv "$file.hmac.tmp" "$file.hmac"
