#!/usr/bin/env bash
# Faults not covered elsewhere, through real nginx and the real product
# program (test_dev_server.sh restarts the app mid-run, test_product_store
# stops Redis and locks SQLite, test_product_routes.sh has the Event API down):
#   - a worker killed with SIGKILL under load, three times: the master starts
#     another each time, and every request but the one each dead worker had
#     in flight is answered with its normal status;
#   - the Event API hung (its stand-in stopped with SIGSTOP: connections are
#     accepted by the kernel, nothing answers): /api/contact and the Stripe
#     webhook answer 503 before the client's 40 s limit (three attempts of 5 s
#     each), report nothing as sent, and the program stays healthy;
#   - Redis (REDIS_URL) down: the routes that only send events answer as
#     usual, storing a Readwise account answers 503 "try again", a store step
#     fails retriably (a StepError op naming Redis, which the executor
#     retries); once a redis-server
#     listens there, both succeed without a restart of the program;
#   - the disk under the SQLite store full (a 1 MiB tmpfs mounted in a private
#     mount namespace of the program with `unshare -m`, then filled): storing
#     a Readwise account answers 503 "try again" and logs SQLite's reason; once
#     space is freed the retry stores it, and the file passes integrity_check.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
e2e_init
e2e_require_tools redis-server sqlite3 unshare mount

e2e_program bin inngest-fcgi
admin_token=faults-admin-token-0123456789abcdef
stripe_secret=whsec_faults_secret_0123456789
now() { date +%s; }

# ---- stand-in Event API (nginx): accepts events, logs each ---------------------
standin=$E2E_DIR/standin
api_port=$(free_port)
standin_nginx_start "$standin" "$api_port" <<EOF
        location /e/ { access_log events.log line; default_type application/json; return 200 '{"ids":["01JFAULTS00000000000000001"],"status":200}'; }
EOF
# standin_signal SIG: to the stand-in's master and worker.
standin_signal() {
	local master
	local -a pids
	master=$(<"$standin/nginx.pid")
	mapfile -t pids < <(pgrep -P "$master")
	kill "-$1" "$master" "${pids[@]}" 2>/dev/null || true
}
cleanup() {
	# a stopped stand-in must be able to act on SIGTERM
	if [[ -f $standin/nginx.pid ]]; then
		standin_signal KILL
		rm -f "$standin/nginx.pid"
	fi
	e2e_cleanup
}
trap cleanup EXIT
sent() { log_lines "$standin/events.log"; }

# serve NAME BINARY [VAR=VALUE…]: the program (2 workers) and nginx in $E2E_DIR/NAME; sets $base.
serve() {
	app_serve "$E2E_DIR/$1" "$2" INNGEST_DEV=1 INNGEST_BASE_URL="http://127.0.0.1:$api_port" \
		DATABASE_PATH="${DB_DIR:-$E2E_DIR/$1}/store.db" ADMIN_TOKEN="$admin_token" \
		STRIPE_WEBHOOK_SECRET="$stripe_secret" "${@:3}"
}
workers_of() { pgrep -P "$(<"$E2E_DIR/$1/app.pid")" | sort -n | tr '\n' ' '; }
# The same, without zombies (state Z) the master has not reaped yet.
live_workers_of() { ps -o pid=,stat= --ppid "$(<"$E2E_DIR/$1/app.pid")" | awk '$2 !~ /^Z/ { print $1 }' | sort -n | tr '\n' ' '; }
stop() { app_unserve "$E2E_DIR/$1" "$1"; }

# ---- a worker killed under load ----------------------------------------------
serve kill "$bin"
load=$E2E_DIR/load.cfg
for i in $(seq 1 600); do
	curl_config_request "$base/api/inngest?load=200"
	curl_config_request "$base/api/views?load=202" 'request = "POST"' 'header = "Content-Type: application/json"' \
		"data-binary = \"{\\\"slug\\\":\\\"post-$i\\\",\\\"title\\\":\\\"Post $i\\\"}\""
