#!/usr/bin/env bash
# Attack suite: forged, replayed, malformed, oversized and abusive requests
# through real nginx to the real product program in cloud mode (a signing key
# and a fallback key), with stand-ins for the Event API and Resend.
#
# For every attack: the documented status (README, "Bad input: what each
# gets" and "Hardening"), no function code run (the target function,
# contact-form-submitted, calls Resend in its first step: the stand-in counts
# the calls, and a forged call must add none; no answer carries a StepRun op),
# no crash (no worker died, the program exits 0 on SIGTERM, no sanitizer
# report) and nothing about a key in any answer or log line (every answer's
# headers and body, the program's log and nginx's logs are searched for each
# secret and its HMAC material).
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin inngest-fcgi

material=7c1f0e9d8a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5
key=signkey-test-$material
fallback_material=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
fallback=signkey-test-$fallback_material
event_key=attack-event-key-0123456789
stripe_secret=whsec_attack_secret_0123456789ab
relay_token=attack-relay-token-0123456789abcdef
admin_token=attack-admin-token-0123456789abcdef
resend_key=re_attack_resend_key_0123456789
secrets=("$key" "$material" "$fallback" "$fallback_material" "$event_key" "$stripe_secret"
	"$relay_token" "$admin_token" "$resend_key")

# ---- stand-ins: Event API, register endpoint, Resend --------------------------
standin=$E2E_DIR/standin
api_port=$(free_port)
standin_nginx_start "$standin" "$api_port" <<EOF
        location /e/ { access_log events.log line; access_log events_body.log body; rewrite ^ /e-ok break; proxy_pass http://127.0.0.1:$api_port; }
        location = /e-ok { default_type application/json; return 200 '{"ids":["01JATTACK000000000000000001"],"status":200}'; }
        location /emails { access_log resend.log line; access_log resend_body.log body; rewrite ^ /emails-ok break; proxy_pass http://127.0.0.1:$api_port; }
        location = /emails-ok { default_type application/json; return 200 '{"id":"email-attack-1"}'; }
        location /fn/register { default_type application/json; return 200 '{"ok":true,"modified":false}'; }
EOF
lines() { log_lines "$standin/$1"; }
# The body of the last request a *_body.log recorded, as JSON (null when none).
last_body() { logged_body "$standin/$1"; }

# ---- the program behind nginx -------------------------------------------------
dir=$E2E_DIR/app
app_serve "$dir" "$bin" INNGEST_DEV=0 INNGEST_SIGNING_KEY="$key" \
	INNGEST_SIGNING_KEY_FALLBACK="$fallback" INNGEST_EVENT_KEY="$event_key" \
	INNGEST_BASE_URL="http://127.0.0.1:$api_port" INNGEST_SERVE_ORIGIN=http://127.0.0.1 \
	DATABASE_PATH="$dir/store.db" STRIPE_WEBHOOK_SECRET="$stripe_secret" \
	EVENTS_RELAY_TOKEN="$relay_token" ADMIN_TOKEN="$admin_token" RESEND_API_KEY="$resend_key" \
	RESEND_API_BASE_URL="http://127.0.0.1:$api_port" CONTACT_TO_EMAIL=owner@example.org \
	CONTACT_FROM_EMAIL=site@example.org
fn_url="$base/api/inngest?fnId=inngest-fcgi-contact-form-submitted&stepId=step"

# Every answer's headers and body, searched for secrets at the end.
answers=$E2E_DIR/answers
: >"$answers"
record() { { cat "$HTTP_HEADERS"; head -c 200000 "$E2E_DIR/last.body"; echo; } >>"$answers"; }
req() { http "$@"; record; }

body_of() { # body_of DATA_JSON: a first call request for contact-form-submitted
	printf '{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"f","max_attempts":4,"run_id":"01JATTACKRUN00000000000001","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"event":{"data":%s,"id":"01JATTACKEVT00000000000001","name":"contact/form.submitted","ts":1700000000000,"user":{}},"events":[],"steps":{},"use_api":false,"version":2}' "$1"
}
body_of '{"name":"Ada","email":"ada@example.org","message":"Hello"}' >"$E2E_DIR/call.json"
now() { date +%s; }

# call FILE SIGNATURE-HEADER-VALUE… : POST FILE to the function, one
# X-Inngest-Signature header per value given (none when no value).
call() {
	local file=$1
	shift
	local -a h=()
	local s
	for s in "$@"; do h+=(-H "X-Inngest-Signature: $s"); done
	req POST "$fn_url" -H 'Content-Type: application/json' "${h[@]}" --data-binary "@$file"
}

# refused WHAT STATUS: the last answer had STATUS, ran nothing, and Resend saw no new call.
refused() {
	local what=$1 want=$2
	expect_eq "$what: $want" "$want" "$HTTP_STATUS"
	if grep -q '"op":"StepRun"' "$E2E_DIR/last.body" || [[ $(lines resend.log) != "$resend_seen" ]]; then
		fail "$what: function code ran"
		resend_seen=$(lines resend.log)
	else
		pass "$what: no function code ran"
	fi
}

# ---- positive controls: a valid call runs; a replay inside the window too ----------
resend_seen=$(lines resend.log)
t=$(now)
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" "$t")"
expect_eq "valid signature: 206" 206 "$HTTP_STATUS"
expect_eq "valid signature: the first step ran and called Resend" $((resend_seen + 1)) "$(lines resend.log)"
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" "$t")"
expect_eq "the same request replayed inside the window: accepted (206), as the official SDKs do" 206 "$HTTP_STATUS"
call "$E2E_DIR/call.json" "$(sign_body "$fallback" "$E2E_DIR/call.json" "$(now)")"
expect_eq "signed with the fallback key: 206" 206 "$HTTP_STATUS"
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" $(($(now) - 280)))"
expect_eq "signed 280 s ago (inside the window): 206" 206 "$HTTP_STATUS"
# A signed body without ctx.run_id and without an event id (the executor
# always sends both): contact-form-submitted builds its idempotency key from
# the run id, which user code once got as NULL (a crash found by fuzzing).
body_of '{"name":"Ada","email":"ada@example.org","message":"Hello"}' |
	sed 's/"run_id":"[^"]*",//; s/"id":"01JATTACKEVT00000000000001",//' >"$E2E_DIR/no_run_id.json"
call "$E2E_DIR/no_run_id.json" "$(sign_body "$key" "$E2E_DIR/no_run_id.json" "$(now)")"
expect_eq "signed call with no run id and no event id: 206, the worker survives" 206 "$HTTP_STATUS"
resend_seen=$(lines resend.log)

# ---- forged, stale and malformed signatures ---------------------------------------
good=$(sign_body "$key" "$E2E_DIR/call.json" "$(now)")
mac=${good#*&s=}
t=$(now)
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" $((t - 400)))"
refused "replayed 400 s after signing (outside the window)" 401
expect_match "replayed: the answer names the window" 'window|expired|old' "$HTTP_BODY"
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" $((t + 400)))"
refused "timestamp 400 s in the future" 401
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" 0)"
refused "timestamp 0" 401
sed 's/"Hello"/"Hellp"/' "$E2E_DIR/call.json" >"$E2E_DIR/tampered.json"
call "$E2E_DIR/tampered.json" "$good"
refused "tampered body (one byte changed after signing)" 401
printf ' ' >>"$E2E_DIR/tampered.json"
call "$E2E_DIR/tampered.json" "$(sign_body "$key" "$E2E_DIR/call.json" "$t")"
refused "signed body plus trailing whitespace" 401
call "$E2E_DIR/call.json" "$(sign_body "signkey-test-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0" "$E2E_DIR/call.json" "$t")"
refused "signed with a wrong key" 401
call "$E2E_DIR/call.json" "$(sign_body "signkey-test-${material:0:32}" "$E2E_DIR/call.json" "$t")"
refused "signed with the key truncated to half" 401
call "$E2E_DIR/call.json" "$(sign_body "$material" "$E2E_DIR/call.json" "$t" | sed 's/^/x/')"
refused "signature with a garbage prefix" 401
call "$E2E_DIR/call.json"
refused "no signature header" 401
call "$E2E_DIR/call.json" ""
refused "empty signature header" 401
for bad in "t=$t" "s=$mac" "t=abc&s=$mac" "t=$t&s=${mac:0:63}" "t=$t&s=${mac^^}" "t=${t}0&s=$mac" \
	"t=-1&s=$mac" "t=99999999999999999999999999&s=$mac" "t=$t&s=$mac$mac" "t= $t&s=$mac" \
	"t=$t;s=$mac" "t=$t&&&&s=" "&&&&" "t=$t&s=$(printf '0%.0s' {1..64})&s=$mac"; do
	call "$E2E_DIR/call.json" "$bad"
	refused "malformed signature '${bad:0:40}…'" 401
done
call "$E2E_DIR/call.json" "t=$t&s=$(printf '0%.0s' {1..64})" "t=$t&s=1$(printf '0%.0s' {1..63})"
refused "two forged signature headers" 401
call "$E2E_DIR/call.json" "t=$t&s=$(printf '0%.0s' {1..64})" "$good"
refused "a forged signature header, then a valid one (the first counts)" 401
call "$E2E_DIR/call.json" "$(printf 't=%s&s=%s%08000d' "$t" "$mac" 0)"
refused "an 8 KB signature header" 401
call "$E2E_DIR/call.json" "$(printf 't=%s&s=%s%09000d' "$t" "$mac" 0)"
refused "a 9 KB signature header (over nginx's header buffer)" 400
http GET "$base/api/inngest" -H "X-Inngest-Signature: t=$t&s=$mac"
record
expect_eq "introspection with a forged signature: 200" 200 "$HTTP_STATUS"
expect_eq "introspection with a forged signature: authentication failed, no key hash" "false null" \
	"$(jq -r '"\(.authentication_succeeded) \(.signing_key_hash)"' <<<"$HTTP_BODY" 2>/dev/null)"
http PUT "$base/api/inngest" -H 'X-Inngest-Sync-Kind: in_band' -H "X-Inngest-Signature: t=$t&s=$mac" \
	--data-binary '{"url":"http://127.0.0.1/api/inngest"}'
record
expect_eq "in-band sync with a forged signature: 401" 401 "$HTTP_STATUS"

# ---- header injection in values we echo ---------------------------------------------
injected() { ! grep -qi '^X-Injected' "$HTTP_HEADERS"; }
: >"$E2E_DIR/empty"
req POST "$base/api/inngest?probe=trust%0D%0AX-Injected:%20yes" \
	-H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/empty" "$(now)")"
expect_eq "probe with CR LF (signed POST): 400 unknown probe" 400 "$HTTP_STATUS"
expect_ok "probe with CR LF: no injected header" injected
req GET "$base/api/inngest?probe=trust%0D%0AX-Injected:%20yes"
expect_ok "GET with a CR LF query: no injected header" injected
inj_body=$E2E_DIR/inj.json
cp "$E2E_DIR/call.json" "$inj_body"
req POST "$base/api/inngest?fnId=nope%0D%0AX-Injected:%20yes&stepId=step%0D%0AX-Injected:%201" \
	-H "X-Inngest-Signature: $(sign_body "$key" "$inj_body" "$(now)")" --data-binary "@$inj_body"
refused "fnId and stepId with CR LF (signed)" 500
expect_ok "fnId with CR LF: no injected header" injected
req PUT "$base/api/inngest?deployId=d%0D%0AX-Injected:%20yes"
expect_eq "deployId with CR LF: the sync goes through (200)" 200 "$HTTP_STATUS"
expect_ok "deployId with CR LF: no injected header" injected
printf '{"id":"evt_inj","object":"event","type":"checkout.session.completed\\r\\nX-Injected: yes","data":{"object":{"id":"cs_1"}}}' >"$E2E_DIR/stripe_inj.json"
events_seen=$(lines events.log)
req POST "$base/api/stripe/webhook" -H "Stripe-Signature: $(stripe_sig "$stripe_secret" "$(now)" "$E2E_DIR/stripe_inj.json")" \
	--data-binary "@$E2E_DIR/stripe_inj.json"
expect_eq "Stripe event type with CR LF (signed): 400" 400 "$HTTP_STATUS"
expect_ok "Stripe event type with CR LF: no injected header" injected
expect_eq "Stripe event type with CR LF: nothing sent" "$events_seen" "$(lines events.log)"

# ---- bodies past the limit --------------------------------------------------------
big() { head -c "$1" /dev/zero | tr '\0' ' ' >"$2"; }
{ printf '{"pad":"'; head -c $((5 * 1024 * 1024 + 300000)) /dev/zero | tr '\0' a; printf '"}'; } >"$E2E_DIR/5m.json"
call "$E2E_DIR/5m.json" "$(sign_body "$key" "$E2E_DIR/5m.json" "$(now)")"
refused "signed call body of 5.3 MiB (over our 5 MiB)" 413
expect_eq "5.3 MiB: our JSON message" true "$(jq -e 'has("message")' <<<"$HTTP_BODY" 2>/dev/null || echo false)"
big $((7 * 1024 * 1024)) "$E2E_DIR/7m"
call "$E2E_DIR/7m" "$good"
refused "call body of 7 MiB (over nginx's 6 MiB)" 413
req POST "$fn_url" -H 'Transfer-Encoding: chunked' -H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/5m.json" "$(now)")" \
	--data-binary "@$E2E_DIR/5m.json"
refused "chunked call body of 5.3 MiB (no Content-Length)" 413
events_seen=$(lines events.log)
for r in "/api/events 1100000" "/api/stripe/webhook 1100000" "/api/views 17000" "/api/readwise/accounts 5000" "/api/hello 5000"; do
	read -r path size <<<"$r"
	big "$size" "$E2E_DIR/big"
	req POST "$base$path" -H "Authorization: Bearer $relay_token" --data-binary "@$E2E_DIR/big"
	expect_eq "$path with $size bytes: 413" 413 "$HTTP_STATUS"
done
expect_eq "oversized route bodies: nothing sent to the Event API" "$events_seen" "$(lines events.log)"

# ---- JSON nested 10,000 deep -------------------------------------------------------
deep() { { printf '%*s' 10000 '' | tr ' ' '['; printf '%*s' 10000 '' | tr ' ' ']'; } }
body_of "$(deep)" >"$E2E_DIR/deep.json"
call "$E2E_DIR/deep.json" "$(sign_body "$key" "$E2E_DIR/deep.json" "$(now)")"
refused "signed call with event data nested 10,000 deep" 400
expect_match "nested 10,000 deep: the answer names the bound" 'deeper than 256' "$HTTP_BODY"
deep >"$E2E_DIR/deep_raw.json"
call "$E2E_DIR/deep_raw.json" "$(sign_body "$key" "$E2E_DIR/deep_raw.json" "$(now)")"
refused "signed call body that is an array nested 10,000 deep" 400
call "$E2E_DIR/deep_raw.json" "t=$(now)&s=$mac"
refused "forged call body nested 10,000 deep" 401
events_seen=$(lines events.log)
req POST "$base/api/events" -H "Authorization: Bearer $relay_token" --data-binary "@$E2E_DIR/deep_raw.json"
expect_eq "/api/events nested 10,000 deep: 400" 400 "$HTTP_STATUS"
req POST "$base/api/contact" --data-binary "{\"name\":$(deep),\"email\":\"a@b.c\",\"message\":\"x\"}"
expect_eq "/api/contact nested 10,000 deep: 400" 400 "$HTTP_STATUS"
req POST "$base/api/stripe/webhook" -H "Stripe-Signature: $(stripe_sig "$stripe_secret" "$(now)" "$E2E_DIR/deep_raw.json")" \
	--data-binary "@$E2E_DIR/deep_raw.json"
expect_eq "/api/stripe/webhook nested 10,000 deep (signed): 400" 400 "$HTTP_STATUS"
expect_eq "deep route bodies: nothing sent" "$events_seen" "$(lines events.log)"

# ---- huge strings and numbers, invalid UTF-8 ---------------------------------------------
hello_url="$base/api/inngest?fnId=inngest-fcgi-hello-world&stepId=step"
hello() { # hello FILE: a signed call to hello-world
	req POST "$hello_url" -H 'Content-Type: application/json' \
		-H "X-Inngest-Signature: $(sign_body "$key" "$1" "$(now)")" --data-binary "@$1"
}
for n in '1e999999' '-1e999999' '123456789012345678901234567890123456789' '-0' '1e-999999' '0.000000000000000000000000000001'; do
	body_of "{\"email\":\"a@b.c\",\"n\":$n}" | sed 's/contact\/form.submitted/test\/hello.world/' >"$E2E_DIR/num.json"
	hello "$E2E_DIR/num.json"
	expect_eq "event data with the number $n: 206" 206 "$HTTP_STATUS"
	expect_eq "event data with the number $n: the answer is JSON" true "$(jq -e 'type == "array"' "$E2E_DIR/last.body" 2>/dev/null || echo false)"
done
{ printf '{"email":"'; head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' e; printf '@example.org"}'; } >"$E2E_DIR/huge_data"
body_of "$(cat "$E2E_DIR/huge_data")" | sed 's/contact\/form.submitted/test\/hello.world/' >"$E2E_DIR/huge.json"
hello "$E2E_DIR/huge.json"
expect_eq "event data with a 3 MiB string: 206" 206 "$HTTP_STATUS"
expect_eq "event data with a 3 MiB string: the step's output carries it" $((3 * 1024 * 1024 + 20)) \
	"$(jq -r '.[0].data | length' "$E2E_DIR/last.body" 2>/dev/null)"
body_of '{"email":"a@b.c"}' | sed 's/contact\/form.submitted/test\/hello.world/; s/"a@b.c"/"a\xff\xfe\xc0\xafb@c.d"/' >"$E2E_DIR/utf8.json"
hello "$E2E_DIR/utf8.json"
# Accepted as the JS SDK accepts it (its body decoder replaces bad bytes): only
# Inngest can sign a body, and the executor's JSON decoder does the same.
expect_eq "event data with invalid UTF-8 (signed): 206" 206 "$HTTP_STATUS"
expect_eq "event data with invalid UTF-8: the answer is still one JSON array" true \
	"$(jq -e 'type == "array"' "$E2E_DIR/last.body" 2>/dev/null || echo false)"
events_seen=$(lines events.log)
printf '{"name":"Ad\xffa","email":"ada@example.org","message":"Hello \xc0\xaf"}' >"$E2E_DIR/utf8_contact.json"
req POST "$base/api/contact" --data-binary "@$E2E_DIR/utf8_contact.json"
expect_eq "/api/contact with invalid UTF-8: 400" 400 "$HTTP_STATUS"
{ printf '{"name":"'; head -c 60000 /dev/zero | tr '\0' n; printf '","email":"ada@example.org","message":"x"}'; } >"$E2E_DIR/long_name.json"
req POST "$base/api/contact" --data-binary "@$E2E_DIR/long_name.json"
expect_eq "/api/contact with a 60,000-character name: 400" 400 "$HTTP_STATUS"
req POST "$base/api/contact" --data-binary '{"name":1e999999,"email":123456789012345678901234567890,"message":-0}'
expect_eq "/api/contact with huge numbers for fields: 400" 400 "$HTTP_STATUS"
expect_eq "bad contact forms: nothing sent" "$events_seen" "$(lines events.log)"

# ---- slow clients ------------------------------------------------------------------
# 40 connections that send a request head promising a body and then stall;
# nginx holds them (it reads whole bodies before passing them on), so the
# program's workers stay free and a normal request is answered meanwhile.
slow_pids=()
for i in $(seq 1 40); do
	{
		exec 3<>"/dev/tcp/127.0.0.1/$ngx_port"
		printf 'POST /api/inngest?fnId=inngest-fcgi-contact-form-submitted HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\nX-Inngest-Signature: t=%s&s=%s\r\n\r\n{"ctx":' "$t" "$mac" >&3
		exec sleep 30 # holds the connection; killing it closes it
	} 2>/dev/null &
	slow_pids+=($!)
done
call "$E2E_DIR/call.json" "$(sign_body "$key" "$E2E_DIR/call.json" "$(now)")"
expect_eq "40 stalled clients: a valid call is still answered (206)" 206 "$HTTP_STATUS"
resend_seen=$(lines resend.log)
# A client that sends its 70-byte body at 20 bytes a second is answered once it is done.
printf '{"name":"Slow","email":"slow@example.org","message":"sent slowly"}' >"$E2E_DIR/slow.json"
req POST "$base/api/contact" -H 'Content-Type: application/json' --limit-rate 20 \
	--data-binary "@$E2E_DIR/slow.json"
expect_eq "a client sending 20 bytes/s: answered 202" 202 "$HTTP_STATUS"
kill "${slow_pids[@]}" 2>/dev/null || true
wait "${slow_pids[@]}" 2>/dev/null || true

# ---- a flood of concurrent connections --------------------------------------------------
# 1,000 requests, 100 at a time (each is two of nginx's 256 connections):
# forged calls, valid introspection GETs and unsigned GETs; every one answered.
flood=$E2E_DIR/flood.cfg
ft=$(now)
forged="t=$ft&s=$(printf '0%.0s' {1..64})"
signed_get=$(sign_body "$key" /dev/null "$ft")
for i in $(seq 1 250); do
	curl_config_request "$fn_url&flood=401" 'request = "POST"' "header = \"X-Inngest-Signature: $forged\"" \
		"data-binary = \"@$E2E_DIR/call.json\""
	curl_config_request "$base/api/inngest?flood=200" "header = \"X-Inngest-Signature: $signed_get\""
	curl_config_request "$base/api/inngest?flood=200&u=1"
	curl_config_request "$base/api/contact?flood=400" 'request = "POST"' 'data-binary = "{\"name\":\"\"}"'
done >"$flood"
sed -i '$d' "$flood" # the last `next`
resend_seen=$(lines resend.log)
curl -sS --parallel --parallel-max 100 --max-time 60 -K "$flood" >"$E2E_DIR/flood.out" 2>"$E2E_DIR/flood.err" || true
answered=$(wc -l <"$E2E_DIR/flood.out")
wrong=$(awk '{ want = $2; sub(/.*flood=/, "", want); want = substr(want, 1, 3); if ($1 != want) n++ } END { print n + 0 }' "$E2E_DIR/flood.out")
expect_eq "flood: 1,000 requests answered" 1000 "$answered"
expect_eq "flood: every answer has its documented status (401 forged, 200 GET, 400 empty form)" 0 "$wrong"
if ((wrong > 0)); then
	awk '{ w = $2; sub(/.*flood=/, "", w); if ($1 != substr(w, 1, 3)) print "    got " $0 }' "$E2E_DIR/flood.out" | head -n 5
	grep -E '\[(error|crit|alert)\]' "$dir/error.log" | grep -v 'too large body' | tail -n 5 | sed 's/^/    /'
	grep -o 'curl: .*' "$E2E_DIR/flood.err" | sort | uniq -c | head -n 5 | sed 's/^/    /'
fi
expect_eq "flood: the forged calls ran no function code" "$resend_seen" "$(lines resend.log)"

# ---- issue 13: the product routes (findings 3, 5, 7, 9) ---------------------------------
# Each reproducer is the audit's request; the defaults are in force (README,
# "Audit findings (issue 13): product routes").  These come after the flood
# and the slow client, whose one valid contact form counts as this client's
# first of CONTACT_RATE_LIMIT_CLIENT's 5 an hour.
relay() { req POST "$base/api/events" -H "Authorization: Bearer $relay_token" --data-binary "$1"; }

# 3: the confirmation quotes nothing the form sent.  The form is queued; then
# Inngest's call runs the confirmation step (the notification memoized).
spam_name='Claim your prize at http://spam.example/win now'
events_seen=$(lines events.log)
req POST "$base/api/contact" -H 'Content-Type: application/json' \
	--data-binary "{\"name\":\"$spam_name\",\"email\":\"victim@example.org\",\"message\":\"Visit http://spam.example/win\"}"
expect_eq "3: /api/contact with a spam name: queued (202)" 202 "$HTTP_STATUS"
expect_eq "3: the form's event was sent" $((events_seen + 1)) "$(lines events.log)"
form_data=$(last_body events_body.log | jq -c '.[0].data' 2>/dev/null)
expect_eq "3: the event carries the form as sent" "$spam_name" "$(jq -r .name <<<"$form_data" 2>/dev/null)"
notification_hash=$(printf %s send-notification-email | sha1sum | cut -d' ' -f1)
body_of "$form_data" | jq -c --arg h "$notification_hash" '.steps[$h] = {"data": {"id": "email-attack-1"}}' \
	>"$E2E_DIR/confirm.json"
resend_seen=$(lines resend.log)
call "$E2E_DIR/confirm.json" "$(sign_body "$key" "$E2E_DIR/confirm.json" "$(now)")"
expect_eq "3: Inngest's call runs the confirmation step (206)" 206 "$HTTP_STATUS"
expect_eq "3: the confirmation was sent through Resend" $((resend_seen + 1)) "$(lines resend.log)"
confirmation=$(last_body resend_body.log)
expect_eq "3: the confirmation goes to the submitted address" victim@example.org \
	"$(jq -r '.to[0]' <<<"$confirmation" 2>/dev/null)"
expect_eq "3: the confirmation quotes neither the name nor the message (no spam.example)" false \
	"$(jq -r '(.text + .subject) | test("spam\\.example|Claim your prize")' <<<"$confirmation" 2>/dev/null || echo true)"

# 3: per-recipient and per-client limits, kept in the store: the same
# address (in any case) gets 3 confirmations a day, this client 5 forms an hour.
form() { req POST "$base/api/contact" -H 'Content-Type: application/json' \
	--data-binary "{\"name\":\"Ada\",\"email\":\"$1\",\"message\":\"Hello\"}"; }
form Victim@Example.org
expect_eq "3: a second form for the same address: 202" 202 "$HTTP_STATUS"
form VICTIM@example.org
expect_eq "3: a third form for the same address: 202" 202 "$HTTP_STATUS"
events_seen=$(lines events.log)
form victim@example.org
expect_eq "3: a fourth form for the same address the same day: 429" 429 "$HTTP_STATUS"
expect_match "3: the 429 has a Retry-After of seconds" '^[1-9][0-9]*$' "$(http_header Retry-After)"
expect_match "3: the 429 says why without echoing the address" 'for this email address' "$HTTP_BODY"
form someone-else@example.org
expect_eq "3: a sixth form from this client within the hour: 429" 429 "$HTTP_STATUS"
expect_match "3: the client's 429 says so" 'from your address' "$HTTP_BODY"
expect_eq "3: refused forms queue nothing" "$events_seen" "$(lines events.log)"

# 5: the relay token cannot send Stripe's events, nor pick an id that could
# pre-empt a real Stripe event's de-duplication.
events_seen=$(lines events.log)
relay '{"name":"stripe/checkout.session.completed","id":"evt_1AttackForged","data":{"id":"cs_attack","client_reference_id":"user-1","subscription":"sub_1"}}'
expect_eq "5: relaying stripe/checkout.session.completed: 400" 400 "$HTTP_STATUS"
expect_match "5: the 400 names EVENTS_RELAY_ALLOW" 'EVENTS_RELAY_ALLOW' "$HTTP_BODY"
relay '[{"name":"app/ok"},{"name":"stripe/payment_intent.succeeded","data":{}}]'
expect_eq "5: a list with one stripe/ event: 400" 400 "$HTTP_STATUS"
relay '{"name":"contact/form.submitted","data":{"name":"x","email":"v@example.org","message":"x"}}'
expect_eq "5: relaying contact/form.submitted (past the route's limits): 400" 400 "$HTTP_STATUS"
expect_eq "5: refused relays sent nothing" "$events_seen" "$(lines events.log)"
relay '{"name":"app/user.created","id":"evt_1AttackForged","data":{}}'
expect_eq "5: an allowed name with a caller's id: 202" 202 "$HTTP_STATUS"
expect_eq "5: the caller's id is sent namespaced (relay-…), never as a Stripe id" relay-evt_1AttackForged \
	"$(last_body events_body.log | jq -r '.[0].id' 2>/dev/null)"

# 7: a post's title cannot be overwritten, nor a count inflated without limit.
req POST "$base/api/views" --data-binary '{"slug":"victim-post","title":"<script>alert(1)</script> Hacked"}'
expect_eq "7: /api/views with markup in the title: 400" 400 "$HTTP_STATUS"
view_call() { # view_call EVENT_ID TITLE: Inngest's first call of track-post-view
	body_of "{\"slug\":\"victim-post\",\"title\":\"$2\",\"viewedAt\":\"2024-05-01T12:00:00Z\"}" |
		sed "s/contact\/form.submitted/blog\/post.viewed/; s/01JATTACKEVT00000000000001/$1/" >"$E2E_DIR/view.json"
	req POST "$base/api/inngest?fnId=inngest-fcgi-track-post-view&stepId=step" \
		-H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/view.json" "$(now)")" --data-binary "@$E2E_DIR/view.json"
}
view_call 01JATTACKVIEW0000000000001 'The real title'
expect_eq "7: the first view of a post is counted (206)" 206 "$HTTP_STATUS"
view_call 01JATTACKVIEW0000000000002 'Hacked'
expect_eq "7: a later view with another title is counted (206)" 206 "$HTTP_STATUS"
expect_eq "7: the store keeps the title the post was first counted with" 'The real title 2' \
	"$(sqlite3 "$dir/store.db" "SELECT text || ' ' || num FROM records WHERE kind = 'views-total' AND key = 'victim-post'" 2>&1)"
events_seen=$(lines events.log)
codes=""
for _ in $(seq 1 11); do
	req POST "$base/api/views" --data-binary '{"slug":"inflated-post","title":"Inflated"}'
	codes+="$HTTP_STATUS "
done
expect_eq "7: eleven views of one post from one client within the hour: ten 202, then 429" \
	"202 202 202 202 202 202 202 202 202 202 429 " "$codes"
expect_match "7: the 429 has a Retry-After" '^[1-9][0-9]*$' "$(http_header Retry-After)"
expect_eq "7: only the ten counted views were queued" $((events_seen + 10)) "$(lines events.log)"
req POST "$base/api/views" --data-binary '{"slug":"another-post","title":"Another"}'
expect_eq "7: another post from the same client: 202" 202 "$HTTP_STATUS"

# 9: route bodies are parsed strictly and ts is range-checked.
events_seen=$(lines events.log)
for bad in '{"name":"app/x","data":{"n":NaN}}' '{"name":"app/x","data":{"n":Infinity}}' \
	'{"name":"app/x","data":{"n":1e999}}' '{"name":"app/x","data":{"n":123456789012345678901234567890}}' \
	'{"name":"app/x","ts":123456789012345678901234567890}' '{"name":"app/x","ts":99999999999999}' \
	'{"name":"app/x","ts":0}' '{"name":"app/x","ts":1.7e12}'; do
	relay "$bad"
	expect_eq "9: /api/events with ${bad:16}: 400" 400 "$HTTP_STATUS"
done
req POST "$base/api/views" --data-binary '{"slug":"nan-post","title":"T","n":NaN}'
expect_eq "9: /api/views with NaN in the body: 400" 400 "$HTTP_STATUS"
expect_eq "9: nothing non-finite or clamped was forwarded" "$events_seen" "$(lines events.log)"
relay "{\"name\":\"app/x\",\"ts\":$(($(now) * 1000))}"
expect_eq "9: a ts of now (milliseconds): 202" 202 "$HTTP_STATUS"

# ---- only /api/inngest is the endpoint (issue 13, finding 1) ------------------------------
req GET "$base/api/views/x"
expect_eq "GET /api/views/x (neither a route nor the endpoint): 404, not the introspection body" "404 false" \
	"$HTTP_STATUS $(jq -r 'has("function_count")' <<<"$HTTP_BODY" 2>/dev/null || echo not-json)"
req PUT "$base/api/other/path" -H 'Host: attacker.test'
expect_eq "PUT /api/other/path with Host attacker.test: 404, no sync" 404 "$HTTP_STATUS"

# ---- log injection (issue 13, finding 6) ------------------------------------------------
# nginx decodes %0A and %1b in the path it hands over; the text log escapes them.
# (A POST: before the fix such a path was the endpoint, whose 401 logged the path.)
req POST "$base/api/x%0A2026-01-01T00:00:00.000Z%20info%20%5B1%5D%20POST%20FORGED%20status=200%1b%5B31m" \
	-H 'Content-Type: application/json' --data-binary '{}'
expect_eq "a path with %0A and %1b: 404 (not the endpoint)" 404 "$HTTP_STATUS"
sleep 0.2
expect_eq "...no line starts with the forged text" 0 "$(grep -c '^2026-01-01T00:00:00.000Z info \[1\]' "$dir/app.log" || true)"
expect_eq "...no ESC byte reaches the log" 0 "$(grep -c $'\x1b' "$dir/app.log" || true)"
expect_match "...the path is logged, escaped, on the request's own line" \
	'POST /api/x\\x0a2026-01-01T00:00:00\.000Z info \[1\] POST FORGED status=200\\x1b\[31m run=- step=- status=404' \
	"$(cat "$dir/app.log")"

# ---- no crash, nothing about a key anywhere --------------------------------------------
expect_eq "no worker died" 0 "$(grep -c 'died\|exited with status' "$dir/app.log" || true)"
master=$(<"$dir/app.pid")
expect_eq "both workers still serving" 2 "$(pgrep -P "$master" | wc -l)"
for s in "${secrets[@]}"; do
	for f in "$answers" "$dir/app.log" "$dir/error.log" "$dir/access.log"; do
		if grep -qF -- "$s" "$f"; then
			fail "secret ${s:0:12}… appears in $(basename "$f")"
			continue 2
		fi
	done
	pass "secret ${s:0:12}… appears in no answer and no log line"
done
expect_ok "program exits cleanly on SIGTERM" app_stop "$dir"
nginx_stop "$dir"
expect_ok "logs clean (no sanitizer report, no [alert]/[crit]/[emerg])" check_logs "$dir"
summary
