#!/usr/bin/env bash
# seeds.sh OUT_DIR — the seed corpus of every fuzz target, one directory per
# target under OUT_DIR, made from tests/vectors (the recorded call,
# sync and introspection requests and their signature headers) and from a few
# hand-written answers and bodies in each target's input format (see the
# comment at the top of each tests/fuzz/fuzz_*.c).  Generated, never committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vectors=${VECTORS_DIR:-$root/tests/vectors}
[[ -d $vectors ]] || { echo "seeds.sh: no protocol vectors at $vectors" >&2; exit 1; }
out=$1
rm -rf "$out"
mkdir -p "$out"

# byte N: one byte of value N (0-255).
byte() { printf '%b' "\\x$(printf '%02x' "$1")"; }
# be16 N: N as two big-endian bytes.
be16() { byte $(($1 >> 8)); byte $(($1 & 255)); }

# seed TARGET: stdin becomes one seed file of TARGET, named by its SHA-1 as
# libFuzzer names its own (it runs in a pipeline's subshell: no counters).
seed() {
	local tmp
	mkdir -p "$out/$1"
	tmp=$(mktemp "$out/$1/.new.XXXXXX")
	cat >"$tmp"
	mv "$tmp" "$out/$1/$(sha1sum <"$tmp" | cut -d' ' -f1)"
}

