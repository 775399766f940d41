#!/usr/bin/env bash
# make check-cluster: the apps on the cluster of `make cluster`
# (contrib/cluster/cluster.sh: PostgreSQL, Redis, two `inngest start`
# replicas, two app hosts on 127.0.0.2 and 127.0.0.3 behind one front nginx),
# started here in a private directory.  Not part of make check: it takes
# minutes (the retry and timeout runs wait on the servers' real clocks).
#
# 1. The conformance app on the cluster: every conformance function's run,
#    checked as tests/e2e/test_cloud_server.sh checks them on one server (the
#    program's requests are read from both hosts' logs).
# 2. The product app on the cluster: the hello and contact-form workflows
#    through the front; then a steady stream of contact forms through the
#    front while one app host is killed (kill -9 of its program, workers and
#    nginx) and then one `inngest start` replica is killed (kill -9).  Every
#    accepted form must have exactly one run, completed, and exactly two emails
#    (two distinct Resend Idempotency-Keys answered 2xx at the Resend
#    stand-in); the surviving replica must carry on alone.
# 3. Outages of the backing services, on that cluster: PostgreSQL stopped for
#    10 s while events arrive, then Redis restarted while contact-form runs are
#    in progress.  What the replicas do is printed (`note:`), and whatever
#    exited is started again as a supervisor would (cluster.sh revive); every
#    run must then complete, every email be sent once.
#
# The Resend stand-in does not deduplicate by Idempotency-Key as Resend does:
# a step retried after its email was sent shows as a repeated key there, which
# the test counts and prints (Resend would send that email once).
#
# CLUSTER_STREAM_SECS (30) and CLUSTER_STREAM_RATE (forms per second, 2) size
# the stream.
set -euo pipefail
# shellcheck source=tests/lib/product.sh
source "$(dirname "$0")/../lib/product.sh"
# shellcheck source=tests/lib/conformance_runs.sh
source "$(dirname "$0")/../lib/conformance_runs.sh"
# shellcheck source=tests/lib/cluster.sh
source "$(dirname "$0")/../lib/cluster.sh"
e2e_init

export BUILD_DIR=${BUILD_DIR:-build/release}
cluster=$CLUSTER_SH
stream_secs=${CLUSTER_STREAM_SECS:-30}
stream_rate=${CLUSTER_STREAM_RATE:-2}

# cluster_up APP: cluster_start, and the Inngest servers' URLs in SERVER_URLS.
cluster_up() {
	cluster_start "$1" || return 1
	read -r -a SERVER_URLS <<<"$CLUSTER_SERVER_URLS"
}

cluster_down() {
	local out
	out=$(CLUSTER_DIR=$CD "$cluster" stop 2>&1)
	expect_match "make cluster-stop ($1): nothing of the cluster is left running" '^cluster: stopped' "$out"
	expect_eq "cluster-status ($1) after the stop: 0 processes" \
		"cluster: 0 processes of the cluster in $CD are running" "$(CLUSTER_DIR=$CD "$cluster" status)"
	CD=
}

# Logs of both hosts: no [alert]/[emerg]/[crit], no sanitizer report.
hosts_logs_clean() {
	local i ok=0
	for i in 1 2; do check_logs "$CD/host-$i" || ok=1; done
	check_logs "$CD/front" || ok=1
	return "$ok"
}

command -v redis-server >/dev/null || abort "redis-server is installed (contrib/install-deps.sh)"
inngest_cli >/dev/null || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"

# ==== 1. the conformance app ==========================================================
# CLUSTER_SKIP_CONFORMANCE=1 leaves this part out (it waits 2-3 minutes on the
# servers' retry and timeout clocks).
if [[ -z ${CLUSTER_SKIP_CONFORMANCE:-} ]]; then
cluster_up conformance || abort "make cluster starts with the conformance app"
pass "the cluster is up: ${SERVER_URLS[*]} on Postgres and Redis, hosts $CLUSTER_HOSTS, front $CLUSTER_FRONT_URL"
for u in "${SERVER_URLS[@]}"; do
	expect_ok "the server at $u lists the app's $CLUSTER_FN_COUNT functions (one sync, shared Postgres)" \
		wait_synced "$u" "$CLUSTER_APP_ID" "$CLUSTER_FN_COUNT" 10 "$AUTH"
