#!/usr/bin/env bash
# Signals and realtime through the REAL Inngest dev server: the conformance
# app (nginx + the FastCGI program + a private `inngest dev`).
#   - a signal sent with curl to the server's POST /v1/signals resumes the
#     run waiting in conf-signal, which returns the signal's data;
#   - a signal that never comes: the wait times out and the step gives NULL;
#   - two runs waiting for one signal: with "fail" the second run fails with
#     the server's conflict error and the first still gets the signal; with
#     "replace" the second gets it and the first times out;
#   - conf-signal-send sends a signal from a step (ing_step_send_signal) and
#     reports the run it resumed (none when nobody waits);
#   - conf-realtime publishes three messages (two publish steps, one direct
#     publish from a step body) that the official `inngest` package's
#     subscribe() receives under Node, with the token our route got from the
#     server's token endpoint;
#   - with INNGEST_ENCRYPTION_KEY set: the signal data conf-signal-send sends
#     is stored by the server only as an envelope, and the waiting run reads
#     it plain; a realtime message's member "encrypted" arrives sealed, its
#     status readable.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
e2e_init

dev_app_preamble e2e-signals
enc_key=e2e-signals-encryption-secret-0123456789
enc_node_install # the pinned official packages: inngest (realtime) and the encryption middleware

dev_app_up
dev_app_sync "the dev server has the app's 20 functions" 20 20

tag=$$-$RANDOM
# Under valgrind (E2E_WAIT_SECS 120 instead of 20) each request is slower:
# every wait, and the timeouts that must outlast a step, grow with it.
slow=$((E2E_WAIT_SECS > 20 ? E2E_WAIT_SECS / 20 : 1))
# POST /v1/signals with curl (a client we did not write).  The answer is
# 404 until a run waits for the signal: so "send until 200" is also how the
# test knows the wait has been registered.  Prints the resumed run's id.
signal_once() {
	local answer
	answer=$(curl -sS --max-time 5 -X POST "$base/v1/signals" -H 'Content-Type: application/json' \
		--data-binary "$(jq -cn --arg s "$1" --argjson d "$2" '{signal: $s, data: $d}')") || return 1
	jq -re '.data.run_id // empty' <<<"$answer" 2>/dev/null
}
send_signal() { poll_until "$3" signal_once "$1" "$2"; }
# The run of an event, once it exists.
run_of() { event_run_id "$base" "$1" $((20 * slow)); }
# The run's output (a JSON line) once it has ended, and its status.
ended() { wait_run "$base" "$1" $((${2:-60} * slow)) >"$E2E_DIR/run.json" && jq -cS '[.status, .output]' "$E2E_DIR/run.json"; }
# True once the program has answered the run's waitForSignal (the pause is
# written right after): seen in our log as the 206 of that function.
waiting_once() { grep -q " $app-conf-signal run=.* status=206" "$log" && [[ $(grep -c " $app-conf-signal run=.* status=206" "$log") -ge $1 ]]; }

# ---- a signal sent through the server's API resumes the waiting run ------------
ev=$(send_event "$base" k "$(jq -cn --arg s "order-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"1m"}}')") ||
	abort "send conf/signal"
run=$(run_of "$ev") || abort "conf-signal starts"
resumed=$(send_signal "order-$tag" '{"approved":true,"by":"curl"}' 30) || resumed=none
expect_eq "POST /v1/signals answers with the waiting run's id" "$run" "$resumed"
expect_eq "the run ends with the signal's data" '["Completed",{"data":{"approved":true,"by":"curl"},"timed_out":false}]' \
	"$(ended "$ev")"
expect_eq "the same signal again: nobody waits any more (404)" 404 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/v1/signals" -d "{\"signal\":\"order-$tag\",\"data\":{}}")"

# ---- a signal that never comes ---------------------------------------------------
ev=$(send_event "$base" k "$(jq -cn --arg s "never-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"3s"}}')") ||
	abort "send conf/signal (never)"
expect_eq "no signal before the timeout: the step gives NULL" '["Completed",{"data":null,"timed_out":true}]' \
	"$(ended "$ev" 40)"

# ---- two waiters, conflict "fail" -------------------------------------------------
n206=$(grep -c " $app-conf-signal run=.* status=206" "$log" || true)
ev1=$(send_event "$base" k "$(jq -cn --arg s "dup-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"1m",conflict:"fail"}}')")
poll_until $((20 * slow)) waiting_once $((n206 + 1)) || fail "the first waiter's WaitForSignal was answered"
sleep 1 # the executor writes the pause after our answer
ev2=$(send_event "$base" k "$(jq -cn --arg s "dup-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"1m",conflict:"fail"}}')")
got=$(ended "$ev2" 40) || got=none
expect_eq "fail: the second waiter's run fails" Failed "$(jq -r '.[0]' <<<"$got" 2>/dev/null)"
expect_match "...with the server's signal conflict error" "[Ss]ignal conflict|signal wait already exists" "$got"
run1=$(run_of "$ev1")
expect_eq "fail: the signal still goes to the first waiter" "$run1" "$(send_signal "dup-$tag" '{"winner":1}' 20 || echo none)"
expect_eq "fail: the first waiter ends with the data" '["Completed",{"data":{"winner":1},"timed_out":false}]' "$(ended "$ev1")"

