#!/usr/bin/env bash
# The README's "Writing your own app", step by step as a newcomer runs it:
# install the SDK into a prefix of one's own, make new-app, build the app and
# its unit test with pkg-config (static library), make run APP=<the program>
# (nginx, the real dev server, sync, the ready: line), send the example event
# that make run printed for the app's own trigger, and see the run complete
# in the dev server's API.  Also: make run's other APP forms (a directory of
# .c files is built against this tree), and new-app's refusals.
set -euo pipefail
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "$0")/../lib/inngest.sh"
e2e_init

root=$E2E_ROOT
sdk=$E2E_DIR/sdk
src=$E2E_DIR/src
run_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	if [[ -n $run_pid ]]; then
		kill -TERM -- "-$run_pid" 2>/dev/null || true
		wait_gone "$run_pid" || kill -KILL -- "-$run_pid" 2>/dev/null || true
	fi
	e2e_cleanup
}
trap cleanup EXIT

inngest_cli >/dev/null || abort "no Inngest CLI (contrib/inngest-cli/build.sh)"

# ---- 1. the SDK, in a prefix of one's own (no root) ------------------------------
if make -C "$root" --no-print-directory install-sdk PREFIX="$sdk" >"$E2E_DIR/install.log" 2>&1; then
	pass "make install-sdk PREFIX=<a prefix of one's own>"
else
	tail -n 20 "$E2E_DIR/install.log" >&2
	abort "make install-sdk"
fi
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig

# ---- 2. make new-app --------------------------------------------------------------
out=$(make -C "$root" --no-print-directory new-app NAME=shop DIR="$src" 2>&1) || abort "make new-app: $out"
expect_eq "make new-app writes the app, its test and its Makefile" ".gitignore Makefile shop.c test_shop.c" \
	"$(cd "$src/shop" && find . -type f -printf '%P\n' | sort | paste -sd' ')"
expect_match "new-app refuses to overwrite" "already exists" \
	"$(make -C "$root" --no-print-directory new-app NAME=shop DIR="$src" 2>&1 || true)"
expect_match "new-app refuses a name that is not an app id" "NAME must be" \
	"$(make -C "$root" --no-print-directory new-app NAME='Bad Name' DIR="$src" 2>&1 || true)"
expect_match "new-app refuses to write inside the SDK's tree" "inside the SDK's source tree" \
	"$(make -C "$root" --no-print-directory new-app NAME=inside DIR="$root/functions" 2>&1 || true)"

# ---- 3. build and unit-test it with pkg-config -------------------------------------
if make -C "$src/shop" >"$E2E_DIR/build.log" 2>&1; then
	pass "make -C shop: the app and its test build against the installed SDK"
else
	cat "$E2E_DIR/build.log" >&2
	abort "make -C shop"
fi
expect_match "the app is linked with the static library from the prefix" "-L$sdk/lib -l:libinngest-fcgi-main.a" \
	"$(cat "$E2E_DIR/build.log")"
expect_eq "the app needs no libinngest-fcgi at run time" "" "$(ldd "$src/shop/shop" | grep libinngest || true)"
expect_eq "shop --version" "shop 0.1.0 (inngest-fcgi 0.1.0)" "$("$src/shop/shop" --version)"
out=$(make -C "$src/shop" test 2>&1) && rc=0 || rc=$?
expect_eq "make -C shop test: its unit tests pass" "0 2" "$rc $(grep -c '^\[       OK \]' <<<"$out")"

# ---- 4. make run APP=<the program> ---------------------------------------------------
read -r port dev_port < <(free_ports 2)
run_log=$E2E_DIR/run.log
(cd "$root" && PORT=$port DEV_PORT=$dev_port exec setsid make --no-print-directory run APP="$src/shop/shop" \
	>"$run_log" 2>&1) &
run_pid=$!
for _ in $(seq 600); do
	grep -q '^ready: ' "$run_log" && break
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.2
done
if grep -q '^ready: ' "$run_log"; then
	pass "make run APP=…/shop: ready"
else
	tail -n 30 "$run_log" >&2
	abort "make run APP=…/shop did not get ready"
