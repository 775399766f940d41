# shellcheck shell=bash
# Helpers for the product app's end-to-end tests against the real Inngest dev
# server (tests/e2e/test_product_dev_server.sh): scripted stand-ins for
# third-party services (tests/standin/standin_http.c), a private redis-server,
# the dev server's GraphQL API (invoke a function on demand, list runs, read
# step outputs), the product store read and seeded from the shell (sqlite3 or
# redis-cli), and scenarios run concurrently with their results gathered.
# It sources tests/lib/inngest.sh (and so nginx.sh); e2e_cleanup stops the
# stand-ins and redis-servers under $E2E_DIR.
#
#   standin_build                        compiles the stand-in into $E2E_DIR/bin/standin (once)
#   standin_start PREFIX PORT            serves PREFIX/script, logs PREFIX/requests.jsonl
#   standin_stop PREFIX
#   standin_requests PREFIX [JQ_FILTER]  one JSON line per recorded request (jq -c)
#   register_standin_start               the Inngest API's /fn/register answering 200 and
#                                        recording each call: sets reg (its prefix), reg_port
#   redis_start PREFIX PORT / redis_stop PREFIX
#   gql BASE QUERY [VARS_JSON]           POST BASE/v0/gql; prints the answer
#   invoke_fn BASE SLUG DATA_JSON        runs any function now (the dev UI's "Invoke")
#   fn_runs BASE SLUG FROM               [{id,status,endedAt,triggerIDs}] of a function since FROM
#   runs_count BASE SLUG FROM STATUS     how many of those runs have that status (COMPLETED…)
#   wait_run_status BASE EVENT_ID STATUS SECS   the event's run once over with STATUS (Completed…)
#   wait_invoked_run BASE SLUG MARKER FROM STATUS SECS   the same for the invocation with data.e2eMarker
#   events_named BASE NAME [AUTH]        every stored event of that name (all pages), one JSON array
#   all_events BASE                      every stored event (all pages), one JSON array
#   run_step_outputs BASE RUN_ID         the inputs, outputs and errors of every span of a run
#   store_* (STORE_KIND=sqlite|redis)    read or seed the product store
#   scenario_start NAME FN [ARGS…] / scenarios_wait   run scenarios concurrently, then count results
#
# Nothing here stops a process it did not start: every stop is by the pid
# file its start wrote.  Store helpers put their arguments into SQL and Redis
# keys as they are: they are for the tests' own ids only.

# GraphQL variables ($slug…) are meant literally; scenarios change variables
# in their own subshell on purpose.
# shellcheck disable=SC2016,SC2030,SC2031,SC2034

[[ -z ${E2E_PRODUCT_SH:-} ]] || return 0
E2E_PRODUCT_SH=1
# shellcheck source=tests/lib/inngest.sh
source "$(dirname "${BASH_SOURCE[0]}")/inngest.sh"
e2e_on_cleanup standin_stop
e2e_on_cleanup redis_stop

# ---- stand-ins ----------------------------------------------------------------

standin_build() {
	STANDIN_BIN=${STANDIN_BIN:-$E2E_DIR/bin/standin}
	[[ -x $STANDIN_BIN ]] && return 0
	mkdir -p "$(dirname "$STANDIN_BIN")"
	# the project's warning set (Makefile WARN); its buffer is the SDK's (base/dynbuf.c)
	cc -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
		-Wvla -Wformat=2 -I"$E2E_ROOT/handler" -o "$STANDIN_BIN" "$E2E_ROOT/tests/standin/standin_http.c" \
		"$E2E_ROOT/handler/base/dynbuf.c" "$E2E_ROOT/handler/base/mem_alloc.c" ||
		{ echo "standin_build: the stand-in does not compile" >&2; return 1; }
}

standin_start() {
	local prefix=$1 port=$2
	standin_build || return 1
	mkdir -p "$prefix"
	[[ -f $prefix/script ]] || : >"$prefix/script"
	: >"$prefix/requests.jsonl"
	daemon_start "$prefix" standin "$port" \
		"$STANDIN_BIN" --port "$port" --script "$prefix/script" --log "$prefix/requests.jsonl"
}

