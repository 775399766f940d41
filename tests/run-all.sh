#!/usr/bin/env bash
# `make check`: every unit test binary in $BUILD_DIR/tests (under $TEST_PREFIX,
# e.g. valgrind), then every tests/e2e/*.sh, one after the other.  Ends with
# one line, `N passed, N failed`, summed over all of them; exits non-zero if
# anything failed, crashed, hung or printed no count.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${BUILD_DIR:?BUILD_DIR must name the build directory, e.g. build/asan}"
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR
export BUILD_DIR TEST_PREFIX=${TEST_PREFIX:-}
# cmocka's other output formats would hide the summary parsed below.
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE

# Every command the suites run, checked before anything starts: a missing one
# fails here with its Debian package and the install step that installs it.
# shellcheck source=tests/lib/tools.sh
source tests/lib/tools.sh
tools_group=$([[ $TEST_PREFIX == valgrind* ]] && echo valgrind || echo check)
if ! missing=$(tools_missing "$tools_group" timeout tee nginx curl jq ss setsid pgrep openssl \
	redis-server redis-cli spawn-fcgi multiwatch systemd-analyze systemd-socket-activate sqlite3 \
	unshare mount clang make cc pkg-config nm git ${TEST_PREFIX:+${TEST_PREFIX%% *}}); then
	echo "$missing" | sed 's/^/run-all: /' >&2
	echo "0 passed, 1 failed"
	exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0 failed=0 broken=()

# A hung test must not eat CI's time budget; valgrind is ~20x slower.
unit_limit=$([[ -n $TEST_PREFIX ]] && echo 1800 || echo 300)
e2e_limit=$([[ -n $TEST_PREFIX ]] && echo 1800 || echo 600)

# add NAME STATUS P F: P/F are the counts NAME reported ("" if none).  A
# non-zero status with no failure counted (a crash, a sanitizer or valgrind
# exit code, a timeout) still counts as one failure.
add() {
	local name=$1 rc=$2 p=${3:-0} f=${4:-0}
	if [[ -z ${3:-}${4:-} ]]; then
		echo "run-all: $name printed no test count (exit status $rc)" >&2
		f=1
	elif ((rc != 0 && f == 0)); then
		echo "run-all: $name reported no failure but exited with status $rc" >&2
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	((f == 0)) || broken+=("$name")
}

# Sum of the numbers captured by ERE $1 over $out; empty when it never matches.
sum_of() {
	sed -nE "s/$1.*/\\1/p" "$out" | awk '{ s += $1 } END { if (NR) print s }'
}

units=0
for bin in "$BUILD_DIR"/tests/test_*; do
	[[ -f $bin && -x $bin ]] || continue
	units=$((units + 1))
	rc=0
	# shellcheck disable=SC2086  # TEST_PREFIX is a command line
	timeout -k 10 "$unit_limit" $TEST_PREFIX "$bin" 2>&1 | tee "$out" || rc=$?
	# One binary may run several groups: add up every cmocka summary.
	p=$(sum_of '^\[  PASSED  \] ([0-9]+) test')
	f=$(sum_of '^\[  FAILED  \] ([0-9]+) test')
	if [[ -z $p$f ]] && last=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1); then
		read -r p f < <(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/' <<<"$last")
	fi
	add "$(basename "$bin")" "$rc" "$p" "$f"
done

for script in tests/e2e/*.sh; do
	[[ -f $script ]] || continue
	rc=0
	timeout -k 10 "$e2e_limit" "$script" 2>&1 | tee "$out" || rc=$?
	p='' f=''
	# Its own summary is its last stdout line; stderr (merged here) may follow.
	last=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 || true)
	if [[ $last =~ ^([A-Za-z]+:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]}
	fi
	add "$script" "$rc" "$p" "$f"
done

# Every tests/unit/test_*.c must have run as a binary: one that was not built
# would otherwise be skipped in silence.
sources=(tests/unit/test_*.c)
if ((units < ${#sources[@]})); then
	echo "run-all: ran $units unit test binaries in $BUILD_DIR/tests; tests/unit has ${#sources[@]}" >&2
	failed=$((failed + 1))
	broken+=("unit binaries")
fi

if ((passed + failed == 0)); then
	echo "run-all: no test ran (nothing in $BUILD_DIR/tests or tests/e2e)" >&2
	failed=1
fi
((${#broken[@]} == 0)) || echo "run-all: failing: ${broken[*]}" >&2
echo "$passed passed, $failed failed"
((failed == 0))
