#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# include/ccsp/sdf.h, the GM/T 0018 header applications compile against: it stands alone in C99 and C++11
# without a warning, accepts code written for the 2012 header, keeps the standard layouts and constants, and
# declares exactly the expected SDF functions, each exported with SDF_API. Needs only a C and a C++ compiler
# (CC, CXX; default gcc, g++); CCSP and OPENSSL are not used.
. "$(dirname "$0")/common.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/tests/cli/sdf_header
hdr=$root/include/ccsp/sdf.h
CC=${CC:-gcc}
CXX=${CXX:-g++}
cflags="-std=c99 -pedantic -Wall -Wextra -Werror -I$root/include"
cxxflags="-std=c++11 -pedantic -Wall -Wextra -Werror -I$root/include"

# compile DESC LOG CMD...: CMD must succeed with no output at all (no warning slipped past -Werror).
compile() {
	desc=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1 && [ ! -s "$log" ]; then
		pass
	else
		fail "$desc"
		sed 's/^/    /' "$log"
	fi
}

# ---- the header alone, first in the file --------------------------------------------------------
printf '#include <ccsp/sdf.h>\n' >"$T/alone.c"
compile "sdf.h alone, $CC -std=c99 -pedantic" "$T/alone.log" $CC $cflags -c "$T/alone.c" -o "$T/alone.o"
compile "sdf.h twice (include guard)" "$T/twice.log" sh -c 'cat "$1" "$1" >"$2.c" && $3 $4 -c "$2.c" -o "$2.o"' \
	sh "$T/alone.c" "$T/twice" "$CC" "$cflags"
if command -v "$CXX" >/dev/null 2>&1; then
	cp "$T/alone.c" "$T/alone.cpp"
	compile "sdf.h alone, $CXX -std=c++11" "$T/alone-cxx.log" $CXX $cxxflags -c "$T/alone.cpp" -o "$T/alone-cxx.o"
else
	echo "skip: C++ checks ($CXX not found)"
fi

# ---- (a) a 2012-style application ----------------------------------------------------------------
compile "2012-style application ($CC)" "$T/app2012.log" $CC $cflags -c "$src/app2012.c" -o "$T/app2012.o"
if command -v clang >/dev/null 2>&1 && [ "$CC" != clang ]; then
	compile "2012-style application (clang)" "$T/app2012-clang.log" \
		clang $cflags -c "$src/app2012.c" -o "$T/app2012-clang.o"
fi
# Every function of the header is an undefined reference of the object, as a C (unmangled) name.
if command -v nm >/dev/null 2>&1 && [ -f "$T/app2012.o" ]; then
	nm "$T/app2012.o" | awk '$1 == "U" && $2 ~ /^SDF_/ {print $2}' | sort >"$T/used"
	check "2012-style application calls SDF functions" [ "$(wc -l <"$T/used")" -ge 25 ]
fi

# ---- (b) C++ ------------------------------------------------------------------------------------
if command -v "$CXX" >/dev/null 2>&1; then
	compile "C++ application ($CXX)" "$T/cxx.log" $CXX $cxxflags -c "$src/cxx.cpp" -o "$T/cxx.o"
	if command -v nm >/dev/null 2>&1 && [ -f "$T/cxx.o" ]; then
		check "C++: SDF functions keep C linkage" sh -c 'nm "$1" | grep -q " U SDF_AuthEnc$"' sh "$T/cxx.o"
		check "C++: no mangled SDF names" sh -c '! nm "$1" | grep -q "_Z[0-9]*SDF_"' sh "$T/cxx.o"
	fi
fi

# ---- (c) layouts and constants -------------------------------------------------------------------
compile "layout.c" "$T/layout-cc.log" $CC $cflags "$src/layout.c" -o "$T/layout"
if [ -x "$T/layout" ]; then
	"$T/layout" >"$T/layout.out" 2>&1
	status=$?
	check "layouts and constants match GM/T 0018 (exit $status)" [ "$status" -eq 0 ]
	[ "$status" -eq 0 ] || grep -B1 MISMATCH "$T/layout.out"
fi
# The header refuses to compile where packing is not honoured (a copy without the pack pragmas, in which
# ECCCipher gets 3 bytes of tail padding): its own size checks fire.
grep -v '^#pragma pack' "$hdr" >"$T/nopack.h"
check "the copy without pack pragmas differs" [ "$(wc -l <"$T/nopack.h")" -eq $(($(wc -l <"$hdr") - 2)) ]
printf '#include "nopack.h"\n' >"$T/nopack.c"
check "a header whose layout is broken does not compile" \
	sh -c '! $1 -std=c99 -c "$2" -o "$3" 2>/dev/null' sh "$CC" "$T/nopack.c" "$T/nopack.o"

