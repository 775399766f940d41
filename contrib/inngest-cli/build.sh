#!/usr/bin/env bash
# Print the path of a usable Inngest CLI (`inngest dev`, `inngest start`,
# `inngest alpha conformance`) on stdout; progress goes to stderr.
# Order: $INNGEST_CLI; `inngest`/`inngest-cli` on PATH when it has the web UI;
# the cached build with the UI; a new build with the UI (Go, Node.js and pnpm,
# all from their registries); else, without the UI: the one on PATH, the
# cached build, a new build from the Go module alone.
# INNGEST_CLI_UI=0 skips the UI (an API-only build is enough for the tests).
set -euo pipefail

VERSION="${INNGEST_CLI_VERSION:-v1.44.0}"
MODULE=github.com/inngest/inngest
GO_MIN=1.26.4 # the `go` line of the module's go.mod
# Outside the checkout, so every clone on this machine shares one build.
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/inngest-fcgi"
BIN="$CACHE_ROOT/$VERSION/inngest"       # API only
UI_BIN="$CACHE_ROOT/$VERSION/ui/inngest" # with the dev server's web UI
# A UI build that failed for a reason that would come back at every call
# (not a network error) writes why here, so that the next calls use the
# API-only build at once instead of failing the same way each time.
UI_FAILED="$CACHE_ROOT/$VERSION/ui.failed"
# The title of the UI's page, stored as is in a binary that embeds the UI
# (go:embed keeps files uncompressed) and in no other.
UI_MARKER='<title>Inngest'

log() { echo "inngest-cli: $*" >&2; }
die() { log "error: $*"; exit 1; }
has_ui() { LC_ALL=C grep -qaF "$UI_MARKER" "$1" 2>/dev/null; }

# Why the web UI cannot be built here; nothing when it can.
ui_unavailable() {
	[[ ${INNGEST_CLI_UI:-1} != 0 ]] || { echo "INNGEST_CLI_UI=0"; return; }
	command -v node >/dev/null && command -v npm >/dev/null ||
		{ echo "Node.js and npm are not installed (the UI needs Node.js >= 20.19)"; return; }
	# vite 8, which builds the UI, runs on Node.js ^20.19 or >= 22.12.
	node -e 'const [a, b] = process.versions.node.split(".").map(Number);
		process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' ||
		{ echo "Node.js $(node --version) is too old (the UI needs >= 20.19)"; return; }
	if [[ -f $UI_FAILED ]]; then
		echo "the last UI build failed: $(head -c 300 "$UI_FAILED"); delete $UI_FAILED to try again"
	fi
}

if [[ -n "${INNGEST_CLI:-}" ]]; then
	[[ -x "$INNGEST_CLI" ]] || die "INNGEST_CLI=$INNGEST_CLI is not an executable file"
	echo "$INNGEST_CLI"; exit 0
fi
on_path=
for name in inngest inngest-cli; do
	if p=$(command -v "$name"); then
		has_ui "$p" && { echo "$p"; exit 0; }
		on_path=${on_path:-$p}
	fi
done
[[ -x "$UI_BIN" ]] && { echo "$UI_BIN"; exit 0; }

no_ui=$(ui_unavailable)
if [[ -n $no_ui ]]; then
	for p in "$on_path" "$BIN"; do
		[[ -n $p && -x $p ]] || continue
		log "$p has no web UI: $no_ui"
		echo "$p"; exit 0
	done
fi

