#!/usr/bin/env bash
# The snippet behind a TLS-terminating proxy (a second nginx with a
# self-signed certificate that sets X-Forwarded-Proto/Host, as a load
# balancer does), in its documented strict variant (only /api/inngest and
# the app's routes), with the product program in cloud mode:
#   - dev mode: the sync URL is https://<proxy host> only with
#     INNGEST_TRUST_FORWARDED=1; without it a forged X-Forwarded-Host is
#     ignored; cloud mode: only INNGEST_SERVE_ORIGIN (else the PUT is refused);
#   - a signed call through both proxies verifies (the body arrives intact)
#     and its answer is signed;
#   - bodies: 5.5 MB gets the program's JSON 413, 7 MB nginx's;
#   - other /api/ paths stay with nginx (404), the routes reach the program.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin inngest-fcgi
app=deploy-proxy
key=signkey-test-00112233445566778899aabbccddeeff
srv=$E2E_DIR/app

# The documented edits that expose only /api/inngest and the app's routes.
strict=('s#^location /api/ {#location ~ ^/api/(inngest|contact|views|events|stripe/webhook|readwise/accounts|hello)$ {#'
	'/^    location = \/api\/inngest {/,/^    }/d'
	's/fastcgi_read_timeout 60s;/fastcgi_read_timeout 300s;/')

# A stand-in for Inngest's POST /fn/register that logs the body it got.
read -r api_port < <(free_port)
register_nginx_start "$E2E_DIR/api" "$api_port" || abort "the register stand-in starts"
# The URL of the last registration the stand-in received.
registered_url() {
	tail -n 1 "$E2E_DIR/api/register.log" 2>/dev/null | sed 's/\\"/"/g' | grep -o '"url":"[^"]*"' | head -n 1 | cut -d'"' -f4
}

# The program and our nginx (strict snippet).
app_port=$(free_port)
ngx_port=$(free_port)
common=("INNGEST_SIGNING_KEY=$key" INNGEST_EVENT_KEY=ek "INNGEST_APP_ID=$app"
	"INNGEST_API_BASE_URL=http://127.0.0.1:$api_port" "DATABASE_PATH=$srv/store.db")
mkdir -p "$srv"
app_start "$srv" "$bin" "$app_port" "${common[@]}" INNGEST_DEV=1 INNGEST_TRUST_FORWARDED=1 ||
	abort "the program starts (dev mode)"
nginx_start "$srv" "$ngx_port" "127.0.0.1:$app_port" "${strict[@]}" || abort "nginx (strict snippet) starts"

# The TLS proxy in front of it.
tls=$E2E_DIR/tls
tls_port=$(free_port)
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$tls/key.pem" -out "$tls/cert.pem" >/dev/null 2>&1
nginx_http_start "$tls" "$tls_port" <<EOF || abort "the TLS proxy starts"
    server {
        listen 127.0.0.1:$tls_port ssl;
        ssl_certificate $tls/cert.pem;
        ssl_certificate_key $tls/key.pem;
        client_max_body_size 8m;
        proxy_read_timeout 300s;
        location / {
            proxy_pass http://127.0.0.1:$ngx_port;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
        }
    }
EOF
public=https://localhost:$tls_port
tls_http() { http "$1" "$2" -k "${@:3}"; }

# ---- the sync URL ---------------------------------------------------------------
# Dev mode may take the URL from the request (a loopback host only), and from
# X-Forwarded-Proto/Host with INNGEST_TRUST_FORWARDED=1 (nginx, on loopback, is
# a trusted proxy by default).
tls_http GET "$public/api/inngest"
expect_eq "through TLS: GET /api/inngest 200" 200 "$HTTP_STATUS"
tls_http PUT "$public/api/inngest"
expect_eq "through TLS: PUT sync 200" 200 "$HTTP_STATUS"
expect_eq "dev mode, INNGEST_TRUST_FORWARDED=1: the sync URL is the proxy's https origin" "$public/api/inngest" "$(registered_url)"
http PUT "http://127.0.0.1:$ngx_port/api/inngest" -H 'X-Forwarded-Host: evil.example' -H 'X-Forwarded-Proto: https'
expect_eq "dev mode, INNGEST_TRUST_FORWARDED=1: a forwarded host that is not loopback is refused" 500 "$HTTP_STATUS"

app_stop "$srv" || fail "the program stops"
app_start "$srv" "$bin" "$app_port" "${common[@]}" INNGEST_DEV=1 || abort "the program starts without INNGEST_TRUST_FORWARDED"
tls_http PUT "$public/api/inngest"
expect_eq "without INNGEST_TRUST_FORWARDED: plain http, the Host nginx got" "http://127.0.0.1:$ngx_port/api/inngest" \
	"$(registered_url)"
