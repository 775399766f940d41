#!/usr/bin/env bash
# Encrypted data between the official Node middleware and our app, through the
# REAL Inngest dev server, both ways.  tests/apps/encryption_app.c runs behind
# nginx with INNGEST_ENCRYPTION_KEY; tests/vectors/encryption/node_client.js is
# the Node side, with @inngest/middleware-encryption's own hooks (pinned in
# tests/vectors/encryption/package.json, installed from npm under build/).
#   Node → C: Node seals an event's data.encrypted and sends it to the dev
#   server; our function reads the plain values and returns them, sealed:
#   Node opens the run's output (as memoized data is opened, wrapStep).
#   C → Node: our function sends a reply event with data.encrypted sealed;
#   Node opens it as a Node function's input would be opened.
# Both events and the run's output, as the server's REST API gives them, hold
# only ciphertext for what was encrypted.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
e2e_init

dev_app_preamble enc-interop tests/apps/encryption_app
enc_node_install

key=e2e-node-interop-secret-0123456789abcdef
dev_app_up INNGEST_ENCRYPTION_KEY="$key"
dev_app_sync "the dev server has the app's functions" 2 20

# ---- Node → C -----------------------------------------------------------------
ref=ref-$RANDOM$RANDOM
plain='{"email":"ada@example.org","name":"Ada Lovelace"}'
node_client seal "$key" <<<"{\"name\":\"enc/echo\",\"data\":{\"encrypted\":$plain,\"ref\":\"$ref\"}}" \
	>"$E2E_DIR/sealed.json" || abort "the Node middleware seals the event"
expect_eq "Node sealed data.encrypted (strategy inngest/libsodium), ref stays readable" \
	"true $ref" "$(jq -r '(.data.encrypted.__STRATEGY__ == "inngest/libsodium" and (.data.encrypted.data | type) == "string")' "$E2E_DIR/sealed.json") $(jq -r .data.ref "$E2E_DIR/sealed.json")"
ev=$(send_event "$base" any-key "$(<"$E2E_DIR/sealed.json")") || abort "send the sealed event"
wait_run "$base" "$ev" 60 >"$E2E_DIR/run.json" || abort "enc-echo ends"
expect_eq "the server's copy of our function's result is an inngest/libsodium envelope" "Completed true" \
	"$(jq -r .status "$E2E_DIR/run.json") $(jq -r '.output.__ENCRYPTED__ == true and .output.__STRATEGY__ == "inngest/libsodium"' "$E2E_DIR/run.json")"
seen=$(jq -c .output "$E2E_DIR/run.json" | node_client step "$key" | jq -cS .seen 2>/dev/null || true)
expect_eq "Node opens our result: the function read Node's encrypted fields in plain" \
	"$(jq -cS . <<<"$plain")" "$seen"
api_get "$base" "/v1/events/$ev" >"$E2E_DIR/event.json"
expect_eq "the server's copy of Node's event: data.encrypted is an envelope" "true" \
	"$(jq -r '.data.data.encrypted.__ENCRYPTED__ == true' "$E2E_DIR/event.json")"
expect_ok "...and nothing of the plain fields is readable in it" \
	bash -c "! grep -qE 'ada@example|Lovelace' '$E2E_DIR/event.json'"

# ---- C → Node -----------------------------------------------------------------
reply_once() {
	api_get "$base" "/v1/events?name=enc/replied" |
		jq -ce --arg ref "$ref" '[.data[]? | select(.data.ref == $ref)] | first // empty' 2>/dev/null
}
reply=$(poll_until 30 reply_once) || abort "our function's reply event reaches the server"
echo "$reply" >"$E2E_DIR/reply.json"
expect_eq "the server's copy of our reply: data.encrypted is an inngest/libsodium envelope" "true" \
	"$(jq -r '.data.encrypted.__ENCRYPTED__ == true and .data.encrypted.__STRATEGY__ == "inngest/libsodium"' "$E2E_DIR/reply.json")"
expect_ok "...and nothing of the plain fields is readable in it" \
	bash -c "! grep -qE 'ada@example|Lovelace' '$E2E_DIR/reply.json'"
opened=$(node_client open "$key" <"$E2E_DIR/reply.json") || opened="(the Node middleware failed: $(node_client open "$key" <"$E2E_DIR/reply.json" 2>&1 | head -c 300))"
expect_eq "the Node middleware opens our reply as a Node function would see it" \
	"$(jq -cS --arg ref "$ref" --argjson seen "$plain" -n '{encrypted: {seen: $seen, from: "c"}, ref: $ref}')" \
	"$(jq -cS . <<<"$opened" 2>/dev/null || echo "$opened")"
if node_client open "e2e-node-interop-some-other-secret-000000" <"$E2E_DIR/reply.json" >/dev/null 2>&1; then
	fail "a Node middleware with another key opened our reply"
else
	pass "a Node middleware with another key cannot open our reply"
fi

expect_ok "the key never reaches the program's log" bash -c "! grep -qF '$key' '$log'"
app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
