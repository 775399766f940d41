#!/usr/bin/env bash
# The HTTP front end through real nginx and the real FastCGI program
# (conformance app): status codes and bodies for the endpoint's edge cases,
# the Host header's port reaching the program, and signatures in cloud mode.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin inngest-fcgi-conformance

key=signkey-test-12345678
fn=e2e-conf-conf-steps
# A first call request for conf-steps, in the JCS form the executor signs and sends.
call_body='{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f","max_attempts":4,"qi_id":"","request_id":"01JREQ00000000000000000001","run_id":"01JRUN00000000000000000001","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"defers":{},"event":{"data":{},"id":"01JEVT0000000000000000000A","name":"conf/steps","ts":1700000000000,"user":{}},"events":[{"data":{},"id":"01JEVT0000000000000000000A","name":"conf/steps","ts":1700000000000,"user":{}}],"steps":{},"use_api":false,"version":-1}'
printf '%s' "$call_body" >"$E2E_DIR/call.json"

# serve NAME [VAR=VALUE…]: the program and an nginx in front of it, in
# $E2E_DIR/NAME; sets $url and $ngx_port.
serve() {
	app_serve "$E2E_DIR/$1" "$bin" INNGEST_APP_ID=e2e-conf "${@:2}"
	url=$base/api/inngest
}

# ---- dev mode ---------------------------------------------------------------
# A stand-in for the dev server's POST /fn/register: the body it logs holds
# the URL the program derived from the Host header.
api_port=$(free_port)
register_nginx_start "$E2E_DIR/api" "$api_port"
serve dev INNGEST_DEV=1 INNGEST_BASE_URL="http://127.0.0.1:$api_port"

http GET "$url"
expect_eq "GET: 200" 200 "$HTTP_STATUS"
expect_eq "GET: mode dev" dev "$(jq -r .mode <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "GET: function_count is a count" true \
	"$(jq '.function_count | type == "number" and . >= 12' <<<"$HTTP_BODY" 2>/dev/null)"

http GET "$url" -H "Host: localhost:$ngx_port"
expect_eq "GET with Host localhost:PORT (how Inngest calls back): 200" 200 "$HTTP_STATUS"

# The sync URL comes from the Host header: its port must survive nginx.
http PUT "$url" -H "Host: localhost:$ngx_port"
expect_eq "PUT sync via the stand-in dev server: 200" 200 "$HTTP_STATUS"
expect_match "PUT: registered URL keeps the Host's port" \
	"\"url\":\"http://localhost:$ngx_port/api/inngest" "$(sed 's/\\"/"/g' "$E2E_DIR/api/register.log" 2>/dev/null)"

nginx_stop "$E2E_DIR/api"
http PUT "$url"
expect_eq "PUT with the dev server down: 500" 500 "$HTTP_STATUS"
expect_eq "PUT with the dev server down: JSON message" string "$(jq -r '.message | type' <<<"$HTTP_BODY" 2>/dev/null)"

head -c 6000000 /dev/zero | tr '\0' x >"$E2E_DIR/big"
http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/big"
expect_eq "POST 6 MB: 413" 413 "$HTTP_STATUS"

http DELETE "$url"
expect_eq "DELETE: 405" 405 "$HTTP_STATUS"

http POST "$url?fnId=nope&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/call.json"
expect_eq "POST unknown fnId: 500" 500 "$HTTP_STATUS"
expect_eq "POST unknown fnId: JSON" true "$(jq -e 'type == "object"' <<<"$HTTP_BODY" 2>/dev/null || echo false)"
expect_match "POST unknown fnId: names the id" nope "$HTTP_BODY"

http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary 'this is not json'
expect_eq "POST non-JSON body: 400" 400 "$HTTP_STATUS"

app_unserve "$E2E_DIR/dev" dev
expect_ok "stand-in dev server: logs clean" check_logs "$E2E_DIR/api"

# ---- cloud mode -------------------------------------------------------------
serve cloud INNGEST_SIGNING_KEY="$key"

http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/call.json"
expect_eq "cloud: unsigned POST: 401" 401 "$HTTP_STATUS"

http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/call.json" \
	-H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/call.json" "$(date +%s)")"
expect_eq "cloud: signed POST: 206" 206 "$HTTP_STATUS"
expect_eq "cloud: signed POST: step a ran and returned \"A\"" 'StepRun 86f7e437faa5a7fce15d1ddcb9eaeaea377667b8 "A"' \
	"$(jq -r '.[0] | "\(.op) \(.id) \(.data | tojson)"' <<<"$HTTP_BODY" 2>/dev/null)"
resp_sig=$(http_header X-Inngest-Signature)
resp_t=$(sed -n 's/.*t=\([0-9]*\).*/\1/p' <<<"$resp_sig")
expect_match "cloud: response signed" '^t=[0-9]+&s=[0-9a-f]{64}$' "$resp_sig"
if [[ -n $resp_t ]]; then
	expect_eq "cloud: response signature verifies with the key" \
		"$(sign_body "$key" "$E2E_DIR/last.body" "$resp_t")" "$resp_sig"
fi

http POST "$url?fnId=$fn&stepId=step" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/call.json" \
	-H "X-Inngest-Signature: $(sign_body signkey-test-87654321 "$E2E_DIR/call.json" "$(date +%s)")"
expect_eq "cloud: POST signed with another key: 401" 401 "$HTTP_STATUS"

app_unserve "$E2E_DIR/cloud" cloud

summary