done >"$load"
sed -i '$d' "$load"
before=$(workers_of kill)
sent_before=$(sent)
curl -sS --parallel --parallel-max 8 --max-time 60 -K "$load" >"$E2E_DIR/load.out" 2>/dev/null &
load_pid=$!
killed=()
for at in 200 500 800; do
	# wait for the load to reach `at` answers, then kill the newest worker
	while kill -0 "$load_pid" 2>/dev/null && (($(wc -l <"$E2E_DIR/load.out") < at)); do sleep 0.05; done
	# A worker killed a moment ago stays listed (a zombie) until the master
	# reaps it; wait until the master has replaced it, so that each kill
	# lands on a live worker.
	victim=
	for _ in $(seq 100); do
		victim=$(live_workers_of kill | awk -v k=" ${killed[*]} " '{ for (i = NF; i > 0; i--) if (index(k, " " $i " ") == 0) { print $i; exit } }')
		[[ -n $victim && $(live_workers_of kill | wc -w) -ge 2 ]] && break
		victim=
		sleep 0.05
	done
	[[ -n $victim ]] && kill -KILL "$victim" && killed+=("$victim")
done
wait "$load_pid" || true
answers=$(wc -l <"$E2E_DIR/load.out")
wrong=$(awk '{ w = $2; sub(/.*load=/, "", w); if ($1 != substr(w, 1, 3)) n++ } END { print n + 0 }' "$E2E_DIR/load.out")
expect_eq "kill -9: three workers killed under load" 3 "${#killed[@]}"
expect_eq "kill -9: every one of the 1,200 requests got an answer" 1200 "$answers"
expect_ok "kill -9: at most one request per killed worker (the one in flight) failed ($wrong)" test "$wrong" -le 3
# The master logs a death when it reaps the worker: give it a moment under load.
deaths() { grep -c 'died (signal 9, Killed).*starting another' "$E2E_DIR/kill/app.log" || true; }
for _ in $(seq 50); do (($(deaths) >= 3)) && break; sleep 0.1; done
expect_eq "kill -9: the master logged each death and started another" 3 "$(deaths)"
# ... and the last one's replacement may still be starting: the workers as
# they are once two live ones serve again (bounded).
for _ in $(seq 50); do (($(live_workers_of kill | wc -w) >= 2)) && break; sleep 0.1; done
after=$(live_workers_of kill)
expect_eq "kill -9: two workers serve afterwards" 2 "$(wc -w <<<"$after")"
expect_ok "kill -9: the killed workers are gone, replaced by new ones" \
	bash -c "for v in ${killed[*]}; do [[ ' $after ' != *\" \$v \"* ]] || exit 1; done; [[ '$before' != '$after' ]]"
ok_views=$(grep -c '^202 .*/api/views' "$E2E_DIR/load.out" || true)
expect_ok "kill -9: each 202 from /api/views was really sent ($ok_views answered, $(($(sent) - sent_before)) sent)" \
	test "$(($(sent) - sent_before))" -ge "$ok_views"
http GET "$base/api/inngest"
expect_eq "kill -9: the program still answers" 200 "$HTTP_STATUS"
stop kill

# ---- Redis down, then back ----------------------------------------------------------
redis_port=$(free_port)
redis_dir=$E2E_DIR/redis
mkdir -p "$redis_dir"
serve redis "$bin" REDIS_URL="redis://127.0.0.1:$redis_port"
http POST "$base/api/contact" -H 'Content-Type: application/json' \
	--data-binary '{"name":"Ada","email":"ada@example.org","message":"Redis is down"}'
expect_eq "Redis down: /api/contact (sends events only) still answers 202" 202 "$HTTP_STATUS"
http POST "$base/api/views" -H 'Content-Type: application/json' --data-binary '{"slug":"a-post","title":"A post"}'
expect_eq "Redis down: /api/views (sends events only) still answers 202" 202 "$HTTP_STATUS"
expect_eq "Redis down: the log says the two contact limits and the views limit were not enforced" 3 \
	"$(grep -c 'RATE_LIMIT[A-Z_]* not enforced for this request' "$E2E_DIR/redis/app.log" || true)"
