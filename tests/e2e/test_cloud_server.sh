#!/usr/bin/env bash
# The conformance app in cloud mode against the REAL self-hosted server
# (`inngest start`), backed by this test's own redis-server: every call
# request is signed by the server and verified by us, our sync and our
# sendEvent calls are authenticated by the server (bearer token, event key),
# and the REST API is read with the signing key.
#
# Then the edges of authentication: a call signed with another key is
# refused; a bare-hex INNGEST_SIGNING_KEY works as well as signkey-test-<hex>;
# a sync with a wrong key is refused (the PUT answer gives the server's status,
# the log its reason).
#
# The fault: Redis is restarted (SHUTDOWN SAVE, down for a second, started on
# its dump) while a run waits for an event.  Inngest v1.44.0 does not ride
# that out: the executor's first queue scan that finds Redis unreachable ends
# the whole server (exit status 1, "service executor errored: … connection
# refused").  The test says so when it happens and starts the server again on
# the same ports, database and Redis, as a supervisor would; the runs that
# were in progress must then complete.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/conformance_runs.sh
source "$(dirname "$0")/../lib/conformance_runs.sh"
e2e_init

e2e_program bin inngest-fcgi-conformance
app=e2e-cloud
server=$E2E_DIR/server
srv=$E2E_DIR/app
log=$srv/app.log
e2e_require_tools redis-server redis-cli
inngest_cli >/dev/null || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"

# ---- keys, ports, processes -------------------------------------------------
key=$(openssl rand -hex 32) # the server takes bare even-length hex
event_key=e2e-event-key-$(openssl rand -hex 8)
auth="Authorization: Bearer $key"
read -r ngx_port app_port api_port redis_port < <(free_ports 4)
endpoint=http://127.0.0.1:$ngx_port/api/inngest
base=http://127.0.0.1:$api_port
mkdir -p "$server" "$srv"

# start_app SIGNING_KEY: the program in cloud mode with that key.
start_app() {
	app_start "$srv" "$bin" "$app_port" INNGEST_DEV=0 INNGEST_APP_ID=$app INNGEST_BASE_URL="$base" \
		INNGEST_SIGNING_KEY="$1" INNGEST_EVENT_KEY="$event_key" INNGEST_SERVE_ORIGIN="http://127.0.0.1:$ngx_port"
}
nginx_start "$srv" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
start_app "signkey-test-$key" || abort "the conformance program starts in cloud mode"
redis_start "$server" "$redis_port" || abort "redis-server starts on 127.0.0.1:$redis_port"
SERVER_PORT=$api_port self_hosted_start "$server" --signing-key "$key" --event-key "$event_key" \
	--redis-uri "redis://127.0.0.1:$redis_port" || abort "inngest start starts"
pass "inngest start answers /health at $SERVER_URL (Redis on $redis_port)"
CONF_BASE=$base CONF_KEY=$event_key CONF_AUTH=$auth CONF_APP=$app CONF_LOG=$log

http GET "$base/v1/apps/$app/functions?unauthenticated"
expect_eq "the server's REST API refuses a request without the key: 401" 401 "$HTTP_STATUS"
http POST "$base/e/not-the-event-key" -d '{"name":"conf/steps","data":{}}'
expect_eq "the server refuses an unknown event key: 401" 401 "$HTTP_STATUS"

# ---- sync: our bearer token, derived from signkey-test-<hex> ----------------
http PUT "$endpoint"
expect_eq "PUT sync (signkey-test-<hex>): 200" 200 "$HTTP_STATUS"
expect_eq "PUT sync: the server authenticated and registered us" "Successfully registered" \
	"$(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"
expect_ok "the server has the app's 20 functions" wait_synced "$base" "$app" 20 20 "$auth"

# ---- every conformance function at once, signed calls -----------------------
conf_send_all || abort "send the conformance events"
conf_wait_reported || abort "conf-wait reports its WaitForEvent op"
conf_check_quick

# ---- the fault: Redis restarts while conf-wait waits -------------------------
# SHUTDOWN SAVE writes the dump even with --save '' (no save points), so the
# Redis that comes back has the queue and the run state.
redis-cli -p "$redis_port" shutdown save >/dev/null 2>&1 || true
wait "$(<"$server/redis.pid")" 2>/dev/null || true
rm -f "$server/redis.pid"
if [[ -s $server/dump.rdb ]]; then pass "Redis saved its data and stopped"; else fail "Redis saved its data (no dump.rdb)"; fi
sleep 1 # a restart is not instantaneous: Redis is away for a second
redis_start "$server" "$redis_port" || abort "redis-server starts again"
# the dump must bring the queue and the run state back: an empty Redis would
# make the rest of this test a run that never waited
redis_keys=$(redis-cli -p "$redis_port" dbsize 2>/dev/null || echo 0)
if [[ $redis_keys =~ ^[0-9]+$ ]] && ((redis_keys > 0)); then
	pass "Redis is back on 127.0.0.1:$redis_port with its $redis_keys keys"
else
	fail "Redis is back with the saved keys (dbsize: '$redis_keys')"
