#!/usr/bin/env bash
# The steps the Inngest server carries out for a function — step.fetch (the
# Gateway op) and step.ai.infer (the AIGateway op) — with step.ai.wrap and a
# race group, run by the REAL server: first `inngest dev` with the program in
# dev mode, then `inngest start` with the program in cloud mode (every call
# signed).  The conformance functions conf-fetch, conf-ai-infer, conf-ai-wrap
# and conf-race (functions/README.md §1.1) are driven by events; two
# stand-ins on 127.0.0.1 play the third parties (tests/standin/): a site that
# is fetched, and an OpenAI-compatible chat endpoint.
#
# What must be seen, in each mode:
#   - the server, not our program, makes the fetch: the site gets the method,
#     headers and body the step described, from a Go client; the run's output
#     is the site's status and body;
#   - a fetch to a port where nothing listens is stored as the executor's
#     GatewayError and given to the function (ok:false, its message);
#   - the prompt reaches the model with the key as a Bearer token; a 429 is
#     retried by the server after its back-off and the answer reaches the
#     function; a model that keeps answering 429 fails the run after the
#     function's one retry (AIGatewayError); the key is in no log line of ours;
#   - step.ai.wrap's input is recorded with the step (the server's trace);
#   - the race ends with its quick step long before its 5-minute sleep.
#
# The executor's SSRF guard (exechttp.SecureDialer refuses loopback and
# private addresses) is switched off in both servers of v1.44.0: the dev
# server's HTTP client is built with AllowPrivate (pkg/devserver/devserver.go),
# and `inngest start` runs the same code, so loopback stand-ins work without
# a setting.  The first retry waits 15-45 s (the server's back-off table),
# which sets the length of each half.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/conformance_runs.sh
source "$(dirname "$0")/../lib/conformance_runs.sh"
e2e_init

e2e_program bin inngest-fcgi-conformance
site=$E2E_DIR/site
model=$E2E_DIR/model
redis=$E2E_DIR/redis
e2e_require_tools redis-server
inngest_cli >/dev/null || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"

# The functions these runs cover are the ones the shared conformance runs leave here.
expect_eq "this script covers the conformance functions run elsewhere" \
	"conf/ai-infer conf/ai-wrap conf/fetch conf/race" "$(printf '%s\n' "${CONF_RUN_ELSEWHERE[@]}" | sort | paste -sd' ')"

# ---- the stand-ins -------------------------------------------------------------
read -r site_port model_port closed_port redis_port < <(free_ports 4)
ai_key=sk-e2e-$(openssl rand -hex 12)
mkdir -p "$site" "$model"
cat >"$site/script" <<'EOF'
POST /hook 201 header=X-Site:standin {"site":"standin"}
EOF
# The chat endpoint answers by the prompt it finds: say-hello-* gets a 429
# first and the answer after; busy-* gets 429 every time.
cat >"$model/script" <<'EOF'
POST /v1/chat/completions 429 match=busy-dev {"error":{"message":"slow down","type":"rate_limit"}}
POST /v1/chat/completions 429 match=busy-cloud {"error":{"message":"slow down","type":"rate_limit"}}
POST /v1/chat/completions 429,200 match=say-hello-dev {"id":"chatcmpl-e2e","object":"chat.completion","model":"conf-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stand-in"},"finish_reason":"stop"}]}
POST /v1/chat/completions 429,200 match=say-hello-cloud {"id":"chatcmpl-e2e","object":"chat.completion","model":"conf-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stand-in"},"finish_reason":"stop"}]}
EOF
standin_start "$site" "$site_port" || abort "the site stand-in starts"
standin_start "$model" "$model_port" || abort "the model stand-in starts"
port_listening "$closed_port" && abort "port $closed_port stays closed"
app_env=(CONF_FETCH_URL="http://127.0.0.1:$site_port/hook"
	CONF_FETCH_UNREACHABLE_URL="http://127.0.0.1:$closed_port/hook"
	CONF_AI_URL="http://127.0.0.1:$model_port/v1/chat/completions" CONF_AI_KEY="$ai_key")

