#!/usr/bin/env bash
# The contact form's progress through the REAL Inngest dev server: the
# product app (nginx + the FastCGI program + a private `inngest dev`, a
# Resend stand-in).  A form posted to /api/contact is answered 202 with its
# id ("queued"); GET /api/contact/progress?id=… gives a realtime token for
# that submission only; the official `inngest` package's subscribe() under
# Node, with that token, receives "emailed" on topic progress once the run
# has sent both emails.  The route refuses ids of the wrong shape and other
# methods.  Then the page itself (contact_progress.html, served by nginx) in
# Debian's Chromium: it sends a form, shows "queued", and "queued → emailed"
# once the run is done.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
# shellcheck source=tests/lib/ui_driver.sh
source "$(dirname "$0")/../lib/ui_driver.sh"
e2e_init

dev_app_preamble e2e-progress inngest-fcgi
svc=$E2E_DIR/resend
enc_node_install # the pinned official `inngest` package (its realtime subscribe)

svc_port=$(free_port)
mkdir -p "$svc"
# Realtime keeps nothing for late subscribers, so Resend first answers 429
# (retried after its Retry-After: 5 s) until the subscriber is connected.
cat >"$svc/script" <<'SCRIPT'
POST /emails 429 header=Retry-After:5 {"message":"slow down"}
SCRIPT
standin_start "$svc" "$svc_port" || abort "the Resend stand-in starts"
# resend_answers TAG: from now on the stand-in accepts both emails, with ids
# em_notification_TAG and em_confirmation_TAG.
resend_answers() {
	printf 'POST /emails 200 match=send-%s-email {"id":"em_%s_%s"}\n' \
		notification notification "$1" confirmation confirmation "$1" >"$svc/script"
}
dev_app_up DATABASE_PATH="$srv/product.db" RESEND_API_BASE_URL="http://127.0.0.1:$svc_port" RESEND_API_KEY=re_progress \
	CONTACT_FROM_EMAIL=site@example.org CONTACT_TO_EMAIL=owner@example.org
fn_count=$(curl -sS --max-time 10 "$endpoint" | jq -r '.function_count')
dev_app_sync "the dev server has the product app's $fn_count functions" "$fn_count" 20

site=http://127.0.0.1:$ngx_port
http GET "$site/api/contact/progress?id=../../etc"
expect_eq "an id of the wrong shape: 400" 400 "$HTTP_STATUS"
http POST "$site/api/contact/progress?id=01JABCDEFGHJKMNPQRSTVWXYZ0"
expect_eq "POST: 405" 405 "$HTTP_STATUS"

form='{"name":"Ada Lovelace","email":"ada@example.org","message":"How is my message doing?"}'
http POST "$site/api/contact" -H 'Content-Type: application/json' --data-binary "$form"
expect_eq "POST /api/contact: 202 (queued)" 202 "$HTTP_STATUS"
id=$(jq -r '.id // empty' <<<"$HTTP_BODY")
http GET "$site/api/contact/progress?id=$id"
expect_eq "GET /api/contact/progress: 200 with a token for this submission's channel" \
	"200 contact-$id progress $base" \
	"$HTTP_STATUS $(jq -r '"\(.channel) \(.topics | join(",")) \(.apiBaseUrl)"' <<<"$HTTP_BODY" 2>/dev/null)"
echo "$HTTP_BODY" >"$E2E_DIR/token.json"
NODE_PATH=$ENC_NODE_DIR/node_modules node --experimental-websocket --no-warnings \
	"$E2E_ROOT/tests/lib/realtime_subscriber.js" "$E2E_DIR/token.json" "$base" 1 90 "$E2E_DIR/ready" \
	>"$E2E_DIR/progress.jsonl" 2>"$E2E_DIR/progress.err" &
sub=$!
poll_until 20 test -f "$E2E_DIR/ready" || fail "the official subscriber connects with the route's token"
resend_answers progress
rc=0
wait "$sub" || rc=$?
[[ $rc == 0 ]] || cat "$E2E_DIR/progress.err" >&2
expect_eq "the subscriber hears \"emailed\" on the submission's channel" "0 emailed contact-$id progress" \
	"$rc $(jq -r '"\(.data.status) \(.channel) \(.topic)"' "$E2E_DIR/progress.jsonl" 2>/dev/null)"
run=$(wait_run "$base" "$id" 60) || run=
expect_eq "the run completed with both emails sent" \
	'Completed {"confirmationId":"em_confirmation_progress","notificationId":"em_notification_progress"}' \
	"$(jq -r '.status' <<<"$run") $(jq -cS .output <<<"$run")"

# ---- the page, in a real browser ---------------------------------------------------
# contact_progress.html is a static file: this nginx serves it next to /api/.
mkdir -p "$srv/www"
chmod 0755 "$srv/www"
install -m 0644 "$E2E_ROOT/functions/product/routes/contact_progress.html" "$srv/www/"
sed -i "s|        location / {|        location = /contact_progress.html { root $srv/www; }\n        location / {|" "$srv/nginx.conf"
"$(nginx_bin)" -p "$srv/" -c "$srv/nginx.conf" -e "$srv/error.log" -s reload || fail "nginx reloads with the page"
page_once() { [[ $(curl -s -o /dev/null -w '%{http_code}' "$site/contact_progress.html") == 200 ]]; }
poll_until 10 page_once || fail "nginx serves contact_progress.html"
chromium=$(command -v chromium || true)
[[ -n $chromium ]] || abort "Debian's chromium (contrib/install-deps.sh)"
ui_driver_install check_contact_progress.mjs
cat >"$svc/script" <<'SCRIPT'
POST /emails 429 header=Retry-After:5 {"message":"slow down, browser"}
SCRIPT
jq -n --arg page "$site/contact_progress.html" --arg chromium "$chromium" --arg ready "$E2E_DIR/page-ready" \
	--argjson wait $((E2E_WAIT_SECS * 1000)) '{page: $page, chromium: $chromium, ready: $ready, waitMs: $wait}' \
	>"$E2E_DIR/page.json"
timeout -k 5 240 node "$UI_DRIVER_DIR/check_contact_progress.mjs" "$E2E_DIR/page.json" >"$E2E_DIR/page.out" 2>&1 &
page_pid=$!
poll_until $((E2E_WAIT_SECS * 2)) test -f "$E2E_DIR/page-ready" || true
resend_answers page
page_rc=0
wait "$page_pid" || page_rc=$?
cat "$E2E_DIR/page.out"
TESTS_PASSED=$((TESTS_PASSED + $(grep -c '^ok   - ' "$E2E_DIR/page.out" || true)))
page_failed=$(grep -c '^FAIL - ' "$E2E_DIR/page.out" || true)
TESTS_FAILED=$((TESTS_FAILED + page_failed))
((page_rc == 0 || page_failed > 0)) || fail "the browser driver exited with status $page_rc and reported no failure"

app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