fi
server_pid=$(<"$server/server.pid")
server_down() { ! kill -0 "$server_pid" 2>/dev/null; }
if poll_until 5 server_down; then
	status=0
	wait "$server_pid" 2>/dev/null || status=$?
	echo "note: inngest start exited (status $status) when Redis went away; the first service to fail:" \
		"$(jq -Rr 'fromjson? | select(.msg == "service run errored") | "\(.caller): \(.error)"' "$server/server.log" |
			head -n 1 | head -c 300)"
	echo "note: starting it again on the same ports, database and Redis, as a supervisor would"
	rm -f "$server/server.pid"
	server_restart "$server" || abort "inngest start starts again on the same ports, database and Redis"
	survived="came back after a restart"
else
	survived="rode out the Redis restart"
fi
# either way it must be serving again, not merely alive
server_answers() { curl -sf --max-time 2 "$SERVER_URL/health" >/dev/null 2>&1; }
if poll_until 10 server_answers; then
	pass "inngest start $survived and answers $SERVER_URL/health"
else
	fail "inngest start $survived but $SERVER_URL/health does not answer"
fi
conf_approve || abort "send conf/approve after the Redis restart"
conf_check_wait_matched
conf_check_slow

http_401s=$(grep -c 'status=401' "$log" || true)
expect_eq "every call request the server made was signed and verified: no 401 in our log" 0 "$http_401s"
expect_match "and the program was in cloud mode (it verifies every call request)" \
	'app "e2e-cloud", 20 function\(s\), cloud mode' "$(head -n 5 "$log")"

# ---- a call signed with another key ----------------------------------------
call="$E2E_DIR/call.json"
printf '%s' '{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f","max_attempts":4,"qi_id":"","request_id":"01JREQ00000000000000000001","run_id":"01JRUN00000000000000000001","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"event":{"data":{},"id":"01JEVT0000000000000000000A","name":"conf/steps","ts":1700000000000,"user":{}},"events":[{"data":{},"id":"01JEVT0000000000000000000A","name":"conf/steps","ts":1700000000000,"user":{}}],"steps":{},"use_api":false,"version":-1}' >"$call"
other_key=$(openssl rand -hex 32)
http POST "$endpoint?fnId=$app-conf-steps&stepId=step" -H 'Content-Type: application/json' --data-binary "@$call" \
	-H "X-Inngest-Signature: $(sign_body "signkey-test-$other_key" "$call" "$(date +%s)")"
expect_eq "a call request signed with another key: 401" 401 "$HTTP_STATUS"
http POST "$endpoint?fnId=$app-conf-steps&stepId=step" -H 'Content-Type: application/json' --data-binary "@$call" \
	-H "X-Inngest-Signature: $(sign_body "signkey-test-$key" "$call" "$(date +%s)")"
expect_eq "the same request signed with our key: 206 (step a)" "206 StepRun" \
	"$HTTP_STATUS $(jq -r '.[0].op' <<<"$HTTP_BODY" 2>/dev/null)"

# ---- the key as bare hex ---------------------------------------------------
expect_ok "the program (signkey-test-<hex>) exits cleanly on SIGTERM" app_stop "$srv"
start_app "$key" || abort "the program starts with a bare-hex INNGEST_SIGNING_KEY"
lines_before=$(wc -l <"$log")
http PUT "$endpoint"
expect_eq "PUT sync with a bare-hex key: 200 Successfully registered" "200 Successfully registered" \
	"$HTTP_STATUS $(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"
steps_event=$(send_event "$base" "$event_key" '{"name":"conf/steps","data":{}}') || abort "send conf/steps"
run=$(wait_run "$base" "$steps_event" 30 "$auth" || true)
expect_eq "bare-hex key: the server's signed calls verify, conf-steps completes" 'Completed {"result":"AB"}' \
	"$(conf_field "$run" .status) $(conf_out "$run")"
expect_eq "bare-hex key: no 401 in our log" 0 "$(tail -n "+$((lines_before + 1))" "$log" | grep -c 'status=401' || true)"

# ---- a wrong signing key: the server refuses our sync ------------------------
expect_ok "the program (bare hex) exits cleanly on SIGTERM" app_stop "$srv"
start_app "$other_key" || abort "the program starts with another signing key"
http PUT "$endpoint"
expect_eq "PUT sync with a wrong key: 500" 500 "$HTTP_STATUS"
expect_match "PUT sync with a wrong key: the unsigned caller learns the server's status" \
	'"message":"Failed to register: the Inngest API answered HTTP 401' "$HTTP_BODY"
expect_match "...and the log has the server's \"Authentication failed\"" \
	'sync of http://127\.0\.0\.1:[0-9]+/api/inngest failed: .*Authentication failed' "$(cat "$log")"
expect_eq "PUT sync with a wrong key: nothing was modified" false "$(jq -r .modified <<<"$HTTP_BODY" 2>/dev/null)"

# ---- shutdown --------------------------------------------------------------
expect_ok "the program exits cleanly on SIGTERM" app_stop "$srv"
nginx_stop "$srv"
server_stop "$server"
redis_stop "$server"
expect_ok "nginx and program logs clean" check_logs "$srv"

summary
