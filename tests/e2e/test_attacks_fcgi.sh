#!/usr/bin/env bash
# Attacks on the FastCGI socket itself (issue 13, finding 4), by a raw
# FastCGI client (tests/lib/fcgi_client.py) that bypasses nginx, against the
# product program in cloud mode (2 workers) with nginx in front as usual:
#   - slowloris: four connections that each send three bytes of a record
#     header are dropped after the read deadline (INNGEST_REQUEST_READ_TIMEOUT,
#     2 s here), and requests through nginx are answered meanwhile;
#   - a request whose body stalls gets 408 at the deadline; one whose input
#     never ends is answered at the deadline and frees the worker;
#   - FCGI_WEB_SERVER_ADDRS: a peer not in the list is refused before a byte
#     is read (a forged REMOTE_ADDR=127.0.0.1 then reads no /metrics); a peer
#     in it is the web server, whose REMOTE_ADDR is believed;
#   - CR LF in HTTP_X_INNGEST_SERVER_KIND: 400, nothing sent to the register
#     endpoint, no injected header anywhere.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
e2e_init

e2e_program bin inngest-fcgi
fcgi() { python3 "$E2E_ROOT/tests/lib/fcgi_client.py" "$@"; }
key=signkey-test-0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de

register_standin_start

dir=$E2E_DIR/app
app_serve "$dir" "$bin" INNGEST_SIGNING_KEY="$key" INNGEST_EVENT_KEY=ek \
	INNGEST_API_BASE_URL="http://127.0.0.1:$reg_port" INNGEST_SERVE_ORIGIN=https://app.example \
	INNGEST_REQUEST_READ_TIMEOUT=2 DATABASE_PATH="$dir/store.db" || abort "the program and nginx start"
direct=127.0.0.1:$app_port
common=(--param REQUEST_METHOD=GET --param DOCUMENT_URI=/api/inngest --param QUERY_STRING=
	--param REMOTE_ADDR=127.0.0.1 --param HTTP_HOST=localhost)

# ---- slowloris on the FastCGI socket ------------------------------------------------
stalls=()
for i in 1 2 3 4; do
	fcgi stall "$direct" 3 20 >"$E2E_DIR/stall$i.out" &
	stalls+=($!)
done
sleep 1
start=$(date +%s%N)
http GET "$base/api/inngest" --max-time 15 || true
took=$((($(date +%s%N) - start) / 1000000))
expect_eq "4 connections holding 3 bytes each: a request through nginx is still answered (200)" 200 "$HTTP_STATUS"
expect_ok "...within the 2 s deadline plus a little (took ${took} ms)" test "$took" -lt 5000
wait "${stalls[@]}" || true
expect_eq "...every stalled connection was dropped by the program" 4 \
	"$(cat "$E2E_DIR"/stall*.out | awk '$1 == "CLOSED" && $2 < 6' | wc -l)"
expect_match "...and the log says why" 'dropped a FastCGI connection: no complete request within 2 s' "$(cat "$dir/app.log")"

# ---- a body that stalls ----------------------------------------------------------------
out=$(fcgi request "$direct" --param REQUEST_METHOD=POST --param DOCUMENT_URI=/api/hello \
	--param REMOTE_ADDR=127.0.0.1 --param CONTENT_TYPE=application/json --param CONTENT_LENGTH=100 \
	--body '{"email":"a@example.org"' --send-body-bytes 10 --timeout 15)
expect_match "a body that stops after 10 of 100 bytes: 408 at the deadline" '^STATUS 408 [0-4]\.' "$out"

# ---- a request whose input never ends -------------------------------------------------
# Parameters complete, but no end-of-input record: the input is watched up to
# the deadline, then the request is answered and the worker moves on.
out=$(fcgi request "$direct" "${common[@]}" --send-body-bytes 0 --timeout 15)
expect_match "a request that never ends its input: answered (200) at the deadline, not held" \
	'^STATUS 200 [1-4]\.' "$out"
out=$(fcgi request "$direct" "${common[@]}")
expect_match "...and a normal request right after: 200 at once" '^STATUS 200 0\.' "$out"

# ---- CR LF in X-Inngest-Server-Kind (an outbound header) ---------------------------------
out=$(fcgi request "$direct" --param REQUEST_METHOD=PUT --param DOCUMENT_URI=/api/inngest \
	--param REMOTE_ADDR=127.0.0.1 --param 'HTTP_X_INNGEST_SERVER_KIND=cloud\r\nX-Injected: yes')
expect_match "CR LF in HTTP_X_INNGEST_SERVER_KIND: 400" '^STATUS 400 ' "$out"
expect_eq "...nothing reached the register endpoint" 0 "$(standin_requests "$reg" | wc -l)"
out=$(fcgi request "$direct" --param REQUEST_METHOD=PUT --param DOCUMENT_URI=/api/inngest \
	--param REMOTE_ADDR=127.0.0.1 --param 'HTTP_X_INNGEST_SERVER_KIND=cloud')
expect_match "X-Inngest-Server-Kind: cloud (exactly): the sync goes through" '^STATUS 200 ' "$out"
expect_ok "no X-Injected header in anything the register endpoint got" \
	bash -c "! grep -qi 'x-injected' '$reg/requests.jsonl'"

# ---- who may connect: FCGI_WEB_SERVER_ADDRS ------------------------------------------------
app_stop "$dir" || fail "the program stops"
app_start "$dir" "$bin" "$app_port" INNGEST_SIGNING_KEY="$key" INNGEST_EVENT_KEY=ek \
	INNGEST_SERVE_ORIGIN=https://app.example FCGI_WEB_SERVER_ADDRS=127.0.0.2 \
	DATABASE_PATH="$dir/store.db" || abort "the program starts with FCGI_WEB_SERVER_ADDRS=127.0.0.2"
out=$(fcgi request "$direct" --source 127.0.0.1 --param REQUEST_METHOD=GET --param DOCUMENT_URI=/metrics \
	--param QUERY_STRING= --param REMOTE_ADDR=127.0.0.1)
expect_match "a peer not in FCGI_WEB_SERVER_ADDRS with a forged REMOTE_ADDR=127.0.0.1: refused, no /metrics" \
	'^CLOSED ' "$out"
expect_match "...and the log names the peer" 'refused a FastCGI connection from 127\.0\.0\.1: not in FCGI_WEB_SERVER_ADDRS' \
	"$(cat "$dir/app.log")"
out=$(fcgi request "$direct" --source 127.0.0.2 "${common[@]}")
expect_match "a peer in FCGI_WEB_SERVER_ADDRS is served" '^STATUS 200 ' "$out"
out=$(fcgi request "$direct" --source 127.0.0.2 --param REQUEST_METHOD=GET --param DOCUMENT_URI=/metrics \
	--param QUERY_STRING= --param REMOTE_ADDR=192.0.2.1)
expect_match "/metrics to a non-loopback REMOTE_ADDR from the web server: 403" '^STATUS 403 ' "$out"

expect_eq "no worker died" 0 "$(grep -c 'died\|exited with status' "$dir/app.log" || true)"
expect_ok "program exits cleanly on SIGTERM" app_stop "$dir"
nginx_stop "$dir"
expect_ok "logs clean" check_logs "$dir"
summary
