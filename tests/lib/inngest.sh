# shellcheck shell=bash
# Helpers that put the real Inngest server (the `inngest` CLI) into an e2e test
# or into contrib/run.sh: a private `inngest dev` or `inngest start` on free
# loopback ports, its log and pid in a prefix directory, and the REST calls a
# test needs (send an event, wait for a run to end, wait for a sync).  It
# sources tests/lib/nginx.sh (free_ports, port_listening, stop_pid_file).
#
# It never touches a server it did not start: every stop is by the pid it
# wrote, and every port is chosen free (other sessions run their own servers
# on the default ports).  The server gets its settings from flags only: the
# INNGEST_* variables of the caller (which the CLI would also read) are
# removed from its environment.
#
#   inngest_cli                          path of the CLI (contrib/inngest-cli/build.sh), or fails with its message
#   server_launch PREFIX SUBCOMMAND [FLAG…]  `inngest SUBCOMMAND` on 127.0.0.1, free ports; sets SERVER_URL
#   dev_server_start PREFIX [FLAG…]      `inngest dev` (no discovery, no polling); sets SERVER_URL
#   self_hosted_start PREFIX FLAG…       `inngest start` (--signing-key, --event-key, --redis-uri …); sets SERVER_URL
#   server_restart PREFIX                the same command line again, on the same ports
#   server_stop PREFIX                   SIGTERM (SIGKILL after the wait), by the pid in PREFIX/server.pid
#   send_event BASE KEY JSON             POST BASE/e/KEY; prints the first event id
#   event_run_id BASE EVENT_ID SECS [AUTH]   prints the id of the event's first run once it exists
#   wait_run BASE EVENT_ID SECS [AUTH]   prints the event's run (JSON) once it has ended
#   wait_run_id BASE RUN_ID SECS [AUTH]  the same for a run id
#   wait_synced BASE APP_ID COUNT SECS [AUTH]   until the app has COUNT functions in the server
#   api_get BASE PATH [AUTH]             GET through the server's response cache (see below)
#   dev_app_preamble APP [PROGRAM], dev_app_up [N=V…] (dev_app_serve [N=V…] + dev_app_server
#   [FLAG…]), dev_app_program_start [N=V…]  e2e: a program behind nginx under a private `inngest dev`
#   sync_put URL                         PUT URL, again while the dev server's own sync holds it (429)
#   dev_app_sync WHAT COUNT SECS         e2e: sync_put of the endpoint, then the app's COUNT functions listed
#
# AUTH is a whole header line, e.g. "Authorization: Bearer <signing key>" for
# `inngest start`; the dev server needs none.  SERVER_PORT, when set by the
# caller, fixes the API port (make run's DEV_PORT); the other ports are free.

[[ -z ${E2E_INNGEST_SH:-} ]] || return 0
E2E_INNGEST_SH=1
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"
e2e_on_cleanup server_stop

# e2e_init clears INNGEST_*: keep a CLI the developer named before it does.
E2E_CLI_FROM_ENV=${INNGEST_CLI:-}
E2E_CLI_VERSION_FROM_ENV=${INNGEST_CLI_VERSION:-}

# Path of the `inngest` binary.  build.sh may take minutes the first time (it
# builds from the Go module); when it cannot provide one, its own message is
# what the caller shows.
inngest_cli() {
	if [[ -z ${E2E_CLI_PATH:-} ]]; then
		E2E_CLI_PATH=$(INNGEST_CLI=$E2E_CLI_FROM_ENV INNGEST_CLI_VERSION=$E2E_CLI_VERSION_FROM_ENV \
			"$E2E_ROOT/contrib/inngest-cli/build.sh") || {
			echo "inngest_cli: no Inngest CLI could be had (contrib/inngest-cli/build.sh failed; its message is above)" >&2
			return 1
		}
	fi
	echo "$E2E_CLI_PATH"
}

# server_launch PREFIX SUBCOMMAND FLAG…: the common part of dev and start.
# The command line is kept in PREFIX/server.cmd so that server_restart can run
# it again with the same ports, keys and database.
server_launch() {
	local prefix=$1 sub=$2 cli api gw gw_grpc exec_grpc
	shift 2
	cli=$(inngest_cli) || return 1
	mkdir -p "$prefix"
	# A free port can be taken by another program between our check and the
	# server's bind (other suites start servers too): try again with new ports.
	local attempt
	for attempt in 1 2 3; do
		read -r api gw gw_grpc exec_grpc < <(free_ports 4) || return 1
		api=${SERVER_PORT:-$api}
		local -a cmd=("$cli" "$sub" --host 127.0.0.1 --port "$api"
			--connect-gateway-port "$gw" --connect-gateway-grpc-port "$gw_grpc"
			--connect-executor-grpc-port "$exec_grpc" "$@")
		printf '%s\0' "${cmd[@]}" >"$prefix/server.cmd"
		echo "$api" >"$prefix/server.port"
		SERVER_PORT_CONFLICT=
		server_run "$prefix" && return 0
		[[ -n $SERVER_PORT_CONFLICT && -z ${SERVER_PORT:-} ]] || return 1
		echo "server_launch: port conflict, trying again with other ports ($attempt/3)" >&2
		mv "$prefix/server.log" "$prefix/server.log.conflict-$attempt"
	done
	return 1
}

