#!/usr/bin/env bash
# The systemd deployment, as far as a machine without systemd as PID 1 allows:
#   - the units (contrib/systemd) pass `systemd-analyze verify` and its
#     offline security review;
#   - the product program is started by `systemd-socket-activate` on a Unix
#     socket (group of nginx's workers, 0660) and takes it from LISTEN_FDS;
#   - nginx → that socket → the real `inngest dev`: sync, an event, a
#     completed run of hello-world;
#   - /metrics (loopback only) counts it, summed over worker processes: with
#     --max-requests 1 every request is served by a new worker, so every
#     count below crosses processes; JSON log lines say the same.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/deploy.sh
source "$(dirname "$0")/../lib/deploy.sh"
e2e_init

e2e_program bin inngest-fcgi
app=deploy-sd
srv=$E2E_DIR/app
dev=$E2E_DIR/dev
log=$srv/app.log
e2e_require_tools systemd-analyze systemd-socket-activate

# ---- the units ---------------------------------------------------------------
units=$E2E_DIR/units
render_units "$units" "$(e2e_build_dir)"
verify_out=$( (cd "$units" && systemd-analyze verify ./inngest-fcgi.socket ./inngest-fcgi.service) 2>&1) &&
	rc=0 || rc=$?
expect_eq "systemd-analyze verify inngest-fcgi.socket/.service: no finding" "0:" "$rc:$verify_out"
verify_out=$( (cd "$units" && systemd-analyze verify ./inngest-fcgi@production.socket ./inngest-fcgi@production.service) 2>&1) &&
	rc=0 || rc=$?
expect_eq "systemd-analyze verify inngest-fcgi@production.socket/.service: no finding" "0:" "$rc:$verify_out"
exposure=$( (cd "$units" && systemd-analyze security --offline=true ./inngest-fcgi.service) 2>&1 |
	sed -n 's/.*Overall exposure level for inngest-fcgi.service: \([0-9.]*\) .*/\1/p')
expect_ok "systemd-analyze security: exposure ${exposure:-?} is at most 2.0 (\"OK\")" \
	awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'
expect_eq "the service takes the socket unit's socket" "Requires=inngest-fcgi.socket" \
	"$(grep -m1 '^Requires=' "$units/inngest-fcgi.service")"
# issue 13, finding 1: the units run --check before the program starts.
pre=$(sed -n "s/^ExecStartPre=\/bin\/sh -c '\(.*\)'$/\1/p" "$units/inngest-fcgi.service")
expect_eq "both units run --check before starting" "$pre|$pre" \
	"$(grep -h '^ExecStartPre=' "$units/inngest-fcgi.service" "$units/inngest-fcgi@.service" |
		sed "s/^ExecStartPre=\/bin\/sh -c '\(.*\)'$/\1/" | paste -sd'|')"
rc=0
env -i INNGEST_SIGNING_KEY=signkey-prod-00aa INNGEST_EVENT_KEY=ek /bin/sh -c "$pre" 2>/dev/null || rc=$?
expect_eq "...and it fails the start in cloud mode without INNGEST_SERVE_ORIGIN" 1 "$rc"
rc=0
env -i INNGEST_DEV=1 /bin/sh -c "$pre" 2>/dev/null || rc=$?
expect_eq "...and lets a good configuration start (printing nothing on stdout)" "0:" "$rc:$(env -i INNGEST_DEV=1 /bin/sh -c "$pre" 2>/dev/null)"
expect_eq "the socket is for nginx's group only" "SocketGroup=www-data SocketMode=0660" \
	"$(grep -E '^Socket(Group|Mode)=' "$units/inngest-fcgi.socket" | paste -sd' ')"

# ---- socket activation ---------------------------------------------------------
mkdir -p "$srv"
sock=$srv/inngest-fcgi.sock
read -r ngx_port api_port < <(free_ports 2)
base=http://127.0.0.1:$api_port
endpoint=http://127.0.0.1:$ngx_port/api/inngest
# As systemd would run it: a clean environment (only what -E names), the
# socket as fd 3 with LISTEN_FDS/LISTEN_PID, the program exec'd on the first
# connection.  setsid: see app_start.
setsid systemd-socket-activate -l "$sock" --fdname=inngest-fcgi \
	-E INNGEST_DEV=1 -E INNGEST_BASE_URL="$base" -E INNGEST_APP_ID=$app \
	-E INNGEST_LOG_FORMAT=json -E DATABASE_PATH="$srv/store.db" \
	"$bin" --workers 2 --max-requests 1 >>"$log" 2>&1 </dev/null &
echo $! >"$srv/app.pid"
wait_socket "$sock" || abort "systemd-socket-activate listens on $sock"
# What SocketGroup=/SocketMode= do: nginx's workers run as nobody:nogroup here.
chgrp nogroup "$sock" && chmod 0660 "$sock"
nginx_start "$srv" "$ngx_port" "unix:$sock" || abort "nginx starts on the socket"

http GET "$endpoint"
expect_eq "first request through the socket starts the program: GET 200" 200 "$HTTP_STATUS"
expect_match "the program took systemd's socket" '"msg":"serving the inherited socket \(fd 3\)"' "$(cat "$log")"
expect_match "master and workers under socket activation" '"msg":"master [0-9]+: 2 worker\(s\) serving"' "$(cat "$log")"

