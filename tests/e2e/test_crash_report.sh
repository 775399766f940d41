#!/usr/bin/env bash
# A worker killed by a crash in user code (tests/apps/crash_app.c: a real
# SIGSEGV inside a step's body, and one outside any step), behind nginx with
# two workers under a master:
#   - the caller gets nginx's 502, and the master's log line names the signal,
#     the function, the run id and the step that was running;
#   - a new worker takes over: the next call is answered;
#   - the master stops cleanly afterwards.
# The program runs without TEST_PREFIX (valgrind would report the crash this
# test causes on purpose) and with ASan's SEGV handler off, so that the
# signal reaches the master as it would in a release build.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin tests/apps/crash_app
dir=$E2E_DIR/crash
TEST_PREFIX='' app_serve "$dir" "$bin" INNGEST_DEV=1 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" || abort "the crash app and nginx start"

# call FN RUN_ID: a discovery call for function FN of the crash app
call() {
	local body
	body=$(jq -cn --arg run "$2" '{ctx: {attempt: 0, run_id: $run, stack: {current: 0, stack: []}},
		event: {name: "crash/any", data: {}, id: "01JEVT0000000000000000000C", ts: 1700000000000},
		events: [], steps: {}, version: 2}')
	http POST "http://127.0.0.1:$ngx_port/api/inngest?fnId=crash-app-$1&stepId=step" \
		-H 'Content-Type: application/json' --data-binary "$body"
}

# expect_logged WHAT RE: passes once the program's log has a line matching
# RE (waiting up to 5 s), else fails showing the last "died" line.
expect_logged() {
	local i
	for ((i = 0; i < 50; i++)); do
		if grep -Eq -- "$2" "$dir/app.log"; then
			pass "$1"
			return
		fi
		sleep 0.1
	done
	fail "$1: want /$2/, got: $(grep 'died' "$dir/app.log" | tail -n 1 || echo none)"
}

call segfault 01JCRASHRUN00000000000000A
expect_eq "a crash in a step's body: the caller gets nginx's 502" 502 "$HTTP_STATUS"
expect_logged "the master's log names the signal, function, run and step" \
	'worker [0-9]+ died \(signal 11, Segmentation fault\) while running function "crash-app-segfault", run 01JCRASHRUN00000000000000A, step "touch-the-page"'

call segfault-outside 01JCRASHRUN00000000000000B
expect_eq "a crash outside any step: 502" 502 "$HTTP_STATUS"
expect_logged "the master's log says the crash was outside any step" \
	'died \(signal 11, Segmentation fault\) while running function "crash-app-segfault-outside", run 01JCRASHRUN00000000000000B, outside any step'

# New workers take over (the master may pause a little after quick crashes).
for _ in $(seq 30); do
	call fine 01JCRASHRUN00000000000000C
	[[ $HTTP_STATUS == 200 ]] && break
	sleep 0.2
done
expect_eq "a new worker answers the next call" '200 {"ok":true}' "$HTTP_STATUS $HTTP_BODY"
expect_eq "no crash line names a request that did not crash" 2 "$(grep -c 'died (signal' "$dir/app.log" || true)"
expect_ok "the master stops cleanly" app_stop "$dir"
nginx_stop "$dir"
summary
