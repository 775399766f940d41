#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2153  # jq programs are single-quoted; make_request's .env sets METHOD, WHAT …
# contrib/bench/run.sh — what `make bench` runs: our conformance app against
# the official TypeScript SDK and the two ceilings, side by side in one run,
# everything on 127.0.0.1 (free ports), and a table at the end.
#
# Peers (S1–S5, each behind its own private nginx from nginx/ unless noted):
#   ours-1        the conformance program, 1 worker, cloud mode (signed requests)
#   ours-1-traced ours-1 exporting every call's spans over OTLP to a local sink (issue 18)
#   ours-N        ours-1 with one worker per core
#   sdk           inngest@4.24.0 serve() from inngest/node, one Node process, no nginx
#   fcgi-ceiling  contrib/bench/fcgi_ceiling.c: libfcgi, fixed body, nothing else
#   nginx-static  nginx answering a static file (contrib/bench/nginx-static.conf.template)
# Scenarios: S1 signed GET introspection; S2 conf-steps first call (206);
# S3 conf-steps final call (200); S4 conf-loop n=100 final call; S5 conf-loop
# n=1000 final call (~100 KB) — built by make_request as the executor builds
# them, replayed with wrk; S6 whole conf-loop n=10 runs driven by a private
# `inngest dev`, with checkpointing off and on, for us and for the SDK.
# Then the in-process figures (inproc: CPU per request and the parse+verify
# floor) and a soak (RSS of one worker across BENCH_SOAK_REQUESTS requests).
#
# Settings (environment): BENCH_SECONDS (5) per run (S5: BENCH_S5_SECONDS,
# 20), BENCH_RUNS (5) runs per
# figure, alternating between the peers (the median is reported), BENCH_CONNECTIONS (16), BENCH_THREADS (1),
# BENCH_SCENARIOS ("S1 S2 S3 S4 S5 S6"), BENCH_PEERS (all six),
# BENCH_S6_RUNS (100 runs per S6 peer; 20 when BENCH_SECONDS < 5),
# BENCH_SOAK_REQUESTS (1000000; 50000 when BENCH_SECONDS < 5; 0 skips),
# BENCH_NODE_DIR (where inngest@4.24.0 is installed: ~/.cache/inngest-fcgi/bench-node),
# BUILD_DIR (build/release), BENCH_OUT (build/bench).
# Writes BENCH_OUT/results.json, results.md and the raw runs (runs.jsonl).
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/nginx.sh
source "$BENCH_ROOT/tests/lib/nginx.sh"
# shellcheck source=tests/lib/inngest.sh
source "$BENCH_ROOT/tests/lib/inngest.sh"
TOOLS_GROUP=bench # the install step's group for a missing tool