SERVER_PORT=$api_port dev_server_start "$dev" || abort "inngest dev starts"
http PUT "$endpoint"
expect_eq "sync with the dev server (the documented deploy hook, a PUT): 200" 200 "$HTTP_STATUS"
fn_count=$(env -i INNGEST_DEV=1 INNGEST_APP_ID=$app "$bin" --check 2>/dev/null | jq '.functions | length')
expect_ok "the dev server has the product app's $fn_count functions" wait_synced "$base" "$app" "$fn_count" 20

event=$(send_event "$base" any '{"name":"test/hello.world","data":{"email":"ops@example.com"}}') ||
	abort "send test/hello.world"
run=$(wait_run "$base" "$event" 60 || true)
expect_eq "hello-world ran to completion" Completed "$(jq -r .status <<<"$run" 2>/dev/null)"
expect_eq "hello-world's output" '{"message":"Hello, ops@example.com!"}' \
	"$(jq -c '.output | if type == "string" then fromjson else . end' <<<"$run" 2>/dev/null)"
run_id=$(jq -r .run_id <<<"$run" 2>/dev/null)

# ---- metrics -----------------------------------------------------------------
http GET "http://127.0.0.1:$ngx_port/metrics"
expect_eq "GET /metrics from loopback: 200" 200 "$HTTP_STATUS"
expect_match "/metrics is Prometheus text" '^text/plain; version=0.0.4' "$(http_header Content-Type)"
metrics=$HTTP_BODY
metric() { awk -v k="$1" '$1 == k { print $2 }' <<<"$metrics"; }
fn_label="function=\"$app-hello-world\""
ops=$(metric "inngest_fcgi_function_calls_total{$fn_label,outcome=\"ops\"}")
result=$(metric "inngest_fcgi_function_calls_total{$fn_label,outcome=\"result\"}")
errors=$(metric "inngest_fcgi_function_calls_total{$fn_label,outcome=\"error\"}")
expect_eq "metrics: hello-world answered once with its step (206) and once with its result (200)" "1 1 0" \
	"$ops $result $errors"
expect_eq "metrics: its latency histogram counted both calls" 2 \
	"$(metric "inngest_fcgi_function_call_duration_seconds_count{$fn_label}")"
expect_eq "metrics: +Inf bucket equals the count" 2 \
	"$(metric "inngest_fcgi_function_call_duration_seconds_bucket{$fn_label,le=\"+Inf\"}")"
expect_eq "metrics: one successful sync" 1 "$(metric 'inngest_fcgi_syncs_total{result="ok"}')"
expect_eq "metrics: two workers configured" 2 "$(metric inngest_fcgi_workers)"
expect_ok "metrics: workers replaced after --max-requests 1 are counted" \
	test "$(metric 'inngest_fcgi_worker_restarts_total{reason="max_requests"}')" -ge 3
expect_eq "metrics: every other function is listed at zero" 0 \
	"$(metric "inngest_fcgi_function_calls_total{function=\"$app-session-cleanup\",outcome=\"result\"}")"

# The same counts, from the log: one JSON line per request, each from its own process.
sed '1,/^Execing /d' "$log" >"$E2E_DIR/json.log"
expect_ok "the program's log is JSON lines only (INNGEST_LOG_FORMAT=json)" json_lines_only "$E2E_DIR/json.log"
requests=$(jq -c 'select(.method != null)' "$E2E_DIR/json.log")
expect_eq "log: hello-world's two calls, with the run id and step" \
	"206 step $run_id|200 step $run_id" \
	"$(jq -r "select(.target == \"$app-hello-world\") | \"\(.status) \(.step) \(.run_id)\"" <<<"$requests" | paste -sd'|')"
expect_eq "log: each request was served by a different worker process (so the metrics crossed processes)" \
	"$(jq -r .pid <<<"$requests" | wc -l)" "$(jq -r .pid <<<"$requests" | sort -u | wc -l)"
expect_ok "log: no line carries a key or a body" bash -c "! grep -Eq 'ops@example.com|signkey|\"data\"' '$E2E_DIR/json.log'"

# A run id far longer than a log line (the executor never sends one, anyone can):
# the line is shortened, and still JSON.
long_run=$(head -c 3000 /dev/zero | tr '\0' R)
http POST "$endpoint?fnId=$app-hello-world&stepId=step" -H 'Content-Type: application/json' --data-binary \
	"{\"ctx\":{\"run_id\":\"$long_run\",\"stack\":{\"current\":0,\"stack\":[]}},\"event\":{\"name\":\"test/hello.world\",\"data\":{}},\"steps\":{}}"
expect_eq "a call with a 3,000-character run id: 206" 206 "$HTTP_STATUS"
last=$(grep "\"target\":\"$app-hello-world\"" "$log" | tail -n 1)
expect_eq "...its log line is shortened, still one JSON object" "206 true" \
	"$(jq -r '"\(.status) \(.run_id | length < 1000)"' <<<"$last" 2>/dev/null)"

http GET "http://127.0.0.1:$ngx_port/metrics" --interface 127.0.0.2
expect_eq "GET /metrics from a non-loopback client address (127.0.0.2): 403" 403 "$HTTP_STATUS"

expect_ok "SIGTERM: master and workers exit with status 0" app_stop "$srv"
nginx_stop "$srv"
expect_ok "logs clean" check_logs "$srv"

summary