GO=$(command -v go || echo /usr/local/go/bin/go)
[[ -x "$GO" ]] || die "Go not found: install Go >= $GO_MIN (https://go.dev/dl/), or set INNGEST_CLI to an inngest binary"
have=$("$GO" env GOVERSION); have=${have#go}
[[ "$(printf '%s\n' "$GO_MIN" "$have" | sort -V | head -1)" == "$GO_MIN" ]] ||
	die "Go $have is too old: install Go >= $GO_MIN (needed by $MODULE@$VERSION), or set INNGEST_CLI"

mkdir -p "$CACHE_ROOT/$VERSION"
# One build at a time per version: a second caller (another test, another
# `make run`) waits for the first and takes its result.
exec 9>"$CACHE_ROOT/.build-$VERSION.lock"
if ! flock -n 9; then
	log "another build of $VERSION is under way; waiting for it"
	flock 9
fi
want=$BIN
[[ -z $no_ui ]] && want=$UI_BIN
[[ -x $want ]] && { echo "$want"; exit 0; }

# Leftovers of a deletion that was interrupted (the machine stopped): an
# hour is far longer than any deletion takes.
find "$CACHE_ROOT" -maxdepth 1 -name '.trash.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
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
# The reference copy kept beside the binaries (see the end) is taken now,
# before the UI's build adds its packages and output to the tree.
cp -r "$tmp/src" "$tmp/src-reference"

# ---- the web UI (ui/apps/dev-server-ui), as upstream's `make build-ui` ---------
# Sets ui_error when it fails; ui_lasting says the failure would come back.
ui_error='' ui_lasting=''
build_ui() {
	local ui="$tmp/src/ui" app="$tmp/src/ui/apps/dev-server-ui" pm pnpm_dir pnpm
	pm=$(sed -n 's/^[[:space:]]*"packageManager": "pnpm@\([0-9][0-9.]*\)\(+[^"]*\)\?",\?$/\1/p' "$ui/package.json" 2>/dev/null)
	[[ -n $pm && -d $app ]] || { ui_error="no pnpm workspace with apps/dev-server-ui in $MODULE@$VERSION's ui/"; ui_lasting=1; return 1; }
	# The pnpm the workspace names, from the npm registry, kept per version.
	pnpm_dir="$CACHE_ROOT/pnpm/$pm"
	pnpm="$pnpm_dir/node_modules/.bin/pnpm"
	if [[ ! -x $pnpm || $("$pnpm" --version 2>/dev/null) != "$pm" ]]; then
		log "installing pnpm@$pm from the npm registry"
		rm -rf "$pnpm_dir"
		npm install --prefix "$pnpm_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
			"pnpm@$pm" >&2 || { ui_error="npm could not install pnpm@$pm"; return 1; }
	fi
	# pnpm's store, metadata cache and state stay in the build directory and
	# go with it: nothing outside the cache grows.
	local -a env=(env XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache"
		XDG_STATE_HOME="$tmp/xdg/state" CI=true)
	log "installing the UI's packages (pnpm@$pm, --frozen-lockfile: exactly the versions of ui/pnpm-lock.yaml)"
	# --ignore-scripts: no package needs its install script for this build
	# (upstream's own scripts are a pnpm check and git hooks), and none runs.
	(cd "$ui" && nice "${env[@]}" "$pnpm" install --frozen-lockfile --ignore-scripts \
		--filter '@inngest/dev-server-ui...' --reporter=append-only >&2) ||
		{ ui_error="pnpm install failed (the npm registry must be reachable)"; return 1; }
	# The payload viewers (Monaco) load their editor from a public CDN by
	# default, so without internet they are blank.  The build serves Monaco's
	# files itself under /assets/monaco/vs, and tells the loader so with an
	# absolute URL (a relative one would resolve against each page's path).
	[[ -f $app/src/router.tsx && -d $app/node_modules/monaco-editor/min/vs ]] ||
		{ ui_error="the UI's source has no src/router.tsx or no monaco-editor package: cannot serve Monaco locally"; ui_lasting=1; return 1; }
	cat >"$app/src/monaco-local.ts" <<-'EOF'
		// Added by inngest-fcgi's contrib/inngest-cli/build.sh: Monaco's files are
		// served by the dev server itself (/assets/monaco/vs), not by a CDN.
		import { loader } from '@monaco-editor/react';

		if (typeof window !== 'undefined') {
		  loader.config({ paths: { vs: `${window.location.origin}/assets/monaco/vs` } });
		}
	EOF
	sed -i "1i import './monaco-local';" "$app/src/router.tsx"
	log "building the UI (graphql-codegen, vite build)"
	(cd "$app" && nice "${env[@]}" "$pnpm" exec graphql-codegen --config codegen.ts >&2 &&
		nice "${env[@]}" "$pnpm" exec vite build --mode=production >&2) ||
		{ ui_error="the UI's build (graphql-codegen, vite build) failed"; ui_lasting=1; return 1; }
	[[ -f $app/dist/client/_shell.html ]] ||
		{ ui_error="vite build wrote no dist/client/_shell.html"; ui_lasting=1; return 1; }
	mkdir -p "$app/dist/client/assets/monaco"
	cp -r "$app/node_modules/monaco-editor/min/vs" "$app/dist/client/assets/monaco/vs" &&
		[[ -f $app/dist/client/assets/monaco/vs/loader.js ]] ||
		{ ui_error="Monaco's files (monaco-editor/min/vs) could not be copied"; return 1; }
	# The dev server serves static/client only (pkg/devserver/api.go); the
	# server half of dist/ is for `vite preview` and is left out.
	rm -rf "$tmp/src/pkg/devserver/static/client"
	cp -r "$app/dist/client" "$tmp/src/pkg/devserver/static/client"
}

if [[ -z $no_ui ]]; then
	ui_start=$SECONDS
	if build_ui; then
		log "UI built in $((SECONDS - ui_start))s"
		rm -f "$UI_FAILED"
	else
		log "warning: the web UI could not be built: $ui_error; building without it"
		no_ui=$ui_error
		if [[ -n $ui_lasting ]]; then echo "$ui_error" >"$UI_FAILED"; fi
		# Nothing of a half-built UI may reach the binary.
		rm -rf "$tmp/src/pkg/devserver/static/client"
		# An API-only CLI may already be there.
		for p in "$on_path" "$BIN"; do
			[[ -n $p && -x $p ]] || continue
			log "$p has no web UI: $no_ui"
			echo "$p"; exit 0
		done
	fi
fi

# Same flags as upstream's goreleaser.
log "building ./cmd (takes several minutes on 2 cores the first time)"
start=$SECONDS
(cd "$tmp/src" && CGO_ENABLED=0 nice "$GO" build -trimpath -o "$tmp/inngest" -ldflags "-s -w \
  -X $MODULE/pkg/inngest/version.Version=${VERSION#v} \
  -X $MODULE/pkg/inngest/version.Hash=${hash:0:10}" ./cmd) ||
	die "go build of $MODULE@$VERSION failed (its dependencies also come from the Go module proxy)"
log "built in $((SECONDS - start))s"

out=$BIN
if [[ -z $no_ui ]]; then
	has_ui "$tmp/inngest" || die "the build embedded no UI (no $UI_MARKER in the binary)"
	out=$UI_BIN
else
	log "this build has no web UI: $no_ui"
fi
mkdir -p "${out%/*}"
# Keep the (patched) source beside the binary: pkg/conformance and
# tests/conformance/golang are the reference for what SDK apps must do.
# A build with the UI leaves an existing copy alone (the same source).
ref="$CACHE_ROOT/$VERSION/src"
if [[ $out == "$BIN" || ! -d $ref ]]; then
	rm -rf "$ref"; mv "$tmp/src-reference" "$ref"
fi
mv -f "$tmp/inngest" "$out" # same filesystem as the cache, so this is atomic
# The build directory holds some 100,000 files (the UI's packages): deleting
# them can take minutes on a busy disk, and nobody needs to wait for that.
trash="$CACHE_ROOT/.trash.$$"
if mv "$tmp" "$trash" 2>/dev/null; then
	trap - EXIT
	# (fd 9, the build lock, is not the deletion's to hold)
	(exec 9>&-; nice rm -rf "$trash" </dev/null >/dev/null 2>&1 &)
fi
echo "$out"