build_dir=${BUILD_DIR:-build/release}
[[ $build_dir == /* ]] || build_dir=$BENCH_ROOT/$build_dir
out=${BENCH_OUT:-$BENCH_ROOT/build/bench}
[[ $out == /* ]] || out=$BENCH_ROOT/$out
secs=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-5}
conns=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-1}
scenarios=${BENCH_SCENARIOS:-S1 S2 S3 S4 S5 S6}
peers=${BENCH_PEERS:-ours-1 ours-1-traced ours-N sdk fcgi-ceiling nginx-static}
# S5 runs longer for every peer: the official SDK interleaves its 16
# concurrent 100 KB calls and finishes none within 5 s.
s5_secs=${BENCH_S5_SECONDS:-$((secs >= 5 ? (secs > 20 ? secs : 20) : secs * 4))}
# a smoke run (BENCH_SECONDS under 5) soaks and drives fewer runs
s6_runs=${BENCH_S6_RUNS:-$((secs >= 5 ? 100 : 20))}
soak_requests=${BENCH_SOAK_REQUESTS:-$((secs >= 5 ? 1000000 : 50000))}
node_dir=${BENCH_NODE_DIR:-$HOME/.cache/inngest-fcgi/bench-node}
cores=$(nproc)
# A key made up for this run; never a real one.
key=signkey-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
app_id=inngest-fcgi-conformance
bin=$build_dir/inngest-fcgi-conformance
tools=$build_dir/bench
clk=$(getconf CLK_TCK)

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for f in "$bin" "$tools/make_request" "$tools/inproc" "$tools/fcgi_ceiling"; do
	[[ -x $f ]] || die "$f is missing: run make bench (it builds them)"
done
# wrk drives the load; node/npm run the official SDK beside ours.
require_tools bench wrk node npm nginx curl jq pgrep setsid timeout od

e2e_init
work=$E2E_DIR
mkdir -p "$out" "$work/req"
: >"$out/runs.jsonl"

# ---- the official SDK: inngest@4.24.0 in a cache outside the checkout ------
node_ready() { [[ $(jq -r .version "$node_dir/node_modules/inngest/package.json" 2>/dev/null) == 4.24.0 ]]; }
if [[ " $peers $scenarios " == *" sdk "* || " $scenarios " == *" S6 "* ]] && ! node_ready; then
	say "installing inngest@4.24.0 into $node_dir (once)"
	mkdir -p "$node_dir"
	[[ -f $node_dir/package.json ]] || echo '{"name":"inngest-fcgi-bench","private":true}' >"$node_dir/package.json"
	(cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error inngest@4.24.0 >&2) ||
		die "npm install inngest@4.24.0 failed"
fi
# ESM resolves "inngest" from the file's own directory: run the app from there.
cp "$BENCH_ROOT/contrib/bench/sdk_app.mjs" "$node_dir/sdk_app.mjs" 2>/dev/null || true

# ---- processes ------------------------------------------------------------
declare -A PORT PREFIX
dev_prefixes=()

# shellcheck disable=SC2317  # run by the EXIT trap
bench_cleanup() {
	local p
	for p in "${dev_prefixes[@]}"; do server_stop "$p" || true; done
	e2e_cleanup
}
trap bench_cleanup EXIT

# start_bg PREFIX PORT COMMAND…: COMMAND in its own session, pid in PREFIX/app.pid
start_bg() {
	local prefix=$1 port=$2 pid
	shift 2
	mkdir -p "$prefix"
	setsid "$@" >>"$prefix/app.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$prefix/app.pid"
	wait_port "$port" "$pid" || { tail -n 20 "$prefix/app.log" >&2; die "$1 did not listen on $port"; }
}

start_ours() { # PREFIX WORKERS [VAR=VALUE…]
	local prefix=$1 workers=$2 fport port
	shift 2
	read -r fport port < <(free_ports 2)
	start_bg "$prefix" "$fport" env "$@" INNGEST_APP_ID=$app_id \
		"$bin" --listen "127.0.0.1:$fport" --workers "$workers"
	nginx_start "$prefix" "$port" "127.0.0.1:$fport" >&2
	echo "$port"
}

start_sdk() { # PREFIX [VAR=VALUE…]
	local prefix=$1 port
	shift
	port=$(free_port)
	# cd: the app imports "inngest" from beside itself
	start_bg "$prefix" "$port" env -C "$node_dir" "$@" NODE_ENV=production PORT="$port" \
		BENCH_APP_ID=$app_id node sdk_app.mjs
	echo "$port"
}

start_peer() {
	local peer=$1 prefix=$work/$1 port fport
	PREFIX[$peer]=$prefix
	case $peer in
	ours-1) port=$(start_ours "$prefix" 1 INNGEST_DEV=0 INNGEST_SIGNING_KEY="$key") ;;
	ours-N) port=$(start_ours "$prefix" "$cores" INNGEST_DEV=0 INNGEST_SIGNING_KEY="$key") ;;
	# ours-1 exporting every call's spans (OTLP/HTTP protobuf) to a sink:
	# libfcgi's fixed 200 behind nginx (under /api/, which nginx passes to
	# FastCGI), on this machine (issue 18)
	ours-1-traced)
		read -r fport sink_port < <(free_ports 2)
		start_bg "$work/trace-sink" "$fport" "$tools/fcgi_ceiling" "127.0.0.1:$fport"
		nginx_start "$work/trace-sink" "$sink_port" "127.0.0.1:$fport" >&2
		port=$(start_ours "$prefix" 1 INNGEST_DEV=0 INNGEST_SIGNING_KEY="$key" \
			OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:$sink_port/api/traces")
		;;
	sdk) port=$(start_sdk "$prefix" INNGEST_DEV=0 INNGEST_SIGNING_KEY="$key") ;;
	fcgi-ceiling)
		read -r fport port < <(free_ports 2)
		start_bg "$prefix" "$fport" "$tools/fcgi_ceiling" "127.0.0.1:$fport"
		nginx_start "$prefix" "$port" "127.0.0.1:$fport" >&2
		;;
	nginx-static)
		port=$(free_port)
		mkdir -p "$prefix/tmp" "$prefix/html"
		printf '{"result":"AB"}' >"$prefix/html/answer.json"
		chmod -R a+rX "$prefix/html"
		sed -e "s|@PORT@|$port|g" -e "s|@ROOT@|$prefix/html|g" \
			"$BENCH_ROOT/contrib/bench/nginx-static.conf.template" >"$prefix/nginx.conf"
		chmod 0711 "$prefix"
		if ! "$(nginx_bin)" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" ||
			! wait_port "$port"; then
			die "the static nginx did not start"
		fi
		;;
	*) die "unknown peer $peer" ;;
	esac
	PORT[$peer]=$port
}

# The processes whose CPU and memory are the peer's: the program (master and
# workers), the Node process, the responder, or the static nginx's worker.
app_pids() {
	local prefix=${PREFIX[$1]} pid
	case $1 in
	nginx-static) pid=$(<"$prefix/nginx.pid"); pgrep -P "$pid" || true ;;
	*) pid=$(<"$prefix/app.pid"); echo "$pid"; pgrep -P "$pid" || true ;;
	esac
}
# Whose RSS is reported: our workers only (the issue's "per worker"; the idle
# master has touched more of the shared libraries at start-up than a worker
# ever does), else the same processes as app_pids.
rss_pids() {
	case $1 in
	ours-*) pgrep -P "$(<"${PREFIX[$1]}/app.pid")" || true ;;
	*) app_pids "$1" ;;
	esac
}
# nginx's workers in front of a FastCGI peer (counted apart).
nginx_pids() {
	local prefix=${PREFIX[$1]}
	[[ $1 == ours-* || $1 == fcgi-ceiling ]] && [[ -f $prefix/nginx.pid ]] || return 0
	pgrep -P "$(<"$prefix/nginx.pid")" || true
}

cpu_ticks() {
	local total=0 p stat
	local -a f
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		read -ra f <<<"${stat##*) }"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}
# Largest VmHWM (kB) among the pids; clear_refs 5 resets it before a run.
hwm_kb() {
	local max=0 p v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
		[[ -n $v ]] && ((v > max)) && max=$v
	done
	echo "$max"
}
reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }

# ---- one scenario against one peer -----------------------------------------
record() { jq -cn "$@" >>"$out/runs.jsonl"; }

# check_once PEER REQ: one request with curl; the SDKs must answer right, the
# ceilings with 200.
check_once() {
	local peer=$1 req=$2 status body
	# make_request writes METHOD, REQ_PATH, SIGNATURE, EXPECT_STATUS, EXPECT, WHAT
	# shellcheck disable=SC1090
	source "$req.env"
	local -a args=(-sS -o "$work/check.body" -w '%{http_code}' --max-time 60
		-H "X-Inngest-Signature: $SIGNATURE")
	[[ $METHOD == POST ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$req.body")
	status=$(curl "${args[@]}" "http://127.0.0.1:${PORT[$peer]}$REQ_PATH") || status=000
	body=$(head -c 2000 "$work/check.body")
	case $peer in
	fcgi-ceiling | nginx-static) [[ $status == 200 ]] ;;
	*) [[ $status == "$EXPECT_STATUS" && $body == *"$EXPECT"* ]] ;;
	esac || { say "$peer answered $status ${body:0:200} to $WHAT (want $EXPECT_STATUS $EXPECT)"; return 1; }
}

# wrk_run PEER REQ SECONDS → one JSON line of wrk's figures in $work/wrk.json
wrk_run() {
	: >"$work/wrk.json"
	WRK_JSON=$work/wrk.json wrk -t"$threads" -c"$conns" -d"${3}s" --timeout 30s -s "$2.lua" \
		"http://127.0.0.1:${PORT[$1]}" >/dev/null
}

# Waits (up to 60 s) until the peer has finished what an ended wrk run left
# in flight: Node goes on with calls whose client has gone, and that work
# must not count against the next run.
wait_idle() {
	local a b i
	a=$(cpu_ticks "$@")
	for ((i = 0; i < 120; i++)); do
		sleep 0.5
		b=$(cpu_ticks "$@")
		((b - a <= 2)) && return 0
		a=$b
	done
}

# prepare SCENARIO PEER: a right answer first, then a warm-up (Node's JIT, caches)
prepare() {
	local s=$1 peer=$2 req=$work/req/$1-$2
	BENCH_SIGNING_KEY=$key BENCH_APP_ID=$app_id "$tools/make_request" "$s" "$req"
	if ! check_once "$peer" "$req"; then
		record --arg s "$s" --arg p "$peer" '{scenario:$s, peer:$p, error:"wrong answer (see the log)"}'
		return 1
	fi
	wrk_run "$peer" "$req" $((secs < 2 ? secs : 2))
}

# measure SCENARIO PEER RUN: one timed run
measure() {
	local s=$1 peer=$2 r=$3 req=$work/req/$1-$2 c0 c1 n0 n1 hwm dur=$secs
	[[ $s == S5 ]] && dur=$s5_secs
	# a fresh signature for every run: one is valid for 5 minutes
	BENCH_SIGNING_KEY=$key BENCH_APP_ID=$app_id "$tools/make_request" "$s" "$req"
	local -a pids ngx rss
	mapfile -t pids < <(app_pids "$peer")
	wait_idle "${pids[@]}"
	mapfile -t rss < <(rss_pids "$peer")
	mapfile -t ngx < <(nginx_pids "$peer")
	reset_hwm "${rss[@]}"
	c0=$(cpu_ticks "${pids[@]}")
	n0=$(cpu_ticks "${ngx[@]}")
	wrk_run "$peer" "$req" "$dur"
	c1=$(cpu_ticks "${pids[@]}")
	n1=$(cpu_ticks "${ngx[@]}")
	hwm=$(hwm_kb "${rss[@]}")
	jq -c --arg s "$s" --arg p "$peer" --argjson r "$r" \
		--argjson cpu "$(awk -v a="$c0" -v b="$c1" -v t="$clk" 'BEGIN { print (b - a) / t }')" \
		--argjson ncpu "$(awk -v a="$n0" -v b="$n1" -v t="$clk" 'BEGIN { print (b - a) / t }')" \
		--argjson hwm "$hwm" \
		'{scenario:$s, peer:$p, run:$r} + . + {app_cpu_s:$cpu, nginx_cpu_s:$ncpu, peak_rss_kb:$hwm}' \
		"$work/wrk.json" >>"$out/runs.jsonl"
	say "$s $peer run $r: $(jq -r '"\(.requests) requests, p50 \(.p50_us / 1000) ms, \(.errors) errors"' "$work/wrk.json")"
}

# ---- S6: whole runs through a real dev server ------------------------------
iso_to_epoch() { date -d "$1" +%s.%N; }
# The run's output is {"sum":45}.  With checkpointing the official SDK ends
# a run with a 206 [RunComplete] op, which this dev server keeps as the run's
# output text (its REST API then shows ""; GraphQL has the text): look inside.
sum_ok() { # BASE RUN_JSON
	local out id
	out=$(jq -c .output <<<"$2")
	if [[ $out == '""' ]]; then
		id=$(jq -r .run_id <<<"$2")
		out=$(curl -sS --max-time 10 "$1/v0/gql" -H 'Content-Type: application/json' \
			-d "{\"query\":\"{ run(runID: \\\"$id\\\") { output } }\"}" | jq -c .data.run.output)
	fi
	jq -e '(if type == "string" then (try fromjson catch .) else . end)
		| (if type == "array" then (map(select(.op == "RunComplete")) | .[0].data) else . end)
		| . == {"sum":45}' <<<"$out" >/dev/null 2>&1
}

s6_peer() { # NAME KIND(ours|sdk) CHECKPOINTING(0|1)
	local name=$1 kind=$2 ckpt=$3 prefix=$work/s6-$1 port url fns posts0 posts1 c0 c1
	mkdir -p "$prefix"
	dev_prefixes+=("$prefix/dev")
	dev_server_start "$prefix/dev" >&2 || die "inngest dev did not start"
	local base=$SERVER_URL
	if [[ $kind == ours ]]; then
		local -a ck=()
		[[ $ckpt == 1 ]] && ck=(INNGEST_CHECKPOINTING=1)
		port=$(start_ours "$prefix" 1 INNGEST_DEV=1 INNGEST_BASE_URL="$base" "${ck[@]}")
		# the table's own count, so a new conformance function needs no edit here
		fns=$(env -i PATH="$PATH" INNGEST_DEV=1 "$bin" --check 2>/dev/null | jq '.functions | length')
		[[ $fns =~ ^[0-9]+$ ]] || die "S6 $name: $bin --check did not list its functions"
	else
		port=$(start_sdk "$prefix" INNGEST_DEV=1 INNGEST_BASE_URL="$base" BENCH_CHECKPOINTING="$ckpt")
		fns=2
	fi
	PREFIX[$name]=$prefix
	url=http://127.0.0.1:$port/api/inngest
	local st
	st=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --max-time 30 "$url") || st=000
	[[ $st == 200 ]] || die "S6 $name: the sync PUT answered $st"
	wait_synced "$base" "$app_id" "$fns" 60 || die "S6 $name: not synced"
	count_posts() {
		if [[ $kind == ours ]]; then grep -c '] POST /api/inngest\|POST conf-\|POST inngest-fcgi' "$prefix/app.log" || true
		else curl -sS "http://127.0.0.1:$port/bench/count" | jq .posts; fi
	}
	# one run first, to warm up and to check the answer
	local ev run out_ok=0 i
	ev=$(send_event "$base" bench '{"name":"conf/loop","data":{"n":10}}') || die "S6 $name: send failed"
	run=$(wait_run "$base" "$ev" 120) || die "S6 $name: the warm-up run did not end"
	sum_ok "$base" "$run" || die "S6 $name: warm-up output $(jq -c .output <<<"$run")"
	local -a pids
	mapfile -t pids < <(app_pids "$name")
	posts0=$(count_posts)
	c0=$(cpu_ticks "${pids[@]}")
	local events t0 ids
	events=$(jq -cn --argjson k "$s6_runs" '[range($k) | {name:"conf/loop", data:{n:10}}]')
	t0=$(date +%s.%N)
	ids=$(curl -sS --max-time 30 -X POST "$base/e/bench" -H 'Content-Type: application/json' \
		--data-binary "$events" | jq -r '.ids[]') || die "S6 $name: sending $s6_runs events failed"
	local last=0 end
	for ev in $ids; do
		run=$(wait_run "$base" "$ev" 600) || die "S6 $name: run of event $ev did not end"
		sum_ok "$base" "$run" && out_ok=$((out_ok + 1))
		end=$(iso_to_epoch "$(jq -r .ended_at <<<"$run")")
		last=$(awk -v a="$last" -v b="$end" 'BEGIN { print (b > a) ? b : a }')
	done
	c1=$(cpu_ticks "${pids[@]}")
	posts1=$(count_posts)
	record --arg p "$name" --argjson ck "$ckpt" --argjson k "$s6_runs" --argjson ok "$out_ok" \
		--argjson secs "$(awk -v a="$t0" -v b="$last" 'BEGIN { print b - a }')" \
		--argjson posts "$((posts1 - posts0))" \
		--argjson cpu "$(awk -v a="$c0" -v b="$c1" -v t="$clk" 'BEGIN { print (b - a) / t }')" \
		'{scenario:"S6", peer:$p, checkpointing:($ck == 1), runs:$k, runs_ok:$ok, seconds:$secs,
		  runs_per_s:($k / $secs), posts_per_run:($posts / $k), app_cpu_ms_per_run:($cpu * 1000 / $k)}'
	say "S6 $name: $s6_runs runs in $(awk -v a="$t0" -v b="$last" 'BEGIN { printf "%.2f", b - a }') s," \
		"$((posts1 - posts0)) call requests, $out_ok right outputs"
	app_stop "$prefix" >/dev/null 2>&1 || true
	nginx_stop "$prefix"
	server_stop "$prefix/dev"
}

# ---- soak: one worker's memory across many requests ------------------------
soak() {
	local peer=ours-1 total=0 chunk=10 first=0 last=0 max=0 rss worker0 worker1 req=$work/req/soak n
	worker0=$(pgrep -P "$(<"${PREFIX[$peer]}/app.pid")" | head -n 1)
	while ((total < soak_requests)); do
		BENCH_SIGNING_KEY=$key BENCH_APP_ID=$app_id "$tools/make_request" S3 "$req"
		wrk_run "$peer" "$req" "$chunk"
		n=$(jq .requests "$work/wrk.json")
		((n > 0)) || die "soak: no requests served"
		total=$((total + n))
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$worker0/status" 2>/dev/null || echo 0)
		((first == 0)) && first=$rss
		last=$rss
		((rss > max)) && max=$rss
		say "soak: $total requests, worker RSS $rss kB"
	done
	worker1=$(pgrep -P "$(<"${PREFIX[$peer]}/app.pid")" | head -n 1)
	record --argjson t "$total" --argjson f "$first" --argjson l "$last" --argjson m "$max" \
		--argjson same "$([[ $worker0 == "$worker1" ]] && echo true || echo false)" \
		'{scenario:"soak", peer:"ours-1", requests:$t, rss_kb_after_first_chunk:$f, rss_kb_last:$l,
		  rss_kb_max:$m, same_worker:$same}'
}

# ---- the run ---------------------------------------------------------------
say "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
http_scenarios=()
for s in $scenarios; do [[ $s == S6 ]] || http_scenarios+=("$s"); done
if ((${#http_scenarios[@]})); then
	for peer in $peers; do start_peer "$peer"; done
	# Runs alternate between the peers (run 1 of each, then run 2 …), so
	# that a slow spell of a shared machine falls on all of them alike.
	for s in "${http_scenarios[@]}"; do
		ready=()
		for peer in $peers; do prepare "$s" "$peer" && ready+=("$peer"); done
		for ((r = 1; r <= runs; r++)); do
			for peer in "${ready[@]}"; do measure "$s" "$peer" "$r"; done
		done
	done
fi

say "in-process figures (router_serve, and the parse+verify floor)"
"$tools/inproc" "$secs" >"$out/inproc.json"
if [[ -n ${sink_port:-} ]]; then
	say "in-process figures with every call's spans exported to the sink (issue 18)"
	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:$sink_port/api/traces" "$tools/inproc" "$secs" >"$out/inproc_traced.json"
	say "spans the traced peer exported / dropped: $(curl -sS "http://127.0.0.1:${PORT[ours-1-traced]}/metrics" |
		awk '/^inngest_fcgi_trace_spans_(exported|dropped)_total\{target="otlp"/ { printf "%s ", $2 }')"
fi

if ((soak_requests > 0)) && [[ " $peers " == *" ours-1 "* ]] && ((${#http_scenarios[@]})); then
	soak
fi

if [[ " $scenarios " == *" S6 "* ]]; then
	s6_peer ours-1 ours 0
	s6_peer ours-1-checkpointing ours 1
	s6_peer sdk sdk 0
	s6_peer sdk-checkpointing sdk 1
fi

# every log clean ([alert], [emerg], sanitizer reports)
# ($work/req holds the request files, not a server's logs)
for p in "$work"/*/; do
	[[ ${p%/} == "$work/req" ]] && continue
	check_logs "${p%/}" || die "a log reports a problem: ${p%/}"
done

versions=$(jq -cn --arg cores "$cores" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
	--arg kernel "$(uname -r)" \
	--arg nginx "$("$(nginx_bin)" -v 2>&1 | sed 's/^nginx version: //')" \
	--arg node "$(node --version)" \
	--arg sdk "$(jq -r .version "$node_dir/node_modules/inngest/package.json" 2>/dev/null || echo none)" \
	--arg wrk "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)" \
	--arg libfcgi "$(dpkg-query -W -f='${Version}' libfcgi0ldbl 2>/dev/null || echo unknown)" \
	--arg jsonc "$(pkg-config --modversion json-c 2>/dev/null || echo unknown)" \
	--arg cc "$(cc --version | head -n 1)" \
	--arg ours "$("$bin" --version)" \
	--arg cli "$(inngest_cli >/dev/null 2>&1 && "$(inngest_cli)" version 2>/dev/null | head -n 1 || echo none)" \
	'{cores:($cores | tonumber), cpu:$cpu, kernel:$kernel, nginx:$nginx, node:$node, "inngest (npm)":$sdk,
	  wrk:$wrk, libfcgi:$libfcgi, "json-c":$jsonc, cc:$cc, ours:$ours, "inngest dev":$cli}')
node "$BENCH_ROOT/contrib/bench/report.mjs" "$out" "$versions" \
	"{\"seconds\":$secs,\"s5_seconds\":$s5_secs,\"runs\":$runs,\"connections\":$conns,\"threads\":$threads,\"s6_runs\":$s6_runs}"
