#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libccsp.so exports exactly the functions the public headers declare with CCSP_API: no test hook
# (fixed-nonce signing, entropy injection, implementation forcing) and nothing internal leaks out. Same for
# libsdf.so and sdf.h.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(dirname "$CCSP")/../lib/libccsp.so
mkdir -p "$TEST_TMP"
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sort >"$TEST_TMP/exported"
# every CCSP_API declaration, joined across lines, then the identifier before "("
grep -hv "^#" "$root"/include/ccsp/*.h | tr '\n' ' ' | grep -o 'CCSP_API[^;(]*(' |
	sed 's/($//; s/.*[ *]//' | sort -u >"$TEST_TMP/declared"

[ -s "$TEST_TMP/exported" ] && pass || fail "no exported symbols found in $lib"
[ "$(wc -l <"$TEST_TMP/declared")" -gt 50 ] && pass || fail "could not read the declarations"
if diff -u "$TEST_TMP/declared" "$TEST_TMP/exported" >"$TEST_TMP/diff"; then
	pass
else
	fail "exported symbols differ from CCSP_API declarations:"; cat "$TEST_TMP/diff"
fi
for hook in with_k for_testing impl_force; do
	grep -q "$hook" "$TEST_TMP/exported" && fail "test hook *$hook* is exported" || pass
done

# libsdf.so exports exactly the SDF_* functions sdf.h declares (an application from another SM stack loads it
# unchanged), and nothing of the crypto core or OpenSSL glue.
sdf=$(dirname "$CCSP")/../lib/libsdf.so
if [ -f "$sdf" ]; then
	nm -D --defined-only "$sdf" | awk '$2 == "T" {print $3}' | sort >"$TEST_TMP/sdf_exported"
	grep -hv "^#" "$root"/include/ccsp/sdf.h | tr '\n' ' ' | grep -o 'SDF_API[^;(]*(' |
		sed 's/($//; s/.*[ *]//' | sort -u >"$TEST_TMP/sdf_declared"
	[ "$(wc -l <"$TEST_TMP/sdf_declared")" -gt 60 ] && pass || fail "could not read sdf.h's declarations"
	if diff -u "$TEST_TMP/sdf_declared" "$TEST_TMP/sdf_exported" >"$TEST_TMP/sdf_diff"; then
		pass
	else
		fail "libsdf.so exports differ from sdf.h:"; cat "$TEST_TMP/sdf_diff"
	fi
	nm -D --defined-only "$sdf" | awk '{print $3}' | grep -v '^SDF_' | grep -v '^$' >"$TEST_TMP/sdf_other"
	[ ! -s "$TEST_TMP/sdf_other" ] && pass || { fail "libsdf.so exports non-SDF symbols:"; cat "$TEST_TMP/sdf_other"; }
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