# Starts PREFIX/server.cmd and waits for GET /health on its port.
server_run() {
	local prefix=$1 api pid i v
	api=$(<"$prefix/server.port")
	if port_listening "$api"; then
		echo "server_start: 127.0.0.1:$api is taken by another program" >&2
		SERVER_PORT_CONFLICT=1
		return 1
	fi
	local -a cmd clean_env=()
	mapfile -d '' -t cmd <"$prefix/server.cmd"
	for v in ${!INNGEST_@}; do clean_env+=(-u "$v"); done
	# setsid: a Ctrl-C meant for the script must not reach the server first;
	# the script's cleanup stops it.  env and setsid exec, so $! is the server.
	# DO_NOT_TRACK: no telemetry or update check; without a network the CLI
	# would otherwise wait for that request before it exits.
	env "${clean_env[@]}" DO_NOT_TRACK=1 setsid "${cmd[@]}" >>"$prefix/server.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$prefix/server.pid"
	for ((i = 0; i < E2E_WAIT_SECS * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "server_start: the Inngest server exited at start; its log:" >&2
			tail -n 20 "$prefix/server.log" >&2
			return 1
		fi
		# The server moves to the next port when one is taken ("Port
		# conflict"): the port must be ours, not someone else's.
		if [[ $(ss -Hltnp "sport = :$api" 2>/dev/null) == *"pid=$pid,"* ]] &&
			curl -sf --max-time 2 "http://127.0.0.1:$api/health" >/dev/null 2>&1; then
			SERVER_URL=http://127.0.0.1:$api
			export SERVER_URL
			return 0
		fi
		if grep -q 'Port conflict' "$prefix/server.log"; then
			echo "server_start: a port was taken and the server moved elsewhere:" >&2
			grep 'Port conflict' "$prefix/server.log" >&2
			server_stop "$prefix"
			SERVER_PORT_CONFLICT=1
			return 1
		fi
		sleep 0.1
	done
	echo "server_start: no answer on http://127.0.0.1:$api/health after $E2E_WAIT_SECS s; its log:" >&2
	tail -n 20 "$prefix/server.log" >&2
	return 1
}

dev_server_start() {
	local prefix=$1
	shift
	server_launch "$prefix" dev --no-discovery --no-poll "$@"
}

# --sqlite-dir is inside the prefix, so a restart keeps the history.
self_hosted_start() {
	local prefix=$1
	shift
	server_launch "$prefix" start --sqlite-dir "$prefix/db" "$@"
}

server_restart() {
	server_run "$1"
}

# True while the server of PREFIX runs.
server_alive() {
	[[ -f $1/server.pid ]] && kill -0 "$(<"$1/server.pid")" 2>/dev/null
}

server_stop() {
	stop_pid_file "$1/server.pid" "the Inngest server"
}

# GET BASE PATH.  The server caches GET answers for up to 15 s by URL (and
# Authorization): a poll that asks the same URL twice sees the old answer, so
# every call adds a query parameter of its own (the time in microseconds; a
# counter would not survive the $(…) subshells this is called from).
api_get() {
	local base=$1 path=$2 auth=${3:-} sep='?'
	[[ $path == *\?* ]] && sep='&'
	curl -sS --max-time 10 ${auth:+-H "$auth"} "$base$path${sep}poll=${EPOCHREALTIME/./}$RANDOM"
}

send_event() {
	local base=$1 key=$2 json=$3 answer id
	answer=$(curl -sS --max-time 10 -X POST "$base/e/$key" -H 'Content-Type: application/json' \
		--data-binary "$json") || { echo "send_event: POST $base/e/… failed" >&2; return 1; }
	id=$(jq -r '.ids[0] // empty' <<<"$answer" 2>/dev/null)
	[[ -n $id ]] || { echo "send_event: the server did not accept the event: $answer" >&2; return 1; }
	echo "$id"
}

# poll_until SECS FN ARGS…: runs FN every 0.3 s until it succeeds (FN prints
# the result) or SECS have passed.
poll_until() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.3
	done
	return 1
}

run_id_once() {
	local id
	id=$(api_get "$1" "/v1/events/$2/runs" "${3:-}" | jq -r '.data[0].run_id // empty' 2>/dev/null)
	[[ -n $id ]] && echo "$id"
}

event_run_id() {
	local base=$1 event=$2 secs=$3 auth=${4:-}
	poll_until "$secs" run_id_once "$base" "$event" "$auth" ||
		{ echo "event_run_id: event $event has no run after $secs s" >&2; return 1; }
}

# A run's status says "Failed" while it waits for a retry; only ended_at
# tells that it is over.
# A run has ended when it has ended_at AND a final status: the dev server can
# set ended_at from the run record while the root span still says Running.
ended_run_once() {
	local body
	body=$(api_get "$1" "$2" "${3:-}") || return 1
	WAIT_RUN_LAST=$body
	jq -ce "$4 | select(. != null and .ended_at != null and (.status | IN(\"Completed\", \"Failed\", \"Cancelled\")))" <<<"$body" 2>/dev/null
}

wait_run() {
	local base=$1 event=$2 secs=$3 auth=${4:-}
	WAIT_RUN_LAST=
	poll_until "$secs" ended_run_once "$base" "/v1/events/$event/runs" "$auth" \
		'if (.data | length) > 0 and all(.data[]; .ended_at != null and (.status | IN("Completed", "Failed", "Cancelled"))) then .data[0] else null end' || {
		echo "wait_run: no ended run for event $event after $secs s; last answer: ${WAIT_RUN_LAST:0:500}" >&2
		return 1
	}
}

wait_run_id() {
	local base=$1 run=$2 secs=$3 auth=${4:-}
	WAIT_RUN_LAST=
	poll_until "$secs" ended_run_once "$base" "/v1/runs/$run" "$auth" '.data' || {
		echo "wait_run_id: run $run has not ended after $secs s; last answer: ${WAIT_RUN_LAST:0:500}" >&2
		return 1
	}
}

synced_once() {
	local n
	n=$(api_get "$1" "/v1/apps/$2/functions" "${4:-}" | jq -r 'if type == "array" then length else empty end' 2>/dev/null)
	[[ $n == "$3" ]]
}

wait_synced() {
	local base=$1 app=$2 count=$3 secs=$4 auth=${5:-}
	poll_until "$secs" synced_once "$base" "$app" "$count" "$auth" || {
		echo "wait_synced: app $app does not have $count functions in $base after $secs s:" \
			"$(api_get "$base" "/v1/apps/$app/functions" "$auth" | head -c 300)" >&2
		return 1
	}
}

# dev_app_preamble APP [PROGRAM]: what the scripts that run a program (the
# conformance program unless PROGRAM, a path under the build directory, says
# otherwise) under a private `inngest dev` share.  Sets bin (e2e_program), app,
# dev and srv (the server's and the program's prefixes under E2E_DIR, which
# e2e_cleanup stops) and log; aborts when the program or the Inngest CLI is
# missing.
dev_app_preamble() {
	e2e_program bin "${2:-inngest-fcgi-conformance}"
	app=$1
	dev=$E2E_DIR/dev
	srv=$E2E_DIR/app
	# shellcheck disable=SC2034  # read by the scripts
	log=$srv/app.log
	inngest_cli >/dev/null || abort "an Inngest CLI (contrib/inngest-cli/build.sh)"
}

# dev_app_program_start [NAME=VALUE…]: the program of dev_app_preamble on
# app_port in dev mode, its app id $app, its Inngest server $base, with the
# extra environment given.  Its status is app_start's.
dev_app_program_start() {
	app_start "$srv" "$bin" "$app_port" INNGEST_DEV=1 INNGEST_APP_ID="$app" INNGEST_BASE_URL="$base" "$@"
}

# dev_app_serve [NAME=VALUE…]: after dev_app_preamble, three free ports and,
# on them, nginx and the program (dev_app_program_start with the environment
# given).  Sets ngx_port, app_port, api_port (the one dev_app_server takes),
# endpoint and base.  Aborts naming what did not start (never a value of the
# environment given: it may hold a key).
dev_app_serve() {
	read -r ngx_port app_port api_port < <(free_ports 3)
	endpoint=http://127.0.0.1:$ngx_port/api/inngest
	base=http://127.0.0.1:$api_port
	mkdir -p "$srv"
	nginx_start "$srv" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
	dev_app_program_start "$@" || abort "the program starts${1:+ (with ${*%%=*})}"
}

# dev_app_server [FLAG…]: `inngest dev` on api_port with the flags given.
dev_app_server() {
	SERVER_PORT=$api_port dev_server_start "$dev" "$@" || abort "inngest dev starts"
}

# dev_app_up [NAME=VALUE…]: dev_app_serve, then `inngest dev` pointed at the
# endpoint.
dev_app_up() {
	dev_app_serve "$@"
	dev_app_server -u "$endpoint"
}

# dev_app_sync WHAT COUNT SECS: after dev_app_up, the PUT sync (sync_put):
# "PUT sync: 200"; then WHAT passes once the dev server lists COUNT functions
# of the app (wait_synced, SECS at most).
dev_app_sync() {
	sync_put "$endpoint"
	expect_eq "PUT sync: 200" 200 "$HTTP_STATUS"
	expect_ok "$1" wait_synced "$base" "$app" "$2" "$3"
}

# sync_put URL [curl args…]: PUT URL as `http` does, and again while the
# answer is 429: a dev server started with -u syncs that URL itself, and the
# program serves one sync at a time (slow under valgrind, so the two meet).
# Gives up after twice E2E_WAIT_SECS; HTTP_STATUS is the last answer's.
sync_put() {
	local url=$1 end=$((SECONDS + E2E_WAIT_SECS * 2))
	shift
	while :; do
		http PUT "$url" "$@"
		[[ $HTTP_STATUS == 429 && $SECONDS -lt $end ]] || return 0
		sleep 0.5
	done
}
