#!/usr/bin/env bash
# A 10-second run of the soak (contrib/soak/soak.sh; the real one is
# `make soak SOAK_SECONDS=3600`) on the build under test: mixed signed traffic
# through nginx, every answer its expected status, no worker restart, no
# secret in a log, clean logs and exit.  RSS is reported, not judged: a
# sanitizer build's quarantine grows by design.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

rc=0
SOAK_SECONDS=${SOAK_SMOKE_SECONDS:-10} SOAK_CHECK_RSS=0 BUILD_DIR=$(e2e_build_dir) \
	"$E2E_ROOT/contrib/soak/soak.sh" >"$E2E_DIR/soak.out" 2>&1 || rc=$?
sed 's/^/    /' "$E2E_DIR/soak.out" | grep -v '^    ok' | tail -n 20
served=$(sed -nE 's/^soak: [0-9]+ s, ([0-9]+) requests served.*/\1/p' "$E2E_DIR/soak.out")
errors=$(sed -nE 's/^soak: .* requests served .*, ([0-9]+) errors$/\1/p' "$E2E_DIR/soak.out")
expect_ok "soak smoke: requests were served (${served:-none})" test "${served:-0}" -gt 0
expect_eq "soak smoke: errors" 0 "${errors:-missing}"
expect_match "soak smoke: no worker restart" '^soak: worker restarts logged: 0$' "$(cat "$E2E_DIR/soak.out")"
expect_eq "soak smoke: the soak passed (no secret in a log, clean logs and exit)" 0 "$rc"
summary