done
CONF_BASE=$CLUSTER_INNGEST_URL CONF_KEY=$INNGEST_EVENT_KEY CONF_AUTH=$AUTH CONF_APP=$CLUSTER_APP_ID
CONF_LOG=$E2E_DIR/conf-both-hosts.log
# The program's requests of a run are spread over both hosts: read both logs,
# in time order (each line starts with its UTC timestamp).
conf_run_lines() { cat $CLUSTER_APP_LOGS | grep -F " run=$1 " | sort -s -k1,1 || true; }
conf_handler_line() { cat $CLUSTER_APP_LOGS | grep -m1 -F "POST $CONF_APP-conf-failure-failure run="; }
conf_send_all || abort "send the conformance events"
conf_wait_reported || abort "conf-wait reports its WaitForEvent op"
conf_check_quick
conf_approve || abort "send conf/approve"
conf_check_wait_matched
conf_check_slow
for i in 1 2; do
	expect_match "host-$i served call requests of the conformance runs" '[1-9]' \
		"$(grep -c 'POST inngest-fcgi-conformance-' "$CD/host-$i/app.log" || true)"
done
expect_eq "no 401 on either host: every call the servers made was signed and verified" 0 \
	"$(cat $CLUSTER_APP_LOGS | grep -c 'status=401' || true)"
expect_ok "hosts' and front's logs clean" hosts_logs_clean
cluster_down conformance
fi