# Every recorded request as one line: method, then query, signature header
# and body in base64 (one jq for all of them: jq starts slowly).  The
# recordings held 94 requests when this was written: fewer means an
# emptied or missing vector file, and seeds made without them would hide it.
requests=$(jq -r '.entries[]? | .request | [.method, ((.url | if test("[?]") then sub("^[^?]*[?]"; "") else "" end) | @base64),
	((.headers["X-Inngest-Signature"] // .headers["x-inngest-signature"] // "") | @base64),
	((.body // "") | @base64)] | @tsv' "$vectors"/*.json)

held=$(jq -s '[.[] | .entries[]?] | length' "$vectors"/*.json)
min_requests=94
((held >= min_requests)) || {
	echo "seeds.sh: the vectors in $vectors hold $held recorded request(s), fewer than $min_requests" >&2
	exit 1
}
ran=0
while IFS=$'\t' read -r method query sig body; do
	ran=$((ran + 1))
	query=$(base64 -d <<<"$query")
	sig=$(base64 -d <<<"$sig")
	body=$(base64 -d <<<"$body")
	case $method in
	POST)
		printf '%s\n%s' "$query" "$body" | seed fuzz_call_request
		printf '%s\n%s' "${query//vectors-app-/inngest-fcgi-}" "$body" | seed fuzz_product_call
		printf '%s' "$body" | seed fuzz_jcs
		;;
	esac
	# flags: method index (GET 0, PUT 1, POST 2), signed (4), in-band (8)
	case $method in GET) f=4 ;; PUT) f=5 ;; *) f=6 ;; esac
	[[ $body == *'"url"'* ]] && f=$((f | 8))
	{ byte "$f"; printf '%s\n127.0.0.1:3939\n\n\n%s' "$query" "$body"; } | seed fuzz_sync_introspection
	if [[ -n $sig ]]; then
		{ printf '%s' "$sig"; printf '\0'; printf '%s' "$body"; } | seed fuzz_signature_header
	fi
done <<<"$requests"
((ran == held)) || { echo "seeds.sh: made seeds from $ran of the $held recorded requests" >&2; exit 1; }

# Signature headers: the shapes the verifier must refuse, and the vectors' own.
for h in 't=1700000000&s=' 's=00&t=1' 't=&s=' 't=99999999999999999999&s=ab' \
	't=1700000000&s=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&t=1'; do
	printf '%s' "$h" | seed fuzz_signature_header
done
headers=$(jq -r '.sign_vectors[]? | .expected_header // empty' "$vectors/signatures.json" 2>/dev/null || true)
n=$(grep -c . <<<"$headers" || true)
((n >= 16)) || { echo "seeds.sh: signatures.json holds $n signature header(s), fewer than 16" >&2; exit 1; }
while IFS= read -r h; do
	printf '%s' "$h" | seed fuzz_signature_header
done <<<"$headers"

# Canonical JSON: numbers and strings JCS formats in its own way.
for j in '[1e21,1e-7,-0,0.1,123456789012345680000,5e-324,1.7976931348623157e308]' \
	'{"b":1,"a":{"\u00e9":2,"\ud83d\ude00":3,"z":[true,false,null]}}' '"\u0000\u001f\"\\/"' \
	'{"":{"":{"":[]}}}' '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]'; do
	printf '%s' "$j" | seed fuzz_jcs
done

# The register endpoint's answers: 2 status bytes, then the body.
reg() { { be16 "$1"; printf '%s' "$2"; } | seed fuzz_register_answer; }
reg 200 '{"ok":true,"modified":true}'
reg 200 '{"ok":true,"modified":false}'
reg 200 'not json'
reg 400 '{"error":"Invalid function configuration"}'
reg 401 'Unauthorized'
reg 500 '{"message":"internal"}'
reg 200 ''

# use_api: batch status, actions status, 2 length bytes, batch, actions.
use_api() {
	local len=${#2}
	{ byte "$1"; byte 0; be16 "$len"; printf '%s%s' "$2" "$3"; } | seed fuzz_use_api_answer
}
ev='{"data":{"name":"Ada"},"id":"01JEVT0000000000000000000A","name":"test/plain","ts":1700000000000,"user":{}}'
use_api 0 "[$ev]" '{}'
use_api 1 "[$ev]" '{"e0996a37c13d44c3b06074939d43fa3759bd32c1":{"data":{"n":1}}}'
use_api 2 "[$ev,$ev]" '{"ca2e1e2a4e1b4f0ee18a2ec6c3d5e46c0c8e2d7a":null}'
use_api 3 "[$ev]" '{"x":{"error":{"name":"Error","message":"boom"}}}'
use_api 4 '{}' '[]'
use_api 200 "[$ev]" 'oops'

# Event API answers: 2 status bytes, "<Retry-After>\n", body.
ev_ans() { { be16 "$1"; printf '%s' "$2"; } | seed fuzz_product_event_api_answer; }
ev_ans 200 '{"ids":["a","b"],"status":200}'
ev_ans 200 $'\n{"ids":[],"status":200}'
ev_ans 400 '{"error":"event name is empty"}'
ev_ans 429 $'10\n{"error":"rate limited"}'
ev_ans 503 $'Wed, 21 Oct 2015 07:28:00 GMT\n'
ev_ans 200 '{"ids":"x","error":""}'

# Stripe: events for the webhook, headers for the signature parser.
for e in '{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_1","client_reference_id":"user-9","amount_total":500}}}' \
	'{"id":"evt_2","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":100,"currency":"usd","metadata":{"userId":"u"}}}}' \
	'{"id":"evt_3","object":"event","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_2","last_payment_error":{"message":"card declined"}}}}' \
	'{"id":"evt_4","type":"customer.created","data":{"object":{}}}' '{"id":"","type":"x"}' '[]'; do
	printf '%s' "$e" | seed fuzz_product_stripe_webhook
	{ printf 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39'; printf '\0%s' "$e"; } | seed fuzz_product_stripe_signature
done
for h in 't=1,v1=' 'v1=ab,t=2,t=3' 't=-5,v1=00' ',,,=,t' 't=1700000000 ,v1=aa , v1=bb'; do
	printf '%s' "$h" | seed fuzz_product_stripe_signature
done

# Routes: selector byte, "<Authorization>\n", body.
route() { { byte "$1"; printf '%s' "$2"; } | seed fuzz_product_routes; }
route 0 $'\n{"name":"Ada","email":"ada@example.org","message":"Hello there"}'
route 1 $'\n{"slug":"a-post","title":"A post","referrer":"https://example.org/"}'
route 10 $'\n[{"name":"app/one","data":{"n":1}},{"name":"inngest/x","data":{}}]'
route 2 $'Bearer wrong\n{"name":"app/one","data":{}}'
route 11 $'\n{"userId":"u1","token":"rw-token-0123456789"}'
route 4 $'\n{"email":"ada@example.org"}'
route 5 $'\n{"id":"evt_1","type":"checkout.session.completed","data":{"object":{}}}'
route 64 $'203.0.113.7, 10.0.0.1\n{"name":"Ada","email":"ada@example.org","message":"Hi"}'
route 16 $'\n{"name":"Ada","email":"ada@example.org","message":"Event API down"}'

# Product functions: one call per event shape they read.
call_body() { printf '{"ctx":{"attempt":0,"fn_id":"f","max_attempts":4,"run_id":"01JFUZZRUN","stack":{"current":0,"stack":[]},"step_id":"step"},"event":%s,"events":[%s],"steps":{},"version":2}' "$1" "$1"; }
pcall() { printf '%s\n%s' "fnId=inngest-fcgi-$1&stepId=step" "$(call_body "$2")" | seed fuzz_product_call; }
pcall hello-world '{"name":"test/hello.world","data":{"email":"a@b.c"}}'
pcall contact-form-submitted '{"name":"contact/form.submitted","data":{"name":"Ada","email":"ada@example.org","message":"Hi","submittedAt":"2024-05-01T12:00:00.000Z"}}'
pcall track-post-view '{"name":"blog/post.viewed","data":{"slug":"a","title":"A","viewedAt":"2024-05-01T12:00:00.000Z"}}'
pcall handle-milestone '{"name":"blog/milestone.reached","data":{"slug":"a","views":1000}}'
pcall process-checkout-completed '{"name":"stripe/checkout.session.completed","data":{"session":{"id":"cs_1","client_reference_id":"u","amount_total":100},"eventId":"evt_1"}}'
pcall process-payment-succeeded '{"name":"stripe/payment_intent.succeeded","data":{"paymentIntent":{"id":"pi_1","amount":100}}}'
pcall process-payment-failed '{"name":"stripe/payment_intent.payment_failed","data":{"paymentIntent":{"id":"pi_2"}}}'
pcall readwise-count-books '{"name":"readwise/fetch-books","data":{"userId":"u1"}}'
pcall manual-refresh-github-data '{"name":"github/data.refresh","data":{}}'
pcall generate-analytics-summary '{"name":"analytics/summary.generate","data":{"period":"day"}}'
pcall session-cleanup '{"name":"inngest/scheduled.timer","data":{"cron":"0 * * * *"}}'

for d in "$out"/*/; do
	echo "seeds: $(basename "$d"): $(find "$d" -type f | wc -l) seed(s)"
done
