#!/usr/bin/env bash
# The short fuzzing pass of `make check`: builds the libFuzzer targets
# (tests/fuzz/, clang with ASan+UBSan), replays every input in
# tests/fuzz/regressions/<target>/ (inputs that once crashed a target: each
# must now pass), then fuzzes each target for FUZZ_SHORT_SECONDS (default 3)
# from its seeds and the corpus earlier runs grew.  One test per target for
# each phase; any crash, leak, timeout or sanitizer report fails it.  The long
# runs are `make fuzz FUZZ_SECONDS=N`.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init
cd "$E2E_ROOT"

seconds=${FUZZ_SHORT_SECONDS:-3}
e2e_require_tools "${FUZZ_CC:-clang}" make
if ! make --no-print-directory -s -j"$(nproc)" fuzz-build >"$E2E_DIR/build.log" 2>&1; then
	tail -n 30 "$E2E_DIR/build.log"
	fail "the fuzz targets build (make fuzz-build)"
	summary
	exit 1
fi

targets=''
for f in build/fuzz/fuzz_*; do
	[[ -x $f && $f != *.* ]] && targets+="${f##*/} "
done
# Every saved input is replayed: a directory whose target was not built would
# otherwise be skipped in silence.  There were 4 inputs when this was written.
held=$(find tests/fuzz/regressions -type f | wc -l)
replayed=0
for d in tests/fuzz/regressions/*/; do
	[[ -d $d && " $targets " == *" $(basename "$d") "* ]] ||
		fail "regression inputs in $d have a built target (build/fuzz/$(basename "$d"))"
done
for t in $targets; do
	inputs=(tests/fuzz/regressions/"$t"/*)
	[[ -e ${inputs[0]} ]] || continue
	replayed=$((replayed + ${#inputs[@]}))
	if ASAN_OPTIONS=detect_leaks=1 "build/fuzz/$t" "${inputs[@]}" >"$E2E_DIR/$t.replay" 2>&1; then
		pass "$t: ${#inputs[@]} regression input(s) pass"
	else
		grep -E 'ERROR|runtime error|fuzz:' "$E2E_DIR/$t.replay" | head -n 5
		fail "$t: a regression input fails again"
	fi
done
if ((held >= 4 && replayed == held)); then
	pass "all $held saved regression inputs were replayed"
else
	fail "$replayed of the $held saved regression inputs were replayed (at least 4 expected)"
fi

# One line per target from run.sh; every target of tests/fuzz/ (11 when this
# was written) must have been built and must report.
sources=(tests/fuzz/fuzz_*.c)
expect_ok "fuzz targets were built ($(wc -w <<<"$targets"))" test -n "$targets"
reported=0
while IFS= read -r line; do
	reported=$((reported + 1))
	if [[ $line == *": ok, "* ]]; then pass "$line"; else fail "$line"; fi
done < <(FUZZ_SECONDS=$seconds FUZZ_LOG_DIR=$E2E_DIR/logs FUZZ_TARGETS=$targets tests/fuzz/run.sh || true)
if ((${#sources[@]} >= 11 && reported == ${#sources[@]})); then
	pass "all ${#sources[@]} fuzz targets ran"
else
	fail "$reported of the ${#sources[@]} fuzz targets in tests/fuzz/ reported (at least 11 expected)"
fi
summary
