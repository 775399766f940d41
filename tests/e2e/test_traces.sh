#!/usr/bin/env bash
# Traces (issue 18) end to end: real nginx, the product program in dev mode,
# the REAL Inngest dev server, a stand-in for Resend, and an OpenTelemetry
# receiver built on the official OTLP definitions (tests/otel/receiver.py,
# PyPI's opentelemetry-proto in a private venv under build/).
#
# A contact form's run is traced twice: into the dev server's run view
# (/v1/traces/userland, read back through its GraphQL runTrace) and into the
# receiver (OTLP/HTTP protobuf, then JSON), then through the real
# OpenTelemetry Collector (core modules, built by contrib/otelcol/build.sh)
# and into a self-hosted `inngest start` with a signing key.  Checked: one tree per run under
# Inngest's traceparent, a span per call request, per step and per Resend
# call with the right parents and attribute names, a span per store
# operation, no secret anywhere, and that a collector answering 503 or down
# costs the runs nothing but dropped-span counts.  `promtool check metrics`
# validates /metrics.  Every address is 127.0.0.1; OTEL_* from the caller's
# environment are cleared by e2e_init.
# shellcheck disable=SC2317
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
e2e_init
e2e_require_tools promtool python3 sha1sum

e2e_program bin inngest-fcgi
app_id=e2e-traces
wait_secs=$((E2E_WAIT_SECS * 3))
dev=$E2E_DIR/dev app=$E2E_DIR/app svc=$E2E_DIR/svc rcv=$E2E_DIR/rcv

# Every step may find its process gone already: none may fail the trap (set -e
# would turn a kill of an exited pid into the script's exit status).  The
# Inngest servers, Redis and the stand-in are e2e_cleanup's.
cleanup() {
	receiver_stop || true
	if [[ -f $E2E_DIR/otelcol/otelcol.pid ]]; then kill -TERM "$(<"$E2E_DIR/otelcol/otelcol.pid")" 2>/dev/null || true; fi
	e2e_cleanup
}
trap cleanup EXIT

inngest_cli >/dev/null || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"
standin_build || abort "the stand-in compiles"
otelcol=$("$E2E_ROOT/contrib/otelcol/build.sh") || abort "an OpenTelemetry Collector (contrib/otelcol/build.sh)"

# ---- the receiver: a venv with the pinned OTLP definitions, once per requirements.txt ----
OTEL_VENV=$E2E_ROOT/build/python/otel-receiver
otel_venv() {
	local sum py
	sum=$(sha256sum "$E2E_ROOT/tests/otel/requirements.txt" | cut -d' ' -f1)
	[[ $(cat "$OTEL_VENV/.requirements-sha256" 2>/dev/null) == "$sum" ]] && return 0
	# Debian's python3 with python3-venv (a pyenv shim may lack ensurepip)
	py=/usr/bin/python3
	[[ -x $py ]] || py=$(command -v python3)
	rm -rf "$OTEL_VENV"
	"$py" -m venv "$OTEL_VENV" >"$E2E_DIR/venv.log" 2>&1 &&
		"$OTEL_VENV/bin/pip" install --quiet --disable-pip-version-check \
			-r "$E2E_ROOT/tests/otel/requirements.txt" >>"$E2E_DIR/venv.log" 2>&1 || {
		cat "$E2E_DIR/venv.log" >&2
		abort "a venv with tests/otel/requirements.txt (python3-venv, PyPI reachable)"
	}
	echo "$sum" >"$OTEL_VENV/.requirements-sha256"
}
otel_venv

