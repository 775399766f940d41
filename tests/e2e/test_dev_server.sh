#!/usr/bin/env bash
# The conformance app (functions/README.md §1) driven by the REAL Inngest dev server:
# nginx + the FastCGI program in dev mode + a private `inngest dev`.  We sync
# with a PUT, send one event per conformance function all at once (the server
# runs them concurrently, so the slowest one, a retry with the server's real
# back-off, sets the length of the test) and read every run back through the
# server's REST API, next to what our log says the server asked of us.
#
# The fault comes first: the program (master and workers) is killed with
# SIGKILL in the middle of a long loop and started again; the run must still
# complete, because the run's state lives in the server, not in the program.
# It comes before the other events so that the restart cannot swallow one of
# their requests (which would change the call counts asserted below).
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/conformance_runs.sh
source "$(dirname "$0")/../lib/conformance_runs.sh"
e2e_init

dev_app_preamble e2e-dev

# ---- nginx, the program, the dev server ------------------------------------
dev_app_up
CONF_BASE=$base CONF_KEY=any-key CONF_AUTH='' CONF_APP=$app CONF_LOG=$log
pass "inngest dev answers /health at $SERVER_URL"

# ---- sync ------------------------------------------------------------------
sync_put "$endpoint"
expect_eq "PUT sync: 200" 200 "$HTTP_STATUS"
expect_eq "PUT sync: the dev server registered us" "Successfully registered" \
	"$(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"
expect_ok "the dev server has the app's 20 functions" wait_synced "$base" "$app" 20 20
expect_eq "GET /dev lists the 20 functions by composite id" \
	"$(printf '%s\n' conf-steps conf-loop conf-parallel conf-sleep conf-wait conf-invoke conf-send conf-retry \
		conf-nonretriable conf-retry-after conf-step-error conf-failure conf-failure-failure \
		conf-fetch conf-ai-infer conf-ai-wrap conf-race conf-signal conf-signal-send conf-realtime | sed "s/^/$app-/" | sort | paste -sd" ")" \
	"$(api_get "$base" /dev | jq -r '.functions[].slug' | sort | paste -sd' ' 2>/dev/null)"
expect_eq "the registered step URL is our endpoint (127.0.0.1 is called back as localhost)" \
	"http://localhost:$ngx_port/api/inngest?fnId=e2e-dev-conf-steps&stepId=step" \
	"$(api_get "$base" /dev | jq -r '.functions[] | select(.slug == "e2e-dev-conf-steps") | .steps[0].uri' 2>/dev/null)"

# ---- the fault: SIGKILL in the middle of a run ------------------------------
loop_n=40
fault_event=$(send_event "$base" any-key "{\"name\":\"conf/loop\",\"data\":{\"n\":$loop_n}}") ||
	abort "send conf/loop for the fault"
fault_run=$(event_run_id "$base" "$fault_event" 20) || abort "the fault loop starts"
items_before=0
for ((i = 0; i < 200 && items_before < 10; i++)); do
	items_before=$(conf_count "$fault_run" 'StepRun item')
	sleep 0.1
done
((items_before >= 10)) || abort "the fault loop reaches its 10th step (saw $items_before)"
pgid=$(<"$srv/app.pid")
# app_start runs the master under setsid: its process group is master and
# workers, and nothing else.
kill -KILL -- "-$pgid"
# The master is our child: reap it (a zombie still answers kill -0).
wait "$pgid" 2>/dev/null || true
rm -f "$srv/app.pid"
# The workers die a moment later (and are reaped by init).
group_gone() { ! pgrep -g "$pgid" >/dev/null; }
if poll_until "$E2E_WAIT_SECS" group_gone; then
	pass "SIGKILL stopped the master and its workers (process group $pgid)"
else
	fail "SIGKILL stopped the master and its workers: left $(pgrep -g "$pgid" | tr '\n' ' ')"
fi
lines_at_kill=$(wc -l <"$log")
dev_app_program_start || abort "the program starts again after SIGKILL"
pass "the program restarted after SIGKILL $items_before steps into a $loop_n-step run"

# ---- every conformance function at once ------------------------------------
conf_send_all || abort "send the conformance events"
conf_wait_reported || abort "conf-wait reports its WaitForEvent op"
conf_approve || abort "send conf/approve"
conf_check_quick
conf_check_wait_matched
conf_check_slow

run=$(wait_run "$base" "$fault_event" 90) || true
expect_eq "after SIGKILL and restart: the $loop_n-step loop completed with the right sum" \
	"Completed {\"sum\":$((loop_n * (loop_n - 1) / 2))}" "$(conf_field "$run" .status) $(conf_out "$run")"
after=$(tail -n "+$((lines_at_kill + 1))" "$log" | grep -cF " run=$fault_run " || true)
expect_ok "after SIGKILL and restart: the new program served the rest of the run ($after requests)" test "$after" -ge 1

# ---- shutdown --------------------------------------------------------------
expect_ok "the program exits cleanly on SIGTERM" app_stop "$srv"
nginx_stop "$srv"
server_stop "$dev"
expect_ok "nginx and program logs clean" check_logs "$srv"

summary
