# shellcheck shell=bash
# Helpers for end-to-end tests (and contrib/run.sh): a private nginx and the
# FastCGI program on free loopback ports, each instance in its own prefix
# directory that holds its config, pid files and logs.  Source this file from a
# script that has `set -euo pipefail`.
#
#   e2e_init                             temp dir $E2E_DIR, cleanup trap, clean env,
#                                        the tools every e2e script runs are there
#   e2e_require_tools TOOL…              fails the script, naming each missing tool's package
#   e2e_build_dir                        the build under test, absolute (BUILD_DIR, build/asan by default)
#   e2e_program VAR NAME                 VAR=the program NAME of the build under test; aborts if missing
#   e2e_on_cleanup FN                    e2e_cleanup also runs FN PREFIX for every prefix (before
#                                        stopping nginx and the program): the stop of a helper library
#   free_port / free_ports N             prints a free loopback TCP port / N distinct ones on a line
#   daemon_start PREFIX NAME PORT CMD…   CMD in the background, PREFIX/NAME.pid, until PORT listens
#   stop_pid_file FILE [WHAT]            SIGTERM to the pid in FILE, SIGKILL after the wait
#   app_start PREFIX BINARY PORT [N=V…]  program on 127.0.0.1:PORT, log PREFIX/app.log
#   app_stop PREFIX                      SIGTERM; fails if it did not exit with 0
#   nginx_start PREFIX PORT UPSTREAM [SED…]  nginx on 127.0.0.1:PORT → UPSTREAM (host:port), the
#                                        snippet edited by the sed expressions given
#   nginx_stop PREFIX
#   nginx_http_start DIR PORT… < HTTP    a private nginx of our own config (stand-ins, a proxy)
#   standin_nginx_start DIR PORT < LOCATIONS   one server of fixed answers (see below)
#   register_nginx_start DIR PORT        POST /fn/register answered, its bodies logged
#   log_lines FILE / logged_body FILE    requests in a stand-in's log / the last one's JSON body
#   app_serve PREFIX BINARY [N=V…] [-- SED…]  the program behind nginx, free ports; sets base
#   app_unserve PREFIX WHAT              stops them; passes or fails "WHAT: … exits cleanly", "… logs clean"
#   check_logs PREFIX                    fails on [alert]/[emerg]/[crit] or a sanitizer report
#   http METHOD URL [curl args…]         sets HTTP_STATUS, HTTP_BODY, HTTP_HEADERS (file)
#   post_json URL JSON [curl args…]      http POST with Content-Type: application/json
#   curl_config_request URL [LINE…]      a request of a `curl -K` config (load tests)
#   sign_body KEY BODY_FILE T            prints t=T&s=<hmac>
#   stripe_sig SECRET T BODY_FILE        prints t=T,v1=<hmac> (a Stripe-Signature value)
#   expect_eq / expect_match / expect_ok / pass / fail / summary

# Sourced once: the other helper files source it themselves.
[[ -z ${E2E_NGINX_SH:-} ]] || return 0
E2E_NGINX_SH=1
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/tools.sh
source "$E2E_ROOT/tests/lib/tools.sh"
TESTS_PASSED=0
TESTS_FAILED=0
# Start-up and shutdown waits are longer under valgrind (check-valgrind sets TEST_PREFIX).
E2E_WAIT_SECS=${E2E_WAIT_SECS:-$([[ -n ${TEST_PREFIX:-} ]] && echo 120 || echo 20)}

# Debian keeps nginx in /usr/sbin, which is not on a normal user's PATH.
nginx_bin() {
	command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } ||
		{ echo "nginx not found: run contrib/install-deps.sh" >&2; return 1; }
}