# ---- two waiters, conflict "replace" ----------------------------------------------
n206=$(grep -c " $app-conf-signal run=.* status=206" "$log" || true)
ev1=$(send_event "$base" k "$(jq -cn --arg s "rep-$tag" --arg t "$((8 * slow))s" '{name:"conf/signal",data:{signal:$s,timeout:$t,conflict:"replace"}}')")
poll_until $((20 * slow)) waiting_once $((n206 + 1)) || fail "the first replace waiter's WaitForSignal was answered"
sleep 1
ev2=$(send_event "$base" k "$(jq -cn --arg s "rep-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"1m",conflict:"replace"}}')")
poll_until $((20 * slow)) waiting_once $((n206 + 2)) || fail "the second replace waiter's WaitForSignal was answered"
sleep 1
run2=$(run_of "$ev2")
expect_eq "replace: the signal goes to the newer waiter" "$run2" "$(send_signal "rep-$tag" '{"winner":2}' 20 || echo none)"
expect_eq "replace: the newer waiter ends with the data" '["Completed",{"data":{"winner":2},"timed_out":false}]' "$(ended "$ev2")"
expect_eq "replace: the older waiter keeps waiting until its timeout, then gets NULL" \
	'["Completed",{"data":null,"timed_out":true}]' "$(ended "$ev1" 40)"

# ---- a signal sent from a step (ing_step_send_signal) ------------------------------
n206=$(grep -c " $app-conf-signal run=.* status=206" "$log" || true)
ev1=$(send_event "$base" k "$(jq -cn --arg s "step-$tag" '{name:"conf/signal",data:{signal:$s,timeout:"1m"}}')")
run1=$(run_of "$ev1")
# the wait must be registered first: a signal nobody waits for is not kept
poll_until $((20 * slow)) waiting_once $((n206 + 1)) || fail "the step-signal waiter's WaitForSignal was answered"
sleep 1
ev2=$(send_event "$base" k "$(jq -cn --arg s "step-$tag" '{name:"conf/signal.send",data:{signal:$s,payload:{from:"a step"}}}')")
expect_eq "conf-signal-send reports the run its signal resumed" "[\"Completed\",{\"resumed_run\":\"$run1\"}]" "$(ended "$ev2")"
expect_eq "...and that run ends with the step's data" '["Completed",{"data":{"from":"a step"},"timed_out":false}]' "$(ended "$ev1")"
ev2=$(send_event "$base" k "$(jq -cn --arg s "nobody-$tag" '{name:"conf/signal.send",data:{signal:$s}}')")
expect_eq "a signal nobody waits for: the step succeeds and names no run" '["Completed",{"resumed_run":null}]' "$(ended "$ev2")"

