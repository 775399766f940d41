#!/usr/bin/env bash
# Encrypted data between the official Python SDK + middleware and our app,
# through the REAL Inngest dev server, and a key rotation in the middle of a
# run.  tests/apps/encryption_app.c runs behind nginx with
# INNGEST_ENCRYPTION_KEY; tests/vectors/encryption/python_client.py is the
# Python side (PyPI inngest + inngest_encryption, pinned in requirements.txt,
# installed under build/).
#   Python → C: an inngest.Inngest client carrying the middleware sends an
#   event whose data.encrypted it sealed; our function reads the plain values
#   and returns them sealed; the middleware opens the run's output as it
#   opens memoized data, and our reply event as a Python function's input.
#   Rotation: enc-rotate keeps a value as a step output (sealed with key A)
#   and sleeps; the program is restarted with key B current and A as
#   fallback; the run wakes up, A opens the memo, the result is sealed with B.
#   Without the fallback the same situation fails the run, without retry,
#   with a DecryptionError naming the strategy.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/encryption_python.sh
source "$(dirname "$0")/../lib/encryption_python.sh"
e2e_init

dev_app_preamble enc-interop tests/apps/encryption_app
enc_python_install

key_a=e2e-python-rotation-key-A-0123456789abcdef
key_b=e2e-python-rotation-key-B-0123456789abcdef
key_c=e2e-python-rotation-key-C-0123456789abcdef
dev_app_up INNGEST_ENCRYPTION_KEY="$key_a"
dev_app_sync "the dev server has the app's functions" 2 20

# ---- Python → C ---------------------------------------------------------------
ref=ref-$RANDOM$RANDOM
plain='{"email":"grace@example.org","name":"Grace Hopper"}'
ids=$(python_client send "$base" "$key_a" <<<"{\"name\":\"enc/echo\",\"data\":{\"encrypted\":$plain,\"ref\":\"$ref\"}}" 2>"$E2E_DIR/py.err") ||
	abort "the Python SDK sends the event: $(head -c 400 "$E2E_DIR/py.err")"
ev=$(jq -r '.[0] // empty' <<<"$ids")
[[ -n $ev ]] || abort "the Python SDK got an event id ($ids)"
pass "the official Python client (with the middleware) sent enc/echo"
# the Event API answers before the event is readable through /v1/events
event_once() { api_get "$base" "/v1/events/$ev" | jq -e '.data.data.ref != null' >/dev/null 2>&1; }
poll_until 20 event_once || true
api_get "$base" "/v1/events/$ev" >"$E2E_DIR/event.json"
expect_eq "the server's copy of Python's event: data.encrypted is an inngest/libsodium envelope, ref readable" \
	"true $ref" "$(jq -r '.data.data.encrypted.__ENCRYPTED__ == true and .data.data.encrypted.__STRATEGY__ == "inngest/libsodium"' "$E2E_DIR/event.json") $(jq -r .data.data.ref "$E2E_DIR/event.json")"
expect_ok "...and nothing of the plain fields is readable in it" \
	bash -c "! grep -qE 'grace@example|Hopper' '$E2E_DIR/event.json'"
wait_run "$base" "$ev" 60 >"$E2E_DIR/run.json" || abort "enc-echo ends"
expect_eq "our function completed; the server holds its result as an envelope" "Completed true" \
	"$(jq -r .status "$E2E_DIR/run.json") $(jq -r '.output.__ENCRYPTED__ == true' "$E2E_DIR/run.json")"
seen=$(jq -c .output "$E2E_DIR/run.json" | python_client step "$key_a" | jq -cS .seen 2>/dev/null || true)
expect_eq "the Python middleware opens our result: the function read Python's fields in plain" \
	"$(jq -cS . <<<"$plain")" "$seen"
reply_once() {
	api_get "$base" "/v1/events?name=enc/replied" |
		jq -ce --arg ref "$ref" '[.data[]? | select(.data.ref == $ref)] | first // empty' 2>/dev/null
}
reply=$(poll_until 30 reply_once) || abort "our reply event reaches the server"
echo "$reply" >"$E2E_DIR/reply.json"
expect_ok "the server's copy of our reply holds nothing of the plain fields" \
	bash -c "! grep -qE 'grace@example|Hopper' '$E2E_DIR/reply.json'"
expect_eq "the Python middleware opens our reply as a Python function would see it" \
	"$(jq -cS --arg ref "$ref" --argjson seen "$plain" -n '{encrypted: {seen: $seen, from: "c"}, ref: $ref}')" \
	"$(python_client open "$key_a" <"$E2E_DIR/reply.json" | jq -cS . 2>/dev/null || echo failed)"

# ---- rotation while a run sleeps --------------------------------------------------
# rotate_case SECRET NEW-KEY-SETTINGS…: starts enc-rotate under the running
# program's keys, waits until its first step has been answered, restarts the
# program with the new settings, and leaves the run's final state in run.json.
rotate_case() {
	local secret=$1 ev2 steps
	shift
	ev2=$(send_event "$base" any-key "{\"name\":\"enc/rotate\",\"data\":{\"secret\":\"$secret\",\"pause\":\"4s\"}}") ||
		abort "send enc/rotate"
	run=$(event_run_id "$base" "$ev2" 20) || abort "enc-rotate starts"
	# The sleep is planned only after "remember" has been answered and
	# memoized; its step appears in the run's trace (the dev server's actions).
	steps_once() {
		api_get "$base" "/v0/runs/$run/actions" | jq -e 'type == "object" and length >= 1' >/dev/null 2>&1
	}
	poll_until 20 steps_once || abort "enc-rotate's first step is memoized"
	app_stop "$srv" || fail "the program stops cleanly before the rotation"
	dev_app_program_start "$@" || abort "the app restarts with the new keys"
	wait_run "$base" "$ev2" 150 >"$E2E_DIR/run.json" || abort "enc-rotate ends"
}

secret=kept-$RANDOM$RANDOM
rotate_case "$secret" INNGEST_ENCRYPTION_KEY="$key_b" INNGEST_ENCRYPTION_KEY_FALLBACKS="$key_a"
expect_eq "after the rotation (B current, A fallback) the run completed with its result sealed" "Completed true" \
	"$(jq -r .status "$E2E_DIR/run.json") $(jq -r '.output.__ENCRYPTED__ == true' "$E2E_DIR/run.json")"
expect_eq "the memo sealed with A was opened through the fallback: the result is the kept value" \
	"\"$secret\"" "$(jq -c .output "$E2E_DIR/run.json" | python_client step "$key_b" | jq -c .kept 2>/dev/null || echo failed)"
if jq -c .output "$E2E_DIR/run.json" | python_client step "$key_a" >/dev/null 2>&1; then
	fail "the result is sealed with the new key B (key A alone opened it)"
else
	pass "the result is sealed with the new key B (key A alone cannot open it)"
fi

secret=lost-$RANDOM$RANDOM
rotate_case "$secret" INNGEST_ENCRYPTION_KEY="$key_c"
expect_eq "with key C only, the memo sealed with B opens with no key: the run failed" "Failed" \
	"$(jq -r .status "$E2E_DIR/run.json")"
run_json=$(api_get "$base" "/v1/runs/$run")
expect_match "...with a DecryptionError naming the strategy" \
	'DecryptionError.*inngest/libsodium|inngest/libsodium.*DecryptionError' "$(jq -c '.data.output' <<<"$run_json")"

for k in "$key_a" "$key_b" "$key_c"; do
	expect_ok "no key reaches the program's log (${k:0:28}…)" bash -c "! grep -qF '$k' '$log'"
done
app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
