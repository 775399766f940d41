#!/usr/bin/env bash
# Hosts without systemd: contrib/spawn-fcgi/inngest-fcgi-spawn (the launcher
# `make install` puts in sbin) with spawn-fcgi, once with the program's own
# master and workers and once under multiwatch.  Each time: the socket
# belongs to the program's user and nginx's group with mode 0660, the program runs as an
# unprivileged user with the environment file's settings, nginx reaches it,
# `status` and `stop` work and nothing is left running.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin tests/apps/slow_app
launcher=$E2E_ROOT/contrib/spawn-fcgi/inngest-fcgi-spawn.in
e2e_require_tools spawn-fcgi multiwatch
[[ $EUID == 0 ]] || abort "this test runs as root (spawn-fcgi drops privileges to nobody)"
# spawn-fcgi starts the program as nobody, who cannot reach a checkout under a
# 0700 home such as /root: run a copy from the test's own directory (0711).
install -m 0755 "$bin" "$E2E_DIR/slow_app"
bin=$E2E_DIR/slow_app

body='{"ctx":{"attempt":0,"run_id":"01JRUN00000000000000000007","stack":{"current":0,"stack":[]}},"event":{"data":{"ms":0},"id":"01JEVT0000000000000000000A","name":"deploy/slow","ts":1700000000000},"events":[],"steps":{},"version":2}'

# one NAME SUPERVISOR WORKERS EXPECTED_PROCESSES
one() {
	local name=$1 supervisor=$2 workers=$3 dir run pid port user
	dir=$E2E_DIR/$name
	run=$dir/run
	mkdir -p "$run"
	chmod 0711 "$run"
	cat >"$dir/env" <<-EOF
		INNGEST_DEV=1
		INNGEST_APP_ID=spawn-$name
		INNGEST_LOG_LEVEL=info
		INNGEST_FCGI_WORKERS=$workers
	EOF
	chmod 0600 "$dir/env"
	# The launcher's settings, as an admin would put them in the environment file.
	local -a settings=(INNGEST_FCGI_ENV_FILE="$dir/env" INNGEST_FCGI_SOCKET="$run/inngest-fcgi.sock"
		INNGEST_FCGI_PIDFILE="$run/inngest-fcgi.pid" INNGEST_FCGI_USER=nobody INNGEST_FCGI_GROUP=nogroup
		INNGEST_FCGI_SOCKET_GROUP=nogroup INNGEST_FCGI_SUPERVISOR="$supervisor"
		INNGEST_FCGI_DIR="$dir/state" INNGEST_FCGI_LOG="$dir/app.log" INNGEST_FCGI_BIN="$bin")

	out=$(env -i PATH="$PATH" "${settings[@]}" sh "$launcher" start 2>&1) || {
		echo "$out" >&2
		sed 's/^/    log: /' "$dir/app.log" 2>/dev/null | tail -n 5 >&2 # spawn-fcgi's own message
		fail "$name: inngest-fcgi-spawn start"
		return
	}
	pass "$name: inngest-fcgi-spawn start"
	expect_eq "$name: the socket is the program user's, group nogroup (nginx's), 0660" "nobody:nogroup 660" \
		"$(stat -c '%U:%G %a' "$run/inngest-fcgi.sock" 2>/dev/null)"
	pid=$(cat "$run/inngest-fcgi.pid" 2>/dev/null || true)
	if [[ ! $pid =~ ^[0-9]+$ ]]; then
		sed 's/^/    log: /' "$dir/app.log" 2>/dev/null | tail -n 5 >&2
		fail "$name: the pid file names the program (got '$pid')"
		return
	fi
	user=$(ps -o user= -p "$pid" | tr -d ' ')
	expect_eq "$name: the program runs as the unprivileged user" nobody "$user"
	expect_eq "$name: $workers children under pid $pid" "$workers" "$(pgrep -c -P "$pid" || true)"

	port=$(free_port)
	nginx_start "$dir" "$port" "unix:$run/inngest-fcgi.sock" || { fail "$name: nginx starts"; return; }
	http GET "http://127.0.0.1:$port/api/inngest"
	expect_eq "$name: GET through nginx: 200, dev mode from the environment file" "200 dev" \
		"$HTTP_STATUS $(jq -r .mode <<<"$HTTP_BODY" 2>/dev/null)"
	http POST "http://127.0.0.1:$port/api/inngest?fnId=spawn-$name-slow-step&stepId=step" \
		-H 'Content-Type: application/json' --data-binary "$body"
	expect_eq "$name: a call to the app id of the environment file: 206" 206 "$HTTP_STATUS"
	expect_match "$name: the program's log reached the log file" "POST spawn-$name-slow-step .*status=206" \
		"$(cat "$dir/app.log" 2>/dev/null)"

	expect_match "$name: status" "running \\(pid $pid\\)" \
		"$(env -i PATH="$PATH" "${settings[@]}" sh "$launcher" status 2>&1)"
	expect_match "$name: stop" "stopped" "$(env -i PATH="$PATH" "${settings[@]}" sh "$launcher" stop 2>&1)"
	expect_eq "$name: nothing left running" "" "$(pgrep -P "$pid" 2>/dev/null; kill -0 "$pid" 2>/dev/null && echo "$pid")"
	expect_match "$name: status after stop" "not running" \
		"$(env -i PATH="$PATH" "${settings[@]}" sh "$launcher" status 2>&1 || true)"
	nginx_stop "$dir"
	expect_ok "$name: logs clean" check_logs "$dir"
}

one builtin builtin 2
one multiwatch multiwatch 2

# A deployment that cannot work is not started.
dir=$E2E_DIR/broken
mkdir -p "$dir"
printf 'INNGEST_EVENT_KEY=k\n' >"$dir/env"
out=$(env -i PATH="$PATH" INNGEST_FCGI_ENV_FILE="$dir/env" INNGEST_FCGI_PIDFILE="$dir/pid" \
	INNGEST_FCGI_SOCKET="$dir/sock" INNGEST_FCGI_DIR="$dir/state" INNGEST_FCGI_LOG="$dir/app.log" \
	INNGEST_FCGI_BIN="$bin" INNGEST_FCGI_USER=nobody sh "$launcher" start 2>&1) && rc=0 || rc=$?
expect_eq "cloud mode without a signing key: start refuses" 1 "$rc"
expect_match "...and says why, from --check" "check: problem: INNGEST_SIGNING_KEY is not set" "$out"
expect_eq "...and starts nothing" "" "$(ls "$dir/pid" "$dir/sock" 2>/dev/null)"

summary