standin_stop() {
	stop_pid_file "$1/standin.pid"
}

standin_requests() {
	local prefix=$1 filter=${2:-.}
	[[ -s $prefix/requests.jsonl ]] || return 0
	jq -c "$filter" "$prefix/requests.jsonl"
}

# register_standin_start: a stand-in for the Inngest API's POST /fn/register
# that accepts every registration ({"ok":true,"modified":true}) and records
# it (standin_requests "$reg"); sets reg (its prefix under E2E_DIR) and
# reg_port.  Aborts when it does not start.  Stop it with standin_stop "$reg".
register_standin_start() {
	reg=$E2E_DIR/register
	mkdir -p "$reg"
	echo 'POST /fn/register 200 {"ok":true,"modified":true}' >"$reg/script"
	reg_port=$(free_port)
	standin_start "$reg" "$reg_port" || abort "the register stand-in starts"
}

# ---- redis ----------------------------------------------------------------------

# redis-server writes its log itself (--logfile): nothing comes on its output.
redis_start() {
	local prefix=$1 port=$2
	mkdir -p "$prefix"
	daemon_start "$prefix" redis "$port" redis-server --bind 127.0.0.1 --port "$port" --save '' \
		--appendonly no --dir "$prefix" --logfile "$prefix/redis.log" --protected-mode yes
}

redis_stop() {
	stop_pid_file "$1/redis.pid"
}

# ---- the dev server's APIs -----------------------------------------------------------

gql() {
	local base=$1 query=$2 vars=${3:-'{}'}
	curl -sS --max-time 15 -X POST "$base/v0/gql" -H 'Content-Type: application/json' \
		--data-binary "$(jq -nc --arg q "$query" --argjson v "$vars" '{query: $q, variables: $v}')"
}

# The dev UI's "Invoke" button: an inngest/function.invoked event for one
# function, whatever its triggers (this is how a cron function runs on demand).
invoke_fn() {
	local base=$1 slug=$2 data=$3 answer
	answer=$(gql "$base" 'mutation($slug: String!, $data: Map) { invokeFunction(functionSlug: $slug, data: $data) }' \
		"$(jq -nc --arg s "$slug" --argjson d "$data" '{slug: $s, data: $d}')")
	[[ $(jq -r '.data.invokeFunction' <<<"$answer" 2>/dev/null) == true ]] ||
		{ echo "invoke_fn: $slug was not invoked: ${answer:0:300}" >&2; return 1; }
}

fn_uuid() {
	api_get "$1" /dev | jq -r --arg s "$2" '.functions[] | select(.slug == $s) | .id' 2>/dev/null
}

# Runs of one function queued since FROM (ISO 8601), newest first, every page
# (the server answers at most 40 per page).
fn_runs() {
	local base=$1 slug=$2 from=$3 id after='' page i
	local -a pages=()
	id=$(fn_uuid "$base" "$slug")
	[[ -n $id ]] || { echo "fn_runs: no function $slug in the dev server" >&2; return 1; }
	for ((i = 0; i < 50; i++)); do
		page=$(gql "$base" 'query($from: Time!, $f: [UUID!], $after: String) { runs(first: 40, after: $after,
			orderBy: [{field: QUEUED_AT, direction: DESC}], filter: {from: $from, functionIDs: $f}) {
			edges { node { id status endedAt triggerIDs } } pageInfo { hasNextPage endCursor } } }' \
			"$(jq -nc --arg from "$from" --arg f "$id" --arg a "$after" '{from: $from, f: [$f], after: (if $a == "" then null else $a end)}')") ||
			return 1
		pages+=("$(jq -c '[.data.runs.edges[].node]' <<<"$page")")
		[[ $(jq -r '.data.runs.pageInfo.hasNextPage' <<<"$page") == true ]] || break
		after=$(jq -r '.data.runs.pageInfo.endCursor' <<<"$page")
	done
	printf '%s\n' "${pages[@]}" | jq -cs 'add'
}

runs_count() {
	fn_runs "$1" "$2" "$3" | jq --arg s "$4" '[.[] | select(.status == $s)] | length'
}

