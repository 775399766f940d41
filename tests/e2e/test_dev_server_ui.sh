#!/usr/bin/env bash
# The Inngest dev server's web UI, looked at in a real browser: the product app
# served exactly as `make run` serves it (contrib/run.sh: nginx, the FastCGI
# program, the real `inngest dev` with its UI), a Resend stand-in
# (tests/standin/), and Debian's Chromium driven headless by
# tests/e2e/ui/check_ui.mjs (playwright-core from npm, pinned by its lockfile;
# it never downloads a browser).
#
# Checks what make run prints (the UI's address first, then the endpoint, the
# curl that sends an event, ready:), then in the browser: the app synced with
# its function count, the contact-form function and its trigger, and after a
# contact form is posted to /api/contact, its run Completed in Runs, the run's
# page with each step and its output, and the event's JSON in the payload
# viewer; no console error from the UI's origin.  Screenshots go to
# build/ui-screenshots/ (contrib/screenshots/dev-server-run.png is a copy of run.png).
#
# Skipped (0 passed, 0 failed) where Chromium is not installed;
# contrib/install-deps.sh (make check) installs it.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/ui_driver.sh
source "$(dirname "$0")/../lib/ui_driver.sh"
e2e_init

build_dir=$(e2e_build_dir)
chromium=$(command -v chromium || true)
shots=$E2E_ROOT/build/ui-screenshots
wait_secs=$((E2E_WAIT_SECS * 3))

run_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	# make run stops everything it started on SIGTERM; --stop is for the
	# case where it was killed before its own clean-up ran.
	if [[ -n $run_pid ]] && kill -0 "$run_pid" 2>/dev/null; then
		kill -TERM "$run_pid" 2>/dev/null || true
		wait_gone "$run_pid" || kill -KILL "$run_pid" 2>/dev/null || true
	fi
	if [[ -n ${ngx_port:-} ]]; then
		XDG_RUNTIME_DIR=$E2E_DIR/rt PORT=$ngx_port "$E2E_ROOT/contrib/run.sh" --stop >/dev/null 2>&1 || true
	fi
	e2e_cleanup
}
trap cleanup EXIT

if [[ -z $chromium ]]; then
	echo "skipped: Chromium is not installed (contrib/install-deps.sh installs Debian's chromium)"
	summary
	exit 0
fi
# shellcheck disable=SC2034  # make run (contrib/run.sh) runs it from BUILD_DIR
e2e_program bin inngest-fcgi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null ||
	abort "Node.js >= 20 runs the browser driver (node: $(node --version 2>&1 || echo none))"
cli=$(inngest_cli) || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"
LC_ALL=C grep -qaF '<title>Inngest' "$cli" ||
	abort "the Inngest CLI $cli has its web UI (contrib/inngest-cli/build.sh builds it where Node.js >= 20.19 is installed)"
standin_build || abort "the stand-in compiles"

ui_driver_install check_ui.mjs

# ---- make run, as a user starts it ------------------------------------------------------
svc=$E2E_DIR/svc
svc_port=$(free_port)
# Resend, answering each of the two emails with an id of its own.
mkdir -p "$svc"
cat >"$svc/script" <<'EOF'
POST /emails 200 match=send-notification-email {"id":"em_notification_ui"}
POST /emails 200 match=send-confirmation-email {"id":"em_confirmation_ui"}
EOF
standin_start "$svc" "$svc_port" || abort "the Resend stand-in starts"

read -r ngx_port dev_port < <(free_ports 2)
mkdir -m 0711 "$E2E_DIR/rt" "$E2E_DIR/db"
# XDG_RUNTIME_DIR: make run keeps its prefix there (here, inside the test's directory).
(
	cd "$E2E_ROOT"
	exec env XDG_RUNTIME_DIR="$E2E_DIR/rt" PORT="$ngx_port" DEV_PORT="$dev_port" APP=product \
		BUILD_DIR="$build_dir" INNGEST_CLI="$cli" DATABASE_PATH="$E2E_DIR/db/product.db" \
		RESEND_API_BASE_URL="http://127.0.0.1:$svc_port" RESEND_API_KEY=re_ui_test \
		CONTACT_FROM_EMAIL=site@example.org CONTACT_TO_EMAIL=owner@example.org \
		setsid contrib/run.sh
) >"$E2E_DIR/run.out" 2>&1 </dev/null &
run_pid=$!
for ((i = 0; i < wait_secs * 10; i++)); do
	grep -q '^ready: ' "$E2E_DIR/run.out" && break
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^ready: ' "$E2E_DIR/run.out"; then
	cat "$E2E_DIR/run.out" >&2
	abort "make run (contrib/run.sh) says ready:"