receiver_start() {
	mkdir -p "$rcv"
	touch "$rcv/spans.jsonl" "$rcv/mode"
	setsid "$OTEL_VENV/bin/python" "$E2E_ROOT/tests/otel/receiver.py" --port "$rcv_port" \
		--log "$rcv/spans.jsonl" --mode-file "$rcv/mode" --record-headers x-collector-token \
		>>"$rcv/receiver.log" 2>&1 </dev/null &
	echo $! >"$rcv/receiver.pid"
	wait_port "$rcv_port" "$(<"$rcv/receiver.pid")" || abort "the OTLP receiver listens"
}
receiver_stop() {
	[[ -f $rcv/receiver.pid ]] || return 0
	local pid
	pid=$(<"$rcv/receiver.pid")
	rm -f "$rcv/receiver.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

read -r api_port ngx_port app_port svc_port rcv_port < <(free_ports 5)
base=http://127.0.0.1:$api_port
ngx_url=http://127.0.0.1:$ngx_port
resend_key=re_test_$(openssl rand -hex 12)
collector_token=ctok-$(openssl rand -hex 12)

mkdir -p "$svc"
echo 'POST /emails 200 {"id":"em_{n}"}' >"$svc/script"
standin_start "$svc" "$svc_port" || abort "the Resend stand-in starts"
receiver_start

app_env=(INNGEST_DEV=1 INNGEST_APP_ID="$app_id" INNGEST_BASE_URL="$base"
	RESEND_API_KEY="$resend_key" CONTACT_TO_EMAIL=owner@example.com CONTACT_FROM_EMAIL=site@example.com
	RESEND_API_BASE_URL="http://127.0.0.1:$svc_port" DATABASE_PATH="$app/store.db"
	CONTACT_RATE_LIMIT_CLIENT=off CONTACT_RATE_LIMIT_RECIPIENT=off VIEWS_RATE_LIMIT=off
	OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$rcv_port"
	OTEL_EXPORTER_OTLP_HEADERS="x-collector-token=$collector_token"
	OTEL_SERVICE_NAME=e2e-shop OTEL_RESOURCE_ATTRIBUTES="deployment.environment=e2e,team=web%20site"
	OTEL_BSP_SCHEDULE_DELAY=200 OTEL_EXPORTER_OTLP_TIMEOUT=2000)

nginx_start "$app" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
app_start "$app" "$bin" "$app_port" "${app_env[@]}" || abort "the product program starts"
SERVER_PORT=$api_port dev_server_start "$dev" -u "$ngx_url/api/inngest" --retry-interval 1 ||
	abort "inngest dev starts"
sync_put "$ngx_url/api/inngest"
expect_eq "PUT sync: 200" 200 "$HTTP_STATUS"
expect_ok "the dev server has the app's functions" wait_synced "$base" "$app_id" 22 "$wait_secs"

# contact FORM_NAME: posts a form, prints the event id
contact() {
	post_json "$ngx_url/api/contact" "{\"name\":\"$1\",\"email\":\"$1@example.org\",\"message\":\"Hello from $1\"}"
	[[ $HTTP_STATUS == 202 ]] || { echo "contact: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
	jq -r '.id' <<<"$HTTP_BODY"
}
# spans RUN_ID: the receiver's spans of one run (every span of its trace)
spans() {
	local trace
	trace=$(jq -r --arg r "$1" 'select(.attributes["inngest.run.id"] == $r) | .trace_id' "$rcv/spans.jsonl" | head -1)
	[[ -n $trace ]] || return 0
	jq -c --arg t "$trace" 'select(.trace_id == $t)' "$rcv/spans.jsonl"
}
# the run's spans once its calls, steps and both Resend calls are all in
spans_complete() {
	local s
	s=$(spans "$1")
	[[ $(jq -s '[.[] | select(.name == "POST")] | length' <<<"$s") -ge 2 &&
		$(jq -s '[.[] | select(.name == "step email-delivered")] | length' <<<"$s") -ge 1 ]] &&
		[[ $(jq -s '[.[] | select(.name == "inngest.execution")] | length' <<<"$s") -ge 4 ]]
}
metric() {
	curl -sS --max-time 5 "$ngx_url/metrics" | awk -v k="$1" '$1 == k {print $2}'
}
runtrace() {
	gql "$base" 'query($r: String!) { runTrace(runID: $r) { name spanID traceID stepID isUserland
		userlandSpan { spanName scopeName serviceName spanAttrs }
		childrenSpans { name spanID stepID isUserland userlandSpan { spanName scopeName spanAttrs }
		childrenSpans { name spanID stepID isUserland userlandSpan { spanName scopeName spanAttrs }
		childrenSpans { name spanID stepID isUserland userlandSpan { spanName scopeName spanAttrs }
		childrenSpans { name spanID stepID isUserland userlandSpan { spanName scopeName spanAttrs } } } } } } }' \
		"$(jq -nc --arg r "$1" '{r: $r}')"
}
# userland spans of a run in the dev server, flattened with their parent's stepID
userland() {
	runtrace "$1" | jq -c '[.data.runTrace | .. | objects | select(has("childrenSpans")) | . as $p |
		.childrenSpans[]? | select(.isUserland) | {name: .userlandSpan.spanName, scope: .userlandSpan.scopeName,
		stepID: (.stepID // $p.stepID), attrs: (.userlandSpan.spanAttrs | fromjson? // {})}]'
}
userland_has() { [[ $(userland "$1" | jq "[.[] | select(.name == \"$2\")] | length") -ge ${3:-1} ]]; }

# ---- 1. protobuf to the collector, JSON to the dev server ----------------------------------
ev=$(contact traced) || abort "the contact form is accepted"
run=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
expect_match "the traced run completed" '^[0-9A-Z]{26}$' "$run"
expect_ok "the collector has the run's call, step and Resend spans" poll_until "$wait_secs" spans_complete "$run"
s=$(spans "$run")
echo "# the run's trace in the collector: $(jq -s length <<<"$s") spans: $(jq -s -c 'map(.name) | group_by(.) | map("\(.[0]) ×\(length)")' <<<"$s")"
expect_eq "OTLP/HTTP protobuf to /v1/traces with OTEL_EXPORTER_OTLP_HEADERS" \
	"application/x-protobuf /v1/traces $collector_token" \
	"$(jq -s -r '.[0] | "\(.content_type) \(.path) \(.headers["x-collector-token"])"' <<<"$s")"
expect_eq "resource: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (decoded), the SDK" \
	"e2e-shop|e2e|web site|inngest-fcgi|c" \
	"$(jq -s -r '.[0].resource | "\(.["service.name"])|\(.["deployment.environment"])|\(.team)|\(.["telemetry.sdk.name"])|\(.["telemetry.sdk.language"])"' <<<"$s")"
expect_eq "one trace: every span of the run shares its trace id" 1 "$(jq -s '[.[].trace_id] | unique | length' <<<"$s")"
calls=$(jq -s -c '[.[] | select(.name == "inngest.execution")]' <<<"$s")
expect_eq "call spans: server kind, scope inngest, run id, function, attempt, a status code" "true" \
	"$(jq --arg r "$run" 'all(.[]; .kind == 2 and .scope == "inngest" and .attributes["inngest.run.id"] == $r and
		.attributes["inngest.function.id"] == "contact-form-submitted" and (.attributes["inngest.attempt"] | type) == "number" and
		(.attributes["http.response.status_code"] | IN(200, 206)))' <<<"$calls")"
expect_eq "call spans continue Inngest's traceparent (a parent that is none of ours)" 0 \
	"$(jq -s '[.[].span_id] as $ours | [.[] | select(.name == "inngest.execution" and (.parent_span_id as $p | $ours | index($p)))] | length' <<<"$s")"
expect_eq "the Inngest-only linkage (traceref, sys.function.id) is not sent to the collector" 0 \
	"$(jq -s '[.[] | .attributes | keys[] | select(. == "inngest.traceref" or . == "sys.function.id" or . == "sdk.run.id")] | length' <<<"$s")"
for step in send-notification-email send-confirmation-email email-delivered; do
	st=$(jq -s -c --arg n "step $step" '[.[] | select(.name == $n)][0]' <<<"$s")
	hash=$(printf %s "$step" | sha1sum | cut -d' ' -f1)
	expect_eq "step $step: its id, hashed id, op, OK, under a call span" "$step $hash StepRun 1 true" \
		"$(jq -r --argjson calls "$calls" '"\(.attributes["inngest.step.id"]) \(.attributes["inngest.step.hash"]) \(.attributes["inngest.step.op"]) \(.status.code) \(.parent_span_id as $p | $calls | map(.span_id) | index($p) != null)"' <<<"$st")"
done
posts=$(jq -s -c --arg port "$svc_port" '[.[] | select(.name == "POST" and .attributes["server.port"] == ($port | tonumber))] as $p | [.[] | select(.name | startswith("step send-"))] as $steps |
	$p | map(. + {step: (.parent_span_id as $q | $steps | map(select(.span_id == $q)) | .[0].name)})' <<<"$s")
expect_eq "a Resend span under each send step: client kind, method, host, port, status, the step's ids" \
	"step send-confirmation-email,step send-notification-email true" \
	"$(jq -r --arg port "$svc_port" '"\(map(.step) | sort | join(",")) \(all(.[]; .kind == 3 and .attributes["http.request.method"] == "POST" and
		.attributes["server.address"] == "127.0.0.1" and .attributes["server.port"] == ($port | tonumber) and
		.attributes["url.scheme"] == "http" and .attributes["http.response.status_code"] == 200 and
		.attributes["inngest.step.id"] == (.step | ltrimstr("step "))))"' <<<"$posts")"
expect_eq "no secret, path or query in any span (Resend key, collector token)" 0 \
	"$(jq -c 'del(.headers)' "$rcv/spans.jsonl" | grep -c -e "$resend_key" -e "$collector_token" -e '/emails' || true)"

# the dev server: our spans in the run's trace, tied to the run and the step
expect_ok "the dev server shows the run's userland spans (call, steps, Resend)" \
	poll_until "$wait_secs" userland_has "$run" POST 2
u=$(userland "$run")
echo "# the dev server's userland spans of the run: $(jq -c 'map(.name) | group_by(.) | map("\(.[0]) ×\(length)")' <<<"$u")"
# the server hides an SDK's "inngest.execution" wrapper by design
# (pkg/cqrs/traces.go) and shows what is under it beneath its own step span
expect_eq "userland spans of the run: the three steps and two Resend calls, the call wrapper folded away" \
	"true true true 2 0" \
	"$(jq -r --arg port "$svc_port" '"\(any(.[]; .name == "step send-notification-email")) \(any(.[]; .name == "step send-confirmation-email")) \(any(.[]; .name == "step email-delivered")) \([.[] | select(.name == "POST" and (.attrs["server.port"] | tostring) == $port)] | length) \([.[] | select(.name == "inngest.execution")] | length)"' <<<"$u")"
expect_eq "the dev server ties the Resend spans to their steps' hashed ids" \
	"$(printf %s send-confirmation-email | sha1sum | cut -d' ' -f1),$(printf %s send-notification-email | sha1sum | cut -d' ' -f1)" \
	"$(jq -r --arg port "$svc_port" '[.[] | select(.name == "POST" and (.attrs["server.port"] | tostring) == $port) | .attrs["_inngest.step.id"] // .stepID] | sort | join(",")' <<<"$u")"
expect_eq "the dev server keeps our lineage: each Resend span is a child of its step's span" "1 1" \
	"$(runtrace "$run" | jq -r '[("step send-notification-email", "step send-confirmation-email") as $n |
		[.. | objects | select(.isUserland? and .userlandSpan.spanName == $n) | .childrenSpans[]? |
		select(.userlandSpan.spanName == "POST")] | length] | join(" ")')"
expect_eq "no secret in the dev server's copy either" 0 "$(runtrace "$run" | grep -c -e "$resend_key" -e "$collector_token" || true)"

# a store operation: the view beacon's increment-views step records one
post_json "$ngx_url/api/views" '{"slug":"traced-post","title":"Traced"}'
expect_eq "a view beacon: 202" 202 "$HTTP_STATUS"
store_span() {
	local o
	o=$(jq -s -e -c 'map(select(.name == "increment-views" and .attributes["db.operation.name"] == "increment-views")) | first' "$rcv/spans.jsonl") && echo "$o"
}
sp=$(poll_until "$wait_secs" store_span) || true
expect_eq "a store span: db.system.name sqlite, client kind, under its step, the step's id" "sqlite 3 increment-views true" \
	"$(jq -r --slurpfile all "$rcv/spans.jsonl" '"\(.attributes["db.system.name"]) \(.kind) \(.attributes["inngest.step.id"]) \(.parent_span_id as $p | $all | map(select(.span_id == $p and .name == "step increment-views")) | length == 1)"' <<<"$sp" 2>/dev/null)"

exported_otlp=$(metric 'inngest_fcgi_trace_spans_exported_total{target="otlp"}')
exported_inngest=$(metric 'inngest_fcgi_trace_spans_exported_total{target="inngest"}')
echo "# /metrics: $exported_otlp span(s) to the collector, $exported_inngest to the dev server"
expect_match "/metrics counts spans exported to both targets" '^[1-9][0-9]* [1-9][0-9]*$' "$exported_otlp $exported_inngest"
curl -sS --max-time 5 "$ngx_url/metrics" >"$E2E_DIR/metrics.txt"
expect_ok "promtool check metrics accepts /metrics" promtool check metrics <"$E2E_DIR/metrics.txt"

# ---- 2. a collector answering 503, then none: runs are unaffected, spans counted as dropped ----
dropped() { metric 'inngest_fcgi_trace_spans_dropped_total{target="otlp",reason="export_failed"}'; }
more_dropped() { (($(dropped) > before)); }
# slower than OTEL_EXPORTER_OTLP_TIMEOUT (2 s): the export times out in the
# worker's export thread, never in a call
before=$(dropped)
echo slow >"$rcv/mode"
ev=$(contact slowcollector) || true
r=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
expect_match "with the collector slower than the export timeout the run completes" '^[0-9A-Z]{26}$' "$r"
expect_ok "the timed-out exports count as dropped spans" poll_until "$wait_secs" more_dropped
before=$(dropped)
echo 503 >"$rcv/mode"
ev=$(contact unhealthy) || true
r=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
expect_match "with the collector answering 503 the run completes" '^[0-9A-Z]{26}$' "$r"
expect_ok "the 503s count as dropped spans (export_failed)" poll_until "$wait_secs" more_dropped
expect_ok "…and the dev server still gets the run's spans" poll_until "$wait_secs" userland_has "$r" POST 2
receiver_stop
before=$(dropped)
ev=$(contact down) || true
r=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
expect_match "with no collector listening the run completes" '^[0-9A-Z]{26}$' "$r"
expect_ok "the refused connections count as dropped spans" poll_until "$wait_secs" more_dropped

# ---- 3. OTLP/JSON to the collector; INNGEST_TRACES=0 ---------------------------------------
: >"$rcv/mode"
receiver_start
app_stop "$app" || fail "the program stops cleanly (the export threads drain and join)"
app_start "$app" "$bin" "$app_port" "${app_env[@]}" OTEL_EXPORTER_OTLP_PROTOCOL=http/json INNGEST_TRACES=0 ||
	abort "the program restarts"
ev=$(contact jsonmode) || true
run=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
expect_match "http/json: the run completed" '^[0-9A-Z]{26}$' "$run"
expect_ok "http/json: the collector has the run's spans" poll_until "$wait_secs" spans_complete "$run"
s=$(spans "$run")
expect_eq "http/json: application/json, parent links intact (every step's parent is a call span)" "application/json true" \
	"$(jq -s -r '(map(select(.name == "inngest.execution") | .span_id)) as $c | "\(.[0].content_type) \(all(.[] | select(.name | startswith("step ")); .parent_span_id as $p | $c | index($p) != null))"' <<<"$s")"
sleep 1
expect_eq "INNGEST_TRACES=0: nothing sent to the dev server" "0 0" \
	"$(metric 'inngest_fcgi_trace_spans_exported_total{target="inngest"}') $(userland "$run" | jq length)"

# ---- 4. the OpenTelemetry Collector (core modules, contrib/otelcol) between us and the receiver ----
# Its OTLP receiver reads what we send (protobuf, then JSON) and its OTLP/HTTP
# exporter passes it on: the receiver's checks then hold for spans a
# collector we did not write has parsed and re-encoded.
col=$E2E_DIR/otelcol
mkdir -p "$col"
col_port=$(free_port)
cat >"$col/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$col_port
processors:
  batch:
    timeout: 100ms
exporters:
  debug:
    verbosity: detailed
  otlphttp:
    traces_endpoint: http://127.0.0.1:$rcv_port/v1/traces
    encoding: proto
    compression: none
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug, otlphttp]
YAML
setsid "$otelcol" --config "$col/config.yaml" >>"$col/otelcol.log" 2>&1 </dev/null &
echo $! >"$col/otelcol.pid"
wait_port "$col_port" "$(<"$col/otelcol.pid")" || { tail -n 20 "$col/otelcol.log" >&2; abort "the collector listens"; }
for proto in http/protobuf http/json; do
	app_stop "$app" || fail "the program stops cleanly"
	app_start "$app" "$bin" "$app_port" "${app_env[@]}" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$col_port" \
		OTEL_EXPORTER_OTLP_PROTOCOL="$proto" INNGEST_TRACES=0 || abort "the program restarts"
	ev=$(contact "collector${proto#http/}") || true
	run=$(wait_run_status "$base" "$ev" Completed "$wait_secs" | jq -r '.run_id // empty') || true
	expect_ok "collector ($proto): the run's spans come out of the collector" poll_until "$wait_secs" spans_complete "$run"
	s=$(spans "$run")
	expect_eq "collector ($proto): one trace, each step under a call span, each Resend span under its step" "1 true true" \
		"$(jq -s -r --arg port "$svc_port" '(map(select(.name == "inngest.execution") | .span_id)) as $c |
			(map(select(.name | startswith("step ")) | {key: .span_id, value: .name}) | from_entries) as $st |
			"\([.[].trace_id] | unique | length) \(all(.[] | select(.name | startswith("step ")); .parent_span_id as $p | $c | index($p) != null)) \(
			[.[] | select(.name == "POST" and .attributes["server.port"] == ($port | tonumber)) | $st[.parent_span_id]] | sort == ["step send-confirmation-email", "step send-notification-email"])"' <<<"$s")"
	expect_eq "collector ($proto): attribute names as sent, no secret" "true 0" \
		"$(jq -s -r 'all(.[] | select(.name == "POST"); .attributes | has("http.request.method") and has("server.address") and has("http.response.status_code"))' <<<"$s") $(grep -c -e "$resend_key" -e "$collector_token" <<<"$s" || true)"
	printed=$((${printed:-0} + 1))
	expect_eq "collector ($proto): its debug exporter printed this run's spans too" "$printed" \
		"$(grep -c 'Name *: step send-notification-email' "$col/otelcol.log" || true)"