http PUT "http://127.0.0.1:$ngx_port/api/inngest" -H 'X-Forwarded-Host: evil.example' -H 'X-Forwarded-Proto: https'
expect_eq "without INNGEST_TRUST_FORWARDED: a forged X-Forwarded-Host is ignored" "http://127.0.0.1:$ngx_port/api/inngest" \
	"$(registered_url)"

# Cloud mode never takes the URL from the request (issue 13, finding 1).
app_stop "$srv" || fail "the program stops"
app_start "$srv" "$bin" "$app_port" "${common[@]}" INNGEST_TRUST_FORWARDED=1 || abort "the program starts in cloud mode"
tls_http PUT "$public/api/inngest"
expect_match "cloud mode without INNGEST_SERVE_ORIGIN: 500 naming it, even with INNGEST_TRUST_FORWARDED" \
	'^500 .*INNGEST_SERVE_ORIGIN is not set' "$HTTP_STATUS $HTTP_BODY"
app_stop "$srv" || fail "the program stops"
app_start "$srv" "$bin" "$app_port" "${common[@]}" INNGEST_TRUST_FORWARDED=1 \
	INNGEST_SERVE_ORIGIN=https://app.example || abort "the program starts with INNGEST_SERVE_ORIGIN"
tls_http PUT "$public/api/inngest"
expect_eq "INNGEST_SERVE_ORIGIN wins over everything" "https://app.example/api/inngest" "$(registered_url)"

# ---- signatures through two proxies ------------------------------------------------
body='{"ctx":{"attempt":0,"run_id":"01JRUN00000000000000000005","stack":{"current":0,"stack":[]}},"event":{"data":{"email":"a@example.com"},"id":"01JEVT0000000000000000000A","name":"test/hello.world","ts":1700000000000},"events":[],"steps":{},"version":2}'
printf '%s' "$body" >"$E2E_DIR/call.json"
tls_http POST "$public/api/inngest?fnId=$app-hello-world&stepId=step" -H 'Content-Type: application/json' \
	-H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/call.json" "$(date +%s)")" --data-binary "@$E2E_DIR/call.json"
expect_eq "a signed call through TLS + nginx verifies: 206" 206 "$HTTP_STATUS"
resp_sig=$(http_header X-Inngest-Signature)
resp_t=$(sed -n 's/^t=\([0-9]*\)&.*/\1/p' <<<"$resp_sig")
expect_eq "...and its answer is signed over the body the proxies delivered" \
	"$(sign_body "$key" "$E2E_DIR/last.body" "${resp_t:-0}")" "$resp_sig"
tls_http POST "$public/api/inngest?fnId=$app-hello-world&stepId=step" -H 'Content-Type: application/json' \
	-H "X-Inngest-Signature: $(sign_body "$key" "$E2E_DIR/call.json" "$(($(date +%s) - 600))")" --data-binary "@$E2E_DIR/call.json"
expect_eq "a signature 10 minutes old (a clock off by that much): 401 with the reason" \
	"401 Unauthorized: the signature is older or newer than 5 minutes" \
	"$HTTP_STATUS $(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"

# ---- body limits ---------------------------------------------------------------------
head -c 5500000 /dev/zero | tr '\0' x >"$E2E_DIR/big"
tls_http POST "$public/api/inngest?fnId=$app-hello-world&stepId=step" --data-binary "@$E2E_DIR/big"
expect_eq "5.5 MB: the program's 413, as JSON" "413 the request body is larger than 5242880 bytes" \
	"$HTTP_STATUS $(jq -r .message <<<"$HTTP_BODY" 2>/dev/null)"
head -c 7000000 /dev/zero | tr '\0' x >"$E2E_DIR/big"
tls_http POST "$public/api/inngest?fnId=$app-hello-world&stepId=step" --data-binary "@$E2E_DIR/big"
expect_eq "7 MB: nginx's own 413 (client_max_body_size 6m)" 413 "$HTTP_STATUS"
expect_match "...an nginx page, not the program's" "413 Request Entity Too Large" "$HTTP_BODY"

# ---- only /api/inngest and the routes ---------------------------------------------------
tls_http GET "$public/api/not-ours"
expect_eq "strict snippet: /api/not-ours stays with nginx (404)" 404 "$HTTP_STATUS"
tls_http GET "$public/api/inngest/"
expect_eq "strict snippet: /api/inngest/ (a wrong sync URL) is not served as the endpoint" 404 "$HTTP_STATUS"
tls_http POST "$public/api/contact" -H 'Content-Type: application/json' --data-binary '{}'
expect_eq "strict snippet: a route reaches the program (its 400 JSON)" "400 false" \
	"$HTTP_STATUS $(jq -r .success <<<"$HTTP_BODY" 2>/dev/null)"

expect_ok "program exits cleanly" app_stop "$srv"
for d in "$srv" "$tls" "$E2E_DIR/api"; do nginx_stop "$d"; done
expect_ok "logs clean" check_logs "$srv"
expect_ok "TLS proxy logs clean" check_logs "$tls"

summary