# ==== 2. the product app, then failures under a stream of contact forms =================
cluster_up product || abort "make cluster starts with the product app"
pass "the product cluster is up (front $CLUSTER_FRONT_URL)"
svc=$CD/standin
STORE_KIND=redis STORE_REDIS_PORT=${CLUSTER_REDIS_URL##*:} STORE_APP_ID=$CLUSTER_APP_ID

ev=$(send_event "$CLUSTER_INNGEST_URL" "$INNGEST_EVENT_KEY" '{"name":"test/hello.world","data":{"email":"cluster@example.org"}}') ||
	abort "send test/hello.world"
run=$(wait_run "$CLUSTER_INNGEST_URL" "$ev" 60 "$AUTH" || true)
expect_eq "hello-world completes on the cluster" 'Completed {"message":"Hello, cluster@example.org!"}' \
	"$(jq -r .status <<<"$run" 2>/dev/null) $(jq -cS .output <<<"$run" 2>/dev/null)"

# One contact form, with the store's view count through the views route.
http POST "$CLUSTER_FRONT_URL/api/contact" -H 'Content-Type: application/json' \
	-d '{"name":"Ada","email":"ada-cluster@example.org","message":"Hello from the cluster test"}'
expect_eq "POST /api/contact through the front: 202" 202 "$HTTP_STATUS"
ev=$(jq -r '.id // empty' <<<"$HTTP_BODY" 2>/dev/null)
run=$(wait_run "$CLUSTER_INNGEST_URL" "${ev:-none}" 60 "$AUTH" || true)
expect_eq "the contact workflow completes with both Resend ids" "Completed true" \
	"$(jq -r '"\(.status) \(.output.notificationId != null and .output.confirmationId != null)"' <<<"$run" 2>/dev/null)"
expect_eq "the Resend stand-in got exactly its two emails" 2 \
	"$(standin_requests "$svc" "select(.path == \"/emails\" and (.headers[\"idempotency-key\"] // \"\" | startswith(\"contact-$ev-\")))" | wc -l)"
for i in 1 2; do
	http POST "$CLUSTER_FRONT_URL/api/views" -H 'Content-Type: application/json' \
		-d '{"slug":"cluster-post","title":"Cluster post"}'
	[[ $HTTP_STATUS == 202 ]] || fail "POST /api/views through the front: $HTTP_STATUS"
done
views_two() { [[ $(store_views_total cluster-post) == 2 ]]; }
expect_ok "two view beacons through the front: the shared Redis store counts 2" poll_until 60 views_two

# Every stored event of NAME, newest first, with the signing key: `inngest
# start` refuses the REST API without it.
events_named_auth() { events_named "$CLUSTER_INNGEST_URL" "$1" "$AUTH"; }

# ---- the stream ----------------------------------------------------------------------
# One form every 1/rate s, each with its own address; an answer other than 202
# is resubmitted (what a visitor's retry does) after 1 s, up to 5 times.
# Lines of $E2E_DIR/stream.log: "<n> <status> <event id or ->".
stream() {
	local n=0 total=$((stream_secs * stream_rate)) pause code body id tries
	pause=$(awk -v r="$stream_rate" 'BEGIN { printf "%.3f", 1 / r }')
	for ((n = 1; n <= total; n++)); do
		(
			for ((tries = 1; tries <= 5; tries++)); do
				body=$(curl -sS --max-time 30 -w '\n%{http_code}' -X POST "$CLUSTER_FRONT_URL/api/contact" \
					-H 'Content-Type: application/json' \
					-d "{\"name\":\"Stream $n\",\"email\":\"stream-$n@example.org\",\"message\":\"message $n\"}" 2>/dev/null) || body=$'\n000'
				code=${body##*$'\n'}
				id=$(jq -r '.id // empty' <<<"${body%$'\n'*}" 2>/dev/null || true)
				echo "$n $code ${id:--}" >>"$E2E_DIR/stream.log"
				[[ $code == 202 ]] && break
				sleep 1
			done
		) &
		sleep "$pause"
	done
	wait
}
# View beacons of one post alongside, 4 a second (so the 100-views milestone
# is crossed during the failures): each must be counted once in the shared
# store, the milestone recorded once.  Lines of $E2E_DIR/views.log: "<n> <status>".
view_slug=cluster-stream-$RANDOM
beacons() {
	local n total=$((stream_secs * 4)) code tries
	for ((n = 1; n <= total; n++)); do
		(
			for ((tries = 1; tries <= 5; tries++)); do
				code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$CLUSTER_FRONT_URL/api/views" \
					-H 'Content-Type: application/json' -d "{\"slug\":\"$view_slug\",\"title\":\"Stream post\"}" || true)
				echo "$n ${code:-000}" >>"$E2E_DIR/views.log"
				[[ $code == 202 ]] && break
				sleep 1
			done
		) &
		sleep 0.25
	done
	wait
}
: >"$E2E_DIR/stream.log"
: >"$E2E_DIR/views.log"
stream &
stream_pid=$!
beacons &
beacons_pid=$!
t0=$SECONDS

# host-1 dies a third of the way in: its program (master and workers, one
# process group) and its nginx (master and worker, one process group).
sleep $((stream_secs / 3))
h1_app=$(<"$CD/host-1/app.pid")
h1_ngx=$(<"$CD/host-1/nginx.pid")
kill -KILL -- "-$h1_app" "-$h1_ngx" 2>/dev/null || true
echo "note: killed host-1 (kill -9 of process groups $h1_app and $h1_ngx) at t=$((SECONDS - t0)) s"
host1_gone() { ! kill -0 "$h1_app" 2>/dev/null && ! kill -0 "$h1_ngx" 2>/dev/null; }
expect_ok "host-1's program and nginx are gone" poll_until 5 host1_gone

# server-1 dies two thirds of the way in.
sleep $((stream_secs / 3))
s1=$(<"$CD/server-1/server.pid")
kill -KILL "$s1" 2>/dev/null || true
kill_s1_at=$(date -u +%FT%T.%3NZ)
echo "note: killed inngest start replica 1 (kill -9 of pid $s1) at t=$((SECONDS - t0)) s"
s1_gone() { ! kill -0 "$s1" 2>/dev/null; }
expect_ok "replica 1 is gone" poll_until 5 s1_gone
wait "$stream_pid" || true
wait "$beacons_pid" || true
echo "note: the stream ended at t=$((SECONDS - t0)) s"
echo "note: answers to Inngest's calls and the routes through the front, by status and host: $(
	grep -o '"POST /api/[a-z]*[^"]*" [0-9]* upstream=[^ ]*' "$CD/front/access.log" |
		sed -E 's|^"POST (/api/[a-z]+)[^"]*" ([0-9]+) upstream=(.*)$|\1 \2 \3|; s|:[0-9]+/| |g; s|:[0-9]+,|,|g' |
		sort | uniq -c | awk '{ $1 = $1; print }' | paste -sd';' -)"

total=$((stream_secs * stream_rate))
accepted=$(awk '$2 == 202' "$E2E_DIR/stream.log" | wc -l)
refused=$(awk '$2 != 202' "$E2E_DIR/stream.log" | wc -l)
echo "note: $total forms, $accepted answered 202, $refused answers other than 202 (then resubmitted):" \
	"$(awk '$2 != 202 { print $2 }' "$E2E_DIR/stream.log" | sort | uniq -c | paste -sd, -)"
expect_eq "every form of the stream was accepted (202), resubmitted after a failed answer at most 4 times" \
	"$total" "$(awk '$2 == 202 { print $1 }' "$E2E_DIR/stream.log" | sort -u | wc -l)"
expect_eq "the surviving replica is still running" 0 "$(kill -0 "$(<"$CD/server-2/server.pid")" 2>/dev/null; echo $?)"

# Every contact/form.submitted event the servers stored (those of accepted
# forms and any sent by a request cut short) must have one completed run.
mapfile -t events < <(events_named_auth contact/form.submitted | jq -r '.[] | select(.data.email | startswith("stream-")) | .id')
echo "note: the servers stored ${#events[@]} contact/form.submitted events of the stream"
expect_ok "the servers stored events of the stream (${#events[@]} of $accepted accepted forms)" \
	test "${#events[@]}" -gt 0
# An event the killed replica had accepted but not yet handed to its runner
# is lost with it: `inngest start`'s event stream is in the process's memory
# (README, "Several hosts").  Such a loss is reported, and told apart from
# any other: the killed replica logged "publishing event" for it in the 2 s
# before its death and nothing else, and no other replica logged it at all.
# lost_with_replica1 NAME [SLUG]: ids of the NAME events (of the post SLUG)
# that replica 1 logged "publishing event" for in its last 3 s and that no
# replica logged anything else about: they died in its memory.
lost_with_replica1() {
	local kill_ms id
	kill_ms=$(date -d "$kill_s1_at" +%s%3N)
	jq -Rr --arg n "$1" --arg s "${2:-}" --argjson k "$kill_ms" 'fromjson? |
		select(.msg == "publishing event" and .event_name == $n and ($s == "" or .event.data.slug == $s)) |
		select((.time | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000 >= $k - 3000) | .internal_id' "$CD/server-1/server.log" |
		while read -r id; do
			if [[ $(cat "$CD"/server-*/server.log | grep -c -F "$id") == 1 ]]; then echo "$id"; fi
		done || true
}
missing=0 lost_upstream=0
lost_forms=$(lost_with_replica1 contact/form.submitted)
for id in $(awk '$2 == 202 { print $3 }' "$E2E_DIR/stream.log"); do
	[[ " ${events[*]} " == *" $id "* ]] && continue
	lines=$(grep -H -F "$id" "$CD"/server-*/server.log | sed -E 's|^.*/(server-[12])/server.log:|\1 |' |
		jq -Rr 'split(" ") as $p | ($p[1:] | join(" ") | fromjson?) as $j | "\($p[0]) \($j.time) \($j.msg)"' || true)
	echo "note: LOST: event $id was accepted (the Event API answered 200 with its id) but is not stored;" \
		"the replicas' log lines that name it: $(paste -sd';' - <<<"$lines") (replica 1 was killed at $kill_s1_at)"
	if grep -qxF "$id" <<<"$lost_forms"; then
		lost_upstream=$((lost_upstream + 1))
	else
		missing=$((missing + 1))
	fi
done
((lost_upstream == 0)) || echo "note: UPSTREAM: $lost_upstream accepted form(s) died with replica 1, which had published" \
	"them to its in-memory event stream in its last seconds; no run, no email for them (the sender was told 202)"
expect_eq "every accepted form's event is stored, but for those the killed replica held in memory ($lost_upstream)" 0 "$missing"

runs_file=$E2E_DIR/stream-runs.jsonl
: >"$runs_file"
# One pass over every event; each is waited for in turn (the later ones have
# had time meanwhile).  A step cut short by the kills is retried by the
# server after its back-off (up to a minute or so).
for id in "${events[@]}"; do
	run=$(wait_run "$CLUSTER_INNGEST_URL" "$id" 240 "$AUTH" 2>/dev/null || echo null)
	n=$(api_get "$CLUSTER_INNGEST_URL" "/v1/events/$id/runs" "$AUTH" | jq '.data | length' 2>/dev/null || echo 0)
	jq -c --arg id "$id" --argjson n "${n:-0}" '{event: $id, runs: $n, status: (.status // "none"), run_id: (.run_id // null),
		secs: (if .ended_at and .run_started_at then ((.ended_at | sub("\\.[0-9]+"; "") | fromdate) - (.run_started_at | sub("\\.[0-9]+"; "") | fromdate)) else null end)}' <<<"$run" >>"$runs_file"
done
echo "note: contact runs took (start to end, whole seconds): $(jq -s -r '[.[].secs | select(. != null)] | sort |
	"median \(.[length / 2 | floor]) s, max \(.[-1]) s, over 5 s: \([.[] | select(. > 5)] | length)"' "$runs_file")"
expect_eq "every stored event of the stream has exactly one run" 0 "$(jq -s '[.[] | select(.runs != 1)] | length' "$runs_file")"
expect_eq "every one of those runs completed" "${#events[@]}" "$(jq -s '[.[] | select(.status == "Completed")] | length' "$runs_file")"
echo "note: run statuses: $(jq -r .status "$runs_file" | sort | uniq -c | paste -sd, -)"

# Emails: per event, the keys contact-<event>-notification/-confirmation.
emails=$E2E_DIR/stream-emails.jsonl
standin_requests "$svc" 'select(.path == "/emails") | {key: .headers["idempotency-key"], status}' >"$emails"
bad=0
for id in "${events[@]}"; do
	n=$(jq -s --arg p "contact-$id-" '[.[] | select(.status < 300 and (.key | startswith($p))) | .key] | unique | length' "$emails")
	[[ $n == 2 ]] || { bad=$((bad + 1)); echo "note: event $id: $n distinct emails delivered" >&2; }
done
expect_eq "every stream event: exactly two emails (two distinct Idempotency-Keys answered 2xx)" 0 "$bad"
repeated=$(jq -s '[group_by(.key)[] | select(([.[] | select(.status < 300)] | length) > 1)] | length' "$emails")
echo "note: Resend stand-in: $(wc -l <"$emails") requests, $(jq -s '[.[].key] | unique | length' "$emails") distinct keys," \
	"$repeated key(s) answered 2xx more than once (a step retried after its email was sent; Resend would deduplicate)"
# one contact/email.delivered per email sent (notification and confirmation),
# each with its own id made of the run and the type (functions/README.md)
delivered=$(events_named_auth contact/email.delivered |
	jq '[.[] | select(.data.email | startswith("stream-")) | .id] | unique | length')
expect_eq "contact/email.delivered: two per stream event (notification, confirmation)" "$((2 * ${#events[@]}))" "$delivered"

# Views: every stored blog/post.viewed event of the slug counted once.
v_accepted=$(awk '$2 == 202 { print $1 }' "$E2E_DIR/views.log" | sort -u | wc -l)
echo "note: $((stream_secs * 4)) view beacons, $v_accepted accepted; answers other than 202:" \
	"$(awk '$2 != 202 { print $2 }' "$E2E_DIR/views.log" | sort | uniq -c | paste -sd, -)"
expect_eq "every view beacon was accepted (202)" $((stream_secs * 4)) "$v_accepted"
mapfile -t vevents < <(events_named_auth blog/post.viewed | jq -r --arg s "$view_slug" '.[] | select(.data.slug == $s) | .id')
vbad=0
for id in "${vevents[@]}"; do
	run=$(wait_run "$CLUSTER_INNGEST_URL" "$id" 120 "$AUTH" 2>/dev/null || echo null)
	[[ $(jq -r .status <<<"$run" 2>/dev/null) == Completed ]] || vbad=$((vbad + 1))
done
lost_views=$(lost_with_replica1 blog/post.viewed "$view_slug" | grep -c . || true)
((lost_views == 0)) || echo "note: UPSTREAM: $lost_views accepted view(s) died with replica 1 (published to its" \
	"in-memory event stream in its last seconds, never run); the store cannot count them"
expect_eq "every accepted beacon's view event is stored, but for those the killed replica held in memory ($lost_views)" \
	"$v_accepted" "$((${#vevents[@]} + lost_views))"
expect_eq "every stored view event of the stream has a completed track-post-view run" 0 "$vbad"
expect_eq "the shared store counted each view event exactly once" "${#vevents[@]}" "$(store_views_total "$view_slug")"
expect_eq "the store's daily buckets agree" "${#vevents[@]}" "$(store_views_by_day_sum "$view_slug")"
milestone_once() { [[ $(store_milestones "$view_slug") == 100 ]]; }
expect_ok "the 100-views milestone is recorded once in the store" poll_until 60 milestone_once
expect_eq "blog/milestone.reached for the post: sent once" 1 \
	"$(events_named_auth blog/milestone.reached | jq --arg s "$view_slug" '[.[] | select(.data.slug == $s)] | length')"

# The surviving replica took over: runs that started after the kill were
# executed, and it still answers.
expect_ok "replica 2 answers /health after replica 1 died" curl -sf --max-time 5 "${SERVER_URLS[1]}/health" -o /dev/null
expect_match "replica 2's log: no fatal error" '^0$' \
	"$(jq -r 'select(.level == "ERROR" and (.msg | test("service .* errored"))) | .msg' "$CD/server-2/server.log" 2>/dev/null | wc -l)"
echo "note: replica 2's log, errors and warnings by message:"
jq -r 'select(.level == "ERROR" or .level == "WARN") | "\(.level) \(.msg)"' "$CD/server-2/server.log" 2>/dev/null |
	sort | uniq -c | sort -rn | head -n 10 | sed 's/^/note:   /'
check_logs "$CD/host-2" && pass "host-2's logs clean" || fail "host-2's logs clean"

# ==== 3. outages of the backing services ==============================================
# Replica 1 comes back first (as a supervisor would bring it back).
out=$(CLUSTER_DIR=$CD "$cluster" revive 2>&1) || true
echo "$out" | sed 's/^/note: /'
expect_ok "revive: replica 1 runs again" curl -sf --max-time 5 "${SERVER_URLS[0]}/health" -o /dev/null

# count_completed ID…: how many of the events' runs completed within 90 s
# (one pass; the later ones have had time meanwhile).
count_completed() {
	local id n=0 run runs
	for id in "$@"; do
		run=$(wait_run "$CLUSTER_INNGEST_URL" "$id" 90 "$AUTH" 2>/dev/null || echo null)
		if [[ $(jq -r .status <<<"$run" 2>/dev/null) == Completed ]]; then
			n=$((n + 1))
		else
			runs=$(api_get "$CLUSTER_INNGEST_URL" "/v1/events/$id/runs" "$AUTH" |
				jq -c '[.data[]? | {run_id, status, ended_at}]' 2>/dev/null || echo '?')
			echo "note: NOT COMPLETED: event $id: runs $runs; our hosts' log lines for them:" \
				"$(for r in $(jq -r '.[].run_id' <<<"$runs" 2>/dev/null); do cat $CLUSTER_APP_LOGS | grep -F "run=$r " |
					sort | sed -E 's/^[^ ]+T([^ ]+) .* step=([^ ]+) status=([0-9]+) .* ([A-Za-z]+ [a-z-]+)$/\1 \3 \4/'; done |
					paste -sd';' -)" >&2
		fi
	done
	echo "$n"
}
replicas_alive() {
	local i out=
	for i in 1 2; do
		if kill -0 "$(<"$CD/server-$i/server.pid")" 2>/dev/null; then out+="$i:up "; else out+="$i:exited "; fi
	done
	echo "${out% }"
}

