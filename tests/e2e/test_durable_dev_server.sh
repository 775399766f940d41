#!/usr/bin/env bash
# Durable endpoints (handler/PROTOCOL.md §21) against the REAL Inngest dev
# server: nginx + the conformance program + a private `inngest dev`, all on
# free loopback ports.  The client is curl, which follows the 302 a durable
# route answers when its run goes async (to the server's output endpoint).
#   /api/durable/steps   answers at once, and the server has the run Completed
#                        with the same output and both steps in its trace;
#   /api/durable/flaky   fails twice, then succeeds: 302 after the first failure,
#                        the retries come from the executor calling the route
#                        again (X-Run-ID), and the redirect yields the result;
#   /api/durable/sleep   302 at the sleep; the redirect yields the final result;
#   /api/durable/slow    four 4 s steps: the fourth, past the 10 s inline
#                        budget, is planned for the executor (302);
#   /api/durable/parallel  a parallel group: planned (302), then both values;
#   /api/durable/reject  a failure no retry can fix: 400 at once, run ended.
# The program's own log shows each path taken.  Then the product app's
# POST /api/durable/views, and the conformance routes again in cloud mode
# (`inngest start` with a signing key: signed calls both ways).
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
e2e_init

dev_app_preamble e2e-durable

read -r ngx_port app_port api_port < <(free_ports 3)
origin=http://127.0.0.1:$ngx_port
base=http://127.0.0.1:$api_port
counts=$E2E_DIR/counts
mkdir -p "$srv" "$counts"
nginx_start "$srv" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
app_start "$srv" "$bin" "$app_port" INNGEST_DEV=1 INNGEST_APP_ID="$app" INNGEST_BASE_URL="$base" \
	CONF_DURABLE_DIR="$counts" || abort "the conformance program starts"
SERVER_PORT=$api_port dev_server_start "$dev" || abort "inngest dev starts"

# durable POST PATH BODY [CURL-ARGS…]: the route's answer, following a redirect
# (a POST by its body, without -X: curl then follows a 302 with the GET the
# output endpoint serves, as browsers and fetch() do; with -X POST it would
# POST there, which `inngest start` refuses with 401).  Sets
# D_STATUS (final), D_FIRST (the route's own status), D_RUN (X-Inngest-Run-Id),
# D_LOCATION, D_LOCATION_RUN (the run id in an async redirect's Location)
# and D_BODY.
durable() {
	local path=$1 body=$2
	shift 2
	local out=$E2E_DIR/durable.body hdr=$E2E_DIR/durable.headers
	: >"$out"
	: >"$hdr" # a request that gets no answer leaves them empty: its checks fail, the script goes on
	D_STATUS=$(curl -sS -L -o "$out" -D "$hdr" -w '%{http_code}' --max-time 240 \
		-H 'Content-Type: application/json' --data-binary "$body" "$@" "$origin$path") || D_STATUS=000
	D_FIRST=$(sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$hdr" | head -n 1)
	D_RUN=$(sed -n 's/^x-inngest-run-id: *//Ip' "$hdr" | tr -d '\r' | head -n 1)
	D_LOCATION=$(sed -n 's/^location: *//Ip' "$hdr" | tr -d '\r' | head -n 1)
	D_LOCATION_RUN=$(sed -E 's#.*/v1/checkpoint/([0-9A-Z]{26})/output.*#\1#' <<<"$D_LOCATION")
	D_BODY=$(head -c 100000 "$out")
}
lines_of() { grep -F " run=$1 " "$log" || true; }
run_json() { wait_run_id "$base" "$1" 60; }
trace_steps() { # RUN_ID → the names of its step spans, sorted
	curl -sS --max-time 10 "$base/v0/gql" -H 'Content-Type: application/json' \
		-d "{\"query\":\"{ runTrace(runID: \\\"$1\\\") { childrenSpans { name } } }\"}" |
		jq -r '.data.runTrace.childrenSpans[].name' 2>/dev/null | sort | paste -sd' '
}

# ---- every step finishes in time: the answer comes at once ------------------
start=$EPOCHREALTIME
durable /api/durable/steps '{"name":"durable"}'
ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
expect_eq "steps: 200 from the route itself, no redirect" "200 200" "$D_FIRST $D_STATUS"
expect_eq "steps: the handler's value" '{"name":"durable","result":"AB"}' "$(jq -cS . <<<"$D_BODY" 2>/dev/null)"
expect_match "steps: X-Inngest-Run-Id names the run (a ULID)" '^[0-9A-HJKMNP-TV-Z]{26}$' "$D_RUN"
expect_ok "steps: answered within 5 s (took $ms ms)" test "$ms" -lt 5000
run=$(run_json "$D_RUN") || run='{}'
expect_eq "steps: the server has the run Completed with the same output" \
	'Completed {"name":"durable","result":"AB"}' "$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run")"
