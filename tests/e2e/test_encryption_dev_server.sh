#!/usr/bin/env bash
# Encrypted step outputs through the REAL Inngest dev server: the conformance
# app (nginx + the FastCGI program + a private `inngest dev`) with
# INNGEST_ENCRYPTION_KEY set.  conf-steps' step "b" reads step "a"'s output,
# which the executor hands back as memoized data: the run ends with
# {"result":"AB"} only if what we sent was opened again on the way in;
# conf-loop sums 30 memoized items the same way.  While conf-loop runs, the
# server's own store of its step outputs (/v0/runs/<id>/actions) holds only
# envelopes, never a plain value; the runs' outputs (function results) are
# envelopes too, which the official Node middleware opens.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
e2e_init

dev_app_preamble e2e-enc
enc_key=e2e-encryption-test-secret-0123456789abcdef
enc_node_install
# A run's output as the official middleware opens it (the result is sealed).
opened_output() { jq -c .output "$E2E_DIR/run.json" | node_client step "$enc_key" | jq -c . 2>/dev/null || true; }

dev_app_up INNGEST_ENCRYPTION_KEY="$enc_key"
expect_match "the program says encryption is on, without the key" \
	"end-to-end encryption on \(strategy inngest/libsodium" "$(grep -v -F "$enc_key" "$log" | grep encryption || true)"

dev_app_sync "the dev server has the app's functions" 20 20

# ---- conf-steps: a → b, b reads a ----------------------------------------------
ev=$(send_event "$base" any-key '{"name":"conf/steps","data":{}}') || abort "send conf/steps"
wait_run "$base" "$ev" 30 >"$E2E_DIR/run.json" || abort "conf-steps ends"
expect_eq "conf-steps completed: b saw a's plain value (its sealed result, opened by the Node middleware)" \
	'Completed true {"result":"AB"}' \
	"$(jq -r '.status' "$E2E_DIR/run.json") $(jq -r '.output.__ENCRYPTED__ == true' "$E2E_DIR/run.json") $(opened_output)"

# ---- conf-loop: 30 steps, each memoized encrypted, summed at the end ---------------
ev=$(send_event "$base" any-key '{"name":"conf/loop","data":{"n":30}}') || abort "send conf/loop"
run=$(event_run_id "$base" "$ev" 20) || abort "conf-loop starts"
# The step outputs as the server stores them ({"<step hash>": {"data": …}}),
# read while the run still has state (afterwards the API answers 410).
actions_once() {
	local body
	body=$(api_get "$base" "/v0/runs/$run/actions") || return 1
	jq -e 'type == "object" and (has("error") | not) and length >= 5' <<<"$body" >/dev/null 2>&1 || return 1
	echo "$body" >"$E2E_DIR/actions.json"
}
poll_until 30 actions_once || true
if [[ -s $E2E_DIR/actions.json ]]; then
	expect_eq "the server stores every step output as an inngest/libsodium envelope" "true" \
		"$(jq -c '[.[] | .data | (type == "object" and .__ENCRYPTED__ == true and .__STRATEGY__ == "inngest/libsodium" and (.data | type) == "string")] | all' "$E2E_DIR/actions.json")"
	expect_eq "...and holds no plain step output (the items are numbers)" "0" \
		"$(jq '[.. | numbers] | length' "$E2E_DIR/actions.json")"
	echo "     (stored step outputs seen: $(jq length "$E2E_DIR/actions.json"))"
else
	fail "the server's stored step outputs (/v0/runs/$run/actions) could be read while the run had state"
fi
wait_run "$base" "$ev" 90 >"$E2E_DIR/run.json" || abort "conf-loop ends"
expect_eq "conf-loop completed: the sum of 30 encrypted, memoized items" 'Completed {"sum":435}' \
	"$(jq -r '.status' "$E2E_DIR/run.json") $(opened_output)"

expect_ok "the key never reaches the program's log" bash -c "! grep -qF '$enc_key' '$log'"
app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
