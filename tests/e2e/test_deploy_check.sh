#!/usr/bin/env bash
# The command line an operator and a deploy hook use: --help, --version,
# --check (settings, function table, the sync payload, one app id per
# environment: production, a preview branch, local dev) and the start-up
# errors for a missing or wrong socket.  No server is needed.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
e2e_init

e2e_program bin inngest-fcgi
key_hex=5f3c1a9e0b7d42c68e1f0a3b5c7d9e1f
key=signkey-prod-$key_hex

# run_check VAR=VALUE…: --check in exactly that environment; sets rc, out (stdout), diag (stderr).
run_check() {
	rc=0
	env -i "$@" "$bin" --check >"$E2E_DIR/out" 2>"$E2E_DIR/diag" || rc=$?
	out=$(<"$E2E_DIR/out")
	diag=$(<"$E2E_DIR/diag")
}

expect_eq "--version" "inngest-fcgi 0.1.0" "$("$bin" --version)"
expect_match "--help names --check and the socket options" "--check.*" "$("$bin" --help)"
rc=0
"$bin" --bogus >/dev/null 2>&1 || rc=$?
expect_eq "an unknown option: exit 2" 2 "$rc"

# ---- local dev ---------------------------------------------------------------------
run_check INNGEST_DEV=1 INNGEST_APP_ID=blog-dev
expect_eq "dev: --check passes" 0 "$rc"
expect_eq "dev: the payload is the sync body for app blog-dev" "blog-dev inngest-fcgi:v0.1.0 ping" \
	"$(jq -r '"\(.appName) \(.sdk) \(.deployType)"' <<<"$out" 2>/dev/null)"
expect_match "dev: says signatures are off" "check: dev mode" "$diag"
expect_match "dev: says where the sync URL would come from" "check: sync URL http://<loopback host of the sync PUT>/api/inngest" "$diag"