done
kill -TERM "$(<"$col/otelcol.pid")" 2>/dev/null || true
wait_gone "$(<"$col/otelcol.pid")" || true

# ---- 5. a self-hosted server (inngest start): signed calls, the hashed key as bearer ----------
# Only the Inngest target here (no OTEL_*): the server must accept our spans with
# its signing key, and show them in the run, tied to the steps.
cloud=$E2E_DIR/cloud
mkdir -p "$cloud"
read -r api2_port redis_port < <(free_ports 2)
key=$(openssl rand -hex 32)
event_key=e2e-traces-$(openssl rand -hex 8)
base2=http://127.0.0.1:$api2_port
auth="Authorization: Bearer $key"
redis_start "$cloud" "$redis_port" || abort "redis-server starts"
app_stop "$app" || fail "the program stops cleanly"
app_start "$app" "$bin" "$app_port" INNGEST_DEV=0 INNGEST_APP_ID="$app_id" INNGEST_BASE_URL="$base2" \
	INNGEST_SIGNING_KEY="signkey-test-$key" INNGEST_EVENT_KEY="$event_key" INNGEST_SERVE_ORIGIN="$ngx_url" \
	RESEND_API_KEY="$resend_key" CONTACT_TO_EMAIL=owner@example.com CONTACT_FROM_EMAIL=site@example.com \
	RESEND_API_BASE_URL="http://127.0.0.1:$svc_port" DATABASE_PATH="$app/store.db" \
	CONTACT_RATE_LIMIT_CLIENT=off CONTACT_RATE_LIMIT_RECIPIENT=off || abort "the program starts in cloud mode"