# ---- realtime: a token from our route, the official subscriber, three messages ----
subscriber() {
	local channel=$1 out=$2
	http GET "http://127.0.0.1:$ngx_port/api/conf/realtime-token?channel=$channel"
	[[ $HTTP_STATUS == 200 ]] || { echo "token route: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
	echo "$HTTP_BODY" >"$E2E_DIR/token-$channel.json"
	rm -f "$E2E_DIR/ready-$channel"
	NODE_PATH=$ENC_NODE_DIR/node_modules node --experimental-websocket --no-warnings \
		"$E2E_ROOT/tests/lib/realtime_subscriber.js" "$E2E_DIR/token-$channel.json" "$base" 3 60 \
		"$E2E_DIR/ready-$channel" >"$out" 2>"$out.err" &
	SUB_PID=$!
	poll_until $((20 * slow)) test -f "$E2E_DIR/ready-$channel"
}
channel=conf-realtime-$tag
http GET "http://127.0.0.1:$ngx_port/api/conf/realtime-token?channel=elsewhere"
expect_eq "the token route refuses a channel outside its prefix" 400 "$HTTP_STATUS"
subscriber "$channel" "$E2E_DIR/messages.jsonl" || abort "the official subscriber connects with our route's token"
expect_eq "the route's token answer: key, channel, topics" "true $channel progress" \
	"$(jq -r '"\(.key | test("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$")) \(.channel) \(.topics | join(","))"' "$E2E_DIR/token-$channel.json")"
ev=$(send_event "$base" k "$(jq -cn --arg c "$channel" '{name:"conf/realtime",data:{channel:$c}}')")
expect_eq "conf-realtime completes" '["Completed",{"published":3,"work":"worked"}]' "$(ended "$ev")"
sub_rc=0
wait "$SUB_PID" || sub_rc=$?
expect_eq "the subscriber received its 3 messages (exit 0)" 0 "$sub_rc"
[[ $sub_rc == 0 ]] || cat "$E2E_DIR/messages.jsonl.err" >&2
run=$(run_of "$ev")
expect_eq "in order: started, working, finished, on topic progress of our channel" \
	"started working finished|progress|$channel" \
	"$(jq -r '.data.status' "$E2E_DIR/messages.jsonl" | paste -sd' ')|$(jq -r .topic "$E2E_DIR/messages.jsonl" | sort -u | paste -sd,)|$(jq -r .channel "$E2E_DIR/messages.jsonl" | sort -u | paste -sd,)"
expect_eq "each message names the run that published it" "$run" "$(jq -r .runId "$E2E_DIR/messages.jsonl" | sort -u | paste -sd,)"
expect_eq "encryption off: the finished message's member encrypted is plain" '{"note":"for the run'"'"'s eyes only"}' \
	"$(jq -c 'select(.data.status == "finished") | .data.encrypted' "$E2E_DIR/messages.jsonl")"

# ---- with encryption on ---------------------------------------------------------
app_stop "$srv" || fail "the program stops cleanly"
dev_app_program_start INNGEST_ENCRYPTION_KEY="$enc_key" || abort "the program starts again with encryption on"
n206=$(grep -c " $app-conf-signal run=.* status=206" "$log" || true)
ev1=$(send_event "$base" k "$(jq -cn --arg s "sealed-$tag" --arg l "$((10 * slow))s" '{name:"conf/signal",data:{signal:$s,timeout:"1m",linger:$l}}')")
run1=$(run_of "$ev1")
poll_until $((20 * slow)) waiting_once $((n206 + 1)) || fail "the sealed-signal waiter's WaitForSignal was answered"
sleep 1
ev2=$(send_event "$base" k "$(jq -cn --arg s "sealed-$tag" '{name:"conf/signal.send",data:{signal:$s,payload:{card:"4242-secret"}}}')")
expect_eq "encrypted: conf-signal-send resumed the waiting run" "$run1" \
	"$(ended "$ev2" >/dev/null; jq -c '.output' "$E2E_DIR/run.json" | node_client step "$enc_key" | jq -r .resumed_run 2>/dev/null)"
# While conf-signal lingers, what the server stores for its wait step.
actions_once() {
	local body
	body=$(api_get "$base" "/v0/runs/$run1/actions") || return 1
	jq -e 'type == "object" and ([.[] | objects | .. | objects | select(has("signal"))] | length) >= 1' <<<"$body" >/dev/null 2>&1 || return 1
	echo "$body" >"$E2E_DIR/actions.json"
}
poll_until $((20 * slow)) actions_once || true
if [[ -s $E2E_DIR/actions.json ]]; then
	expect_eq "the server stores the signal's data only as an inngest/libsodium envelope" \
		"true" "$(jq -c '[.. | objects | select(has("signal")) | .data | .__ENCRYPTED__ == true and .__STRATEGY__ == "inngest/libsodium"] | all' "$E2E_DIR/actions.json")"
	expect_eq "...and nowhere the plain text" 0 "$(grep -c 4242-secret "$E2E_DIR/actions.json" || true)"
else
	fail "the server's stored step data (/v0/runs/$run1/actions) could be read while the run lingered"
fi
ended "$ev1" >/dev/null || true
expect_eq "encrypted: the waiting run read the signal's data plain (its sealed result, opened by the Node middleware)" \
	'{"data":{"card":"4242-secret"},"timed_out":false}' \
	"$(jq -c .output "$E2E_DIR/run.json" | node_client step "$enc_key" | jq -cS . 2>/dev/null)"
channel=conf-realtime-sealed-$tag
subscriber "$channel" "$E2E_DIR/sealed.jsonl" || abort "the subscriber connects (encryption on)"
ev=$(send_event "$base" k "$(jq -cn --arg c "$channel" '{name:"conf/realtime",data:{channel:$c}}')")
ended "$ev" >/dev/null || fail "conf-realtime ends (encryption on)"
sub_rc=0
wait "$SUB_PID" || sub_rc=$?
expect_eq "encrypted: the subscriber received the 3 messages, statuses readable" "0 started working finished" \
	"$sub_rc $(jq -r '.data.status' "$E2E_DIR/sealed.jsonl" | paste -sd' ')"
expect_eq "encrypted: the member encrypted arrives as an envelope, which the official middleware opens" \
	'true {"note":"for the run'"'"'s eyes only"}' \
	"$(jq -c 'select(.data.status == "finished") | .data.encrypted' "$E2E_DIR/sealed.jsonl" | jq -r '.__ENCRYPTED__') $(jq -c 'select(.data.status == "finished") | .data.encrypted' "$E2E_DIR/sealed.jsonl" | node_client step "$enc_key" | jq -cS . 2>/dev/null)"

expect_ok "the key never reaches the program's log" bash -c "! grep -qF '$enc_key' '$log'"
app_stop "$srv" || fail "the program stops cleanly"
nginx_stop "$srv" || true
check_logs "$srv"
summary
