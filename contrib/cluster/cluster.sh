#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: a self-hosted Inngest cluster and two
# app hosts on this machine, every part on a loopback address.
#
#   contrib/cluster/cluster.sh start | stop | status
#   contrib/cluster/cluster.sh pause postgres|redis   an outage: stop that one part
#   contrib/cluster/cluster.sh revive     start again what is down (postgres, redis,
#                                         a replica that exited), same ports and data
#
#   postgres     Debian's PostgreSQL (initdb/pg_ctl), private data and socket
#                directories, 127.0.0.1, a free port: Inngest's history
#   redis        redis-server, 127.0.0.1, a free port, append-only file:
#                Inngest's queue and run state, and the product store
#   server-1/2   two `inngest start` replicas sharing both, one signing key and
#                one event key (generated here), each on its own ports
#   host-1/2     an nginx + the product program each, on 127.0.0.2 and 127.0.0.3
#   front        one nginx on 127.0.0.1: the app's origin (load-balances the
#                two app hosts; what Inngest calls and INNGEST_SERVE_ORIGIN) and
#                the Inngest origin (load-balances the two replicas; where the
#                app sends events and registers)
#   standin      a local stand-in for Resend, GitHub and Readwise
#                (tests/standin/), so no email or API call leaves the machine
#
# Everything lives in CLUSTER_DIR (default run/cluster): pid files, logs, and
# `env`, the file the other commands read (keys, URLs, ports).  `start`
# refuses while a cluster from that directory is running, and otherwise
# starts from scratch.  `stop` ends every process by the pid its start wrote,
# never by name, and leaves the directory (logs) in place.
#
# Settings: CLUSTER_APP (product, or conformance: the app the hosts serve),
# BUILD_DIR (build/release), CLUSTER_WORKERS (2 per app host),
# PG_BIN (the newest /usr/lib/postgresql/*/bin).  The product app's rate
# limits and relay allow-list (CONTACT_RATE_LIMIT_CLIENT, …) pass through
# from the caller's environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
# `inngest start` migrates its Postgres schema before it answers /health.
export E2E_WAIT_SECS=${E2E_WAIT_SECS:-90}
# shellcheck source=tests/lib/nginx.sh
source tests/lib/nginx.sh
# shellcheck source=tests/lib/inngest.sh
source tests/lib/inngest.sh
# shellcheck source=tests/lib/product.sh
source tests/lib/product.sh

D=${CLUSTER_DIR:-run/cluster}
mkdir -p "$D"
D=$(cd "$D" && pwd)
BUILD_DIR=${BUILD_DIR:-build/release}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$E2E_ROOT/$BUILD_DIR
case ${CLUSTER_APP:-product} in
product) BIN=$BUILD_DIR/inngest-fcgi APP_ID=inngest-fcgi ;;
conformance) BIN=$BUILD_DIR/inngest-fcgi-conformance APP_ID=inngest-fcgi-conformance ;;
*) echo "cluster: CLUSTER_APP must be product or conformance, not '$CLUSTER_APP'" >&2; exit 2 ;;
esac
WORKERS=${CLUSTER_WORKERS:-2}
HOST_ADDRS=(127.0.0.2 127.0.0.3)
# The passthrough settings (see above).
PASS_VARS=(CONTACT_RATE_LIMIT_CLIENT CONTACT_RATE_LIMIT_RECIPIENT VIEWS_RATE_LIMIT EVENTS_RELAY_ALLOW)

say() { echo "cluster: $*"; }
die() { echo "cluster: error: $*" >&2; exit 1; }
alive() { [[ -f $1 ]] && kill -0 "$(<"$1")" 2>/dev/null; }

pg_bin() {
	if [[ -n ${PG_BIN:-} ]]; then echo "$PG_BIN"; return; fi
	local b
	b=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
	[[ -x $b/initdb ]] || { echo "cluster: PostgreSQL is not installed (contrib/install-deps.sh --cluster)" >&2; return 1; }
	echo "$b"
}