fi
ui=http://127.0.0.1:$dev_port
endpoint=http://127.0.0.1:$ngx_port/api/inngest
mapfile -t lines < <(sed '/^ready: /q' "$E2E_DIR/run.out")
printf '# make run: %s\n' "${lines[@]}"
expect_match "make run: its first line is the UI's address" "^open $ui( |\$)" "${lines[0]}"
order=$(printf '%s\n' "${lines[@]}" | awk -v ui="$ui" -v ep="$endpoint" '
	index($0, "open " ui) == 1 && !o { o = NR }
	index($0, "endpoint: " ep) == 1 && !e { e = NR }
	$0 ~ /^ +curl -sS -X POST / && index($0, ui "/e/") && !c { c = NR }
	index($0, "ready: " ep) == 1 { r = NR }
	END { print (o && e && c && r && o < e && e < c && c < r) ? "in order" : "o=" o " e=" e " c=" c " r=" r }')
expect_eq "make run: then the endpoint, the curl that sends an event, ready:" "in order" "$order"
# The printed curl works as printed: it sends an event the dev server stores.
curl_line=$(printf '%s\n' "${lines[@]}" | grep -m1 -E '^ +curl -sS -X POST ' | sed 's/^ *//')
answer=$(bash -c "$curl_line" 2>&1 || true)
expect_match "make run: the printed curl sends an event" '"ids":\["[0-9A-Z]+"\]' "$answer"

# ---- a contact form, and its run ----------------------------------------------------------
form='{"name":"Ada Lovelace","email":"ada@example.org","message":"Hello from the browser test"}'
http POST "http://127.0.0.1:$ngx_port/api/contact" -H 'Content-Type: application/json' --data-binary "$form"
expect_eq "POST /api/contact: 202" 202 "$HTTP_STATUS"
event_id=$(jq -r '.id // empty' <<<"$HTTP_BODY" 2>/dev/null)
run=$(wait_run_status "$ui" "$event_id" Completed "$wait_secs") || abort "the contact form's run completes (API): $run"
run_id=$(jq -r '.run_id' <<<"$run")
expect_eq "the run's output has both Resend ids (API)" '{"confirmationId":"em_confirmation_ui","notificationId":"em_notification_ui"}' \
	"$(jq -cS '.output' <<<"$run")"
# What the server recorded for the event step, to compare with what the UI shows.
delivered_output=$(run_step_outputs "$ui" "$run_id" | jq -c 'select(.data.runTraceSpanOutputByID.data != null)
	| .data.runTraceSpanOutputByID.data | fromjson | select(type == "object" and has("ids"))' | head -n 1)
[[ -n $delivered_output ]] || abort "the server has an output for the step email-delivered"
fn_count=$(curl -sS --max-time 10 "$endpoint" | jq -r '.function_count')

# ---- the browser ----------------------------------------------------------------------------
rm -rf "$shots"
mkdir -p "$shots"
jq -n --arg ui "$ui" --arg chromium "$chromium" --argjson count "$fn_count" --arg run "$run_id" \
	--arg event "$event_id" --argjson form "$form" --argjson delivered "$delivered_output" --arg shots "$shots" '{
	ui: $ui, chromium: $chromium, app: "inngest-fcgi", functionCount: $count,
	fn: "Contact form submitted", trigger: "contact/form.submitted", runId: $run,
	event: {id: $event, name: "contact/form.submitted", data: $form},
	steps: [
		{name: "send-notification-email", output: {id: "em_notification_ui"}},
		{name: "send-confirmation-email", output: {id: "em_confirmation_ui"}},
		{name: "email-delivered", output: $delivered}
	],
	screenshots: $shots}' >"$E2E_DIR/ui-settings.json"
rc=0
timeout -k 5 240 node "$UI_DRIVER_DIR/check_ui.mjs" "$E2E_DIR/ui-settings.json" >"$E2E_DIR/driver.out" 2>&1 || rc=$?
cat "$E2E_DIR/driver.out"
TESTS_PASSED=$((TESTS_PASSED + $(grep -c '^ok   - ' "$E2E_DIR/driver.out" || true)))
driver_failed=$(grep -c '^FAIL - ' "$E2E_DIR/driver.out" || true)
TESTS_FAILED=$((TESTS_FAILED + driver_failed))
((rc == 0 || driver_failed > 0)) || fail "the browser driver exited with status $rc and reported no failure"
for page in apps functions runs run; do
	expect_ok "screenshot $shots/$page.png saved" test -s "$shots/$page.png"
done

# ---- what stayed on our side ------------------------------------------------------------------
expect_eq "Resend (stand-in) got exactly the two emails" 2 "$(standin_requests "$svc" 'select(.path == "/emails")' | wc -l)"
run_prefix=$E2E_DIR/rt/inngest-fcgi-$ngx_port
started=()
for f in app nginx server; do
	[[ -f $run_prefix/$f.pid ]] && started+=("$(<"$run_prefix/$f.pid")")
done
expect_eq "make run started nginx, the program and the dev server" 3 "${#started[@]}"
kill -TERM "$run_pid" 2>/dev/null || true
wait_gone "$run_pid" || true
left=()
for pid in "${started[@]}"; do
	kill -0 "$pid" 2>/dev/null && left+=("$pid")
done
expect_eq "make run stopped all of them on SIGTERM" "" "${left[*]}"
expect_ok "no [alert]/[emerg]/[crit] in nginx's log, no sanitizer report in the program's" check_logs "$run_prefix"
summary
