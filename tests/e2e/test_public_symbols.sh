#!/usr/bin/env bash
# The shared library's edge is the public header: libinngest-fcgi.so exports
# exactly the functions handler/inngest.h declares, no internal symbol
# (arena_new, http_perform, server_init …) and no public function missing.
#
# The header's list comes from the compiler (gcc -aux-info: every function
# declared in inngest.h, with or without ING_API), the library's from
# `nm -D --defined-only`; each must equal the other.  Before comparing, the
# comparison itself must fail on a list with one symbol added and on one with
# a symbol removed, so it cannot pass by matching nothing.
#
#   BUILD_DIR=build/asan tests/e2e/test_public_symbols.sh
#   tests/e2e/test_public_symbols.sh LIB.so   (compare another build of the library)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^#define ING_SDK_VERSION "\(.*\)"/\1/p' handler/inngest.h)
build=${BUILD_DIR:-build/asan}
build=${build#"$root/"}
so=${1:-$build/libinngest-fcgi.so.$version}
if [[ -z ${1:-} ]]; then
	# The library is not part of `make all`: build it (SAN follows the build directory).
	san=1
	[[ $build == build/release ]] && san=0
	nice make --no-print-directory SAN=$san "$so" >"$work/make.log" 2>&1 ||
		{ cat "$work/make.log" >&2; fail "building $so"; }
fi

# The functions inngest.h declares (json-c's own declarations are left out).
header_functions() {
	# shellcheck disable=SC2046  # pkg-config prints several flags
	gcc -std=c11 $(pkg-config --cflags json-c) -Ihandler -fsyntax-only \
		-aux-info "$work/aux.txt" -x c handler/inngest.h
	# "/* handler/inngest.h:145:NC */ extern const char *ing_http_header (…);":
	# the name is the word before the first " (".
	sed -n 's|^/\* handler/inngest\.h:[0-9]*:[^*]*\*/ ||p' "$work/aux.txt" |
		sed -E 's/ \(.*//; s/.*[ *]//' | sort -u
}

# compare EXPORTED HEADER: prints what differs; fails when anything does.
compare() {
	local extra missing
	extra=$(comm -23 "$1" "$2") missing=$(comm -13 "$1" "$2")
	[[ -z $extra ]] || echo "  exported but not in inngest.h: $(tr '\n' ' ' <<<"$extra")"
	[[ -z $missing ]] || echo "  in inngest.h but not exported: $(tr '\n' ' ' <<<"$missing")"
	[[ -z $extra && -z $missing ]]
}

header_functions >"$work/header"
n=$(wc -l <"$work/header")
if ((n >= 40)) && grep -qx ing_step_run "$work/header"; then
	pass "inngest.h declares $n functions (ing_step_run among them)"
else
	fail "inngest.h declares $n functions: the header parse found too few"
fi

# The comparison must catch a symbol too many and a symbol too few.
{ cat "$work/header"; echo arena_new; } | sort >"$work/plus"
sed 1d "$work/header" >"$work/minus"
if ! compare "$work/plus" "$work/header" >/dev/null; then
	pass "the comparison fails when an internal symbol (arena_new) is exported"
else
	fail "the comparison passed with an extra symbol"
fi
if ! compare "$work/minus" "$work/header" >/dev/null; then
	pass "the comparison fails when a public function ($(head -1 "$work/header")) is not exported"
else
	fail "the comparison passed with a missing symbol"
fi

if [[ -f $so ]]; then
	# Functions and data the library defines for others (T/D/B/R, weak W/V).
	nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRWVi]$/ { print $3 }' | sort -u >"$work/exported"
	if compare "$work/exported" "$work/header"; then
		pass "$(basename "$so") exports exactly inngest.h's $n functions"
	else
		fail "$(basename "$so") exports $(wc -l <"$work/exported") symbols, inngest.h declares $n"
	fi
else
	fail "no shared library at $so"
fi

echo "$passed passed, $failed failed"
((failed == 0))