# PostgreSQL refuses to run as root: as root its commands run as `postgres`.
as_pg() {
	if [[ $EUID == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---- the backing services, started by `start` and again by `revive` -----------------

# postgres_launch PORT: pg_ctl start on the data directory of D.
postgres_launch() {
	local pgd=$D/postgres
	as_pg "$(pg_bin)/pg_ctl" start -D "$pgd/data" -l "$pgd/postgres.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$1 -c unix_socket_directories=$pgd/sock -c max_connections=100" \
		>/dev/null || { tail -n 20 "$pgd/postgres.log" >&2; echo "cluster: PostgreSQL did not start" >&2; return 1; }
}

# redis_launch PORT: the append-only file keeps the queue and run state
# across a restart of Redis.
redis_launch() {
	mkdir -p "$D/redis"
	setsid redis-server --bind 127.0.0.1 --port "$1" --protected-mode yes --save '' --appendonly yes \
		--dir "$D/redis" --logfile "$D/redis/redis.log" </dev/null >/dev/null 2>&1 &
	echo $! >"$D/redis/redis.pid"
	echo "$1" >"$D/redis/redis.port"
	wait_port "$1" "$(<"$D/redis/redis.pid")" ||
		{ echo "cluster: redis-server did not start; see $D/redis/redis.log" >&2; return 1; }
}

postgres_running() {
	[[ -f $D/postgres/data/postmaster.pid ]] && kill -0 "$(head -n 1 "$D/postgres/data/postmaster.pid")" 2>/dev/null
}

# ---- stop ------------------------------------------------------------------------

postgres_stop() {
	local data=$D/postgres/data
	[[ -f $data/postmaster.pid ]] || return 0
	as_pg "$(pg_bin)/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null ||
		echo "cluster: pg_ctl stop failed; see $D/postgres/postgres.log" >&2
}

# redis_stop of product.sh sends SIGTERM, which saves the append-only file.
stop_all() {
	nginx_stop "$D/front" || true
	local i
	for i in 1 2; do
		nginx_stop "$D/host-$i" || true
		app_stop "$D/host-$i" 2>/dev/null || true
	done
	standin_stop "$D/standin" || true
	for i in 1 2; do server_stop "$D/server-$i" || true; done
	redis_stop "$D/redis" || true
	postgres_stop
}

# Every pid file the start writes; `status` and the refusal to start twice read them.
pid_files() {
	echo "$D/front/nginx.pid" "$D/host-1/nginx.pid" "$D/host-1/app.pid" "$D/host-2/nginx.pid" \
		"$D/host-2/app.pid" "$D/standin/standin.pid" "$D/server-1/server.pid" "$D/server-2/server.pid" \
		"$D/redis/redis.pid"
}

status() {
	local f n=0 pg
	for f in $(pid_files); do
		if alive "$f"; then
			say "running: ${f#"$D"/} (pid $(<"$f"))"
			n=$((n + 1))
		fi
	done
	if postgres_running; then
		pg=$(head -n 1 "$D/postgres/data/postmaster.pid")
		say "running: postgres (pid $pg)"
		n=$((n + 1))
	fi
	say "$n processes of the cluster in $D are running"
}

case ${1:-} in
stop)
	stop_all
	n=0
	for f in $(pid_files); do alive "$f" && n=$((n + 1)); done
	[[ -f $D/postgres/data/postmaster.pid ]] && n=$((n + 1))
	((n == 0)) || die "$n processes are still running after the stop (see contrib/cluster/cluster.sh status)"
	say "stopped; logs are in $D"
	exit 0
	;;
status)
	status
	exit 0
	;;
pause)
	# An outage by hand: stop one backing service, keep everything else.
	case ${2:-} in
	postgres) postgres_stop ;;
	redis) redis_stop "$D/redis" ;;
	*) echo "usage: $0 pause postgres|redis" >&2; exit 2 ;;
	esac
	say "stopped $2"
	exit 0
	;;