# PostgreSQL stopped for 10 s while events arrive, one a second.
CLUSTER_DIR=$CD "$cluster" pause postgres >/dev/null
pg_events=()
pg_codes=
for ((i = 1; i <= 10; i++)); do
	answer=$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST "$CLUSTER_INNGEST_URL/e/$INNGEST_EVENT_KEY" \
		-H 'Content-Type: application/json' -d "{\"name\":\"test/hello.world\",\"data\":{\"email\":\"pg-$i@example.org\"}}" 2>/dev/null || true)
	pg_codes+="${answer##*$'\n'} "
	id=$(jq -r '.ids[0] // empty' <<<"${answer%$'\n'*}" 2>/dev/null || true)
	[[ -n $id ]] && pg_events+=("$id")
	sleep 1
done
echo "note: with PostgreSQL down the Inngest origin answered the 10 events: $pg_codes;" \
	"replicas: $(replicas_alive); /health of each: $(for u in "${SERVER_URLS[@]}"; do
		curl -s -o /dev/null -w '%{http_code} ' --max-time 5 "$u/health"; done)"
echo "note: replica logs during the outage: $(cat "$CD"/server-*/server.log | jq -Rr 'fromjson? | select(.level == "ERROR") | .msg' |
	sort | uniq -c | awk '{ $1 = $1; print }' | paste -sd';' -)"
