#!/usr/bin/env bash
# Installs the Debian packages a make target needs, and checks the toolchains
# Debian 12 cannot provide (Go for the Inngest CLI; Node for the browser
# test, the encryption interop tests and the benchmark).
#
#   contrib/install-deps.sh [GROUP...]     (no GROUP: run — what building and serving need)
#
#   run       make run: build the programs, serve them under nginx, the dev server
#   check     make check: run + cmocka, redis, spawn-fcgi, multiwatch, systemd, clang, ...
#   valgrind  make check-valgrind: check + valgrind
#   fuzz      make fuzz: clang and its libFuzzer runtime
#   soak      make soak: run + what the soak script calls
#   bench     make bench: run + wrk, and Node for the official SDK
#   install   make install: the build tools and libraries only
#   coverage  make coverage: check + gcovr
#   fresh     make check-fresh: debootstrap, git
#   cluster   make cluster, make check-cluster: run + redis, PostgreSQL
#   graph     contrib/architecture/include-graph.sh: graphviz, git
#   all       every group
#
# Silent and fast when everything is present (make calls it on every run).
# It only installs: the nginx and redis services a package may start are left
# as they are; our scripts run their own instances in private prefixes.
# `--list GROUP...` prints the packages of those groups and exits.
set -euo pipefail

# The build: compiler, pkg-config and the libraries the SDK links.
build=(build-essential pkg-config libfcgi-dev libjson-c-dev libssl-dev
	libcurl4-openssl-dev libsqlite3-dev libhiredis-dev libsodium-dev)
# make run: nginx in a private prefix (nginx-light, see below), curl to sync
# the app and probe it, ss (iproute2) for free ports, pgrep/ps (procps),
# setsid (util-linux), ca-certificates for the Go module proxy's TLS.
run=("${build[@]}" curl jq iproute2 procps util-linux ca-certificates)
# make check: cmocka units; redis-server/redis-cli (product store tests);
# openssl (signatures in the shell tests); spawn-fcgi and multiwatch
# (tests/e2e/test_deploy_spawn_fcgi.sh); systemd-analyze and
# systemd-socket-activate (tests/e2e/test_deploy_systemd.sh); sqlite3 checks
# the store after the disk-full test and unshare/mount (util-linux) set that
# test up (tests/e2e/test_faults.sh); clang + libFuzzer for
# tests/e2e/test_fuzz_short.sh; binutils (strings, nm) for symbol checks; git
# lists the tracked files the self-containment test scans.
check=("${run[@]}" libcmocka-dev redis-server redis-tools openssl spawn-fcgi multiwatch
	systemd sqlite3 clang libclang-rt-14-dev binutils coreutils git chromium python3-minimal
	protobuf-compiler prometheus python3-venv)
# (chromium: the dev server's web UI is checked in a real browser by
# tests/e2e/test_dev_server_ui.sh, driven by playwright-core from npm, which
# never downloads a browser; python3-minimal: the raw FastCGI client of the
# attack tests, tests/lib/fcgi_client.py, and a listener that never answers;
# protobuf-compiler: `protoc --decode_raw` checks our OTLP bytes in
# tests/unit/test_otlp_encode.c; prometheus: `promtool check metrics` in
# tests/e2e/test_traces.sh; python3-venv: that test's OpenTelemetry receiver,
# built on PyPI's opentelemetry-proto in a private venv.)
valgrind=("${check[@]}" valgrind)
fuzz=("${build[@]}" clang libclang-rt-14-dev libcmocka-dev)
soak=("${run[@]}" openssl)
bench=("${run[@]}" wrk)
install=("${build[@]}")
coverage=("${check[@]}" gcovr)
fresh=(debootstrap git)
# make cluster, make check-cluster: PostgreSQL for the Inngest servers'
# history, beside check's redis-server and nginx; util-linux gives runuser
# (PostgreSQL refuses to run as root).
cluster=("${run[@]}" redis-server redis-tools openssl postgresql util-linux)
# contrib/architecture/include-graph.sh (the include graph of handler/'s
# layers, README.md and handler/README.md): dot draws it from git's copy.
graph=(graphviz git)

# Which groups need Go (the Inngest CLI is built from its Go module unless it
# is cached or named by INNGEST_CLI) and which need Node.
needs_go=" run check valgrind coverage bench cluster "
# Node.js >= 20.19 is the machine's own (Debian 12 has only 18): make check
# drives Chromium and the UI with it; make run builds the UI with it when present.
needs_node=" bench check coverage "
# Any of these provides /usr/sbin/nginx; nginx-light is what we install.
nginx_flavours=(nginx-light nginx nginx-core nginx-full nginx-extras)
needs_nginx=" run check valgrind coverage soak bench cluster "