# ---- waiting for a run -------------------------------------------------------------
# ended_at alone does not say a run is over: the dev server's run record can
# carry an ended_at while the run is still going (seen on a track-post-view
# run: ended_at at its first step, its last step 6 s later; the status, which
# the REST API reads from the run's root span, still said "Running").  So
# these wait for the status the caller expects as well.  Completed is final;
# a caller that expects Failed confirms the end another way (the onFailure
# handler's event, sent only once the run has failed for good).

# wait_run_status BASE EVENT_ID STATUS SECS: the event's first run once it has
# ended with STATUS; on timeout the last answer's run (for the message) and 1.
run_status_once() {
	local body
	body=$(api_get "$1" "$2") || return 1
	RUN_STATUS_LAST=$(jq -c "$4" <<<"$body" 2>/dev/null)
	jq -ce --arg s "$3" 'select(. != null and .ended_at != null and .status == $s)' <<<"$RUN_STATUS_LAST" 2>/dev/null
}

# run_status_wait BASE PATH FILTER STATUS SECS WHO WHAT: polls GET PATH until
# FILTER of the answer is a run over with STATUS; else "WHO: WHAT after SECS
# s" on stderr, the last run seen on stdout, and 1.
run_status_wait() {
	local base=$1 path=$2 filter=$3 status=$4 secs=$5
	RUN_STATUS_LAST=null
	poll_until "$secs" run_status_once "$base" "$path" "$status" "$filter" && return 0
	echo "$6: $7 after $secs s" >&2
	echo "$RUN_STATUS_LAST"
	return 1
}

wait_run_status() {
	run_status_wait "$1" "/v1/events/$2/runs" '.data[0]' "$3" "$4" wait_run_status "event $2 has no $3 run"
}

# The same for a run id.
wait_run_id_status() {
	run_status_wait "$1" "/v1/runs/$2" '.data' "$3" "$4" wait_run_id_status "run $2 is not $3"
}

# Invoked runs have no event of ours to look them up by, so each invocation
# carries data.e2eMarker and the runs of the function are matched through
# their trigger event.
invoked_run_id_once() {
	local base=$1 slug=$2 marker=$3 from=$4 run trigger
	while read -r run trigger; do
		[[ -n $run ]] || continue
		if [[ $(api_get "$base" "/v1/events/$trigger" | jq -r '.data.data.e2eMarker // empty' 2>/dev/null) == "$marker" ]]; then
			echo "$run"
			return 0
		fi
	done < <(fn_runs "$base" "$slug" "$from" | jq -r '.[] | "\(.id) \(.triggerIDs[0])"')
	return 1
}

# wait_invoked_run BASE SLUG MARKER FROM STATUS SECS: the REST run of the
# invocation once it has ended with STATUS.
wait_invoked_run() {
	local base=$1 slug=$2 marker=$3 from=$4 status=$5 secs=$6 run
	run=$(poll_until "$secs" invoked_run_id_once "$base" "$slug" "$marker" "$from") ||
		{ echo "wait_invoked_run: no run of $slug for marker $marker after $secs s" >&2; return 1; }
	wait_run_id_status "$base" "$run" "$status" "$secs"
}

# events_page_all BASE [NAME [AUTH]]: every stored event (of NAME, when
# given), newest first; AUTH as api_get's (`inngest start` refuses the REST
# API without the signing key).  The REST API pages by at most 51 events,
# older pages through ?cursor=<last internal id>.
events_page_all() {
	local base=$1 name=${2:-} auth=${3:-} cursor='' page n i
	local -a pages=()
	for ((i = 0; i < 100; i++)); do
		page=$(api_get "$base" "/v1/events?limit=51${name:+&name=$name}${cursor:+&cursor=$cursor}" "$auth" |
			jq -ce '.data // empty') || { echo "events_page_all: no event list from $base" >&2; return 1; }
		n=$(jq 'length' <<<"$page")
		((n > 0)) || break
		pages+=("$page")
		cursor=$(jq -r '.[-1].internal_id' <<<"$page")
		((n == 51)) || break
	done
	if ((${#pages[@]} == 0)); then echo '[]'; else printf '%s\n' "${pages[@]}" | jq -cs 'add'; fi
}

events_named() { events_page_all "$1" "$2" "${3:-}"; }
all_events() { events_page_all "$1"; }

# The text of every span's input, output and error of a run (step outputs
# included), for checks that something never reached Inngest.
run_step_outputs() {
	local base=$1 run=$2 o
	local ids
	ids=$(gql "$base" 'query($r: String!) { runTrace(runID: $r) { outputID childrenSpans { outputID
		childrenSpans { outputID childrenSpans { outputID } } } } }' "$(jq -nc --arg r "$run" '{r: $r}')" |
		jq -r '.. | .outputID? // empty')
	for o in $ids; do
		gql "$base" 'query($o: String!) { runTraceSpanOutputByID(outputID: $o) { input data error { message name stack } } }' \
			"$(jq -nc --arg o "$o" '{o: $o}')"
		echo
	done
}

