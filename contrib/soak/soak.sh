#!/usr/bin/env bash
# soak.sh — mixed, signed traffic through nginx to the product program for
# SOAK_SECONDS, then a report: requests served, errors, worker restarts, and
# the resident memory (RSS) of every worker after the warm-up and at the end.
#
#   SOAK_SECONDS=3600 [BUILD_DIR=build/release] [SOAK_PARALLEL=8] contrib/soak/soak.sh
#   SOAK_CHECK_RSS=0   report RSS but do not fail on it (sanitizer builds grow
#                      by design: ASan's quarantine holds freed memory)
#
# Everything runs on free loopback ports in a private directory: nginx in
# front of the program (cloud mode: every Inngest request is signed), a
# second nginx standing in for the Event API and the register endpoint (so
# the routes and PUT really send).  The traffic is a fixed mix, sent by curl
# in batches (keep-alive, SOAK_PARALLEL at once), re-signed for every batch
# so no signature ages out:
#   call requests (hello-world: the first attempt → 206 StepRun, the
#   memoized one → 200), signed and unsigned GETs, PUT (out-of-band sync),
#   /api/contact, /api/views, /api/hello, /api/events (bearer),
#   /api/stripe/webhook (Stripe-signed), and a forged call (→ 401).
# Each request has one expected status; anything else is an error.
#
# It fails (exit 1) on any error, a worker restart, a log line the e2e
# helpers call a problem, or a worker whose RSS grew more than 5% between
# the end of the warm-up (the first tenth of the run, at most 60 s: first
# requests fill caches, TLS-less curl handles, SQLite pages) and the end.
# It must never print or log the signing key: the keys below are test keys,
# and the logs are searched for them at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/nginx.sh
source "$root/tests/lib/nginx.sh"
TOOLS_GROUP=soak # the install step's group for a missing tool
e2e_init
require_tools soak pgrep

seconds=${SOAK_SECONDS:-60}
parallel=${SOAK_PARALLEL:-8}
bin=$(BUILD_DIR=${BUILD_DIR:-build/release} e2e_build_dir)/inngest-fcgi
[[ -x $bin ]] || { echo "soak: $bin is missing (make SAN=0)" >&2; exit 1; }