redis_account() {
	http POST "$base/api/readwise/accounts" -H "Authorization: Bearer $admin_token" \
		-H 'Content-Type: application/json' --data-binary '{"userId":"redis-user","token":"rw-token-redis-0123456789"}'
}
redis_account
expect_eq "Redis down: storing an account answers 503" 503 "$HTTP_STATUS"
expect_match "Redis down: the answer says to try again" 'try again' "$HTTP_BODY"
view_call=$E2E_DIR/view_call.json
printf '%s' '{"ctx":{"attempt":0,"disable_immediate_execution":false,"env":"","fn_id":"f","max_attempts":4,"run_id":"01JFAULTSRUN0000000000001","stack":{"current":0,"stack":[]},"step_id":"step","use_api":false},"event":{"data":{"slug":"a-post","title":"A post","viewedAt":"2024-05-01T12:00:00.000Z"},"id":"01JFAULTSEVT0000000000001","name":"blog/post.viewed","ts":1700000000000,"user":{}},"events":[],"steps":{},"use_api":false,"version":2}' >"$view_call"
view_url="$base/api/inngest?fnId=inngest-fcgi-track-post-view&stepId=step"
http POST "$view_url" -H 'Content-Type: application/json' --data-binary "@$view_call"
expect_eq "Redis down: the store step reports a StepError (206), which the executor retries" "206 StepError" \
	"$HTTP_STATUS $(jq -r '.[0].op' "$E2E_DIR/last.body" 2>/dev/null)"
expect_match "Redis down: the step's error names Redis" 'cannot connect to Redis' \
	"$(jq -r '.[0].error.message' "$E2E_DIR/last.body" 2>/dev/null)"
expect_eq "Redis down: X-Inngest-No-Retry: false" false "$(http_header X-Inngest-No-Retry)"
redis_start "$redis_dir" "$redis_port"
redis_account
expect_eq "Redis back: the retry stores the account (204)" 204 "$HTTP_STATUS"
http POST "$view_url" -H 'Content-Type: application/json' --data-binary "@$view_call"
expect_eq "Redis back: the retried call's store step runs (206)" 206 "$HTTP_STATUS"
expect_eq "Redis back: the step counted the view" StepRun "$(jq -r '.[0].op' "$E2E_DIR/last.body" 2>/dev/null)"
expect_eq "Redis: no worker died" 0 "$(grep -c 'died\|exited with status' "$E2E_DIR/redis/app.log" || true)"
stop redis
redis_stop "$redis_dir"

# ---- the Event API hung ------------------------------------------------------------
serve hung "$bin"
standin_signal STOP
sent_before=$(sent)
printf '%s' '{"id":"evt_hung_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}' >"$E2E_DIR/stripe.json"
st=$(now)
# both at once: each waits out three 5-second attempts
curl -sS -o "$E2E_DIR/stripe.body" -w '%{http_code}' --max-time 40 -X POST "$base/api/stripe/webhook" \
	-H "Stripe-Signature: $(stripe_sig "$stripe_secret" "$st" "$E2E_DIR/stripe.json")" --data-binary "@$E2E_DIR/stripe.json" >"$E2E_DIR/stripe.status" 2>&1 &
stripe_pid=$!
http POST "$base/api/contact" -H 'Content-Type: application/json' --max-time 40 \
	--data-binary '{"name":"Ada","email":"ada@example.org","message":"Is anyone there?"}'
expect_eq "Event API hung: /api/contact answers 503 within the client's 40 s" 503 "$HTTP_STATUS"
expect_eq "Event API hung: /api/contact reports nothing as sent" false "$(jq -r '.success' <<<"$HTTP_BODY" 2>/dev/null)"
expect_eq "Event API hung: /api/contact gives no event id" null "$(jq -r '.id' <<<"$HTTP_BODY" 2>/dev/null)"
wait "$stripe_pid" || true
expect_eq "Event API hung: the Stripe webhook answers 503 (Stripe retries)" 503 "$(cat "$E2E_DIR/stripe.status")"
expect_eq "Event API hung: the Stripe webhook does not say received" false \
	"$(jq -r '.received // false' "$E2E_DIR/stripe.body" 2>/dev/null)"
