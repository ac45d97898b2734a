# SPDX-License-Identifier: Apache-2.0
# Helpers sourced by the CLI tests (POSIX sh). ctest sets CCSP (the ccsp binary), OPENSSL (the
# openssl command) and TEST_TMP (a scratch directory of this test, emptied here).
set -u
: "${CCSP:?set CCSP to the ccsp binary}" "${OPENSSL:?set OPENSSL to the openssl command}"
: "${TEST_TMP:?set TEST_TMP to a scratch directory}"
rm -rf "$TEST_TMP"
mkdir -p "$TEST_TMP/out"
T=$TEST_TMP
OUT=$TEST_TMP/out # failing commands write here; it must stay empty (no temporary files either)
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); }
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $*"
}

# check DESC CMD...: CMD must succeed.
check() {
	desc=$1
	shift
	if "$@"; then pass; else fail "$desc"; fi
}

# CMD1 && CMD2 ...; expect DESC: the list before must have succeeded (check DESC CMD1 && CMD2 would count only
# CMD1: the shell runs CMD2 after check returned).
expect() {
	if [ $? -eq 0 ]; then pass; else fail "$1"; fi
}
# ok 'CONDITION': a whole condition as one command, for check DESC ok '[ X ] && grep ...'
ok() { eval "$1"; }

# same A B DESC: files A and B must be byte-identical.
same() {
	if cmp -s "$1" "$2"; then pass; else fail "$3"; fi
}

# must_fail DESC CMD...: CMD must exit non-zero with a "ccsp: " message on stderr and leave
# $OUT empty (no output file, no temporary file).
must_fail() {
	desc=$1
	shift
	"$@" >"$T/stdout" 2>"$T/stderr"
	status=$?
	if [ "$status" -eq 0 ]; then
		fail "$desc: exit status 0"
	elif [ "$status" -ge 126 ]; then
		fail "$desc: crashed or not run (status $status)"
	elif ! grep -q '^ccsp: ' "$T/stderr"; then
		fail "$desc: no error message on stderr"
	elif [ -n "$(ls -A "$OUT")" ]; then
		fail "$desc: left files behind: $(ls -A "$OUT")"
	else
		pass
		return 0
	fi
	sed 's/^/    stderr: /' "$T/stderr"
	rm -rf "$OUT" && mkdir -p "$OUT"
	return 0
}

# must_fail_with DESC STATUS TEXT CMD...: as must_fail, and CMD exits with STATUS and says TEXT (a fixed
# string) on stderr: three checks.
must_fail_with() {
	desc=$1 want=$2 text=$3
	shift 3
	must_fail "$desc" "$@"
	if [ "$status" -eq "$want" ]; then pass; else fail "$desc: exit status $status, not $want"; fi
	if grep -qF -- "$text" "$T/stderr"; then pass; else fail "$desc: no '$text' on stderr"; fi
}

# randfile FILE N: N random bytes.
randfile() { head -c "$2" /dev/urandom >"$1"; }

# randhex N: 2N random hex digits.
randhex() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }

# hexfile FILE HEX: write the bytes of HEX (lower or upper case) to FILE.
hexfile() {
	printf '%s' "$2" | sed 's/../& /g' | {
		: >"$1"
		for b in $(cat); do printf "\\$(printf '%03o' "0x$b")" >>"$1"; done
	}
}

# filehex FILE: the bytes of FILE as lower-case hex.
filehex() { od -An -vtx1 "$1" | tr -d ' \n'; }

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}