port_listening() {
	[[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
}

# A port below the ephemeral range (so no outgoing connection takes it between
# this probe and the bind) with no socket of any state on it.
free_port() {
	local port tries
	for ((tries = 0; tries < 200; tries++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		if [[ -z $(ss -Htan "sport = :$port" 2>/dev/null) ]]; then
			echo "$port"
			return 0
		fi
	done
	echo "free_port: no free port found" >&2
	return 1
}

# N distinct free ports on one line.
free_ports() {
	local n=$1 p
	local -a ports=()
	while ((${#ports[@]} < n)); do
		p=$(free_port) || return 1
		[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
	done
	echo "${ports[*]}"
}

# Waits until PORT listens; gives up early when PID (if given) has exited.
wait_port() {
	local port=$1 pid=${2:-} i
	for ((i = 0; i < E2E_WAIT_SECS * 10; i++)); do
		port_listening "$port" && return 0
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# Polls instead of `wait`: the process may not be our child (run.sh --stop).
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < E2E_WAIT_SECS * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# stop_pid_file FILE [WHAT]: the stop of a process a start helper wrote FILE
# for (never a process found any other way): SIGTERM, SIGKILL when it is
# still there after the wait (saying so when WHAT names it), its status
# collected when it is our child.  FILE is removed; none is no error.
stop_pid_file() {
	local file=$1 what=${2:-} pid
	[[ -f $file ]] || return 0
	pid=$(<"$file")
	rm -f "$file"
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_gone "$pid"; then
		[[ -z $what ]] || echo "stop_pid_file: $what (pid $pid) ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# daemon_start PREFIX NAME PORT COMMAND…: COMMAND in the background in a
# session of its own (a Ctrl-C meant for the script must not reach it before
# the clean-up stops it), its output appended to PREFIX/NAME.log, its pid in
# PREFIX/NAME.pid (stop_pid_file's) and PORT in PREFIX/NAME.port; waits until
# it listens on PORT, failing as soon as it exits.
daemon_start() {
	local prefix=$1 name=$2 port=$3 pid
	shift 3
	setsid "$@" >>"$prefix/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$prefix/$name.pid"
	echo "$port" >"$prefix/$name.port"
	wait_port "$port" "$pid" ||
		{ echo "daemon_start: no $name on 127.0.0.1:$port (its log: $prefix/$name.log)" >&2; return 1; }
}

app_start() {
	local prefix=$1 bin=$2 port=$3
	shift 3
	[[ -x $bin ]] || { echo "app_start: $bin is missing: build it with make" >&2; return 1; }
	mkdir -p "$prefix"
	# setsid: a Ctrl-C meant for the script must not kill the program before
	# the script's cleanup stops it with SIGTERM.  TEST_PREFIX (valgrind …) is
	# a command line on purpose: split it into words.
	# shellcheck disable=SC2086
	env "$@" setsid ${TEST_PREFIX:-} "$bin" --listen "127.0.0.1:$port" --workers 2 \
		>>"$prefix/app.log" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$prefix/app.pid"
	if ! wait_port "$port" "$pid"; then
		echo "app_start: $bin did not listen on 127.0.0.1:$port; its log:" >&2
		tail -n 30 "$prefix/app.log" >&2
		return 1
	fi
}

app_stop() {
	local prefix=$1 pid rc=0
	[[ -f $prefix/app.pid ]] || return 0
	pid=$(<"$prefix/app.pid")
	rm -f "$prefix/app.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	if wait_gone "$pid"; then
		# Our own child: collect its status (a sanitizer or valgrind failure shows here).
		wait "$pid" 2>/dev/null || rc=$?
		[[ $rc == 127 ]] && rc=0 # not our child: nothing to collect
	else
		echo "app_stop: pid $pid ignored SIGTERM for $E2E_WAIT_SECS s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		rc=1
	fi
	if ((rc != 0)); then
		echo "app_stop: the program exited with status $rc (see $prefix/app.log)" >&2
		return 1
	fi
	app_log_clean "$prefix"
}

# True when others may search DIR and every directory above it.  As root,
# nginx's workers run as `nobody` and write large request bodies under
# PREFIX/tmp, so they must reach the prefix (mktemp -d makes 0700 dirs).
searchable_by_others() {
	local dir=$1
	while [[ $dir != / ]]; do
		[[ $(stat -c %A "$dir") == ?????????[xt] ]] || return 1
		dir=$(dirname "$dir")
	done
}

# nginx_http_start DIR PORT… < HTTP: a private nginx in DIR from a config
# of our own: the common part (no access log, temporary files under DIR/tmp,
# the log formats `line` "METHOD URI" and `body` the request body as the
# inside of a JSON string) and then stdin, the rest of the http block (server
# blocks).  Waits until every PORT listens.
# Stop it with nginx_stop DIR.
nginx_http_start() {
	local dir=$1 http port
	shift
	http=$(cat)
	mkdir -p "$dir/tmp"
	chmod 0711 "$dir"
	cat >"$dir/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path tmp/body; fastcgi_temp_path tmp/fastcgi;
    proxy_temp_path tmp/proxy; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
    log_format line '\$request_method \$uri';
    log_format body escape=json '\$request_body';
$http
}
EOF
	"$(nginx_bin)" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
	for port; do wait_port "$port" || return 1; done
}

# standin_nginx_start DIR PORT < LOCATIONS: a private nginx on 127.0.0.1:PORT
# that plays a third-party or Inngest API with fixed answers, one `location`
# block (or server directive) per line of stdin, 404 for any other path;
# `access_log NAME.log line;` in a block logs "METHOD URI" per request into
# DIR/NAME.log, `access_log NAME.log body;` the request body as the inside of
# a JSON string (only where nginx reads the body: a block that proxy_passes).
standin_nginx_start() {
	local dir=$1 port=$2 locations
	locations=$(cat)
	nginx_http_start "$dir" "$port" <<EOF
    client_max_body_size 8m;
    server {
        listen 127.0.0.1:$port;
$locations
        location / { return 404; }
    }
EOF
}

# register_nginx_start DIR PORT: a stand-in for the Inngest API's POST
# /fn/register that answers success and logs each request body into
# DIR/register.log (proxy_pass makes nginx read the body into memory, so that
# $request_body is set; `return` alone would discard it).
register_nginx_start() {
	local dir=$1 port=$2
	standin_nginx_start "$dir" "$port" <<EOF
        client_body_buffer_size 1m;
        location = /fn/register { access_log register.log body; proxy_pass http://127.0.0.1:$port/ok; }
        location = /ok { default_type application/json; return 200 '{"ok":true,"modified":true}'; }
EOF
}

# log_lines FILE: how many requests a stand-in's access log FILE holds (0
# while it does not exist).
log_lines() {
	if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi
}

# logged_body FILE: the body of the last request a `body` access log FILE
# recorded, as compact JSON (null when there is none or it is not JSON).
logged_body() {
	{ printf '"'; tail -n 1 "$1" 2>/dev/null | tr -d '\n'; printf '"'; } | jq -r . 2>/dev/null | jq -c . 2>/dev/null ||
		echo null
}


# The SED expressions given edit the snippet (a short read timeout, the
# documented strict variant); none copies it as it is.
nginx_start() {
	local prefix=$1 port=$2 upstream=$3 nginx e
	shift 3
	local -a edits=(-e '')
	for e in "$@"; do edits+=(-e "$e"); done
	nginx=$(nginx_bin)
	mkdir -p "$prefix/tmp"
	prefix=$(cd "$prefix" && pwd)
	if [[ $EUID == 0 ]]; then
		chmod 0711 "$prefix"
		searchable_by_others "$prefix" ||
			{ echo "nginx_start: nginx's workers (nobody) cannot reach $prefix" >&2; return 1; }
	fi
	sed "${edits[@]}" "$E2E_ROOT/nginx/inngest-fcgi.conf" >"$prefix/inngest-fcgi.conf"
	sed -e "s|@PORT@|$port|g" -e "s|@UPSTREAM@|$upstream|g" \
		"$E2E_ROOT/nginx/nginx.conf.template" >"$prefix/nginx.conf"
	# -e: Debian's nginx logs to stderr until the config is read; keep even that in the prefix.
	if ! "$nginx" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" ||
		! wait_port "$port"; then
		echo "nginx_start: nginx did not start on 127.0.0.1:$port; its log:" >&2
		tail -n 20 "$prefix/error.log" >&2
		return 1
	fi
}

nginx_stop() {
	local prefix=$1 pid
	[[ -f $prefix/nginx.pid ]] || return 0
	pid=$(<"$prefix/nginx.pid")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_gone "$pid" || { kill -KILL "$pid" 2>/dev/null; rm -f "$prefix/nginx.pid"; }
}

# app_serve PREFIX BINARY [NAME=VALUE…] [-- SED…]: the program (app_start)
# on a free port with the environment given and nginx (nginx_start, the
# snippet edited by the SED expressions after --) in front of it on another;
# sets app_port, ngx_port and base (http://127.0.0.1:<nginx port>).  Not in
# $(…): the program must stay our child so that app_stop sees its exit status.
app_serve() {
	local prefix=$1 exe=$2
	shift 2
	local -a env=()
	while (($#)) && [[ $1 != -- ]]; do env+=("$1"); shift; done
	(($# == 0)) || shift
	read -r app_port ngx_port < <(free_ports 2)
	app_start "$prefix" "$exe" "$app_port" "${env[@]}" || return 1
	nginx_start "$prefix" "$ngx_port" "127.0.0.1:$app_port" "$@" || return 1
	base=http://127.0.0.1:$ngx_port
}

# app_unserve PREFIX WHAT: stops what app_serve started and checks it: "WHAT:
# program exits cleanly on SIGTERM" and "WHAT: logs clean" pass or fail.
app_unserve() {
	expect_ok "$2: program exits cleanly on SIGTERM" app_stop "$1"
	nginx_stop "$1"
	expect_ok "$2: logs clean" check_logs "$1"
}

# What a sanitizer or valgrind prints about an error or a definite/indirect
# leak (workers print theirs to app.log when they exit).
E2E_REPORT_PATTERN='ERROR: AddressSanitizer|LeakSanitizer|runtime error:|==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination overlap|Process terminating|.*(definitely|indirectly) lost: [1-9]|.* are (definitely|indirectly) lost)'

check_logs() {
	local prefix=$1 f bad=0 seen=0
	local pattern="\\[(alert|emerg|crit)\\]|$E2E_REPORT_PATTERN"
	for f in "$prefix/error.log" "$prefix/app.log"; do
		[[ -f $f ]] || continue
		seen=1
		if grep -Eq "$pattern" "$f"; then
			echo "check_logs: $f reports a problem:" >&2
			grep -E -m 5 -A 8 "$pattern" "$f" >&2
			bad=1
		fi
	done
	# no log at all (a wrong prefix, a program that never started) is not "clean"
	((seen)) || { echo "check_logs: no error.log or app.log under $prefix" >&2; bad=1; }
	return "$bad"
}

# True when PREFIX/app.log has no sanitizer or valgrind report.  app_stop and
# e2e_cleanup call it once the program has exited: its workers' leak reports
# are written only then, after a test's own check_logs may have run, and the
# master's exit status does not carry a worker's.
app_log_clean() {
	local log=$1/app.log
	[[ -f $log ]] || return 0
	if grep -Eq "$E2E_REPORT_PATTERN" "$log"; then
		echo "app_log_clean: $log has a sanitizer or valgrind report:" >&2
		grep -E -m 5 -A 8 "$E2E_REPORT_PATTERN" "$log" >&2
		return 1
	fi
}

# Runs curl; the body goes to $E2E_DIR so binary or huge bodies are safe.
# shellcheck disable=SC2034  # HTTP_* are read by the caller
http() {
	local method=$1 url=$2
	shift 2
	HTTP_HEADERS=$E2E_DIR/last.headers
	HTTP_STATUS=$(curl -sS -o "$E2E_DIR/last.body" -D "$HTTP_HEADERS" -w '%{http_code}' \
		--max-time 30 -X "$method" "$@" "$url") || HTTP_STATUS=000
	HTTP_BODY=$(head -c 100000 "$E2E_DIR/last.body")
}

# post_json URL JSON [curl args…]: http POST of JSON (a string).
post_json() {
	http POST "$1" -H 'Content-Type: application/json' --data-binary "$2" "${@:3}"
}

# curl_config_request URL [LINE…]: one request of a config file for `curl
# -K` (with --parallel, many at once): its body dropped, one line "STATUS URL
# ERROR" printed for its answer, the LINEs (request, header, data-binary,
# max-time …) as given, then `next` (drop the file's last line).  The load
# tests carry each request's expected status in its URL.
curl_config_request() {
	printf 'url = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{url} %%{errormsg}\\n"\n' "$1"
	shift
	(($# == 0)) || printf '%s\n' "$@"
	echo next
}

# Header value (case-insensitive name) from the last http call.
http_header() {
	sed -n "s/^$1: *//Ip" "$HTTP_HEADERS" | tr -d '\r' | head -n 1
}

# HMAC key = the signing key's ASCII bytes without `signkey-<env>-`.  The key
# is on openssl's command line, which is fine for the test keys this is for.
sign_body() {
	local key=$1 file=$2 t=$3 mac
	key=$(sed -E 's/^signkey-[A-Za-z0-9_]+-//' <<<"$key")
	mac=$({ cat "$file"; printf '%s' "$t"; } | openssl dgst -sha256 -hmac "$key" -r | cut -d' ' -f1)
	printf 't=%s&s=%s\n' "$t" "$mac"
}

# Stripe signs "<t>.<body>" with HMAC-SHA256, the key being the whole whsec_ secret.
stripe_sig() {
	local mac
	mac=$({ printf '%s.' "$2"; cat "$3"; } | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1)
	printf 't=%s,v1=%s' "$2" "$mac"
}

pass() { TESTS_PASSED=$((TESTS_PASSED + 1)); echo "ok   - $1"; }
fail() { TESTS_FAILED=$((TESTS_FAILED + 1)); echo "FAIL - $1"; }

expect_eq() {
	local what=$1 want=$2 got=$3
	if [[ $got == "$want" ]]; then pass "$what"; else fail "$what: want '$want', got '${got:0:300}'"; fi
}

# expect_ok WHAT COMMAND…: passes when COMMAND succeeds.
expect_ok() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# Extended regular expression, as grep -E.
expect_match() {
	local what=$1 re=$2 got=$3
	if grep -Eq -- "$re" <<<"$got"; then pass "$what"; else fail "$what: want /$re/, got '${got:0:300}'"; fi
}

# The last line every e2e script prints; run-all.sh adds these up.
summary() {
	echo "$TESTS_PASSED passed, $TESTS_FAILED failed"
	((TESTS_FAILED == 0))
}

# abort WHAT: a step the rest of the script cannot do without failed.
abort() {
	fail "$1"
	summary
	exit 1
}

# The build under test: BUILD_DIR (relative to the tree or absolute),
# build/asan by default.
e2e_build_dir() {
	local build_dir=${BUILD_DIR:-build/asan}
	[[ $build_dir == /* ]] || build_dir=$E2E_ROOT/$build_dir
	echo "$build_dir"
}

# e2e_program VAR NAME: sets VAR to the path of the program NAME ("inngest-fcgi",
# "tests/apps/encryption_app") in the build under test.  Aborts when it is not built.
e2e_program() {
	local build_dir
	build_dir=$(e2e_build_dir)
	[[ -x $build_dir/$2 ]] || abort "$build_dir/$2 exists (build it with make)"
	printf -v "$1" '%s' "$build_dir/$2"
}

# e2e_on_cleanup FN: e2e_cleanup runs FN PREFIX for every prefix under
# $E2E_DIR, first (so a server that calls the program is gone before it is).
# The helper libraries add the stop of what they start (server_stop,
# standin_stop, redis_stop): each stops only what its pid file in PREFIX names.
E2E_CLEANUPS=()
e2e_on_cleanup() {
	[[ " ${E2E_CLEANUPS[*]} " == *" $1 "* ]] || E2E_CLEANUPS+=("$1")
}

# Every prefix under $E2E_DIR is stopped on exit, even after a failed step.
# A report found only now (a program the test left running) fails the script.
e2e_cleanup() {
	local p fn reported=0
	for fn in "${E2E_CLEANUPS[@]}"; do
		for p in "$E2E_DIR"/*/; do
			[[ -d $p ]] || continue
			"$fn" "${p%/}" || true
		done
	done
	for p in "$E2E_DIR"/*/; do
		[[ -d $p ]] || continue
		nginx_stop "${p%/}" || true
		app_stop "${p%/}" 2>/dev/null || true
		app_log_clean "${p%/}" || reported=1
	done
	if [[ -n ${E2E_KEEP:-} ]]; then echo "kept $E2E_DIR" >&2; else rm -rf "$E2E_DIR"; fi
	((reported == 0)) || exit 1
}

e2e_init() {
	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/inngest-e2e.XXXXXX")
	trap e2e_cleanup EXIT
	chmod 0711 "$E2E_DIR" # see searchable_by_others
	trap 'exit 130' INT TERM
	# A developer's own keys or dev-server URL must not change what the tests see.
	local v
	for v in ${!INNGEST_@}; do unset "$v"; done
	# Nor an OpenTelemetry collector of theirs: spans go where a test says
	# (127.0.0.1), never to an address from the developer's environment.
	for v in ${!OTEL_@}; do unset "$v"; done
	# What these helpers run (nginx, curl, ss, setsid, openssl for signatures).
	e2e_require_tools nginx curl jq ss setsid timeout openssl
	[[ ${TEST_PREFIX:-} != valgrind* ]] || e2e_require_tools valgrind
}

# The install step's group for the make target running: check, check-valgrind,
# or what a script that reuses these helpers sets (TOOLS_GROUP=bench, soak).
e2e_tools_group() {
	if [[ -n ${TOOLS_GROUP:-} ]]; then echo "$TOOLS_GROUP"
	elif [[ ${TEST_PREFIX:-} == valgrind* ]]; then echo valgrind
	else echo check; fi
}

e2e_require_tools() {
	local msg
	msg=$(tools_missing "$(e2e_tools_group)" "$@") && return 0
	abort "${msg//$'\n'/; }"
}