expect_eq "steps: the run's trace holds both steps" "a b" "$(trace_steps "$D_RUN")"
expect_match "steps: our log: one request, result with 3 ops checkpointed (a, b, RunComplete)" \
	'POST /api/durable/steps .*status=200 .*result; 3 op\(s\) checkpointed$' "$(lines_of "$D_RUN")"

# ---- a step fails twice, then succeeds: the client waits on the redirect -----
start=$SECONDS
durable /api/durable/flaky '{}'
expect_eq "flaky: 302 from the route, then 200 from the run's output" "302 200" "$D_FIRST $D_STATUS"
expect_match "flaky: the redirect goes to the server's output endpoint with a token" \
	"^$base/v1/checkpoint/[0-9A-Z]{26}/output\\?token=" "$D_LOCATION"
expect_eq "flaky: the result after the retries" '{"flaky":"ok after 3 attempts"}' "$(jq -cS . <<<"$D_BODY" 2>/dev/null)"
flaky_run=$D_LOCATION_RUN
expect_eq "flaky: the step ran three times (counted by the route)" 3 "$(wc -c <"$counts/flaky-$flaky_run" 2>/dev/null || echo 0)"
run=$(run_json "$flaky_run") || run='{}'
expect_eq "flaky: the server has the run Completed" "Completed" "$(jq -r .status <<<"$run")"
fl=$(lines_of "$flaky_run")
expect_eq "flaky: our log: the client's request went async on the StepError" 1 \
	"$(grep -cE 'POST /api/durable/flaky .*status=302 .*async \(StepError flaky\)' <<<"$fl" || true)"
expect_eq "flaky: our log: the executor called the route again: a StepError, then the StepRun, then the result" \
	"1 1 1" "$(grep -c 'status=206 .*StepError flaky: Error: flaky on purpose (attempt 2)' <<<"$fl" || true) $(grep -c 'status=206 .*StepRun flaky$' <<<"$fl" || true) $(grep -cE 'status=200 .*ms result$' <<<"$fl" || true)"
echo "# flaky took $((SECONDS - start)) s (the executor's back-off)"

# ---- a sleep: the run goes async, the redirect yields the final result -------
durable /api/durable/sleep '{}'
expect_eq "sleep: 302 from the route, then 200" "302 200" "$D_FIRST $D_STATUS"
expect_eq "sleep: the final result" '{"after":"A","before":"B"}' "$(jq -cS . <<<"$D_BODY" 2>/dev/null)"
sleep_run=$D_LOCATION_RUN
sl=$(lines_of "$sleep_run")
expect_eq "sleep: our log: the client's request ran \"before\" and went async at the Sleep" 1 \
	"$(grep -cE 'POST /api/durable/sleep .*status=302 .*async \(Sleep nap\)' <<<"$sl" || true)"
expect_ok "sleep: our log: after the nap the executor's call finished the run (200 with the value)" \
	grep -qE 'status=200 .*ms result$' <<<"$sl"