list=
if [[ ${1:-} == --list ]]; then list=1; shift; fi
groups=("$@")
((${#groups[@]})) || groups=(run)
[[ " ${groups[*]} " == *" all "* ]] && groups=(run check valgrind fuzz soak bench install coverage fresh cluster graph)

wanted=() go_needed= node_needed= nginx_needed=
for g in "${groups[@]}"; do
	case $g in
	run | check | valgrind | fuzz | soak | bench | install | coverage | fresh | cluster | graph) ;;
	*) echo "install-deps: unknown group '$g' (see the head of $0)" >&2; exit 2 ;;
	esac
	declare -n pkgs=$g
	wanted+=("${pkgs[@]}")
	unset -n pkgs
	[[ $needs_go == *" $g "* ]] && go_needed=1
	[[ $needs_node == *" $g "* ]] && node_needed=1
	[[ $needs_nginx == *" $g "* ]] && nginx_needed=1
done
mapfile -t wanted < <(printf '%s\n' "${wanted[@]}" | sort -u)

if [[ -n $list ]]; then
	printf '%s\n' "${wanted[@]}" ${nginx_needed:+nginx-light}
	exit 0
fi

# One dpkg-query for everything; unknown names only produce stderr noise.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
	"${wanted[@]}" "${nginx_flavours[@]}" 2>/dev/null | awk '$2 == "installed" { print $1 }' || true)
is_installed() { grep -qxF "$1" <<<"$installed"; }

missing=()
for p in "${wanted[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if [[ -n $nginx_needed ]]; then
	have_nginx=
	for p in "${nginx_flavours[@]}"; do
		is_installed "$p" && have_nginx=1
	done
	[[ -n $have_nginx ]] || missing+=(nginx-light)
fi

if ((${#missing[@]})); then
	sudo=()
	if [[ $EUID != 0 ]]; then
		command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
		sudo=(sudo)
	fi
	echo "install-deps (${groups[*]}): installing ${missing[*]}" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Toolchains that are not Debian packages (Debian 12's golang-go is 1.19, its
# nodejs 18): the machine provides them, we only check and say what is wrong.
status=0
if [[ -n $go_needed ]]; then
	# The Inngest CLI: INNGEST_CLI, on PATH, or already built need no Go.
	cli_cache=${XDG_CACHE_HOME:-$HOME/.cache}/inngest-fcgi/${INNGEST_CLI_VERSION:-v1.44.0}/inngest
	if [[ -z ${INNGEST_CLI:-} ]] && ! command -v inngest >/dev/null && ! command -v inngest-cli >/dev/null &&
		[[ ! -x $cli_cache ]]; then
		go_min=$(sed -n 's/^GO_MIN=\([0-9.]*\).*/\1/p' "$(dirname "$0")/inngest-cli/build.sh")
		go=$(command -v go || echo /usr/local/go/bin/go)
		if [[ ! -x $go ]]; then
			echo "install-deps (${groups[*]}): Go >= $go_min is needed to build the Inngest CLI" \
				"(contrib/inngest-cli/build.sh) and is not installed. Debian 12's golang-go is too old:" \
				"install Go from https://go.dev/dl/ into /usr/local/go, or set INNGEST_CLI to an inngest binary." >&2
			status=1
		else
			have=$("$go" env GOVERSION); have=${have#go}
			if [[ "$(printf '%s\n' "$go_min" "$have" | sort -V | head -1)" != "$go_min" ]]; then
				echo "install-deps (${groups[*]}): $go is Go $have; the Inngest CLI needs Go >= $go_min" \
					"(Debian 12's golang-go is too old): install Go from https://go.dev/dl/, or set INNGEST_CLI." >&2
				status=1
			fi
		fi
	fi
fi
if [[ -n $node_needed ]]; then
	# make bench runs the official TypeScript SDK (npm inngest@4.24.0) beside
	# ours; make check drives Chromium with playwright-core and talks to the
	# official encryption middleware: both want Node.js >= 20.19.
	node_min=20.19.0
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "install-deps (${groups[*]}): node and npm (Node.js >= $node_min) are needed and not installed" \
			"(Debian 12's nodejs is 18): install Node.js from https://nodejs.org/ and re-run." >&2
		status=1
	else
		have=$(node --version); have=${have#v}
		if [[ "$(printf '%s\n' "$node_min" "$have" | sort -V | head -1)" != "$node_min" ]]; then
			echo "install-deps (${groups[*]}): node is $have; Node.js >= $node_min is needed" \
				"(Debian 12's nodejs is too old): install it from https://nodejs.org/ and re-run." >&2
			status=1
		fi
	fi
fi
exit $status
