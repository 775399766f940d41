#!/usr/bin/env bash
# Installs the Debian packages needed to build, run and test inngest-fcgi.
# Silent and fast when they are all present (make run/check call it each time).
# It only installs: the nginx and redis services a package may start are left
# as they are; our scripts run their own instances in private prefixes.
set -euo pipefail

wanted=(build-essential pkg-config libfcgi-dev libjson-c-dev libssl-dev
	libcurl4-openssl-dev libsqlite3-dev libhiredis-dev libcmocka-dev libsodium-dev
	redis-server curl jq openssl spawn-fcgi procps iproute2 valgrind clang libclang-rt-14-dev sqlite3)
# iproute2 gives the tests `ss` (free ports); valgrind serves make check-valgrind;
# clang and its runtimes (libFuzzer) build the fuzz targets of tests/fuzz/;
# sqlite3 checks the store file after the disk-full test (tests/e2e/test_faults.sh).
wanted+=(wrk) # make bench (contrib/bench/run.sh) drives its load with wrk
# The dev server's web UI is checked in a real browser (tests/e2e/test_dev_server_ui.sh):
# Debian's Chromium, driven by playwright-core from npm, which never downloads a browser.
wanted+=(chromium)
# Node.js (>= 20.19, for that driver and for the UI's build in
# contrib/inngest-cli/build.sh) is the machine's own: Debian 12 has only 18.
# python3-minimal runs the raw FastCGI client of the attack tests
# (tests/lib/fcgi_client.py) and a listener that never answers (test_attacks_sync.sh).
wanted+=(python3-minimal)
# Any of these provides /usr/sbin/nginx; nginx-light is what we install.
nginx_flavours=(nginx-light nginx nginx-core nginx-full nginx-extras)

# One dpkg-query for everything; unknown names only produce stderr noise.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
	"${wanted[@]}" "${nginx_flavours[@]}" 2>/dev/null | awk '$2 == "installed" { print $1 }' || true)
is_installed() { grep -qxF "$1" <<<"$installed"; }

missing=()
for p in "${wanted[@]}"; do
	is_installed "$p" || missing+=("$p")
done
have_nginx=
for p in "${nginx_flavours[@]}"; do
	is_installed "$p" && have_nginx=1
done
[[ -n $have_nginx ]] || missing+=(nginx-light)

((${#missing[@]} == 0)) && exit 0

sudo=()
if [[ $EUID != 0 ]]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