fi
expect_match "make run synced the app with the dev server it started" '^endpoint: .*synced: .*Successfully registered' \
	"$(cat "$run_log")"
example=$(grep -A1 '^send an event' "$run_log" | tail -n 1 | sed 's/^ *//')
expect_match "the example curl sends the app's own trigger" "^curl -sS -X POST http://127.0.0.1:$dev_port/e/dev .*\"name\":\"shop/hello\"" \
	"$example"

# ---- 5. the example event, and its run to the end -------------------------------------
answer=$(bash -c "$example")
id=$(jq -r '.ids[0] // empty' <<<"$answer" 2>/dev/null || true)
[[ -n $id ]] || abort "the example event was not accepted: $answer"
run=
for _ in $(seq 150); do
	run=$(curl -sS --max-time 5 "http://127.0.0.1:$dev_port/v1/events/$id/runs" |
		jq -c '.data[0] // empty | select(.status == "Completed" or .status == "Failed")' 2>/dev/null || true)
	[[ -n $run ]] && break
	sleep 0.2
done
expect_eq "the run completes with the function's output" 'Completed {"greeting":"Hello, world!"}' \
	"$(jq -r .status <<<"${run:-{\}}") $(jq -c .output <<<"${run:-{\}}")"

kill -TERM -- "-$run_pid" 2>/dev/null || true
# run.sh's clean-up (nginx, the program, the dev server) ends with that line
for _ in $(seq 150); do
	grep -q '^stopped; logs are in ' "$run_log" && break
	sleep 0.1
done
wait_gone "$run_pid" || true
run_pid=
expect_match "Ctrl-C/SIGTERM stops the run" '^stopped; logs are in ' "$(cat "$run_log")"
expect_eq "nothing is left listening" "no no" \
	"$(port_listening "$port" && echo yes || echo no) $(port_listening "$dev_port" && echo yes || echo no)"
expect_eq "the run's log has no sanitizer report, [alert] or [emerg]" "" \
	"$(grep -E "$E2E_REPORT_PATTERN|\[alert\]|\[emerg\]" "$run_log" || true)"

# ---- the README's order.c, as printed there ---------------------------------------------
awk '/<!-- order.c/ { grab = 1; next } grab && /^```c$/ { inside = 1; next } inside && /^```$/ { exit } inside' \
	"$root/README.md" >"$E2E_DIR/order.c"
# shellcheck disable=SC2046  # pkg-config prints a list of flags
if [[ -s $E2E_DIR/order.c ]] && cc -std=c11 -Wall -Wextra -Werror -o "$E2E_DIR/order" "$E2E_DIR/order.c" \
	$(pkg-config --cflags --libs inngest-fcgi-static) 2>"$E2E_DIR/order.log"; then
	pass "the README's order.c builds (-Wall -Wextra -Werror)"
else
	cat "$E2E_DIR/order.log" >&2
	fail "the README's order.c builds"
fi
expect_eq "the README's order.c: its table passes --check" "0 order-place-order" \
	"$(env -i INNGEST_DEV=1 "$E2E_DIR/order" --check 2>/dev/null >"$E2E_DIR/order.json" && echo 0 || echo 1) $(jq -r '[.functions[].id] | join(" ")' "$E2E_DIR/order.json")"

# ---- 6. APP as a directory of .c files: built against this tree ------------------------
out=$(make -C "$root" --no-print-directory user-app SAN=0 APP="$src/shop" 2>&1) || abort "make user-app APP=<dir>: $out"
bin=$(sed -n 's/^user-app: built //p' <<<"$out")
expect_eq "make run APP=<dir>: the .c files but test_*.c are built into one program" "shop-hello" \
	"$(env -i INNGEST_DEV=1 "$bin" --check 2>/dev/null | jq -r '[.functions[].id] | join(" ")')"
expect_match "make run APP=<something else> says what APP may be" "neither a program .* nor a directory nor a .c file" \
	"$(cd "$root" && APP="$src/shop/Makefile" PORT=$port contrib/run.sh 2>&1 || true)"

summary