revive)
	# What a supervisor does: start again, on the same ports and data, each
	# of postgres, redis and the two replicas that is not running (an
	# `inngest start` exits when Redis goes away).
	[[ -f $D/env ]] || die "no cluster in $D (no env file)"
	# shellcheck disable=SC1091
	source "$D/env"
	export E2E_WAIT_SECS
	if ! postgres_running; then
		pg_port=${CLUSTER_POSTGRES_URI##*@127.0.0.1:}
		postgres_launch "${pg_port%%/*}" || exit 1
		say "started postgres again"
	fi
	if ! alive "$D/redis/redis.pid"; then
		redis_launch "${CLUSTER_REDIS_URL##*:}" || exit 1
		say "started redis again"
	fi
	for i in 1 2; do
		alive "$D/server-$i/server.pid" && continue
		rm -f "$D/server-$i/server.pid"
		server_restart "$D/server-$i" || die "inngest start (replica $i) did not start again; see $D/server-$i/server.log"
		say "started inngest-$i again at $SERVER_URL"
	done
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 start | stop | status | pause postgres|redis | revive" >&2
	exit 2
	;;
esac

# ---- start -----------------------------------------------------------------------

for f in $(pid_files); do
	alive "$f" && die "a cluster is running from $D ($f); stop it first: make cluster-stop"
done
[[ -f $D/postgres/data/postmaster.pid ]] && die "PostgreSQL of $D is running; stop it first: make cluster-stop"
[[ -x $BIN ]] || die "$BIN is missing: build it with make SAN=0"
command -v redis-server >/dev/null || die "redis-server is not installed (contrib/install-deps.sh)"
PG=$(pg_bin) || exit 1
CLI=$(inngest_cli) || die "no Inngest CLI (contrib/inngest-cli/build.sh)"
for a in "${HOST_ADDRS[@]}"; do
	# Linux routes all of 127.0.0.0/8 to lo; other systems may not.
	ip route get "$a" 2>/dev/null | grep -q ' dev lo ' ||
		die "$a is not a loopback address on this machine"
done

# A failed start leaves nothing behind.
started=
on_exit() {
	local rc=$?
	if [[ -z $started ]]; then
		echo "cluster: start failed; stopping what was started (logs stay in $D)" >&2
		stop_all
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

find "$D" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
chmod 0711 "$D"
if [[ $EUID == 0 ]]; then
	searchable_by_others "$D" || die "nginx's workers and postgres cannot reach $D: choose CLUSTER_DIR elsewhere"
fi

random_hex() { openssl rand -hex "$1"; }
SIGNING_KEY=$(random_hex 32) # `inngest start` takes bare even-length hex
EVENT_KEY=cluster-$(random_hex 16)
PG_PASSWORD=$(random_hex 16)
read -r PG_PORT REDIS_PORT FRONT_PORT INNGEST_LB_PORT STANDIN_PORT < <(free_ports 5)

# ---- PostgreSQL ---------------------------------------------------------------------
pgd=$D/postgres
mkdir -p "$pgd/data" "$pgd/sock"
printf '%s\n' "$PG_PASSWORD" >"$pgd/pwfile"
chmod 0700 "$pgd/data" "$pgd/sock"
chmod 0600 "$pgd/pwfile"
[[ $EUID == 0 ]] && chown -R postgres: "$pgd"
as_pg "$PG/initdb" -D "$pgd/data" -U inngest --pwfile="$pgd/pwfile" --auth=scram-sha-256 \
	-E UTF8 --no-locale >"$pgd/initdb.log" 2>&1 || { tail -n 20 "$pgd/initdb.log" >&2; die "initdb failed"; }
rm -f "$pgd/pwfile"
# Two replicas with 20 connections each stay well inside max_connections.
postgres_launch "$PG_PORT" || exit 1
PGPASSWORD=$PG_PASSWORD "$PG/createdb" -h 127.0.0.1 -p "$PG_PORT" -U inngest inngest ||
	die "createdb inngest failed"
PG_URI="postgres://inngest:$PG_PASSWORD@127.0.0.1:$PG_PORT/inngest?sslmode=disable"
say "postgres   127.0.0.1:$PG_PORT (data $pgd/data)"

# ---- Redis -------------------------------------------------------------------------
# Its own start (not product.sh's redis_start): see redis_launch.
redis_launch "$REDIS_PORT" || exit 1
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
say "redis      127.0.0.1:$REDIS_PORT"

# ---- two Inngest servers -------------------------------------------------------------
# One after the other: the first creates the schema in Postgres, the second
# finds it there.
SERVER_URLS=()
for i in 1 2; do
	server_launch "$D/server-$i" start --signing-key "$SIGNING_KEY" --event-key "$EVENT_KEY" \
		--postgres-uri "$PG_URI" --redis-uri "$REDIS_URL" --postgres-max-open-conns 20 ||
		die "inngest start (replica $i) did not start; see $D/server-$i/server.log"
	SERVER_URLS+=("$SERVER_URL")
	say "inngest-$i  $SERVER_URL"
done

# ---- the stand-in for third-party services ------------------------------------------
STANDIN_BIN=$D/bin/standin
mkdir -p "$D/standin"
cat >"$D/standin/script" <<'EOF'
# make cluster: Resend accepts every email (the product app's contact form).
POST /emails 200 {"id":"em_cluster_{n}"}
EOF
standin_start "$D/standin" "$STANDIN_PORT" || die "the stand-in did not start"
STANDIN_URL=http://127.0.0.1:$STANDIN_PORT
say "stand-in   $STANDIN_URL (Resend, GitHub, Readwise; requests: $D/standin/requests.jsonl)"

# ---- the front nginx: app origin and Inngest origin -----------------------------------
FRONT_URL=http://127.0.0.1:$FRONT_PORT
INNGEST_URL=http://127.0.0.1:$INNGEST_LB_PORT
read -r H1_APP H1_NGX H2_APP H2_NGX < <(free_ports 4)
HOST_APP_PORTS=("$H1_APP" "$H2_APP")
HOST_NGX_PORTS=("$H1_NGX" "$H2_NGX")

# ---- two app hosts ---------------------------------------------------------------------
RELAY_TOKEN=$(random_hex 24)
ADMIN_TOKEN=$(random_hex 24)
STRIPE_SECRET=whsec_$(random_hex 24)
app_env=(INNGEST_DEV=0 INNGEST_APP_ID=$APP_ID INNGEST_SIGNING_KEY=$SIGNING_KEY INNGEST_EVENT_KEY=$EVENT_KEY
	INNGEST_BASE_URL=$INNGEST_URL INNGEST_SERVE_ORIGIN=$FRONT_URL REDIS_URL=$REDIS_URL
	RESEND_API_KEY=re_cluster_$(random_hex 8) RESEND_API_BASE_URL=$STANDIN_URL
	CONTACT_TO_EMAIL=owner@example.com CONTACT_FROM_EMAIL=site@example.com
	GITHUB_API_URL=$STANDIN_URL GITHUB_USERNAME=octo-cluster READWISE_API_BASE_URL=$STANDIN_URL
	STRIPE_WEBHOOK_SECRET=$STRIPE_SECRET EVENTS_RELAY_TOKEN=$RELAY_TOKEN ADMIN_TOKEN=$ADMIN_TOKEN)
for v in "${PASS_VARS[@]}"; do
	[[ -n ${!v:-} ]] && app_env+=("$v=${!v}")
done
# What the program registers: the count the servers must end up with.
FN_COUNT=$(env -i PATH="$PATH" "${app_env[@]}" "$BIN" --check 2>/dev/null | jq '.functions | length') ||
	die "$BIN --check failed with the cluster's settings"

# host_start N: the program on ADDR:APP_PORT and its nginx on ADDR:NGX_PORT.
# The nginx is the repository's template on the host's own address; it takes
# the client address from the front's X-Forwarded-For (only from 127.0.0.1),
# so per-client rate limits see the client, not the front.
host_start() {
	local i=$1 p=$D/host-$1 addr=${HOST_ADDRS[$(($1 - 1))]} app_port=${HOST_APP_PORTS[$(($1 - 1))]}
	local ngx_port=${HOST_NGX_PORTS[$(($1 - 1))]} pid
	mkdir -p "$p/tmp"
	chmod 0711 "$p"
	env "${app_env[@]}" setsid "$BIN" --listen "$addr:$app_port" --workers "$WORKERS" \
		>>"$p/app.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$p/app.pid"
	wait_port "$app_port" "$pid" || { tail -n 20 "$p/app.log" >&2; die "host-$i: the program did not listen on $addr:$app_port"; }
	cp "$E2E_ROOT/nginx/inngest-fcgi.conf" "$p/inngest-fcgi.conf"
	sed -e "s|listen 127.0.0.1:@PORT@|listen $addr:$ngx_port|" -e "s|@UPSTREAM@|$addr:$app_port|g" \
		-e 's|^\( *\)server_tokens off;|&\n\1set_real_ip_from 127.0.0.1;\n\1real_ip_header X-Forwarded-For;|' \
		"$E2E_ROOT/nginx/nginx.conf.template" >"$p/nginx.conf"
	"$(nginx_bin)" -p "$p/" -c "$p/nginx.conf" -e "$p/error.log" && wait_port "$ngx_port" ||
		{ tail -n 20 "$p/error.log" >&2; die "host-$i: nginx did not start on $addr:$ngx_port"; }
	echo "$addr:$ngx_port" >"$p/host.addr"
	say "host-$i     http://$addr:$ngx_port (program on $addr:$app_port, $WORKERS workers)"
}
host_start 1
host_start 2

f=$D/front
mkdir -p "$f/tmp"
chmod 0711 "$f"
cat >"$f/nginx.conf" <<EOF
# make cluster: the front of the two app hosts and of the two Inngest servers.
daemon on;
worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 1024; }
http {
    server_tokens off;
    log_format front '\$remote_addr "\$request" \$status upstream=\$upstream_addr/\$upstream_status rt=\$request_time';
    access_log access.log front;
    client_body_temp_path tmp/body; fastcgi_temp_path tmp/fastcgi;
    proxy_temp_path tmp/proxy; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;

    # A host that refuses a connection is skipped for fail_timeout and the
    # request goes to the other one (a request that already reached a host
    # is not sent twice: Inngest retries a step itself).
    upstream app_hosts {
        server ${HOST_ADDRS[0]}:$H1_NGX max_fails=1 fail_timeout=5s;
        server ${HOST_ADDRS[1]}:$H2_NGX max_fails=1 fail_timeout=5s;
    }
    upstream inngest_servers {
        server ${SERVER_URLS[0]#http://} max_fails=1 fail_timeout=5s;
        server ${SERVER_URLS[1]#http://} max_fails=1 fail_timeout=5s;
    }

    server {
        listen 127.0.0.1:$FRONT_PORT;
        location / {
            proxy_pass http://app_hosts;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 300s;     # a step may run for minutes
            proxy_next_upstream error timeout;
            client_max_body_size 6m;     # the app hosts' own limit
        }
    }
    server {
        listen 127.0.0.1:$INNGEST_LB_PORT;
        location / {
            proxy_pass http://inngest_servers;
            proxy_set_header Host \$http_host;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout;
            client_max_body_size 6m;
        }
    }
}
EOF
"$(nginx_bin)" -p "$f/" -c "$f/nginx.conf" -e "$f/error.log" && wait_port "$FRONT_PORT" && wait_port "$INNGEST_LB_PORT" ||
	{ tail -n 20 "$f/error.log" >&2; die "the front nginx did not start"; }
say "front      $FRONT_URL (app hosts), $INNGEST_URL (Inngest servers)"

# ---- the env file ----------------------------------------------------------------------
umask 077
cat >"$D/env" <<EOF
# make cluster ($(date -u +%FT%TZ)): read by make check-cluster and by you.
CLUSTER_DIR=$D
INNGEST_SIGNING_KEY=$SIGNING_KEY
INNGEST_EVENT_KEY=$EVENT_KEY
CLUSTER_APP_ID=$APP_ID
CLUSTER_APP_LOGS="$D/host-1/app.log $D/host-2/app.log"
CLUSTER_FN_COUNT=$FN_COUNT
CLUSTER_FRONT_URL=$FRONT_URL
CLUSTER_INNGEST_URL=$INNGEST_URL
CLUSTER_SERVER_URLS="${SERVER_URLS[*]}"
CLUSTER_HOSTS="http://${HOST_ADDRS[0]}:$H1_NGX http://${HOST_ADDRS[1]}:$H2_NGX"
CLUSTER_POSTGRES_URI=$PG_URI
CLUSTER_REDIS_URL=$REDIS_URL
CLUSTER_STANDIN_URL=$STANDIN_URL
CLUSTER_EVENTS_RELAY_TOKEN=$RELAY_TOKEN
CLUSTER_ADMIN_TOKEN=$ADMIN_TOKEN
CLUSTER_STRIPE_WEBHOOK_SECRET=$STRIPE_SECRET
EOF
umask 022

# ---- sync: through the front, so whichever host answers registers the front's URL ----
sync=$(curl -sS -X PUT --max-time 30 -w '\n%{http_code}' "$FRONT_URL/api/inngest" 2>&1 || true)
[[ ${sync##*$'\n'} == 200 ]] || die "the sync through $FRONT_URL failed: ${sync//$'\n'/ }"
for u in "${SERVER_URLS[@]}"; do
	wait_synced "$u" "$APP_ID" "$FN_COUNT" 30 "Authorization: Bearer $SIGNING_KEY" ||
		die "the server at $u does not list the app's $FN_COUNT functions"
done
say "synced $APP_ID ($FN_COUNT functions) at $FRONT_URL/api/inngest; both servers list it"
started=1

example='{"name":"test/hello.world","data":{"email":"you@example.com"}}'
[[ $APP_ID == inngest-fcgi-conformance ]] && example='{"name":"conf/steps","data":{}}'
cat <<EOF

The cluster is up (settings and keys: $D/env, 0600). Send an event:
    curl -sS -X POST $INNGEST_URL/e/$EVENT_KEY -H 'Content-Type: application/json' -d '$example'
Read its run (<id> from the answer's "ids"):
    curl -sS -H "Authorization: Bearer \$(sed -n 's/^INNGEST_SIGNING_KEY=//p' $D/env)" $INNGEST_URL/v1/events/<id>/runs
EOF
[[ $APP_ID == inngest-fcgi ]] && cat <<EOF
The contact form through the front (its emails go to the stand-in: $D/standin/requests.jsonl):
    curl -sS -X POST $FRONT_URL/api/contact -H 'Content-Type: application/json' -d '{"name":"Ada","email":"ada@example.org","message":"Hello"}'
EOF
echo "Stop everything: make cluster-stop"
