#!/usr/bin/env bash
# The product app's personal data in flight with end-to-end encryption on
# (issue 17, part 4; functions/README.md, "Personal data in flight"): real
# nginx, the product program with INNGEST_ENCRYPTION_KEY, the REAL Inngest dev
# server and a Resend stand-in.  A contact form posted to /api/contact runs to
# its end: Resend gets the plain address and message (the function read them),
# while the dev server's copies of contact/form.submitted and of
# contact/email.delivered (its REST API) hold the visitor's fields only inside
# an inngest/libsodium envelope, which the official Node middleware opens
# back into the plain fields.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
e2e_init

dev_app_preamble e2e-penc inngest-fcgi
svc=$E2E_DIR/resend
standin_build || abort "the stand-in compiles"
enc_node_install

key=e2e-product-encryption-secret-0123456789ab
visitor=ada-penc@example.org
mkdir -p "$svc"
echo 'POST /emails 200 {"id":"em_{n}"}' >"$svc/script"
svc_port=$(free_port)
standin_start "$svc" "$svc_port" || abort "the Resend stand-in starts"
dev_app_up INNGEST_ENCRYPTION_KEY="$key" DATABASE_PATH="$srv/store.db" RESEND_API_KEY=re_e2e_penc \
	RESEND_API_BASE_URL="http://127.0.0.1:$svc_port" CONTACT_TO_EMAIL=owner@example.org \
	CONTACT_FROM_EMAIL=site@example.org
dev_app_sync "the dev server has the product app's functions" 22 30

# ---- the form, posted ------------------------------------------------------------
form="{\"name\":\"Ada Penc\",\"email\":\"$visitor\",\"message\":\"a private note for the e2e test\"}"
http POST "http://127.0.0.1:$ngx_port/api/contact" -H 'Content-Type: application/json' --data-binary "$form"
expect_eq "POST /api/contact: 202" 202 "$HTTP_STATUS"
ev=$(jq -r .id <<<"$HTTP_BODY" 2>/dev/null || true)
wait_run "$base" "$ev" 60 >"$E2E_DIR/run.json" || abort "contact-form-submitted ends"
expect_eq "the run completed" Completed "$(jq -r .status "$E2E_DIR/run.json")"

# ---- what Resend got: the plain fields (the function read them) -------------------
emails=$(standin_requests "$svc" 'select(.path == "/emails") | .body | fromjson')
expect_eq "Resend: the confirmation to the visitor, the notification to the owner (reply-to the visitor)" \
	"$visitor|null owner@example.org|$visitor" \
	"$(jq -rs 'map("\(.to[0])|\(.reply_to)") | sort | join(" ")' <<<"$emails" 2>/dev/null)"
expect_match "Resend: the notification carries the message" "a private note for the e2e test" \
	"$(jq -r 'select(.to[0] == "owner@example.org") | .text' <<<"$emails" 2>/dev/null)"

# ---- what the dev server holds: ciphertext --------------------------------------------
api_get "$base" "/v1/events/$ev" | jq -c .data >"$E2E_DIR/form_event.json"
expect_eq "the server's contact/form.submitted: data.encrypted is an inngest/libsodium envelope, submittedAt readable" \
	"true true" \
	"$(jq -r '"\(.data.encrypted.__ENCRYPTED__ == true and .data.encrypted.__STRATEGY__ == "inngest/libsodium") \(.data.submittedAt | type == "string")"' "$E2E_DIR/form_event.json")"
expect_ok "...and neither the email, the name nor the message is readable in it" \
	bash -c "! grep -qE 'ada-penc|Ada Penc|private note' '$E2E_DIR/form_event.json'"
opened=$(node_client open "$key" <"$E2E_DIR/form_event.json" | jq -cS .encrypted 2>/dev/null || true)
expect_eq "the official Node middleware opens it into the visitor's fields" \
	"$(jq -cS --arg e "$visitor" '{name: "Ada Penc", email: $e, message: "a private note for the e2e test", ip: "127.0.0.1"}' -n)" "$opened"

delivered_once() {
	events_named "$base" contact/email.delivered | jq -ce '[.[] | select(.id | startswith("'"$(jq -r .run_id "$E2E_DIR/run.json")"'"))] | select(length == 2)'
}
delivered=$(poll_until 30 delivered_once) || delivered='[]'
echo "$delivered" >"$E2E_DIR/delivered.json"
expect_eq "contact/email.delivered: two events, type readable, the email only inside the envelope" \
	"confirmation:true:null notification:true:null" \
	"$(jq -r '.[] | "\(.data.type):\(.data.encrypted.__ENCRYPTED__ == true):\(.data.email)"' "$E2E_DIR/delivered.json" | sort | paste -sd' ')"
expect_ok "...no plain email in the server's copies" bash -c "! grep -q 'ada-penc' '$E2E_DIR/delivered.json'"
expect_eq "the Node middleware opens the delivered event's email" "{\"email\":\"$visitor\"}" \
	"$(jq -c '.[0]' "$E2E_DIR/delivered.json" | node_client open "$key" | jq -c .encrypted 2>/dev/null || true)"
run_id=$(jq -r .run_id "$E2E_DIR/run.json")
api_get "$base" "/v1/runs/$run_id" >"$E2E_DIR/server_run.json" || true
expect_eq "the server's copy of the run: its id, its output an envelope" "$run_id true" \
	"$(jq -r '"\(.data.run_id) \(.data.output.__ENCRYPTED__ == true)"' "$E2E_DIR/server_run.json" 2>/dev/null)"
expect_ok "...and no plain personal field in it" \
	bash -c "! grep -qE 'ada-penc|Ada Penc|private note' '$E2E_DIR/server_run.json'"

expect_ok "the key never reaches the program's log" bash -c "! grep -qF '$key' '$log'"
app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