out=$(CLUSTER_DIR=$CD "$cluster" revive 2>&1) || true
echo "$out" | sed 's/^/note: /'
expect_eq "after PostgreSQL is back, every event accepted during its outage has a completed run" \
	"${#pg_events[@]} ${#pg_events[@]}" "$(count_completed "${pg_events[@]}") ${#pg_events[@]}"
expect_eq "the 10 events sent while PostgreSQL was down were all accepted" 10 "${#pg_events[@]}"

# Redis restarted (SIGTERM: the append-only file is written; down for 1 s)
# while contact-form runs are in progress.
redis_events=()
for ((i = 1; i <= 10; i++)); do
	http POST "$CLUSTER_FRONT_URL/api/contact" -H 'Content-Type: application/json' \
		-d "{\"name\":\"Redis $i\",\"email\":\"redis-$i@example.org\",\"message\":\"during a Redis restart\"}"
	id=$(jq -r '.id // empty' <<<"$HTTP_BODY" 2>/dev/null || true)
	[[ $HTTP_STATUS == 202 && -n $id ]] && redis_events+=("$id")
done
expect_eq "10 contact forms accepted before the Redis restart" 10 "${#redis_events[@]}"
CLUSTER_DIR=$CD "$cluster" pause redis >/dev/null
sleep 1
down_replicas=$(replicas_alive)
echo "note: Redis down for 1 s; replicas: $down_replicas"
out=$(CLUSTER_DIR=$CD "$cluster" revive 2>&1) || true
sleep 5
echo "note: Redis started again (and any replica that had exited); replicas 5 s later: $(replicas_alive)"
if ! curl -sf --max-time 5 "${SERVER_URLS[0]}/health" -o /dev/null || ! curl -sf --max-time 5 "${SERVER_URLS[1]}/health" -o /dev/null ||
	[[ $(replicas_alive) == *exited* ]]; then
	echo "note: $(cat "$CD"/server-*/server.log | jq -Rr 'fromjson? | select(.msg == "service run errored") | "\(.caller): \(.error)"' |
		head -n 1 | head -c 300)"
	out+=$'\n'$(CLUSTER_DIR=$CD "$cluster" revive 2>&1) || true