run=$(run_json "$sleep_run") || run='{}'
expect_eq "sleep: the server has the run Completed" "Completed" "$(jq -r .status <<<"$run")"

# ---- a chain longer than the inline budget (10 s) ---------------------------
start=$SECONDS
durable /api/durable/slow '{}'
expect_eq "slow: 302 once 10 s of steps ran inline, then [1,2,3,4]" '302 200 [1,2,3,4]' \
	"$D_FIRST $D_STATUS $(jq -c . <<<"$D_BODY" 2>/dev/null)"
slow_run=$D_LOCATION_RUN
sw=$(lines_of "$slow_run")
expect_eq "slow: our log: three steps inline, the fourth planned (302), run by the executor, then the result" \
	"1 1 1" "$(grep -cE 'POST /api/durable/slow .*status=302 .*async \(StepPlanned slow\)' <<<"$sw" || true) $(grep -c 'status=206 .*StepRun slow$' <<<"$sw" || true) $(grep -cE 'status=200 .*ms result$' <<<"$sw" || true)"
echo "# slow took $((SECONDS - start)) s"

# ---- a parallel group: planned for the executor ------------------------------
durable /api/durable/parallel '{}'
expect_eq "parallel: 302, then both steps' values" '302 200 {"left":"L","right":"R"}' \
	"$D_FIRST $D_STATUS $(jq -cS . <<<"$D_BODY" 2>/dev/null)"
par_run=$D_LOCATION_RUN
expect_ok "parallel: our log: the client's request went async with the two planned steps" \
	grep -qE "POST /api/durable/parallel run=$par_run .*status=302 .*async \(StepPlanned left\)" "$log"

# ---- a failure no retry can fix ---------------------------------------------
durable /api/durable/reject '{}'
expect_eq "reject: 400 at once" 400 "$D_STATUS"
expect_eq "reject: the error" '"rejected on purpose" "NonRetriableError"' \
	"$(jq -c .error <<<"$D_BODY") $(jq -c .name <<<"$D_BODY")"
run=$(run_json "$D_RUN") || run='{}'
expect_match "reject: the server has the run ended, not left running" '^(Completed|Failed)$' "$(jq -r .status <<<"$run")"

# ---- the executor's calls must be signed in cloud mode: covered by unit tests;
# here, a forged X-Run-ID in dev mode for a run that does not exist fails cleanly.
http POST "$origin/api/durable/steps" -H 'X-Run-ID: 01KBQ0000000000000000000ZZ' -H 'X-Inngest-Signature: ' -d '{}'
expect_eq "a call for an unknown run: 500 with SDK headers, nothing run" "500 inngest-fcgi:v0.1.0" \
	"$HTTP_STATUS $(http_header X-Inngest-SDK)"

expect_ok "the program exits cleanly on SIGTERM" app_stop "$srv"
nginx_stop "$srv"
expect_ok "nginx and program logs clean" check_logs "$srv"

# ---- the product app's durable route: POST /api/durable/views ---------------
prod=$E2E_DIR/product
product_bin=${bin%-conformance}
mkdir -p "$prod"
read -r ngx_port app_port < <(free_ports 2)
origin=http://127.0.0.1:$ngx_port
nginx_start "$prod" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts for the product app"
app_start "$prod" "$product_bin" "$app_port" INNGEST_DEV=1 INNGEST_APP_ID="$app-product" \
	INNGEST_BASE_URL="$base" DATABASE_PATH="$prod/store.db" VIEWS_RATE_LIMIT=2/1m ||
	abort "the product program starts"
log=$prod/app.log
durable /api/durable/views '{"slug":"durable-post","title":"A durable post"}'
expect_eq "views: 200 at once with the new total" '200 {"counted":true,"milestones":[],"slug":"durable-post","total":1}' \
	"$D_STATUS $(jq -cS . <<<"$D_BODY" 2>/dev/null)"