# ---- the product store ---------------------------------------------------------------
# STORE_KIND=sqlite with STORE_DB=<file>, or STORE_KIND=redis with
# STORE_REDIS_PORT and STORE_APP_ID (the key prefix is inngest-fcgi:<app id>:).

store_sql() { sqlite3 -batch -noheader -cmd '.timeout 5000' "$STORE_DB" "$@"; }
store_key() { echo "inngest-fcgi:$STORE_APP_ID:$1"; }
# --raw: values as they are (JSON bodies with their quotes).
store_redis_raw() { redis-cli -h 127.0.0.1 -p "$STORE_REDIS_PORT" --raw "$@"; }

# The store keeps records (functions/README.md §2.3): SQLite's records table,
# Redis's r:<kind>:<key> hashes (t text, n num, s stamp, v version) listed by
# the k:<kind> (by key) and s:<kind> (by stamp) sorted sets.
SEP=$'\x1f' # joins the parts of a composite key ("<day>SEP<slug>")

store_record_num() { store_redis_raw HGET "$(store_key "r:$1:$2")" n; }
# Redis: a record and its two index entries (no expiry).
store_redis_put() {
	local kind=$1 key=$2 text=$3 num=$4 stamp=$5
	store_redis_raw HSET "$(store_key "r:$kind:$key")" t "$text" n "$num" s "$stamp" v 1 >/dev/null &&
		store_redis_raw ZADD "$(store_key "k:$kind")" 0 "$key" >/dev/null &&
		store_redis_raw ZADD "$(store_key "s:$kind")" "$stamp" "$key" >/dev/null
}
store_redis_keys() { store_redis_raw ZRANGE "$(store_key "k:$1")" 0 -1; }

store_views_total() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT COALESCE((SELECT num FROM records WHERE kind = 'views-total' AND key = '$1'), 0);" ;;
	redis) local v; v=$(store_record_num views-total "$1"); echo "${v:-0}" ;;
	esac
}

# The sum of the slug's daily buckets.
store_views_by_day_sum() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT COALESCE(SUM(num), 0) FROM records WHERE kind = 'views-day' AND substr(key, 12) = '$1';" ;;
	redis)
		local key sum=0 v
		while IFS= read -r key; do
			[[ ${key#*"$SEP"} == "$1" ]] || continue
			v=$(store_record_num views-day "$key")
			sum=$((sum + ${v:-0}))
		done < <(store_redis_keys views-day)
		echo "$sum"
		;;
	esac
}

# The milestones recorded for a slug, ascending, space-separated.
store_milestones() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT json_extract(text, '\$.milestone') FROM records WHERE kind = 'milestone' AND
		json_extract(text, '\$.slug') = '$1' ORDER BY 1;" | paste -sd' ' ;;
	redis)
		local key
		while IFS= read -r key; do
			store_redis_raw HGET "$(store_key "r:milestone:$key")" t
			echo
		done < <(store_redis_keys milestone) | jq -r --arg s "$1" 'select(.slug == $s) | .milestone' |
			sort -n | paste -sd' '
		;;
	esac
}

# A stored document's JSON body (kind: trending, summary, github), or nothing.
store_doc() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT text FROM records WHERE kind = '$1' AND key = '$2';" ;;
	redis) store_redis_raw HGET "$(store_key "r:$1:$2")" t ;;
	esac
}

