#!/usr/bin/env bash
# run.sh — runs the fuzz targets built in build/fuzz (make fuzz-build), each
# from its seeds (tests/fuzz/seeds.sh) plus the corpus earlier runs grew, and
# prints one line per target:
#   fuzz_x: ok, 1234567 runs in 60 s, corpus 321 inputs
#   fuzz_x: FAILED (crash), input saved as build/fuzz/artifacts/fuzz_x-crash-…
# Exits non-zero when any target crashed, leaked, timed out (10 s on one
# input unless FUZZ_TIMEOUT says otherwise), ran out of memory (2.5 GB) or
# hit a sanitizer report.
#
#   FUZZ_SECONDS=N    time per target (default 60)
#   FUZZ_RUNS=N       stop a target after N runs instead (the time still bounds it)
#   FUZZ_TARGETS=...  names to run (default: every build/fuzz/fuzz_*)
#   FUZZ_LOG_DIR=D    keep each target's libFuzzer output in D/<target>.log
#   FUZZ_TIMEOUT=S    seconds one input may take (default 10; the clock is
#                     wall time, so raise it for a run that may be paused)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/build/fuzz
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:--1}
timeout=${FUZZ_TIMEOUT:-10}
logs=${FUZZ_LOG_DIR:-$dir/logs}
mkdir -p "$dir/corpus" "$dir/artifacts" "$logs"

# shellcheck source=tests/lib/tools.sh
source "$root/tests/lib/tools.sh"
require_tools fuzz timeout jq base64 sed

# Seeds are regenerated when the vectors or the generator are newer.
if [[ ! -d $dir/seeds || $(find "$root/tests/fuzz/seeds.sh" "$root/tests/vectors" \
	-newer "$dir/seeds" 2>/dev/null | head -n 1) ]]; then
	"$root/tests/fuzz/seeds.sh" "$dir/seeds.new" >/dev/null || exit 1
	rm -rf "$dir/seeds"
	mv "$dir/seeds.new" "$dir/seeds"
fi

targets=${FUZZ_TARGETS:-}
if [[ -z $targets ]]; then
	for f in "$dir"/fuzz_*; do
		[[ -x $f && ${f##*/} != *.* ]] && targets+="${f##*/} "
	done
fi
[[ -n ${targets// /} ]] || { echo "run.sh: no fuzz target in $dir (make fuzz-build)" >&2; exit 1; }

failed=0
for t in $targets; do
	bin=$dir/$t
	if [[ ! -x $bin ]]; then
		echo "$t: FAILED (not built)"
		failed=1
		continue
	fi
	mkdir -p "$dir/corpus/$t" "$dir/seeds/$t"
	log=$logs/$t.log
	start=$(date +%s)
	# leaks are checked after every input that allocated more than it freed;
	# -timeout is per input, -max_total_time the whole run.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$seconds" -runs="$runs" -timeout="$timeout" -rss_limit_mb=2560 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t-" \
		"$dir/corpus/$t" "$dir/seeds/$t" >"$log" 2>&1
	rc=$?
	elapsed=$(($(date +%s) - start))
	done_runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	corpus=$(find "$dir/corpus/$t" -type f | wc -l)
	if ((rc == 0)) && ! grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY: ' "$log"; then
		echo "$t: ok, ${done_runs:-?} runs in $elapsed s, corpus $corpus inputs"
	else
		kind=$(grep -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+|runtime error|fuzz: .*' "$log" | head -n 1)
		artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | head -n 1)
		echo "$t: FAILED (${kind:-exit status $rc}) after ${done_runs:-?} runs, input saved as ${artifact:-?}; log $log"
		failed=1
	fi
done
exit "$failed"
