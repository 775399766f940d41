#!/usr/bin/env bash
# Checkpointing (INNGEST_CHECKPOINTING=1, handler/PROTOCOL.md §14) against the REAL
# Inngest dev server: nginx + the FastCGI program + a private `inngest dev`,
# all on free loopback ports.  A run of n sequential steps must finish in at
# most 2 call requests (we count the POSTs of the run in our log) instead of
# n+1, with the right output, and the server must hold every step (its trace
# lists them); a sleep, a parallel group and a retried step still go the
# classic way.  The same run with checkpointing off (the default) takes n+1.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
e2e_init

dev_app_preamble e2e-ckpt

dev_app_serve INNGEST_CHECKPOINTING=1
dev_app_server

dev_app_sync "the dev server has the app's 20 functions" 20 30

# The call requests of one run, as our log lines them.
posts_of() { grep -cF " run=$1 " "$log" || true; }
run_of() { # EVENT_JSON → the ended run (JSON)
	local ev
	ev=$(send_event "$base" any-key "$1") || return 1
	wait_run "$base" "$ev" 90
}
# conf-retry waits on the server's real back-off (15-45 s, then 30-60 s):
# it starts now and is checked last.
retry_event=$(send_event "$base" any-key '{"name":"conf/retry","data":{}}') || abort "send conf/retry"
trace_items() { # RUN_ID → the step ids of its "item" spans, sorted
	curl -sS --max-time 10 "$base/v0/gql" -H 'Content-Type: application/json' \
		-d "{\"query\":\"{ runTrace(runID: \\\"$1\\\") { childrenSpans { name stepID } } }\"}" |
		jq -r '.data.runTrace.childrenSpans[] | select(.name == "item") | .stepID' 2>/dev/null | sort -u | paste -sd' '
}
want_items=$(for i in $(seq 0 9); do
	if ((i == 0)); then printf item; else printf 'item:%d' "$i"; fi | sha1sum | cut -d' ' -f1
done | sort | paste -sd' ')

# ---- n = 10 sequential steps ------------------------------------------------
run=$(run_of '{"name":"conf/loop","data":{"n":10}}') || abort "conf-loop n=10 ends"
id=$(jq -r .run_id <<<"$run")
expect_eq "conf-loop n=10 with checkpointing: Completed {\"sum\":45}" 'Completed {"sum":45}' \
	"$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run")"
posts=$(posts_of "$id")
expect_ok "conf-loop n=10: at most 2 call requests instead of 11 (saw $posts)" test "$posts" -ge 1 -a "$posts" -le 2
expect_match "conf-loop n=10: our log says the 10 steps were checkpointed" \
	"status=200 .*result; 10 step\(s\) checkpointed$" "$(grep -F " run=$id " "$log" | tail -n 1)"
expect_eq "conf-loop n=10: the server holds the 10 steps sha1(item) … sha1(item:9)" "$want_items" \
	"$(trace_items "$id")"

# ---- two steps --------------------------------------------------------------
run=$(run_of '{"name":"conf/steps","data":{}}') || abort "conf-steps ends"
id=$(jq -r .run_id <<<"$run")
expect_eq "conf-steps with checkpointing: {\"result\":\"AB\"} in one call request" \
	'Completed {"result":"AB"} 1' "$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run") $(posts_of "$id")"

# ---- what stays classic -----------------------------------------------------
run=$(run_of '{"name":"conf/sleep","data":{}}') || abort "conf-sleep ends"
id=$(jq -r .run_id <<<"$run")
expect_eq "conf-sleep: the Sleep goes in a 206, the step after it is checkpointed: 2 calls" \
	'Completed {"after":"woke"} 2' "$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run") $(posts_of "$id")"
expect_eq "conf-sleep: our log shows the Sleep op, then the result with 1 step checkpointed" \
	"1 1" "$(grep -F " run=$id " "$log" | grep -c 'status=206 .*Sleep nap$') $(grep -F " run=$id " "$log" | grep -c 'status=200 .*result; 1 step(s) checkpointed$')"

run=$(run_of '{"name":"conf/parallel","data":{}}') || abort "conf-parallel ends"
id=$(jq -r .run_id <<<"$run")
expect_eq "conf-parallel: right output, the group planned in a 206 (nothing checkpointed in it)" \
	'Completed {"left":"L","right":"R"} 1' \
	"$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run") $(grep -F " run=$id " "$log" | grep -c 'status=206 .* 2 ops$')"

run=$(wait_run "$base" "$retry_event" 180) || abort "conf-retry ends"
id=$(jq -r .run_id <<<"$run")
expect_eq "conf-retry: two StepErrors in 206s; the retry (attempt 2) runs the step classically, not checkpointed" \
	'Completed {"flaky":"ok"} 2 1' \
	"$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run") $(grep -F " run=$id " "$log" | grep -c 'status=206 .*StepError flaky: Error: ') $(grep -F " run=$id " "$log" | grep -c 'status=206 .*StepRun flaky$')"

# ---- the same run with checkpointing off (the default) ----------------------
expect_ok "the program stops on SIGTERM" app_stop "$srv"
app_start "$srv" "$bin" "$app_port" INNGEST_DEV=1 INNGEST_APP_ID="$app" INNGEST_BASE_URL="$base" ||
	abort "the program starts again without INNGEST_CHECKPOINTING"
run=$(run_of '{"name":"conf/loop","data":{"n":10}}') || abort "conf-loop n=10 ends (checkpointing off)"
id=$(jq -r .run_id <<<"$run")
expect_eq "checkpointing off: conf-loop n=10 takes n+1 = 11 call requests, same output" \
	'Completed {"sum":45} 11' "$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run") $(posts_of "$id")"
expect_eq "checkpointing off: the server holds the same 10 steps" "$want_items" "$(trace_items "$id")"

expect_ok "the program exits cleanly on SIGTERM" app_stop "$srv"
nginx_stop "$srv"
server_stop "$dev"
expect_ok "nginx and program logs clean" check_logs "$srv"

summary
