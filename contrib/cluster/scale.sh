#!/usr/bin/env bash
# contrib/cluster/scale.sh — `make cluster-bench`: whole runs per second of
# the S6 workload on the local cluster (contrib/cluster/cluster.sh) with 1 and
# 2 app hosts and 1 and 2 `inngest start` replicas, and the CPU each run costs
# in each component (app, nginx, Inngest server, PostgreSQL, Redis).
#
# Workloads (SCALE_WORKLOADS, default "loop contact"):
#   loop     conf-loop n=10 runs of the conformance app (11 call requests each:
#            10 sequential steps and the final call), SCALE_LOOP_RUNS (100) per
#            configuration, sent as 10 batches through the Inngest front (so
#            that both replicas accept events when both are up)
#   contact  the product app's contact form: POST /api/contact through the app
#            front, the workflow sends two emails to the Resend stand-in;
#            SCALE_CONTACT_RUNS (200) forms per configuration, 8 at a time (fewer
#            measure one run's latency, not the rate)
# Configurations (SCALE_CONFIGS, default "1x1 2x1 1x2 2x2"): HOSTSxREPLICAS.
# One host: the app front's upstream marks host-2 `down` (nginx reload); one
# replica: replica 2 is stopped (SIGTERM) and marked `down` in the Inngest
# front.  The two-replica configurations run first: a replica started again
# binds the same ports, which another program may have taken meanwhile
# (then that configuration is reported as not measured).
#
# Timing: from the first event sent to the last run's `ended_at` (the
# server's own clock, as S6 of make bench).  CPU: utime+stime from
# /proc/<pid>/stat of each component's processes between the first send and
# the moment the last run was seen ending (app: the programs' masters and
# workers; nginx: the front and both hosts' nginx; PostgreSQL: the postmaster,
# the backends it has reaped (cutime/cstime) and those alive).  The servers'
# idle work (queue polling) counts too: it is part of what a run costs at that
# rate.  Every run is then checked through the REST API (Completed; conf-loop's
# output {"sum":45}; the contact workflow's two Resend ids).
#
# Writes SCALE_OUT (build/cluster-bench)/results.jsonl and results.md; prints
# the table.  Every part listens on 127.0.0.0/8 only (cluster.sh).
# Settings: BUILD_DIR (build/release), CLUSTER_WORKERS (2 per host).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lib/cluster.sh
source tests/lib/cluster.sh
export BUILD_DIR=${BUILD_DIR:-build/release}
export E2E_WAIT_SECS=${E2E_WAIT_SECS:-90}
workloads=${SCALE_WORKLOADS:-loop contact}
configs=${SCALE_CONFIGS:-1x1 2x1 1x2 2x2}
loop_runs=${SCALE_LOOP_RUNS:-100}
contact_runs=${SCALE_CONTACT_RUNS:-200}
out=${SCALE_OUT:-$E2E_ROOT/build/cluster-bench}
[[ $out == /* ]] || out=$E2E_ROOT/$out
cluster=$CLUSTER_SH
clk=$(getconf CLK_TCK)

say() { echo "cluster-bench: $*" >&2; }
die() { say "error: $*"; exit 1; }

TOOLS_GROUP=cluster # the install step's group for a missing tool
e2e_init
require_tools cluster curl jq awk pgrep
mkdir -p "$out"
: >"$out/results.jsonl"

# ---- CPU of a component -------------------------------------------------------------
# stat_ticks PID [CHILDREN_TOO]: utime+stime (+cutime+cstime when asked).
stat_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	local -a f
	read -ra f <<<"${s##*) }"
	if [[ ${2:-} == 1 ]]; then echo $((f[11] + f[12] + f[13] + f[14])); else echo $((f[11] + f[12])); fi
}
# tree_ticks PID…: each pid with its reaped children (cutime/cstime) and its
# live children, so that a process that forks per connection or per worker
# (nginx, PostgreSQL, our master) is counted whole.
tree_ticks() {
	local total=0 p c
	for p in "$@"; do
		[[ -n $p ]] || continue
		total=$((total + $(stat_ticks "$p" 1)))
		for c in $(pgrep -P "$p" 2>/dev/null || true); do
			total=$((total + $(stat_ticks "$c")))
		done
	done
	echo "$total"
}
pidof_file() { [[ -f $1 ]] && head -n 1 "$1" || true; }
component_ticks() { # COMPONENT → ticks now
	case $1 in
	app) tree_ticks "$(pidof_file "$CD/host-1/app.pid")" "$(pidof_file "$CD/host-2/app.pid")" ;;
	nginx) tree_ticks "$(pidof_file "$CD/front/nginx.pid")" "$(pidof_file "$CD/host-1/nginx.pid")" \
		"$(pidof_file "$CD/host-2/nginx.pid")" ;;
	inngest) tree_ticks "$(pidof_file "$CD/server-1/server.pid")" "$(pidof_file "$CD/server-2/server.pid")" ;;
	postgres) tree_ticks "$(pidof_file "$CD/postgres/data/postmaster.pid")" ;;
	redis) tree_ticks "$(pidof_file "$CD/redis/redis.pid")" ;;
	esac
}
COMPONENTS=(app nginx inngest postgres redis)
declare -A C0 C1
snapshot() { # ARRAY_NAME
	local c
	for c in "${COMPONENTS[@]}"; do
		if [[ $1 == C0 ]]; then C0[$c]=$(component_ticks "$c"); else C1[$c]=$(component_ticks "$c"); fi
	done
}

# ---- the cluster and its configurations ---------------------------------------------
cluster_up() { # APP
	say "starting a cluster with the $1 app in $E2E_DIR/cluster-$1"
	cluster_start "$1" || die "the cluster did not start"
}
cluster_down() {
	CLUSTER_DIR=$CD "$cluster" stop >/dev/null 2>&1 || say "cluster-stop failed (logs in $CD)"
	CD=
}

# set_upstream NAME N_UP: in the front's upstream block NAME, the second
# server is `down` unless N_UP is 2; then nginx reloads.
set_upstream() {
	local name=$1 up=$2 conf=$CD/front/nginx.conf
	awk -v name="$name" -v up="$up" '
		$1 == "upstream" && $2 == name { inside = 1; n = 0 }
		inside && $1 == "server" {
			n++; sub(/ down;$/, ";")
			if (n == 2 && up == 1) sub(/;$/, " down;")
		}
		inside && $1 == "}" { inside = 0 }
		{ print }' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
	"$(nginx_bin)" -p "$CD/front/" -c "$conf" -e "$CD/front/error.log" -s reload ||
		die "the front nginx did not reload"
	sleep 1 # the old worker finishes; the new one has the new upstream
}

configure() { # HOSTS REPLICAS
	local hosts=$1 replicas=$2
	if ((replicas == 1)); then
		server_stop "$CD/server-2"
	else
		CLUSTER_DIR=$CD "$cluster" revive >/dev/null 2>&1 || return 1
	fi
	set_upstream app_hosts "$hosts"
	set_upstream inngest_servers "$replicas"
}

# ---- the workloads --------------------------------------------------------------------
# Prints the event ids, one a line.
send_loop() { # RUNS
	local runs=$1 batch=$(( $1 >= 10 ? $1 / 10 : 1 )) sent=0 k events
	while ((sent < runs)); do
		k=$((runs - sent < batch ? runs - sent : batch))
		events=$(jq -cn --argjson k "$k" '[range($k) | {name:"conf/loop", data:{n:10}}]')
		curl -sS --max-time 30 -X POST "$CLUSTER_INNGEST_URL/e/$INNGEST_EVENT_KEY" \
			-H 'Content-Type: application/json' --data-binary "$events" | jq -r '.ids[]' ||
			die "sending conf/loop events failed"
		sent=$((sent + k))
	done
}
send_contact() { # RUNS
	local runs=$1 i body
	for ((i = 0; i < runs; i++)); do
		body=$(printf '{"name":"Bench %d","email":"bench-%d-%s@example.org","message":"cluster bench %d"}' \
			"$i" "$i" "$RANDOM" "$i")
		curl -sS --max-time 30 -X POST "$CLUSTER_FRONT_URL/api/contact" \
			-H 'Content-Type: application/json' --data-binary "$body" -o "$E2E_DIR/contact.$i" &
		if (((i + 1) % 8 == 0)); then wait; fi
	done
	wait
	for ((i = 0; i < runs; i++)); do
		jq -r '.id // empty' "$E2E_DIR/contact.$i" 2>/dev/null || true
	done
}

# What marks a workload's run as ended without asking the server (whose API
# calls would add to its CPU while we wait): the final call of a conf-loop
# run is the one answered 200 (every step before it 206); a contact run has
# sent its two emails.
done_count() { # WORKLOAD
	case $1 in
	loop) cat $CLUSTER_APP_LOGS | grep -c 'POST inngest-fcgi-conformance-conf-loop .*status=200' || true ;;
	contact) grep -c '"path": *"/emails"' "$CD/standin/requests.jsonl" 2>/dev/null || true ;;
	esac
}

run_ok() { # WORKLOAD RUN_JSON
	case $1 in
	loop) jq -e '.status == "Completed" and ((.output | if type == "string" then (try fromjson catch .) else . end) == {"sum":45})' <<<"$2" >/dev/null 2>&1 ;;
	contact) jq -e '.status == "Completed" and .output.notificationId != null and .output.confirmationId != null' <<<"$2" >/dev/null 2>&1 ;;
	esac
}

iso_to_epoch() { date -d "$1" +%s.%N; }

measure() { # WORKLOAD HOSTS REPLICAS
	local w=$1 hosts=$2 replicas=$3 runs per target d0 t0 t_seen ids n ok=0 last=0 end run c
	case $w in loop) runs=$loop_runs per=1 ;; contact) runs=$contact_runs per=2 ;; esac
	if ! configure "$hosts" "$replicas"; then
		say "$w ${hosts}x$replicas: replica 2 did not start again (see $CD/server-2/server.log); not measured"
		jq -cn --arg w "$w" --argjson h "$hosts" --argjson r "$replicas" \
			'{workload:$w, app_hosts:$h, replicas:$r, error:"replica 2 did not start again"}' >>"$out/results.jsonl"
		return 0
	fi
	# the configuration at rest first (a replica just started, nginx reloaded)
	sleep 2
	d0=$(done_count "$w")
	target=$((d0 + runs * per))
	snapshot C0
	t0=$(date +%s.%N)
	if [[ $w == loop ]]; then ids=$(send_loop "$runs"); else ids=$(send_contact "$runs"); fi
	n=$(wc -w <<<"$ids")
	((n == runs)) || say "$w ${hosts}x$replicas: $n of $runs events accepted"
	local deadline=$((SECONDS + 600))
	while (($(done_count "$w") < target)); do
		((SECONDS < deadline)) || { say "$w ${hosts}x$replicas: not all runs ended within 600 s"; break; }
		sleep 0.2
	done
	snapshot C1
	t_seen=$(date +%s.%N)
	for ev in $ids; do
		run=$(wait_run "$CLUSTER_INNGEST_URL" "$ev" 120 "$AUTH" 2>/dev/null) || continue
		run_ok "$w" "$run" && ok=$((ok + 1))
		end=$(iso_to_epoch "$(jq -r .ended_at <<<"$run")")
		last=$(awk -v a="$last" -v b="$end" 'BEGIN { print (b > a) ? b : a }')
	done
	[[ $last == 0 ]] && last=$t_seen
	local secs cpu_json='{}'
	secs=$(awk -v a="$t0" -v b="$last" 'BEGIN { print b - a }')
	for c in "${COMPONENTS[@]}"; do
		cpu_json=$(jq -c --arg c "$c" --argjson v "$(awk -v a="${C0[$c]}" -v b="${C1[$c]}" -v t="$clk" -v k="$runs" \
			'BEGIN { printf "%.2f", (b - a) / t * 1000 / k }')" '. + {($c): $v}' <<<"$cpu_json")
	done
	jq -cn --arg w "$w" --argjson h "$hosts" --argjson r "$replicas" --argjson k "$runs" --argjson ok "$ok" \
		--argjson secs "$secs" --argjson cpu "$cpu_json" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
		'{workload:$w, app_hosts:$h, replicas:$r, runs:$k, runs_ok:$ok, seconds:$secs,
		  runs_per_s:($k / $secs), cpu_ms_per_run:$cpu, loadavg:$load}' | tee -a "$out/results.jsonl" >&2
}

for w in $workloads; do
	case $w in
	loop) cluster_up conformance ;;
	contact) cluster_up product ;;
	*) die "unknown workload $w (loop or contact)" ;;
	esac
	for cfg in $(tr ' ' '\n' <<<"$configs" | sort -t x -k2,2r); do
		[[ $cfg =~ ^([12])x([12])$ ]] || die "a configuration is HOSTSxREPLICAS (1 or 2 each), not $cfg"
		measure "$w" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	done
	cluster_down
done

{
	echo "| workload | app hosts | replicas | runs | right | runs/s | CPU ms/run: app | nginx | inngest | postgres | redis | load (1/5/15 min) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	jq -r 'select(.error == null) | "| \(.workload) | \(.app_hosts) | \(.replicas) | \(.runs) | \(.runs_ok) | \(.runs_per_s * 100 | round / 100) | \(.cpu_ms_per_run.app) | \(.cpu_ms_per_run.nginx) | \(.cpu_ms_per_run.inngest) | \(.cpu_ms_per_run.postgres) | \(.cpu_ms_per_run.redis) | \(.loadavg) |"' \
		"$out/results.jsonl"
} | tee "$out/results.md"
bad=$(jq -s 'map(select(.error != null or .runs_ok != .runs)) | length' "$out/results.jsonl")
((bad == 0)) || die "$bad configuration(s) had runs that did not complete right (see $out/results.jsonl)"
