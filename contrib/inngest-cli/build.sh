#!/usr/bin/env bash
# Print the path of a usable Inngest CLI (`inngest dev`, `inngest start`,
# `inngest alpha conformance`) on stdout; progress goes to stderr.
# Order: $INNGEST_CLI, `inngest`/`inngest-cli` on PATH, the cached build,
# else build it from its Go module through the Go module proxy.
set -euo pipefail

VERSION="${INNGEST_CLI_VERSION:-v1.44.0}"
MODULE=github.com/inngest/inngest
GO_MIN=1.26.4 # the `go` line of the module's go.mod
# Outside the checkout, so every clone on this machine shares one build.
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/inngest-fcgi"
BIN="$CACHE_ROOT/$VERSION/inngest"

log() { echo "inngest-cli: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -n "${INNGEST_CLI:-}" ]]; then
  [[ -x "$INNGEST_CLI" ]] || die "INNGEST_CLI=$INNGEST_CLI is not an executable file"
  echo "$INNGEST_CLI"; exit 0
fi
for name in inngest inngest-cli; do
  if p=$(command -v "$name"); then echo "$p"; exit 0; fi
done
[[ -x "$BIN" ]] && { echo "$BIN"; exit 0; }

GO=$(command -v go || echo /usr/local/go/bin/go)
[[ -x "$GO" ]] || die "Go not found: install Go >= $GO_MIN (https://go.dev/dl/), or set INNGEST_CLI to an inngest binary"
have=$("$GO" env GOVERSION); have=${have#go}
[[ "$(printf '%s\n' "$GO_MIN" "$have" | sort -V | head -1)" == "$GO_MIN" ]] ||
  die "Go $have is too old: install Go >= $GO_MIN (needed by $MODULE@$VERSION), or set INNGEST_CLI"

mkdir -p "$CACHE_ROOT"
tmp=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# `go install module@version` refuses modules with replace directives (this one
# has some), so fetch the module source and build it as the main module.
log "downloading $MODULE@$VERSION (GOPROXY=$("$GO" env GOPROXY))"
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\?$/\1/p" <<<"$json" | head -1; }
json=$(cd "$tmp" && "$GO" mod download -json "$MODULE@$VERSION") ||
  die "could not download $MODULE@$VERSION: $(field Error)
  The Go module proxy must be reachable (see GOPROXY), and INNGEST_CLI_VERSION a version it has"
src=$(field Dir); hash=$(field Hash)
[[ -d "$src" ]] || die "go mod download gave no source directory: $json"
cp -r "$src" "$tmp/src"; chmod -R u+w "$tmp/src"
# The docs that `inngest dev` serves over MCP live in a git submodule, which
# module zips leave out; go:embed needs at least one file there.
mkdir -p "$tmp/src/internal/embeddocs/website/pages/docs"
echo "Docs are not bundled in builds from the Go module." >"$tmp/src/internal/embeddocs/website/pages/docs/README.md"
# Upstream bug (through v1.44.0): the conformance serve runner compares the
# executor's request ctx without copying the per-dispatch generation_id, so
# every case but serve-introspection fails, even against upstream's own Go
# fixture. Copy it like the runner already does for request_id and job_id.
runner="$tmp/src/pkg/conformance/runner/serve/runner.go"
grep -q '"GenerationID")' "$runner" ||
  sed -i 's|^\(\t*\)copyRequestContextFieldIfPresent(&expectedCtx, execReq.Ctx, "JobID")|&\n\1copyRequestContextFieldIfPresent(\&expectedCtx, execReq.Ctx, "GenerationID")|' "$runner"
grep -q '"GenerationID")' "$runner" || log "warning: conformance runner patch did not apply"

# Same flags as upstream's goreleaser; the web UI is built separately upstream
# and is absent here (the API and the CLI work without it).
log "building ./cmd (takes several minutes on 2 cores)"
start=$SECONDS
(cd "$tmp/src" && CGO_ENABLED=0 "$GO" build -trimpath -o "$tmp/inngest" -ldflags "-s -w \
  -X $MODULE/pkg/inngest/version.Version=${VERSION#v} \
  -X $MODULE/pkg/inngest/version.Hash=${hash:0:10}" ./cmd) ||
  die "go build of $MODULE@$VERSION failed (its dependencies also come from the Go module proxy)"
log "built in $((SECONDS - start))s"

mkdir -p "${BIN%/*}"
# Keep the (patched) source beside the binary: pkg/conformance and
# tests/conformance/golang are the reference for what SDK apps must do.
rm -rf "${BIN%/*}/src"; mv "$tmp/src" "${BIN%/*}/src"
mv -f "$tmp/inngest" "$BIN" # same filesystem as the cache, so this is atomic
echo "$BIN"