# ---- one mode: start, sync, send, check ------------------------------------------
# run_mode dev|cloud
run_mode() {
	local mode=$1 srv=$E2E_DIR/app-$1 server=$E2E_DIR/$1 app=e2e-gw-$1
	local ngx_port app_port api_port base endpoint key='' event_key=any-key auth='' log
	read -r ngx_port app_port api_port < <(free_ports 3)
	base=http://127.0.0.1:$api_port
	endpoint=http://127.0.0.1:$ngx_port/api/inngest
	log=$srv/app.log
	mkdir -p "$srv"
	nginx_start "$srv" "$ngx_port" "127.0.0.1:$app_port" || abort "$mode: nginx starts"
	if [[ $mode == dev ]]; then
		app_start "$srv" "$bin" "$app_port" INNGEST_DEV=1 INNGEST_APP_ID="$app" INNGEST_BASE_URL="$base" \
			"${app_env[@]}" || abort "$mode: the conformance program starts"
		SERVER_PORT=$api_port dev_server_start "$server" -u "$endpoint" || abort "$mode: inngest dev starts"
	else
		key=$(openssl rand -hex 32)
		event_key=e2e-event-key-$(openssl rand -hex 8)
		auth="Authorization: Bearer $key"
		app_start "$srv" "$bin" "$app_port" INNGEST_DEV=0 INNGEST_APP_ID="$app" INNGEST_BASE_URL="$base" \
			INNGEST_SIGNING_KEY="signkey-test-$key" INNGEST_EVENT_KEY="$event_key" \
			INNGEST_SERVE_ORIGIN="http://127.0.0.1:$ngx_port" "${app_env[@]}" ||
			abort "$mode: the conformance program starts"
		redis_start "$redis" "$redis_port" || abort "redis-server starts"
		SERVER_PORT=$api_port self_hosted_start "$server" --signing-key "$key" --event-key "$event_key" \
			--redis-uri "redis://127.0.0.1:$redis_port" || abort "$mode: inngest start starts"
	fi
	CONF_BASE=$base CONF_KEY=$event_key CONF_AUTH=$auth CONF_APP=$app CONF_LOG=$log
	sync_put "$endpoint"
	expect_eq "$mode: PUT sync registered us" "200 Successfully registered" \
		"$HTTP_STATUS $(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"
	expect_ok "$mode: the server has the app's 20 functions" wait_synced "$base" "$app" 20 30 "$auth"

	local -a sends=(
		"race conf/race {}"
		"fetch conf/fetch {}"
		"fetch_down conf/fetch {\"unreachable\":true}"
		"infer conf/ai-infer {\"prompt\":\"say-hello-$mode\"}"
		"busy conf/ai-infer {\"prompt\":\"busy-$mode\"}"
		"wrap conf/ai-wrap {\"prompt\":\"ping-$mode\"}"
	)
	local s k name data sent_at=$SECONDS
	CONF_EV=()
	for s in "${sends[@]}"; do
		read -r k name data <<<"$s"
		CONF_EV[$k]=$(send_event "$base" "$event_key" "{\"name\":\"$name\",\"data\":$data}") ||
			abort "$mode: send $name"
	done
	pass "$mode: ${#sends[@]} events accepted"

	local run id
	# -- race: the quick step wins; the run does not wait for the 5-minute
	# sleep (120 s leaves room for a program under valgrind)
	conf_expect_output race 40 "$mode: conf-race: {\"value\":\"fast\",\"winner\":\"fast\"}" \
		'{"value":"fast","winner":"fast"}'
	expect_ok "$mode: conf-race ended long before its 5-minute sleep (took $((SECONDS - sent_at)) s)" \
		test $((SECONDS - sent_at)) -lt 120
	id=$(conf_field "$run" .run_id)
	expect_eq "$mode: conf-race: fast and slow were planned together, in one answer" 1 \
		"$(conf_count "$id" 'status=206 .* 2 ops$')"

	# -- fetch: made by the server, answered by the site
	conf_expect_output fetch 40 "$mode: conf-fetch: the site's status and body" \
		'{"body":"{\"site\":\"standin\"}","contentType":"application/json","ok":true,"status":201}'
	id=$(conf_field "$run" .run_id)
	expect_eq "$mode: conf-fetch: we answered one Gateway op, then the result" "1 1" \
		"$(conf_count "$id" 'status=206 .*Gateway call$') $(conf_count "$id" 'status=200 ')"
	local req
	req=$(standin_requests "$site" 'select(.path == "/hook")' | tail -n 1)
	expect_eq "$mode: the site got POST /hook with the step's headers and body" \
		'POST|application/json|fetch|{"hello":"from conf-fetch"}' \
		"$(jq -r '[.method, .headers["content-type"], .headers["x-conf-step"], .body] | join("|")' <<<"$req")"
	expect_eq "$mode: the request came from the server (User-Agent: Inngest), not from us" Inngest \
		"$(jq -r '.headers["user-agent"] // ""' <<<"$req")"

	# -- fetch to a closed port: the executor's GatewayError, handed to the function
	conf_expect_output fetch_down 40 "$mode: conf-fetch to a closed port: ok false with the executor's message" \
		'{"error":"Error making gateway request: Unable to reach SDK URL","ok":false}'

	# -- ai.wrap: the input is recorded with the step
	conf_expect_output wrap 40 "$mode: conf-ai-wrap: {\"answer\":\"echo: ping-$mode\"}" \
		"{\"answer\":\"echo: ping-$mode\"}"
	id=$(conf_field "$run" .run_id)
	local inputs
	inputs=$(CONF_GQL_AUTH=$auth wrap_inputs "$base" "$id")
	expect_eq "$mode: conf-ai-wrap: the server's trace shows the step's input" "[{\"prompt\":\"ping-$mode\"}]" "$inputs"

	# -- ai.infer: 429, then the answer after the server's back-off
	conf_expect_output infer 120 "$mode: conf-ai-infer: the model's answer" \
		'{"answer":"Hello from the stand-in","model":"conf-model"}'
	local reqs
	reqs=$(standin_requests "$model" "select(.body | contains(\"say-hello-$mode\"))")
	expect_eq "$mode: the model was asked twice (429, then 200)" "429 200" \
		"$(jq -r .status <<<"$reqs" | paste -sd' ')"
	expect_eq "$mode: the key arrived as a Bearer token, the prompt in the body" \
		"Bearer $ai_key|say-hello-$mode|conf-model" \
		"$(head -n 1 <<<"$reqs" | jq -r '[.headers.authorization, (.body | fromjson | .messages[0].content), (.body | fromjson | .model)] | join("|")')"

	run=$(conf_wait_run_for busy 120)
	expect_eq "$mode: conf-ai-infer against a model that keeps answering 429: failed, AIGatewayError" \
		"Failed AIGatewayError" "$(conf_field "$run" '"\(.status) \(.output.name)"')"
	expect_eq "$mode: the busy model was asked twice (the function's one retry)" 2 \
		"$(standin_requests "$model" "select(.body | contains(\"busy-$mode\")) | .status" | wc -l)"

	expect_eq "$mode: the provider key is in no line of our log" 0 "$(grep -c -F "$ai_key" "$log" || true)"
	if grep -q -F "$ai_key" "$server/server.log"; then
		echo "# note: the Inngest server's own log ($mode) contains the provider key"
	fi
	server_stop "$server" || true
	nginx_stop "$srv" || true
	app_stop "$srv" || true
}

# The recorded input of conf-ai-wrap's step "ask", from the server's trace.
wrap_inputs() {
	local base=$1 run=$2 span out
	span=$(curl -sS --max-time 10 "$base/v0/gql" ${CONF_GQL_AUTH:+-H "$CONF_GQL_AUTH"} -H 'Content-Type: application/json' \
		--data-binary "$(jq -nc --arg r "$run" '{query: "query($r: String!) { runTrace(runID: $r) { childrenSpans { name outputID } } }", variables: {r: $r}}')" |
		jq -r '.data.runTrace.childrenSpans[] | select(.name == "ask") | .outputID' 2>/dev/null | head -n 1)
	[[ -n $span ]] || return 0
	out=$(curl -sS --max-time 10 "$base/v0/gql" ${CONF_GQL_AUTH:+-H "$CONF_GQL_AUTH"} -H 'Content-Type: application/json' \
		--data-binary "$(jq -nc --arg o "$span" '{query: "query($o: String!) { runTraceSpanOutputByID(outputID: $o) { input } }", variables: {o: $o}}')")
	jq -c '.data.runTraceSpanOutputByID.input | fromjson' <<<"$out" 2>/dev/null || echo "$out"
}

run_mode dev
run_mode cloud
summary
