#!/usr/bin/env bash
# `make run`: serves an app behind a private nginx on 127.0.0.1:$PORT, in the
# foreground until Ctrl-C/SIGTERM.  APP is product or conformance (from
# BUILD_DIR), or your own: a built program, a directory of .c files, or .c
# files (built against this tree's SDK by `make user-app`; test_*.c are left
# out, they are your unit tests).
# In dev mode with no server named (no INNGEST_BASE_URL, INNGEST_DEV not a
# URL) it also starts the real Inngest dev server on 127.0.0.1:$DEV_PORT
# (default 8288) and syncs the app with it; with a server named it starts none
# and syncs with that one.  Everything it started lives in one prefix
# directory and stops with it; `run.sh --stop` (`make stop`) cleans up after a
# run that was killed outright.  It never stops a process it did not start.
set -euo pipefail
# APP's paths are the caller's: make them absolute before the cd below.
if [[ -n ${APP:-} && $APP != product && $APP != conformance && ${1:-} != --stop ]]; then
	abs=
	for f in $APP; do
		[[ $f == /* ]] || f=$PWD/$f
		abs+=${abs:+ }$f
	done
	APP=$abs
fi
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib/nginx.sh
source tests/lib/nginx.sh
# shellcheck source=tests/lib/inngest.sh
source tests/lib/inngest.sh

PORT=${PORT:-8080}
[[ $PORT =~ ^[0-9]+$ ]] || { echo "run.sh: PORT must be a number, not '$PORT'" >&2; exit 2; }
base=${XDG_RUNTIME_DIR:-/tmp}
# As root nginx's workers run as nobody and must reach the prefix; a login's
# runtime dir is 0700, so use /tmp then (the same choice for --stop).
if [[ $EUID == 0 ]] && ! searchable_by_others "$base"; then base=/tmp; fi
prefix=$base/inngest-fcgi-$PORT

alive() { [[ -f $1 ]] && kill -0 "$(<"$1")" 2>/dev/null; }

stop_all() {
	nginx_stop "$prefix" || true
	app_stop "$prefix" || true
	server_stop "$prefix" || true
}

if [[ ${1:-} == --stop ]]; then
	if [[ -d $prefix ]]; then
		stop_all
		rm -rf "$prefix"
		echo "stopped the run on port $PORT and removed $prefix"
	else
		echo "nothing to stop on port $PORT ($prefix does not exist)"
	fi
	exit 0
fi

# shellcheck source=contrib/run-app.sh
source contrib/run-app.sh
bin=$(app_program "${APP:-product}" "${BUILD_DIR:-build/release}") || exit 2

if alive "$prefix/app.pid" || alive "$prefix/nginx.pid" || alive "$prefix/server.pid"; then
	echo "run.sh: a run on port $PORT is still going ($prefix); stop it with: make stop PORT=$PORT" >&2
	exit 1
fi
if port_listening "$PORT"; then
	echo "run.sh: 127.0.0.1:$PORT is taken by another program; choose another with PORT=…" >&2
	exit 1
fi
rm -rf "$prefix"

mode_note=
if [[ -z ${INNGEST_DEV:-} && -z ${INNGEST_SIGNING_KEY:-} ]]; then
	export INNGEST_DEV=1
	mode_note="neither INNGEST_DEV nor INNGEST_SIGNING_KEY is set: running in dev mode (INNGEST_DEV=1, no keys needed)"
fi
dev_url=
[[ ${INNGEST_DEV:-} =~ ^https?:// ]] && dev_url=$INNGEST_DEV
sync_url=${INNGEST_BASE_URL:-$dev_url}
endpoint=http://127.0.0.1:$PORT/api/inngest
own_server=
if [[ -z $sync_url && -n ${INNGEST_DEV:-} && ${INNGEST_DEV:-} != 0 && ${INNGEST_DEV:-} != false ]]; then
	own_server=1
	DEV_PORT=${DEV_PORT:-8288}
	[[ $DEV_PORT =~ ^[0-9]+$ ]] || { echo "run.sh: DEV_PORT must be a number, not '$DEV_PORT'" >&2; exit 2; }
	# Before anything starts: without a CLI there is no dev server to sync
	# with, and build.sh has already said why (on stderr).
	inngest_cli >/dev/null || {
		echo "run.sh: no Inngest dev server can be started; set INNGEST_BASE_URL to a running server," \
			"or INNGEST_CLI to an inngest binary" >&2
		exit 1
	}
	if port_listening "$DEV_PORT"; then
		echo "run.sh: 127.0.0.1:$DEV_PORT (the dev server's port) is taken; choose another with DEV_PORT=…," \
			"or set INNGEST_BASE_URL to the server that listens there" >&2
		exit 1
	fi
fi
# With our own dev server the first line is the web UI's address: the notes
# come after it.
[[ -n $mode_note && -z $own_server ]] && echo "$mode_note"

tail_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	stop_all
	# Stopped after the program so that its last lines are shown.  A group
	# signal may have ended it already: under set -e a failed kill here would
	# end the cleanup before its last line.
	if [[ -n $tail_pid ]]; then
		sleep 0.3
		kill "$tail_pid" 2>/dev/null || true
	fi
	echo "stopped; logs are in $prefix"
}
trap cleanup EXIT
trap 'exit 130' INT HUP
trap 'exit 143' TERM

mkdir -p "$prefix"
if [[ -n $own_server ]]; then
	# Only the API port is the user's; the connect gateway and gRPC ports are
	# free ones.  No polling: it would re-sync every 5 s (two log lines each
	# time), and a rebuilt app comes with a new `make run`, which syncs.
	SERVER_PORT=$DEV_PORT server_launch "$prefix" dev --no-discovery --no-poll -u "$endpoint" || {
		echo "run.sh: the Inngest dev server did not start; its log is $prefix/server.log" >&2
		exit 1
	}
	export INNGEST_BASE_URL=$SERVER_URL
	sync_url=$SERVER_URL
fi
app_port=$(free_port)
app_start "$prefix" "$bin" "$app_port"
nginx_start "$prefix" "$PORT" "127.0.0.1:$app_port"
if [[ -z $own_server ]]; then
	case ${APP:-product} in
	product | conformance) echo "serving ${APP:-product} ($bin) at $endpoint" ;;
	*) echo "serving your app $bin at $endpoint" ;;
	esac
fi

# Cloud mode may refuse an unsigned GET (401); that still means it is up.
for ((i = 0; ; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$endpoint" || true)
	[[ $code == 200 || ($code == 401 && -z ${INNGEST_DEV:-}) ]] && break
	if ((i >= 100)); then
		echo "run.sh: GET $endpoint still answers $code after 10 s; the program's log:" >&2
		tail -n 30 "$prefix/app.log" >&2
		exit 1
	fi
	sleep 0.1
done

# sync: PUT to our endpoint; the program registers itself with the server and
# relays the server's answer.  Sets sync_answer and sync_code.
sync_app() {
	sync_answer=$(curl -sS -X PUT --max-time 15 -w '\n%{http_code}' "$endpoint" 2>&1 || true)
	sync_code=${sync_answer##*$'\n'}
	sync_answer=${sync_answer%$'\n'*}
	[[ $sync_code == 200 ]]
}

if [[ -n $own_server ]]; then
	# The dev server answers /health before it takes registrations: retry a
	# little.  Our own server refusing us is an error, not a warning.
	for ((i = 0; i < 20; i++)); do
		sync_app && break
		sleep 0.5
	done
	if [[ $sync_code != 200 ]]; then
		echo "run.sh: could not sync with the dev server at $sync_url: HTTP $sync_code $sync_answer" >&2
		exit 1
	fi
	count=$(curl -sS --max-time 5 "$endpoint" 2>/dev/null | jq -r '.function_count // empty' 2>/dev/null || true)
	# A CLI built without its UI (no Node.js at build time) answers GET / with
	# an empty page: say so rather than send the user to a blank tab.
	# (tr: the page carries NUL bytes, in the router's serialized state)
	page=$(curl -sS --max-time 5 "$sync_url/" 2>/dev/null | tr -d '\0' || true)
	if [[ $page == *'<title>Inngest'* ]]; then
		echo "open $sync_url    # the Inngest dev server's web UI: apps, functions, events, runs"
		ui=1
	else
		echo "no web UI at $sync_url: $(inngest_cli) has none (contrib/inngest-cli/build.sh builds" \
			"one with it where Node.js >= 20.19 is installed); its REST API is there"
		ui=
	fi
	case ${APP:-product} in
	product) label="product app" example='{"name":"test/hello.world","data":{"email":"you@example.com"}}' ;;
	conformance) label="conformance app" example='{"name":"conf/steps","data":{}}' ;;
	*) label="your app" example= ;;
	esac
	echo "endpoint: $endpoint    # $label${count:+, $count functions}, synced: $sync_answer"
	[[ -z $mode_note ]] || echo "$mode_note"
	print_example_event "$bin" "$sync_url" "$ui" "$example"
	echo "logs: $prefix (server.log: the dev server; app.log: the program, also shown below)"
elif [[ -n $sync_url ]]; then
	echo "syncing with $sync_url …"
	if sync_app; then
		echo "sync: $sync_answer"
	else
		echo "run.sh: warning: the sync with $sync_url failed (HTTP $sync_code): $sync_answer" >&2
		echo "run.sh: the app still serves; sync it later with: curl -X PUT $endpoint" >&2
	fi
fi

echo "ready: $endpoint"
# In the background so that a SIGTERM runs the trap at once; --pid ends the
# tail (and the run) if the program dies by itself.
tail -n +1 -f --pid="$(<"$prefix/app.pid")" "$prefix/app.log" &
tail_pid=$!
wait "$tail_pid" || true
tail_pid=
echo "run.sh: the program exited; see $prefix/app.log" >&2
exit 1
