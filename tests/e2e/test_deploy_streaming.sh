#!/usr/bin/env bash
# INNGEST_STREAMING through real nginx whose fastcgi_read_timeout (2 s) is
# shorter than a step (4 s), with the small test app tests/apps/slow_app.c:
#   - without streaming nginx gives up: 504;
#   - with streaming the call is answered 201 at once, kept alive with
#     spaces, and ends with the envelope whose status, headers (the response
#     signature in cloud mode) and body are the real answer;
#   - a call that ends before the first keep-alive is answered as usual;
#   - the real dev server runs the function to its end through that nginx.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
e2e_init

e2e_program bin tests/apps/slow_app
app=deploy-stream
fn=$app-slow-step
key=signkey-test-0123456789abcdef
dev=$E2E_DIR/dev

short_timeout='s/fastcgi_read_timeout 300s;/fastcgi_read_timeout 2s;/'

# call_body MS: a first call request for slow-step whose step takes MS ms.
call_body() {
	printf '{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f","max_attempts":1,"qi_id":"","request_id":"01JREQ00000000000000000001","run_id":"01JRUN0000000000000000000%s","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"defers":{},"event":{"data":{"ms":%s},"id":"01JEVT0000000000000000000A","name":"deploy/slow","ts":1700000000000,"user":{}},"events":[{"data":{"ms":%s},"id":"01JEVT0000000000000000000A","name":"deploy/slow","ts":1700000000000,"user":{}}],"steps":{},"use_api":false,"version":2}' \
		"${1:0:1}" "$1" "$1"
}

# serve NAME VAR=VALUE…: the app (2 workers) behind nginx with the short timeout; sets $url.
serve() {
	app_serve "$E2E_DIR/$1" "$bin" INNGEST_APP_ID=$app "${@:2}" -- "$short_timeout" ||
		abort "$E2E_DIR/$1: the app and nginx start"
	url=$base/api/inngest
}

# ---- without streaming: the proxy's timeout wins ---------------------------
serve plain INNGEST_DEV=1
call_body 4000 >"$E2E_DIR/slow.json"
http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/slow.json"
expect_eq "no streaming: a 4 s step behind a 2 s fastcgi_read_timeout gets nginx's 504" 504 "$HTTP_STATUS"
expect_match "no streaming: nginx logged the upstream timeout" 'upstream timed out' "$(cat "$E2E_DIR/plain/error.log")"
expect_ok "no streaming: program exits cleanly" app_stop "$E2E_DIR/plain"
nginx_stop "$E2E_DIR/plain"

# ---- streaming, cloud mode: 201, keep-alives, the signed envelope ----------
serve stream INNGEST_SIGNING_KEY=$key INNGEST_STREAMING=1 INNGEST_EVENT_KEY=k \
	INNGEST_SERVE_ORIGIN=http://127.0.0.1
sig=$(sign_body "$key" "$E2E_DIR/slow.json" "$(date +%s)")
http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' \
	-H "X-Inngest-Signature: $sig" --data-binary "@$E2E_DIR/slow.json"
expect_eq "streaming: 201 through the 2 s timeout" 201 "$HTTP_STATUS"
expect_eq "streaming: the head says which SDK answers" "inngest-fcgi:v0.1.0" "$(http_header X-Inngest-SDK)"
# nginx consumes X-Accel-Buffering: what shows is that it passed the body on
# as it came, without knowing its length.
expect_eq "streaming: nginx relayed the body unbuffered (chunked, no length)" "chunked/" \
	"$(http_header Transfer-Encoding)/$(http_header Content-Length)"
spaces=$(sed -E 's/^( *).*/\1/' "$E2E_DIR/last.body" | head -n 1 | tr -d '\n' | wc -c)
expect_ok "streaming: keep-alive spaces came before the answer (got $spaces)" test "$spaces" -ge 1
envelope=$(sed -E 's/^ +//' "$E2E_DIR/last.body")
expect_eq "streaming: the envelope's status is the real one (206, a step ran)" 206 \
	"$(jq -r .status <<<"$envelope" 2>/dev/null)"
inner=$(jq -r .body <<<"$envelope" 2>/dev/null)
expect_eq "streaming: the envelope's body is the step's op with its output" 'StepRun take-time {"slept_ms":4000}' \
	"$(jq -r '.[0] | "\(.op) \(.displayName) \(.data | tojson)"' <<<"$inner" 2>/dev/null)"
expect_eq "streaming: X-Inngest-Req-Version inside the envelope" 2 \
	"$(jq -r '.headers["X-Inngest-Req-Version"]' <<<"$envelope" 2>/dev/null)"
inner_sig=$(jq -r '.headers["X-Inngest-Signature"] // empty' <<<"$envelope" 2>/dev/null)
printf '%s' "$inner" >"$E2E_DIR/inner.body"
inner_t=$(sed -n 's/^t=\([0-9]*\)&.*/\1/p' <<<"$inner_sig")
expect_eq "streaming: the response signature (inside the envelope) signs the real body" \
	"$(sign_body "$key" "$E2E_DIR/inner.body" "${inner_t:-0}")" "$inner_sig"
expect_match "streaming: the log line says the answer was streamed" \
	"POST $fn run=01JRUN00000000000000000004 step=step status=206 .*StepRun take-time \\(streamed\\)" \
	"$(cat "$E2E_DIR/stream/app.log")"

call_body 0 >"$E2E_DIR/fast.json"
sig=$(sign_body "$key" "$E2E_DIR/fast.json" "$(date +%s)")
http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' \
	-H "X-Inngest-Signature: $sig" --data-binary "@$E2E_DIR/fast.json"
expect_eq "streaming: a call done before the first keep-alive is a plain 206" 206 "$HTTP_STATUS"
expect_eq "streaming: ...with its op as the body" '{"slept_ms":0}' "$(jq -c '.[0].data' <<<"$HTTP_BODY" 2>/dev/null)"

http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/slow.json"
expect_eq "streaming: an unsigned call is still refused at once (401, not streamed)" 401 "$HTTP_STATUS"

app_unserve "$E2E_DIR/stream" streaming

# ---- the real dev server through the short timeout --------------------------
if inngest_cli >/dev/null; then
	read -r api_port < <(free_ports 1)
	dev_base=http://127.0.0.1:$api_port
	serve devrun INNGEST_DEV=1 INNGEST_STREAMING=1 INNGEST_BASE_URL="$dev_base"
	SERVER_PORT=$api_port dev_server_start "$dev" || abort "inngest dev starts"
	http PUT "$url"
	expect_eq "dev server: sync 200" 200 "$HTTP_STATUS"
	expect_ok "dev server: has the function" wait_synced "$dev_base" "$app" 1 20
	event=$(send_event "$dev_base" any '{"name":"deploy/slow","data":{"ms":3500}}') || abort "send deploy/slow"
	run=$(wait_run "$dev_base" "$event" 60 || true)
	expect_eq "dev server: the run with a 3.5 s step behind a 2 s timeout completed" Completed \
		"$(jq -r .status <<<"$run" 2>/dev/null)"
	expect_eq "dev server: its output is the function's" '{"done":true,"step":{"slept_ms":3500}}' \
		"$(jq -c '.output | if type == "string" then fromjson else . end' <<<"$run" 2>/dev/null)"
	expect_match "dev server: the executor's call was streamed" 'StepRun take-time \(streamed\)' \
		"$(cat "$E2E_DIR/devrun/app.log")"
	app_unserve "$E2E_DIR/devrun" "dev server"
else
	fail "an Inngest CLI for the dev-server part (contrib/inngest-cli/build.sh)"
fi

summary