# ---- production ----------------------------------------------------------------------
prod=("INNGEST_SIGNING_KEY=$key" INNGEST_EVENT_KEY=ek-123 INNGEST_SERVE_ORIGIN=https://blog.example INNGEST_APP_ID=blog)
run_check "${prod[@]}"
expect_eq "production: --check passes" 0 "$rc"
expect_eq "production: the sync URL is the public origin + /api/inngest" "https://blog.example/api/inngest" \
	"$(jq -r .url <<<"$out" 2>/dev/null)"
expect_eq "production: step URLs use it too" "https://blog.example/api/inngest?fnId=blog-hello-world&stepId=step" \
	"$(jq -r '.functions[] | select(.id == "blog-hello-world") | .steps.step.runtime.url' <<<"$out" 2>/dev/null)"
expect_eq "production: the Readwise daily cron is registered" "TZ=UTC 0 3 * * *" \
	"$(jq -r '.functions[] | select(.id == "blog-readwise-daily-sync") | .triggers[] | .cron // empty' <<<"$out" 2>/dev/null)"
expect_match "production: says it is production" "cloud mode, production environment \(INNGEST_ENV unset\)" "$diag"
expect_ok "production: no key is printed" bash -c "! grep -q '$key_hex\|ek-123' '$E2E_DIR/out' '$E2E_DIR/diag'"
run_check "${prod[@]}" INNGEST_ENV=production
expect_eq "INNGEST_ENV=production is production too" "TZ=UTC 0 3 * * *" \
	"$(jq -r '.functions[] | select(.id == "blog-readwise-daily-sync") | .triggers[] | .cron // empty' <<<"$out" 2>/dev/null)"

# ---- a preview branch ---------------------------------------------------------------
run_check INNGEST_SIGNING_KEY=$key INNGEST_EVENT_KEY=ek-branch INNGEST_ENV=preview-42 \
	INNGEST_APP_ID=blog-preview INNGEST_SERVE_ORIGIN=https://preview-42.blog.example
expect_eq "preview: --check passes" 0 "$rc"
expect_eq "preview: its own app id and URL" "blog-preview https://preview-42.blog.example/api/inngest" \
	"$(jq -r '"\(.appName) \(.url)"' <<<"$out" 2>/dev/null)"
expect_eq "preview: the production-only cron is left out, the manual trigger stays" "readwise/sync.requested" \
	"$(jq -r '.functions[] | select(.id == "blog-preview-readwise-daily-sync") | [.triggers[] | .cron // .event] | join(" ")' <<<"$out" 2>/dev/null)"
expect_match "preview: says which branch" 'branch environment "preview-42"' "$diag"

# ---- problems -------------------------------------------------------------------------
run_check INNGEST_APP_ID=blog
expect_eq "cloud without keys or origin: exit 1" 1 "$rc"
expect_eq "cloud without keys or origin: three problems, named" \
	"INNGEST_SIGNING_KEY INNGEST_EVENT_KEY INNGEST_SERVE_ORIGIN|check: FAILED (3 problems)" \
	"$(sed -n 's/^check: problem: \([A-Z_]*\) .*/\1/p' <<<"$diag" | paste -sd' ')|$(tail -n 1 <<<"$diag")"
run_check INNGEST_DEV=1 INNGEST_STREAMING=maybe
expect_eq "a malformed setting: exit 1, named" "1 check: problem: INNGEST_STREAMING must be 1/true or 0/false" \
	"$rc $(head -n 1 <<<"$diag")"
run_check INNGEST_SIGNING_KEY=not-a-key INNGEST_EVENT_KEY=k INNGEST_SERVE_ORIGIN=https://x.example
expect_match "a signing key that is not one: exit 1" "^1 check: problem: INNGEST_SIGNING_KEY is not a signing key" \
	"$rc $(head -n 1 <<<"$diag")"
expect_ok "...and the bad value is not echoed" bash -c "! grep -q not-a-key '$E2E_DIR/diag'"
# issue 17: encryption secrets are checked, and never printed
enc_key=deploy-check-encryption-secret-0123456789
enc_old=deploy-check-encryption-secret-older-9876
run_check INNGEST_DEV=1 INNGEST_ENCRYPTION_KEY=$enc_key INNGEST_ENCRYPTION_KEY_FALLBACKS=$enc_old
expect_match "encryption keys: exit 0, says encryption is on" \
	"^0 .*check: end-to-end encryption on \(strategy inngest/libsodium, the current key and 1 fallback\(s\)\).*check: OK" \
	"$rc $(tr '\n' ' ' <<<"$diag")"
cat "$E2E_DIR/diag" "$E2E_DIR/out" >"$E2E_DIR/enc_all"
run_check INNGEST_DEV=1 INNGEST_ENCRYPTION_KEY=deploy-check-short
expect_match "a short encryption key: exit 1, a problem" \
	"^1 check: problem: INNGEST_ENCRYPTION_KEY is shorter than 32 characters" "$rc $(head -n 1 <<<"$diag")"
cat "$E2E_DIR/diag" "$E2E_DIR/out" >>"$E2E_DIR/enc_all"
run_check INNGEST_DEV=1 INNGEST_ENCRYPTION_KEY=$enc_key "INNGEST_ENCRYPTION_KEY_FALLBACKS=$enc_old, $enc_key"
expect_match "an encryption key listed twice: exit 1, a problem" \
	"^1 check: problem: key 2 of INNGEST_ENCRYPTION_KEY_FALLBACKS is the same as INNGEST_ENCRYPTION_KEY" \
	"$rc $(head -n 1 <<<"$diag")"
cat "$E2E_DIR/diag" "$E2E_DIR/out" >>"$E2E_DIR/enc_all"
expect_ok "...and no encryption secret is ever echoed (stdout or stderr of the three)" \
	bash -c "grep -q 'encryption on' '$E2E_DIR/enc_all' && ! grep -q deploy-check- '$E2E_DIR/enc_all'"
# issue 13, finding 10: dev mode with a signing key turns every signature
# check off; that is a problem, not a note.
run_check "${prod[@]}" INNGEST_DEV=1
expect_match "INNGEST_DEV=1 with a signing key: exit 1, a problem that says signatures are off" \
	"^1 .*check: problem: INNGEST_SIGNING_KEY is set but INNGEST_DEV puts the program in dev mode, where no signature is checked" \
	"$rc $(tr '\n' ' ' <<<"$diag")"
# issue 13, finding 1: cloud mode without an origin refuses every sync
run_check INNGEST_SIGNING_KEY=$key INNGEST_EVENT_KEY=ek INNGEST_APP_ID=blog
expect_match "cloud without INNGEST_SERVE_ORIGIN: exit 1, the sync would be refused" \
	"^1 .*check: problem: INNGEST_SERVE_ORIGIN is not set: in cloud mode every out-of-band sync is refused" \
	"$rc $(tr '\n' ' ' <<<"$diag")"
run_check "${prod[@]}" INNGEST_SERVE_ORIGIN=http://blog.example
expect_match "a plain-http public origin: a note, not a failure" "^0 .*check: note: INNGEST_SERVE_ORIGIN is plain http://" \
	"$rc $(tr '\n' ' ' <<<"$diag")"

# ---- start-up without a usable socket ---------------------------------------------------
rc=0
msg=$(env -i INNGEST_DEV=1 "$bin" </dev/null 2>&1) || rc=$?
expect_match "no --listen and nothing inherited: exit 1 with the reason" \
	"^1 .*no --listen given and no inherited FastCGI socket" "$rc $msg"
rc=0
msg=$(env -i INNGEST_DEV=1 LISTEN_FDS=1 LISTEN_PID=1 "$bin" </dev/null 2>&1) || rc=$?
expect_match "LISTEN_FDS meant for another process (a wrapper that did not exec): exit 1, explained" \
	"^1 .*LISTEN_FDS was meant for pid 1, not this process .*must .exec. the program" "$rc $msg"
rc=0
msg=$(env -i INNGEST_DEV=1 "$bin" --listen :9000 2>&1) || rc=$?
expect_match "--listen :PORT (every interface) is refused" "^1 .*name the address" "$rc $msg"

summary
