#!/usr/bin/env bash
# Attacks on the sync (issue 13, findings 1, 2 and 10), through real nginx to
# the product program, with a scripted register endpoint that records every
# registration it gets (tests/standin/standin_http.c) and, for the slow case,
# a listener that accepts connections and never answers:
#   - cloud mode without INNGEST_SERVE_ORIGIN: a PUT with a forged Host is
#     refused with a 500 naming the variable, and nothing is registered;
#   - the Inngest endpoint answers only at its own path: PUT or GET on any
#     other non-route path is a 404, nothing registered;
#   - with an origin, the registered URL is origin + /api/inngest whatever
#     the Host, X-Forwarded-Host or request path say; X-Inngest-Server-Kind
#     is passed on only when it is exactly dev or cloud;
#   - INNGEST_ALLOW_UNSIGNED_SYNC=0: an unsigned PUT is refused, a signed one
#     syncs;
#   - dev mode trusts the request's host only when it is loopback;
#   - a register endpoint that never answers: four PUTs at once hold one
#     worker (the sync times out), the other three get 429 with Retry-After at
#     once, the client learns no internal address, the log has the detail;
#   - INNGEST_DEV=1 with a signing key: a warning at start.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
e2e_init

e2e_program bin inngest-fcgi

key=signkey-test-5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d1e0f5a4b
event_key=sync-attack-event-key-0123

# ---- the register endpoint (records every call) and a hung one ------------------
register_standin_start
hung_port=$(free_port)
# Accepts (the kernel completes the handshake) and never reads or answers.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(300)' "$hung_port" &
hung_pid=$!
wait_port "$hung_port" "$hung_pid" || abort "the hung listener starts"
trap 'kill "$hung_pid" 2>/dev/null || true; e2e_cleanup' EXIT
registrations() { standin_requests "$reg" 'select(.path | startswith("/fn/register"))' | wc -l; }
last_registered_url() { standin_requests "$reg" 'select(.path | startswith("/fn/register")) | .body | fromjson | .url' | tail -n 1 | tr -d '"'; }

# serve NAME ENV…: the program (2 workers) behind nginx in $E2E_DIR/NAME; sets $base.
serve() {
	app_serve "$E2E_DIR/$1" "$bin" INNGEST_APP_ID=sync-attack DATABASE_PATH="$E2E_DIR/$1/store.db" "${@:2}" ||
		abort "$1: the program and nginx start"
}
# unserve NAME: stops it and checks its logs.
unserve() { app_unserve "$E2E_DIR/$1" "$1"; }
cloud=(INNGEST_SIGNING_KEY="$key" INNGEST_EVENT_KEY="$event_key" INNGEST_API_BASE_URL="http://127.0.0.1:$reg_port")

# ---- cloud mode without INNGEST_SERVE_ORIGIN ---------------------------------------------
serve no-origin "${cloud[@]}"
before=$(registrations)
http PUT "$base/api/inngest" -H 'Host: evil.example:443'
expect_eq "cloud, no origin: PUT with Host evil.example:443 is refused (500)" 500 "$HTTP_STATUS"
expect_match "...and the answer names INNGEST_SERVE_ORIGIN" '"message":"INNGEST_SERVE_ORIGIN is not set' "$HTTP_BODY"
http PUT "$base/api/other/path" -H 'Host: attacker.test'
expect_eq "cloud, no origin: PUT /api/other/path is a 404 (only /api/inngest is the endpoint)" 404 "$HTTP_STATUS"
expect_eq "cloud, no origin: nothing was registered" "$before" "$(registrations)"
http GET "$base/api/views/x"
expect_eq "GET /api/views/x (not a route, not the endpoint): 404" 404 "$HTTP_STATUS"
expect_eq "...with a JSON body, not the introspection body" "false" \
	"$(jq -r 'has("function_count")' <<<"$HTTP_BODY" 2>/dev/null || echo not-json)"
http GET "$base/api/inngest"
expect_eq "GET /api/inngest still answers introspection" "200 true" \
	"$HTTP_STATUS $(jq -r 'has("function_count")' <<<"$HTTP_BODY" 2>/dev/null)"
http POST "$base/api/hello" -H 'Content-Type: application/json' --data-binary '{"email":"a@example.org"}'
expect_match "a product route still reaches its handler (not a 404)" '^(202|503|502)$' "$HTTP_STATUS"
expect_match "the start log says every sync will be refused" 'INNGEST_SERVE_ORIGIN is not set: every out-of-band sync' \
	"$(cat "$E2E_DIR/no-origin/app.log")"
unserve no-origin

# ---- cloud mode with an origin: the URL never comes from the request ------------------------
serve origin "${cloud[@]}" INNGEST_SERVE_ORIGIN=https://app.example INNGEST_TRUST_FORWARDED=1
http PUT "$base/api/inngest" -H 'Host: evil.example:443' -H 'X-Forwarded-Host: evil.example' \
	-H 'X-Forwarded-Proto: https'