fi
echo "$out" | sed '/^$/d; s/^/note: /'
# A replica that exits on the Redis error takes the events still in its
# in-memory event stream with it: when a replica exited, an accepted event
# that no replica logged anything about but (at most) its "publishing event"
# (a replica that exits may not have written even that line), and that has
# no run, is reported as upstream's loss; the others must complete.
kept_events=()
lost_redis=0
for id in "${redis_events[@]}"; do
	nlines=$(cat "$CD"/server-*/server.log | grep -F "$id" | grep -c . || true)
	pub=$(cat "$CD"/server-*/server.log | grep -F "$id" | grep -c '"msg":"publishing event"' || true)
	runs=$(api_get "$CLUSTER_INNGEST_URL" "/v1/events/$id/runs" "$AUTH" | jq '.data | length' 2>/dev/null || echo '?')
	if [[ $down_replicas == *exited* && $nlines == "$pub" && $pub -le 1 && $runs == 0 ]]; then
		lost_redis=$((lost_redis + 1))
		echo "note: UPSTREAM: form event $id was accepted, then died in the memory of a replica that exited on the Redis error (no run)"
	else
		kept_events+=("$id")
	fi
done
expect_eq "after the Redis restart every contact run completes, but for those lost with an exiting replica ($lost_redis)" \
	"${#kept_events[@]}" "$(count_completed "${kept_events[@]}")"
standin_requests "$svc" 'select(.path == "/emails") | {key: .headers["idempotency-key"], status}' >"$emails"
bad=0
for id in "${kept_events[@]}"; do
	n=$(jq -s --arg p "contact-$id-" '[.[] | select(.status < 300 and (.key | startswith($p))) | .key] | unique | length' "$emails")
	[[ $n == 2 ]] || bad=$((bad + 1))
done
expect_eq "after the Redis restart: exactly two emails per form" 0 "$bad"

cluster_down product
summary
