#!/usr/bin/env bash
# The product app's HTTP routes (/api/contact, /api/views, /api/stripe/webhook,
# /api/events, /api/readwise/accounts) through real nginx and the real
# FastCGI program, with a local nginx standing in for the Event API:
# happy paths and what the stand-in received, refusals that send nothing
# (bad signature, invalid JSON, missing token, wrong method, huge body), and
# the Event API answering 500 (→ 503), 401 (→ 502) or not at all (→ 503).
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin inngest-fcgi

stripe_secret=whsec_e2e_secret_for_routes_0123
relay_token=relay-e2e-token-0123456789abcdef
admin_token=admin-e2e-token-0123456789abcdef
readwise_token=rw-e2e-readwise-token-SHOULD-NOT-LEAK
event_id=01JE2EROUTES00000000000001

# ---- the stand-in Event API --------------------------------------------------
# One nginx, three servers: $ok_port accepts events (and logs each request
# body to events.log: proxy_pass makes nginx read the body so that
# $request_body is set), $e500_port answers 500 and $e401_port 401 (both log
# one line per request, so retries can be counted).
standin=$E2E_DIR/standin
ok_port=$(free_port)
e500_port=$(free_port)
e401_port=$(free_port)
nginx_http_start "$standin" "$ok_port" "$e500_port" "$e401_port" <<EOF || abort "the stand-in Event API starts"
    client_body_buffer_size 2m;
    client_max_body_size 2m;
    server {
        listen 127.0.0.1:$ok_port;
        location /e/ { access_log events.log body; rewrite ^ /ok break; proxy_pass http://127.0.0.1:$ok_port; }
        location = /ok { default_type application/json; return 200 '{"ids":["$event_id"],"status":200}'; }
    }
    server {
        listen 127.0.0.1:$e500_port;
        location / { access_log e500.log line; default_type application/json; return 500 '{"error":"boom"}'; }
    }
    server {
        listen 127.0.0.1:$e401_port;
        location / { access_log e401.log line; default_type application/json; return 401 '{"error":"Event key not found"}'; }
    }
EOF

# Lines the stand-in logged (0 when the file does not exist yet).
sent() { log_lines "$standin/$1"; }
# The JSON body of the last event request the accepting server received.
last_sent() { logged_body "$standin/events.log"; }

# serve NAME EVENT_API_PORT [VAR=VALUE…]: the product program and an nginx in
# front of it, in $E2E_DIR/NAME; sets $base (http://127.0.0.1:PORT).
serve() {
	app_serve "$E2E_DIR/$1" "$bin" INNGEST_DEV=1 INNGEST_BASE_URL="http://127.0.0.1:$2" \
		DATABASE_PATH="$E2E_DIR/$1/store.db" "${@:3}"
}
stop() { app_unserve "$E2E_DIR/$1" "$1"; }

# stripe_post FILE [curl args…]: FILE to the Stripe webhook, signed now with the secret.
stripe_post() {
	http POST "$base/api/stripe/webhook" --data-binary "@$1" "${@:2}" \
		-H "Stripe-Signature: $(stripe_sig "$stripe_secret" "$(date +%s)" "$1")"
}
# event_api_fails WHAT STATUS: with the Event API failing, a view and a
# signed Stripe event answer STATUS.
event_api_fails() {
	post_json "$base"/api/views '{"slug":"p","title":"T"}'
	expect_eq "$1: views: $2" "$2" "$HTTP_STATUS"
	stripe_post "$E2E_DIR/checkout.json"
	expect_eq "$1: stripe: $2 (Stripe delivers again)" "$2" "$HTTP_STATUS"
}

checkout='{"id":"evt_e2e_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_e2e_1","client_reference_id":"user-9"}}}'
printf '%s' "$checkout" >"$E2E_DIR/checkout.json"
contact='{"name":"Ada","email":"ada@example.org","message":"Hello from the e2e test"}'

# ---- everything configured, the Event API accepting ---------------------------
serve ok "$ok_port" STRIPE_WEBHOOK_SECRET="$stripe_secret" EVENTS_RELAY_TOKEN="$relay_token" \
	ADMIN_TOKEN="$admin_token"

post_json "$base"/api/contact "$contact"
expect_eq "contact: 202" 202 "$HTTP_STATUS"
expect_eq "contact: success and the Event API's id" "true $event_id" "$(jq -r '"\(.success) \(.id)"' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "contact: contact/form.submitted queued with the form" \
	'contact/form.submitted ada@example.org Hello from the e2e test 127.0.0.1' \
	"$(last_sent | jq -r '.[0] | "\(.name) \(.data.email) \(.data.message) \(.data.ip)"' 2>/dev/null)"
expect_match "contact: submittedAt is ISO 8601 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' \
	"$(last_sent | jq -r '.[0].data.submittedAt' 2>/dev/null)"

before=$(sent events.log)
post_json "$base"/api/contact '{"name":"Ada","email":'
expect_eq "contact: invalid JSON: 400" 400 "$HTTP_STATUS"
expect_eq "contact: invalid JSON: JSON error" false "$(jq -r '.success' <<<"$HTTP_BODY" 2>/dev/null)"
post_json "$base"/api/contact '{"name":"","email":"not-an-address","message":7}'
expect_eq "contact: bad fields: 400" 400 "$HTTP_STATUS"
expect_eq "contact: bad fields: each one named" 'email,message,name' \
	"$(jq -r '.errors | keys | join(",")' <<<"$HTTP_BODY" 2>/dev/null)"
head -c 70000 /dev/zero | tr '\0' x >"$E2E_DIR/big70k"
http POST "$base/api/contact" -H 'Content-Type: application/json' --data-binary "@$E2E_DIR/big70k"
expect_eq "contact: 70 KB body: 413" 413 "$HTTP_STATUS"
http GET "$base/api/contact"
expect_eq "contact: GET: 405" 405 "$HTTP_STATUS"
expect_eq "contact: GET: Allow: POST" POST "$(http_header Allow)"
expect_eq "contact: nothing queued by the refusals" "$before" "$(sent events.log)"

post_json "$base"/api/views '{"slug":"hello-world","title":"Hello, world","referrer":"https://example.net/"}' \
	-H 'X-Region: FR'
expect_eq "views: 202" 202 "$HTTP_STATUS"
expect_eq "views: success" true "$(jq -r '.success' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "views: blog/post.viewed queued with referrer and region" \
	'blog/post.viewed hello-world https://example.net/ FR' \
	"$(last_sent | jq -r '.[0] | "\(.name) \(.data.slug) \(.data.referrer) \(.data.region)"' 2>/dev/null)"
before=$(sent events.log)
post_json "$base"/api/views '{"slug":"Not A Slug","title":"T"}'
expect_eq "views: bad slug: 400" 400 "$HTTP_STATUS"
expect_match "views: bad slug: named" '"slug"' "$HTTP_BODY"
head -c 20000 /dev/zero | tr '\0' x >"$E2E_DIR/big20k"
http POST "$base/api/views" --data-binary "@$E2E_DIR/big20k"
expect_eq "views: 20 KB body: 413" 413 "$HTTP_STATUS"
http PUT "$base/api/views"
expect_eq "views: PUT: 405" 405 "$HTTP_STATUS"
expect_eq "views: nothing queued by the refusals" "$before" "$(sent events.log)"

stripe_post "$E2E_DIR/checkout.json" -H 'Content-Type: application/json'
expect_eq "stripe: signed event: 200" 200 "$HTTP_STATUS"
expect_eq "stripe: received" true "$(jq -r '.received' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "stripe: queued as stripe/<type> with Stripe's event id" \
	'stripe/checkout.session.completed evt_e2e_1 cs_e2e_1 evt_e2e_1' \
	"$(last_sent | jq -r '.[0] | "\(.name) \(.id) \(.data.session.id) \(.data.eventId)"' 2>/dev/null)"
before=$(sent events.log)
http POST "$base/api/stripe/webhook" --data-binary "@$E2E_DIR/checkout.json" \
	-H "Stripe-Signature: $(stripe_sig whsec_not_the_secret "$(date +%s)" "$E2E_DIR/checkout.json")"
expect_eq "stripe: signed with another secret: 400" 400 "$HTTP_STATUS"
http POST "$base/api/stripe/webhook" --data-binary "@$E2E_DIR/checkout.json" \
	-H "Stripe-Signature: $(stripe_sig "$stripe_secret" "$(($(date +%s) - 900))" "$E2E_DIR/checkout.json")"
expect_eq "stripe: signed 15 minutes ago: 400" 400 "$HTTP_STATUS"
http POST "$base/api/stripe/webhook" --data-binary "@$E2E_DIR/checkout.json"
expect_eq "stripe: no signature: 400" 400 "$HTTP_STATUS"
printf 'not json at all' >"$E2E_DIR/notjson"
stripe_post "$E2E_DIR/notjson"
expect_eq "stripe: signed but not JSON: 400" 400 "$HTTP_STATUS"
head -c 1100000 /dev/zero | tr '\0' x >"$E2E_DIR/big1m"
http POST "$base/api/stripe/webhook" --data-binary "@$E2E_DIR/big1m" -H 'Stripe-Signature: t=1,v1=00'
expect_eq "stripe: 1.1 MB body: 413" 413 "$HTTP_STATUS"
expect_eq "stripe: nothing queued by the refusals" "$before" "$(sent events.log)"

post_json "$base"/api/events '{"name":"readwise/sync.requested","data":{}}'
expect_eq "events: no token: 401" 401 "$HTTP_STATUS"
post_json "$base"/api/events '{"name":"readwise/sync.requested","data":{}}' -H "Authorization: Bearer $admin_token"
expect_eq "events: another route's token: 401" 401 "$HTTP_STATUS"
before=$(sent events.log)
post_json "$base"/api/events '{"name":"inngest/function.failed","data":{}}' -H "Authorization: Bearer $relay_token"
expect_eq "events: inngest/ name: 400" 400 "$HTTP_STATUS"
post_json "$base"/api/events '[{"name":"app/ok"},{"data":{}}]' -H "Authorization: Bearer $relay_token"
expect_eq "events: an item without a name: 400" 400 "$HTTP_STATUS"
expect_eq "events: nothing queued by the refusals" "$before" "$(sent events.log)"
post_json "$base"/api/events '[{"name":"readwise/sync.requested","data":{}},{"name":"app/user.created","data":{"id":3}}]' \
	-H "Authorization: Bearer $relay_token"
expect_eq "events: list relayed: 202" 202 "$HTTP_STATUS"
expect_eq "events: the Event API's ids" "[\"$event_id\"]" "$(jq -c '.ids' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "events: both events in one request" 'readwise/sync.requested app/user.created' \
	"$(last_sent | jq -r '[.[].name] | join(" ")' 2>/dev/null)"

before=$(sent events.log)
post_json "$base"/api/readwise/accounts "{\"userId\":\"user-9\",\"token\":\"$readwise_token\"}"
expect_eq "readwise: no token: 401" 401 "$HTTP_STATUS"
post_json "$base"/api/readwise/accounts "{\"userId\":\"user-9\",\"token\":\"$readwise_token\"}" \
	-H "Authorization: Bearer $relay_token"
expect_eq "readwise: another route's token: 401" 401 "$HTTP_STATUS"
post_json "$base"/api/readwise/accounts "{\"userId\":\"user 9\",\"token\":\"$readwise_token\"}" \
	-H "Authorization: Bearer $admin_token"
expect_eq "readwise: bad user id: 400" 400 "$HTTP_STATUS"
expect_eq "readwise: the answer does not echo the token" 0 "$(grep -c -- "$readwise_token" "$E2E_DIR/last.body" || true)"
post_json "$base"/api/readwise/accounts "{\"userId\":\"user-9\",\"token\":\"$readwise_token\"}" \
	-H "Authorization: Bearer $admin_token"
expect_eq "readwise: stored: 204" 204 "$HTTP_STATUS"
expect_eq "readwise: no body" "" "$HTTP_BODY"
expect_eq "readwise: queues nothing" "$before" "$(sent events.log)"
expect_ok "readwise: the store file exists" test -s "$E2E_DIR/ok/store.db"

stop ok
expect_eq "no log line holds a token or the Stripe secret" 0 \
	"$(cat "$E2E_DIR"/ok/*.log "$standin"/*.log | grep -c -e "$readwise_token" -e "$stripe_secret" -e "$admin_token" -e "$relay_token" || true)"

# ---- the Event API answering 500: 503 (after the SDK's retries) ----------------
serve e500 "$e500_port" STRIPE_WEBHOOK_SECRET="$stripe_secret" EVENTS_RELAY_TOKEN="$relay_token"
post_json "$base"/api/contact "$contact"
expect_eq "Event API 500: contact: 503" 503 "$HTTP_STATUS"
expect_eq "Event API 500: contact: not reported as sent" "false null" "$(jq -r '"\(.success) \(.id)"' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "Event API 500: the send was tried 3 times" 3 "$(sent e500.log)"
event_api_fails "Event API 500" 503
stop e500

# ---- the Event API refusing the key: 502 ----------------------------------------
serve e401 "$e401_port" STRIPE_WEBHOOK_SECRET="$stripe_secret" EVENTS_RELAY_TOKEN="$relay_token"
post_json "$base"/api/contact "$contact"
expect_eq "Event API 401: contact: 502" 502 "$HTTP_STATUS"
expect_eq "Event API 401: sent once (a 4xx is not retried)" 1 "$(sent e401.log)"
event_api_fails "Event API 401" 502
post_json "$base"/api/events '{"name":"app/x"}' -H "Authorization: Bearer $relay_token"
expect_eq "Event API 401: events: 502" 502 "$HTTP_STATUS"
expect_match "Event API 401: events: says why" 'Event key not found' "$HTTP_BODY"
stop e401

# ---- the Event API down, optional settings missing -------------------------------
down_port=$(free_port)
serve down "$down_port"
post_json "$base"/api/contact "$contact"
expect_eq "Event API down: contact: 503" 503 "$HTTP_STATUS"
post_json "$base"/api/views '{"slug":"p","title":"T"}'
expect_eq "Event API down: views: 503" 503 "$HTTP_STATUS"
stripe_post "$E2E_DIR/checkout.json"
expect_eq "no STRIPE_WEBHOOK_SECRET: stripe: 503" 503 "$HTTP_STATUS"
expect_match "no STRIPE_WEBHOOK_SECRET: says so" 'STRIPE_WEBHOOK_SECRET is not set' "$HTTP_BODY"
post_json "$base"/api/events '{"name":"app/x"}' -H "Authorization: Bearer $relay_token"
expect_eq "no EVENTS_RELAY_TOKEN: events: 503" 503 "$HTTP_STATUS"
post_json "$base"/api/readwise/accounts '{"userId":"u","token":"t"}' -H "Authorization: Bearer $admin_token"
expect_eq "no ADMIN_TOKEN: readwise: 503" 503 "$HTTP_STATUS"
stop down
expect_eq "start-up names the missing Stripe secret once" 1 \
	"$(grep -c 'STRIPE_WEBHOOK_SECRET is not set' "$E2E_DIR/down/app.log" || true)"

nginx_stop "$standin"
expect_ok "stand-in Event API: logs clean" check_logs "$standin"

summary