expect_eq "cloud, origin set: a PUT with forged Host and X-Forwarded-Host syncs (200)" 200 "$HTTP_STATUS"
expect_eq "...and registers INNGEST_SERVE_ORIGIN + /api/inngest" "https://app.example/api/inngest" "$(last_registered_url)"
before=$(registrations)
http PUT "$base/api/other/path" -H 'Host: attacker.test'
expect_eq "cloud, origin set: PUT /api/other/path: 404, nothing registered" "404 $before" "$HTTP_STATUS $(registrations)"
http PUT "$base/api/inngest" -H 'X-Inngest-Server-Kind: evil'
expect_eq "X-Inngest-Server-Kind other than dev/cloud: 400, nothing registered" "400 $before" "$HTTP_STATUS $(registrations)"
http PUT "$base/api/inngest" -H 'X-Inngest-Server-Kind: cloud'
expect_eq "X-Inngest-Server-Kind: cloud is passed on as the expected kind" "200 cloud" \
	"$HTTP_STATUS $(standin_requests "$reg" '.headers["x-inngest-expected-server-kind"] // empty' | tail -n 1 | tr -d '"')"
unserve origin

# ---- INNGEST_ALLOW_UNSIGNED_SYNC=0 ---------------------------------------------------------
serve signed-only "${cloud[@]}" INNGEST_SERVE_ORIGIN=https://app.example INNGEST_ALLOW_UNSIGNED_SYNC=0
before=$(registrations)
http PUT "$base/api/inngest"
expect_eq "INNGEST_ALLOW_UNSIGNED_SYNC=0: an unsigned PUT is refused (401), nothing registered" "401 $before" \
	"$HTTP_STATUS $(registrations)"
: >"$E2E_DIR/empty"
http PUT "$base/api/inngest" -H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/empty" "$(date +%s)")"
expect_eq "INNGEST_ALLOW_UNSIGNED_SYNC=0: a signed PUT syncs" "200 $((before + 1))" "$HTTP_STATUS $(registrations)"
unserve signed-only

# ---- dev mode: the request's host only when it is loopback ---------------------------------
serve dev INNGEST_DEV=1 INNGEST_BASE_URL="http://127.0.0.1:$reg_port" INNGEST_TRUST_FORWARDED=1
http PUT "$base/api/inngest"
expect_eq "dev mode, loopback Host: syncs its own URL" "200 $base/api/inngest" "$HTTP_STATUS $(last_registered_url)"
before=$(registrations)
http PUT "$base/api/inngest" -H 'Host: evil.example'
expect_eq "dev mode, Host evil.example: 500, nothing registered" "500 $before" "$HTTP_STATUS $(registrations)"
expect_match "...naming INNGEST_SERVE_ORIGIN" 'INNGEST_SERVE_ORIGIN is not set and the request.s host is not a loopback' "$HTTP_BODY"
http PUT "$base/api/inngest" -H 'X-Forwarded-Host: evil.example'
expect_eq "dev mode, trusted proxy forwarding evil.example: 500, nothing registered" "500 $before" \
	"$HTTP_STATUS $(registrations)"
unserve dev

# ---- INNGEST_DEV=1 with a signing key: said at start --------------------------------------
serve dev-with-key INNGEST_DEV=1 INNGEST_SIGNING_KEY="$key" INNGEST_BASE_URL="http://127.0.0.1:$reg_port"
expect_match "INNGEST_DEV=1 with a signing key: a warning at start that signatures are not checked" \
	' warn .*INNGEST_DEV is set together with INNGEST_SIGNING_KEY: dev mode checks no signature' \
	"$(cat "$E2E_DIR/dev-with-key/app.log")"
unserve dev-with-key

# ---- a register endpoint that never answers: one sync in flight, the rest 429 ----------------
serve hung "${cloud[@]}" INNGEST_SERVE_ORIGIN=https://app.example INNGEST_API_BASE_URL="http://127.0.0.1:$hung_port"
for i in 1 2 3 4; do
	printf 'url = "%s/api/inngest?n=%s"\nrequest = "PUT"\noutput = "%s/put%s.body"\nwrite-out = "%%{http_code} %%{time_total} %%header{retry-after}\\n"\nnext\n' \
		"$base" "$i" "$E2E_DIR" "$i"
done | sed '$d' >"$E2E_DIR/puts.cfg"
start=$(date +%s%N)
curl -sS --parallel --parallel-immediate --parallel-max 4 --max-time 30 -K "$E2E_DIR/puts.cfg" >"$E2E_DIR/puts.out" 2>"$E2E_DIR/puts.err" || true
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "four PUTs at once: one 500 (the sync that timed out), three 429" "429 429 429 500" \
	"$(cut -d' ' -f1 "$E2E_DIR/puts.out" | sort | paste -sd' ')"
expect_eq "...each 429 at once (< 1.5 s) with a Retry-After" 3 \
	"$(awk '$1 == 429 && $2 < 1.5 && $3 ~ /^[0-9]+$/ && $3 >= 1' "$E2E_DIR/puts.out" | wc -l)"
expect_ok "...and the one sync gave up inside 10 s (took ${elapsed_ms} ms)" test "$elapsed_ms" -lt 10000
failed_body=$(cat "$E2E_DIR"/put*.body)
expect_ok "the client learns no internal address (no 127.0.0.1, no port $hung_port)" \
	bash -c "! grep -qE '127\.0\.0\.1|$hung_port' \"\$@\"" _ "$E2E_DIR"/put*.body
expect_match "...but the kind of failure" 'the Inngest API could not be reached' "$failed_body"
expect_match "the log has the detail (the API's address)" "sync of https://app.example/api/inngest failed: .*127\.0\.0\.1:$hung_port" \
	"$(cat "$E2E_DIR/hung/app.log")"
http GET "$base/api/inngest"
expect_eq "the workers serve again afterwards" 200 "$HTTP_STATUS"
unserve hung

summary