signing_key=signkey-test-5a0cb5e0d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c
hmac_key=${signing_key#signkey-test-}
event_key=soak-event-key-0123456789
stripe_secret=whsec_soak_secret_0123456789abcdef
relay_token=soak-relay-token-0123456789abcdef
event_id=01JSOAK0000000000000000001

# ---- stand-in for the Event API and the register endpoint ---------------------
standin=$E2E_DIR/standin
api_port=$(free_port)
standin_nginx_start "$standin" "$api_port" <<NGX || { echo "soak: the stand-in does not start" >&2; exit 1; }
        keepalive_requests 100000;
        location /e/ { default_type application/json; return 200 '{"ids":["$event_id"],"status":200}'; }
        location /fn/register { default_type application/json; return 200 '{"ok":true,"modified":false}'; }
NGX

# ---- the program behind nginx, cloud mode -------------------------------------
dir=$E2E_DIR/app
app_serve "$dir" "$bin" INNGEST_DEV=0 INNGEST_SIGNING_KEY="$signing_key" \
	INNGEST_EVENT_KEY="$event_key" INNGEST_BASE_URL="http://127.0.0.1:$api_port" \
	INNGEST_SERVE_ORIGIN="http://127.0.0.1" DATABASE_PATH="$dir/store.db" \
	STRIPE_WEBHOOK_SECRET="$stripe_secret" EVENTS_RELAY_TOKEN="$relay_token" INNGEST_LOG_LEVEL=warn \
	CONTACT_RATE_LIMIT_CLIENT=1000000/1s CONTACT_RATE_LIMIT_RECIPIENT=1000000/1s VIEWS_RATE_LIMIT=1000000/1s
master=$(<"$dir/app.pid")

workers() { pgrep -P "$master" | sort -n | tr '\n' ' '; }
rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- request bodies -----------------------------------------------------------
req=$E2E_DIR/req
mkdir -p "$req"
call_body() { # $1 = steps object
	printf '{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"f","max_attempts":4,"run_id":"01JSOAKRUN000000000000001","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"event":{"data":{"email":"soak@example.org"},"id":"01JSOAKEVT000000000000001","name":"test/hello.world","ts":1700000000000,"user":{}},"events":[{"data":{"email":"soak@example.org"},"id":"01JSOAKEVT000000000000001","name":"test/hello.world","ts":1700000000000,"user":{}}],"steps":%s,"use_api":false,"version":2}' "$1"
}
say_hello_id=$(printf 'say-hello' | sha1sum | cut -d' ' -f1)
call_body '{}' >"$req/call1.json"
call_body "{\"$say_hello_id\":{\"data\":\"Hello, soak@example.org!\"}}" >"$req/call2.json"
printf '{"name":"Soak","email":"soak@example.org","message":"a soak test message"}' >"$req/contact.json"
printf '{"slug":"soak-post","title":"Soak post","referrer":"https://example.org/"}' >"$req/views.json"
printf '{"email":"soak@example.org"}' >"$req/hello.json"
printf '{"name":"app/soak.relayed","data":{"n":1}}' >"$req/events.json"
printf '{"id":"evt_soak_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_soak_1","amount":100,"currency":"usd"}}}' >"$req/stripe.json"
: >"$req/empty"

inngest_sig() { sign_body "$signing_key" "$2" "$1"; }

# cfg_request URL [LINE…]: one request of a batch (curl_config_request, at
# most 30 s); cfg_post URL FILE [HEADER…]: a POST of the JSON in FILE.
cfg_request() { curl_config_request "$1" 'max-time = 30' "${@:2}"; }
cfg_post() {
	local url=$1 file=$2 h
	shift 2
	local -a lines=('request = "POST"' 'header = "Content-Type: application/json"')
	for h in "$@"; do lines+=("header = \"$h\""); done
	cfg_request "$url" "${lines[@]}" "data-binary = \"@$file\""
}

# One batch: a curl config with N rounds of the mix; the expected status is
# carried in a fragment-free query parameter the program ignores (soak=NNN).
write_batch() {
	local cfg=$1 rounds=$2 t s1 s2 sg ss i fn="inngest-fcgi-hello-world"
	t=$(date +%s)
	s1=$(inngest_sig "$t" "$req/call1.json")
	s2=$(inngest_sig "$t" "$req/call2.json")
	sg=$(inngest_sig "$t" "$req/empty")
	ss=$(stripe_sig "$stripe_secret" "$t" "$req/stripe.json")
	: >"$cfg"
	for ((i = 0; i < rounds; i++)); do
		{
			cfg_post "$base/api/inngest?fnId=$fn&stepId=step&soak=206" "$req/call1.json" "X-Inngest-Signature: $s1"
			cfg_post "$base/api/inngest?fnId=$fn&stepId=step&soak=200" "$req/call2.json" "X-Inngest-Signature: $s2"
			cfg_post "$base/api/inngest?fnId=$fn&stepId=step&soak=401" "$req/call2.json" "X-Inngest-Signature: $s1"
			cfg_request "$base/api/inngest?soak=200" "header = \"X-Inngest-Signature: $sg\""
			cfg_request "$base/api/inngest?soak=200&unsigned=1"
			cfg_post "$base/api/contact?soak=202" "$req/contact.json"
			cfg_post "$base/api/views?soak=202" "$req/views.json"
			cfg_post "$base/api/hello?soak=202" "$req/hello.json"
			cfg_post "$base/api/events?soak=202" "$req/events.json" "Authorization: Bearer $relay_token"
			cfg_post "$base/api/stripe/webhook?soak=200" "$req/stripe.json" "Stripe-Signature: $ss"
			# A sync now and then: it makes a real register call to the stand-in.
			((i % 10 != 0)) || cfg_request "$base/api/inngest?soak=200&sync=1" 'request = "PUT"'
		} >>"$cfg"
	done
	sed -i '$d' "$cfg" # the last `next`
}

served=0 errors=0
declare -A by_status=()
results=$E2E_DIR/results
run_batch() {
	local cfg=$E2E_DIR/batch.cfg code url want
	write_batch "$cfg" 20
	curl -sS --parallel --parallel-max "$parallel" -K "$cfg" >"$results" 2>>"$E2E_DIR/curl.err" || true
	while read -r code url; do
		want=${url##*soak=}
		want=${want:0:3}
		served=$((served + 1))
		by_status[$code]=$((${by_status[$code]:-0} + 1))
		if [[ $code != "$want" ]]; then
			errors=$((errors + 1))
			((errors > 20)) || echo "soak: $url answered $code, expected $want" >&2
		fi
	done <"$results"
}

start=$(date +%s)
deadline=$((start + seconds))
warmup=$((seconds / 10))
((warmup <= 60)) || warmup=60
((warmup >= 1)) || warmup=1
start_workers=''
declare -A rss_start=()
while (($(date +%s) < deadline)); do
	run_batch
	if [[ -z $start_workers ]] && (($(date +%s) >= start + warmup)); then
		start_workers=$(workers)
		for w in $start_workers; do rss_start[$w]=$(rss_of "$w"); done
		echo "soak: warm-up done after $(($(date +%s) - start)) s, $served requests; workers: $start_workers"
	fi
done
[[ -n $start_workers ]] || { start_workers=$(workers); for w in $start_workers; do rss_start[$w]=$(rss_of "$w"); done; }
end_workers=$(workers)
elapsed=$(($(date +%s) - start))

echo "soak: $elapsed s, $served requests served ($((served / (elapsed > 0 ? elapsed : 1))) per second), $errors errors"
for c in "${!by_status[@]}"; do echo "soak:   status $c: ${by_status[$c]}"; done | sort
bad=0
((errors == 0)) || bad=1
if [[ $start_workers != "$end_workers" ]]; then
	echo "soak: workers changed during the run: $start_workers → $end_workers (a worker died or was replaced)" >&2
	bad=1
fi
for w in $start_workers; do
	s=${rss_start[$w]} e=$(rss_of "$w")
	growth=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", s ? (e - s) * 100 / s : 0 }')
	echo "soak: worker $w RSS after warm-up $s KiB, at the end $e KiB ($growth%)"
	if [[ ${SOAK_CHECK_RSS:-1} != 0 ]] && awk -v g="$growth" 'BEGIN { exit !(g > 5) }'; then
		echo "soak: worker $w grew more than 5%" >&2
		bad=1
	fi
done
restarts=$(grep -c 'worker.*\(died\|exited\|killed\|signal\)' "$dir/app.log" || true)
echo "soak: worker restarts logged: $restarts"
((restarts == 0)) || bad=1
app_stop "$dir" || bad=1
nginx_stop "$dir"
check_logs "$dir" || bad=1
if grep -qF -e "$hmac_key" -e "$stripe_secret" -e "$relay_token" -e "$event_key" "$dir/app.log" "$dir/error.log" "$standin/error.log"; then
	echo "soak: a secret appears in a log" >&2
	bad=1
fi
if ((bad == 0)); then echo "soak: PASS"; else echo "soak: FAIL"; fi
exit "$bad"
