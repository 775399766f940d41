# shellcheck shell=bash
# The conformance app's functions (functions/README.md §1) run by a real Inngest
# server, checked from both sides: the run as the server's REST API reports it
# (status, output) and the requests the server made, as our program's log
# shows them (one line per request: function, run id, status, op).  Shared by
# the dev-server and self-hosted e2e tests; it sources inngest.sh (and so
# nginx.sh).  It only sends events and reads; starting and stopping belong to
# the caller.
#
# The caller sets:  CONF_BASE (server URL), CONF_KEY (event key), CONF_AUTH
# (an "Authorization: …" header line for the REST API, or empty), CONF_APP
# (app id), CONF_LOG (the program's log file).
#
#   conf_send_all            one event per function, all at once; ids in CONF_EV[…]
#   conf_expect_output KEY SECS WHAT WANT   the run of CONF_EV[KEY] (into run) has output WANT
#   conf_wait_reported       until the matched conf-wait run has reported its WaitForEvent op
#   conf_approve             sends the conf/approve that matches that wait
#   conf_check_quick         steps, loop, parallel, sleep, invoke, send, step-error, nonretriable,
#                            signal (a timeout; one resumed by conf-signal-send), signal-send to nobody, realtime
#   conf_check_wait_matched  the wait resumed by conf_approve
#   conf_check_slow          retry-after, failure and its onFailure run, the wait's timeout, retry
#
# The slow ones wait on the server's real clocks: retry back-off (15-45 s for
# the first retry, 30-60 s for the second), Retry-After: 30 and the 1-minute
# wait timeout.  They all started together, so the total is about the longest.

# shellcheck source=tests/lib/inngest.sh
source "$(dirname "${BASH_SOURCE[0]}")/inngest.sh"

CONF_BASE='' CONF_KEY='' CONF_AUTH='' CONF_APP='' CONF_LOG='' # set by the caller
declare -A CONF_EV=()
# Waits are for a program under sanitizers; under valgrind (E2E_WAIT_SECS is
# 120 there instead of 20) each request is much slower: wait longer.
CONF_SLOW=$((E2E_WAIT_SECS > 20 ? E2E_WAIT_SECS / 20 : 1))

# Our log lines for one run, and how many match an ERE.
conf_run_lines() { grep -F " run=$1 " "$CONF_LOG" || true; }
conf_count() { conf_run_lines "$1" | grep -cE -- "$2" || true; }
# Milliseconds since the epoch of a log line's leading timestamp.
conf_line_ms() { date -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N; }
conf_out() { jq -cS '.output' <<<"$1" 2>/dev/null; }
conf_field() { jq -r "$2" <<<"$1" 2>/dev/null; }

conf_wait_run_for() { wait_run "$CONF_BASE" "${CONF_EV[$1]}" $(($2 * CONF_SLOW)) "$CONF_AUTH" || true; }
# conf_expect_output KEY SECS WHAT WANT: the run of CONF_EV[KEY] once it has
# ended (conf_wait_run_for) into the caller's run; passes WHAT when its output
# is WANT (conf_out's form).
conf_expect_output() {
	run=$(conf_wait_run_for "$1" "$2")
	expect_eq "$3" "$4" "$(conf_out "$run")"
}

conf_send_all() {
	local s key name data
	CONF_WAIT_MATCH=match-$RANDOM$RANDOM
	CONF_WAIT_NONE=none-$RANDOM$RANDOM
	CONF_SIGNAL=conf-signal-$RANDOM$RANDOM
	local -a sends=(
		"steps conf/steps {}"
		"loop conf/loop {\"n\":5}"
		"parallel conf/parallel {}"
		"sleep conf/sleep {}"
		"wait conf/wait {\"id\":\"$CONF_WAIT_MATCH\"}"
		"wait_timeout conf/wait {\"id\":\"$CONF_WAIT_NONE\"}"
		"invoke conf/invoke {}"
		"send conf/send {}"
		"retry conf/retry {}"
		"nonretriable conf/nonretriable {}"
		"retry_after conf/retry-after {}"
		"step_error conf/step-error {}"
		"failure conf/failure {}"
		"signal conf/signal {\"signal\":\"$CONF_SIGNAL\",\"timeout\":\"5m\"}"
		"signal_timeout conf/signal {\"signal\":\"conf-none-$RANDOM$RANDOM\",\"timeout\":\"2s\"}"
		"signal_send conf/signal.send {\"signal\":\"conf-nobody-$RANDOM$RANDOM\"}"
		"realtime conf/realtime {\"channel\":\"conf-realtime-$RANDOM$RANDOM\"}"
	)
	conf_cover_app "${sends[@]}" || return 1
	for s in "${sends[@]}"; do
		read -r key name data <<<"$s"
		CONF_EV[$key]=$(send_event "$CONF_BASE" "$CONF_KEY" "{\"name\":\"$name\",\"data\":$data}") || return 1
	done
	pass "${#sends[@]} events (one per conformance function) accepted by the server"
}