run=$(run_json "$D_RUN") || run='{}'
expect_eq "views: the server has the run Completed, both steps in its trace" \
	"Completed increment-views milestones" "$(jq -r .status <<<"$run") $(trace_steps "$D_RUN")"
durable /api/durable/views '{"slug":"durable-post","title":"A durable post"}'
expect_eq "views: a second view: total 2" 2 "$(jq -r .total <<<"$D_BODY" 2>/dev/null)"
durable /api/durable/views '{"slug":"durable-post","title":"A durable post"}'
expect_eq "views: the gate's rate limit (2 a minute): 429, and no run started" "429 " "$D_STATUS $D_RUN"
durable /api/durable/views '{"slug":"Not a slug!","title":"x"}'
expect_eq "views: the gate's validation: 400 naming the field, no run" "400 true " \
	"$D_STATUS $(jq -r '.errors.slug != null' <<<"$D_BODY" 2>/dev/null) $D_RUN"
expect_ok "the product program exits cleanly on SIGTERM" app_stop "$prod"
nginx_stop "$prod"
server_stop "$dev"
expect_ok "nginx and product program logs clean" check_logs "$prod"

# ---- cloud mode: `inngest start` with a signing key --------------------------
# Our calls to the API carry the bearer token; the executor's calls to the
# route are signed, verified, and answered signed.
key=$(openssl rand -hex 32)
cloud=$E2E_DIR/cloud
cloud_srv=$E2E_DIR/cloud-app
read -r ngx_port app_port < <(free_ports 2)
origin=http://127.0.0.1:$ngx_port
mkdir -p "$cloud" "$cloud_srv"
self_hosted_start "$cloud" --signing-key "$key" --event-key "e2e-durable-event-key" ||
	abort "inngest start starts"
cbase=$SERVER_URL
nginx_start "$cloud_srv" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts (cloud mode)"
app_start "$cloud_srv" "$bin" "$app_port" INNGEST_DEV=0 INNGEST_APP_ID="$app-cloud" INNGEST_BASE_URL="$cbase" \
	INNGEST_SIGNING_KEY="signkey-test-$key" INNGEST_EVENT_KEY=e2e-durable-event-key \
	INNGEST_SERVE_ORIGIN="$origin" CONF_DURABLE_DIR="$counts" || abort "the program starts in cloud mode"
log=$cloud_srv/app.log
auth="Authorization: Bearer $key"
durable /api/durable/steps '{"name":"cloud"}'
expect_eq "cloud: steps: 200 at once" '200 {"name":"cloud","result":"AB"}' "$D_STATUS $(jq -cS . <<<"$D_BODY" 2>/dev/null)"
run=$(wait_run_id "$cbase" "$D_RUN" 60 "$auth") || run='{}'
expect_eq "cloud: steps: the server has the run Completed" 'Completed {"name":"cloud","result":"AB"}' \
	"$(jq -r .status <<<"$run") $(jq -cS .output <<<"$run")"
durable /api/durable/sleep '{}'
expect_eq "cloud: sleep: 302, then the final result" '302 200 {"after":"A","before":"B"}' \
	"$D_FIRST $D_STATUS $(jq -cS . <<<"$D_BODY" 2>/dev/null)"
sleep_run=$D_LOCATION_RUN
expect_ok "cloud: sleep: the executor's signed call finished the run" \
	grep -qE "POST /api/durable/sleep run=$sleep_run .*status=200 .*ms result$" "$log"
http POST "$origin/api/durable/steps" -H "X-Run-ID: $sleep_run" -H 'X-Inngest-Signature: t=1&s=00' -d '{}'
expect_eq "cloud: a call with X-Run-ID and a bad signature: 401, nothing run" 401 "$HTTP_STATUS"
expect_ok "the program exits cleanly on SIGTERM (cloud mode)" app_stop "$cloud_srv"
nginx_stop "$cloud_srv"
server_stop "$cloud"
expect_ok "nginx and program logs clean (cloud mode)" check_logs "$cloud_srv"

summary