SERVER_PORT=$api2_port self_hosted_start "$cloud" --signing-key "$key" --event-key "$event_key" \
	--redis-uri "redis://127.0.0.1:$redis_port" || abort "inngest start starts"
sync_put "$ngx_url/api/inngest"
expect_eq "inngest start: PUT sync 200" 200 "$HTTP_STATUS"
expect_ok "inngest start has the app" wait_synced "$base2" "$app_id" 22 "$wait_secs" "$auth"
ev=$(contact selfhosted) || true
run_done_auth() {
	api_get "$base2" "/v1/events/$ev/runs" "$auth" |
		jq -er '.data[0] | select(.ended_at != null and .status == "Completed") | .run_id' 2>/dev/null
}
r=$(poll_until "$wait_secs" run_done_auth) || true
expect_match "inngest start: the contact run completed (signed calls)" '^[0-9A-Z]{26}$' "$r"
accepted() { (($(metric 'inngest_fcgi_trace_spans_exported_total{target="inngest"}') >= 6)); }
expect_ok "inngest start accepted the run's spans (our hashed signing key as bearer token)" \
	poll_until "$wait_secs" accepted
expect_eq "…none refused" 0 "$(metric 'inngest_fcgi_trace_spans_dropped_total{target="inngest",reason="export_failed"}')"
# its run view (GraphQL, with the key as the UI sends it): the Resend spans under their steps
selfhosted_lineage() {
	local t
	t=$(curl -sS --max-time 15 -X POST "$base2/v0/gql" -H 'Content-Type: application/json' -H "$auth" \
		--data-binary "$(jq -nc --arg r "$r" '{query: "query($r: String!) { runTrace(runID: $r) { childrenSpans { isUserland userlandSpan { spanName } childrenSpans { isUserland userlandSpan { spanName } childrenSpans { isUserland userlandSpan { spanName } childrenSpans { isUserland userlandSpan { spanName } } } } } } }", variables: {r: $r}}')")
	[[ $(jq -r '[("step send-notification-email", "step send-confirmation-email") as $n |
		[.. | objects | select(.isUserland? and .userlandSpan.spanName == $n) | .childrenSpans[]? |
		select(.userlandSpan.spanName == "POST")] | length] | join(" ")' <<<"$t" 2>/dev/null) == "1 1" ]]
}
expect_ok "inngest start shows each Resend span under its step's span in the run" \
	poll_until "$wait_secs" selfhosted_lineage
server_stop "$cloud" || true
redis_stop "$cloud"

expect_ok "no alert or sanitizer report in the logs" check_logs "$app"
summary