# conf_cover_app SEND...: the runs above are data-driven by the app's own
# table, so they must cover it: every event trigger of the conformance app
# (read from its source, CONF_APP_SOURCE) has a send, and the app has at least
# the 12 event-triggered functions functions/README.md §1 lists (its failure
# handler is triggered by the system).  An app that lost its table, or a new
# function without a run here, fails instead of passing with fewer checks.
CONF_APP_SOURCE=${CONF_APP_SOURCE:-$E2E_ROOT/functions/conformance/conformance_app.c}
# The functions that need stand-ins for third parties (a fetched site, a model
# provider) have their runs, in dev and in cloud mode, in their own script,
# tests/e2e/test_gateway_dev_server.sh, which checks that it covers these.
CONF_RUN_ELSEWHERE=(conf/fetch conf/ai-infer conf/ai-wrap conf/race)
conf_cover_app() {
	local s key name data t missing=''
	local -A sent=()
	local -a triggers=()
	for s in "$@"; do
		read -r key name data <<<"$s"
		sent[$name]=1
	done
	for t in "${CONF_RUN_ELSEWHERE[@]}"; do sent[$t]=1; done
	mapfile -t triggers < <(grep -oE 'ING_EVENT\("[^"]+"\)' "$CONF_APP_SOURCE" 2>/dev/null |
		sed -E 's/^ING_EVENT\("(.*)"\)$/\1/' | sort -u)
	if ((${#triggers[@]} < 12)); then
		fail "the conformance app ($CONF_APP_SOURCE) has ${#triggers[@]} event trigger(s); these runs were written for 12"
		return 1
	fi
	for t in "${triggers[@]}"; do
		[[ -n ${sent[$t]:-} ]] || missing+=" $t"
	done
	if [[ -n $missing ]]; then
		fail "every conformance function has a run here; none for:$missing"
		return 1
	fi
	pass "the runs cover all ${#triggers[@]} event triggers of the conformance app"
}

conf_wait_op_seen() { [[ $(conf_count "$CONF_WAIT_RUN" 'status=206 .*WaitForEvent approval$') -ge 1 ]]; }

# The approval must come after the server registered the wait; our log's
# WaitForEvent line says it has (a blind sleep could be too short).
conf_wait_reported() {
	CONF_WAIT_RUN=$(event_run_id "$CONF_BASE" "${CONF_EV[wait]}" $((20 * CONF_SLOW)) "$CONF_AUTH") || return 1
	poll_until $((20 * CONF_SLOW)) conf_wait_op_seen || {
		echo "conf_wait_reported: no WaitForEvent line for run $CONF_WAIT_RUN in $CONF_LOG" >&2
		return 1
	}
}

conf_approve() {
	CONF_APPROVE_EVENT=$(send_event "$CONF_BASE" "$CONF_KEY" \
		"{\"name\":\"conf/approve\",\"data\":{\"id\":\"$CONF_WAIT_MATCH\"}}")
}

conf_check_quick() {
	local run id got want_ids trace
	local -a sent

	conf_expect_output steps 30 "conf-steps: {\"result\":\"AB\"}" '{"result":"AB"}'

	conf_expect_output loop 30 "conf-loop n=5: {\"sum\":10}" '{"sum":10}'
	id=$(conf_field "$run" .run_id)
	expect_eq "conf-loop: our log shows 5 item steps, then the result" "5 1" \
		"$(conf_count "$id" 'status=206 .*StepRun item$') $(conf_count "$id" 'status=200 .*result$')"
	# The ids of a repeated step are item, item:1, item:2 … hashed: the
	# server's trace of the run shows which ones it memoized.
	want_ids=$(for s in item item:1 item:2 item:3 item:4; do printf %s "$s" | sha1sum | cut -d' ' -f1; done |
		sort | paste -sd' ')
	trace=$(curl -sS --max-time 10 "$CONF_BASE/v0/gql" ${CONF_AUTH:+-H "$CONF_AUTH"} -H 'Content-Type: application/json' \
		-d "{\"query\":\"{ runTrace(runID: \\\"$id\\\") { childrenSpans { name stepID } } }\"}" || true)
	expect_eq "conf-loop: the server's trace has step ids sha1(item), sha1(item:1) … sha1(item:4)" "$want_ids" \
		"$(jq -r '.data.runTrace.childrenSpans[] | select(.name == "item") | .stepID' <<<"$trace" 2>/dev/null |
			sort -u | paste -sd' ')"

	conf_expect_output parallel 30 "conf-parallel: {\"left\":\"L\",\"right\":\"R\"}" '{"left":"L","right":"R"}'
	expect_eq "conf-parallel: left and right were reported in one answer" 1 \
		"$(conf_count "$(conf_field "$run" .run_id)" 'status=206 .* 2 ops$')"

	conf_expect_output sleep 30 "conf-sleep: {\"after\":\"woke\"}" '{"after":"woke"}'
	expect_eq "conf-sleep: the Sleep op was reported" 1 \
		"$(conf_count "$(conf_field "$run" .run_id)" 'status=206 .*Sleep nap$')"

	conf_expect_output invoke 30 "conf-invoke: {\"invoked\":{\"result\":\"AB\"}}" '{"invoked":{"result":"AB"}}'

	run=$(conf_wait_run_for send 30)
	mapfile -t sent < <(jq -r '.output.ids[]?' <<<"$run" 2>/dev/null)
	expect_eq "conf-send: two event ids" 2 "${#sent[@]}"
	got=
	for id in "${sent[@]}"; do
		got+="$(api_get "$CONF_BASE" "/v1/events/$id" "$CONF_AUTH" | jq -r '.data.name' 2>/dev/null) "
	done
	expect_eq "conf-send: the server has them as conf/sent.a and conf/sent.b" "conf/sent.a conf/sent.b " "$got"

	conf_expect_output step_error 30 "conf-step-error: {\"recovered\":\"boom\"}" '{"recovered":"boom"}'

	run=$(conf_wait_run_for nonretriable 30)
	expect_eq "conf-nonretriable: the run failed with \"bad input\"" "Failed bad input" \
		"$(conf_field "$run" '"\(.status) \(.output.message)"')"
	id=$(conf_field "$run" .run_id)
	expect_eq "conf-nonretriable: called once (400, no retry)" "1 1" \
		"$(conf_count "$id" .) $(conf_count "$id" 'status=400 .*NonRetriableError: bad input$')"

	# signals and realtime: the calls to the server's API (its bearer token
	# in cloud mode) from our steps; tests/e2e/test_signals_dev_server.sh
	# drives the rest (a signal that arrives, conflicts, a subscriber)
	conf_expect_output signal_timeout 30 "conf-signal without a signal: {\"data\":null,\"timed_out\":true} after its 2s timeout" \
		'{"data":null,"timed_out":true}'
	conf_expect_output signal_send 30 "conf-signal-send to nobody: POST /v1/signals accepted, no run resumed" \
		'{"resumed_run":null}'
	conf_expect_output realtime 30 "conf-realtime: three messages published through POST /v1/realtime/publish" \
		'{"published":3,"work":"worked"}'

	# a signal that arrives: sent by conf-signal-send once the wait is registered
	CONF_SIGNAL_RUN=$(event_run_id "$CONF_BASE" "${CONF_EV[signal]}" $((20 * CONF_SLOW)) "$CONF_AUTH") || true
	poll_until $((20 * CONF_SLOW)) conf_signal_op_seen || true
	sleep 1 # the executor writes the pause after our answer
	id=$(send_event "$CONF_BASE" "$CONF_KEY" \
		"{\"name\":\"conf/signal.send\",\"data\":{\"signal\":\"$CONF_SIGNAL\",\"payload\":{\"via\":\"a step\"}}}") || id=none
	run=$(wait_run "$CONF_BASE" "$id" $((30 * CONF_SLOW)) "$CONF_AUTH" || true)
	expect_eq "conf-signal-send: the signal resumed the waiting conf-signal run" \
		"{\"resumed_run\":\"${CONF_SIGNAL_RUN:-?}\"}" "$(conf_out "$run")"
	conf_expect_output signal 30 "conf-signal: resumed with the signal's data" \
		'{"data":{"via":"a step"},"timed_out":false}'
}

conf_signal_op_seen() { [[ $(conf_count "${CONF_SIGNAL_RUN:-none}" 'status=206 .*WaitForSignal wait$') -ge 1 ]]; }

conf_check_wait_matched() {
	local run
	run=$(conf_wait_run_for wait 30)
	expect_eq "conf-wait: resumed by the conf/approve event with the same data.id" \
		"Completed conf/approve $CONF_WAIT_MATCH ${CONF_APPROVE_EVENT:-?}" \
		"$(conf_field "$run" '"\(.status) \(.output.approved.name) \(.output.approved.data.id) \(.output.approved.id)"')"
}

conf_handler_line() { grep -m1 -F "POST $CONF_APP-conf-failure-failure run=" "$CONF_LOG"; }

conf_check_slow() {
	local run id first second gap failed handler trigger

	conf_expect_output retry_after 90 "conf-retry-after: {\"retried\":true}" '{"retried":true}'
	id=$(conf_field "$run" .run_id)
	expect_eq "conf-retry-after: called twice (a 500 asking for 30 s, then 200)" 2 "$(conf_count "$id" .)"
	first=$(conf_run_lines "$id" | grep -m1 'status=500 .*RetryAfterError' || true)
	second=$(conf_run_lines "$id" | grep -m1 'status=200 ' || true)
	if [[ -n $first && -n $second ]]; then
		gap=$(($(conf_line_ms "$second") - $(conf_line_ms "$first")))
		expect_ok "conf-retry-after: the retry came $gap ms later (>= 25 s: our Retry-After was honoured)" \
			test "$gap" -ge 25000
	else
		fail "conf-retry-after: a 500 then a 200 in our log; got: $(conf_run_lines "$id" | tr '\n' '|')"
	fi

	run=$(conf_wait_run_for failure 90)
	expect_eq "conf-failure: the run failed with its error" "Failed conf-failure always fails" \
		"$(conf_field "$run" '"\(.status) \(.output.message)"')"
	failed=$(conf_field "$run" .run_id)
	handler=$(poll_until $((30 * CONF_SLOW)) conf_handler_line | sed -E 's/.* run=([^ ]+) .*/\1/' || true)
	run=$(wait_run_id "$CONF_BASE" "${handler:-none}" $((30 * CONF_SLOW)) "$CONF_AUTH" || true)
	expect_eq "conf-failure-failure: the onFailure run completed with the error and the function id" \
		"Completed conf-failure always fails $CONF_APP-conf-failure" \
		"$(conf_field "$run" '"\(.status) \(.output.error) \(.output.function_id)"')"
	trigger=$(api_get "$CONF_BASE" "/v1/events/$(conf_field "$run" .event_id)" "$CONF_AUTH" || true)
	expect_eq "conf-failure-failure: triggered by inngest/function.failed for that failed run" \
		"inngest/function.failed $failed" "$(conf_field "$trigger" '"\(.data.name) \(.data.data.run_id)"')"

	conf_expect_output wait_timeout 90 "conf-wait without approval: {\"approved\":null} after its 1m timeout" \
		'{"approved":null}'

	conf_expect_output retry 150 "conf-retry: {\"flaky\":\"ok\"}" '{"flaky":"ok"}'
	id=$(conf_field "$run" .run_id)
	expect_eq "conf-retry: flaky failed on attempts 0 and 1, then ran (the server's back-off in between)" "2 1" \
		"$(conf_count "$id" 'status=206 .*StepError flaky: Error: ') $(conf_count "$id" 'status=206 .*StepRun flaky$')"
}
