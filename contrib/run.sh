#!/usr/bin/env bash
# `make run`: serves an app (APP=product|conformance) from BUILD_DIR behind a
# private nginx on 127.0.0.1:$PORT, in the foreground until Ctrl-C/SIGTERM.
# `run.sh --stop` (`make stop`) cleans up after a run that was killed outright.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib/nginx.sh
source tests/lib/nginx.sh

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

case ${APP:-product} in
product) bin=${BUILD_DIR:-build/release}/inngest-fcgi ;;
conformance) bin=${BUILD_DIR:-build/release}/inngest-fcgi-conformance ;;
*) echo "run.sh: APP must be product or conformance, not '$APP'" >&2; exit 2 ;;
esac

if alive "$prefix/app.pid" || alive "$prefix/nginx.pid"; then
	echo "run.sh: a run on port $PORT is still going ($prefix); stop it with: make stop PORT=$PORT" >&2
	exit 1
fi
if port_listening "$PORT"; then
	echo "run.sh: 127.0.0.1:$PORT is taken by another program; choose another with PORT=…" >&2
	exit 1
fi
rm -rf "$prefix"

if [[ -z ${INNGEST_DEV:-} && -z ${INNGEST_SIGNING_KEY:-} ]]; then
	export INNGEST_DEV=1
	echo "neither INNGEST_DEV nor INNGEST_SIGNING_KEY is set: running in dev mode (INNGEST_DEV=1, no keys needed)"
fi
dev_url=
[[ ${INNGEST_DEV:-} =~ ^https?:// ]] && dev_url=$INNGEST_DEV
sync_url=${INNGEST_BASE_URL:-$dev_url}
endpoint=http://127.0.0.1:$PORT/api/inngest

tail_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	stop_all
	# Stopped after the program so that its last lines are shown.
	[[ -n $tail_pid ]] && sleep 0.3 && kill "$tail_pid" 2>/dev/null
	echo "stopped; logs are in $prefix"
}
trap cleanup EXIT
trap 'exit 130' INT HUP
trap 'exit 143' TERM

# ---- start_dev_server: a later change starts `inngest dev` here when no
# INNGEST_BASE_URL is set.  For now it only says how to point one at us.
start_dev_server() {
	echo "no Inngest server to sync with; start a dev server against this endpoint:"
	echo "    inngest dev --no-discovery -u $endpoint"
	echo "or set INNGEST_DEV=http://127.0.0.1:8288 (or INNGEST_BASE_URL) and run again to sync at start"
}

mkdir -p "$prefix"
app_port=$(free_port)
app_start "$prefix" "$bin" "$app_port"
nginx_start "$prefix" "$PORT" "127.0.0.1:$app_port"
echo "serving ${APP:-product} ($bin) at $endpoint"

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

if [[ -n $sync_url ]]; then
	echo "syncing with $sync_url …"
	result=$(curl -sS -X PUT --max-time 15 -w ' (HTTP %{http_code})' "$endpoint" || true)
	echo "sync: $result"
elif [[ -n ${INNGEST_DEV:-} ]]; then
	start_dev_server
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
