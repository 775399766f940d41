#!/usr/bin/env bash
# A route's answer with many header lines, through the real FastCGI program
# (tests/apps/headers_app.c) and a real nginx with nginx/inngest-fcgi.conf:
# 100 lines arrive all and in order; the largest block a route may send
# (ING_HTTP_MAX_HEADER_BYTES, written from the arena past the front's 4 KiB
# stack buffer) passes nginx's header buffer instead of a 502; two Set-Cookie
# lines stay two.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init
e2e_program bin tests/apps/headers_app

dir=$E2E_DIR/headers
app_port=$(free_port)
app_start "$dir" "$bin" "$app_port" INNGEST_DEV=1 || abort "the app starts"
ngx_port=$(free_port)
nginx_start "$dir" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
base=http://127.0.0.1:$ngx_port

http GET "$base/api/headers/many"
expect_eq "100 lines: status and count" "200 100" "$HTTP_STATUS $(jq -r .added <<<"$HTTP_BODY")"
want=$(for i in $(seq 0 99); do printf 'X-Line-%03d: value %d\n' "$i" "$i"; done)
expect_eq "100 lines: every one arrives, in order" "$want" "$(grep -i '^X-Line-' "$HTTP_HEADERS" | tr -d '\r')"

http GET "$base/api/headers/full"
added=$(jq -r .added <<<"$HTTP_BODY" 2>/dev/null || echo "?")
expect_eq "16 KiB of lines: status and count (16 lines of 1,002 bytes)" "200 16" "$HTTP_STATUS $added"
expect_eq "16 KiB of lines: each arrives whole" "16" \
	"$(grep -cE '^X-Big-[0-9]{2}: [0-9]{990}'$'\r''?$' "$HTTP_HEADERS" || true)"

http GET "$base/api/headers/cookies"
expect_eq "two Set-Cookie lines stay two" "204 a=1; Path=/; HttpOnly|b=2; Path=/; HttpOnly" \
	"$HTTP_STATUS $(sed -n 's/^Set-Cookie: *//Ip' "$HTTP_HEADERS" | tr -d '\r' | paste -sd'|')"

expect_ok "nginx did not find the header block too big" \
	bash -c "! grep -q 'too big header' '$dir/error.log'"
expect_ok "no alert, emerg or sanitizer report in nginx's or the program's log" check_logs "$dir"
summary