# "<status> <customer id> <user id>" of a Stripe subscription ('-' for none).
store_subscription() {
	local doc
	case $STORE_KIND in
	sqlite) doc=$(store_sql "SELECT text FROM records WHERE kind = 'subscription' AND key = '$1';") ;;
	redis) doc=$(store_redis_raw HGET "$(store_key "r:subscription:$1")" t) ;;
	esac
	[[ -n $doc ]] || return 0
	jq -r '"\(.status // "-") \(.customerId // "-") \(.userId // "-")"' <<<"$doc"
}

# store_seed_views SLUG N DAY: N views of SLUG counted on DAY (as if
# track-post-view had run N times; no event ids remembered).
store_seed_views() {
	local slug=$1 n=$2 day=$3
	case $STORE_KIND in
	sqlite) store_sql "INSERT INTO records (kind, key, text, num) VALUES ('views-total', '$slug', '$slug', $n);
		INSERT INTO records (kind, key, num) VALUES ('views-day', '$day' || char(31) || '$slug', $n);" ;;
	redis) store_redis_put views-total "$slug" "$slug" "$n" 0 && store_redis_put views-day "$day$SEP$slug" '' "$n" 0 ;;
	esac
}

store_put_session() {
	local id=$1 user=$2 expires=$3
	case $STORE_KIND in
	sqlite) store_sql "INSERT OR REPLACE INTO records (kind, key, text, num, stamp)
		VALUES ('session', '$id', '$user', $expires, $expires);" ;;
	redis) store_redis_put session "$id" "$user" "$expires" "$expires" ;;
	esac
}

# Every session id, sorted, space-separated.
store_sessions() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT key FROM records WHERE kind = 'session' ORDER BY key;" | paste -sd' ' ;;
	redis) store_redis_keys session | sort | paste -sd' ' ;;
	esac
}

store_book_count() {
	case $STORE_KIND in
	sqlite) store_sql "SELECT num FROM records WHERE kind = 'readwise-books' AND key = '$1';" ;;
	redis) store_record_num readwise-books "$1" ;;
	esac
}

# ---- concurrent scenarios ------------------------------------------------------------
# A scenario is a shell function that reports with pass/fail/expect_*; it runs
# in a background subshell whose output goes to a file, and scenarios_wait
# prints each file in start order and adds its counts to the script's.  A
# scenario that stops early (a failed command under set -e) counts as a
# failure of its own.  In the subshell E2E_DIR is a directory of the
# scenario's own, so that `http` (which keeps the last answer in
# $E2E_DIR/last.*) never reads another scenario's answer, and api_get's
# sequence numbers start apart (its cache-busting URLs never collide).

SCENARIO_NAMES=()
SCENARIO_PIDS=()

scenario_start() {
	local name=$1
	shift
	mkdir -p "$E2E_DIR/scenarios"
	(
		TESTS_PASSED=0 TESTS_FAILED=0
		E2E_DIR=$E2E_DIR/scenarios/$name.d
		mkdir -p "$E2E_DIR"
		API_GET_SEQ=$((BASHPID * 100000))
		"$@"
	) >"$E2E_DIR/scenarios/$name.out" 2>&1 &
	SCENARIO_NAMES+=("$name")
	SCENARIO_PIDS+=("$!")
}

scenarios_wait() {
	local i name rc out p f
	for i in "${!SCENARIO_PIDS[@]}"; do
		name=${SCENARIO_NAMES[$i]}
		rc=0
		wait "${SCENARIO_PIDS[$i]}" || rc=$?
		out=$E2E_DIR/scenarios/$name.out
		echo "# $name"
		cat "$out"
		p=$(grep -c '^ok   - ' "$out" || true)
		f=$(grep -c '^FAIL - ' "$out" || true)
		TESTS_PASSED=$((TESTS_PASSED + p))
		TESTS_FAILED=$((TESTS_FAILED + f))
		if ((rc != 0)); then
			fail "$name: the scenario stopped early (status $rc)"
		fi
	done
	SCENARIO_NAMES=()
	SCENARIO_PIDS=()
}