http GET "$base/api/inngest"
expect_eq "Event API hung: introspection still answers" 200 "$HTTP_STATUS"
expect_eq "Event API hung: no worker died" 0 "$(grep -c 'died\|exited with status' "$E2E_DIR/hung/app.log" || true)"
# The stand-in never comes back: the requests it holds were given up on.
standin_signal KILL
rm -f "$standin/nginx.pid"
expect_eq "Event API hung: the stand-in received nothing while it was stopped" "$sent_before" "$(sent)"
stop hung

# ---- the store's disk full ---------------------------------------------------------
# The program runs in its own mount namespace where DB_DIR is a 1 MiB tmpfs;
# the test fills and frees it from outside with nsenter.
if [[ $EUID != 0 ]] || ! unshare -m --propagation private true 2>/dev/null; then
	fail "disk full: needs root and unshare -m (mount namespaces) to mount a small tmpfs"
	summary
	exit 1
fi
DB_DIR=$E2E_DIR/db
mkdir -p "$DB_DIR"
chmod 0700 "$DB_DIR"
wrapper=$E2E_DIR/in-small-tmpfs
# make check-valgrind's TEST_PREFIX goes inside, on the program itself
# (valgrind does not follow the exec of unshare); its words are split by sh.
cat >"$wrapper" <<EOF
#!/bin/sh
# $bin in a private mount namespace where $DB_DIR is a 1 MiB tmpfs
exec unshare -m --propagation private sh -c 'dir=\$0; mount -t tmpfs -o size=1m,mode=0700 tmpfs "\$dir" && exec "\$@"' \\
	"$DB_DIR" ${TEST_PREFIX:-} "$bin" "\$@"
EOF
chmod +x "$wrapper"
TEST_PREFIX='' serve full "$wrapper"
app_pid=$(<"$E2E_DIR/full/app.pid")
# -r: the program's root too; entering a mount namespace otherwise resets the
# root to the namespace's own, which escapes a chroot (make check-fresh runs in one).
in_ns() { nsenter -t "$app_pid" -m -r -- "$@"; }
account() {
	http POST "$base/api/readwise/accounts" -H "Authorization: Bearer $admin_token" \
		-H 'Content-Type: application/json' --data-binary "{\"userId\":\"$1\",\"token\":\"rw-token-$1-0123456789\"}"
}
account user-1
expect_eq "disk: storing an account with room: 204" 204 "$HTTP_STATUS"
expect_eq "disk: the store file is on the namespace's tmpfs" tmpfs "$(in_ns stat -f -c %T "$DB_DIR")"
in_ns sh -c "dd if=/dev/zero of='$DB_DIR/filler' bs=4k >/dev/null 2>&1; true"
expect_eq "disk: the tmpfs is full" 0 "$(in_ns df --output=avail -k "$DB_DIR" | tail -n 1 | tr -d ' ')"
for i in 2 3 4 5 6 7 8; do
	# large enough together to need new pages, whatever SQLite had spare
	account "user-$i-$(printf 'p%.0s' {1..150})"
	[[ $HTTP_STATUS == 204 ]] || break
done
expect_eq "disk full: storing an account answers 503" 503 "$HTTP_STATUS"
expect_match "disk full: the answer says to try again" 'try again' "$HTTP_BODY"
expect_match "disk full: the log names SQLite's reason" 'full' "$(grep 'not stored' "$E2E_DIR/full/app.log" | tail -n 1)"
in_ns rm -f "$DB_DIR/filler"
account "user-9-$(printf 'q%.0s' {1..150})"
expect_eq "disk freed: the retry stores the account (204)" 204 "$HTTP_STATUS"
expect_eq "disk freed: the store file passes integrity_check" ok \
	"$(in_ns sqlite3 "$DB_DIR/store.db" 'PRAGMA integrity_check' 2>&1)"
expect_eq "disk: no worker died" 0 "$(grep -c 'died\|exited with status' "$E2E_DIR/full/app.log" || true)"
stop full
summary