# ---- the declared functions ----------------------------------------------------------------------
# Comments and preprocessor lines out, declarations joined, then the name before "(".
sed -e 's:/\*.*\*/::g' -e '/\/\*/,/\*\//d' -e '/^#/d' "$hdr" | tr '\n\t' '  ' >"$T/flat"
grep -o 'SDF_API[^;(]*(' "$T/flat" | sed 's/ *($//; s/.*[ *]//' | sort >"$T/declared"
grep -oE '[A-Za-z_]+[ *]+SDF_[A-Za-z0-9_]+ *\(' "$T/flat" | sed 's/ *($//; s/.*[ *]//' | sort >"$T/all"
check "every function is declared with SDF_API" cmp -s "$T/declared" "$T/all"
[ -s "$T/all" ] && ! cmp -s "$T/declared" "$T/all" && diff "$T/declared" "$T/all" | sed 's/^/    /'
sort >"$T/expected" <<'LIST'
SDF_AuthDec
SDF_AuthDecFinal
SDF_AuthDecInit
SDF_AuthDecUpdate
SDF_AuthDecWithKEK
SDF_AuthEnc
SDF_AuthEncFinal
SDF_AuthEncInit
SDF_AuthEncUpdate
SDF_AuthEncWithKEK
SDF_CCSP_OpenDeviceWithConfig
SDF_CCSP_Version
SDF_CalculateMAC
SDF_CalculateMACFinal
SDF_CalculateMACInit
SDF_CalculateMACUpdate
SDF_CloseDevice
SDF_CloseSession
SDF_CreateFile
SDF_DecryptWithKEK_ECC
SDF_GenerateKeyPairWithKEK_ECC
SDF_SignWithKEK_ECC
SDF_ExportKeyWithKEK_ECC
SDF_BackupKeyWithKEK_ECC
SDF_ExportKeyWithBackupKey
SDF_ImportKeyWithBackupKey
SDF_RecoverKeyWithWrappedKey_ECC
SDF_ImportKeyWithWrappedKey_ECC
SDF_Decrypt
SDF_DecryptFinal
SDF_DecryptInit
SDF_DecryptUpdate
SDF_DeleteFile
SDF_DestroyKey
SDF_Encrypt
SDF_EncryptFinal
SDF_EncryptInit
SDF_EncryptUpdate
SDF_ExchangeDigitEnvelopeBaseOnECC
SDF_ExchangeDigitEnvelopeBaseOnRSA
SDF_ExportEncPublicKey_ECC
SDF_ExportEncPublicKey_RSA
SDF_ExportSignPublicKey_ECC
SDF_ExportSignPublicKey_RSA
SDF_ExternalDecrypt_ECC
SDF_ExternalEncrypt_ECC
SDF_ExternalKeyDecrypt
SDF_ExternalKeyDecryptInit
SDF_ExternalKeyEncrypt
SDF_ExternalKeyEncryptInit
SDF_ExternalKeyHMACInit
SDF_ExternalPrivateKeyOperation_RSA
SDF_ExternalPublicKeyOperation_RSA
SDF_ExternalSign_ECC
SDF_ExternalVerify_ECC
SDF_GenerateAgreementDataAndKeyWithECC
SDF_GenerateAgreementDataWithECC
SDF_GenerateKeyPair_ECC
SDF_GenerateKeyPair_RSA
SDF_GenerateKeyWithECC
SDF_GenerateKeyWithEPK_ECC
SDF_GenerateKeyWithEPK_RSA
SDF_GenerateKeyWithIPK_ECC
SDF_GenerateKeyWithIPK_RSA
SDF_GenerateKeyWithKEK
SDF_GenerateRandom
SDF_GetDeviceInfo
SDF_GetPrivateKeyAccessRight
SDF_HMACFinal
SDF_HMACInit
SDF_HMACUpdate
SDF_HashFinal
SDF_HashInit
SDF_HashUpdate
SDF_ImportKeyWithISK_ECC
SDF_ImportKeyWithISK_RSA
SDF_ImportKeyWithKEK
SDF_InternalDecrypt_ECC
SDF_InternalEncrypt_ECC
SDF_InternalPrivateKeyOperation_RSA
SDF_InternalPublicKeyOperation_RSA
SDF_InternalSign_ECC
SDF_InternalVerify_ECC
SDF_OpenDevice
SDF_OpenSession
SDF_ReadFile
SDF_ReleasePrivateKeyAccessRight
SDF_WriteFile
LIST
if cmp -s "$T/expected" "$T/declared"; then
	pass
else
	fail "declared functions differ from the expected 88 (- expected, + declared):"
	diff "$T/expected" "$T/declared" | sed 's/^/    /'
fi
check "88 functions declared" [ "$(wc -l <"$T/declared")" -eq 88 ]
check "sdf.h does not say CCSP_API (exports_test.sh counts those as libccsp's)" sh -c '! grep -q CCSP_API "$1"' sh "$hdr"

finish
